"""Hostile text on every screen: markup, actions, terminal escapes, bidi
overrides and very long strings reach the TUI from the operator, files, the
journal and ATL. Each must be shown literally, never parsed, never crash a
screen, and never reach the terminal as a control character.

What is on screen is read the way the terminal gets it: every visible
widget's rendered lines (Widget.render_lines), toasts included
(run_test(notifications=True): the toast is where notify() parses markup)."""

from __future__ import annotations

import asyncio
import dataclasses
import http.client
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.app import App
from textual.geometry import Region
from textual.widgets import DataTable, Select, Static, TextArea

from atlsms_tui.core import paths
from atlsms_tui.core.imports import ImportRecord, ImportReport
from atlsms_tui.core.models import Recipient, State
from atlsms_tui.core.send_plan import submit_campaign
from atlsms_tui.core.service import Draft, Service, SubmitResult
from atlsms_tui.core.session import Session, demo_profile
from atlsms_tui.core.settings import load_settings
from atlsms_tui.core.store import Store
from atlsms_tui.ui.literal import literal, markup, visible
from atlsms_tui.ui.screens.campaign_detail import CampaignDetailScreen
from atlsms_tui.ui.screens.confirm import (
    AskScreen,
    CampaignResultScreen,
    ConfirmSendScreen,
    ImportReportScreen,
    SendSummary,
    SubmitResultScreen,
)
from atlsms_tui.ui.screens.dashboard import DashboardScreen
from atlsms_tui.ui.screens.help import HelpScreen, NoticeScreen
from atlsms_tui.ui.screens.task_detail import TaskDetailScreen

from ui_helpers import settle, wait_until

WIDE = (200, 50)  # long cells and dialog lines stay on one screen line

CLOSE = "x[/]"
BOLD = "[bold]x"
CLICK = "[@click=app.quit]"
ESC = "\x1b[31m"
RTL = "\u202eabc"
LONG = "L0NG[/]" + "[b]ə" * 2500  # 10,007 characters of would-be markup
KAMPANIYA = "Kampaniya [yeni]: 20% endirim, [bold]pulsuz[/bold]"
HOSTILE = [CLOSE, BOLD, CLICK, ESC, RTL, LONG]

# What must never reach the terminal from data.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def shown(app) -> str:
    """The text the terminal gets for the screen in front, widget by widget,
    one line per rendered line; a control character in a line fails here."""
    lines = []
    for widget in app.screen.query("*"):
        if widget.display and widget.region.area:
            for strip in widget.render_lines(Region(0, 0, *widget.outer_size)):
                bad = UNSAFE.search(strip.text)
                assert bad is None, f"{bad.group()!r} sent to the terminal by {widget!r}"
                lines.append(strip.text)
    return "\n".join(lines)


def assert_shown(app, *texts: str) -> str:
    text = shown(app)
    for t in texts:
        assert visible(t) in text, (t, text)
    return text


def head(text: str, n: int = 40) -> str:
    return text[:n]


# ------------------------------------------------------------------ helpers


def test_visible_neutralises_what_drives_a_terminal():
    assert visible(ESC) == "␛[31m"
    assert visible(RTL) == "\\u202eabc"
    assert visible("a\x85b\x7f") == "a\\x85b␡"
    assert visible("a\nb") == "a⏎b"
    assert visible("a\r\nb\tc", lines=True) == "a\nb␉c"
    assert visible("\udcff") == "\\udcff"
    assert visible(KAMPANIYA) == KAMPANIYA


def test_markup_fills_slots_literally():
    content = markup("[b]$name[/] saved, $other", name="$other[/]", other=CLICK)
    assert content.plain == f"$other[/] saved, {CLICK}"
    assert literal(LONG).plain == LONG


markupish = st.text(alphabet=st.sampled_from(list("[]/@=b ab\\$\x1b\x85\u202e\n\tə")), max_size=40)


@settings(max_examples=200, deadline=None)
@given(markupish)
def test_literal_and_markup_never_raise_and_keep_the_text(text):
    expected = visible(text)
    assert literal(text).plain == expected
    assert markup("[dim]$t[/] · $t", t=text).plain == f"{visible(text, lines=True)} · {visible(text, lines=True)}"
    assert not UNSAFE.search(expected)


class Board(App):
    """One Static, one DataTable and a toast: the three ways data is drawn."""

    def compose(self):
        yield Static(id="s")
        yield DataTable(id="t")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markupish.filter(lambda t: t.strip()))
