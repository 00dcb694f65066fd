"""`send`: recipients gathered and checked, shown, confirmed, submitted."""

from __future__ import annotations

import sys
from argparse import Namespace
from collections.abc import Sequence
from typing import Any, cast

from ..api import Core
from ..api.errors import InputError
from ..api.models import Draft, PackedRecipients, Recipient
from ..api.reports import Followup, parse_statuses
from ..api.rules import baku, mailmerge, pacing, plural, quiet_hours, smstext
from ..api.sending import EveryoneOptedOut, OptOutFilter, SendPlan
from .common import (
    EXIT_INPUT,
    UsageError,
    err,
    open_cli_core,
    out_json,
    print_import_report,
    read_text_file,
)
from .outcome import progress_printer, report_campaign, report_submit, with_cancel


class _Gathered:
    def __init__(self) -> None:
        self.records: Sequence[Any] = []  # import records (msisdn and fields)
        self.columns: list[str] = []
        self.sources: list[str] = []
        self.invalid = 0
        self.duplicates = 0
        self._seen: set[str] | None = None
        self._kept: list[Any] = []  # ``records`` once a second source is merged in
        self.followup: Followup | None = None  # --from-report's numbers and earlier text

    def add(self, records: Sequence[Any], columns: list[str], source: str, *, unique: bool = False) -> None:
        """``unique``: ``records`` hold each number once (an import's): the
        first such source is taken as it is, without a pass over it."""
        self.sources.append(source)
        for c in columns:
            if c.lower() not in {x.lower() for x in self.columns}:
                self.columns.append(c)
        if unique and self._seen is None and not self.records:
            self.records = records
            return
        if self._seen is None:
            self._seen = {r.msisdn for r in self.records}
            self._kept = list(self.records)
            self.records = self._kept
        for r in records:
            if r.msisdn in self._seen:
                self.duplicates += 1
                continue
            self._seen.add(r.msisdn)
            self._kept.append(r)

    def bulk_recipients(self) -> list[Recipient]:
        """Packed, standing for the list a Draft takes."""
        numbers = getattr(self.records, "numbers", None)
        if numbers is not None:
            packed = PackedRecipients.from_numbers(numbers())
        else:
            packed = PackedRecipients((Recipient(r.msisdn) for r in self.records), individual=False)
        return cast("list[Recipient]", packed)


def _fields_needed(args: Namespace, template_text: str | None) -> set[str] | None:
    """The only columns a send needs from a file's rows (the template's
    placeholders; ``message`` for --individual); None when it cannot be told
    yet (a template that does not parse: its error comes later)."""
    if template_text is None:
        return {"message"} if args.individual else set()
    try:
        return set(mailmerge.parse_template(template_text).fields)
    except InputError:
        return None


def check_followup_flags(args: Namespace) -> None:
    """--from-report goes with --status, and --status only with it; the
    statuses are checked before anything is opened."""
    if args.from_report is None:
        if args.status is not None:
            raise UsageError("--status applies to --from-report")
        return
    if not args.status:
        raise UsageError("--from-report needs --status (e.g. --status failed,error)")
    try:
        args.status = parse_statuses(args.status)
    except InputError as exc:
        raise UsageError(f"--status: {exc}") from None


def _check_recipient_flags(args: Namespace) -> None:
    check_followup_flags(args)
    if args.from_report is not None and (args.to or args.to_file or args.individual or args.group):
        raise UsageError("--from-report cannot be combined with --to, --to-file, --group or --individual")
    if not (args.to or args.to_file or args.individual or args.group or args.from_report):
        raise UsageError("no recipients: give --to, --to-file, --group, --individual or --from-report")
    if args.individual and (args.to or args.to_file or args.group):
        raise UsageError("--individual cannot be combined with --to, --to-file or --group")
    if (args.column or args.sheet) and not (args.to_file or args.individual):
        raise UsageError("--column and --sheet apply to --to-file or --individual")


