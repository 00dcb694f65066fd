"""The argument parser: the CLI's stable surface."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import __version__
from .common import EXIT_INPUT


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a message, as the contract says
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number, at least 1: {text!r}")
    return n


FOLLOWUP_STATUSES = "delivery statuses, comma-separated: pending, delivered, failed, removed, error"


def _non_negative_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of units, 0 or more: {text!r}")
    return n


def build_parser() -> argparse.ArgumentParser:
    # SUPPRESS: given before or after the command, a subparser's default
    # must not reset them (parse() fills in what was given nowhere).
    common = _Parser(add_help=False)
    common.add_argument("--profile", default=argparse.SUPPRESS,
                        help="profile name (default: ATLSMS_PROFILE or the current one)")
    common.add_argument("--api-url", default=argparse.SUPPRESS, help="API URL, overriding the profile's")
    common.add_argument("--allow-insecure-http", action="store_true", default=argparse.SUPPRESS,
                        help="allow a plain http:// API URL to another machine (the password "
                             "travels unencrypted; a warning is printed on every use)")
    common.add_argument("--monitor", action="store_true", default=argparse.SUPPRESS,
                        help="read-only: look at the journal and reports; nothing is sent, settled, "
                             "approved or changed (as the profile setting read_only)")

    p = _Parser(
        prog="atlsms-tui",
        description="Bulk SMS campaigns on ATL InfoTech's Bulk SMS API.",
        parents=[common],
    )
    p.add_argument("--demo", action="store_true", help="open the TUI on the embedded simulator")
    p.add_argument("--version", action="version", version=f"atlsms-tui {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    s = sub.add_parser("login", parents=[common], help="store a profile and its password")
    s.add_argument("--login", help="the account login")
    s.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    s.add_argument("--title", action="append", default=[], dest="titles",
                   help="a registered title (sender name) of the account; repeatable")
    s.add_argument("--no-verify", action="store_true", help="save without checking the login with the API")

    s = sub.add_parser("units", parents=[common], help="remaining units of the account",
                       epilog="exit codes: 0 the balance (at least --min); 7 below --min; "
                              "1 ATL refused; 2 bad usage or settings; 3 transport failure; 6 a local problem")
    s.add_argument("--json", action="store_true")
    s.add_argument("--min", type=_non_negative_int, metavar="N",
                   help="exit with code 7 when the balance is below N units (for cron)")

    s = sub.add_parser("send", parents=[common], help="submit a campaign")
    s.add_argument("--title", help="title (sender name) registered for the account "
                                   "(default: the earlier one with --from-report, else the profile's default title)")
    m = s.add_mutually_exclusive_group()
    m.add_argument("--message", help="the message for every recipient")
    m.add_argument("--message-file", type=Path, help="a UTF-8 file holding the message")
    m.add_argument("--template", metavar="TEXT",
                   help="a mail-merge template: {column} placeholders filled from each row")
    m.add_argument("--template-file", type=Path, metavar="FILE", help="a UTF-8 file holding the template")
    m.add_argument("--template-name", metavar="NAME", help="a template saved with 'template save'")
    s.add_argument("--to", nargs="+", action="extend", default=[], metavar="MSISDN", help="recipient numbers")
    s.add_argument("--to-file", type=Path, metavar="FILE",
                   help="numbers: .txt (one a line or separated), .csv/.tsv or .xlsx")
    s.add_argument("--group", action="append", default=[], metavar="NAME",
                   help="a saved recipient group; repeatable")
    s.add_argument("--individual", type=Path, metavar="FILE",
                   help="CSV/XLSX, one row per recipient: with --template its columns fill the "
                        "placeholders, else its 'message' column is the message")
    s.add_argument("--from-report", metavar="TASKID|CAMPAIGN",
                   help="send again to the numbers of a task or campaign that ended in the --status "
                        "statuses (from its detailed report, fetched if not stored yet; opted-out numbers "
                        "left out); title and text default to the earlier ones (each number's own message "
                        "for an individual send)")
    s.add_argument("--status", metavar="S[,S]", help=f"with --from-report: {FOLLOWUP_STATUSES}")
    s.add_argument("--column", metavar="C", help="the number column of --to-file/--individual (name, index or letter)")
    s.add_argument("--sheet", metavar="S", help="the .xlsx sheet to read (default: the first)")
    s.add_argument("--encoding", metavar="E", help="text encoding of the files (default: detected)")
    s.add_argument("--transliterate", action="store_true",
                   help="replace ə ğ ı İ ş ç, typographic quotes, dashes... by GSM-7 letters (cheaper)")
    s.add_argument("--at", metavar="YYYY-MM-DD HH:MM[:SS]", help="schedule, in Baku time (default: now)")
    s.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    s.add_argument("--max-per-task", type=int, default=None, metavar="N",
                   help="split a larger campaign into tasks of at most N recipients "
                        "(default: the max_recipients_per_task setting, 50,000)")
    s.add_argument("--strict", action="store_true",
                   help="send nothing if any number or mail-merge row is invalid")
    s.add_argument("--allow-repeat", action="store_true",
                   help="send even if the same title and text was accepted for most of these "
                        "recipients recently (the repeat guard)")
    s.add_argument("--max-segments", type=_positive_int, default=None, metavar="N",
                   help="refuse a message longer than N segments "
                        "(default: the max_segments setting, 10)")
    q = s.add_mutually_exclusive_group()
    q.add_argument("--next-window", action="store_true",
                   help="a send that would start in quiet hours is scheduled for their end")
    q.add_argument("--ignore-quiet-hours", action="store_true",
                   help="send even inside quiet hours (setting quiet_hours)")
    s.add_argument("--pace", metavar="N/h|N/min",
                   help="spread the campaign: N recipients an hour (or a minute), each share a task "
                        "scheduled one unit after the previous, all submitted now")
    s.add_argument("--proof", action="store_true",
                   help="send what the campaign would send to the staff numbers (setting proof_numbers) "
                        "instead of the recipients")
    s.add_argument("--proof-messages", type=_positive_int, default=3, metavar="N",
                   help="with --proof, how many mail-merge messages (default 3)")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("group", parents=[common], help="saved recipient groups")
    gs = s.add_subparsers(dest="action", required=True, parser_class=_Parser)
    g = gs.add_parser("create", parents=[common],
                      help="save the numbers (and columns) of a file, or of a report, as a group")
    g.add_argument("name")
    gf = g.add_mutually_exclusive_group(required=True)
    gf.add_argument("--from", dest="source", type=Path, metavar="FILE",
                    help="numbers: .txt (one a line or separated), .csv/.tsv or .xlsx")
    gf.add_argument("--from-report", metavar="TASKID|CAMPAIGN",
                    help="the numbers of a task or campaign in the --status statuses (with each one's "
                         "message when the send was individual)")
    g.add_argument("--status", metavar="S[,S]", help=f"with --from-report: {FOLLOWUP_STATUSES}")
    g.add_argument("--column", metavar="C")
    g.add_argument("--sheet", metavar="S")
    g.add_argument("--encoding", metavar="E")
    g.add_argument("--replace", action="store_true", help="overwrite a group of that name")
    g.add_argument("--json", action="store_true")
    g = gs.add_parser("list", help="saved groups")
    g.add_argument("--json", action="store_true")
    g = gs.add_parser("show", help="a group's members")
    g.add_argument("name")
    g.add_argument("--json", action="store_true")
    g = gs.add_parser("delete", help="delete a group")
    g.add_argument("name")

    s = sub.add_parser("template", parents=[common], help="saved message templates")
    ts = s.add_subparsers(dest="action", required=True, parser_class=_Parser)
    t = ts.add_parser("save", help="save (or overwrite) a template")
    t.add_argument("name")
    tm = t.add_mutually_exclusive_group(required=True)
    tm.add_argument("--text")
    tm.add_argument("--file", type=Path)
    t = ts.add_parser("list", help="saved templates")
    t.add_argument("--json", action="store_true")
    t = ts.add_parser("show", help="a template's text and cost")
    t.add_argument("name")
    t.add_argument("--json", action="store_true")
    t = ts.add_parser("delete", help="delete a template")
    t.add_argument("name")

    s = sub.add_parser("optout", parents=[common], help="numbers that must never receive a message")
    os_ = s.add_subparsers(dest="action", required=True, parser_class=_Parser)
    o = os_.add_parser("add", help="add numbers to the opt-out list")
    o.add_argument("numbers", nargs="+", metavar="MSISDN")
    o.add_argument("--reason", help=f"why (default: {'asked to stop'!r})")
    o = os_.add_parser("remove", help="remove numbers from the opt-out list")
    o.add_argument("numbers", nargs="+", metavar="MSISDN")
    o = os_.add_parser("import", help="add every number of a file to the opt-out list")
    o.add_argument("file", type=Path)
    o.add_argument("--column", metavar="C")
    o.add_argument("--sheet", metavar="S")
    o.add_argument("--encoding", metavar="E")
    o.add_argument("--reason")
    o = os_.add_parser("list", help="the opt-out list")
    o.add_argument("--json", action="store_true")

    s = sub.add_parser("campaign", parents=[common], help="campaigns sent as several tasks")
    csub = s.add_subparsers(dest="campaign_command", parser_class=_Parser, required=True)
    c = csub.add_parser("list", parents=[common], help="campaigns in the journal")
    c.add_argument("--json", action="store_true")
    c = csub.add_parser("show", parents=[common],
                        help="a campaign's parts, summed delivery and report (by operator, time to delivery)")
    c.add_argument("campaign")
    c.add_argument("--refresh", action="store_true",
                   help="fetch each part's report first, and the detailed reports the figures need")
    c.add_argument("--json", action="store_true")
    c = csub.add_parser("export", parents=[common],
                        help="every recipient of a campaign (number, operator, status, date, task, part, author)")
    c.add_argument("campaign")
    c.add_argument("--output", "-o", required=True, metavar="FILE.csv|FILE.xlsx",
                   help="the file to write; its name says the format")
    c.add_argument("--force", action="store_true", help="replace the file if it exists")
    c.add_argument("--refresh", action="store_true",
                   help="fetch the parts' reports and detailed reports first (else: what the journal holds)")
    c = csub.add_parser("resume", parents=[common],
                        help="send the parts not sent yet and settle uncertain ones; accepted parts are never resent")
    c.add_argument("campaign")
    c.add_argument("--ignore-quiet-hours", action="store_true", help="send parts even inside quiet hours")
    c.add_argument("--json", action="store_true")
    c = csub.add_parser("cancel", parents=[common], help="drop the parts not sent yet")
    c.add_argument("campaign")
    c = csub.add_parser("reschedule", parents=[common],
                        help="move the parts not submitted yet (a submitted task cannot be moved or cancelled)")
    c.add_argument("campaign")
    c.add_argument("--at", required=True, metavar="YYYY-MM-DD HH:MM[:SS]", help="new start, Baku time")
    c.add_argument("--next-window", action="store_true", help="inside quiet hours: move to their end")
    c.add_argument("--json", action="store_true")

    s = sub.add_parser("approve", parents=[common],
                       help="release a campaign awaiting approval (by an operator other than its sender)")
    s.add_argument("campaign")
    s.add_argument("--ignore-quiet-hours", action="store_true", help="send parts even inside quiet hours")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("reject", parents=[common], help="drop a campaign awaiting approval")
    s.add_argument("campaign")
    s.add_argument("--reason", required=True, metavar="TEXT", help="why (kept in the journal)")

    s = sub.add_parser("tasks", parents=[common], help="submissions in the journal")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("report", parents=[common], help="delivery report of a task")
    s.add_argument("taskid")
    s.add_argument("--detailed", action="store_true", help="per-recipient report")
    s.add_argument("--wait", action="store_true", help="wait until nothing is pending")
    s.add_argument("--timeout", type=float, default=3600.0, help="seconds --wait waits at most")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("retry", parents=[common], help="settle an uncertain submission")
    s.add_argument("controlid")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("abandon", parents=[common],
                       help="close an uncertain submission that cannot be settled (kept in the history)")
    s.add_argument("controlid")
    s.add_argument("--reason", required=True, metavar="TEXT", help="why it is abandoned (kept in the journal)")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("simulator", parents=[common], help="run the API simulator")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8800)
    s.add_argument("--seed", type=int, default=None)
    s.add_argument("--state", type=Path, default=None, help="SQLite file keeping its tasks")
    s.add_argument("--report-delay", type=float, default=5.0)
    s.add_argument("--delivery-time", type=float, default=20.0)

    sub.add_parser("locate", parents=[common], help="print config and data paths")

    s = sub.add_parser("count", parents=[common], help="characters, encoding and segments of a text")
    s.add_argument("text")
    s.add_argument("--json", action="store_true")
    s.add_argument("--transliterate", action="store_true", help="count the transliterated text")
    return p


GLOBAL_DEFAULTS = {"profile": None, "api_url": None, "allow_insecure_http": False, "monitor": False}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, with the global options wherever they were given."""
    args = build_parser().parse_args(argv)
    for name, value in GLOBAL_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, value)
    return args
