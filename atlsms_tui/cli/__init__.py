"""The scripting CLI: a stable contract over the service layer.

Exit codes: 0 done; 1 the API answered with an error code (for a campaign:
and no part was accepted); 2 bad input or usage, nothing sent; 3 transport
failure, nothing sent; 4 a submission whose outcome is uncertain; 5 a
campaign left incomplete (finish it with `campaign resume`); 6 a local
problem (store, disk, permissions, proxy or URL settings), nothing sent; 7
`units --min N` found the balance below N; 70 an internal error. Commands other than the TUI never import Textual.
"""

from __future__ import annotations

import importlib
import os
import sys

from ..api.errors import ApiError, AtlSmsError, ConfigError, InputError, TransportError
from .common import EXIT_API, EXIT_INPUT, EXIT_TRANSPORT, err
from .failures import EXIT_BROKEN_PIPE, leaf, local_problem, unexpected
from .parser import parse

# ATL's code for a login or password it does not accept
LOGIN_REFUSED = "105"


def run_tui(args) -> int:
    from ..ui.app import run

    return run(profile=args.profile, api_url=args.api_url, demo=args.demo,
               allow_insecure_http=args.allow_insecure_http, monitor=args.monitor)


# Each command's module is imported when that command runs: `locate` need
# not load the HTTP client, nor `count` the journal.
COMMAND_MODULES = {
    "login": "account", "simulator": "account", "locate": "account", "count": "account", "units": "account",
    "send": "send", "tasks": "tasks", "report": "tasks",
    "retry": "campaigns", "campaign": "campaigns", "abandon": "campaigns", "approve": "campaigns", "reject": "campaigns",
    "group": "lists", "template": "lists", "optout": "lists",
}
SYNC_COMMANDS = frozenset({"login", "simulator", "locate", "count", "tasks"})


def command_function(name: str):
    """The function running command ``name``, from its module."""
    module = importlib.import_module(f"{__name__}.{COMMAND_MODULES[name]}")
    return getattr(module, f"cmd_{name}")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        code = _run(lambda: _command(args))
        # flushed here, where a reader gone away can still be told from a
        # failure, rather than by the interpreter on its way out
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _quiet_broken_pipe()


def _command(args) -> int:
    if args.command is None:
        return run_tui(args)
    fn = command_function(args.command)
    if args.command in SYNC_COMMANDS:
        return fn(args)
    import asyncio

    return asyncio.run(fn(args))


def _raise(exc: BaseException):
    raise exc


def _run_raising(exc: BaseException) -> int:
    """Report an error found inside an exception group as if raised alone."""
    return _run(lambda: _raise(exc))


def _run(fn) -> int:
    try:
        return fn()
    except ApiError as exc:
        err(str(exc))
        if exc.code == LOGIN_REFUSED:
            from ..api.profiles import credentials_advice

            advice = credentials_advice()
        else:
            advice = exc.advice
        if advice:
            err(advice)
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
    except BrokenPipeError:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, no traceback
        inner = leaf(exc)
        if inner is not exc and isinstance(inner, (AtlSmsError, KeyboardInterrupt, BrokenPipeError)):
            return _run_raising(inner)
        problem = local_problem(exc)
        if problem is not None:
            err(f"error: {problem}")
            return problem.exit_code
        return unexpected(exc)


def _quiet_broken_pipe() -> int:
    """The reader went away (``| head``): stop without a word, as Unix tools
    do, and keep the interpreter from complaining when it flushes stdout."""
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
        except (OSError, ValueError):
            pass
    return EXIT_BROKEN_PIPE