async def _gather_recipients(opened: _OnDemand, args: Namespace, keep: set[str] | None = None) -> _Gathered:
    """Recipients from --to / --to-file / --group / --individual; each file's
    import report is printed on stderr."""
    from ..api import recipients as imports

    got = _Gathered()
    if args.from_report is not None:
        fu = await opened.get().reports.followup(args.from_report, args.status)
        for line in fu.lines():
            err(line)
        got.followup = fu
        got.add(fu.records(), fu.columns, fu.what, unique=True)
    if args.to:
        rep = imports.parse_text_list("\n".join(args.to), "--to argument")
        print_import_report(rep, always=False)
        got.invalid += rep.invalid_count
        got.add(rep.records, [], rep.source, unique=True)
    for path in (args.to_file, args.individual):
        if path is None:
            continue
        rep = imports.read_recipients(path, column=args.column, sheet=args.sheet, encoding=args.encoding,
                                      keep=keep)
        print_import_report(rep)
        got.invalid += rep.invalid_count
        before = got.duplicates
        got.add(rep.records, rep.columns if rep.kind != "list" else [], rep.source, unique=True)
        if got.duplicates > before:
            err(f"  {plural(got.duplicates - before, 'number')} also given elsewhere, kept once")
    if args.group:
        for name in args.group:
            g = await opened.get().lists.group(name)
            err(f"group {g.info.name!r}: {plural(g.info.members, 'member')}"
                + (f", columns {', '.join(g.info.columns)}" if g.info.columns else ""))
            before = got.duplicates
            got.add(g.records, g.info.columns, f"group {g.info.name!r}")
            if got.duplicates > before:
                err(f"  {plural(got.duplicates - before, 'number')} also given elsewhere, kept once")
    return got


async def _template_body(opened: _OnDemand, args: Namespace) -> tuple[str | None, str]:
    """(template text or None, what to call it in messages)."""
    if args.template is not None:
        return args.template, "--template"
    if args.template_file:
        body = read_text_file(args.template_file, "template file")
        return (body[:-1] if body.endswith("\n") else body), str(args.template_file)
    if args.template_name:
        t = await opened.get().lists.template(args.template_name)
        return t.body, f"template {t.name!r}"
    return None, ""


def _title(opened: _OnDemand, args: Namespace, followup: Followup | None = None) -> str:
    """--title, else the earlier send's (--from-report), else the profile's default title."""
    if args.title:
        return str(args.title)
    if followup is not None and followup.title:
        return followup.title
    profile = opened.get().profile
    if not profile.default_title:
        raise UsageError(f"no title: give --title, or set a default title for profile {profile.name!r} "
                         "(atlsms-tui login --title T)")
    return profile.default_title


class _OnDemand:
    """The core, opened when first needed: a recipient file or a message
    that is refused is told without a profile."""

    def __init__(self, args: Namespace) -> None:
        self.args = args
        self.core: Core | None = None

    def get(self) -> Core:
        if self.core is None:
            self.core = open_cli_core(self.args)
        return self.core

    async def aclose(self) -> None:
        if self.core is not None:
            await self.core.aclose()


async def cmd_send(args: Namespace) -> int:
    _check_recipient_flags(args)
    opened = _OnDemand(args)
    try:
        return await _send(opened, args)
    finally:
        await opened.aclose()


async def _send(opened: _OnDemand, args: Namespace) -> int:
    from ..api.models import count_of

    template_text, template_what = await _template_body(opened, args)
    got = await _gather_recipients(opened, args, _fields_needed(args, template_text))

    message = None
    if args.message_file:
        message = read_text_file(args.message_file, "message file")
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
    elif message is None and got.followup is not None:
        if got.followup.individual:  # each number gets its earlier message again
            template = mailmerge.parse_template("{message}")
            err("text: each number's earlier message (give --message for another)")
        else:
            message = got.followup.message
            err("text: the earlier message (give --message for another)")
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
        got.records = []  # the rows' fields are not needed past the merge
        if res.problems:
            merge_problems = count_of(res.problems)
            err(f"{plural(merge_problems, 'row')} left out of the mail merge:")
            for p in res.problems[:50]:
                err(f"  {mailmerge.problem_line(p)}")
            if merge_problems > 50:
                err(f"  ... and {merge_problems - 50} more")
        recips = res.recipients
    else:
        recips = got.bulk_recipients()

    if args.strict and (got.invalid or merge_problems):
        err("--strict: nothing sent")
        return EXIT_INPUT
    if not recips:
        if got.followup is not None:
            err(f"no number to send to ({got.followup.what}): nothing sent")
        else:
            err("no valid recipient: nothing sent")
        return EXIT_INPUT
    scheduled = baku.parse_schedule(args.at) if args.at else None
    pace = pacing.parse_pace(args.pace) if args.pace else None
    quiet = (quiet_hours.NEXT_WINDOW if args.next_window
             else quiet_hours.IGNORE if args.ignore_quiet_hours else quiet_hours.REFUSE)
    if args.proof and (pace or args.at or args.next_window):
        raise UsageError("--proof sends to the staff numbers now: drop --pace, --at and --next-window")
    draft = Draft(title=_title(opened, args, got.followup), recipients=recips, message=message, scheduled=scheduled,
                  template=template_text if template is not None else None)

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
            err(f"  {r.msisdn} ({plural(smstext.segments(r.message or ''), 'segment')}): {r.message}")
        if len(draft.recipients) > 3:
            err(f"  ... {len(draft.recipients) - 3:,} more")
    if not args.yes and not sys.stdin.isatty():
        err("refusing to send without confirmation: no terminal on stdin (pass --yes)")
        return EXIT_INPUT

    core = opened.get()
    if args.proof:
        return await _send_proof(core, draft, args)
    try:
        plan = await core.sending.prepare(draft, max_per_task=args.max_per_task, pace=pace, quiet=quiet,
                                          max_segments=args.max_segments)
    except EveryoneOptedOut as exc:
        _print_optouts(exc.optouts)
        err("every recipient is on the opt-out list: nothing sent")
        return EXIT_INPUT
    _print_optouts(plan.optouts)
    if plan.balance_error:
        err(f"warning: balance unknown ({plan.balance_error})")
    _print_plan(plan)
    if not args.yes:
        answer = _ask(f"Send to {plural(plan.estimate.recipients, 'recipient')}? [y/N] ")
        if answer not in ("y", "yes"):
            err("not sent")
            return EXIT_INPUT
    parts = len(plan.parts.sizes)
    if parts > 1 and pace is None:
        err(f"the campaign goes out as {parts} tasks of at most {plan.max_per_task:,} recipients, all "
            "journalled before the first is sent; Ctrl-C stops it between tasks")
    result = await with_cancel(
        lambda cancel, abort: core.sending.submit(plan, progress=progress_printer(), cancel=cancel,
                                                  abort=abort, allow_repeat=args.allow_repeat)
    )
    return report_campaign(result, args.json)


