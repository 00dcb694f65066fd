"""The scripting CLI: a stable contract over the service layer.

Exit codes: 0 done; 1 the API answered with an error code (for a campaign:
and no part was accepted); 2 bad input or usage, nothing sent; 3 transport
failure, nothing sent; 4 a submission whose outcome is uncertain; 5 a
campaign left incomplete (finish it with `campaign resume`); 6 a local
problem, nothing sent. Commands other than the TUI never import Textual.
"""

from __future__ import annotations

import asyncio

from ..errors import ApiError, AtlSmsError, ConfigError, InputError, TransportError
from .account import cmd_count, cmd_locate, cmd_login, cmd_simulator, cmd_units
from .common import EXIT_API, EXIT_INPUT, EXIT_TRANSPORT, err
from .lists import cmd_group, cmd_optout, cmd_template
from .parser import build_parser
from .send import cmd_send
from .tasks import cmd_abandon, cmd_campaign, cmd_report, cmd_retry, cmd_tasks


def run_tui(args) -> int:
    from ..ui.app import run

    return run(profile=args.profile, api_url=args.api_url, demo=args.demo)


ASYNC_COMMANDS = {
    "login": cmd_login, "units": cmd_units, "send": cmd_send, "tasks": cmd_tasks,
    "report": cmd_report, "retry": cmd_retry, "campaign": cmd_campaign, "abandon": cmd_abandon,
}
SYNC_COMMANDS = {
    "simulator": cmd_simulator, "locate": cmd_locate, "count": cmd_count,
    "group": cmd_group, "template": cmd_template, "optout": cmd_optout,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            return run_tui(args)
        if args.command in SYNC_COMMANDS:
            return SYNC_COMMANDS[args.command](args)
        return asyncio.run(ASYNC_COMMANDS[args.command](args))
    except ApiError as exc:
        err(str(exc))
        if exc.advice:
            err(exc.advice)
        return EXIT_API
    except (InputError, ConfigError) as exc:
        err(f"error: {exc}")
        return EXIT_INPUT
    except TransportError as exc:
        err(f"error: {exc}")
        return EXIT_TRANSPORT
    except AtlSmsError as exc:
        err(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        err("interrupted")
        return 130
    except EOFError:
        err("error: no answer on standard input")
        return EXIT_INPUT
