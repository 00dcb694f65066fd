"""HTTP client of the API: one pooled ``httpx.AsyncClient`` per profile.

Reads (units, report, detailedreport) are retried on transport errors and
5xx with capped, jittered exponential backoff. A submit is retried only when
the failure proves nothing reached the server; any other failure is reported
as uncertain so that the service layer can settle it under the same
controlid, never under a new one.

httpx's timeouts apply to each network read, so a server dripping a byte a
second would keep a request alive for ever: every call also has an overall
wall-clock deadline (Deadlines), retries included.

Modules: ``policy`` (timeouts, deadlines, retries), ``transport`` (TLS, no
redirects, size caps, the deadline guard), ``spool`` (the submit's body on
disk), ``submit`` (sending it without ever resending what may have arrived)
and ``atl`` (AtlClient, the operations).
"""

from ..deadlines import Deadlines
from .atl import AtlClient, ClientProfile
from .policy import RetryPolicy, Timeouts
from .spool import SpooledBody
from .submit import SubmitAnswer, SubmitUncertain
from .transport import CONTENT_TYPE, LEGACY_CIPHERS, NOT_SENT_ERRORS, USER_AGENT, tls_context

__all__ = [
    "CONTENT_TYPE",
    "LEGACY_CIPHERS",
    "NOT_SENT_ERRORS",
    "USER_AGENT",
    "AtlClient",
    "ClientProfile",
    "Deadlines",
    "RetryPolicy",
    "SpooledBody",
    "SubmitAnswer",
    "SubmitUncertain",
    "Timeouts",
    "tls_context",
]
