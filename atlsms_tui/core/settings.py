"""One settings model: profiles and preferences in a JSON file under the
user config dir, with environment overrides for automation. Passwords live
apart, in the credentials file (see credentials.py)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import paths
from .deadlines import Deadlines
from .errors import AtlSmsError, ConfigError
from .preferences import PREFERENCES, RAIL_SETTINGS, SPECS, Preferences, Spec
from .secret import Secret

__all__ = [
    "DEFAULT_API_URL", "PREFERENCES", "RAIL_SETTINGS", "SPECS", "Preferences", "Profile", "ResolvedProfile",
    "Settings", "Spec", "load_settings", "profile_read_only", "resolve_profile", "store_location",
]

DEFAULT_API_URL = "https://click.atlsms.az/bulksms/api"


@dataclass
class Profile:
    name: str
    login: str
    api_url: str = DEFAULT_API_URL
    titles: list[str] = field(default_factory=list)
    default_title: str | None = None
    # Plain http to another machine: refused unless set, and then warned
    # about on every use (the password travels unencrypted).
    allow_insecure_http: bool = False
    # OpenSSL security level 1 ciphers for an old server; certificates and
    # host names are still verified.
    tls_legacy: bool = False
    # The rails (see RAIL_SETTINGS); None: the preference of that name.
    quiet_hours: str | None = None
    proof_numbers: list[str] | None = None
    require_proof_above: int | None = None
    approval_above: int | None = None
    # Monitor mode for good: nothing is sent, settled or changed under it.
    read_only: bool = False


@dataclass
class Settings:
    profiles: dict[str, Profile] = field(default_factory=dict)
    current: str | None = None
    preferences: Preferences = field(default_factory=Preferences)
    # binding id -> keys, e.g. {"send": "f5"}: lets an operator remap keys
    bindings: dict[str, str] = field(default_factory=dict)
    path: Path | None = field(default=None, compare=False, repr=False)
    # file values of preferences overridden from the environment: saving
    # writes these back, not the override
    env_originals: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        prefs = asdict(self.preferences)
        for name, original in self.env_originals.items():
            if prefs.get(name) == getattr(self, "_env_values", {}).get(name):
                prefs[name] = original
        return {
            "current": self.current,
            "profiles": {n: asdict(p) for n, p in self.profiles.items()},
            "preferences": prefs,
            "bindings": dict(self.bindings),
        }

    def save(self, path: Path | None = None) -> None:
        target = path or self.path or paths.settings_file()
        data = json.dumps(self.to_json(), indent=2, ensure_ascii=False).encode("utf-8")
        paths.write_private(target, data + b"\n")
        self.path = target


def load_settings(path: Path | None = None) -> Settings:
    target = path or paths.settings_file()
    if target.parent.is_dir():
        # whoever can write there could point the password at their server
        paths.check_private_dir(target.parent)
    try:
        raw = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _with_env(Settings(path=target))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"settings file {target}: cannot read it ({exc})") from None
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"settings file {target}: line {exc.lineno}, column {exc.colno}: {exc.msg}. "
            "The file was left as it is; fix or remove it."
        ) from None
    if not isinstance(doc, dict):
        raise ConfigError(f"settings file {target}: expected a JSON object")
    try:
        profiles = {}
        for name, p in (doc.get("profiles") or {}).items():
            profiles[name] = Profile(
                name=name,
                login=str(p["login"]),
                api_url=str(p.get("api_url") or DEFAULT_API_URL),
                titles=[str(t) for t in p.get("titles") or []],
                default_title=p.get("default_title"),
                allow_insecure_http=_flag(p, "allow_insecure_http", name, target),
                tls_legacy=_flag(p, "tls_legacy", name, target),
                read_only=_flag(p, "read_only", name, target),
                **_profile_rails(p, name, target),
            )
        prefs = _file_preferences(doc.get("preferences") or {}, target)
        bindings = {str(k): str(v) for k, v in (doc.get("bindings") or {}).items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"settings file {target}: malformed entry ({exc})") from None
    return _with_env(Settings(
        profiles=profiles,
        current=doc.get("current"),
        preferences=prefs,
        bindings=bindings,
        path=target,
    ))


def _profile_rails(p: dict[str, Any], profile: str, target: Path) -> dict[str, Any]:
    """A profile's own rails, checked against the preferences' table."""
    out: dict[str, Any] = {}
    for name in RAIL_SETTINGS:
        value = p.get(name)
        if value is None:
            continue
        if name == "proof_numbers" and isinstance(value, list):
            out[name] = [str(n) for n in value]
            continue
        try:
            out[name] = SPECS[name].check(value)
        except ValueError as exc:
            raise ConfigError(f"settings file {target}: profile {profile!r}: {name} is {value!r}: {exc}"
                              f" ({SPECS[name].help})") from None
    return out


def _flag(p: dict[str, Any], key: str, profile: str, target: Path) -> bool:
    value = p.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"settings file {target}: profile {profile!r}: {key} must be true or false, not {value!r}")
    return value


def _file_preferences(doc: Any, target: Path) -> Preferences:
    """The file's preferences, each checked against its row of the table;
    unknown names are left alone (a newer version's, or a typo to ignore)."""
    if not isinstance(doc, dict):
        raise ConfigError(f"settings file {target}: preferences must be a JSON object")
    prefs = Preferences()
    for name, value in doc.items():
        spec = SPECS.get(name)
        if spec is None:
            continue
        try:
            setattr(prefs, name, spec.check(value))
        except ValueError as exc:
            raise ConfigError(f"settings file {target}: preference {name} is {value!r}: {exc}"
                              f" ({spec.help})") from None
    return prefs


def _with_env(settings: Settings) -> Settings:
    """ATLSMS_<PREFERENCE> overrides a preference for this run (e.g.
    ATLSMS_MAX_RECIPIENTS_PER_TASK=10000); saving keeps the file's value."""
    prefs = settings.preferences
    values = {}
    for spec in PREFERENCES:
        raw = os.environ.get(spec.variable)
        if raw is None:
            continue
        try:
            value = spec.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"environment variable {spec.variable}={raw!r}: preference {spec.name}: {exc}"
                              f" ({spec.help})") from None
        settings.env_originals[spec.name] = getattr(prefs, spec.name)
        values[spec.name] = value
        setattr(prefs, spec.name, value)
    object.__setattr__(settings, "_env_values", values)
    return settings


