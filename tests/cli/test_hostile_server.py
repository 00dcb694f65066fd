"""The CLI as an operator runs it against hostile servers, URLs and proxies:
exit codes, one-line messages, no traceback, no secret shown."""

from __future__ import annotations

import json

import pytest

from atlsms_tui.simulator import Fault

from hostile import Socks5Proxy
from support import LOGIN, SENTINEL

A = "994501234567"
PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
              "NO_PROXY", "no_proxy")


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch):
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


def env_account(url: str, **more) -> dict:
    return {"ATLSMS_LOGIN": LOGIN, "ATLSMS_PASSWORD": SENTINEL, "ATLSMS_API_URL": url, **more}


# ------------------------------------------------------------------ clear text


def test_login_to_plain_http_elsewhere_is_refused(cli, private_dirs):
    p = cli("login", "--login", LOGIN, "--api-url", "http://atl.example/bulksms/api", "--password-stdin",
            stdin=SENTINEL + "\n")
    assert p.returncode == 2
    assert "password would travel unencrypted" in p.stderr and "--allow-insecure-http" in p.stderr
    assert not (private_dirs[0] / "settings.json").exists()


def test_api_url_with_credentials_is_refused_and_not_shown(cli, private_dirs):
    p = cli("login", "--login", LOGIN, "--api-url", "https://boss:hunter2@atl.example/api", "--password-stdin",
            stdin=SENTINEL + "\n")
    assert p.returncode == 2 and "credentials" in p.stderr
    assert "hunter2" not in p.stdout + p.stderr
    p = cli("units", extra_env=env_account("https://boss:hunter2@atl.example/api"))
    assert p.returncode == 2 and "hunter2" not in p.stdout + p.stderr


def test_environment_url_in_plain_http_is_refused(cli):
    p = cli("units", extra_env=env_account("http://atl.example/bulksms/api"))
    assert p.returncode == 2 and "unencrypted" in p.stderr


def test_allowed_plain_http_works_and_warns_on_every_use(cli, sim):
    # The SOCKS proxy sends every host to the simulator: nothing leaves loopback.
    with Socks5Proxy(sim.port) as proxy:
        proxy_env = {"ALL_PROXY": f"socks5://127.0.0.1:{proxy.port}"}
        url = "http://atl.example/bulksms/api"
        p = cli("login", "--allow-insecure-http", "--login", LOGIN, "--api-url", url, "--password-stdin",
                stdin=SENTINEL + "\n", extra_env=proxy_env)
        assert p.returncode == 0, p.stderr
        assert "unencrypted" in p.stderr
        for _ in range(2):
            p = cli("units", "--json", extra_env=proxy_env)  # the profile now allows it
            assert p.returncode == 0, p.stderr
            assert json.loads(p.stdout)["units"] == 10_000
            assert "warning" in p.stderr and "unencrypted" in p.stderr
        p = cli("units", "--allow-insecure-http", extra_env=dict(proxy_env, **env_account(url)))
        assert p.returncode == 0 and "unencrypted" in p.stderr
    assert {host for host, _ in proxy.requested} == {"atl.example"}


# ------------------------------------------------------- local problems: exit 6


@pytest.mark.parametrize("url, words", [
    ("htps://127.0.0.1/bulksms/api", "unsupported scheme"),
    ("http://127.0.0.1:99999/bulksms/api", "not a valid URL"),
])
def test_malformed_api_urls_exit_6(cli, url, words):
    p = cli("units", extra_env=env_account(url))
    assert p.returncode == 6 and words in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("value, words", [
    ("htps://127.0.0.1:3128", "unsupported proxy scheme"),
    ("http://me:hunter2@127.0.0.1:99999", "not a valid URL"),
])
def test_malformed_proxy_exits_6_naming_it(cli, sim, value, words):
    p = cli("units", extra_env=env_account(sim.url, ALL_PROXY=value))
    assert p.returncode == 6 and "ALL_PROXY" in p.stderr and words in p.stderr
    assert "hunter2" not in p.stderr


