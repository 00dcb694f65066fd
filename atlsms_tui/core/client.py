"""HTTP client of the API: one pooled ``httpx.AsyncClient`` per profile.

Reads (units, report, detailedreport) are retried on transport errors and
5xx with capped, jittered exponential backoff. A submit is retried only when
the failure proves nothing reached the server; any other failure is reported
as uncertain so that the service layer can settle it under the same
controlid, never under a new one.

httpx's timeouts apply to each network read, so a server dripping a byte a
second would keep a request alive for ever: every call also has an overall
wall-clock deadline (Deadlines), retries included.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import random
import ssl
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol, TypeVar

import httpx

from . import codes, protocol
from .endpoint import check_api_url, check_proxy_environment
from .errors import ApiError, ConfigError, LocalError, ProtocolError, TransportError
from .models import DetailRow, Report
from .secret import Secret

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


@dataclass(slots=True)
class Timeouts:
    connect: float = 10.0
    read: float = 30.0
    write: float = 60.0
    pool: float = 10.0
    submit_read: float = 180.0  # the server answers a big submit only after storing it

    def for_reads(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)

    def for_submit(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.submit_read, write=self.write, pool=self.pool)


@dataclass(slots=True)
class Deadlines:
    """Overall seconds a call may take, whatever the server drips, retries
    included (preferences deadline_read, deadline_submit, deadline_detailed)."""

    read: float = 60.0  # units, report
    submit: float = 300.0
    detailed: float = 600.0

    def __post_init__(self) -> None:
        for name in ("read", "submit", "detailed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ConfigError(
                    f"setting deadline_{name}={value!r}: expected a number of seconds above 0"
                )


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


@dataclass(slots=True)
class RetryPolicy:
    attempts: int = 4  # total tries of a read
    base: float = 0.5
    cap: float = 8.0
    submit_not_sent_attempts: int = 3

    def delay(self, attempt: int) -> float:
        # "full jitter": spreads retries of many clients apart
        return random.uniform(0, min(self.cap, self.base * (2 ** attempt)))


class ClientProfile(Protocol):
    """What a client is built from (settings.ResolvedProfile)."""

    @property
    def api_url(self) -> str: ...
    @property
    def login(self) -> str: ...
    @property
    def password(self) -> Secret: ...
    @property
    def deadlines(self) -> Deadlines | None: ...
    @property
    def tls_legacy(self) -> bool: ...
    @property
    def allow_insecure_http(self) -> bool: ...


class SubmitUncertain(TransportError):
    """The submit may have reached the server; its outcome is unknown."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message, nothing_sent=False)
        self.code = code


@dataclass(slots=True)
class SubmitAnswer:
    code: str
    taskid: str | None


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


