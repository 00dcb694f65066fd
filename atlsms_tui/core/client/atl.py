"""AtlClient: the API's operations over one pooled connection per profile.

Reads (units, report, detailedreport) are retried on transport errors and
5xx with capped, jittered exponential backoff; the submit goes through
SubmitSender, which never resends what may have arrived.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import httpx

from .. import codes, protocol
from ..deadlines import Deadlines
from ..endpoint import check_api_url, check_proxy_environment
from ..errors import ApiError, TransportError
from ..models import DetailRow, Report
from ..secret import Secret
from .policy import RetryPolicy, Timeouts
from .spool import SpooledBody
from .submit import SubmitAnswer, SubmitSender
from .transport import Retryable, check_status, open_http, read_limited, retryable_transport_error, tls_context, within

_T = TypeVar("_T")


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
        self._http = open_http(self.tls, self.timeouts.for_reads(), transport)

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
            except Retryable as exc:
                last = exc.error
        assert last is not None
        raise last

    async def _post_small(self, body: bytes) -> protocol.ApiResponse:
        try:
            async with self._http.stream("POST", self.api_url, content=body) as resp:
                data = await read_limited(resp, protocol.MAX_SMALL_RESPONSE)
                status = resp.status_code
        except httpx.TransportError as exc:
            raise retryable_transport_error(exc, self.api_url) from None
        if status >= 500:
            raise Retryable(TransportError(f"server error HTTP {status} from {self.api_url}"))
        check_status(status, data)
        return protocol.parse_response(data)

    async def units(self) -> int:
        body = protocol.build_units(self.login, self._password)

        async def once() -> int:
            resp = await self._post_small(body)
            if not resp.ok:
                raise ApiError(resp.code, "units")
            return protocol.read_units(resp)

        return await within(self.deadlines.read, "deadline_read", self.api_url, self._read_with_retry(once))

    async def report(self, taskid: str) -> Report:
        body = protocol.build_report(self.login, self._password, taskid)

        async def once() -> Report:
            resp = await self._post_small(body)
            if resp.code not in (codes.OK, codes.NOT_READY):
                raise ApiError(resp.code, "report")
            return protocol.read_report(resp, taskid)

        return await within(self.deadlines.read, "deadline_read", self.api_url, self._read_with_retry(once))

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
                        raise Retryable(TransportError(f"server error HTTP {resp.status_code} from {self.api_url}"))
                    if resp.status_code != 200:
                        data = await read_limited(resp, 64 * 1024)
                        check_status(resp.status_code, data)
                    async for chunk in resp.aiter_bytes(1 << 16):
                        rows = parser.feed(chunk)
                        if rows:
                            r = on_rows(rows)
                            if asyncio.iscoroutine(r):
                                await r
            except httpx.TransportError as exc:
                raise retryable_transport_error(exc, self.api_url) from None
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

        return await within(self.deadlines.detailed, "deadline_detailed", self.api_url, self._read_with_retry(once))

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
            sender = SubmitSender(self._http, self.api_url, self.timeouts, self.retry)
            return await sender.send(head, spool, self.deadlines.submit)
        finally:
            if own_spool:
                spool.close()
