"""The API's response codes, with the vendor document's wording, in one place."""

from __future__ import annotations

OK = "000"
NOT_READY = "001"
DUPLICATE_CONTROLID = "002"
INVALID_TITLE = "235"

# Wording as in the vendor document (its spelling of "authentification" kept,
# since operators compare it with what ATL support quotes back to them).
CODES: dict[str, str] = {
    "000": "Operation is successful",
    "001": "Processing, report is not ready",
    "002": "Duplicate control id (it must be unique for each task)",
    "100": "Bad request",
    "101": "Operation type is empty",
    "102": "Invalid operation",
    "103": "Login is empty",
    "104": "Password is empty",
    "105": "Invalid authentification information",
    "106": "Title is empty",
    "107": "Invalid title",
    "108": "Task id is empty",
    "109": "Invalid task id",
    "110": "Task with supplied id is canceled",
    "111": "Scheduled date is empty",
    "112": "Invalid scheduled date",
    "113": "Old scheduled date",
    "114": "isbulk is empty",
    "115": "Invalid isbulk value, must \"true\" or \"false\"",
    "116": "Invalid bulk message",
    "117": "Invalid body",
    "118": "Not enough units",
    "235": "Invalid TITLE please contact Account Manager",
    "300": "Internal server error, report to administrator",
}

SYSTEM_ERROR = "System error, report to administrator"

# What an operator can do about a code; shown under the API's own wording.
ADVICE: dict[str, str] = {
    "105": "Check the profile's login and password (atlsms-tui login).",
    "106": "Choose a title (sender name).",
    "107": "The title must be one registered for this account.",
    "109": "The task id is unknown to this account.",
    "112": "Enter the schedule as YYYY-MM-DD HH:MM in Baku time.",
    "113": "The scheduled time has passed; choose a later time or send now.",
    "116": "The message is empty or not acceptable.",
    "117": "A recipient entry was refused; check the numbers and messages.",
    "118": "Top up the account or send to fewer recipients.",
    "235": "This title is not registered; contact your ATL account manager.",
    "300": "ATL's server failed; try again later or report it to ATL.",
}


def is_system_error(code: str) -> bool:
    """2XX other than 235, and 300, are failures on the vendor's side."""
    return (len(code) == 3 and code.startswith("2") and code != INVALID_TITLE) or code == "300"


def describe(code: str) -> str:
    """The vendor's wording for a code, also for codes the table does not list."""
    if code in CODES:
        return CODES[code]
    if is_system_error(code):
        return SYSTEM_ERROR
    return f"Unknown response code {code!r}"


def is_known(code: str) -> bool:
    return code in CODES or is_system_error(code)
