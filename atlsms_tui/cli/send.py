"""`send`: recipients gathered and checked, shown, confirmed, submitted."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ..core import baku
from ..core.errors import InputError, TransportError
from .common import (
    EXIT_INPUT,
    UsageError,
    err,
    open_cli_session,
    open_store,
    out_json,
    print_import_report,
    read_text_file,
)
from .outcome import progress_printer, report_campaign, with_cancel


class _Gathered:
    def __init__(self) -> None:
        self.records: Sequence = []
        self.columns: list[str] = []
        self.sources: list[str] = []
        self.invalid = 0
        self.duplicates = 0
        self._seen: set[str] | None = None

    def add(self, records, columns, source: str, *, unique: bool = False) -> None:
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
            self.records = list(self.records)
        for r in records:
            if r.msisdn in self._seen:
                self.duplicates += 1
                continue
            self._seen.add(r.msisdn)
            self.records.append(r)

    def bulk_recipients(self):
        from ..core.models import Recipient
        from ..core.packed import PackedRecipients

        numbers = getattr(self.records, "numbers", None)
        if numbers is not None:
            return PackedRecipients.from_numbers(numbers())
        return PackedRecipients((Recipient(r.msisdn) for r in self.records), individual=False)


def _fields_needed(args, template_text: str | None) -> set[str] | None:
    """The only columns a send needs from a file's rows (the template's
    placeholders; ``message`` for --individual); None when it cannot be told
    yet (a template that does not parse: its error comes later)."""
    from ..core import mailmerge

    if template_text is None:
        return {"message"} if args.individual else set()
    try:
        return set(mailmerge.parse_template(template_text).fields)
    except InputError:
        return None


def _gather_recipients(args, store_fn, keep: set[str] | None = None) -> _Gathered:
    """Recipients from --to / --to-file / --group / --individual; each file's
    import report is printed on stderr."""
    from ..core import imports, lists

    if not (args.to or args.to_file or args.individual or args.group):
        raise UsageError("no recipients: give --to, --to-file, --group or --individual")
    if args.individual and (args.to or args.to_file or args.group):
        raise UsageError("--individual cannot be combined with --to, --to-file or --group")
    if (args.column or args.sheet) and not (args.to_file or args.individual):
        raise UsageError("--column and --sheet apply to --to-file or --individual")
    got = _Gathered()
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
    from ..core import lists

    if args.template is not None:
        return args.template, "--template"
    if args.template_file:
        body = read_text_file(args.template_file, "template file")
        return (body[:-1] if body.endswith("\n") else body), str(args.template_file)
    if args.template_name:
        t = lists.get_template(store_fn(), args.template_name)
        return t.body, f"template {t.name!r}"
    return None, ""


def _title(args) -> str:
    """--title, else the profile's default title."""
    if args.title:
        return args.title
    from ..core.settings import load_settings, resolve_profile

    profile = resolve_profile(load_settings(), args.profile, args.api_url, need_password=False)
    if not profile.default_title:
        raise UsageError(f"no title: give --title, or set a default title for profile {profile.name!r} "
                         "(atlsms-tui login --title T)")
    return profile.default_title


