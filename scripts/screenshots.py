#!/usr/bin/env python3
"""Write screenshots/<screen>.svg of every screen of the real app, at 80x24,
on the embedded simulator (FakeClock, fixed seed, tmp config/data dirs).

    /work/venv/bin/python scripts/screenshots.py [--out screenshots] [--text]

--text also prints each screen as plain text.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "ui"))

import pytest  # noqa: E402  (MonkeyPatch: the same frozen clock the tests use)

from atlsms_tui.core import baku, quiet_hours  # noqa: E402
from atlsms_tui.core.models import Recipient  # noqa: E402
from atlsms_tui.core.service import Draft, SubmitResult  # noqa: E402
from atlsms_tui.simulator import Fault  # noqa: E402
from atlsms_tui.ui.modals.campaign_result import CampaignResultScreen  # noqa: E402
from atlsms_tui.ui.modals.confirm_send import ConfirmSendScreen, SendSummary  # noqa: E402
from atlsms_tui.ui.modals.submit_result import SubmitResultScreen  # noqa: E402
from atlsms_tui.ui.screens.campaign_detail import CampaignDetailScreen  # noqa: E402
from atlsms_tui.ui.screens.compose import ComposeScreen  # noqa: E402
from atlsms_tui.ui.screens.lists import ListsScreen  # noqa: E402
from atlsms_tui.ui.screens.profiles import ProfilesScreen, SetupScreen  # noqa: E402

from ui_helpers import UiEnv, screen_text, settle  # noqa: E402

SIZE = (80, 24)


async def _seed_tasks(env, session) -> None:
    from atlsms_tui.core import send_plan
    from atlsms_tui.core.models import Recipient
    from atlsms_tui.core.service import Draft

    # a campaign over approval_above, held for a second operator (the
    # oldest row: the last one)
    session.profile.approval_above = 2
    held = [Recipient(f"99450{3000000 + i:07d}") for i in range(3)]
    with pytest.MonkeyPatch.context() as mp:  # journalled by her, as its author line says
        for var in ("LOGNAME", "USER"):
            mp.setenv(var, "aysel")
        await send_plan.submit_campaign(session.service, Draft("INFO", held, "Yeni filial açıldı"), max_per_task=2,
                                        operator="aysel")
    session.profile.approval_above = None
    await env.submit(session, n=120, title="ATL")
    env.sim.inject(Fault("code", operation="submit", code="235"))
    await env.submit(session, n=5, title="INFO")
    env.sim.inject(Fault("drop", operation="submit", times=2))
    await env.submit(session, n=7, title="DEMO")
    env.advance(8)
    await env.submit(session, n=30, title="ATL", message="Later")
    # a campaign over the per-task cap: three parts, one grouped row
    from atlsms_tui.core import send_plan

    rs = [Recipient(f"99455{2000000 + i:07d}") for i in range(9)]
    return await send_plan.submit_campaign(session.service, Draft("ATL", rs, "Endirim 20%"), max_per_task=4)


async def _seed_report_campaign(env, session) -> str:
    from atlsms_tui.core import send_plan
    from atlsms_tui.core.models import Recipient
    from atlsms_tui.core.service import Draft

    prefixes = ("50", "51", "55", "99", "70", "77", "60", "10")
    rs = [Recipient(f"994{p}{3000000 + i:07d}") for i in range(40) for p in prefixes]
    result = await send_plan.submit_campaign(session.service, Draft("ATL", rs, "Yeni kolleksiya"), max_per_task=120)
    assert result.campaign is not None
    return result.campaign


async def shoot(out: Path, text: bool) -> int:
    mp = pytest.MonkeyPatch()
    env = UiEnv(Path(tempfile.mkdtemp(prefix="atlsms-shots-")), mp)
    # the operator at the keyboard, whom every row records as its author on a
    # jump host (not whoever runs this); the held campaign is a colleague's
    for var in ("LOGNAME", "USER"):
        mp.setenv(var, "ramin")
    mp.delenv("SSH_CLIENT", raising=False)
    mp.setattr(socket, "gethostname", lambda: "jump1")
    written = 0
    try:
        env.add_profile("main", current=True)
        session = env.demo_session()
        multi = await _seed_tasks(env, session)
        app = env.app(session)

        async with app.run_test(size=SIZE) as pilot:
            async def snap(name: str) -> None:
                nonlocal written
                await settle(pilot)
                app.clear_notifications()
                await settle(pilot)
                (out / f"{name}.svg").write_text(app.export_screenshot(title=f"atlsms-tui {name}"), encoding="utf-8")
                written += 1
                print(f"wrote {out / f'{name}.svg'}", file=sys.stderr)
                if text:
                    print(f"----- {name}\n{screen_text(app)}")

            async def back() -> None:
                while len(app.screen_stack) > 1:
                    app.pop_screen()
                await settle(pilot)

            app.screen.action_refresh()
            await settle(pilot)
            app.screen.query_one("#dash-table").move_cursor(row=0)
            await snap("dashboard")
            await pilot.press("end")  # the campaign awaiting approval: a / n offered
            await snap("dashboard_approval")

            app.screen.query_one("#dash-table").move_cursor(row=3)  # the 120-recipient task, delivering
            await pilot.press("enter")
            await snap("task_detail")
            await back()

            app.push_screen(ComposeScreen("bulk"))
            await snap("compose_bulk")
            await back()
            app.push_screen(ComposeScreen("individual"))
            await snap("compose_individual")
            await back()

            summary = SendSummary(title="ATL", recipients=1234, individual=False, encoding="GSM-7",
                                  segments=2, units=2468, balance=49_830, schedule="now",
                                  demo=True, profile="demo", message="Endirim 20%: bu hefte butun magazalarda")
            app.push_screen(ConfirmSendScreen(summary))
            await snap("confirm")
            await back()
            # inside quiet hours, with the proof state: w / i instead of y
            night = datetime(2026, 9, 21, 22, 30, tzinfo=baku.BAKU)
            summary.quiet = quiet_hours.refusal(quiet_hours.parse("21:00-09:00"), None, night)
            summary.proof = "proof: accepted at 2026-09-21 18:02 Baku time"
            app.push_screen(ConfirmSendScreen(summary))
            await snap("confirm_quiet")
            await back()

            app.push_screen(SetupScreen(first_run=True))
            await snap("setup")
            await back()

            app.push_screen(ProfilesScreen())
            await snap("profiles")
            await back()

            await pilot.press("o")
            await snap("settings")
            await back()

            app.push_screen(ListsScreen())
            await snap("lists")
            await back()

            if multi.campaign:
                app.push_screen(CampaignDetailScreen(multi.campaign))
                await snap("campaign_detail")
                await back()

            uncertain = [t for t in session.service.tasks() if t.state.value == "uncertain"]
            if uncertain:
                u = uncertain[0]
                app.push_screen(SubmitResultScreen(SubmitResult(u.state, u.controlid, u.recipients, u.segments,
                                                                u.units_estimate, detail=u.detail)))
                await snap("result_uncertain")
                await back()

            app.push_screen(CampaignResultScreen(multi))
            await snap("campaign_result")
            await back()

            await pilot.press("f1")
            await snap("help")
            await back()

            # last: it moves the clock on. A campaign to every operator,
            # delivered: the report panel with its figures and sparkline.
            report = await _seed_report_campaign(env, session)
            env.advance(30)
            app.push_screen(CampaignDetailScreen(report))
            await settle(pilot)
            app.screen.action_refresh()  # every part's report now, and then their detailed reports
            await settle(pilot, rounds=6)
            await snap("campaign_report")
            await back()

        written += await _shoot_monitor(env, out, text)
    finally:
        await env.close()
        mp.undo()
    return written


async def _shoot_monitor(env, out: Path, text: bool) -> int:
    """The dashboard of a wall screen (--monitor): a campaign of another
    operator awaiting approval, and no key that would act on it."""
    writer = env.demo_session()
    rs = [Recipient(f"99455{3000000 + i:07d}") for i in range(6)]
    await writer.service.journal_campaign(
        Draft("ATL", rs, "Endirim"), [Draft("ATL", rs[:3], "Endirim"), Draft("ATL", rs[3:], "Endirim")],
        awaiting_approval_by="aysel")
    app = env.app(env.demo_session(), monitor=True)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.action_refresh()
        await settle(pilot)
        app.screen.query_one("#dash-table").move_cursor(row=0)
        app.clear_notifications()
        await settle(pilot)
        (out / "monitor.svg").write_text(app.export_screenshot(title="atlsms-tui monitor"), encoding="utf-8")
        print(f"wrote {out / 'monitor.svg'}", file=sys.stderr)
        if text:
            print(f"----- monitor\n{screen_text(app)}")
    return 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "screenshots")
    p.add_argument("--text", action="store_true", help="also print each screen as text")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    n = asyncio.run(shoot(args.out, args.text))
    print(f"{n} screenshot(s) in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
