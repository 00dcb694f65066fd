"""Files the operator exports (CSV reports of numbers and messages).

An export holds customers' numbers and what they were sent, so it is private
from its first byte (0600, created with O_EXCL|O_NOFOLLOW: never a planted
symlink, never someone else's file), it never replaces an existing file
unless asked to, and it is inert when opened in a spreadsheet: a cell that
starts like a formula (``=cmd|' /C calc'!A0``) gets a leading ``'``.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from . import paths

# Characters that make Excel, LibreOffice or Sheets read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def exports_dir() -> Path:
    """Where exports go unless the operator names another place: ``exports/``
    in the data directory (0700), never silently the current directory."""
    return paths.private_dir(paths.data_dir() / "exports")


def neutralise(cell: object) -> object:
    """A text cell a spreadsheet would run as a formula, made plain text."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable[object]], *,
              replace: bool = False) -> int:
    """Write ``header`` and ``rows`` to ``path`` as CSV; the number of rows.

    Without ``replace`` an existing ``path`` (or a symlink there) raises
    FileExistsError and nothing is touched. With it, the rows go to a private
    temporary file beside ``path`` that then takes its place, so a failed
    export never leaves half a file under either name."""
    path = Path(path)
    if replace:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        target: Path | None = Path(tmp_name)
    else:
        fd = os.open(path, _NEW_FILE, 0o600)
        target = path
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow([neutralise(c) for c in header])
            count = 0
            for row in rows:
                writer.writerow([neutralise(c) for c in row])
                count += 1
            f.flush()
            os.fsync(f.fileno())
        if replace:
            os.replace(tmp_name, path)
            target = None
    except BaseException:
        if target is not None:
            try:
                os.unlink(target)
            except OSError:
                pass
        raise
    return count