def test_any_text_renders_as_written_in_widgets_and_toasts(text):
    async def run():
        app = Board()
        async with app.run_test(size=(120, 20), notifications=True) as pilot:
            app.query_one("#s", Static).update(literal(text))
            table = app.query_one("#t", DataTable)
            table.add_column("c")
            table.add_row(literal(text))
            app.notify(visible(text), markup=False)
            await pilot.pause()
            out = shown(app)
            assert visible(text).strip() in out

    asyncio.run(run())


# --------------------------------------------------------------- the screens


async def open_task_detail(pilot, app):
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, TaskDetailScreen)


async def test_task_detail_shows_messages_exactly_as_sent(ui_env):
    session = ui_env.demo_session()
    message = f"{KAMPANIYA} {CLOSE} {CLICK} {RTL}"
    result = await ui_env.submit(session, n=5, message=message)
    assert result.state is State.ACCEPTED
    ui_env.advance(60)
    app = ui_env.app(session)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await open_task_detail(pilot, app)
        table = app.screen.query_one("#detail-table", DataTable)
        # the first page is read in a worker and the column widens when the
        # table is idle: a loaded machine gets there late
        await wait_until(pilot, lambda: table.row_count == 5 and visible(message) in shown(app))
        assert {str(table.get_row_at(i)[4]) for i in range(5)} == {visible(message)}
        assert_shown(app, message, KAMPANIYA)
        await pilot.press("r")  # reopened and refreshed: still there, still literal
        await settle(pilot)
        assert_shown(app, KAMPANIYA)
        assert app.is_running


async def test_dashboard_campaign_detail_and_result_modal_with_hostile_titles(ui_env):
    session = ui_env.demo_session()
    title = "x[/][b]\u202e"  # 8 characters: a title ATL refuses, journalled as sent
    draft = Draft(title, [Recipient(f"99450{1000000 + i:07d}") for i in range(4)], CLICK)
    result = await submit_campaign(session.service, draft, max_per_task=2)
    # ATL refuses the first part; the run stops there, the second stays queued
    assert result.campaign and [r.state for r in result.results] == [State.REJECTED, State.QUEUED]
    assert result.state == "rejected"
    app = ui_env.app(session)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert_shown(app, title)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CampaignDetailScreen)
        assert_shown(app, title)
        await pilot.press("escape")
        await settle(pilot)
        await app.push_screen(CampaignResultScreen(result))
        await settle(pilot)
        assert_shown(app, "Rejected by ATL")


async def test_result_confirm_ask_notice_and_report_modals(ui_env):
    session = ui_env.demo_session()
    app = ui_env.app(session)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        for value in HOSTILE:
            res = SubmitResult(State.UNCERTAIN, controlid=head(value), recipients=1, segments=1,
                               units_estimate=1, code="1[/]", detail=value)
            await app.push_screen(SubmitResultScreen(res))
            await settle(pilot)
            assert_shown(app, head(value), "1[/]")
            await pilot.press("escape")
            await app.push_screen(SubmitResultScreen(None, error=value))
            await settle(pilot)
            assert_shown(app, head(value))
            await pilot.press("escape")
            summary = SendSummary(title=head(value, 11), recipients=1, individual=False, encoding="GSM-7",
                                  segments=1, units=1, balance=None, schedule=head(value), profile=head(value),
                                  notes=[value], optouts=head(value), optout_lines=[value])
            await app.push_screen(ConfirmSendScreen(summary))
            await settle(pilot)
            assert_shown(app, head(value, 11), head(value))
            await pilot.press("n")
            await app.push_screen(AskScreen(value, value))
            await settle(pilot)
            assert_shown(app, head(value))
            await pilot.press("n")
            await app.push_screen(NoticeScreen(head(value), value))
            await settle(pilot)
            assert_shown(app, head(value))
            await pilot.press("escape")
            report = ImportReport(source=value, kind="list", warnings=[value])
            await app.push_screen(ImportReportScreen(report))
            await settle(pilot)
            assert_shown(app, head(value, 20))
            await pilot.press("escape")
            await settle(pilot)
        assert isinstance(app.screen, DashboardScreen) and app.is_running


async def test_compose_recipients_with_tags_keep_the_draft(ui_env):
    session = ui_env.demo_session()
    app = ui_env.app(session)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        numbers = app.screen.query_one("#numbers", TextArea)
        typed = "[b]0551234567[/b]\n" + "\n".join(HOSTILE[:-1])
        numbers.focus()
        numbers.insert(typed)
        message = app.screen.query_one("#message", TextArea)
        message.insert(f"{KAMPANIYA} {RTL}")
        await settle(pilot)
        assert numbers.text == typed  # the draft is kept
        text = assert_shown(app, "[b]0551234567[/…")
        assert "invalid" in text


async def set_field(pilot, selector: str, value: str, enter: bool = True) -> None:
    field = pilot.app.screen.query_one(selector)
    field.value = value
    field.focus()
    if enter:
        await pilot.press("enter")
    await settle(pilot)


