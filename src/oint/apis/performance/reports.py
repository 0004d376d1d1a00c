"""Statistics reports of the Performance API, done whole: `plan` splits a request at Ozon's limits
(at most 10 campaigns and 62 days per report), `report_flow` makes one report (submit
`POST /api/client/statistics`, poll `GET /api/client/statistics/{UUID}` with backoff, download
`GET /api/client/statistics/report`) as a flow without I/O that both clients drive, and the
clients' `report()` runs the parts one after another, merging their rows.

Ozon prepares one report per account at a time (a second one is refused with 429): a client holds
its account's report slot from the submission to the download, and waits for it meanwhile (its
`progress` says so). Where the slots are (`report_slots`):
- a client with a shared store of limits (`limits=`, the profile's `limits`, `OINT_LIMITS`:
  `oint.core.limits`) holds a lease in that store (`StoreSlots`; `oint.core.limits.lease`),
  named by the account's client id (never its secret), renewed while held, released at the end,
  lost `SLOT_LEASE` Ozon seconds after its holder died: processes on one machine (SQLite) or on
  several (Redis) never have two reports of one account in preparation;
- without one, the process's slots (`ProcessSlots`, `PROCESS_SLOTS`): a lock per account and
  server that threads, tasks and event loops of the process share;
- `set_report_slots(slots)` puts other slots (`hold(account, on_wait)` and `ahold(...)`, context
  managers) in place of both.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from oint.apis.performance import spec
from oint.apis.performance.files import rows as file_rows
from oint.core.errors import OzonError, UsageError
from oint.core.flow import Flow, Wait, request
from oint.core.retry import time_scale

if TYPE_CHECKING:
    from oint.core.limits import LimitStore, LimitsUnavailableError
    from oint.core.limits.lease import Lease

__all__ = [
    "POLLING",
    "PROCESS_SLOTS",
    "SLOTS",
    "SLOT_LEASE",
    "Part",
    "ProcessSlots",
    "ReportFailed",
    "ReportSlots",
    "StoreSlots",
    "Waiting",
    "plan",
    "report_flow",
    "report_slots",
    "set_report_slots",
    "slot_name",
]

Progress = Callable[[int, int, str], None]  # (reports done, reports in all, state of the current one)


class ReportFailed(OzonError):
    """Ozon could not make a report (its state ERROR), or it was not ready in time."""


class Part(NamedTuple):
    """One report of a split request: at most `max_campaigns` campaigns and `max_days` days."""

    campaigns: tuple[str, ...]
    date_from: dt.date
    date_to: dt.date


class Waiting(NamedTuple):
    """How a report is polled: the first wait, its growth, its cap, and how long to wait in all
    (Ozon seconds: divided by `OINT_TIME_SCALE`)."""

    first: float = 2.0
    factor: float = 1.5
    most: float = 30.0
    give_up: float = 3600.0


POLLING = Waiting()  # the default


def as_date(value: dt.date | str, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise UsageError(f"{name}: expected a date YYYY-MM-DD, got {value!r}") from None


def plan(campaigns: Iterable[str | int], date_from: dt.date | str, date_to: dt.date | str) -> list[Part]:
    """The reports that cover `campaigns` over the days from `date_from` to `date_to` (both
    included) within Ozon's limits: periods in order, each for every group of campaigns."""
    rules = spec.report_rules()
    ids = list(dict.fromkeys(str(c).strip() for c in campaigns))
    if not ids or any(not c for c in ids):
        raise UsageError("campaigns: give at least one campaign id")
    start, end = as_date(date_from, "date_from"), as_date(date_to, "date_to")
    if end < start:
        raise UsageError(f"the period ends ({end}) before it starts ({start})")
    groups = [tuple(ids[i : i + rules.max_campaigns]) for i in range(0, len(ids), rules.max_campaigns)]
    parts: list[Part] = []
    first = start
    while first <= end:
        last = min(first + dt.timedelta(days=rules.max_days - 1), end)
        parts.extend(Part(group, first, last) for group in groups)
        first = last + dt.timedelta(days=1)
    return parts


def report_flow(
    part: Part,
    *,
    group_by: str | None = None,
    waiting: Waiting = POLLING,
    on_state: Callable[[str], None] | None = None,
) -> Flow:
    """One report, submitted, polled and downloaded; returns its data rows (totals lines left out:
    the rows of several reports are merged)."""
    body: dict[str, Any] = {
        "campaigns": list(part.campaigns),
        "dateFrom": part.date_from.isoformat(),
        "dateTo": part.date_to.isoformat(),
    }
    if group_by:
        body["groupBy"] = group_by
    layer = spec.LAYER
    submitted = yield request(layer, "submit_statistics", body)
    uuid = submitted.get("UUID") if isinstance(submitted, dict) else None
    if not uuid:
        raise ReportFailed(f"{spec.operation('submit_statistics')} answered no report UUID")
    scale = time_scale()
    delay, waited = waiting.first, 0.0
    while True:
        answer = yield request(layer, "report_state", None, {"UUID": uuid})
        state = str(answer.get("state") or "") if isinstance(answer, dict) else ""
        if on_state is not None:
            on_state(state)
        if state == "OK":
            break
        if state == "ERROR":
            raise ReportFailed(
                f"report {uuid}: Ozon could not make it ({answer.get('error') or 'no reason'})"
            )
        if waited >= waiting.give_up:
            raise ReportFailed(f"report {uuid}: not ready after {waiting.give_up:.0f} s (state {state!r})")
        yield Wait(delay / scale)
        waited += delay
        delay = min(delay * waiting.factor, waiting.most)
    content = yield request(layer, "download_report", {"UUID": uuid})
    if not isinstance(content, bytes):
        raise ReportFailed(f"report {uuid}: the download is not a file")
    try:
        return file_rows(content, totals=False)
    except ValueError as e:
        raise ReportFailed(f"report {uuid}: {e}") from None


