"""The HTTP connection to the API and the guards on every exchange.

TLS is always verified, redirects are never followed (a redirect would carry
the password elsewhere), answers are read up to a size cap, and a call as a
whole is bounded by a wall-clock deadline so that a server dripping a byte a
second cannot hold it for ever.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable
from typing import TypeVar

import httpx

from ..errors import LocalError, ProtocolError, TransportError

USER_AGENT = "atlsms-tui/0.1"
CONTENT_TYPE = "text/xml; charset=UTF-8"

# Errors that prove the request never left this machine (a ProxyError comes
# from the tunnel's set-up: the request itself was not written yet).
NOT_SENT_ERRORS = (
    httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError, httpx.UnsupportedProtocol,
)
# Ciphers a deployed client of this API needed for the vendor's server
# ("ALL:@SECLEVEL=1", tls_legacy): OpenSSL's security level 1 admits older
# key exchanges and SHA-1. Anonymous suites are taken out: with one, the
# server sends no certificate and OpenSSL skips verification altogether
# (PSK and SRP need secrets this client never has).
LEGACY_CIPHERS = "ALL:!aNULL:!eNULL:!PSK:!SRP:@SECLEVEL=1"

_T = TypeVar("_T")


def tls_context(*, legacy: bool = False) -> ssl.SSLContext:
    """httpx's own verifying context (certifi, SSL_CERT_FILE), with the
    legacy ciphers when asked for."""
    try:
        ctx = httpx.create_ssl_context(verify=True, trust_env=True)
    except (OSError, ssl.SSLError) as exc:
        raise LocalError(
            f"cannot load the certificates to verify the server with ({exc}); "
            "check SSL_CERT_FILE and SSL_CERT_DIR"
        ) from None
    if legacy:
        ctx.set_ciphers(LEGACY_CIPHERS)
    # Belt and braces: nothing above may have turned verification off.
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def open_http(
    tls: ssl.SSLContext, timeout: httpx.Timeout, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    """The pooled connection of one client: verified TLS, no redirects,
    proxies from the environment."""
    try:
        return httpx.AsyncClient(
            verify=tls,
            follow_redirects=False,
            trust_env=True,  # proxies from the environment
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Content-Type": CONTENT_TYPE},
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
            transport=transport,
        )
    except (ImportError, ValueError) as exc:
        # The proxy variables were checked before; whatever httpx still
        # refuses is named by type only (a proxy URL may hold a password).
        raise LocalError(
            f"proxy settings from the environment (HTTPS_PROXY, ALL_PROXY...) are not usable "
            f"({type(exc).__name__}); fix or unset them"
        ) from None


async def within(seconds: float, setting: str, api_url: str, call: Awaitable[_T]) -> _T:
    """``call`` bounded by a wall-clock deadline; a read past it is a
    TransportError (exit 3) naming the setting."""
    try:
        async with asyncio.timeout(seconds) as cm:
            return await call
    except TimeoutError:
        if not cm.expired():
            raise
    raise TransportError(
        f"no complete answer from {api_url} within {seconds:g} s "
        f"(the {setting} setting); the server is too slow or stalling"
    )


class Retryable(Exception):
    """A read failed in a way another attempt may cure; ``error`` is what
    the caller sees when the attempts run out."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def retryable_transport_error(exc: httpx.TransportError, api_url: str) -> Retryable:
    """A network failure of a read, worded for the operator."""
    if isinstance(exc, httpx.TimeoutException):
        return Retryable(TransportError(f"timed out talking to {api_url} ({type(exc).__name__})"))
    return Retryable(TransportError(f"cannot reach {api_url}: {why(exc)}"))


async def read_limited(resp: httpx.Response, limit: int) -> bytes:
    """The whole answer, refused past ``limit`` bytes: no answer of the API
    is that large, so a bigger one is a portal or an attack."""
    parts: list[bytes] = []
    size = 0
    async for chunk in resp.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise ProtocolError(f"answer larger than {limit // 1024} KiB is not the API's")
        parts.append(chunk)
    return b"".join(parts)


def check_status(status: int, data: bytes) -> None:
    if 300 <= status < 400:
        raise ProtocolError(f"HTTP {status} redirect refused (check the API URL)")
    if status != 200:
        snippet = " ".join(data[:80].decode("utf-8", "replace").split())
        raise ProtocolError(f"HTTP {status} from the server: {snippet!r}")


def why(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    text = str(exc) or type(exc).__name__
    # httpx messages can be long tracebacks of nested causes: keep one line
    return text.splitlines()[0][:200] + (f" ({type(exc).__name__})" if str(exc) else "")
