"""F4: the GSM-7 version of the text, offered with its cost, applied only
on yes."""

from __future__ import annotations

import asyncio

from textual import work
from textual.widgets import Input, TextArea

from ....core import mailmerge, smstext
from ....core.errors import InputError
from ....core.models import Recipient
from ....core.service import Draft
from ..confirm import CostChoiceScreen, TransliterateScreen
from .part import ComposePart


class TransliterationPart(ComposePart):
    """The bulk message is replaced in place (ctrl+z undoes it); individual
    messages are only flagged to go out transliterated."""

    def action_transliterate(self) -> None:
        if self.mode == "individual":
            self._transliterate_individual()
            return
        area = self.query_one("#message", TextArea)
        text = area.text
        before = smstext.analyze(text)
        if before.is_gsm7:
            self.notify("The message is already GSM-7.")
            return
        converted = smstext.transliterate(text)
        if converted == text:
            chars = ", ".join(sorted({c for _, c in before.ucs2_chars}))
            self.notify(f"No GSM-7 replacement is known for: {chars}", severity="warning")
            return
        after = smstext.analyze(converted)

        def apply(ok: bool | None) -> None:
            if ok:
                doc = area.document
                area.replace(converted, doc.start, doc.end)  # ctrl+z undoes it
                area.focus()

        self.app.push_screen(
            TransliterateScreen(before, after, converted, self._bulk_count()), apply
        )

    # transliteration of individual messages: offered with the cost both
    # ways, applied only on yes, shown while on, F4 again turns it off

    def _transliterate_individual(self) -> None:
        if self._translit:
            self._translit = False
            self.notify("Messages will be sent as typed.")
            self._refresh_individual()
            return
        self._offer_translit()

    @work(exclusive=True, exit_on_error=False, group="translit")
    async def _offer_translit(self) -> None:
        if self.merging:
            text = self.query_one("#template", Input).value
            src = self._source
            if src is None:
                self.notify("Load a file or a group first.")
                return
            try:
                tpl = mailmerge.parse_template(text, "template")
                res = await asyncio.to_thread(mailmerge.merge, tpl, src.records, src.columns)
            except InputError as exc:
                self.notify(str(exc), severity="error")
                return
            recipients = res.recipients
        else:
            recipients = [Recipient(r.wire, r.message or "") for r in self._rows if r.valid]
        if not recipients:
            self.notify("No message to transliterate yet.")
            return
        draft = Draft("", recipients, None)
        cmp = await asyncio.to_thread(mailmerge.compare_costs, draft)
        if not cmp.changed:
            self.notify("Transliteration changes nothing in these messages.")
            return
        sample = [(r.message, smstext.transliterate(r.message or "")) for r in recipients[:3]]

        def answer(ok: bool | None) -> None:
            if ok:
                self._translit = True
                self.notify(f"Sent transliterated: {cmp.line()}")
                self._refresh_individual()

        self.app.push_screen(CostChoiceScreen(cmp, sample), answer)

    @work(exclusive=True, exit_on_error=False, group="merge")
    async def _refresh_individual(self) -> None:
        await self._revalidate(rows_changed=False)
        await self._remerge()
