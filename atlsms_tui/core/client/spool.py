"""The body of a submit, spooled to a file so a million recipients never sit
in memory and the request can carry a Content-Length."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import IO


class SpooledBody:
    """The ``<body>`` elements of a submit, written once to a file and sent
    with a Content-Length (the vendor's server is not known to accept chunked
    bodies). The credentials are never spooled: they go in the head, which is
    kept in memory and sent first.

    With ``path`` the file is the journal's copy of the payload (see
    Store.begin_submission); without, an anonymous temporary file.
    """

    CHUNK = 256 * 1024
    _file: IO[bytes]

    def __init__(self, chunks: Iterable[bytes] | None, path: Path | None = None) -> None:
        self.path = path
        if path is None:
            # TemporaryFile: created 0600 and unlinked at once.
            self._file = tempfile.TemporaryFile(prefix="atlsms-")
        else:
            # The journal's payload file (created private by its caller):
            # never followed through a link planted at its name.
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            self._file = os.fdopen(fd, "w+b")
        size = 0
        digest = hashlib.sha256()
        if chunks is not None:
            write = self._file.write
            update = digest.update
            for chunk in chunks:
                write(chunk)
                update(chunk)
                size += len(chunk)
            self._file.flush()
        self.size = size
        self.digest = digest.digest()  # of the bodies, for the journal's payload hash

    @classmethod
    def open_existing(cls, path: Path) -> SpooledBody:
        """A journalled payload, read back with its size and digest."""
        body = cls.__new__(cls)
        body.path = path
        body._file = open(path, "rb")
        digest = hashlib.sha256()
        size = 0
        while chunk := body._file.read(cls.CHUNK * 4):
            digest.update(chunk)
            size += len(chunk)
        body.size = size
        body.digest = digest.digest()
        return body

    def sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    async def stream(self, head: bytes, tail: bytes) -> AsyncIterator[bytes]:
        yield head
        self._file.seek(0)
        read = self._file.read
        while True:
            chunk = read(self.CHUNK)
            if not chunk:
                break
            yield chunk
        yield tail

    def close(self) -> None:
        self._file.close()

