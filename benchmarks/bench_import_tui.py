"""A million-line number file loaded into compose (part of bench_import.py).

Run in a fresh process: the TUI headless (Textual's test driver, as
bench_ui.py drives it) on the demo profile of a simulator. From Enter in the
file field to the first paint of the Numbers panel holding the count; keys
typed into the message meanwhile, each timed from the driver to the first
paint showing it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


async def _run(path: str, n: int) -> dict:
    sys.path.insert(0, str(HERE))
    from bench_ui import Painter, idle, make_session, private_env, send_key, start_simulator
    from textual.widgets import Input, Static, TextArea

    from atlsms_tui.ui.app import AtlSmsApp

    private_env()
    sim, url = start_simulator(0.5, 600)
    try:
        session = make_session(url)
        app = AtlSmsApp(session)
        keys: list[float] = []
        async with app.run_test(size=(100, 30)) as pilot:
            painter = Painter(app)
            await idle(app)
            app.action_compose()
            for _ in range(200):
                await pilot.pause(0.05)
                screen = app.screen
                if screen.query("#numbers-file") and screen.query("#rcp-summary"):
                    break
            field = screen.query_one("#numbers-file", Input)
            field.value = path
            field.focus()
            await pilot.pause()
            area = screen.query_one("#message", TextArea)
            summary = screen.query_one("#rcp-summary", Static)
            want = f"{n:,} numbers to send"

            def filled() -> bool:
                return want in str(summary.render())

            t0 = send_key(app, "enter")
            # The Enter must reach the file field before the focus moves (on
            # a busy machine a fixed pause is not enough: the Enter then goes
            # into the message and the file is never read).
            while not (filled() or "reading" in str(summary.render())):
                if time.perf_counter() - t0 > 30:
                    raise TimeoutError("the file field never started reading")
                await asyncio.sleep(0.002)
            area.focus()
            typed = 0
            while not filled():
                if time.perf_counter() - t0 > 120:
                    raise TimeoutError("the Numbers panel never showed the count")
                typed += 1
                keys.append(await painter.after(send_key(app, "x"), lambda k=typed: len(area.text) == k))
                await asyncio.sleep(0.03)  # an operator's key repeat
            hit = painter.hit
            fill = await painter.after(t0, filled) if hit is None else time.perf_counter() - t0
        await session.aclose()
        return {"fill": fill, "keys": keys}
    finally:
        sim.kill()


def bench_tui(path: Path, n: int, limit: float = 600) -> None:
    # The child's output goes to files, not pipes, and a stuck run dumps
    # where it is stuck and stops: the figure is then missing, not waited for.
    code = (f"import asyncio, faulthandler, json, sys; faulthandler.dump_traceback_later({limit - 30}, exit=True); "
            f"sys.path.insert(0, {str(HERE)!r}); import bench_import_tui as b; "
            f"print(json.dumps(asyncio.run(b._run({str(path)!r}, {n}))))")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        try:
            rc = subprocess.run([sys.executable, "-c", code], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=env, timeout=limit, cwd=ROOT).returncode
        except subprocess.TimeoutExpired:
            rc = -1
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if rc or not stdout.strip():
        print(f"  TUI load failed (exit {rc}):\n{stderr[-3000:]}")
        return
    r = json.loads(stdout.strip().splitlines()[-1])
    keys = sorted(r["keys"])
    p95 = keys[min(len(keys) - 1, int(round(0.95 * (len(keys) - 1))))] * 1000 if keys else 0.0
    p50 = keys[len(keys) // 2] * 1000 if keys else 0.0
    print(f"{n:,}-line file into compose (headless, 100x30)")
    print(f"  Numbers panel filled       {r['fill']:7.2f} s   target < 3 s: {'MET' if r['fill'] < 3 else 'NOT MET'}")
    print(f"  key to screen meanwhile    p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  n={len(keys)}   "
          f"target p95 < 50 ms: {'MET' if keys and p95 < 50 else 'NOT MET'}", flush=True)
