"""Alerts: a campaign run settled, the balance fell under its threshold.

The core raises an :class:`Alert` at the two places these happen (the end of
a campaign run or of a one-task send, and a fresh balance), and the
session's :class:`Notifier` hands it to whoever listens (the TUI shows a
notification) and runs the operator's ``notify_command``.

The command runs without a shell, from an argument list, with standard input
closed, its output discarded (it must never land in a log next to a secret)
and a time limit, in a thread of its own: a slow or broken command never
holds up a send. Its environment is the process's own without any
``ATLSMS_*`` variable (``ATLSMS_PASSWORD`` may be one of them), plus the
event's ``ATLSMS_*`` variables. A command that cannot run, fails or hangs is
reported once per session, as a warning; the alerts go on."""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .outcomes import CampaignResult
from .printable import printable

__all__ = [
    "CAMPAIGN_FAILED", "CAMPAIGN_FINISHED", "CAMPAIGN_UNCERTAIN", "COMMAND_TIMEOUT", "EVENTS", "LOW_BALANCE",
    "Alert", "Notifier", "balance_alert", "campaign_alert",
]

CAMPAIGN_FINISHED = "campaign_finished"
CAMPAIGN_FAILED = "campaign_failed"
CAMPAIGN_UNCERTAIN = "campaign_uncertain"
LOW_BALANCE = "low_balance"
EVENTS = (CAMPAIGN_FINISHED, CAMPAIGN_FAILED, CAMPAIGN_UNCERTAIN, LOW_BALANCE)

# Seconds the command may run before it is killed (a hung notifier must not
# keep a cron job or the TUI's exit waiting for long).
COMMAND_TIMEOUT = 15.0

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Alert:
    event: str  # one of EVENTS
    profile: str = ""
    campaign: str = ""  # the campaign id; a one-task send: its controlid
    title: str = ""  # the sender title of the campaign
    state: str = ""  # the outcome word (accepted, failed, uncertain, incomplete...)
    taskid: str = ""  # a one-task send's task id
    recipients: int = 0
    accepted: int = 0
    uncertain: int = 0
    not_sent: int = 0
    units: int | None = None  # low_balance: the balance
    threshold: int | None = None  # low_balance: the threshold it fell under

    @property
    def headline(self) -> str:
        if self.event == LOW_BALANCE:
            return "Low balance"
        what = {CAMPAIGN_FINISHED: "sent", CAMPAIGN_FAILED: "not sent",
                CAMPAIGN_UNCERTAIN: "outcome uncertain"}.get(self.event, self.event)
        return f"Campaign {what}"

    @property
    def text(self) -> str:
        """One line for a person (notification, desktop)."""
        if self.event == LOW_BALANCE:
            return f"{self.profile}: {self.units:,} units left (under {self.threshold:,})"
        name = f"{self.campaign} ({self.title})" if self.title else self.campaign
        parts = [f"{self.accepted:,} of {self.recipients:,} accepted"]
        if self.uncertain:
            parts.append(f"{self.uncertain:,} uncertain")
        if self.not_sent:
            parts.append(f"{self.not_sent:,} not sent")
        return f"{name}: {self.state}, " + ", ".join(parts)

    def environment(self) -> dict[str, str]:
        """The event's variables for the command, escaped (a title may hold
        anything, and no variable may hold a NUL)."""
        env = {"ATLSMS_EVENT": self.event, "ATLSMS_PROFILE": self.profile, "ATLSMS_TEXT": self.text}
        if self.event == LOW_BALANCE:
            env |= {"ATLSMS_UNITS": str(self.units), "ATLSMS_THRESHOLD": str(self.threshold)}
        else:
            env |= {
                "ATLSMS_CAMPAIGN": self.campaign, "ATLSMS_TITLE": self.title, "ATLSMS_STATE": self.state,
                "ATLSMS_TASKID": self.taskid, "ATLSMS_RECIPIENTS": str(self.recipients),
                "ATLSMS_ACCEPTED": str(self.accepted), "ATLSMS_UNCERTAIN": str(self.uncertain),
                "ATLSMS_NOT_SENT": str(self.not_sent),
            }
        return {k: printable(v) for k, v in env.items()}