@dataclass
class ResolvedProfile:
    """A profile with the environment's overrides applied and its password."""

    name: str
    login: str
    api_url: str
    password: Secret
    titles: list[str] = field(default_factory=list)
    default_title: str | None = None
    demo: bool = False
    allow_insecure_http: bool = False
    tls_legacy: bool = False
    deadlines: Any = None  # deadlines.Deadlines; None: the defaults
    # The rails as they apply to this run (see rails_of). Built by hand
    # (tests), a profile has none of them.
    quiet_hours: str = "off"
    proof_numbers: list[str] = field(default_factory=list)
    require_proof_above: int = 0
    approval_above: int = 0
    # monitor mode (the profile's read_only, or --monitor): every action that
    # sends or changes the journal is refused (errors.ReadOnly)
    read_only: bool = False

    @property
    def insecure_http_warning(self) -> str | None:
        """The warning to show on every use (CLI stderr, TUI header) when
        plain http to another machine is allowed; None otherwise."""
        from .endpoint import insecure_http, insecure_warning

        if self.allow_insecure_http and insecure_http(self.api_url):
            return insecure_warning(self.api_url)
        return None

    def __repr__(self) -> str:
        from .endpoint import redact_url

        return f"ResolvedProfile(name={self.name!r}, login={self.login!r}, api_url={redact_url(self.api_url)!r})"


