"""Where files live, and how private ones are made. Environment overrides
come first so tests and automation can point everything elsewhere.

Every file that holds numbers, messages or secrets is created here, by
create_private: exclusive (a planted file or symlink is never written
through), 0600 before its first byte, in a directory that only its owner
can write to (checked as ssh checks ~/.ssh)."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import BinaryIO

import platformdirs

from .. import APP_NAME
from .errors import LocalError


def config_dir() -> Path:
    return Path(os.environ.get("ATLSMS_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    return Path(os.environ.get("ATLSMS_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


def settings_file() -> Path:
    return config_dir() / "settings.json"


def credentials_file() -> Path:
    return config_dir() / "credentials.json"


def store_file(demo: bool = False) -> Path:
    return (demo_dir() if demo else data_dir()) / "journal.sqlite"


def demo_dir() -> Path:
    return data_dir() / "demo"


def check_private_dir(path: Path) -> Path:
    """Refuse a directory another user owns or can write to: whoever can
    write there can swap our files (settings pointing the password at their
    server, a journal of their making)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise LocalError(f"directory {path}: {exc.strerror}; create it (mkdir -m 700 {path}) or point "
                         "ATLSMS_CONFIG_DIR / ATLSMS_DATA_DIR elsewhere") from None
    if not stat.S_ISDIR(st.st_mode):
        raise LocalError(f"{path} is not a directory; remove it or point ATLSMS_CONFIG_DIR / "
                         "ATLSMS_DATA_DIR elsewhere")
    if st.st_uid != os.getuid():
        raise LocalError(f"directory {path} is owned by another user (uid {st.st_uid}); refusing to use it. "
                         f"Fix it with: chown {os.getuid()} {path} && chmod 700 {path}")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o022:
        raise LocalError(f"directory {path} is writable by others (mode {mode:04o}); refusing to use it. "
                         f"Fix it with: chmod 700 {path}")
    if mode & 0o077:
        os.chmod(path, 0o700)  # ours and only readable by others: tighten quietly
    return path


def private_dir(path: Path) -> Path:
    """Create ``path`` (0700) if missing; refuse it if it is not private."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError:
        pass  # not a directory: check_private_dir says so
    except OSError as exc:
        raise LocalError(f"cannot create directory {path}: {exc.strerror}; create it (mkdir -m 700 {path}) "
                         "or point ATLSMS_CONFIG_DIR / ATLSMS_DATA_DIR at a writable place") from None
    return check_private_dir(path)


def check_private_file(path: Path, what: str) -> None:
    """Refuse a secret-holding file that others can read, as ssh does."""
    st = path.stat()
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise LocalError(
            f"{what} {path} is accessible by others (mode {mode:04o}); "
            f"it holds a password. Fix it with: chmod 600 {path}"
        )
    if st.st_uid != os.getuid():
        raise LocalError(f"{what} {path} is owned by another user; refusing to use it. "
                         f"Fix it with: chown {os.getuid()} {path}")


def create_private(path: Path) -> BinaryIO:
    """A new file, 0600 before any byte is written, opened for writing.

    O_EXCL|O_NOFOLLOW: an existing file or symlink at ``path`` raises
    FileExistsError (or ELOOP) instead of being written through."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise


def _temp_beside(path: Path) -> tuple[Path, BinaryIO]:
    """A private temporary file next to ``path``; a name already taken (a
    crashed run, or something planted) is skipped, never reused."""
    name = f".{path.name}.{os.getpid()}.tmp"
    for _ in range(8):
        tmp = path.with_name(name)
        try:
            return tmp, create_private(tmp)
        except FileExistsError:
            name = f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    raise LocalError(f"cannot create a temporary file beside {path}: the names are taken; "
                     f"remove stale .{path.name}.*.tmp files from {path.parent}")


def write_private(path: Path, data: bytes) -> None:
    """Atomic write of a 0600 file in a private (0700) directory."""
    private_dir(path.parent)
    tmp, f = _temp_beside(path)
    try:
        with f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
