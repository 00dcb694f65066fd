"""The scripting CLI: a stable contract over the service layer.

Exit codes: 0 done; 1 the API answered with an error code; 2 bad input or
usage, nothing sent; 3 transport failure or unreadable answer; 4 a submission
whose outcome is uncertain. Commands other than the TUI never import Textual.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
import time
from pathlib import Path

from . import __version__, baku, paths
from .errors import ApiError, AtlSmsError, ConfigError, InputError, TransportError
from .models import State

EXIT_OK, EXIT_API, EXIT_INPUT, EXIT_TRANSPORT, EXIT_UNCERTAIN = 0, 1, 2, 3, 4

STATE_EXIT = {
    State.ACCEPTED: EXIT_OK,
    State.ACCEPTED_WITHOUT_TASKID: EXIT_OK,
    State.REJECTED: EXIT_API,
    State.FAILED: EXIT_TRANSPORT,
    State.UNCERTAIN: EXIT_UNCERTAIN,
    State.SENDING: EXIT_UNCERTAIN,
    # parts of a campaign stopped before they were sent: nothing uncertain
    State.QUEUED: EXIT_INPUT,
    State.CANCELLED: EXIT_INPUT,
}


class UsageError(InputError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a message, as the contract says
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--profile", help="profile name (default: ATLSMS_PROFILE or the current one)")
    common.add_argument("--api-url", help="API URL, overriding the profile's")

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

    s = sub.add_parser("units", parents=[common], help="remaining units of the account")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("send", parents=[common], help="submit a campaign")
    s.add_argument("--title", required=True, help="title (sender name) registered for the account")
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
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("group", parents=[common], help="saved recipient groups")
    gs = s.add_subparsers(dest="action", required=True, parser_class=_Parser)
    g = gs.add_parser("create", help="save the numbers (and columns) of a file as a group")
    g.add_argument("name")
    g.add_argument("--from", dest="source", type=Path, required=True, metavar="FILE")
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
    c = csub.add_parser("show", parents=[common], help="a campaign's parts and summed delivery")
    c.add_argument("campaign")
    c.add_argument("--refresh", action="store_true", help="fetch each part's report first")
    c.add_argument("--json", action="store_true")
    c = csub.add_parser("resume", parents=[common],
                        help="send the parts not sent yet and settle uncertain ones; accepted parts are never resent")
    c.add_argument("campaign")
    c.add_argument("--json", action="store_true")
    c = csub.add_parser("cancel", parents=[common], help="drop the parts not sent yet")
    c.add_argument("campaign")

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


def err(msg: str) -> None:
    print(msg, file=sys.stderr)


def out_json(doc) -> None:
    print(json.dumps(doc, ensure_ascii=False))


# ------------------------------------------------------------------ commands


def _session(args, need_password: bool = True):
    from .session import open_session

    s = open_session(args.profile, args.api_url, need_password=need_password)
    for cid in s.recovered:
        err(f"warning: submission {cid} was interrupted; its outcome is uncertain. "
            f"Settle it with: atlsms-tui retry {cid}")
    return s


async def cmd_login(args) -> int:
    from . import credentials
    from .secret import Secret
    from .settings import DEFAULT_API_URL, Profile, load_settings

    settings = load_settings()
    name = args.profile or os.environ.get("ATLSMS_PROFILE") or settings.current or "default"
    existing = settings.profiles.get(name)
    login = args.login or (existing.login if existing else None)
    if not login:
        if not sys.stdin.isatty() or args.password_stdin:
            raise UsageError("--login is required")
        login = input("Login: ").strip()
    if args.password_stdin:
        line = sys.stdin.readline()
        password = Secret(line.rstrip("\r\n"))
    elif sys.stdin.isatty():
        password = Secret(getpass.getpass(f"Password for {login}: "))
    else:
        raise UsageError("no terminal to ask the password: use --password-stdin")
    if not password:
        raise UsageError("the password is empty")
    api_url = args.api_url or (existing.api_url if existing else DEFAULT_API_URL)
    titles = args.titles or (existing.titles if existing else [])
    if not args.no_verify:
        from .client import AtlClient

        client = AtlClient(api_url, login, password)
        try:
            units = await client.units()
        finally:
            await client.aclose()
        err(f"login ok: {units} units remaining")
    profile = Profile(name=name, login=login, api_url=api_url, titles=list(titles),
                      default_title=(titles[0] if titles else (existing.default_title if existing else None)))
    settings.profiles[name] = profile
    if settings.current is None:
        settings.current = name
    credentials.store_password(name, password)
    settings.save()
    err(f"profile {name!r} saved ({paths.settings_file()})")
    return EXIT_OK


async def cmd_units(args) -> int:
    s = _session(args)
    try:
        units = await s.service.units()
    finally:
        await s.aclose()
    if args.json:
        out_json({"units": units.units})
    else:
        print(f"{units.units} units")
    return EXIT_OK


def _read_text_file(path: Path, what: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{what} {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{what} {path}: line {line}: not valid UTF-8 (byte {data[exc.start]:#04x})") from None
    return text


def _open_store():
    from .store import Store

    return Store(paths.store_file())


def _err_report(rep, always: bool = True) -> None:
    """An import report on stderr (numbers given with --to: only their problems)."""
    if not always and not rep.invalid and not rep.duplicate_rows and not rep.recovered:
        return
    if always:
        for line in rep.lines():
            err(line)
        return
    for title, issues in (("invalid, not sent to", rep.invalid), ("duplicates removed", rep.duplicate_rows)):
        if issues:
            err(f"{rep.source}: {len(issues)} {title}:")
            for i in issues[:50]:
                err(f"  {rep.issue_line(i)}")
            if len(issues) > 50:
                err(f"  ... and {len(issues) - 50} more")


class _Gathered:
    def __init__(self) -> None:
        self.records: list = []
        self.columns: list[str] = []
        self.sources: list[str] = []
        self.invalid = 0
        self.duplicates = 0
        self._seen: set[str] = set()

    def add(self, records, columns, source: str) -> None:
        self.sources.append(source)
        for c in columns:
            if c.lower() not in {x.lower() for x in self.columns}:
                self.columns.append(c)
        for r in records:
            if r.msisdn in self._seen:
                self.duplicates += 1
                continue
            self._seen.add(r.msisdn)
            self.records.append(r)


def _gather_recipients(args, store_fn) -> _Gathered:
    """Recipients from --to / --to-file / --group / --individual; each file's
    import report is printed on stderr."""
    from . import imports, lists

    if not (args.to or args.to_file or args.individual or args.group):
        raise UsageError("no recipients: give --to, --to-file, --group or --individual")
    if args.individual and (args.to or args.to_file or args.group):
        raise UsageError("--individual cannot be combined with --to, --to-file or --group")
    if (args.column or args.sheet) and not (args.to_file or args.individual):
        raise UsageError("--column and --sheet apply to --to-file or --individual")
    got = _Gathered()
    if args.to:
        rep = imports.parse_text_list("\n".join(args.to), "--to argument")
        _err_report(rep, always=False)
        got.invalid += len(rep.invalid)
        got.add(rep.records, [], rep.source)
    for path in (args.to_file, args.individual):
        if path is None:
            continue
        rep = imports.read_recipients(path, column=args.column, sheet=args.sheet, encoding=args.encoding)
        _err_report(rep)
        got.invalid += len(rep.invalid)
        before = got.duplicates
        got.add(rep.records, rep.columns if rep.kind != "list" else [], rep.source)
        if got.duplicates > before:
            err(f"  {got.duplicates - before} number(s) also given elsewhere, kept once")
    if args.group:
        store = store_fn()
        for name in args.group:
            g = lists.get_group(store, name)
            err(f"group {g.info.name!r}: {g.info.members:,} member(s)"
                + (f", columns {', '.join(g.info.columns)}" if g.info.columns else ""))
            before = got.duplicates
            got.add(g.records, g.info.columns, f"group {g.info.name!r}")
            if got.duplicates > before:
                err(f"  {got.duplicates - before} number(s) also given elsewhere, kept once")
    return got


def _template_body(args, store_fn) -> tuple[str | None, str]:
    """(template text or None, what to call it in messages)."""
    from . import lists

    if args.template is not None:
        return args.template, "--template"
    if args.template_file:
        body = _read_text_file(args.template_file, "template file")
        return (body[:-1] if body.endswith("\n") else body), str(args.template_file)
    if args.template_name:
        t = lists.get_template(store_fn(), args.template_name)
        return t.body, f"template {t.name!r}"
    return None, ""


async def cmd_send(args) -> int:
    from . import mailmerge, smstext
    from .models import Recipient
    from .service import Draft, check_draft, estimate

    lookup_store = None

    def store_fn():
        nonlocal lookup_store
        if lookup_store is None:
            lookup_store = _open_store()
        return lookup_store

    try:
        template_text, template_what = _template_body(args, store_fn)
        got = _gather_recipients(args, store_fn)
    finally:
        if lookup_store is not None:
            lookup_store.close()

    message = None
    if args.message_file:
        message = _read_text_file(args.message_file, "message file")
        message = message[:-1] if message.endswith("\n") else message
    elif args.message is not None:
        message = args.message
    if args.individual and message is not None:
        raise UsageError("--individual takes its messages from the file or a template; drop --message")

    template = None
    if template_text is not None:
        template = mailmerge.parse_template(template_text, template_what)
        if not template.personal and not args.individual:
            message = template.literal()
            template = None
    elif args.individual:
        template = mailmerge.parse_template("{message}")
        if "message" not in {c.lower() for c in got.columns}:
            raise UsageError(f"{args.individual}: no 'message' column; give --template "
                             "(placeholders from its columns) or add a 'message' column")
    elif message is None:
        raise UsageError("no message: give --message, --message-file, --template, --template-file "
                         "or --template-name")
    if message is not None:
        try:
            maybe = mailmerge.parse_template(message)
        except InputError:
            maybe = None
        if maybe is not None and maybe.personal:
            err(f"note: the message contains {{{maybe.fields[0]}}}, sent as typed; "
                "use --template for a mail merge")

    merge_problems = 0
    if template is not None:
        res = mailmerge.merge(template, got.records, got.columns, source=", ".join(got.sources))
        if res.problems:
            merge_problems = len(res.problems)
            err(f"{len(res.problems)} row(s) left out of the mail merge:")
            for p in res.problems[:50]:
                err(f"  {mailmerge.problem_line(p)}")
            if len(res.problems) > 50:
                err(f"  ... and {len(res.problems) - 50} more")
        recips = res.recipients
    else:
        recips = [Recipient(r.msisdn) for r in got.records]

    if args.strict and (got.invalid or merge_problems):
        err("--strict: nothing sent")
        return EXIT_INPUT
    if not recips:
        err("no valid recipient: nothing sent")
        return EXIT_INPUT
    scheduled = baku.parse_schedule(args.at) if args.at else None
    draft = Draft(title=args.title, recipients=recips, message=message, scheduled=scheduled)

    # Cheaper text: shown both ways, applied only with --transliterate.
    cmp = mailmerge.compare_costs(draft)
    if args.transliterate:
        err(f"transliteration: {cmp.line()}")
        if not cmp.changed:
            err("  (transliteration changes nothing in this text)")
        draft = mailmerge.transliterate_draft(draft)
        if cmp.still_ucs2:
            err("  still UCS-2 because of: " + " ".join(repr(c) for c in cmp.still_ucs2[:20]))
    elif cmp.saving > 0:
        err(f"hint: {cmp.line()}; pass --transliterate to send it transliterated")
    if draft.individual:
        err("preview:")
        for r in draft.recipients[:3]:
            err(f"  {r.msisdn} ({smstext.segments(r.message or '')} segment(s)): {r.message}")
        if len(draft.recipients) > 3:
            err(f"  ... {len(draft.recipients) - 3:,} more")
    check_draft(draft)
    if not args.yes and not sys.stdin.isatty():
        err("refusing to send without confirmation: no terminal on stdin (pass --yes)")
        return EXIT_INPUT

    s = _session(args)
    try:
        opt = s.service.preview_optouts(draft)
        if opt.removed:
            err(opt.summary())
            for hit in opt.removed[:20]:
                err(f"  {hit.line()}")
            if len(opt.removed) > 20:
                err(f"  ... and {len(opt.removed) - 20:,} more")
            if not opt.kept:
                err("every recipient is on the opt-out list: nothing sent")
                return EXIT_INPUT
        shown = Draft(draft.title, opt.kept, draft.message, draft.scheduled)
        try:
            balance = await s.service.units()
        except TransportError as exc:
            err(f"warning: balance unknown ({exc})")
            balance = s.service.cached_units()
        est = estimate(shown, balance)
        when = "now" if scheduled is None else f"{baku.format_baku(scheduled)} Baku time"
        err(
            f"{'DEMO ' if s.demo else ''}profile {s.profile.name}: title {draft.title!r}, "
            f"{est.recipients} recipient(s), {'individual messages' if draft.individual else 'one message'}, "
            f"{est.encoding}, {est.segments} segment(s){' (longest)' if draft.individual else ''}, "
            f"about {est.units} units"
            + (f" of {balance.units} (after: {est.balance_after})" if balance else "")
            + f", schedule: {when}"
        )
        if balance is not None and est.affordable is False:
            err("warning: the estimate exceeds the balance; ATL will likely refuse it (118)")
        if not args.yes:
            answer = input(f"Send to {est.recipients} recipient(s)? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                err("not sent")
                return EXIT_INPUT
        from . import campaign

        cap = args.max_per_task or s.settings.preferences.max_recipients_per_task
        parts = -(-est.recipients // cap)
        if parts > 1:
            err(f"the campaign goes out as {parts} tasks of at most {cap:,} recipients; "
                "Ctrl-C stops it between tasks")
        result = await _with_cancel(
            lambda cancel: campaign.submit_campaign(
                s.service, draft, max_per_task=cap, progress=_progress_printer(), cancel=cancel
            )
        )
    finally:
        await s.aclose()
    return _report_campaign(result, args.json)


async def _with_cancel(run):
    """Run a campaign with Ctrl-C turned into 'stop between parts'."""
    import signal

    cancel = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_sigint() -> None:
        if not cancel.is_set():
            err("stopping after the part in flight (Ctrl-C again does not abort it)")
        cancel.set()

    try:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    except (NotImplementedError, RuntimeError):
        pass
    try:
        return await run(cancel)
    finally:
        try:
            loop.remove_signal_handler(signal.SIGINT)
        except (NotImplementedError, RuntimeError):
            pass


def _progress_printer():
    """Progress on stderr when it is a terminal, on one rewritten line."""
    if not sys.stderr.isatty():
        return None

    def show(p) -> None:
        bar = "#" * int(p.fraction * 20)
        sys.stderr.write(f"\r[{bar:<20}] {p.recipients_done:,}/{p.recipients_total:,}  {p.text[:40]:<40}")
        if p.stage in ("done", "cancelled"):
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _report_campaign(result, as_json: bool) -> int:
    if result.campaign is None:
        return _report_submit(result.results[0], as_json)
    if as_json:
        out_json(result.as_json())
    err(f"campaign {result.campaign}: {result.state}")
    for i, r in enumerate(result.results, start=1):
        err(f"  part {i}: {r.recipients:,} recipient(s): {r.headline()} (controlid {r.controlid})")
    if result.queued:
        err(f"  {len(result.queued)} part(s) not sent. Resume with: atlsms-tui campaign resume {result.campaign}"
            f" (or drop them: atlsms-tui campaign cancel {result.campaign})")
    worst = result.worst
    if worst is State.UNCERTAIN or worst is State.SENDING:
        err(f"settle with: atlsms-tui campaign resume {result.campaign}")
    return STATE_EXIT[worst]


def _report_submit(result, as_json: bool) -> int:
    if as_json:
        out_json(result.as_json())
    if result.state is State.ACCEPTED:
        if not as_json:
            print(f"accepted: task {result.taskid} (controlid {result.controlid})")
    elif result.state is State.ACCEPTED_WITHOUT_TASKID:
        err(f"warning: {result.headline()} (controlid {result.controlid})")
    elif result.state is State.REJECTED:
        err(f"error {result.code}: {result.wording}")
        if result.advice:
            err(result.advice)
    else:
        err(result.headline())
    return STATE_EXIT[result.state]


async def cmd_campaign(args) -> int:
    from . import campaign as camp

    need_network = args.campaign_command == "resume" or (args.campaign_command == "show" and args.refresh)
    s = _session(args, need_password=need_network)
    try:
        cc = args.campaign_command
        if cc == "list":
            cs = camp.list_campaigns(s.service)
            if args.json:
                out_json([c.as_json() for c in cs])
            elif not cs:
                print("no campaigns in the journal")
            for c in cs if not args.json else []:
                rep = c.report()
                print(f"{c.campaign}  {c.state:<10} {c.title:<11} {c.recipients:>9,} rcpt  {len(c.parts)} part(s)  "
                      f"{rep.delivered:,} delivered {rep.failed:,} failed {rep.pending:,} pending")
            return EXIT_OK
        if cc == "show":
            c = camp.load_campaign(s.service, args.campaign)
            if args.refresh:
                for p in c.parts:
                    if p.taskid:
                        try:
                            await s.service.report(p.taskid)
                        except ApiError as exc:
                            err(f"part {p.controlid} (task {p.taskid}): {exc}")
                c = camp.load_campaign(s.service, args.campaign)
            if args.json:
                out_json(c.as_json())
                return EXIT_OK
            rep = c.report()
            print(f"campaign {c.campaign}: {c.state}, {c.title!r}, {c.recipients:,} recipient(s) in {len(c.parts)} part(s)")
            print(f"delivery (parts with a report): {rep.delivered:,} delivered, {rep.failed:,} failed, "
                  f"{rep.pending:,} pending, {rep.removed:,} removed, {rep.error:,} error")
            for i, p in enumerate(c.parts, start=1):
                r = p.report
                d = f"{r.delivered:,}/{r.total:,} delivered" if r and r.ready else ""
                print(f"  {i:>3}. {p.controlid}  task {p.taskid or '-':<8} {p.state.value:<23} {p.recipients:>7,}  {d}")
            return EXIT_OK
        if cc == "cancel":
            n = camp.cancel_campaign(s.service, args.campaign)
            err(f"{n} part(s) dropped; they were never sent")
            return EXIT_OK
        result = await _with_cancel(
            lambda cancel: camp.resume_campaign(
                s.service, args.campaign, progress=_progress_printer(), cancel=cancel
            )
        )
    finally:
        await s.aclose()
    return _report_campaign(result, args.json)


async def cmd_retry(args) -> int:
    s = _session(args)
    try:
        result = await s.service.retry(args.controlid)
    finally:
        await s.aclose()
    return _report_submit(result, args.json)


async def cmd_tasks(args) -> int:
    s = _session(args, need_password=False)
    try:
        subs = s.service.tasks()
    finally:
        await s.aclose()
    if args.json:
        out_json([x.as_json() for x in subs])
        return EXIT_OK
    if not subs:
        print("no submissions in the journal")
        return EXIT_OK
    print(f"{'CONTROLID':<19} {'TASKID':<8} {'STATE':<23} {'TITLE':<11} {'CREATED (Baku)':<16} {'SCHEDULED':<16} {'RCPT':>7}  DELIVERY")
    for x in subs:
        created = baku.format_baku(baku.from_iso(x.created))
        sched = "now" if x.scheduled == "NOW" else x.scheduled[:16]
        rep = x.report
        delivery = (f"{rep.delivered} ok {rep.failed} failed {rep.pending} pending"
                    if rep and rep.ready else "")
        print(f"{x.controlid:<19} {x.taskid or '-':<8} {x.state.value:<23} {x.title:<11} {created:<16} {sched:<16} {x.recipients:>7}  {delivery}")
    return EXIT_OK


async def cmd_report(args) -> int:
    s = _session(args)
    deadline = time.monotonic() + args.timeout
    delay = 2.0
    try:
        while True:
            report = await s.service.report(args.taskid)
            if not args.wait or (report.ready and report.pending == 0):
                break
            if time.monotonic() + delay > deadline:
                err("--wait: timed out; report still pending")
                break
            if sys.stderr.isatty():
                err(f"... {'not ready' if not report.ready else f'{report.pending} pending'}; checking again in {delay:.0f}s")
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 30.0)
        rows_doc = None
        if args.detailed and report.ready:
            fetch = await s.service.detailed_report(args.taskid)
            if fetch.ready and fetch.report is not None:
                report = fetch.report
            rows_doc = []
            for batch in s.service.iter_detail(args.taskid):
                rows_doc.extend(r.as_json() for r in batch) if args.json else rows_doc.extend(batch)
    finally:
        await s.aclose()
    if args.json:
        doc = report.as_json()
        if args.detailed:
            doc["recipients"] = rows_doc or []
        out_json(doc)
        return EXIT_OK
    if not report.ready:
        print(f"task {report.taskid}: report not ready yet (ATL is still processing)")
        return EXIT_OK
    print(f"task {report.taskid}: {report.delivered} delivered, {report.failed} failed, "
          f"{report.pending} pending, {report.removed} removed, {report.error} error")
    if rows_doc:
        for r in rows_doc:
            print(f"  {r.msisdn}  {r.status:<9}  {r.date or '':<19}  {r.message[:40]}")
    return EXIT_OK


def cmd_simulator(args) -> int:
    from .simulator import serve_forever

    serve_forever(args.host, args.port, args.seed, state_path=args.state,
                  report_delay=args.report_delay, delivery_time=args.delivery_time)
    return EXIT_OK


def cmd_locate(args) -> int:
    print(f"settings:    {paths.settings_file()}")
    print(f"credentials: {paths.credentials_file()}")
    print(f"journal:     {paths.store_file()}")
    print(f"demo data:   {paths.demo_dir()}")
    return EXIT_OK


def cmd_count(args) -> int:
    from . import smstext

    text = smstext.transliterate(args.text) if args.transliterate else args.text
    info = smstext.analyze(text)
    tr = None
    if not args.transliterate and not info.is_gsm7:
        t = smstext.transliterate(args.text)
        if t != args.text:
            tr = smstext.analyze(t)
    if args.json:
        doc = {
            "characters": info.characters, "encoding": info.encoding, "segments": info.segments,
            "length": info.length, "ucs2_chars": [c for _, c in info.ucs2_chars],
        }
        if args.transliterate:
            doc["text"] = text
        if tr is not None:
            doc["transliterated"] = {"encoding": tr.encoding, "segments": tr.segments,
                                     "characters": tr.characters}
        out_json(doc)
        return EXIT_OK
    if args.transliterate:
        print(f"transliterated: {text}")
    print(f"{info.characters} characters, {info.encoding}, {info.segments} segment(s), "
          f"{info.remaining} left in the last")
    if info.ucs2_chars:
        chars = " ".join(f"{c!r}@{i + 1}" for i, c in info.ucs2_chars[:20])
        more = f" (and {len(info.ucs2_chars) - 20} more)" if len(info.ucs2_chars) > 20 else ""
        print(f"forcing UCS-2: {chars}{more}")
    if tr is not None:
        print(f"transliterated (--transliterate): {tr.characters} characters, {tr.encoding}, "
              f"{tr.segments} segment(s)")
    return EXIT_OK


# ------------------------------------------------------ groups, templates, opt-outs


def _baku_time(iso: str) -> str:
    try:
        return baku.format_baku(baku.from_iso(iso))
    except (ValueError, TypeError):
        return iso


def cmd_group(args) -> int:
    from . import imports, lists

    store = _open_store()
    try:
        if args.action == "create":
            name = lists.check_name(args.name, "group")
            rep = imports.read_recipients(args.source, column=args.column, sheet=args.sheet,
                                          encoding=args.encoding)
            for line in rep.lines():
                err(line)
            if not rep.records:
                err(f"no valid number in {args.source}: group not saved")
                return EXIT_INPUT
            if not args.replace and any(g.name == name for g in lists.list_groups(store)):
                raise InputError(f"group {name!r} already exists: pass --replace to overwrite it")
            info = lists.save_group(store, name, rep, replace=args.replace,
                                    columns=rep.columns if rep.kind != "list" else [])
            if args.json:
                out_json({"name": info.name, "members": info.members, "columns": info.columns,
                          "import": rep.as_json()})
            else:
                print(f"group {info.name!r} saved: {info.members:,} member(s)")
            return EXIT_OK
        if args.action == "list":
            groups = lists.list_groups(store)
            if args.json:
                out_json([{"name": g.name, "members": g.members, "columns": g.columns, "source": g.source,
                           "created": g.created, "updated": g.updated} for g in groups])
            elif not groups:
                print("no saved groups")
            else:
                print(f"{'NAME':<24} {'MEMBERS':>8}  {'UPDATED (Baku)':<16}  COLUMNS")
                for g in groups:
                    print(f"{g.name:<24} {g.members:>8,}  {_baku_time(g.updated):<16}  {', '.join(g.columns)}")
            return EXIT_OK
        if args.action == "show":
            g = lists.get_group(store, args.name)
            if args.json:
                out_json({"name": g.info.name, "members": g.info.members, "columns": g.info.columns,
                          "source": g.info.source, "created": g.info.created, "updated": g.info.updated,
                          "recipients": [{"msisdn": r.msisdn, "fields": r.fields} for r in g.records]})
                return EXIT_OK
            print(f"group {g.info.name!r}: {g.info.members:,} member(s), from {g.info.source or '-'}, "
                  f"updated {_baku_time(g.info.updated)} Baku time")
            cols = [c for c in g.info.columns]
            if cols:
                print("MSISDN        " + "  ".join(cols))
            for r in g.records:
                print(f"{r.msisdn:<12}  " + "  ".join(r.fields.get(c, "") for c in cols))
            return EXIT_OK
        if args.action == "delete":
            g = lists.get_group(store, args.name)
            lists.delete_group(store, g.info.name)
            print(f"group {g.info.name!r} deleted ({g.info.members:,} member(s))")
            return EXIT_OK
    finally:
        store.close()
    raise UsageError(f"unknown action {args.action}")  # pragma: no cover


def cmd_template(args) -> int:
    from . import lists, mailmerge, smstext

    store = _open_store()
    try:
        if args.action == "save":
            if args.file is not None:
                body = _read_text_file(args.file, "template file")
                body = body[:-1] if body.endswith("\n") else body
            else:
                body = args.text
            t, created = lists.save_template(store, args.name, body)
            tpl = mailmerge.parse_template(t.body)
            fields = f" (placeholders: {', '.join('{' + f + '}' for f in tpl.fields)})" if tpl.fields else ""
            print(f"template {t.name!r} {'saved' if created else 'updated'}{fields}")
            return EXIT_OK
        if args.action == "list":
            ts = lists.list_templates(store)
            if args.json:
                out_json([{"name": t.name, "body": t.body, "created": t.created, "updated": t.updated}
                          for t in ts])
            elif not ts:
                print("no saved templates")
            else:
                for t in ts:
                    first = t.body.splitlines()[0] if t.body else ""
                    print(f"{t.name:<24} {first[:50]}{'...' if len(t.body) > len(first[:50]) else ''}")
            return EXIT_OK
        if args.action == "show":
            t = lists.get_template(store, args.name)
            tpl = mailmerge.parse_template(t.body)
            info = smstext.analyze(t.body)
            if args.json:
                out_json({"name": t.name, "body": t.body, "placeholders": list(tpl.fields),
                          "created": t.created, "updated": t.updated})
                return EXIT_OK
            print(t.body)
            err(f"template {t.name!r}: placeholders {', '.join(tpl.fields) or 'none'}; "
                f"as written {info.encoding}, {info.segments} segment(s) before merging")
            return EXIT_OK
        if args.action == "delete":
            t = lists.get_template(store, args.name)
            lists.delete_template(store, t.name)
            print(f"template {t.name!r} deleted")
            return EXIT_OK
    finally:
        store.close()
    raise UsageError(f"unknown action {args.action}")  # pragma: no cover


def cmd_optout(args) -> int:
    from . import imports, lists

    store = _open_store()
    try:
        if args.action == "add":
            added, already = lists.add_optouts(store, args.numbers, reason=args.reason, source="cli")
            print(f"{len(added)} number(s) added to the opt-out list"
                  + (f", {len(already)} already on it" if already else ""))
            return EXIT_OK
        if args.action == "remove":
            removed, absent = lists.remove_optouts(store, args.numbers)
            print(f"{len(removed)} number(s) removed from the opt-out list")
            for w in absent:
                err(f"note: {w} was not on the opt-out list")
            return EXIT_OK
        if args.action == "import":
            rep = imports.read_recipients(args.file, column=args.column, sheet=args.sheet,
                                          encoding=args.encoding)
            for line in rep.lines():
                err(line)
            if not rep.records:
                err(f"no valid number in {args.file}: nothing added")
                return EXIT_INPUT
            added, already = lists.add_optouts(store, [r.msisdn for r in rep.records],
                                               reason=args.reason, source=str(args.file))
            print(f"{len(added)} number(s) added to the opt-out list"
                  + (f", {len(already)} already on it" if already else ""))
            return EXIT_OK
        if args.action == "list":
            rows = lists.list_optouts(store)
            if args.json:
                out_json([o.as_json() for o in rows])
            elif not rows:
                print("the opt-out list is empty")
            else:
                print(f"{'MSISDN':<12}  {'ADDED (Baku)':<16}  {'REASON':<24}  SOURCE")
                for o in rows:
                    print(f"{o.msisdn:<12}  {_baku_time(o.added):<16}  {o.reason or '':<24}  {o.source or ''}")
            return EXIT_OK
    finally:
        store.close()
    raise UsageError(f"unknown action {args.action}")  # pragma: no cover


def run_tui(args) -> int:
    from .ui.app import run

    return run(profile=args.profile, api_url=args.api_url, demo=args.demo)


ASYNC_COMMANDS = {
    "login": cmd_login, "units": cmd_units, "send": cmd_send, "tasks": cmd_tasks,
    "report": cmd_report, "retry": cmd_retry, "campaign": cmd_campaign,
}
SYNC_COMMANDS = {
    "simulator": cmd_simulator, "locate": cmd_locate, "count": cmd_count,
    "group": cmd_group, "template": cmd_template, "optout": cmd_optout,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            return run_tui(args)
        if args.command in SYNC_COMMANDS:
            return SYNC_COMMANDS[args.command](args)
        return asyncio.run(ASYNC_COMMANDS[args.command](args))
    except ApiError as exc:
        err(str(exc))
        if exc.advice:
            err(exc.advice)
        return EXIT_API
    except (InputError, ConfigError) as exc:
        err(f"error: {exc}")
        return EXIT_INPUT
    except TransportError as exc:
        err(f"error: {exc}")
        return EXIT_TRANSPORT
    except AtlSmsError as exc:
        err(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        err("interrupted")
        return 130
    except EOFError:
        err("error: no answer on standard input")
        return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