def test_socks5_proxy_from_the_environment(cli, sim):
    with Socks5Proxy(sim.port) as proxy:
        p = cli("units", "--json", extra_env=env_account(sim.url, ALL_PROXY=f"socks5://127.0.0.1:{proxy.port}"))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["units"] == 10_000 and proxy.requested


def test_send_refused_by_the_proxy_is_failed_not_uncertain(logged_in, sim):
    with Socks5Proxy(sim.port, mode="refuse") as proxy:
        p = logged_in("send", "--title", "ATL", "--message", "hi", "--to", A, "--yes", "--json",
                      extra_env={"ALL_PROXY": f"socks5://127.0.0.1:{proxy.port}"})
    assert p.returncode == 3, p.stderr
    assert json.loads(p.stdout)["state"] == "failed"
    assert sim.tasks == []
    tasks = json.loads(logged_in("tasks", "--json").stdout)
    assert [t["state"] for t in tasks] == ["failed"]


# ------------------------------------------------------------------ deadlines


def test_dripping_server_hits_the_read_deadline(logged_in, sim):
    sim.inject(Fault("drip", operation="units", seconds=0.1, times=10))
    p = logged_in("units", extra_env={"ATLSMS_DEADLINE_READ": "1"})
    assert p.returncode == 3 and "deadline_read" in p.stderr


def test_dripping_server_leaves_a_send_uncertain_at_its_deadline(logged_in, sim):
    sim.inject(Fault("drip", operation="submit", seconds=0.1, times=10))
    p = logged_in("send", "--title", "ATL", "--message", "hi", "--to", A, "--yes", "--json",
                  extra_env={"ATLSMS_DEADLINE_SUBMIT": "1"})
    assert p.returncode == 4, p.stderr
    assert json.loads(p.stdout)["state"] == "uncertain"


def test_a_bad_deadline_setting_is_a_clear_error(logged_in):
    p = logged_in("units", extra_env={"ATLSMS_DEADLINE_READ": "-1"})
    assert p.returncode == 2 and "deadline_read" in p.stderr


# ------------------------------------------------------------ strict numbers


@pytest.mark.parametrize("value", ["9" * 25, "\u0661\u0662", "-5"])
def test_hostile_units_exit_3_without_traceback(logged_in, sim, value):
    sim.inject(Fault("oversized", operation="units", value=value, times=10))
    p = logged_in("units")
    assert p.returncode == 3 and "units" in p.stderr
    if not value.isascii():
        assert value not in p.stderr and "\\u0661" in p.stderr  # shown escaped


def test_unlisted_status_is_shown_as_status_n(logged_in, sim, clock):
    doc = json.loads(logged_in("send", "--title", "ATL", "--message", "hi", "--to", A, "--yes", "--json").stdout)
    clock.advance(3600)
    sim.inject(Fault("oversized", operation="detailedreport", value="6", times=2))
    p = logged_in("report", doc["taskid"], "--detailed")
    assert p.returncode == 0, p.stderr
    assert "status 6" in p.stdout
    p = logged_in("report", doc["taskid"], "--detailed", "--json")
    rows = json.loads(p.stdout)["recipients"]
    assert [(r["status"], r["status_code"]) for r in rows] == [("status 6", 6)]


def test_detailed_report_declared_iso_8859_1(logged_in, sim, clock):
    doc = json.loads(logged_in("send", "--title", "ATL", "--message", "Café olé", "--to", A,
                               "--yes", "--json").stdout)
    clock.advance(3600)
    sim.inject(Fault("encoding", operation="detailedreport", encoding="ISO-8859-1"))
    p = logged_in("report", doc["taskid"], "--detailed", "--json")
    assert p.returncode == 0, p.stderr
    assert [r["message"] for r in json.loads(p.stdout)["recipients"]] == ["Café olé"]


def test_oversized_status_exits_3(logged_in, sim, clock):
    doc = json.loads(logged_in("send", "--title", "ATL", "--message", "hi", "--to", A, "--yes", "--json").stdout)
    clock.advance(3600)
    sim.inject(Fault("oversized", operation="detailedreport", times=10))
    p = logged_in("report", doc["taskid"], "--detailed")
    assert p.returncode == 3 and "status" in p.stderr
