"""The ATL Bulk SMS XML dialect: requests built, responses parsed. No I/O.

``requests`` builds what is sent (a submit as a stream of chunks),
``responses`` reads the small answers, ``detail_stream`` parses a detailed
report incrementally as it downloads.
"""

from .detail_stream import DetailedReportParser, parse_detailed
from .requests import (
    DECLARATION,
    SUBMIT_TAIL,
    SubmitContent,
    body_digest,
    build_report,
    build_units,
    content_hash,
    escape,
    iter_submit,
    iter_submit_bodies,
    submit_head,
    validate_content,
    validate_head,
)
from .responses import (
    CODE_DIGITS,
    COUNT_DIGITS,
    MAX_SMALL_RESPONSE,
    STATUS_DIGITS,
    TASKID_DIGITS,
    ApiResponse,
    parse_response,
    read_report,
    read_taskid,
    read_units,
)

__all__ = [
    "CODE_DIGITS",
    "COUNT_DIGITS",
    "DECLARATION",
    "MAX_SMALL_RESPONSE",
    "STATUS_DIGITS",
    "SUBMIT_TAIL",
    "TASKID_DIGITS",
    "ApiResponse",
    "DetailedReportParser",
    "SubmitContent",
    "body_digest",
    "build_report",
    "build_units",
    "content_hash",
    "escape",
    "iter_submit",
    "iter_submit_bodies",
    "parse_detailed",
    "parse_response",
    "read_report",
    "read_taskid",
    "read_units",
    "submit_head",
    "validate_content",
    "validate_head",
]
