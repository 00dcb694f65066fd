"""What the CLI says when something it did not plan for reaches the top:
a local problem (disk, permissions, store, proxy or URL settings) becomes
one line naming the file or setting and the fix, exit 6; anything else one
line and a hint, never a traceback (it could hold message text or a URL)."""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import sys
import traceback

from ..api.errors import LocalError
from .common import err

# 128 + SIGPIPE, what a shell reports for a tool whose reader went away
EXIT_BROKEN_PIPE = 141
# EX_SOFTWARE (sysexits.h): an internal error of this program
EXIT_INTERNAL = 70

_CREDENTIALS = re.compile(r"(//)[^/@\s]*@")
_PROXY_VARS = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")


def local_problem(exc: BaseException) -> LocalError | None:
    """The one-line LocalError for ``exc`` if it is a local problem."""
    exc = leaf(exc)
    if isinstance(exc, sqlite3.Error):
        from ..api.errors import journal_problem
        from ..api.profiles import locations

        return journal_problem(locations()["journal"], exc)
    if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
        return LocalError(_os_problem(exc))
    if isinstance(exc, MemoryError):
        return LocalError("out of memory; close other programs, or send the campaign in smaller parts")
    settings = _network_settings()
    module = type(exc).__module__ or ""
    if isinstance(exc, ImportError) and "socksio" in str(exc):
        return LocalError(f"{settings or 'the proxy setting'} asks for a SOCKS proxy, but SOCKS support is "
                          "not installed: reinstall atlsms-tui (pip install 'httpx[socks]') or unset it")
    if module.startswith(("httpx", "httpcore", "h11")) or (
            isinstance(exc, OverflowError) and "port" in str(exc)):
        return LocalError(f"invalid URL or proxy setting ({_first_line(exc)}): check --api-url / "
                          f"ATLSMS_API_URL / the profile's api_url{' and ' + settings if settings else ''}")
    return None


def leaf(exc: BaseException) -> BaseException:
    """The one error inside (nested) exception groups of one error each, as
    anyio's task groups wrap a failed connect."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def _os_problem(exc: OSError) -> str:
    # a write to an open file carries no name: the journal's directory is
    # where this program writes most
    from ..api.profiles import locations

    where = exc.filename or f"a file under {locations()['journal'].parent}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{where}: no space left on the disk (or quota reached); free some space and run again"
    if exc.errno == errno.EROFS:
        return (f"{where}: read-only file system; point ATLSMS_DATA_DIR / ATLSMS_CONFIG_DIR at a "
                "writable directory")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (f"{where}: permission denied; make it yours and private "
                f"(chown {os.getuid()} and chmod 700 for a directory, 600 for a file)")
    return f"{where}: {exc.strerror or _first_line(exc)}"


def _network_settings() -> str:
    return ", ".join(f"{v}={_without_credentials(os.environ[v])}" for v in _PROXY_VARS if os.environ.get(v))


def _without_credentials(url: str) -> str:
    # a proxy URL may carry user:password@
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return _CREDENTIALS.sub(r"\1***@", text)[:200]


def unexpected(exc: BaseException) -> int:
    """One line and a hint; the traceback only when ATLSMS_DEBUG is set."""
    if os.environ.get("ATLSMS_DEBUG"):
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    exc = leaf(exc)
    err(f"error: internal error ({type(exc).__name__}: {_first_line(exc)})")
    err("this is a bug of atlsms-tui: run again with ATLSMS_DEBUG=1 for details and report it; "
        "if it happened while sending, see `atlsms-tui tasks` before sending again")
    return EXIT_INTERNAL
