"""Where files live. Environment overrides come first so tests and
automation can point everything elsewhere."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs

from . import APP_NAME
from .errors import ConfigError


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


def private_dir(path: Path) -> Path:
    """Create ``path`` (0700); tighten it if it is ours and too open."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = path.stat()
    if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077:
        os.chmod(path, 0o700)
    return path


def check_private_file(path: Path, what: str) -> None:
    """Refuse a secret-holding file that others can read, as ssh does."""
    st = path.stat()
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{what} {path} is accessible by others (mode {mode:04o}); "
            f"it holds a password. Fix it with: chmod 600 {path}"
        )
    if st.st_uid != os.getuid():
        raise ConfigError(f"{what} {path} is owned by another user; refusing to use it")


def write_private(path: Path, data: bytes) -> None:
    """Atomic write of a 0600 file in a 0700 directory."""
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
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
