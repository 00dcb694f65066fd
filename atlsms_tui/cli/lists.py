"""Saved groups, templates and the opt-out list."""

from __future__ import annotations

import argparse

from ..api.errors import InputError
from ..api.lists import check_name, open_lists
from ..api.rules import baku, mailmerge, plural, smstext
from .common import EXIT_INPUT, EXIT_OK, UsageError, err, open_cli_core, out, out_json, read_text_file
from .send import check_followup_flags


def _baku_time(iso: str) -> str:
    try:
        return baku.format_baku(baku.from_iso(iso))
    except (ValueError, TypeError):
        return iso


async def cmd_group(args: argparse.Namespace) -> int:
    if args.action == "create":
        check_followup_flags(args)
        if args.from_report is not None:
            if args.column or args.sheet or args.encoding:
                raise UsageError("--column, --sheet and --encoding apply to --from FILE")
            return await _group_from_report(args)
    lists = await open_lists()
    try:
        if args.action == "create":
            name = check_name(args.name, "group")
            rep = await lists.read_numbers(args.source, column=args.column, sheet=args.sheet, encoding=args.encoding)
            for line in rep.lines():
                err(line)
            if not rep.records:
                err(f"no valid number in {args.source}: group not saved")
                return EXIT_INPUT
            if not args.replace and any(g.name == name for g in await lists.groups()):
                raise InputError(f"group {name!r} already exists: pass --replace to overwrite it")
            info = await lists.save_group(name, rep, replace=args.replace,
                                          columns=rep.columns if rep.kind != "list" else [])
            if args.json:
                out_json({"name": info.name, "members": info.members, "columns": info.columns,
                          "import": rep.as_json()})
            else:
                out(f"group {info.name!r} saved: {plural(info.members, 'member')}")
            return EXIT_OK
        if args.action == "list":
            groups = await lists.groups()
            if args.json:
                out_json([{"name": i.name, "members": i.members, "columns": i.columns, "source": i.source,
                           "created": i.created, "updated": i.updated} for i in groups])
            elif not groups:
                out("no saved groups")
            else:
                out(f"{'NAME':<24} {'MEMBERS':>8}  {'UPDATED (Baku)':<16}  COLUMNS")
                for i in groups:
                    out(f"{i.name:<24} {i.members:>8,}  {_baku_time(i.updated):<16}  {', '.join(i.columns)}")
            return EXIT_OK
        if args.action == "show":
            g = await lists.group(args.name)
            if args.json:
                out_json({"name": g.info.name, "members": g.info.members, "columns": g.info.columns,
                          "source": g.info.source, "created": g.info.created, "updated": g.info.updated,
                          "recipients": [{"msisdn": r.msisdn, "fields": r.fields} for r in g.records]})
                return EXIT_OK
            out(f"group {g.info.name!r}: {plural(g.info.members, 'member')}, from {g.info.source or '-'}, "
                  f"updated {_baku_time(g.info.updated)} Baku time")
            cols = [c for c in g.info.columns]
            if cols:
                out("MSISDN        " + "  ".join(cols))
            for r in g.records:
                out(f"{r.msisdn:<12}  " + "  ".join(r.fields.get(c, "") for c in cols))
            return EXIT_OK
        if args.action == "delete":
            g = await lists.group(args.name)
            await lists.delete_group(g.info.name)
            out(f"group {g.info.name!r} deleted ({plural(g.info.members, 'member')})")
            return EXIT_OK
    finally:
        await lists.aclose()
    raise UsageError(f"unknown action {args.action}")  # pragma: no cover


async def _group_from_report(args: argparse.Namespace) -> int:
    """``group create NAME --from-report TASKID|CAMPAIGN --status ...``."""
    name = check_name(args.name, "group")
    core = open_cli_core(args)
    try:
        if not args.replace and any(g.name == name for g in await core.lists.groups()):
            raise InputError(f"group {name!r} already exists: pass --replace to overwrite it")
        fu = await core.reports.followup(args.from_report, args.status)
        for line in fu.lines():
            err(line)
        if not fu.recipients:
            err(f"no number to save ({fu.what}): group not saved")
            return EXIT_INPUT
        info = await core.lists.save_group(name, fu.records(), columns=fu.columns, source=fu.what,
                                           replace=args.replace)
        if args.json:
            out_json({"name": info.name, "members": info.members, "columns": info.columns,
                      "followup": fu.as_json()})
        else:
            out(f"group {info.name!r} saved: {plural(info.members, 'member')}")
        return EXIT_OK
    finally:
        await core.aclose()


