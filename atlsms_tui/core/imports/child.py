"""A recipient file imported in a child process.

An import in a thread shares the interpreter lock with the event loop of
the TUI: while a million lines are read, every key waits for the lock a
few times over. In a child process the loop stays free; the report comes
back pickled over a pipe (a number list is two integer arrays), progress
comes as small messages, and cancelling is ending the child.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import struct
import sys
from collections.abc import Callable
from typing import IO, Literal

from ..errors import InputError
from .report import ImportReport

__all__ = ["import_in_child"]

_LEN = struct.Struct("!Q")
# Where ``atlsms_tui`` is, for the child's import path.
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# What the child tells its parent, one pickled frame each.
_Message = (
    tuple[Literal["progress"], int, int]
    | tuple[Literal["done"], ImportReport]
    | tuple[Literal["input", "error"], str]
)


def _send(out: IO[bytes], msg: _Message) -> None:
    data = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_LEN.pack(len(data)))
    out.write(data)
    out.flush()


def main() -> None:
    """The child: arguments as JSON on stdin, messages as pickled frames on
    stdout."""
    from . import read_recipients

    args = json.loads(sys.stdin.read())
    out = sys.stdout.buffer
    try:
        rep = read_recipients(args["path"], progress=lambda done, total: _send(out, ("progress", done, total)),
                              **args["kwargs"])
        _send(out, ("done", rep))
    except InputError as exc:
        _send(out, ("input", str(exc)))
    except Exception as exc:  # reported to the parent, which shows it
        _send(out, ("error", f"{type(exc).__name__}: {exc}"))


async def _frame(stream: asyncio.StreamReader) -> _Message:
    (n,) = _LEN.unpack(await stream.readexactly(_LEN.size))
    msg: _Message = pickle.loads(await stream.readexactly(n))
    return msg


async def import_in_child(path: str | os.PathLike[str], *, progress: Callable[[int, int], None] | None = None,
                          cancelled: Callable[[], bool] | None = None, poll: float = 0.02,
                          **kwargs: object) -> ImportReport | None:
    """:func:`read_recipients` in a child process; None when ``cancelled()``
    became true first (the child is then ended). InputError as the import
    raises it; RuntimeError if the child fails otherwise."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from atlsms_tui.core.imports.child import main; main()",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env=env, limit=1 << 20,
    )
    reading: asyncio.Future[_Message] | None = None
    try:
        if proc.stdin is None or proc.stdout is None:  # both asked for above
            raise RuntimeError("the import's pipes did not open")
        proc.stdin.write(json.dumps({"path": os.fspath(path), "kwargs": kwargs}).encode())
        await proc.stdin.drain()
        proc.stdin.close()
        reading = asyncio.ensure_future(_frame(proc.stdout))
        while True:
            done, _ = await asyncio.wait({reading}, timeout=poll)
            if cancelled is not None and cancelled():
                return None
            if not done:
                continue
            try:
                msg = reading.result()
            except asyncio.IncompleteReadError:
                await proc.wait()
                raise RuntimeError(f"the import stopped (exit {proc.returncode})") from None
            if msg[0] == "progress":
                if progress is not None:
                    progress(msg[1], msg[2])
                reading = asyncio.ensure_future(_frame(proc.stdout))
            elif msg[0] == "done":
                return msg[1]
            elif msg[0] == "input":
                raise InputError(msg[1])
            else:
                raise RuntimeError(msg[1])
    finally:
        if reading is not None and not reading.done():
            reading.cancel()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