class ReportSlots(Protocol):
    """Who may have a report in preparation: one per account at a time. `on_wait(seconds)` hears
    how long the holder has waited so far while another report of the account is in preparation."""

    def hold(self, account: str, on_wait: Waited | None = None) -> Any: ...  # a context manager

    def ahold(self, account: str, on_wait: Waited | None = None) -> Any: ...  # an async one


Waited = Callable[[float], None]
PROCESS_POLL = 0.25  # seconds between two looks at a slot another thread or task of the process holds


class ProcessSlots:
    """The report slots of this process: a lock per account, which threads wait for and tasks
    poll, so that threads, tasks and event loops of one process take turns."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def _lock(self, account: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(account, threading.Lock())

    @contextmanager
    def hold(self, account: str, on_wait: Waited | None = None) -> Iterator[None]:
        lock, start = self._lock(account), time.monotonic()
        while not lock.acquire(timeout=PROCESS_POLL if on_wait is not None else -1):
            if on_wait is not None:
                on_wait(time.monotonic() - start)
        try:
            yield
        finally:
            lock.release()

    @asynccontextmanager
    async def ahold(self, account: str, on_wait: Waited | None = None) -> AsyncIterator[None]:
        lock, start, delay = self._lock(account), time.monotonic(), 0.005
        while not lock.acquire(blocking=False):  # polled: nothing bound to one event loop
            if on_wait is not None:
                on_wait(time.monotonic() - start)
            await asyncio.sleep(delay)
            delay = min(delay * 2, PROCESS_POLL)
        try:
            yield
        finally:
            lock.release()


SLOT_LEASE = 30.0  # Ozon seconds (divided by OINT_TIME_SCALE) a dead holder keeps a shared slot
SHORTEST_LEASE = 1.0  # real seconds: however fast Ozon's time runs, renewals every third of it


def slot_name(client_id: str) -> str:
    """The name of an account's report slot in a shared store: its client id, never its secret."""
    return f"oint:slot:performance-report:{client_id}"


class StoreSlots:
    """The report slots of a shared store of limits (`oint.core.limits`, SQLite or Redis): a lease
    per account (`oint.core.limits.lease`), renewed while the report is in preparation, so that
    processes on one machine (SQLite) or several (Redis) take turns; a holder killed loses it
    after `seconds`. Threads and tasks of one process first take turns on the process's slot.
    A store that falls back to in-process windows (`?fallback=local`) keeps the process's slot
    while it cannot be reached."""

    def __init__(self, store: LimitStore, seconds: float | None = None, process: ProcessSlots | None = None):
        self.store = store
        self.seconds = seconds
        self.process = process or PROCESS_SLOTS

    def __repr__(self) -> str:
        return f"StoreSlots({self.store!r})"

    def _lease(self, account: str) -> Lease:
        seconds = self.seconds if self.seconds is not None else max(SLOT_LEASE / time_scale(), SHORTEST_LEASE)
        return self.store.lease_for(slot_name(account), seconds)

    def _unreachable(self, error: LimitsUnavailableError) -> None:
        from oint.core.limits import FallbackStore, LimitsFallbackWarning

        if not isinstance(self.store, FallbackStore):
            raise error
        warnings.warn(
            f"{error}; reports of this process take turns among themselves only until it is back",
            LimitsFallbackWarning,
            stacklevel=4,
        )

    @contextmanager
    def hold(self, account: str, on_wait: Waited | None = None) -> Iterator[None]:
        from oint.core.limits import LimitsUnavailableError
        from oint.core.limits.lease import hold as hold_lease

        with ExitStack() as held:
            held.enter_context(self.process.hold(account, on_wait))
            try:
                held.enter_context(hold_lease(self._lease(account), on_wait))
            except LimitsUnavailableError as e:
                self._unreachable(e)
            yield

    @asynccontextmanager
    async def ahold(self, account: str, on_wait: Waited | None = None) -> AsyncIterator[None]:
        from oint.core.limits import LimitsUnavailableError
        from oint.core.limits.lease import ahold as ahold_lease

        async with AsyncExitStack() as held:
            await held.enter_async_context(self.process.ahold(account, on_wait))
            try:
                await held.enter_async_context(ahold_lease(self._lease(account), on_wait))
            except LimitsUnavailableError as e:
                self._unreachable(e)
            yield


PROCESS_SLOTS = ProcessSlots()
SLOTS: list[ReportSlots] = [PROCESS_SLOTS]
_STORE_SLOTS: dict[int, StoreSlots] = {}


def set_report_slots(slots: ReportSlots) -> None:
    """Use `slots` for every report from now on, whatever the clients' stores of limits."""
    SLOTS[0] = slots


def report_slots(store: LimitStore | None, client_id: str, base_url: str) -> tuple[ReportSlots, str]:
    """The slots a client's reports take turns on, and the account's name there: those set by
    `set_report_slots`, else its shared store's (by client id), else the process's (by client id
    and server)."""
    if SLOTS[0] is not PROCESS_SLOTS:
        return SLOTS[0], f"{base_url} {client_id}"
    if store is None:
        return PROCESS_SLOTS, f"{base_url} {client_id}"
    slots = _STORE_SLOTS.get(id(store))
    if slots is None or slots.store is not store:
        slots = _STORE_SLOTS[id(store)] = StoreSlots(store)
    return slots, client_id
