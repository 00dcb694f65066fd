"""Follow-ups from the task and campaign detail screens, keyboard only at
80x24: "send again to these" opens compose on the numbers of the status
filter (opt-outs left out, the earlier text loaded), "save as group" keeps
them. The simulator's seeded outcomes say which numbers those are."""

from __future__ import annotations

from textual.widgets import Input, Static

from atlsms_tui.core.models import Recipient
from atlsms_tui.core.send_plan import submit_campaign
from atlsms_tui.core.service import Draft
from atlsms_tui.simulator.tasks import DELIVERED, ERROR, FAILED
from atlsms_tui.ui.modals.ask import AskScreen
from atlsms_tui.ui.screens.campaign_detail import CampaignDetailScreen
from atlsms_tui.ui.screens.compose import ComposeScreen
from atlsms_tui.ui.screens.help import screen_keys
from atlsms_tui.ui.screens.lists_forms import FormScreen
from atlsms_tui.ui.screens.task_detail import TaskDetailScreen

from ui_helpers import screen_text, settle

SIZE = (80, 24)


def _with_status(sim, taskid: str, *statuses: int) -> set[str]:
    task = sim.task(taskid)
    return {m for i, (m, _t) in enumerate(sim.recipients_of(taskid)) if task.fate(i)[1] in statuses}


async def _task_screen(ui_env, pilot, session, n: int = 80):
    result = await ui_env.submit(session, n=n, message="Come back for 10% off")
    ui_env.advance(60)
    screen = TaskDetailScreen(result.controlid)
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return result, screen


async def _wait_for(pilot, kind, rounds: int = 20):
    for _ in range(rounds):
        await settle(pilot)
        if isinstance(pilot.app.screen, kind):
            return pilot.app.screen
    raise AssertionError(f"no {kind.__name__}: {screen_text(pilot.app)}")


async def _discard(pilot) -> None:
    """Leave the compose form opened on the numbers (it asks first)."""
    await pilot.press("escape")
    ask = await _wait_for(pilot, AskScreen)
    assert "Discard" in str(ask.question)
    await pilot.press("y")
    await settle(pilot)


async def test_task_detail_resend_and_group_take_the_filtered_numbers(ui_env):
    session = ui_env.demo_session()
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        result, screen = await _task_screen(ui_env, pilot, session)
        failed = _with_status(ui_env.sim, result.taskid, FAILED)
        assert len(failed) >= 2 and _with_status(ui_env.sim, result.taskid, ERROR)
        blocked = sorted(failed)[0]
        session.store.lists.add_optouts([blocked], reason="asked to stop")
        keys = {keys: desc for _section, keys, desc in screen_keys(screen)}
        assert keys["f"].startswith("Resend: Send again to the numbers of the status filter")
        assert keys["g"].startswith("Group: Save the numbers of the status filter as a group")
        footer = screen_text(app).splitlines()[-1]
        assert "f Resend g Group" in footer and "f1 Help" in footer, footer  # 80 columns hold them

        await pilot.press("3")  # the failed filter
        await pilot.press("f")
        compose = await _wait_for(pilot, ComposeScreen)
        await settle(pilot)
        assert {r.msisdn for r in compose.bulk.recipients()} == failed - {blocked}
        assert compose.message.text == "Come back for 10% off"
        assert compose.title_value() == "ATL"
        await _discard(pilot)

        assert app.screen is screen
        await pilot.press("g")
        form = await _wait_for(pilot, FormScreen)
        form.query_one("#f-name", Input).value = "retry-failed"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        group = session.store.lists.get_group("retry-failed")
        assert {r.msisdn for r in group.records} == failed - {blocked}


async def test_campaign_detail_asks_the_statuses_then_resends_or_saves_a_group(ui_env):
    session = ui_env.demo_session()
    numbers = [Recipient(f"99455{3000000 + i:07d}") for i in range(40)]
    result = await submit_campaign(session.service, Draft("ATL", numbers, "Last call"), max_per_task=20)
    tasks = [r.taskid for r in result.results]
    assert len(tasks) == 2
    ui_env.advance(60)
    wanted: set[str] = set()
    delivered: set[str] = set()
    for t in tasks:
        wanted |= _with_status(ui_env.sim, t, FAILED, ERROR)
        delivered |= _with_status(ui_env.sim, t, DELIVERED)
    assert wanted
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = CampaignDetailScreen(result.campaign)
        await app.push_screen(screen)
        await settle(pilot)
        assert "f Resend" in screen_text(app).splitlines()[-1]
        keys = {keys: desc for _section, keys, desc in screen_keys(screen)}
        assert keys["f"].startswith("Resend: Send again to the campaign's numbers")
        assert keys["g"].startswith("Group: Save the campaign's numbers")
        await pilot.press("f")
        form = await _wait_for(pilot, FormScreen)
        field = form.query_one("#f-statuses", Input)
        assert field.value == "failed,error"
        field.value = "failed,bounced"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is form
        assert "unknown status 'bounced'" in str(form.query_one("#form-error", Static).render())
        field.value = "failed,error"
        await pilot.press("enter")
        compose = await _wait_for(pilot, ComposeScreen)  # the parts' reports were fetched on the way
        await settle(pilot)
        assert {r.msisdn for r in compose.bulk.recipients()} == wanted
        assert compose.message.text == "Last call"
        await _discard(pilot)

        assert app.screen is screen
        await pilot.press("g")
        form = await _wait_for(pilot, FormScreen)
        form.query_one("#f-statuses", Input).value = "delivered"
        await pilot.press("enter")
        for _ in range(20):
            await settle(pilot)
            if isinstance(app.screen, FormScreen) and app.screen is not form:
                break
        app.screen.query_one("#f-name", Input).value = "reached"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        group = session.store.lists.get_group("reached")
        assert {r.msisdn for r in group.records} == delivered


async def test_resending_an_individual_send_loads_each_numbers_message(ui_env):
    session = ui_env.demo_session()
    people = [Recipient(f"99450{5000000 + i:07d}", f"Salam {i}, your order is ready") for i in range(80)]
    sent = await session.service.submit(Draft("ATL", people, None))
    ui_env.advance(60)
    failed = _with_status(ui_env.sim, sent.taskid, FAILED)
    assert failed
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        fu = await app.core.reports.followup(sent.taskid, "failed")
        await app.push_screen(ComposeScreen(followup=fu))
        compose = await _wait_for(pilot, ComposeScreen)
        for _ in range(20):
            await settle(pilot)
            if compose.individual.recipients():
                break
        assert compose.mode == "individual"
        assert compose.individual.template.value == "{message}"
        messages = {r.msisdn: r.message for r in people}
        assert {r.msisdn: r.message for r in compose.individual.recipients()} == {m: messages[m] for m in failed}
