"""Statistics reports of the Performance API, done whole: `plan` splits a request at Ozon's limits
(at most 10 campaigns and 62 days per report), `report_flow` makes one report (submit
`POST /api/client/statistics`, poll `GET /api/client/statistics/{UUID}` with backoff, download
`GET /api/client/statistics/report`) as a flow without I/O that both clients drive, and the
clients' `report()` runs the parts one after another, merging their rows.

Ozon prepares one report per account at a time (a second one is refused with 429): a client holds
its account's report slot from the submission to the download. `SLOTS` are the slots of this
process (a lock per account); issue 18's limits shared by several processes plug in here, with
`set_report_slots` (an object with `hold(account)` and `ahold(account)`, context managers).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, NamedTuple, Protocol

from oint.apis.performance import spec
from oint.apis.performance.files import rows as file_rows
from oint.core.errors import OzonError, UsageError
from oint.core.flow import Flow, Wait, request
from oint.core.retry import time_scale

__all__ = [
    "POLLING",
    "SLOTS",
    "Part",
    "ProcessSlots",
    "ReportFailed",
    "ReportSlots",
    "Waiting",
    "plan",
    "report_flow",
    "set_report_slots",
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
    return file_rows(content, totals=False)


class ReportSlots(Protocol):
    """Who may have a report in preparation: one per account at a time."""

    def hold(self, account: str) -> Any: ...  # a context manager

    def ahold(self, account: str) -> Any: ...  # an async context manager


class ProcessSlots:
    """The report slots of this process: a lock per account (threads), and per account and event
    loop (tasks)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._async_locks: dict[tuple[int, str], asyncio.Lock] = {}

    @contextmanager
    def hold(self, account: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(account, threading.Lock())
        with lock:
            yield

    @asynccontextmanager
    async def ahold(self, account: str) -> AsyncIterator[None]:
        key = (id(asyncio.get_running_loop()), account)
        with self._guard:
            lock = self._async_locks.setdefault(key, asyncio.Lock())
        async with lock:
            yield


SLOTS: list[ReportSlots] = [ProcessSlots()]


def set_report_slots(slots: ReportSlots) -> None:
    """Use `slots` for every report from now on (limits shared across processes)."""
    SLOTS[0] = slots
