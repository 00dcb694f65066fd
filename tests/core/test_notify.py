"""Alerts: notify_command run without a shell with the event in its
environment (never the password), campaign outcomes, the low-balance
transition, a broken command reported once."""

from __future__ import annotations

import json
import sys

import pytest

from atlsms_tui.core import send_plan
from atlsms_tui.core.errors import ConfigError
from atlsms_tui.core.models import Recipient
from atlsms_tui.core.notify import Alert, Notifier
from atlsms_tui.core.service import Draft
from atlsms_tui.core.settings import load_settings
from atlsms_tui.simulator import Fault

from support import LOGIN, SENTINEL

NUMBERS = [f"9945012345{i:02d}" for i in range(7)]

# Writes its argv and environment to the file named by its first argument.
RECORDER = (
    "import json, os, sys\n"
    "with open(sys.argv[1], 'a', encoding='utf-8') as f:\n"
    "    f.write(json.dumps({'argv': sys.argv[1:], 'env': dict(os.environ)}) + '\\n')\n"
)


def recorder(tmp_path, *args: str) -> tuple[list[str], object]:
    script = tmp_path / "record.py"
    script.write_text(RECORDER, encoding="utf-8")
    out = tmp_path / "calls.jsonl"
    return [sys.executable, str(script), str(out), *args], out


def calls(out) -> list[dict]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def draft(n: int, msg: str = "Salam") -> Draft:
    return Draft("ATL", [Recipient(x) for x in NUMBERS[:n]], msg)


async def test_campaign_finished_runs_the_command_with_the_event(service, tmp_path, monkeypatch):
    # a password in the process's environment must not reach the command
    monkeypatch.setenv("ATLSMS_PASSWORD", SENTINEL)
    argv, out = recorder(tmp_path, "a b", "$HOME;rm -rf /")
    service.preferences.notify_command = argv
    seen: list[Alert] = []
    service.notifier.listen(seen.append)
    r = await send_plan.submit_campaign(service, draft(7), max_per_task=3)
    service.notifier.drain(10)
    [call] = calls(out)
    # no shell: the arguments arrive as they were given, unexpanded
    assert call["argv"] == [str(out), "a b", "$HOME;rm -rf /"]
    env = call["env"]
    assert env["ATLSMS_EVENT"] == "campaign_finished" and env["ATLSMS_CAMPAIGN"] == r.campaign
    assert env["ATLSMS_TITLE"] == "ATL" and env["ATLSMS_STATE"] == "accepted"
    assert (env["ATLSMS_RECIPIENTS"], env["ATLSMS_ACCEPTED"], env["ATLSMS_UNCERTAIN"], env["ATLSMS_NOT_SENT"]) \
        == ("7", "7", "0", "0")
    assert "ATLSMS_PASSWORD" not in env
    assert SENTINEL not in json.dumps(call)
    assert [a.event for a in seen] == ["campaign_finished"]


async def test_one_task_send_and_a_failed_campaign(service, sim, tmp_path):
    argv, out = recorder(tmp_path)
    service.preferences.notify_command = argv
    r = await send_plan.submit_campaign(service, draft(2), max_per_task=5)
    sim.inject(Fault("code", operation="submit", code="118"))
    failed = await send_plan.submit_campaign(service, draft(3, "Other"), max_per_task=5)
    service.notifier.drain(10)
    first, second = (c["env"] for c in calls(out))
    assert first["ATLSMS_EVENT"] == "campaign_finished"
    assert first["ATLSMS_CAMPAIGN"] == r.results[0].controlid and first["ATLSMS_TASKID"] == r.results[0].taskid
    assert failed.state == "rejected"
    assert second["ATLSMS_EVENT"] == "campaign_failed" and second["ATLSMS_NOT_SENT"] == "3"


async def test_uncertain_campaign_alerts(service, sim):
    seen: list[Alert] = []
    service.notifier.listen(seen.append)
    sim.inject(Fault("drop", operation="submit", times=10))
    r = await send_plan.submit_campaign(service, draft(2), max_per_task=5)
    assert r.state == "uncertain"
    assert [(a.event, a.uncertain) for a in seen] == [("campaign_uncertain", 2)]


