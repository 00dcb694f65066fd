"""The simulated server's state: accounts, tasks, armed faults, the request
log, and the dispatch of a parsed request to its answer.

The HTTP side lives in :mod:`.handler`; the checks of a submit in
:mod:`.submit`; the outcomes of a task in :mod:`.tasks`.
"""

from __future__ import annotations

import random
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .accounts import DEMO_LOGIN, DEMO_PASSWORD, Account
from .faults import Fault, FaultQueue
from .parser import BadRequest, RequestParser
from .reports import detailed_bodies, summary_reply
from .submit import validate_submit
from .tasks import Task, fate_key
from .wire import Reply

if TYPE_CHECKING:  # both import this module
    from .server import Server
    from .store import Store

FIRST_TASKID = 4837
OPERATIONS = ("submit", "report", "detailedreport", "units")


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
        self.faults = FaultQueue()
        self.requests: list[dict[str, Any]] = []
        self._store: Store | None = None
        self._state_path = state_path
        self._server: Server | None = None
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
        self.faults.add(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    @property
    def pending_faults(self) -> list[Fault]:
        return self.faults.pending

    def record(self, entry: dict[str, Any]) -> None:
        """Add a request to ``requests``, the log tests read."""
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

    def _submit(self, acct: Account, head: dict[str, str], parsed: RequestParser) -> Reply:
        controlid = head.get("controlid", "").strip() or None
        with self._lock:
            if controlid and (acct.login, controlid) in self._by_control:
                return Reply("002")
        accepted = validate_submit(acct, head, parsed, self.clock)
        if isinstance(accepted, str):
            return Reply(accepted)
        title, scheduled, start, now, bulk, bulkmessage, messages, charge = accepted
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
                fate_key=fate_key(self.seed, int(taskid)),
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
            return summary_reply(task, now)
        return Reply("000", self._detailed_bodies(task, now))

    def _detailed_bodies(self, task: Task, now: float) -> Iterator[str]:
        # A generator, so a stored task's recipients load as the answer is
        # written rather than while the request is dispatched.
        msisdns, messages = self._recipients(task)
        yield from detailed_bodies(task, now, msisdns, messages)

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
