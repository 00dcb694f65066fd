"""The pure rules both faces apply and show: message text and segments,
numbers, Baku time, merge templates and error codes. No I/O here."""

from ..core import baku, codes, mailmerge, msisdn, pacing, quiet_hours, smstext
from ..core.attribution import operator
from ..core.printable import UNSAFE, printable
from ..core.wording import plural

__all__ = ["UNSAFE", "baku", "codes", "mailmerge", "msisdn", "operator", "pacing", "plural", "printable", "quiet_hours",
           "smstext"]