async def cmd_send(args) -> int:
    from ..core import mailmerge, smstext
    from ..core.imports.report import count_of
    from ..core.service import Draft, check_draft, estimate
    from ..core.settings import load_settings

    lookup_store = None

    def store_fn():
        nonlocal lookup_store
        if lookup_store is None:
            lookup_store = open_store()
        return lookup_store

    try:
        template_text, template_what = _template_body(args, store_fn)
        got = _gather_recipients(args, store_fn, _fields_needed(args, template_text))
    finally:
        if lookup_store is not None:
            lookup_store.close()

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
            err(f"{merge_problems} row(s) left out of the mail merge:")
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
        err("no valid recipient: nothing sent")
        return EXIT_INPUT
    from ..core import pacing, quiet_hours

    scheduled = baku.parse_schedule(args.at) if args.at else None
    pace = pacing.parse_pace(args.pace) if args.pace else None
    quiet = (quiet_hours.NEXT_WINDOW if args.next_window
             else quiet_hours.IGNORE if args.ignore_quiet_hours else quiet_hours.REFUSE)
    if args.proof and (pace or args.at or args.next_window):
        raise UsageError("--proof sends to the staff numbers now: drop --pace, --at and --next-window")
    draft = Draft(title=_title(args), recipients=recips, message=message, scheduled=scheduled,
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
            err(f"  {r.msisdn} ({smstext.segments(r.message or '')} segment(s)): {r.message}")
        if len(draft.recipients) > 3:
            err(f"  ... {len(draft.recipients) - 3:,} more")
    prefs = load_settings().preferences
    if args.max_segments is not None:
        prefs.max_segments = args.max_segments
    check_draft(draft, prefs.max_segments)
    if not args.yes and not sys.stdin.isatty():
        err("refusing to send without confirmation: no terminal on stdin (pass --yes)")
        return EXIT_INPUT

    s = open_cli_session(args)
    try:
        s.service.preferences.max_segments = prefs.max_segments
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
        # the campaign as it will go: its template too (the repeat guard's and proof's key)
        shown = Draft(draft.title, opt.kept, draft.message, draft.scheduled, draft.template)
        try:
            balance = await s.service.units()
        except TransportError as exc:
            err(f"warning: balance unknown ({exc})")
            balance = s.service.cached_units()
        est = estimate(shown, balance)
        from ..core import approval, campaign, proof

        if args.proof:
            return await _send_proof(s, draft, args)
        cap = args.max_per_task or s.settings.preferences.max_recipients_per_task
        # refused here (quiet hours, a missing proof), before the question
        plan, _parts = campaign.plan_parts(s.service, shown, max_per_task=cap, pace=pace, quiet=quiet)
        proof.check_required(s.service, shown)
        start = plan.times[0]
        when = "now" if start is None else f"{baku.format_baku(start)} Baku time"
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
        window = s.service.quiet_hours()
        if plan.moved:
            err(f"{window.describe()}: scheduled for their end, {when} (--next-window)")
        for line in plan.lines():
            err(line)
        if s.profile.proof_numbers or s.profile.require_proof_above:
            err(proof.describe(s.service, shown))
        needs_approval = approval.needed(s.service, est.recipients)
        if needs_approval:
            err(f"over {s.profile.approval_above:,} recipients (setting approval_above): it is journalled "
                "and waits for another operator's approval; nothing is sent now")
        if not args.yes:
            answer = input(f"Send to {est.recipients} recipient(s)? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                err("not sent")
                return EXIT_INPUT
        parts = len(plan.sizes)
        if parts > 1 and pace is None:
            err(f"the campaign goes out as {parts} tasks of at most {cap:,} recipients, all journalled "
                "before the first is sent; Ctrl-C stops it between tasks")
        if not args.allow_repeat:
            hit = s.service.find_repeat(shown)
            if hit is not None:
                from ..core.repeat_guard import RepeatError

                raise RepeatError(hit)
        result = await with_cancel(
            lambda cancel, abort: campaign.submit_campaign(
                s.service, draft, max_per_task=cap, progress=progress_printer(), cancel=cancel,
                abort=abort, allow_repeat=args.allow_repeat, quiet=quiet, pace=pace,
                operator=approval.operator() if needs_approval else None,
            )
        )
    finally:
        await s.aclose()
    return report_campaign(result, args.json)


async def _send_proof(s, draft, args) -> int:
    """``send --proof``: what the campaign would send, to the staff numbers."""
    from ..core import proof
    from .outcome import report_submit

    proof_draft = proof.proof_draft(s.service, draft, args.proof_messages)
    err(f"proof: {len(proof_draft.recipients)} message(s) to the staff numbers "
        f"{', '.join(r.msisdn for r in proof_draft.recipients[:len(s.profile.proof_numbers)])}, sent now")
    if not args.yes:
        answer = input("Send the proof? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            err("not sent")
            return EXIT_INPUT
    result = await proof.send_proof(s.service, draft, args.proof_messages)
    if args.json:
        out_json(result.as_json() | {"proof": True})
        return report_submit(result, False, quiet_accept=True)
    return report_submit(result, False)