async def test_settling_an_uncertain_send_alerts_as_its_run_did(service, sim):
    """A send left uncertain and settled later (retry) tells its outcome as
    the first run told its uncertainty."""
    seen: list[Alert] = []
    service.notifier.listen(seen.append)
    sim.inject(Fault("drop", operation="submit", times=10))
    r = await send_plan.submit_campaign(service, draft(2), max_per_task=5)
    assert r.state == "uncertain"
    sim.clear_faults()
    settled = await service.retry(r.results[0].controlid)
    # the dropped answer hid an accepted submit: ATL knows the controlid
    assert settled.state.value in ("accepted", "accepted_without_taskid")
    assert [(a.event, a.campaign, a.accepted) for a in seen] == [
        ("campaign_uncertain", r.results[0].controlid, 0), ("campaign_finished", r.results[0].controlid, 2)]


async def test_low_balance_alerts_once_on_the_way_down(service, sim, tmp_path):
    argv, out = recorder(tmp_path)
    service.preferences.notify_command = argv
    service.preferences.low_balance_threshold = 500
    for units in (10_000, 400, 300, 900, 200):
        sim.set_units(LOGIN, units)
        await service.units()
    service.notifier.drain(10)
    envs = [c["env"] for c in calls(out)]
    # down under 500, still under (nothing), back up, down again
    assert [(e["ATLSMS_EVENT"], e["ATLSMS_UNITS"]) for e in envs] == [("low_balance", "400"), ("low_balance", "200")]
    assert envs[0]["ATLSMS_THRESHOLD"] == "500"


async def test_broken_command_is_reported_once_and_sending_goes_on(service, tmp_path):
    service.preferences.notify_command = [str(tmp_path / "no-such-notifier")]
    warnings: list[str] = []
    service.notifier.on_warning(warnings.append)
    for n in (1, 2):
        r = await send_plan.submit_campaign(service, draft(n, f"m{n}"), max_per_task=5)
        assert r.state == "accepted"
    service.notifier.drain(10)
    assert len(warnings) == 1 and "no-such-notifier" in warnings[0]


def test_hung_command_is_stopped(tmp_path):
    warnings: list[str] = []
    notifier = Notifier(lambda: [sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.3)
    notifier.on_warning(warnings.append)
    notifier.fire(Alert("low_balance", profile="p", units=1, threshold=2))
    notifier.drain(10)
    assert len(warnings) == 1 and "stopped" in warnings[0]


def test_notify_command_setting_is_a_json_list(private_dirs, monkeypatch):
    monkeypatch.setenv("ATLSMS_NOTIFY_COMMAND", '["notify-send", "SMS alert"]')
    assert load_settings().preferences.notify_command == ["notify-send", "SMS alert"]
    for bad in ("notify-send SMS", '"notify-send"', '[1, 2]', '["", "x"]'):
        monkeypatch.setenv("ATLSMS_NOTIFY_COMMAND", bad)
        with pytest.raises(ConfigError) as e:
            load_settings()
        assert "ATLSMS_NOTIFY_COMMAND" in str(e.value) and "JSON list of strings" in str(e.value)
    monkeypatch.delenv("ATLSMS_NOTIFY_COMMAND")
    cfg = private_dirs[0]
    cfg.mkdir(mode=0o700, exist_ok=True)
    (cfg / "settings.json").write_text(json.dumps({"preferences": {"notify_command": "notify-send"}}))
    with pytest.raises(ConfigError) as e:
        load_settings()
    assert "notify_command" in str(e.value)
    (cfg / "settings.json").write_text(json.dumps({"preferences": {"notify_command": ["logger", "-t", "sms"],
                                                                   "desktop_notify": "osc9"}}))
    prefs = load_settings().preferences
    assert prefs.notify_command == ["logger", "-t", "sms"] and prefs.desktop_notify == "osc9"
    monkeypatch.setenv("ATLSMS_DESKTOP_NOTIFY", "maybe")
    with pytest.raises(ConfigError, match="one of auto, osc9, osc777, off"):
        load_settings()
