"""State and protocol logic of the simulated ATL Bulk SMS server.

Written from the vendor document and the field notes, independently of the
client's request builder. The HTTP side lives in :mod:`.server`.
"""

from __future__ import annotations

import bisect
import math
import random
import re
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.baku import BAKU
from .parser import BadRequest, RequestParser
from .segments import count_segments

if TYPE_CHECKING:  # both import this module
    from .server import _Server
    from .store import Store

DEMO_LOGIN = "demo"
DEMO_PASSWORD = "demo-pass"
DEMO_TITLES = ("ATL", "DEMO", "INFO")
FIRST_TASKID = 4837
OPERATIONS = ("submit", "report", "detailedreport", "units")

QUEUED, DELIVERED, FAILED, REMOVED, ERROR = 1, 2, 3, 4, 5
STATUS_NAMES = {QUEUED: "pending", DELIVERED: "delivered", FAILED: "failed", REMOVED: "removed", ERROR: "error"}

_TITLE_RE = re.compile(r"[A-Za-z0-9 ._-]{1,11}")
_SCHEDULE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")

FAULT_KINDS = frozenset(
    {"delay", "stall", "http500", "html", "truncated", "drop", "code", "redirect", "entity", "huge",
     "drip", "encoding", "oversized", "endless"}
)

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(z: int) -> int:
    """splitmix64 finaliser."""
    z = (z + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _status_of(h: int) -> int:
    r = ((h & 0x7FF) * 1000) >> 11  # 0..999 from the low 11 bits
    if r < 850:
        return DELIVERED
    if r < 940:
        return FAILED
    if r < 990:
        return REMOVED
    return ERROR


def baku_text(epoch: float) -> str:
    return datetime.fromtimestamp(math.floor(epoch), BAKU).strftime("%Y-%m-%d %H:%M:%S")


def xml_escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


class FakeClock:
    """A settable clock for tests: ``clock()`` returns epoch seconds."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, epoch: float) -> None:
        with self._lock:
            self._now = float(epoch)


@dataclass
class Account:
    login: str
    password: str = field(repr=False)
    units: int = 50_000
    titles: set[str] = field(default_factory=lambda: set(DEMO_TITLES))


@dataclass
class Fault:
    """A misbehaviour for the next ``times`` requests of ``operation`` (any if None).

    The operation of a request is recognised from the first 64 KiB of its
    body, before the body is parsed.

    Kinds that process the request normally and then misbehave: ``delay``
    and ``stall`` (``seconds``), ``truncated``, ``drop``, ``drip`` (the whole
    answer, status line included, one byte every ``seconds``), ``encoding``
    (the answer declared and encoded in ``encoding``) and ``oversized``
    (every number in the answer's bodies, units, task id, counts, statuses,
    replaced by ``value``). Kinds that answer without processing: ``http500``,
    ``html``, ``code``, ``redirect``, ``entity``, ``huge`` and ``endless`` (a
    detailed report that never ends: rows until the client leaves).
    """

    kind: str
    operation: str | None = None
    times: int = 1
    seconds: float = 0.0
    code: str | None = None
    size: int = 20 * 1024 * 1024  # "huge": padding bytes
    location: str = "http://portal.example.invalid/login?continue=1"  # "redirect"
    encoding: str = "ISO-8859-1"  # "encoding"
    value: str = "9" * 25  # "oversized"

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(FAULT_KINDS)}")
        if self.times < 1:
            raise ValueError("times must be at least 1")


@dataclass(eq=False)
class Task:
    taskid: str
    login: str
    controlid: str | None
    title: str
    isbulk: bool
    bulkmessage: str | None
    scheduled: str
    start: float  # epoch: submit time for NOW, else the scheduled moment
    created: float
    ready_at: float  # start + report_delay
    window: float  # delivery_time
    fate_key: int
    recipients: int
    units_charged: int
    canceled: bool = False
    _msisdns: array | None = field(default=None, repr=False)
    _messages: list[str] | None = field(default=None, repr=False)
    _sorted_moments: dict[int, array] | None = field(default=None, repr=False)

    @property
    def segments_charged(self) -> int:
        return self.units_charged

    def fate(self, index: int) -> tuple[float, int]:
        """Final moment and final status of recipient ``index``."""
        h = _mix((self.fate_key + (index + 1) * _GOLDEN) & _MASK)
        return self.ready_at + ((h >> 11) * 2.0**-53) * self.window, _status_of(h)

    def iter_fates(self) -> Iterator[tuple[float, int]]:
        key, ready, window = self.fate_key, self.ready_at, self.window
        scale = 2.0**-53 * window
        for i in range(self.recipients):
            h = _mix((key + (i + 1) * _GOLDEN) & _MASK)
            yield ready + (h >> 11) * scale, _status_of(h)

    def status_at(self, index: int, now: float) -> tuple[int, float | None]:
        moment, final = self.fate(index)
        return (QUEUED, None) if now < moment else (final, moment)

    def counts_at(self, now: float) -> dict[int, int]:
        moments = self._sorted_moments
        if moments is None:
            per: dict[int, list[float]] = {DELIVERED: [], FAILED: [], REMOVED: [], ERROR: []}
            for moment, status in self.iter_fates():
                per[status].append(moment)
            moments = {s: array("d", sorted(v)) for s, v in per.items()}
            self._sorted_moments = moments
        counts = {s: bisect.bisect_right(m, now) for s, m in moments.items()}
        counts[QUEUED] = self.recipients - sum(counts.values())
        return counts


@dataclass
class Reply:
    """A response: code and the ``<body>`` elements after the head (text chunks)."""

    code: str
    bodies: Iterable[str] = ()
    taskid: str | None = None


class Simulator:
    """The simulated server. See the package docstring for the public API."""

    def __init__(
        self,
        accounts: Iterable[Account] | None = None,
        seed: int | None = 1,
        clock: Callable[[], float] | None = None,
        report_delay: float = 5.0,
        delivery_time: float = 20.0,
        state_path: str | Path | None = None,
        *,
        first_taskid: int = FIRST_TASKID,
        verbose: bool = False,
    ) -> None:
        if accounts is None:
            accounts = [Account(DEMO_LOGIN, DEMO_PASSWORD)]
        self._accounts: dict[str, Account] = {a.login: a for a in accounts}
        self.seed = random.SystemRandom().getrandbits(63) if seed is None else int(seed)
        self.clock: Callable[[], float] = clock or time.time
        self.report_delay = float(report_delay)
        self.delivery_time = float(delivery_time)
        self.verbose = verbose
        self._lock = threading.RLock()
        self._tasks: list[Task] = []
        self._by_id: dict[str, Task] = {}
        self._by_control: dict[tuple[str, str], Task] = {}
        self._next_taskid = first_taskid
        self._faults: list[list[Any]] = []  # [Fault, remaining]
        self.requests: list[dict[str, Any]] = []
        self._store: Store | None = None
        self._state_path = state_path
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url: str | None = None
        self.port: int | None = None
        if state_path is not None:
            self._load(state_path)

    # -- persistence ----------------------------------------------------
    def _load(self, path: str | Path) -> None:
        from .store import Store

        self._store = Store(path)
        saved = self._store.account_units()
        for login, acct in self._accounts.items():
            if login in saved:
                acct.units = saved[login]
            else:
                self._store.set_units(login, acct.units)
        for row in self._store.tasks():
            task = Task(
                taskid=str(row["taskid"]), login=row["login"], controlid=row["controlid"],
                title=row["title"], isbulk=bool(row["isbulk"]), bulkmessage=row["bulkmessage"],
                scheduled=row["scheduled"], start=row["start"], created=row["created"],
                ready_at=row["ready_at"], window=row["window"], fate_key=row["fate_key"],
                recipients=row["recipients"], units_charged=row["units_charged"],
                canceled=bool(row["canceled"]),
            )
            self._register(task)
            self._next_taskid = max(self._next_taskid, int(task.taskid) + 1)

    def _register(self, task: Task) -> None:
        self._tasks.append(task)
        self._by_id[task.taskid] = task
        if task.controlid:
            self._by_control[(task.login, task.controlid)] = task

    def _recipients(self, task: Task) -> tuple[array, list[str] | None]:
        if task._msisdns is None:
            if self._store is None:  # pragma: no cover - cannot happen
                return array("q"), None
            msisdns, messages = self._store.recipients(int(task.taskid), not task.isbulk)
            task._msisdns, task._messages = msisdns, messages
        return task._msisdns, task._messages

    # -- public inspection / control -------------------------------------
    def account(self, login: str) -> Account:
        return self._accounts[login]

    def add_account(self, account: Account) -> None:
        with self._lock:
            self._accounts[account.login] = account
            if self._store is not None:
                self._store.set_units(account.login, account.units)

    def set_units(self, login: str, units: int) -> None:
        with self._lock:
            self._accounts[login].units = units
            if self._store is not None:
                self._store.set_units(login, units)

    @property
    def tasks(self) -> list[Task]:
        with self._lock:
            return list(self._tasks)

    def task(self, taskid: str | int) -> Task | None:
        return self._by_id.get(str(taskid))

    def task_by_controlid(self, controlid: str, login: str | None = None) -> Task | None:
        with self._lock:
            if login is not None:
                return self._by_control.get((login, controlid))
            for task in self._tasks:
                if task.controlid == controlid:
                    return task
        return None

    def recipients_of(self, taskid: str | int) -> list[tuple[str, str]]:
        task = self._by_id[str(taskid)]
        msisdns, messages = self._recipients(task)
        if task.isbulk or messages is None:
            text = task.bulkmessage or ""
            return [(str(m), text) for m in msisdns]
        return [(str(m), t) for m, t in zip(msisdns, messages, strict=True)]

    def cancel_task(self, taskid: str | int) -> None:
        with self._lock:
            task = self._by_id[str(taskid)]
            task.canceled = True
            if self._store is not None:
                self._store.cancel(int(task.taskid))

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append([fault, fault.times])

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> list[Fault]:
        with self._lock:
            return [f for f, _ in self._faults]

    def _wants_sniff(self) -> bool:
        with self._lock:
            return any(f.operation is not None for f, _ in self._faults)

    def _take_fault(self, operation: str | None) -> Fault | None:
        with self._lock:
            for entry in self._faults:
                fault, remaining = entry
                if fault.operation is None or fault.operation == operation:
                    if remaining <= 1:
                        self._faults.remove(entry)
                    else:
                        entry[1] = remaining - 1
                    return fault
        return None

    def _log(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(entry)

    # -- protocol -------------------------------------------------------
    def new_log_entry(self) -> dict[str, Any]:
        return {
            "time": self.clock(), "operation": None, "login": None, "password_present": False,
            "title": None, "isbulk": None, "controlid": None, "scheduled": None,
            "bulkmessage": None, "taskid": None, "recipients": 0, "code": None,
            "http_status": None, "fault": None,
        }

    def handle(self, parsed: RequestParser | BadRequest, entry: dict[str, Any]) -> Reply:
        """Answer a parsed request (or a refused document) and fill ``entry``."""
        if isinstance(parsed, BadRequest):
            entry["error"] = str(parsed)
            return Reply("100")
        head = {k: v for k, v in parsed.head.items()}
        get = lambda k: head.get(k, "").strip()  # noqa: E731
        entry.update(
            operation=get("operation") or None, login=get("login") or None,
            password_present=bool(head.get("password")), title=head.get("title"),
            isbulk=head.get("isbulk"), controlid=head.get("controlid"),
            scheduled=head.get("scheduled"), bulkmessage=head.get("bulkmessage"),
            taskid=head.get("taskid"), recipients=parsed.bodies,
        )
        operation = get("operation")
        if not operation:
            return Reply("101")
        if operation not in OPERATIONS:
            return Reply("102")
        login, password = get("login"), head.get("password", "")
        if not login:
            return Reply("103")
        if not password.strip():
            return Reply("104")
        acct = self._accounts.get(login)
        if acct is None or password != acct.password:
            return Reply("105")
        if operation == "units":
            with self._lock:
                units = acct.units
            return Reply("000", [f"  <body>\n    <units>{units}</units>\n  </body>\n"])
        if operation == "submit":
            reply = self._submit(acct, head, parsed)
            if reply.taskid is not None:
                entry["taskid"] = reply.taskid
            return reply
        return self._report(acct, get("taskid"), detailed=operation == "detailedreport")

    def _validate_submit(self, acct: Account, head: dict[str, str], parsed: RequestParser):
        """Static checks 106..117 in the documented order; (code, details)."""
        get = lambda k: head.get(k, "").strip()  # noqa: E731
        title = get("title")
        if not title:
            return "106", None
        if not _TITLE_RE.fullmatch(title):
            return "107", None
        if title not in acct.titles:
            return "235", None
        scheduled = get("scheduled")
        if not scheduled:
            return "111", None
        now = self.clock()
        if scheduled == "NOW":
            start = now
        else:
            m = _SCHEDULE_RE.fullmatch(scheduled)
            if not m:
                return "112", None
            try:
                year, month, day, hour, minute, second = map(int, m.groups())
                when = datetime(year, month, day, hour, minute, second, tzinfo=BAKU)
            except ValueError:
                return "112", None
            start = when.timestamp()
            if start < math.floor(now):
                return "113", None
        isbulk = get("isbulk")
        if not isbulk:
            return "114", None
        if isbulk not in ("true", "false"):
            return "115", None
        bulk = isbulk == "true"
        bulkmessage = head.get("bulkmessage")
        if bulk and (bulkmessage is None or not bulkmessage.strip() or "\x00" in bulkmessage):
            return "116", None
        if parsed.bodies == 0 or parsed.body_error is not None:
            return "117", None
        if not bulk and (parsed.unusable_messages or len(parsed.messages) != len(parsed.msisdns)):
            return "117", None
        n = len(parsed.msisdns)
        if bulk and bulkmessage is not None:  # refused above when bulk without one
            charge = count_segments(bulkmessage) * n
            messages = None
        else:
            messages = parsed.messages
            charge = sum(map(count_segments, messages))
        return None, (title, scheduled, start, now, bulk, bulkmessage if bulk else None, messages, charge)

    def _submit(self, acct: Account, head: dict[str, str], parsed: RequestParser) -> Reply:
        controlid = head.get("controlid", "").strip() or None
        with self._lock:
            if controlid and (acct.login, controlid) in self._by_control:
                return Reply("002")
        code, details = self._validate_submit(acct, head, parsed)
        if code is not None:
            return Reply(code)
        title, scheduled, start, now, bulk, bulkmessage, messages, charge = details
        with self._lock:
            if controlid and (acct.login, controlid) in self._by_control:
                return Reply("002")
            if charge > acct.units:
                return Reply("118")
            acct.units -= charge
            taskid = str(self._next_taskid)
            self._next_taskid += 1
            task = Task(
                taskid=taskid, login=acct.login, controlid=controlid, title=title,
                isbulk=bulk, bulkmessage=bulkmessage, scheduled=scheduled, start=start,
                created=now, ready_at=start + self.report_delay, window=self.delivery_time,
                fate_key=_mix((self.seed * 1_000_003 + int(taskid)) & _MASK) >> 1,
                recipients=len(parsed.msisdns), units_charged=charge,
                _msisdns=parsed.msisdns, _messages=messages,
            )
            self._register(task)
        store = self._store
        if store is not None:
            # Written outside the state lock (a 1M-recipient task takes a while);
            # the balance is read inside the store's own lock, so it is never stale.
            row = {k: getattr(task, k) for k in (
                "login", "controlid", "title", "bulkmessage", "scheduled", "start",
                "created", "ready_at", "window", "fate_key", "recipients", "units_charged")}
            row.update(taskid=int(taskid), isbulk=int(bulk), canceled=0)
            store.add_task(row, parsed.msisdns, messages, lambda: acct.units)
        return Reply("000", [f"  <body>\n    <taskid>{taskid}</taskid>\n  </body>\n"], taskid=taskid)

    def _report(self, acct: Account, taskid: str, detailed: bool) -> Reply:
        if not taskid:
            return Reply("108")
        task = self._by_id.get(taskid) if taskid.isascii() and taskid.isdigit() else None
        if task is None or task.login != acct.login:
            return Reply("109")
        if task.canceled:
            return Reply("110")
        now = self.clock()
        if now < task.ready_at:
            return Reply("001")
        if not detailed:
            c = task.counts_at(now)
            body = "".join(
                f"    <{STATUS_NAMES[s]}>{c[s]}</{STATUS_NAMES[s]}>\n"
                for s in (QUEUED, DELIVERED, FAILED, REMOVED, ERROR)
            )
            return Reply("000", [f"  <body>\n{body}  </body>\n"])
        return Reply("000", self._detailed_bodies(task, now))

    def _detailed_bodies(self, task: Task, now: float) -> Iterator[str]:
        msisdns, messages = self._recipients(task)
        bulk_text = xml_escape(task.bulkmessage or "")
        dates: dict[int, str] = {}
        for i, (moment, final) in enumerate(task.iter_fates()):
            if now < moment:
                status, date = QUEUED, ""
            else:
                status = final
                sec = math.floor(moment)
                if sec not in dates:
                    dates[sec] = baku_text(sec)
                date = dates[sec]
            text = bulk_text if messages is None else xml_escape(messages[i])
            yield (
                f"  <body>\n    <msisdn>{msisdns[i]}</msisdn>\n    <message>{text}</message>\n"
                f"    <status>{status}</status>\n    <date>{date}</date>\n  </body>\n"
            )

    # -- serving --------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        from .server import make_server

        if self._server is not None:
            raise RuntimeError("simulator already started")
        if self._state_path is not None and self._store is None:
            from .store import Store

            self._store = Store(self._state_path)
        server = make_server(self, host, port)
        self._server = server
        self.port = server.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}/bulksms/api"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"atlsms-simulator:{self.port}", daemon=True,
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Simulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
