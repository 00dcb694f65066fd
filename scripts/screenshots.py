#!/usr/bin/env python3
"""Write screenshots/<screen>.svg of every screen of the real app, at 80x24,
on the embedded simulator (FakeClock, fixed seed, tmp config/data dirs).

    /work/venv/bin/python scripts/screenshots.py [--out screenshots] [--text]

A screen whose class is missing (not written yet) is skipped with a message.
--text also prints each screen as plain text.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "ui"))

import pytest  # noqa: E402  (MonkeyPatch: the same frozen clock the tests use)

from atlsms_tui.simulator import Fault  # noqa: E402

from ui_helpers import UiEnv, screen_text, settle  # noqa: E402

SIZE = (80, 24)


def _screen(module: str, name: str):
    try:
        mod = __import__(f"atlsms_tui.ui.screens.{module}", fromlist=[name])
        return getattr(mod, name)
    except (ImportError, AttributeError) as exc:
        print(f"skip: {module}.{name} not available ({exc})", file=sys.stderr)
        return None


async def _seed_tasks(env, session) -> None:
    await env.submit(session, n=120, title="ATL")
    env.sim.inject(Fault("code", operation="submit", code="235"))
    await env.submit(session, n=5, title="INFO")
    env.sim.inject(Fault("drop", operation="submit", times=2))
    await env.submit(session, n=7, title="DEMO")
    env.advance(8)
    await env.submit(session, n=30, title="ATL", message="Later")
    # a campaign over the per-task cap: three parts, one grouped row
    from atlsms_tui.core import send_plan
    from atlsms_tui.core.models import Recipient
    from atlsms_tui.core.service import Draft

    rs = [Recipient(f"99455{2000000 + i:07d}") for i in range(9)]
    return await send_plan.submit_campaign(session.service, Draft("ATL", rs, "Endirim 20%"), max_per_task=4)


async def shoot(out: Path, text: bool) -> int:
    out.mkdir(parents=True, exist_ok=True)
    mp = pytest.MonkeyPatch()
    env = UiEnv(Path(tempfile.mkdtemp(prefix="atlsms-shots-")), mp)
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

            app.screen.query_one("#dash-table").move_cursor(row=3)  # the 120-recipient task, delivering
            await pilot.press("enter")
            await snap("task_detail")
            await back()

            compose = _screen("compose", "ComposeScreen")
            if compose is not None:
                app.push_screen(compose("bulk"))
                await snap("compose_bulk")
                await back()
                app.push_screen(compose("individual"))
                await snap("compose_individual")
                await back()

            confirm = _screen("confirm", "ConfirmSendScreen")
            summary_cls = _screen("confirm", "SendSummary")
            if confirm is not None and summary_cls is not None:
                try:
                    summary = summary_cls(title="ATL", recipients=1234, individual=False, encoding="GSM-7",
                                          segments=2, units=2468, balance=49_830, schedule="now",
                                          demo=True, profile="demo")
                    app.push_screen(confirm(summary))
                    await snap("confirm")
                    await back()
                    # inside quiet hours, with the proof state: w / i instead of y
                    from datetime import datetime

                    from atlsms_tui.core import baku, quiet_hours

                    night = datetime(2026, 9, 21, 22, 30, tzinfo=baku.BAKU)
                    summary.quiet = quiet_hours.refusal(quiet_hours.parse("21:00-09:00"), None, night)
                    summary.proof = "proof: accepted at 2026-09-21 18:02 Baku time"
                    app.push_screen(confirm(summary))
                    await snap("confirm_quiet")
                except TypeError as exc:
                    print(f"skip: confirm ({exc})", file=sys.stderr)
                await back()

            setup = _screen("profiles", "SetupScreen")
            if setup is not None:
                try:
                    app.push_screen(setup(first_run=True))
                except TypeError:
                    app.push_screen(setup())
                await snap("setup")
                await back()

            profiles = _screen("profiles", "ProfilesScreen")
            if profiles is not None:
                app.push_screen(profiles())
                await snap("profiles")
                await back()

            await pilot.press("o")
            await snap("settings")
            await back()

            lists = _screen("lists", "ListsScreen")
            if lists is not None:
                app.push_screen(lists())
                await snap("lists")
                await back()

            detail = _screen("campaign_detail", "CampaignDetailScreen")
            if detail is not None and multi is not None and multi.campaign:
                app.push_screen(detail(multi.campaign))
                await snap("campaign_detail")
                await back()

            result = _screen("confirm", "SubmitResultScreen")
            uncertain = [t for t in session.service.tasks() if t.state.value == "uncertain"]
            if result is not None and uncertain:
                from atlsms_tui.core.service import SubmitResult

                u = uncertain[0]
                app.push_screen(result(SubmitResult(u.state, u.controlid, u.recipients, u.segments,
                                                    u.units_estimate, detail=u.detail)))
                await snap("result_uncertain")
                await back()

            cresult = _screen("confirm", "CampaignResultScreen")
            if cresult is not None and multi is not None:
                app.push_screen(cresult(multi))
                await snap("campaign_result")
                await back()

            await pilot.press("f1")
            await snap("help")
            await back()
    finally:
        await env.close()
        mp.undo()
    return written


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "screenshots")
    p.add_argument("--text", action="store_true", help="also print each screen as text")
    args = p.parse_args()
    n = asyncio.run(shoot(args.out, args.text))
    print(f"{n} screenshot(s) in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