def campaign_alert(result: CampaignResult, title: str, profile: str) -> Alert | None:
    """What a settled run is worth telling: finished (all accepted), failed
    (nothing or only part accepted, the rest refused or not sent), uncertain
    (some outcome unknown). Nothing for a run the operator stopped, one
    paused by quiet hours, one held for approval, or one with no part."""
    state = result.state
    # ATL took it; a resend it already had answers without the task id
    if state in ("accepted", "accepted_without_taskid"):
        event = CAMPAIGN_FINISHED
    elif state == "uncertain":
        event = CAMPAIGN_UNCERTAIN
    elif state in ("rejected", "failed") or (
            state == "incomplete" and not result.interrupted and result.paused_until is None):
        event = CAMPAIGN_FAILED
    else:
        return None
    totals = result.totals()
    first = result.results[0]
    return Alert(
        event, profile=profile, campaign=result.campaign or first.controlid, title=title, state=state,
        taskid=(first.taskid or "") if result.single else "", recipients=totals["recipients"],
        accepted=totals["accepted"], uncertain=totals["uncertain"], not_sent=totals["not_sent"],
    )


def balance_alert(previous: int | None, units: int, threshold: int, profile: str) -> Alert | None:
    """An alert when the balance is under ``threshold`` and was not before
    (or was never known): a poll that finds it still low says nothing."""
    if units >= threshold or (previous is not None and previous < threshold):
        return None
    return Alert(LOW_BALANCE, profile=profile, units=units, threshold=threshold)


Listener = Callable[[Alert], None]
WarningListener = Callable[[str], None]


class Notifier:
    """One session's alerts: its listeners and its command."""

    def __init__(self, command: Callable[[], Sequence[str]] = lambda: (), *,
                 timeout: float = COMMAND_TIMEOUT) -> None:
        """``command``: the argument list to run, read at each alert (the
        setting may change while the session is open)."""
        self._command = command
        self.timeout = timeout
        self._listeners: list[Listener] = []
        self._warning_listeners: list[WarningListener] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._warned = False

    def listen(self, fn: Listener) -> Callable[[], None]:
        """Call ``fn`` with every alert, in the thread that raised it;
        returns what stops it."""
        self._listeners.append(fn)
        return lambda: self._listeners.remove(fn) if fn in self._listeners else None

    def on_warning(self, fn: WarningListener) -> Callable[[], None]:
        """Call ``fn`` with the one warning about a broken command (without
        a listener it goes to the log)."""
        self._warning_listeners.append(fn)
        return lambda: self._warning_listeners.remove(fn) if fn in self._warning_listeners else None

    def campaign_settled(self, result: CampaignResult, title: str, profile: str) -> None:
        alert = campaign_alert(result, title, profile)
        if alert is not None:
            self.fire(alert)

    def balance_seen(self, previous: int | None, units: int, threshold: int, profile: str) -> None:
        alert = balance_alert(previous, units, threshold, profile)
        if alert is not None:
            self.fire(alert)

    def fire(self, alert: Alert) -> None:
        for fn in list(self._listeners):
            try:
                fn(alert)
            except Exception as exc:  # a face's display problem never breaks a send
                _log.warning("alert listener failed: %r", exc)
        argv = list(self._command())
        if not argv:
            return
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATLSMS_")} | alert.environment()
        thread = threading.Thread(target=self._run, args=(argv, env), name=f"notify-{alert.event}")
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _run(self, argv: list[str], env: dict[str, str]) -> None:
        problem = ""
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, env=env, timeout=self.timeout, check=False,
                                  close_fds=True, start_new_session=True)
            if done.returncode:
                problem = f"exited with status {done.returncode}"
        except subprocess.TimeoutExpired:
            problem = f"still running after {self.timeout:g} s: stopped"
        except (OSError, ValueError) as exc:
            problem = getattr(exc, "strerror", None) or str(exc)
        if problem:
            self._warn(f"notify_command {printable(argv[0])}: {printable(problem)}; "
                       "alerts go on without it (this is said once)")

    def _warn(self, text: str) -> None:
        with self._lock:
            if self._warned:
                return
            self._warned = True
        listeners = list(self._warning_listeners)
        if not listeners:
            _log.warning("%s", text)
        for fn in listeners:
            try:
                fn(text)
            except Exception as exc:
                _log.warning("alert warning listener failed: %r", exc)

    def drain(self, timeout: float | None = None) -> None:
        """Wait for the running commands (at most ``timeout`` seconds each)."""
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(timeout)
