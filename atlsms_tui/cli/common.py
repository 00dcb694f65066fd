"""What every command shares: exit codes, output, the session."""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from pathlib import Path

from .. import api
from ..api import models
from ..api.errors import InputError
from ..api.models import State
from ..api.rules import UNSAFE, printable

EXIT_OK, EXIT_API, EXIT_INPUT, EXIT_TRANSPORT, EXIT_UNCERTAIN = 0, 1, 2, 3, 4
# A campaign with some parts accepted and others not (cancelled, interrupted,
# rejected): finish it with `campaign resume`.
EXIT_INCOMPLETE = 5
# A local problem (store, disk, permissions, settings); nothing was sent.
EXIT_LOCAL = 6
# `units --min N` found the balance below N (for cron); nothing else uses it.
EXIT_LOW_BALANCE = 7

STATE_EXIT = {
    State.ACCEPTED: EXIT_OK,
    State.ACCEPTED_WITHOUT_TASKID: EXIT_OK,
    State.REJECTED: EXIT_API,
    State.FAILED: EXIT_TRANSPORT,
    State.UNCERTAIN: EXIT_UNCERTAIN,
    State.SENDING: EXIT_UNCERTAIN,
    # parts of a campaign stopped before they were sent: nothing uncertain
    State.QUEUED: EXIT_INCOMPLETE,
    State.CANCELLED: EXIT_INCOMPLETE,
    State.ABANDONED: EXIT_INCOMPLETE,
}

# A campaign's outcome (campaign.outcome_of) to its exit status.
OUTCOME_EXIT = {
    "accepted": EXIT_OK,
    "rejected": EXIT_API,
    "failed": EXIT_TRANSPORT,
    "uncertain": EXIT_UNCERTAIN,
    "incomplete": EXIT_INCOMPLETE,
    "cancelled": EXIT_INCOMPLETE,
    "empty": EXIT_INCOMPLETE,
    # journalled whole; nothing sent until another operator approves it
    "awaiting_approval": EXIT_OK,
}


class UsageError(InputError):
    pass


def safe(text: object, keep_lines: bool = False) -> str:
    """``text`` with every control, bidi or separator character shown as an
    escape (``\\x1b``, ``\\u202e``): what the server, a file or the store
    holds is printed, never acted on. ``keep_lines`` keeps newlines and tabs
    (a template's body)."""
    return printable(text, keep="\n\t" if keep_lines else "")


def out(line: object = "", keep_lines: bool = False) -> None:
    """One line on stdout, escaped (see safe)."""
    print(safe(line, keep_lines))


def err(msg: object) -> None:
    print(safe(msg, keep_lines=True), file=sys.stderr)


def _json_escape(m: re.Match) -> str:
    return f"\\u{ord(m.group()):04x}"


def json_text(doc) -> str:
    """JSON with C1, bidi and separator characters \\u-escaped as well
    (json.dumps escapes only C0); other text stays readable UTF-8."""
    return UNSAFE.sub(_json_escape, json.dumps(doc, ensure_ascii=False))


def out_json(doc) -> None:
    print(json_text(doc))


def open_cli_session(args, need_password: bool = True):
    return open_cli_core(args, need_password).session


def open_cli_core(args, need_password: bool = True):
    """The core API on the profile the arguments name; warns of plain HTTP
    and of submissions a previous run left uncertain."""
    core = api.open_core(args.profile, args.api_url, need_password=need_password,
                     allow_insecure_http=getattr(args, "allow_insecure_http", False),
                     read_only=getattr(args, "monitor", False))
    tell_opened(core.profile, core.recovered)
    core.alerts.on_warning(lambda text: err(f"warning: {text}"))
    return core


def tell_opened(profile, recovered: list[str]) -> None:
    if profile.insecure_http_warning:
        err(profile.insecure_http_warning)
    for cid in recovered:
        err(f"warning: submission {cid} was interrupted; its outcome is uncertain. "
            f"Settle it with: atlsms-tui retry {cid}")


# A message or template file larger than this is not a message (ten
# segments of UCS-2 are under 3 KB).
MAX_TEXT_FILE = 1 << 20


def read_text_file(path: Path, what: str) -> str:
    """A small UTF-8 regular file. A FIFO, a device or a directory is
    refused without blocking on it (opened non-blocking, checked by fstat)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(f"{what} {path}: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{what} {path}: not a regular file; give a text file")
        if st.st_size > MAX_TEXT_FILE:
            raise InputError(f"{what} {path}: {st.st_size:,} bytes, more than a message can be "
                             f"(limit {MAX_TEXT_FILE:,} bytes); give the message itself")
        with os.fdopen(fd, "rb") as f:
            fd = -1
            data = f.read(MAX_TEXT_FILE + 1)
    except OSError as exc:
        raise InputError(f"{what} {path}: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > MAX_TEXT_FILE:
        raise InputError(f"{what} {path}: more than {MAX_TEXT_FILE:,} bytes; give the message itself")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{what} {path}: line {line}: not valid UTF-8 (byte {data[exc.start]:#04x})") from None
    return text


def open_store():
    return api.open_journal()


def print_import_report(rep, always: bool = True) -> None:
    """An import report on stderr (numbers given with --to: only their problems)."""
    if not always and not rep.invalid and not rep.duplicate_rows and not rep.recovered:
        return
    if always:
        for line in rep.lines():
            err(line)
        return
    for title, issues in (("invalid, not sent to", rep.invalid), ("duplicates removed", rep.duplicate_rows)):
        if issues:
            err(f"{rep.source}: {models.count_of(issues)} {title}:")
            for i in issues[:50]:
                err(f"  {rep.issue_line(i)}")
            if models.count_of(issues) > 50:
                err(f"  ... and {models.count_of(issues) - 50} more")
