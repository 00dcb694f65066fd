"""The pure rules both faces apply and show: message text and segments,
numbers, Baku time, merge templates and error codes. No I/O here."""

from ..core import baku, codes, mailmerge, msisdn, quiet_hours, smstext

__all__ = ["baku", "codes", "mailmerge", "msisdn", "quiet_hours", "smstext"]