async def test_compose_individual_rows_and_mail_merge_with_hostile_text(ui_env, tmp_path):
    rows = tmp_path / f"rows {BOLD}.csv"
    rows.write_text(f"msisdn,message\n0551234567,\"{KAMPANIYA}\"\n[b]055[/b],{CLOSE} {RTL}\n", encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text(f"phone,name\n0551234567,{BOLD} {RTL}\n0701234567,{CLICK}\n", encoding="utf-8")
    session = ui_env.demo_session()
    app = ui_env.app(session)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("f3")  # individual mode
        await settle(pilot)
        await set_field(pilot, "#csv-file", str(rows))
        table = app.screen.query_one("#preview", DataTable)
        assert table.row_count == 2
        text = assert_shown(app, KAMPANIYA, "[b]055[/b]", rows.name)
        assert "invalid" in text
        table.focus()
        await pilot.press("down")  # the fix fields show the row as written
        await settle(pilot)
        assert app.screen.query_one("#edit-message").value in (KAMPANIYA, f"{CLOSE} {RTL}")
        assert_shown(app, "[b]055[/b]")

        await set_field(pilot, "#csv-file", str(people))
        await set_field(pilot, "#template", "Salam {name} [/]", enter=False)
        assert_shown(app, f"Salam {BOLD} {RTL} [/]", f"Salam {CLICK} [/]", "placeholders: {phone} {name}")
        assert app.is_running


async def test_compose_title_select_opens_with_a_markup_title(ui_env):
    base = ui_env.demo_session()
    profile = dataclasses.replace(base.profile, titles=["[/]X", "ATL"], default_title="[/]X")
    session = Session(base.settings, profile, base.store, base.service)
    app = ui_env.app(session)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        select = app.screen.query_one("#title", Select)
        select.focus()
        await pilot.press("enter")  # the overlay with every title
        await settle(pilot)
        assert select.expanded
        assert_shown(app, "[/]X")
        await pilot.press("escape")
        await settle(pilot)
        assert select.value == "[/]X"


async def test_template_and_group_named_with_markup_are_saved_and_notified(ui_env):
    session = ui_env.demo_session()
    app = ui_env.app(session)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        app.screen.query_one("#message", TextArea).insert(f"Salam {BOLD}")
        app.screen.query_one("#numbers", TextArea).insert("0551234567")
        await settle(pilot)
        await pilot.press("f7")  # templates menu: "+ save" is first
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*CLOSE, "enter")
        await settle(pilot)
        assert_shown(app, f"template {CLOSE!r} saved")
        assert [t.name for t in session.store.lists.list_templates()] == [CLOSE]
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*CLOSE, "enter")
        await settle(pilot)
        assert_shown(app, f"group {CLOSE!r} saved: 1 number")
        await pilot.press("f6")  # the menu lists it literally
        await settle(pilot)
        assert_shown(app, f"{CLOSE}  (1 number")
        await pilot.press("escape")


async def test_lists_screen_with_hostile_names_bodies_and_reasons(ui_env):
    session = ui_env.demo_session()
    store = session.store
    store.lists.save_group(BOLD, [ImportRecord("994551234567", {"name": f"{ESC}{CLICK}"})],
                     columns=["name"], source=CLICK)
    store.lists.save_template(CLOSE, f"{LONG}{RTL}")
    store.lists.add_optouts(["0551234567"], reason=f"{ESC} {LONG}", source=CLICK)
    app = ui_env.app(session)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert_shown(app, BOLD, f"from {CLICK}", f"name={ESC}{CLICK}")
        await pilot.press("t")
        await settle(pilot)
        assert_shown(app, CLOSE, head(LONG))
        await pilot.press("o")
        await settle(pilot)
        assert_shown(app, f"reason: {ESC}", head(LONG), f"source: {CLICK}")
        await pilot.press("t", "delete")  # the question names the template literally
        await settle(pilot)
        assert_shown(app, f"Delete the template {CLOSE!r}?")
        await pilot.press("y")
        await settle(pilot)
        assert_shown(app, f"template {CLOSE!r} deleted")


async def test_profiles_settings_and_help_with_hostile_values(ui_env):
    ui_env.add_profile("main", titles=["[/]X", RTL[:5]], current=True)
    settings = load_settings()
    settings.profiles["main"].login = BOLD
    settings.bindings = {"compose": f"[/]{ESC}"}  # refused, and the refusal quotes it
    settings.save()
    session = ui_env.open("main")
    app = ui_env.app(session)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        assert_shown(app, f"{'[/]' + ESC!r}")
        await pilot.press("p")
        await settle(pilot)
        assert_shown(app, BOLD, f"[/]X, {RTL[:5]}")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        field = app.screen.query_one("#set-refresh_interval")
        field.value = CLICK
        title = app.screen.query_one("#set-default_title")
        title.value = "Other"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert_shown(app, f"{CLICK!r} is not a number from 2 to 3,600", "[/]X")
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert_shown(app, "Keys: Settings")


