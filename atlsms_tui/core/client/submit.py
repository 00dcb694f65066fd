"""Sending one submit: retried only while the failure proves nothing left
this machine, and otherwise reported as uncertain so that the service layer
settles it under the same controlid, never under a new one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from .. import codes, protocol
from ..errors import ProtocolError, TransportError
from .policy import RetryPolicy, Timeouts
from .spool import SpooledBody
from .transport import NOT_SENT_ERRORS, read_limited, why


class SubmitUncertain(TransportError):
    """The submit may have reached the server; its outcome is unknown."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message, nothing_sent=False)
        self.code = code


@dataclass(slots=True)
class SubmitAnswer:
    code: str
    taskid: str | None


class _Leaving:
    """Whether the body of the current submit attempt began to leave."""

    __slots__ = ("started",)

    def __init__(self) -> None:
        self.started = False


class _NotSent(Exception):
    def __init__(self, error: Exception) -> None:
        self.error = error


@dataclass(slots=True)
class SubmitSender:
    """One client's way of sending submits (its connection and policies)."""

    http: httpx.AsyncClient
    api_url: str
    timeouts: Timeouts
    retry: RetryPolicy

    async def send(self, head: bytes, spool: SpooledBody, seconds: float) -> SubmitAnswer:
        """The submit of ``head`` and the spooled bodies within ``seconds``
        (the deadline_submit setting), retries included."""
        length = len(head) + spool.size + len(protocol.SUBMIT_TAIL)
        leaving = _Leaving()
        try:
            async with asyncio.timeout(seconds) as cm:
                return await self._attempts(head, spool, length, leaving)
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

    async def _attempts(self, head: bytes, spool: SpooledBody, length: int, leaving: _Leaving) -> SubmitAnswer:
        last: Exception | None = None
        for attempt in range(self.retry.submit_not_sent_attempts):
            if attempt:
                await asyncio.sleep(self.retry.delay(attempt - 1))
            try:
                return await self._once(head, spool, length, leaving)
            except _NotSent as exc:
                last = exc.error
        raise TransportError(
            f"cannot reach {self.api_url}: {why(last)}; nothing was sent", nothing_sent=True
        )

    async def _once(self, head: bytes, spool: SpooledBody, length: int, leaving: _Leaving) -> SubmitAnswer:
        leaving.started = False

        async def body() -> AsyncIterator[bytes]:
            # httpx asks for the body only once the connection (and any
            # proxy tunnel) is up and the headers are written: before that
            # the server cannot have a submit to act on.
            leaving.started = True
            async for chunk in spool.stream(head, protocol.SUBMIT_TAIL):
                yield chunk

        try:
            async with self.http.stream(
                "POST",
                self.api_url,
                content=body(),
                headers={"Content-Length": str(length)},
                timeout=self.timeouts.for_submit(),
            ) as resp:
                data = await read_limited(resp, protocol.MAX_SMALL_RESPONSE)
                status = resp.status_code
        except (*NOT_SENT_ERRORS, httpx.InvalidURL) as exc:
            if leaving.started:
                raise SubmitUncertain(f"connection failed while sending: {why(exc)}") from None
            raise _NotSent(exc) from None
        except httpx.TimeoutException as exc:
            if not leaving.started:
                raise _NotSent(exc) from None
            raise SubmitUncertain(f"no answer in time ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            if not leaving.started:
                raise _NotSent(exc) from None
            raise SubmitUncertain(f"connection failed after sending: {why(exc)}") from None
        except ProtocolError as exc:
            raise SubmitUncertain(str(exc)) from None
        return read_answer(status, data)


def read_answer(status: int, data: bytes) -> SubmitAnswer:
    """What the server's answer says of the submit; anything short of a clear
    verdict is uncertain."""
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
