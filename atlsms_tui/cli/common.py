"""What every command shares: exit codes, output, the session."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import paths
from ..errors import InputError
from ..models import State


EXIT_OK, EXIT_API, EXIT_INPUT, EXIT_TRANSPORT, EXIT_UNCERTAIN = 0, 1, 2, 3, 4
# A campaign with some parts accepted and others not (cancelled, interrupted,
# rejected): finish it with `campaign resume`.
EXIT_INCOMPLETE = 5
# A local problem (store, disk, permissions, settings); nothing was sent.
EXIT_LOCAL = 6

STATE_EXIT = {
    State.ACCEPTED: EXIT_OK,
    State.ACCEPTED_WITHOUT_TASKID: EXIT_OK,
    State.REJECTED: EXIT_API,
    State.FAILED: EXIT_TRANSPORT,
    State.UNCERTAIN: EXIT_UNCERTAIN,
    State.SENDING: EXIT_UNCERTAIN,
    # parts of a campaign stopped before they were sent: nothing uncertain
    State.QUEUED: EXIT_INPUT,
    State.CANCELLED: EXIT_INPUT,
}


class UsageError(InputError):
    pass


def err(msg: str) -> None:
    print(msg, file=sys.stderr)


def out_json(doc) -> None:
    print(json.dumps(doc, ensure_ascii=False))


def open_cli_session(args, need_password: bool = True):
    from ..session import open_session

    s = open_session(args.profile, args.api_url, need_password=need_password)
    for cid in s.recovered:
        err(f"warning: submission {cid} was interrupted; its outcome is uncertain. "
            f"Settle it with: atlsms-tui retry {cid}")
    return s


def read_text_file(path: Path, what: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{what} {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{what} {path}: line {line}: not valid UTF-8 (byte {data[exc.start]:#04x})") from None
    return text


def open_store():
    from ..store import Store

    return Store(paths.store_file())


def print_import_report(rep, always: bool = True) -> None:
    """An import report on stderr (numbers given with --to: only their problems)."""
    if not always and not rep.invalid and not rep.duplicate_rows and not rep.recovered:
        return
    if always:
        for line in rep.lines():
            err(line)
        return
    from ..imports.report import count_of

    for title, issues in (("invalid, not sent to", rep.invalid), ("duplicates removed", rep.duplicate_rows)):
        if issues:
            err(f"{rep.source}: {count_of(issues)} {title}:")
            for i in issues[:50]:
                err(f"  {rep.issue_line(i)}")
            if count_of(issues) > 50:
                err(f"  ... and {count_of(issues) - 50} more")
