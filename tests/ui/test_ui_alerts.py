

async def test_copy_in_campaign_and_task_detail(ui_env):
    from atlsms_tui.ui.screens.campaign_detail import CampaignDetailScreen
    from atlsms_tui.ui.screens.task_detail import TaskDetailScreen

    session = ui_env.demo_session()
    draft = Draft("ATL", [Recipient(f"99450{1000000 + i:07d}") for i in range(4)], "Salam")
    result = await send_plan.submit_campaign(session.service, draft, max_per_task=2)
    first, second = result.results
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(CampaignDetailScreen(result.campaign))
        await settle(pilot)
        await pilot.press("down", "y")
        await settle(pilot)
        assert app.clipboard == second.taskid and app.notices[-1] == f"Copied task id {second.taskid}"
        app.push_screen(TaskDetailScreen(first.controlid))
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TaskDetailScreen)
        shown = screen.copy_target()
        # the focused row's number once the detailed report is in, else the task id
        assert shown in (("task id", first.taskid), ("number", "994501000000"))
        assert app.clipboard == shown[1]
