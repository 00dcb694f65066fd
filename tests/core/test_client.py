"""The HTTP client against the simulator and small hostile peers on loopback:
where the password may go, deadlines whatever the server drips, what counts
as "nothing sent", legacy TLS and SOCKS5 proxies."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from pathlib import Path

import pytest

from atlsms_tui.core import protocol
from atlsms_tui.core.client import AtlClient, Deadlines, SubmitUncertain, Timeouts, tls_context
from atlsms_tui.core.endpoint import check_api_url, redact_url
from atlsms_tui.core.errors import ConfigError, LocalError, ProtocolError, TransportError
from atlsms_tui.core.models import Recipient, State
from atlsms_tui.core.secret import Secret
from atlsms_tui.core.service import Draft, Service
from atlsms_tui.core.session import open_session
from atlsms_tui.core.settings import Profile, Settings
from atlsms_tui.simulator import Fault

from hostile import Mute, Socks5Proxy
from support import FAST_RETRY, FAST_TIMEOUTS, LOGIN, SENTINEL, make_profile

FAST_RETRY_ATTEMPTS = FAST_RETRY.attempts

PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
              "NO_PROXY", "no_proxy")


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch):
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


def client_for(url: str, **kw) -> AtlClient:
    kw.setdefault("timeouts", FAST_TIMEOUTS)
    kw.setdefault("retry", FAST_RETRY)
    return AtlClient(url, LOGIN, Secret(SENTINEL), **kw)


def draft(*numbers: str, message: str = "Salam") -> Draft:
    return Draft(title="ATL", recipients=[Recipient(n) for n in numbers or ("994501234567",)], message=message)


def content(controlid: str = "c1") -> protocol.SubmitContent:
    return protocol.SubmitContent("ATL", "NOW", controlid, [Recipient("994501234567")], "Salam")


# ------------------------------------------------------------ where it may go


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8800/bulksms/api", "http://127.9.8.7/", "http://localhost:1/x",
    "http://[::1]:8800/", "https://click.atlsms.az/bulksms/api",
])
def test_https_and_loopback_http_are_accepted_without_warning(url):
    assert check_api_url(url) is None


@pytest.mark.parametrize("url", ["http://click.atlsms.az/bulksms/api", "http://10.0.0.1/api",
                                 "http://[2001:db8::1]/", "HTTP://example.com"])
def test_plain_http_elsewhere_is_refused_unless_allowed(url):
    with pytest.raises(ConfigError, match="password would travel unencrypted") as exc:
        check_api_url(url)
    assert exc.value.exit_code == 2 and "--allow-insecure-http" in str(exc.value)
    with pytest.raises(ConfigError):
        client_for(url)  # nothing is built, nothing is sent
    warning = check_api_url(url, allow_insecure_http=True)
    assert warning and "unencrypted" in warning


@pytest.mark.parametrize("url", ["https://user:hunter2@click.atlsms.az/api", "https://:hunter2@h/",
                                 "http://hunter2@127.0.0.1/"])
def test_urls_with_credentials_are_refused_and_never_shown(url):
    with pytest.raises(ConfigError, match="credentials") as exc:
        check_api_url(url, allow_insecure_http=True)
    assert "hunter2" not in str(exc.value) and "***@" in str(exc.value)
    assert "hunter2" not in redact_url(url)
    assert "hunter2" not in repr(make_profile(url))


@pytest.mark.parametrize("url, words", [
    ("htps://click.atlsms.az/api", "unsupported scheme"),
    ("http://127.0.0.1:99999/api", "not a valid URL"),
    ("https://click.atlsms.az:0/", "port 0"),
    ("https:///bulksms/api", "no host"),
    ("https://click atlsms.az/", "spaces"),
    ("https://click.atlsms.az/\x1b[2J", "control"),
    ("", "empty"),
])
def test_malformed_urls_are_local_errors(url, words):
    with pytest.raises(LocalError, match=words) as exc:
        client_for(url)
    assert exc.value.exit_code == 6 and "\x1b" not in str(exc.value)


@pytest.mark.parametrize("name, value, words", [
    ("ALL_PROXY", "htps://proxy:3128", "unsupported proxy scheme"),
    ("HTTP_PROXY", "proxy.example:3128", "with its scheme"),
    ("ALL_PROXY", "http://user:hunter2@127.0.0.1:99999", "not a valid URL"),
    ("http_proxy", "http://[bad", "not a valid URL"),
])
def test_malformed_proxy_variables_are_local_errors_naming_the_variable(monkeypatch, sim, name, value, words):
    monkeypatch.setenv(name, value)
    with pytest.raises(LocalError, match=words) as exc:
        client_for(sim.url)
    assert name in str(exc.value) and "hunter2" not in str(exc.value)


def test_insecure_warning_is_exposed_on_the_profile():
    p = make_profile("http://atl.example/bulksms/api")
    assert p.insecure_http_warning is None  # refused, not warned: see check_api_url
    p.allow_insecure_http = True
    assert "unencrypted" in p.insecure_http_warning
    p.api_url = "http://127.0.0.1:1/"
    assert p.insecure_http_warning is None


def test_open_session_refuses_clear_text_before_opening_the_journal(monkeypatch, private_dirs):
    settings = Settings(profiles={"p": Profile("p", LOGIN, api_url="http://atl.example/api")}, current="p")
    monkeypatch.setenv("ATLSMS_PASSWORD", SENTINEL)
    with pytest.raises(ConfigError, match="unencrypted"):
        open_session(settings=settings)
    assert not any(private_dirs[1].rglob("*.sqlite"))
    s = open_session(settings=settings, allow_insecure_http=True)
    try:
        assert "unencrypted" in s.profile.insecure_http_warning
    finally:
        import asyncio

        asyncio.run(s.aclose())


# ------------------------------------------------------- TLS verification


# A certificate for 127.0.0.1 that signs itself: no certificate store vouches
# for it (a throwaway key, made for this test only).
SELF_SIGNED = Path(__file__).parent / "data" / "loopback-selfsigned.pem"


class SelfSignedTLS:
    """A loopback TLS server presenting SELF_SIGNED: counts the connections
    and keeps any bytes that arrive once a handshake succeeds (a request)."""

    def __init__(self) -> None:
        self._ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._ctx.load_cert_chain(SELF_SIGNED)
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self.connections = 0
        self.received = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(2)
                try:
                    with self._ctx.wrap_socket(conn, server_side=True) as tls:
                        self.received += tls.recv(65536)
                except OSError:  # the client refused the certificate
                    continue

    def __enter__(self) -> SelfSignedTLS:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


async def test_a_certificate_nobody_vouches_for_is_refused_before_the_password_leaves():
    with SelfSignedTLS() as server:
        client = client_for(f"https://127.0.0.1:{server.port}/bulksms/api")
        try:
            with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
                await client.units()
            with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED") as exc:
                await client.submit(content("tls-1"))
        finally:
            await client.aclose()
    # a refused handshake is a connection that never carried the request
    assert exc.value.nothing_sent and not isinstance(exc.value, SubmitUncertain)
    assert server.connections >= 2 and server.received == b""


# ---------------------------------------------------------------- redirects


async def test_a_redirect_is_an_error_and_its_location_is_never_requested(sim):
    with Mute() as elsewhere:
        location = f"http://127.0.0.1:{elsewhere.port}/bulksms/api"
        sim.inject(Fault("redirect", location=location, times=3))
        client = client_for(sim.url)
        try:
            with pytest.raises(ProtocolError, match="HTTP 302 redirect refused"):
                await client.units()
            with pytest.raises(ProtocolError, match="HTTP 302 redirect refused"):
                await client.detailed_report("4837", lambda rows: None)
            # the server answered something else than the API: the outcome is unknown
            with pytest.raises(SubmitUncertain, match="HTTP 302"):
                await client.submit(content("moved-1"))
        finally:
            await client.aclose()
        assert elsewhere.connections == 0
    # one request per call: a redirect is not retried either
    assert [(r["fault"], r["http_status"]) for r in sim.requests] == [("redirect", 302)] * 3
    assert sim.tasks == []


# ---------------------------------------------------------- per-read timeouts


async def test_every_read_attempt_has_its_own_timeout_well_inside_the_deadline():
    with Mute() as mute:
        client = client_for(f"http://127.0.0.1:{mute.port}/bulksms/api",
                            timeouts=Timeouts(connect=2, read=0.3, write=2, pool=2, submit_read=0.3),
                            deadlines=Deadlines(read=60))
        try:
            with pytest.raises(TransportError, match="timed out") as exc:
                await client.units()
        finally:
            await client.aclose()
        assert mute.connections == FAST_RETRY_ATTEMPTS  # each attempt timed out, then the next
    assert "deadline" not in str(exc.value)


# -------------------------------------------------- an unknown outcome: uncertain


async def test_a_submit_whose_answer_is_lost_is_uncertain_and_not_sent_again(sim):
    # The server stores the task, then drops the connection before answering.
    sim.inject(Fault("drop", operation="submit", times=5))
    client = client_for(sim.url)
    try:
        with pytest.raises(SubmitUncertain):
            await client.submit(content("lost-1"))
    finally:
        await client.aclose()
    submits = [r for r in sim.requests if r["operation"] == "submit"]
    assert [r["controlid"] for r in submits] == ["lost-1"]  # once; settling it is the journal's job
    assert sim.task_by_controlid("lost-1") is not None


async def test_the_service_settles_an_uncertain_submit_under_its_own_controlid_only(service, sim):
    # the submit and the service's settling resend both lose their answers
    sim.inject(Fault("drop", operation="submit", times=2))
    result = await service.submit(draft())
    assert result.state == State.UNCERTAIN
    again = await service.retry(result.controlid)
    assert again.controlid == result.controlid and again.state.ok
    controlids = {r["controlid"] for r in sim.requests if r["operation"] == "submit"}
    assert controlids == {result.controlid} and len(sim.tasks) == 1


# ---------------------------------------------------------------- legacy TLS


def test_tls_legacy_lowers_the_security_level_but_keeps_verification():
    default, legacy = tls_context(), tls_context(legacy=True)
    for ctx in (default, legacy):
        assert ctx.check_hostname is True and ctx.verify_mode == ssl.CERT_REQUIRED
    default_names = {c["name"] for c in default.get_ciphers()}
    legacy_ciphers = legacy.get_ciphers()
    legacy_names = {c["name"] for c in legacy_ciphers}
    assert "AES128-SHA" in legacy_names and "AES128-SHA" not in default_names  # RSA key exchange, SHA-1
    assert default_names <= legacy_names
    # An anonymous suite would let a server skip its certificate.
    assert all(c["auth"] not in ("auth-null", "auth-psk", "auth-srp") for c in legacy_ciphers)
    client = client_for("https://click.atlsms.az/bulksms/api", tls_legacy=True)
    assert {c["name"] for c in client.tls.get_ciphers()} == legacy_names
    assert client.tls.check_hostname and client.tls.verify_mode == ssl.CERT_REQUIRED


def test_tls_legacy_and_deadlines_come_from_the_profile(sim):
    p = make_profile(sim.url)
    p.tls_legacy = True
    p.deadlines = Deadlines(read=5, submit=7, detailed=9)
    client = AtlClient.for_profile(p)
    assert client.deadlines == Deadlines(5, 7, 9)
    assert "AES128-SHA" in {c["name"] for c in client.tls.get_ciphers()}


@pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan"), "60"])
def test_deadlines_must_be_positive_seconds(bad):
    with pytest.raises(ConfigError, match="deadline_read"):
        Deadlines(read=bad)


# ---------------------------------------------------------------- deadlines


async def test_a_dripping_server_cannot_outlast_the_read_deadline(sim):
    # A byte every 0.1 s: each read is quick, so only the deadline stops it.
    sim.inject(Fault("drip", operation="units", seconds=0.1, times=10))
    client = client_for(sim.url, deadlines=Deadlines(read=0.8))
    try:
        with pytest.raises(TransportError, match="deadline_read"):
            await client.units()
    finally:
        await client.aclose()


async def test_an_endless_detailed_report_stops_at_its_deadline(sim):
    sim.inject(Fault("endless", operation="detailedreport", times=10))
    client = client_for(sim.url, deadlines=Deadlines(detailed=1.0))
    got = []
    try:
        with pytest.raises(TransportError, match="deadline_detailed"):
            await client.detailed_report("4837", got.extend)
    finally:
        await client.aclose()
    assert got  # rows did arrive; the deadline, not an error, ended it


async def test_a_submit_past_its_deadline_after_leaving_is_uncertain(sim):
    sim.inject(Fault("drip", operation="submit", seconds=0.1))
    client = client_for(sim.url, deadlines=Deadlines(submit=0.8))
    try:
        with pytest.raises(SubmitUncertain, match="deadline_submit"):
            await client.submit(content("drip-1"))
    finally:
        await client.aclose()
    assert sim.task_by_controlid("drip-1") is not None  # it had indeed arrived


async def test_a_mute_server_makes_a_submit_uncertain_at_its_deadline():
    with Mute() as mute:
        client = client_for(f"http://127.0.0.1:{mute.port}/bulksms/api",
                            deadlines=Deadlines(submit=0.8),
                            timeouts=FAST_TIMEOUTS.__class__(connect=2, read=30, write=30, pool=2, submit_read=30))
        try:
            with pytest.raises(SubmitUncertain):
                await client.submit(content())
        finally:
            await client.aclose()
        assert mute.received > 0


async def test_service_records_a_submit_stopped_by_its_deadline_as_uncertain(sim, store):
    profile = make_profile(sim.url)
    profile.deadlines = Deadlines(submit=0.8)
    svc = Service(profile, store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
    # Every attempt drips: the service's settling resend cannot learn more.
    sim.inject(Fault("drip", operation="submit", seconds=0.1, times=5))
    try:
        result = await svc.submit(draft())
    finally:
        await svc.aclose()
    assert result.state == State.UNCERTAIN and "deadline_submit" in result.detail
    assert store.journal.get_submission(result.controlid).state == State.UNCERTAIN


# -------------------------------------------------------- nothing sent: failed


async def test_a_submit_through_a_silent_proxy_never_left(monkeypatch, sim):
    with Socks5Proxy(sim.port, mode="silent") as proxy:
        monkeypatch.setenv("ALL_PROXY", f"socks5://127.0.0.1:{proxy.port}")
        client = client_for(sim.url, deadlines=Deadlines(submit=0.8))
        try:
            with pytest.raises(TransportError) as exc:
                await client.submit(content("silent-1"))
        finally:
            await client.aclose()
    assert exc.value.nothing_sent and not isinstance(exc.value, SubmitUncertain)
    assert "nothing was sent" in str(exc.value)
    assert sim.task_by_controlid("silent-1") is None


async def test_service_records_a_submit_a_proxy_refused_as_failed(monkeypatch, sim, store):
    with Socks5Proxy(sim.port, mode="refuse") as proxy:
        monkeypatch.setenv("ALL_PROXY", f"socks5://127.0.0.1:{proxy.port}")
        svc = Service(make_profile(sim.url), store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
        try:
            result = await svc.submit(draft())
        finally:
            await svc.aclose()
        assert proxy.requested  # the proxy was asked, and refused
    assert result.state == State.FAILED
    assert store.journal.get_submission(result.controlid).state == State.FAILED
    assert sim.tasks == []


async def test_a_refused_connection_is_nothing_sent(unused_port):
    client = client_for(f"http://127.0.0.1:{unused_port}/bulksms/api")
    try:
        with pytest.raises(TransportError) as exc:
            await client.submit(content())
    finally:
        await client.aclose()
    assert exc.value.nothing_sent and not isinstance(exc.value, SubmitUncertain)


@pytest.fixture
def unused_port():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ------------------------------------------------------------ SOCKS5 proxies


async def test_socks5_proxy_reaches_the_simulator(monkeypatch, sim):
    with Socks5Proxy(sim.port) as proxy:
        monkeypatch.setenv("ALL_PROXY", f"socks5://127.0.0.1:{proxy.port}")
        client = client_for(sim.url)
        try:
            assert await client.units() == 10_000
            answer = await client.submit(content("socks-1"))
        finally:
            await client.aclose()
    assert answer.taskid == sim.task_by_controlid("socks-1").taskid
    assert proxy.requested[0] == ("127.0.0.1", sim.port)


async def test_allowed_clear_text_to_another_host_through_a_tunnel(monkeypatch, sim):
    # The proxy sends every host to the simulator: no traffic leaves loopback.
    with Socks5Proxy(sim.port) as proxy:
        monkeypatch.setenv("ALL_PROXY", f"socks5://127.0.0.1:{proxy.port}")
        with pytest.raises(ConfigError):
            client_for("http://atl.example/bulksms/api")
        client = client_for("http://atl.example/bulksms/api", allow_insecure_http=True)
        try:
            assert "unencrypted" in client.insecure_http_warning
            assert await client.units() == 10_000
        finally:
            await client.aclose()
    assert proxy.requested == [("atl.example", 80)]


# ------------------------------------------------- strict numbers end to end


@pytest.mark.parametrize("value", ["9" * 25, "\u0664\u0668", "-5", "1_000"])
async def test_hostile_units_are_protocol_errors(sim, value):
    sim.inject(Fault("oversized", operation="units", value=value, times=10))
    client = client_for(sim.url)
    try:
        with pytest.raises(ProtocolError, match="units"):
            await client.units()
    finally:
        await client.aclose()


async def test_an_oversized_task_id_is_never_journalled(service, sim, store):
    # The answer cannot be read, so the service resends under the same
    # controlid: ATL's 002 proves the first arrived, its task id unknown.
    sim.inject(Fault("oversized", operation="submit"))
    result = await service.submit(draft())
    assert result.state == State.ACCEPTED_WITHOUT_TASKID and result.taskid is None
    assert store.journal.get_submission(result.controlid).taskid is None
    assert [(r["fault"], r["code"]) for r in sim.requests[-2:]] == [("oversized", "000"), (None, "002")]


async def test_a_detailed_report_in_iso_8859_1_is_stored_with_its_text(service, sim, clock, store):
    result = await service.submit(draft("994501234567", "994507654321", message="Café olé"))
    clock.advance(3600)
    sim.inject(Fault("encoding", operation="detailedreport", encoding="ISO-8859-1"))
    fetch = await service.detailed_report(result.taskid)
    assert fetch.ready and fetch.rows == 2
    rows = [r for batch in service.iter_detail(result.taskid) for r in batch]
    assert [r.message for r in rows] == ["Café olé", "Café olé"]


async def test_unlisted_statuses_survive_to_the_journal(service, sim, clock):
    result = await service.submit(draft())
    clock.advance(3600)
    sim.inject(Fault("oversized", operation="detailedreport", value="7"))
    await service.detailed_report(result.taskid)
    rows = [r for batch in service.iter_detail(result.taskid) for r in batch]
    assert [(r.status_code, r.status) for r in rows] == [(7, "status 7")]


async def test_an_oversized_status_stores_nothing(service, sim, clock):
    result = await service.submit(draft())
    clock.advance(3600)
    sim.inject(Fault("oversized", operation="detailedreport", times=10))
    with pytest.raises(ProtocolError, match="status"):
        await service.detailed_report(result.taskid)
    assert [r for batch in service.iter_detail(result.taskid) for r in batch] == []


# ------------------------------------------------------------------ settings


def test_profile_flags_and_deadlines_round_trip_through_the_settings_file(monkeypatch, tmp_path):
    from atlsms_tui.core.settings import load_settings, resolve_profile

    path = tmp_path / "settings.json"
    s = Settings(profiles={"p": Profile("p", LOGIN, api_url="https://atl.example/api",
                                        allow_insecure_http=True, tls_legacy=True)}, current="p")
    s.preferences.deadline_submit = 120.0
    s.save(path)
    monkeypatch.setenv("ATLSMS_PASSWORD", SENTINEL)
    monkeypatch.setenv("ATLSMS_DEADLINE_DETAILED", "30")
    loaded = load_settings(path)
    p = loaded.profiles["p"]
    assert (p.allow_insecure_http, p.tls_legacy) == (True, True)
    resolved = resolve_profile(loaded)
    assert resolved.deadlines == Deadlines(read=60.0, submit=120.0, detailed=30.0)
    assert (resolved.allow_insecure_http, resolved.tls_legacy) == (True, True)
    loaded.save(path)  # the environment's override is not written back
    assert json.loads(path.read_text())["preferences"]["deadline_detailed"] == 600.0


def test_profile_flags_must_be_booleans(tmp_path):
    from atlsms_tui.core.settings import load_settings

    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"profiles": {"p": {"login": "x", "tls_legacy": "yes"}}}))
    with pytest.raises(ConfigError, match="tls_legacy must be true or false"):
        load_settings(path)


def test_unreadable_certificate_settings_are_a_local_error(monkeypatch, tmp_path):
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(LocalError, match="SSL_CERT_FILE"):
        client_for("https://click.atlsms.az/bulksms/api")


def test_a_socks_proxy_without_socks_support_is_a_local_error(monkeypatch, sim):
    import sys

    monkeypatch.setitem(sys.modules, "socksio", None)  # as if it were not installed
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    with pytest.raises(LocalError, match="ALL_PROXY.*socksio"):
        client_for(sim.url)


async def test_a_dripping_report_through_the_service_stops_at_its_deadline(sim, store, clock):
    profile = make_profile(sim.url)
    profile.deadlines = Deadlines(detailed=1.0)
    svc = Service(profile, store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
    try:
        result = await svc.submit(draft())
        clock.advance(3600)
        sim.inject(Fault("drip", operation="detailedreport", seconds=0.2, times=10))
        with pytest.raises(TransportError, match="deadline_detailed"):
            await svc.detailed_report(result.taskid)
        assert [r for batch in svc.iter_detail(result.taskid) for r in batch] == []
    finally:
        await svc.aclose()


async def test_an_endless_report_through_the_service_stores_nothing(sim, store, clock):
    profile = make_profile(sim.url)
    profile.deadlines = Deadlines(detailed=5.0)
    svc = Service(profile, store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
    try:
        result = await svc.submit(draft())
        clock.advance(3600)
        sim.inject(Fault("endless", operation="detailedreport", times=10))
        # more rows than the task was sent to: refused long before the deadline
        with pytest.raises(ProtocolError, match="more rows than"):
            await svc.detailed_report(result.taskid)
        assert [r for batch in svc.iter_detail(result.taskid) for r in batch] == []
    finally:
        await svc.aclose()
