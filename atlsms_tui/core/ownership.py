"""Who is sending what: locks that die with their process.

A row in state ``sending`` belongs to the process that holds the ``flock``
on its lock file. The kernel drops the lock when that process exits, however
it exits (kill -9, SIGHUP, a crash), so a row whose lock can be taken has no
live sender, whatever host name or pid the journal recorded: a container
restart or a home on NFS cannot leave a row stuck. The same mechanism keeps
one process at a time sending a campaign's parts.

Lock files are never removed while a row may still need them: removing a
lock file that another process has open but not yet locked would let two
processes hold "the" lock on two different files.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from pathlib import Path

from . import paths


class Lock:
    """An exclusive ``flock`` on one file, held until ``release``."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops the flock

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        self.release()


def _open(path: Path) -> int:
    paths.private_dir(path.parent)
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, paths.file_mode(path.parent))
    try:
        # a team's lock file must be lockable by every operator of the team
        paths.settle_mode(fd, path.parent)
    except BaseException:
        os.close(fd)
        raise
    return fd


def try_lock(path: Path) -> Lock | None:
    """The lock, or None when a live process holds it."""
    fd = _open(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    return Lock(path, fd)


def held_elsewhere(path: Path) -> bool:
    """Whether another process (or another lock in this one) holds ``path``.
    A missing lock file means nobody does."""
    if not path.exists():
        return False
    lock = try_lock(path)
    if lock is None:
        return True
    lock.release()
    return False


def wait_lock(path: Path, *, timeout: float | None = None, poll: float = 0.2) -> Lock | None:
    """Block (polling, so a signal can interrupt the caller) until the lock is
    ours; None when ``timeout`` passes first."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        lock = try_lock(path)
        if lock is not None:
            return lock
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(poll)