# ------------------------------------------------------- a hostile server


class Hostile:
    """A loopback HTTP server that answers ``answer`` (status, body) while it
    is set, else forwards the request to the simulator: garbage for a while,
    then the real thing."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.answer: tuple[int, bytes] | None = None
        self.hits: dict[str, int] = {"units": 0, "report": 0}
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                for op in hostile.hits:
                    if f"<operation>{op}</operation>".encode() in body:
                        hostile.hits[op] += 1
                answer = hostile.answer
                if answer is None:
                    conn = http.client.HTTPConnection(hostile.upstream.hostname, hostile.upstream.port, timeout=10)
                    conn.request("POST", hostile.upstream.path or "/", body,
                                 {"Content-Type": self.headers.get("content-type", "text/xml")})
                    resp = conn.getresponse()
                    answer = (resp.status, resp.read())
                    conn.close()
                status, data = answer
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{self.upstream.path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def session_on(url: str) -> Session:
    profile = demo_profile(url)
    store = Store(paths.store_file(demo=True))
    return Session(load_settings(), profile, store, Service(profile, store))


NOT_FOUND = f"Not found [/] {CLICK} {ESC} [bold]".encode()
# A balance and a report whose figures no journal column can hold (25 digits).
HUGE = b"9" * 25
HUGE_ANSWER = (b'<?xml version="1.0" encoding="UTF-8"?><response><head><responsecode>000</responsecode>'
               b"</head><body><units>" + HUGE + b"</units>"
               + b"".join(b"<%s>%s</%s>" % (f, HUGE, f) for f in (b"pending", b"delivered", b"failed",
                                                                     b"removed", b"error"))
               + b"</body></response>")


async def wait_for(pilot, check, seconds: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not check():
        assert loop.time() < end, "timed out"
        await pilot.pause(0.2)


async def test_balance_error_body_with_markup_is_shown_literally(ui_env):
    hostile = Hostile(ui_env.url)
    hostile.answer = (404, NOT_FOUND)
    session = session_on(hostile.url)
    app = ui_env.app(session)
    try:
        async with app.run_test(size=WIDE, notifications=True) as pilot:
            await wait_for(pilot, lambda: app.balance.error is not None)
            await settle(pilot)
            text = assert_shown(app, "Balance not refreshed", "Not found [/]")
            assert text.count("Balance not refreshed") == 1
            assert "✖" in text and app.is_running
    finally:
        await session.aclose()
        hostile.close()


async def test_balance_and_dashboard_survive_garbage_and_recover(ui_env):
    base = ui_env.demo_session()
    sent = await ui_env.submit(base, n=3)
    hostile = Hostile(ui_env.url)
    session = session_on(hostile.url)
    session.settings.preferences.units_interval = 5
    session.settings.preferences.refresh_interval = 2
    hostile.answer = (200, HUGE_ANSWER)
    app = ui_env.app(session)
    try:
        async with app.run_test(size=WIDE, notifications=True) as pilot:
            await wait_for(pilot, lambda: app.balance.error is not None)
            await wait_for(pilot, lambda: hostile.hits["report"] > 0)
            units, reports = hostile.hits["units"], hostile.hits["report"]
            # Nothing calls refresh_units or refresh_now: only the re-armed timers ask again
            # (the failing task waits out its back-off on the app's clock: move it on).
            ui_env.advance(600)
            await wait_for(pilot, lambda: hostile.hits["units"] > units and hostile.hits["report"] > reports)
            # The header's ✖, and the dashboard's status line naming the failing report.
            await wait_for(pilot, lambda: shown(app).count("✖") >= 2)
            text = assert_shown(app, "Balance not refreshed", f"task {sent.taskid}: ")
            assert text.count("Balance not refreshed") == 1  # said once, however often it fails
            hostile.answer = (404, NOT_FOUND)
            await wait_for(pilot, lambda: "Not found" in (app.balance.error or ""))
            hostile.answer = None
            ui_env.advance(60)
            await wait_for(pilot, lambda: app.balance.error is None and app.balance.units is not None, 30)
            await wait_for(pilot, lambda: session.service.task(sent.controlid).report is not None
                           and session.service.task(sent.controlid).report.final, 30)
            await settle(pilot)
            text = assert_shown(app, "online")
            assert "done" in text
            assert app.is_running
    finally:
        await session.aclose()
        hostile.close()
