"""The key footer: the keys in the order the screen declares them, the same
footer kept across focus changes that do not change its keys, and rebuilt
when they do."""

from __future__ import annotations

from test_ui_compose import open_compose
from textual.widgets import Input, TextArea
from textual.widgets._footer import FooterKey

from atlsms_tui.ui.widgets.footer import KeyFooter

from ui_helpers import settle


def _keys(screen) -> list[tuple[str, str, bool]]:
    return [(k.key, k.description, k.has_class("-disabled")) for k in screen.query_one(KeyFooter).query(FooterKey)]


async def test_focus_moves_leave_the_footer_as_it_is(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_compose(pilot)
        message, file_field = screen.query_one("#message", TextArea), screen.query_one("#numbers-file", Input)
        file_field.focus()
        await settle(pilot)
        keys = _keys(screen)
        widgets = list(screen.query_one(KeyFooter).query(FooterKey))
        # the message field binds F6/F7 itself; the footer still lists the
        # screen's keys in the screen's order
        assert [k for k, _, _ in keys][:3] == ["f5", "f6", "f7"], keys
        for target in (message, file_field, message):
            target.focus()
            await settle(pilot)
            assert _keys(screen) == keys
            # not rebuilt: the same key widgets
            assert list(screen.query_one(KeyFooter).query(FooterKey)) == widgets


async def test_the_footer_follows_keys_that_do_change(ui_env):
    """A key greyed out (F5 while a send runs) is a change the footer shows."""
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_compose(pilot)
        assert ("f5", "Send", False) in _keys(screen)
        screen.sender._mark(submitting=True)
        await settle(pilot)
        assert ("f5", "Send", True) in _keys(screen)
        screen.sender._mark(submitting=False)
        await settle(pilot)
        assert ("f5", "Send", False) in _keys(screen)
