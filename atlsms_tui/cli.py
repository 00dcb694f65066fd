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
    s.add_argument("--to", nargs="+", action="extend", default=[], metavar="MSISDN", help="recipient numbers")
    s.add_argument("--to-file", type=Path, help="a file of numbers, one a line or comma/semicolon separated")
    s.add_argument("--individual", type=Path, metavar="FILE.csv", help="CSV with header msisdn,message")
    s.add_argument("--at", metavar="YYYY-MM-DD HH:MM[:SS]", help="schedule, in Baku time (default: now)")
    s.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    s.add_argument("--strict", action="store_true", help="send nothing if any number is invalid")
    s.add_argument("--json", action="store_true")

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


def _gather_recipients(args):
    """Recipients from --to / --to-file / --individual, problems reported by line."""
    from . import msisdn, recipients
    from .models import Recipient

    sources = sum(bool(x) for x in (args.to, args.to_file, args.individual))
    if sources == 0:
        raise UsageError("no recipients: give --to, --to-file or --individual")
    if args.individual and (args.to or args.to_file):
        raise UsageError("--individual cannot be combined with --to or --to-file")
    if args.individual:
        if args.message or args.message_file:
            raise UsageError("--individual takes its messages from the CSV; drop --message")
        lst = recipients.read_individual_csv(args.individual)
        where = str(args.individual)
        return lst.recipients, [(where, i) for i in lst.invalid], [(where, i) for i in lst.duplicates]
    recips: list = []
    invalid: list = []
    dups: list = []
    seen: set[str] = set()
    if args.to:
        parsed = msisdn.parse_numbers("\n".join(args.to))
        for n in parsed.valid:
            if n not in seen:
                seen.add(n)
                recips.append(Recipient(n))
        invalid += [("--to argument", i) for i in parsed.invalid]
        dups += [("--to argument", i) for i in parsed.duplicates]
    if args.to_file:
        lst = recipients.read_numbers_file(args.to_file)
        where = str(args.to_file)
        for r in lst.recipients:
            if r.msisdn in seen:
                continue
            seen.add(r.msisdn)
            recips.append(r)
        invalid += [(where, i) for i in lst.invalid]
        dups += [(where, i) for i in lst.duplicates]
    return recips, invalid, dups


def _issue_line(where: str, issue) -> str:
    col = f", column {issue.column}" if getattr(issue, "column", None) else ""
    return f"  {where}: line {issue.line}{col}: {issue.raw!r}: {issue.reason}"


async def cmd_send(args) -> int:
    from .service import Draft, check_draft, estimate

    recips, invalid, dups = _gather_recipients(args)
    if invalid:
        err(f"{len(invalid)} invalid number(s) or row(s), not sent to:")
        for where, issue in invalid[:50]:
            err(_issue_line(where, issue))
        if len(invalid) > 50:
            err(f"  ... and {len(invalid) - 50} more")
    if dups:
        err(f"{len(dups)} duplicate(s) removed:")
        for where, issue in dups[:20]:
            err(_issue_line(where, issue))
        if len(dups) > 20:
            err(f"  ... and {len(dups) - 20} more")
    if args.strict and invalid:
        err("--strict: nothing sent")
        return EXIT_INPUT
    if not recips:
        err("no valid recipient: nothing sent")
        return EXIT_INPUT
    message = None
    if not args.individual:
        if args.message_file:
            message = _read_text_file(args.message_file, "message file")
            message = message[:-1] if message.endswith("\n") else message
        elif args.message is not None:
            message = args.message
        else:
            raise UsageError("no message: give --message or --message-file")
    scheduled = baku.parse_schedule(args.at) if args.at else None
    draft = Draft(title=args.title, recipients=recips, message=message, scheduled=scheduled)
    check_draft(draft)
    if not args.yes and not sys.stdin.isatty():
        err("refusing to send without confirmation: no terminal on stdin (pass --yes)")
        return EXIT_INPUT

    s = _session(args)
    try:
        try:
            balance = await s.service.units()
        except TransportError as exc:
            err(f"warning: balance unknown ({exc})")
            balance = s.service.cached_units()
        est = estimate(draft, balance)
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
        progress = (lambda m: err(f"... {m}")) if sys.stderr.isatty() else None
        result = await s.service.submit(draft, progress)
    finally:
        await s.aclose()
    return _report_submit(result, args.json)


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

    info = smstext.analyze(args.text)
    if args.json:
        out_json({
            "characters": info.characters, "encoding": info.encoding, "segments": info.segments,
            "length": info.length, "ucs2_chars": [c for _, c in info.ucs2_chars],
        })
        return EXIT_OK
    print(f"{info.characters} characters, {info.encoding}, {info.segments} segment(s), "
          f"{info.remaining} left in the last")
    if info.ucs2_chars:
        chars = " ".join(f"{c!r}@{i + 1}" for i, c in info.ucs2_chars[:20])
        print(f"forcing UCS-2: {chars}")
    return EXIT_OK


def run_tui(args) -> int:
    from .ui.app import run

    return run(profile=args.profile, api_url=args.api_url, demo=args.demo)


ASYNC_COMMANDS = {
    "login": cmd_login, "units": cmd_units, "send": cmd_send, "tasks": cmd_tasks,
    "report": cmd_report, "retry": cmd_retry,
}
SYNC_COMMANDS = {"simulator": cmd_simulator, "locate": cmd_locate, "count": cmd_count}


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
