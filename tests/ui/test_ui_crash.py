"""The app's crash report shows no secret, even one held in a local."""

from __future__ import annotations

import io

from rich.console import Console

from atlsms_tui.core.secret import Secret

from support import SENTINEL


async def test_crash_report_shows_no_locals(ui_env):
    session = ui_env.demo_session()
    app = ui_env.app(session)

    def explode() -> None:
        password = Secret(SENTINEL).reveal()  # a revealed password in a local
        raise RuntimeError(f"boom ({len(password)} chars)")

    async with app.run_test(size=(80, 24)) as pilot:
        try:
            explode()
        except RuntimeError:
            # what _fatal_error (Textual's hook for an unhandled exception) prints
            renderables = [app.crash_report()]
        await pilot.pause()
    assert renderables, "the crash report was not produced"
    out = io.StringIO()
    console = Console(file=out, width=120)
    for r in renderables:
        console.print(r)
    text = out.getvalue()
    assert "RuntimeError" in text and "boom" in text
    assert SENTINEL not in text


def test_fatal_error_uses_the_redacted_report():
    from atlsms_tui.ui.app import AtlSmsApp

    assert "crash_report" in AtlSmsApp._fatal_error.__code__.co_names
