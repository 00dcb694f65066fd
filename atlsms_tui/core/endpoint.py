"""Checks of the API URL and the proxy settings before any request is built.

Every request carries the account password in its body, so where it may go
is decided here, once, with one-line messages that name the setting and the
fix. A URL is never shown with the credentials it may carry.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import SplitResult, urlsplit

from .errors import ConfigError, LocalError

# Proxy variables httpx reads (trust_env), most specific first.
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def redact_url(url: str) -> str:
    """``url`` with any user:password part replaced by ``***``, for messages."""
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is not None and "@" in parts.netloc:
        host = parts.netloc.rpartition("@")[2]
        text = parts._replace(netloc=f"***@{host}").geturl()
    elif "@" in text:  # unparseable: cut everything up to the last @
        scheme, sep, rest = text.partition("://")
        text = f"{scheme}{sep}***@{rest.rpartition('@')[2]}" if sep else "***@" + text.rpartition("@")[2]
    # Control characters must not reach a terminal through an error message.
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    name = host.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _split(url: str, what: str) -> tuple[SplitResult, int | None]:
    shown = redact_url(url)
    if not url or any(ch.isspace() or not ch.isprintable() for ch in url):
        raise LocalError(f"{what} {shown!r}: empty or holds spaces or control characters; give a URL like https://host/path")
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError when out of range or not a number
    except ValueError as exc:
        raise LocalError(f"{what} {shown!r}: not a valid URL ({exc})") from None
    if not parts.hostname:
        raise LocalError(f"{what} {shown!r}: no host name; give a URL like https://host/path")
    if port == 0:
        raise LocalError(f"{what} {shown!r}: port 0 is not a port; use 1 to 65535")
    return parts, port


def insecure_http(url: str) -> bool:
    """True when ``url`` is plain http to anything but this machine."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() == "http" and not is_loopback(parts.hostname)


def insecure_warning(url: str) -> str:
    return (f"warning: {redact_url(url)} is plain http: the account password and every message "
            "travel unencrypted (allow_insecure_http is set)")


def check_api_url(url: str, *, allow_insecure_http: bool = False, what: str = "API URL") -> str | None:
    """Refuse an API URL the password must not be sent to.

    Returns the warning to show on every use when plain http to another
    machine is explicitly allowed, else None. Raises ConfigError (exit 2) for
    an unsafe URL and LocalError (exit 6) for a malformed one.
    """
    parts, _port = _split(url, what)
    shown = redact_url(url)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ConfigError(
            f"{what} {shown!r} carries credentials in it; remove the user:password@ part "
            "(the login and password are given with `atlsms-tui login`)"
        )
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise LocalError(f"{what} {shown!r}: unsupported scheme {parts.scheme!r}; use https://")
    if scheme == "http" and not is_loopback(parts.hostname):
        if not allow_insecure_http:
            raise ConfigError(
                f"{what} {shown!r} is plain http: the account password would travel unencrypted. "
                "Use https://, or, knowingly, set allow_insecure_http in the profile or pass --allow-insecure-http"
            )
        return insecure_warning(url)
    return None


def check_proxy_environment(api_url: str, environ: dict[str, str] | None = None) -> None:
    """Refuse malformed proxy variables (LocalError, exit 6) before httpx
    meets them at the first request, where they end in tracebacks or, worse,
    in a submit recorded as uncertain although nothing left."""
    env = os.environ if environ is None else environ
    try:
        scheme = urlsplit(api_url).scheme.lower()
    except ValueError:
        scheme = "https"
    # httpx picks HTTP_PROXY for http:// URLs, HTTPS_PROXY for https://, ALL_PROXY for both.
    names = [n for n in PROXY_VARIABLES if n.lower().startswith((f"{scheme}_", "all_"))]
    for name in names:
        value = env.get(name)
        if not value:
            continue
        what = f"proxy variable {name}"
        if "://" not in value:
            raise LocalError(f"{what}={redact_url(value)!r}: give a URL with its scheme, e.g. http://host:3128 or socks5://127.0.0.1:1080")
        parts, _port = _split(value, what)
        proxy_scheme = parts.scheme.lower()
        if proxy_scheme not in PROXY_SCHEMES:
            raise LocalError(
                f"{what}={redact_url(value)!r}: unsupported proxy scheme {parts.scheme!r}; "
                f"use one of {', '.join(s + '://' for s in PROXY_SCHEMES)}"
            )
        if proxy_scheme.startswith("socks"):
            try:
                import socksio  # noqa: F401
            except ImportError:
                raise LocalError(
                    f"{what}: a SOCKS proxy needs the socksio package; reinstall atlsms-tui or run `pip install socksio`"
                ) from None