class AtlClient:
    def __init__(
        self,
        api_url: str,
        login: str,
        password: Secret,
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        deadlines: Deadlines | None = None,
        tls_legacy: bool = False,
        allow_insecure_http: bool = False,
    ) -> None:
        # Refused here, before anything is journalled or sent: a URL the
        # password must not go to, a malformed URL or proxy variable.
        self.insecure_http_warning = check_api_url(api_url, allow_insecure_http=allow_insecure_http)
        if transport is None:
            check_proxy_environment(api_url)
        self.api_url = api_url
        self.login = login
        self._password = password
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.deadlines = deadlines or Deadlines()
        self.tls = tls_context(legacy=tls_legacy)
        try:
            self._http = httpx.AsyncClient(
                verify=self.tls,
                follow_redirects=False,
                trust_env=True,  # proxies from the environment
                timeout=self.timeouts.for_reads(),
                headers={"User-Agent": USER_AGENT, "Content-Type": CONTENT_TYPE},
                limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
                transport=transport,
            )
        except (ImportError, ValueError) as exc:
            # The proxy variables were checked above; whatever httpx still
            # refuses is named by type only (a proxy URL may hold a password).
            raise LocalError(
                f"proxy settings from the environment (HTTPS_PROXY, ALL_PROXY...) are not usable "
                f"({type(exc).__name__}); fix or unset them"
            ) from None

    @classmethod
    def for_profile(
        cls,
        profile: ClientProfile,
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> AtlClient:
        """The client of a ResolvedProfile, with its deadlines and TLS and
        clear-text choices."""
        return cls(
            profile.api_url, profile.login, profile.password,
            timeouts=timeouts,
            retry=retry,
            transport=transport,
            deadlines=profile.deadlines,
            tls_legacy=profile.tls_legacy,
            allow_insecure_http=profile.allow_insecure_http,
        )

    async def _within(self, seconds: float, setting: str, call: Awaitable[_T]) -> _T:
        """``call`` bounded by a wall-clock deadline; a read past it is a
        TransportError (exit 3) naming the setting."""
        try:
            async with asyncio.timeout(seconds) as cm:
                return await call
        except TimeoutError:
            if not cm.expired():
                raise
        raise TransportError(
            f"no complete answer from {self.api_url} within {seconds:g} s "
            f"(the {setting} setting); the server is too slow or stalling"
        )

    def __repr__(self) -> str:
        return f"AtlClient({self.api_url!r}, login={self.login!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    # ------------------------------------------------------------ reads

    async def _read_with_retry(self, fn: Callable[[], Awaitable[_T]]) -> _T:
        last: Exception | None = None
        for attempt in range(self.retry.attempts):
            if attempt:
                await asyncio.sleep(self.retry.delay(attempt - 1))
            try:
                return await fn()
            except _Retryable as exc:
                last = exc.error
        assert last is not None
        raise last

    async def _post_small(self, body: bytes) -> protocol.ApiResponse:
        try:
            async with self._http.stream("POST", self.api_url, content=body) as resp:
                data = await _read_limited(resp, protocol.MAX_SMALL_RESPONSE)
                status = resp.status_code
        except httpx.TimeoutException as exc:
            raise _Retryable(TransportError(f"timed out talking to {self.api_url} ({type(exc).__name__})")) from None
        except httpx.TransportError as exc:
            raise _Retryable(TransportError(f"cannot reach {self.api_url}: {_why(exc)}")) from None
        if status >= 500:
            raise _Retryable(TransportError(f"server error HTTP {status} from {self.api_url}"))
        _check_status(status, data)
        return protocol.parse_response(data)

    async def units(self) -> int:
        body = protocol.build_units(self.login, self._password)

        async def once() -> int:
            resp = await self._post_small(body)
            if not resp.ok:
                raise ApiError(resp.code, "units")
            return protocol.read_units(resp)

        return await self._within(self.deadlines.read, "deadline_read", self._read_with_retry(once))

    async def report(self, taskid: str) -> Report:
        body = protocol.build_report(self.login, self._password, taskid)

        async def once() -> Report:
            resp = await self._post_small(body)
            if resp.code not in (codes.OK, codes.NOT_READY):
                raise ApiError(resp.code, "report")
            return protocol.read_report(resp, taskid)

        return await self._within(self.deadlines.read, "deadline_read", self._read_with_retry(once))

    async def detailed_report(
        self,
        taskid: str,
        on_rows: Callable[[list[DetailRow]], Awaitable[None] | None],
        *,
        on_restart: Callable[[], Awaitable[None] | None] | None = None,
    ) -> bool:
        """Stream the detailed report; ``on_rows`` gets batches as they parse.

        Returns False when the report is not ready yet (001). A retried
        download calls ``on_restart`` first so the caller can drop what an
        interrupted attempt delivered.
        """
        body = protocol.build_report(self.login, self._password, taskid, detailed=True)
        started = False

        async def once() -> bool:
            nonlocal started
            if started and on_restart is not None:
                r = on_restart()
                if asyncio.iscoroutine(r):
                    await r
            started = True
            parser = protocol.DetailedReportParser()
            try:
                async with self._http.stream("POST", self.api_url, content=body) as resp:
                    if resp.status_code >= 500:
                        raise _Retryable(TransportError(f"server error HTTP {resp.status_code} from {self.api_url}"))
                    if resp.status_code != 200:
                        data = await _read_limited(resp, 64 * 1024, strict=False)
                        _check_status(resp.status_code, data)
                    async for chunk in resp.aiter_bytes(1 << 16):
                        rows = parser.feed(chunk)
                        if rows:
                            r = on_rows(rows)
                            if asyncio.iscoroutine(r):
                                await r
            except httpx.TimeoutException as exc:
                raise _Retryable(TransportError(f"timed out talking to {self.api_url} ({type(exc).__name__})")) from None
            except httpx.TransportError as exc:
                raise _Retryable(TransportError(f"cannot reach {self.api_url}: {_why(exc)}")) from None
            rows = parser.close()
            if rows:
                r = on_rows(rows)
                if asyncio.iscoroutine(r):
                    await r
            if parser.code == codes.NOT_READY:
                return False
            if parser.code != codes.OK:
                raise ApiError(parser.code or "", "detailedreport")
            return True

        return await self._within(self.deadlines.detailed, "deadline_detailed", self._read_with_retry(once))

    # ----------------------------------------------------------- submit

    async def submit(self, content: protocol.SubmitContent, spool: SpooledBody | None = None) -> SubmitAnswer:
        """One submit, retried only while the failure proves nothing was sent.

        Raises TransportError(nothing_sent=True) when it never left, and
        SubmitUncertain when it may have reached the server, including when
        the deadline_submit setting runs out after its body began to leave.
        """
        own_spool = spool is None
        if spool is None:
            spool = await asyncio.to_thread(SpooledBody, protocol.iter_submit_bodies(content.recipients))
        try:
            head = protocol.submit_head(self.login, self._password, content)
            length = len(head) + spool.size + len(protocol.SUBMIT_TAIL)
            leaving = _Leaving()
            seconds = self.deadlines.submit
            try:
                async with asyncio.timeout(seconds) as cm:
                    return await self._submit_attempts(head, spool, length, leaving)
            except TimeoutError:
                if not cm.expired():
                    raise
            if leaving.started:
                raise SubmitUncertain(
                    f"no answer within {seconds:g} s (the deadline_submit setting) after the request "
                    "began to leave; it may have reached ATL"
                )
            raise TransportError(
                f"could not reach {self.api_url} within {seconds:g} s (the deadline_submit setting); "
                "nothing was sent",
                nothing_sent=True,
            )
        finally:
            if own_spool:
                spool.close()

    async def _submit_attempts(self, head: bytes, spool: SpooledBody, length: int, leaving: _Leaving) -> SubmitAnswer:
        last: Exception | None = None
        for attempt in range(self.retry.submit_not_sent_attempts):
            if attempt:
                await asyncio.sleep(self.retry.delay(attempt - 1))
            try:
                return await self._submit_once(head, spool, length, leaving)
            except _NotSent as exc:
                last = exc.error
        raise TransportError(
            f"cannot reach {self.api_url}: {_why(last)}; nothing was sent", nothing_sent=True
        )

    async def _submit_once(self, head: bytes, spool: SpooledBody, length: int, leaving: _Leaving) -> SubmitAnswer:
        leaving.started = False

        async def body() -> AsyncIterator[bytes]:
            # httpx asks for the body only once the connection (and any
            # proxy tunnel) is up and the headers are written: before that
            # the server cannot have a submit to act on.
            leaving.started = True
            async for chunk in spool.stream(head, protocol.SUBMIT_TAIL):
                yield chunk

        try:
            async with self._http.stream(
                "POST",
                self.api_url,
                content=body(),
                headers={"Content-Length": str(length)},
                timeout=self.timeouts.for_submit(),
            ) as resp:
                data = await _read_limited(resp, protocol.MAX_SMALL_RESPONSE, strict=False)
                status = resp.status_code
        except (*NOT_SENT_ERRORS, httpx.InvalidURL) as exc:
            if leaving.started:
                raise SubmitUncertain(f"connection failed while sending: {_why(exc)}") from None
            raise _NotSent(exc) from None
        except httpx.TimeoutException as exc:
            if not leaving.started:
                raise _NotSent(exc) from None
            raise SubmitUncertain(f"no answer in time ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            if not leaving.started:
                raise _NotSent(exc) from None
            raise SubmitUncertain(f"connection failed after sending: {_why(exc)}") from None
        except ProtocolError as exc:
            raise SubmitUncertain(str(exc)) from None
        if status != 200:
            raise SubmitUncertain(f"HTTP {status} answer to the submit")
        try:
            resp_xml = protocol.parse_response(data)
        except ProtocolError as exc:
            raise SubmitUncertain(f"unreadable answer: {exc}") from None
        if codes.is_system_error(resp_xml.code) or not codes.is_known(resp_xml.code):
            # The server failed somewhere while handling it: it may or may not
            # have stored the task.
            raise SubmitUncertain(f"error {resp_xml.code}: {resp_xml.wording}", code=resp_xml.code)
        if resp_xml.ok:
            try:
                return SubmitAnswer(resp_xml.code, protocol.read_taskid(resp_xml))
            except ProtocolError as exc:
                raise SubmitUncertain(str(exc), code=resp_xml.code) from None
        return SubmitAnswer(resp_xml.code, None)


class _Leaving:
    """Whether the body of the current submit attempt began to leave."""

    __slots__ = ("started",)

    def __init__(self) -> None:
        self.started = False


class _NotSent(Exception):
    def __init__(self, error: Exception) -> None:
        self.error = error


class _Retryable(Exception):
    def __init__(self, error: Exception) -> None:
        self.error = error


async def _read_limited(resp: httpx.Response, limit: int, *, strict: bool = True) -> bytes:
    parts: list[bytes] = []
    size = 0
    async for chunk in resp.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise ProtocolError(f"answer larger than {limit // 1024} KiB is not the API's")
        parts.append(chunk)
    return b"".join(parts)


def _check_status(status: int, data: bytes) -> None:
    if 300 <= status < 400:
        raise ProtocolError(f"HTTP {status} redirect refused (check the API URL)")
    if status != 200:
        snippet = " ".join(data[:80].decode("utf-8", "replace").split())
        raise ProtocolError(f"HTTP {status} from the server: {snippet!r}")


def _why(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    text = str(exc) or type(exc).__name__
    # httpx messages can be long tracebacks of nested causes: keep one line
    return text.splitlines()[0][:200] + (f" ({type(exc).__name__})" if str(exc) else "")