def _ask(question: str) -> str:
    """The operator's answer. Read on the loop's thread, which has nothing
    else to do meanwhile: an input() in a worker thread would keep the
    process alive after Ctrl-C until Enter is pressed."""
    return input(question).strip().lower()


def _print_optouts(opt: OptOutFilter) -> None:
    if not opt.removed:
        return
    err(opt.summary())
    for hit in opt.removed[:20]:
        err(f"  {hit.line()}")
    if len(opt.removed) > 20:
        err(f"  ... and {len(opt.removed) - 20:,} more")


def _print_plan(plan: SendPlan) -> None:
    """The confirmation: what goes, when, at what cost, and the rails."""
    est, balance, draft = plan.estimate, plan.balance, plan.kept
    start = plan.parts.times[0]
    when = "now" if start is None else f"{baku.format_baku(start)} Baku time"
    err(
        f"{'DEMO ' if plan.demo else ''}profile {plan.profile}: title {draft.title!r}, "
        f"{plural(est.recipients, 'recipient')}, {'individual messages' if draft.individual else 'one message'}, "
        f"{est.encoding}, {plural(est.segments, 'segment')}{' (longest)' if draft.individual else ''}, "
        f"about {plural(est.units, 'unit')}"
        + (f" of {balance.units:,} (after: {est.balance_after:,})" if balance else "")
        + f", schedule: {when}"
    )
    if balance is not None and est.affordable is False:
        err("warning: the estimate exceeds the balance; ATL will likely refuse it (118)")
    if plan.parts.moved and plan.window is not None:
        err(f"{plan.window.describe()}: scheduled for their end, {when} (--next-window)")
    for line in plan.parts.lines():
        err(line)
    if plan.proof:
        err(plan.proof)
    if plan.needs_approval:
        err(f"over {plan.approval_above:,} recipients (setting approval_above): it is journalled "
            "and waits for another operator's approval; nothing is sent now")


async def _send_proof(core: Core, draft: Draft, args: Namespace) -> int:
    """``send --proof``: what the campaign would send, to the staff numbers."""
    proof_draft = await core.sending.proof_draft(draft, args.proof_messages)
    staff = len(core.profile.proof_numbers or [])
    err(f"proof: {plural(len(proof_draft.recipients), 'message')} to the staff numbers "
        f"{', '.join(r.msisdn for r in proof_draft.recipients[:staff])}, sent now")
    if not args.yes:
        answer = _ask("Send the proof? [y/N] ")
        if answer not in ("y", "yes"):
            err("not sent")
            return EXIT_INPUT
    result = await core.sending.send_proof(draft, args.proof_messages)
    if args.json:
        out_json(result.as_json() | {"proof": True})
        return report_submit(result, False, quiet_accept=True)
    return report_submit(result, False)
