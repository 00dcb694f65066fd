"""Passwords, one per profile, in a 0600 file inside a 0700 directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import paths
from .errors import ConfigError
from .secret import Secret


def _read(path: Path) -> dict[str, Any]:
    if path.parent.is_dir():
        paths.check_private_dir(path.parent)
    try:
        paths.check_private_file(path, "credentials file")
    except FileNotFoundError:
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        # The exception text could quote file content: keep only its position.
        where = f"line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        raise ConfigError(f"credentials file {path} is unreadable ({where}); run `atlsms-tui login` again") from None
    return doc if isinstance(doc, dict) else {}


def load_password(profile: str, path: Path | None = None) -> Secret | None:
    doc = _read(path or paths.credentials_file())
    entry = (doc.get("profiles") or {}).get(profile)
    if isinstance(entry, dict) and isinstance(entry.get("password"), str):
        return Secret(entry["password"])
    return None


def store_password(profile: str, password: Secret, path: Path | None = None) -> None:
    target = path or paths.credentials_file()
    doc = _read(target)
    doc.setdefault("profiles", {})[profile] = {"password": password.reveal()}
    paths.write_private(target, json.dumps(doc, indent=2).encode("utf-8"))


def forget_password(profile: str, path: Path | None = None) -> None:
    target = path or paths.credentials_file()
    doc = _read(target)
    if (doc.get("profiles") or {}).pop(profile, None) is not None:
        paths.write_private(target, json.dumps(doc, indent=2).encode("utf-8"))