async def cmd_template(args: argparse.Namespace) -> int:
    lists = await open_lists()
    try:
        if args.action == "save":
            if args.file is not None:
                body = read_text_file(args.file, "template file")
                body = body[:-1] if body.endswith("\n") else body
            else:
                body = args.text
            t, created = await lists.save_template(args.name, body)
            tpl = mailmerge.parse_template(t.body)
            fields = f" (placeholders: {', '.join('{' + f + '}' for f in tpl.fields)})" if tpl.fields else ""
            out(f"template {t.name!r} {'saved' if created else 'updated'}{fields}")
            return EXIT_OK
        if args.action == "list":
            ts = await lists.templates()
            if args.json:
                out_json([{"name": t.name, "body": t.body, "created": t.created, "updated": t.updated}
                          for t in ts])
            elif not ts:
                out("no saved templates")
            else:
                for t in ts:
                    first = t.body.splitlines()[0] if t.body else ""
                    out(f"{t.name:<24} {first[:50]}{'...' if len(t.body) > len(first[:50]) else ''}")
            return EXIT_OK
        if args.action == "show":
            t = await lists.template(args.name)
            tpl = mailmerge.parse_template(t.body)
            info = smstext.analyze(t.body)
            if args.json:
                out_json({"name": t.name, "body": t.body, "placeholders": list(tpl.fields),
                          "created": t.created, "updated": t.updated})
                return EXIT_OK
            out(t.body, keep_lines=True)
            err(f"template {t.name!r}: placeholders {', '.join(tpl.fields) or 'none'}; "
                f"as written {info.encoding}, {plural(info.segments, 'segment')} before merging")
            return EXIT_OK
        if args.action == "delete":
            t = await lists.template(args.name)
            await lists.delete_template(t.name)
            out(f"template {t.name!r} deleted")
            return EXIT_OK
    finally:
        await lists.aclose()
    raise UsageError(f"unknown action {args.action}")  # pragma: no cover


async def cmd_optout(args: argparse.Namespace) -> int:
    lists = await open_lists()
    try:
        if args.action == "add":
            added, already = await lists.add_optouts(args.numbers, reason=args.reason, source="cli")
            out(f"{plural(len(added), 'number')} added to the opt-out list"
                  + (f", {len(already)} already on it" if already else ""))
            return EXIT_OK
        if args.action == "remove":
            removed, absent = await lists.remove_optouts(args.numbers)
            out(f"{plural(len(removed), 'number')} removed from the opt-out list")
            for w in absent:
                err(f"note: {w} was not on the opt-out list")
            return EXIT_OK
        if args.action == "import":
            rep = await lists.read_numbers(args.file, column=args.column, sheet=args.sheet, encoding=args.encoding)
            for line in rep.lines():
                err(line)
            if not rep.records:
                err(f"no valid number in {args.file}: nothing added")
                return EXIT_INPUT
            added, already = await lists.add_optouts([r.msisdn for r in rep.records],
                                                     reason=args.reason, source=str(args.file))
            out(f"{plural(len(added), 'number')} added to the opt-out list"
                  + (f", {len(already)} already on it" if already else ""))
            return EXIT_OK
        if args.action == "list":
            rows = await lists.optouts()
            if args.json:
                out_json([o.as_json() for o in rows])
            elif not rows:
                out("the opt-out list is empty")
            else:
                out(f"{'MSISDN':<12}  {'ADDED (Baku)':<16}  {'REASON':<24}  SOURCE")
                for o in rows:
                    out(f"{o.msisdn:<12}  {_baku_time(o.added):<16}  {o.reason or '':<24}  {o.source or ''}")
            return EXIT_OK
    finally:
        await lists.aclose()
    raise UsageError(f"unknown action {args.action}")  # pragma: no cover
