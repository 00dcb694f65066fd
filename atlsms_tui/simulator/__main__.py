"""``python -m atlsms_tui.simulator``: run the simulator standalone."""

from __future__ import annotations

import argparse

from . import serve_forever


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m atlsms_tui.simulator",
                                 description="Simulated ATL Bulk SMS API server (loopback).")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8800)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--report-delay", type=float, default=5.0)
    ap.add_argument("--delivery-time", type=float, default=20.0)
    ap.add_argument("--state", default=None, help="SQLite file keeping tasks across restarts")
    ap.add_argument("--verbose", action="store_true", help="log each HTTP request to stderr")
    args = ap.parse_args(argv)
    serve_forever(
        host=args.host, port=args.port, seed=args.seed, report_delay=args.report_delay,
        delivery_time=args.delivery_time, state_path=args.state, verbose=args.verbose,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