def resolve_profile(
    settings: Settings,
    name: str | None = None,
    api_url: str | None = None,
    *,
    need_password: bool = True,
) -> ResolvedProfile:
    """The profile to use: --profile, else ATLSMS_PROFILE, else the current one.

    ATLSMS_LOGIN and ATLSMS_PASSWORD together need no stored profile.
    """
    from .credentials import load_password

    env = os.environ
    name = name or env.get("ATLSMS_PROFILE") or settings.current
    env_login = env.get("ATLSMS_LOGIN")
    env_password = env.get("ATLSMS_PASSWORD")
    profile = settings.profiles.get(name) if name else None
    if profile is None and not (env_login and env_password):
        if name and settings.profiles:
            raise ConfigError(
                f"no profile named {name!r} (known: {', '.join(sorted(settings.profiles))})"
            )
        if settings.profiles and not name:
            name = sorted(settings.profiles)[0]
            profile = settings.profiles[name]
        else:
            raise ConfigError(
                "no profile configured: run `atlsms-tui login`, or set ATLSMS_LOGIN and ATLSMS_PASSWORD"
            )
    login = env_login or (profile.login if profile else "")
    url = api_url or env.get("ATLSMS_API_URL") or (profile.api_url if profile else DEFAULT_API_URL)
    if env_password:
        password = Secret(env_password)
    elif profile is not None and need_password:
        stored = load_password(profile.name)
        if stored is None:
            raise ConfigError(
                f"no password stored for profile {profile.name!r}: run `atlsms-tui login --profile {profile.name}`"
            )
        password = stored
    else:
        password = Secret("")
    return ResolvedProfile(
        name=(profile.name if profile else (name or "env")),
        login=login,
        api_url=url,
        password=password,
        titles=list(profile.titles) if profile else [],
        default_title=profile.default_title if profile else None,
        allow_insecure_http=profile.allow_insecure_http if profile else False,
        tls_legacy=profile.tls_legacy if profile else False,
        read_only=profile.read_only if profile else False,
        deadlines=deadlines_of(settings.preferences),
        **rails_of(settings, profile),
    )


def profile_read_only(name: str | None = None) -> bool:
    """Whether the profile in use (``name``, ATLSMS_PROFILE or the current
    one) is read-only; for commands that open no profile."""
    try:
        settings = load_settings()
    except AtlSmsError:
        return False
    name = name or os.environ.get("ATLSMS_PROFILE") or settings.current
    profile = settings.profiles.get(name) if name else None
    if profile is None and not name and len(settings.profiles) == 1:
        profile = next(iter(settings.profiles.values()))
    return bool(profile is not None and profile.read_only)


def store_location(settings: Settings | None = None, demo: bool = False) -> tuple[Path, bool]:
    """The journal's file, and whether it is the team's (setting team_dir,
    or ATLSMS_TEAM_DIR). Settings that cannot be read leave the environment
    to say."""
    if settings is None:
        try:
            settings = load_settings()
        except AtlSmsError:  # said by whatever needs the settings themselves
            settings = None
    team = settings.preferences.team_dir if settings is not None else os.environ.get("ATLSMS_TEAM_DIR", "")
    team = "" if demo else team.strip()
    return paths.store_file(demo, team), bool(team)


def rails_of(settings: Settings, profile: Profile | None) -> dict[str, Any]:
    """The rail settings of ``profile``: ATLSMS_<NAME> if set, else the
    profile's own value, else the preference."""
    prefs = settings.preferences
    out: dict[str, Any] = {}
    for name in RAIL_SETTINGS:
        value = getattr(prefs, name)
        own = getattr(profile, name, None) if profile is not None else None
        if own is not None and f"ATLSMS_{name.upper()}" not in os.environ:
            value = own
        out[name] = value
    numbers = out["proof_numbers"]
    if isinstance(numbers, str):
        numbers = numbers.split(",")
    out["proof_numbers"] = [str(n).strip() for n in numbers or [] if str(n).strip()]
    out["quiet_hours"] = str(out["quiet_hours"])
    return out


def deadlines_of(prefs: Preferences) -> Deadlines:
    return Deadlines(read=prefs.deadline_read, submit=prefs.deadline_submit, detailed=prefs.deadline_detailed)
