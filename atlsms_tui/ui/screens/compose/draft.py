"""What the form holds, turned into a Draft and the SendSummary the
confirm modal shows."""

from __future__ import annotations

from textual.widgets import Input, TextArea

from ....core import baku, mailmerge, proof, quiet_hours
from ....core.errors import InputError
from ....core.service import Draft, estimate
from ..confirm import SendSummary, plural
from .limits import OPTOUTS_LISTED
from .part import ComposePart


class DraftPart(ComposePart):
    """Widgets are read on the event loop; the checks run in a thread."""

    def _gather(self) -> dict:
        """What the form holds, read on the event loop (widgets); the heavy
        checks run on it in a thread (build_from)."""
        g = {
            "title": self.title_value(),
            "schedule": self.query_one("#schedule", Input).value,
            "mode": self.mode,
            "notes": [],
        }
        notes = g["notes"]
        if self.mode == "bulk":
            if self._parsing:
                raise InputError("still checking the numbers; send again in a moment")
            g["message"] = self.query_one("#message", TextArea).text
            g["recipients"] = self._bulk_recipients()
            file = self._file
            invalid = len(self._typed.invalid) + (file.invalid_count if file else 0)
            dups = len(self._typed.duplicates) + (file.duplicates if file else 0)
            if invalid:
                notes.append(f"{plural(invalid, 'invalid entry', 'invalid entries')} will NOT be sent.")
            if dups:
                notes.append(f"{plural(dups, 'duplicate')} removed: each number gets one message.")
        elif self.merging:
            if self._merging:
                raise InputError("still filling the template; send again in a moment")
            if self._source is None:
                raise InputError("load a CSV/XLSX file or choose a group (F6) for the template")
            if self._merge is None:
                raise InputError(self._errors.get("template") or "the template cannot be filled")
            g["message"] = None
            g["recipients"] = self._merge.recipients[:]  # a list copied, packed ones viewed
            left = getattr(self._merge.problems, "total", len(self._merge.problems))
            invalid = self._source.invalid_count
            if left:
                notes.append(f"{plural(left, 'row')} left out of the mail merge (a value is missing).")
            if invalid:
                notes.append(f"{plural(invalid, 'invalid number')} will NOT be sent.")
        else:
            if not self._rows:
                raise InputError("load a CSV file first (path, then Enter or F2)")
            g["message"] = None
            g["recipients"] = self._classic_recipients()
            bad = sum(1 for r in self._rows if not r.valid)
            if bad:
                notes.append(f"{plural(bad, 'invalid row')} will NOT be sent.")
        if self.mode == "individual" and self._translit:
            notes.append("Messages are sent TRANSLITERATED to GSM-7 (F4 in the form: as typed).")
        if self.mode == "bulk":
            try:
                tpl = mailmerge.parse_template(g["message"])
            except InputError:
                tpl = None
            if tpl is not None and tpl.personal:
                notes.append(f"The message contains {{{tpl.fields[0]}}}: sent as typed "
                             "(a mail merge is Individual mode's template).")
        return g

    def build_from(self, g: dict) -> tuple[Draft, SendSummary]:
        """The Draft and what the confirm modal shows, or InputError.
        Blocking (opt-out list, estimate): call it in a thread."""
        scheduled, error = self._parse_schedule(g["schedule"])  # again: time passes
        if error:
            raise InputError(error)
        draft = Draft(g["title"], g["recipients"], g["message"], scheduled, g.get("template"))
        self.service.check(draft)
        opt = self.service.preview_optouts(draft)
        if not opt.kept:
            raise InputError(f"every recipient ({len(opt.removed):,}) is on the opt-out list: nothing to send")
        kept = Draft(draft.title, opt.kept, draft.message, draft.scheduled, draft.template)
        hit = self.service.find_repeat(kept)
        est = estimate(kept)
        cap = self.max_per_task
        parts = -(-len(kept.recipients) // cap)
        lines = [h.line() for h in opt.removed[:OPTOUTS_LISTED]]
        if len(opt.removed) > OPTOUTS_LISTED:
            lines.append(f"… and {len(opt.removed) - OPTOUTS_LISTED:,} more")
        summary = SendSummary(
            title=g["title"].strip(),
            recipients=est.recipients,
            individual=draft.individual,
            encoding=est.encoding,
            segments=est.segments,
            units=est.units,
            balance=self._balance,
            schedule="now" if scheduled is None else f"{baku.format_baku(scheduled)} Baku time",
            demo=bool(getattr(self.session, "demo", False)),
            profile=self.session.profile.name,
            notes=list(g["notes"]),
            parts=parts,
            per_task=cap,
            optouts=opt.summary(),
            optout_lines=lines,
            repeat=hit.describe() if hit else "",
            quiet=quiet_hours.refusal(self.service.quiet_hours(), scheduled, self.service.now()),
            proof=proof.describe(self.service, kept) if self.session.profile.proof_numbers else "",
        )
        return draft, summary

    def build_draft(self) -> tuple[Draft, SendSummary]:
        """build_from(_gather()) in one go (blocking; for tests and scripts)."""
        return self.build_from(self._gather())
