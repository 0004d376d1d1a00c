"""The bulk engine: pure steps over plain state (the journal and the limiters).

    action = engine.next(now)        # Send | Wait | Stop | DONE
    engine.answered(send, raw, now)  # Ozon's answer (RawResponse) or the error of the attempt

`next` picks the next request: a due poll of an Ozon task, else a batch of pending items
as large as the operation allows, whose per-item limits allow them now, once every
window of the account (Ozon's 50/s and the method's own) has a free slot. It never
sleeps: when nothing can go, it says until when to wait (`Wait(until)`, or `Wait(None)`:
until an answer comes). `answered` reads Ozon's per-item outcomes (`oint.jobs.results`)
and decides: confirmed, failed with Ozon's error, sent again later (`TOO_MANY_REQUESTS`,
`Item-Retry-After`, 429, 5xx, no answer), or followed in an Ozon task. A batch refused as
a whole with 400 is split in halves until the bad items are alone. Credentials refused,
an operation switched off, or too many failures in a row stop the job (`Stop`): it
resumes later from its journal.

The drivers (`_drive` and `_adrive` in `oint.jobs.jobs`) loop over these steps, sync or
async; a task queue could as well: the engine holds no socket, no thread and no event loop.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from oint.apis.seller.spec import Operation, global_rate_limits
from oint.core.errors import APIStatusError, OzonError, RateLimitError, error_for_status, parse_retry_after
from oint.core.retry import RateLimiter, acquire_all, free_in, prime_all, release_all, time_scale
from oint.core.transport.base import RawResponse
from oint.jobs.journal import PARKED, Change, Journal, Row
from oint.jobs.limits import ItemLimiter, item_limits
from oint.jobs.results import Outcome, Reader, read_answer, read_task, reader

DEFAULT_BATCH = 100  # items per request where Ozon documents no maximum
POLL_FIRST, POLL_GROWTH, POLL_MAX = 1.0, 1.5, 30.0  # Ozon seconds between polls of a task
BACKOFF_BASE, BACKOFF_MAX = 0.5, 30.0  # real seconds after 5xx / no answer, doubling
GIVE_UP_AFTER = 8  # failures in a row (5xx, no answer) before the job stops, resumable
MAX_ATTEMPTS = 10  # sends of one item refused "for now" before it is reported failed


class Send(NamedTuple):
    """Send this request now; give its answer to `answered`."""

    number: int
    method: str
    path: str
    body: Any
    rows: tuple[Row, ...] = ()  # the items carried
    task: int | None = None  # the task polled (a poll carries no items)
    attempt: int = 0  # polls of that task so far
    at: float = 0.0  # when it was chosen (its items' per-item limit counts from then)


class Wait(NamedTuple):
    """Nothing can go now: ask again at `until` (wall-clock seconds), or when an answer comes."""

    until: float | None


class Stop(NamedTuple):
    """The job cannot go on now (it resumes later from its journal)."""

    reason: str


class Done(NamedTuple):
    pass


class Waiting(NamedTuple):
    """Why nothing is sent now (`Engine.waiting`): "Ozon's stocks limit (80 requests a minute)",
    until `until` (wall-clock seconds). What a progress line shows instead of looking frozen."""

    reason: str
    until: float


DONE = Done()
Action = Send | Wait | Stop | Done
Limits = Callable[[str], Sequence[RateLimiter]]


def _error_doc(error: OzonError) -> dict[str, Any]:
    if isinstance(error, APIStatusError):
        return {"status": error.status, **error.to_dict()}
    return {"code": type(error).__name__, "message": str(error)}


class Engine:
    """Runs one job's journal through Ozon's limits. Not thread-safe: one driver owns it."""

    def __init__(
        self,
        journal: Journal,
        op: Operation,
        *,
        limits: Limits,
        item_limiter: ItemLimiter | None = None,
        max_in_flight: int = 1,
        batch_size: int | None = None,
        extra: dict[str, Any] | None = None,
        scale: float | None = None,
        give_up_after: int = GIVE_UP_AFTER,
        max_attempts: int = MAX_ATTEMPTS,
        rng: random.Random | None = None,
    ) -> None:
        self.journal = journal
        self.op = op
        self.reader: Reader = reader(op.path)
        self.limits = limits
        self.item_limiter = item_limiter
        self.max_in_flight = max(1, max_in_flight)
        most = op.batch.max if op.batch is not None and op.batch.max else DEFAULT_BATCH
        self.batch_size = 1 if op.batch is None else max(1, min(batch_size or most, most))
        self.extra = dict(extra or {})
        self.scale = scale or time_scale()
        self.give_up_after = give_up_after
        self.max_attempts = max_attempts
        self.rng = rng or random.Random()
        self.in_flight = 0
        self.failures = 0  # in a row
        self.paused_until = 0.0
        self.pause_reason = ""
        self.stopped: str | None = None
        self.waiting: Waiting | None = None  # set by `next` when it answers Wait for a reason
        self._open: dict[int, str] = {}  # requests holding a slot of the account's limiters
        windows = item_limits(op)
        self._item_window = max((s for _, s in windows), default=0.0) / self.scale

    # ------------------------------------------------------------------ choosing
    def next(self, now: float) -> Action:
        self.waiting = None
        if self.stopped is not None:
            return Stop(self.stopped) if self.in_flight == 0 else Wait(None)
        if self.in_flight >= self.max_in_flight:
            return Wait(None)
        if now < self.paused_until:
            self.waiting = Waiting(self.pause_reason, self.paused_until)
            return Wait(self.paused_until)
        if self.reader.task_op is not None:
            due = self.journal.due_task(now)
            if due is not None:
                return self._poll(due[0], due[1], now)
        for _ in range(100):  # each round parks the items an item limit holds back
            if not self.journal.has_ready(now):
                return self._idle(now)
            lims = self.limits(self.op.path)
            wait = free_in(lims)
            if wait > 0:
                return self._wait_for(lims, now + wait)
            chosen, held = self._choose(now)
            if chosen:
                wait = acquire_all(lims)
                self.journal.delay(held)
                if wait > 0:
                    return self._wait_for(lims, now + wait)
                return self._send(chosen, now)
            self.journal.delay(held)
        return Wait(now + 0.01)

    def quota_per_minute(self) -> float | None:
        """Items a minute the account's windows let this job send (requests a window times the
        items of a full request); None when no window limits it. The measured rate may be
        higher for a while (a fresh window lets its requests go at once), never for long."""
        lims = self.limits(self.op.path)
        if not lims:
            return None
        return min(lim.rate / lim.per for lim in lims) * 60 * self.batch_size

    def _wait_for(self, lims: Sequence[RateLimiter], until: float) -> Wait:
        """Wait for a free slot of the account's windows, saying which window holds the job."""
        holding = max(lims, key=lambda lim: free_in([lim]))
        self.waiting = Waiting(self._window_text(holding), until)
        return Wait(until)

    def _window_text(self, lim: RateLimiter) -> str:
        ozon_seconds = round(lim.per * self.scale, 3)
        unit = {1: "a second", 60: "a minute", 3600: "an hour", 86400: "a day"}.get(
            int(ozon_seconds) if ozon_seconds.is_integer() else -1, f"per {ozon_seconds:g} s"
        )
        if (lim.rate, ozon_seconds) in {(n, float(s)) for n, s in global_rate_limits()}:
            return f"Ozon's limit per account ({lim.rate} requests {unit})"
        from oint.jobs.kinds import kind_of

        kind = kind_of(self.op.path)
        name = f"Ozon's {kind} limit" if kind else f"Ozon's limit on {self.op.path}"
        return f"{name} ({lim.rate} requests {unit})"

    def _choose(self, now: float) -> tuple[list[Row], list[tuple[int, float]]]:
        """Items for the next batch (in order, within their per-item limits) and the ones held."""
        chosen: list[Row] = []
        held: list[tuple[int, float]] = []
        keys: set[str] = set()
        cap = self.batch_size
        lim = self.item_limiter
        rows = self.journal.ready(now, self.batch_size * 2)
        # the items' last uses in one read of the limiter's store (Redis: one round trip a batch)
        frees = (
            lim.free_at_many(list(dict.fromkeys(r.key for r in rows if r.key)), now)
            if lim is not None
            else {}
        )
        for row in rows:
            if row.cap:
                cap = min(cap, row.cap)
            if len(chosen) >= cap:
                break
            if lim is not None and row.key:
                if row.key in keys:  # the same item twice: not in one request, the second goes next
                    held.append((row.seq, now))
                    continue
                free = frees[row.key]
                if free > now:
                    held.append((row.seq, free))
                    continue
                keys.add(row.key)
            chosen.append(row)
        return chosen, held

    def _send(self, rows: list[Row], now: float) -> Send:
        if self.item_limiter is not None:
            self.item_limiter.take_many([row.key for row in rows if row.key], now)
        number = self.journal.start_request(self.op.path, now, [r.seq for r in rows])
        self._open[number] = self.op.path
        self.in_flight += 1
        if self.op.batch is None:
            body = {**self.extra, **rows[0].body} if isinstance(rows[0].body, dict) else rows[0].body
        else:
            body = {**self.extra, self.op.batch.field: [r.body for r in rows]}
        return Send(number, self.op.method, self.op.path, body, tuple(rows), at=now)

    def _poll(self, task: int, polls: int, now: float) -> Action:
        path = self.reader.task_op or ""
        wait = acquire_all(self.limits(path))
        if wait > 0:
            return Wait(now + wait)
        number = self.journal.start_request(path, now, [], park_task=task)
        self._open[number] = path
        self.in_flight += 1
        return Send(number, "POST", path, {"task_id": task}, (), task, polls)

    def _idle(self, now: float) -> Action:
        counts = self.journal.counts
        if self.in_flight == 0 and counts["pending"] == 0 and not self.journal.has_tasks():
            return DONE
        due, poll = self.journal.next_due(), self.journal.next_poll()
        times = [t for t in (due, poll) if t is not None and t < PARKED]
        if not times:
            return Wait(None)
        until = max(min(times), now)
        if self.in_flight == 0:
            if until == due:
                self.waiting = Waiting("Ozon's limit per item (items sent again once it allows)", until)
            else:
                self.waiting = Waiting("Ozon to process its tasks", until)
        return Wait(until)

    # ------------------------------------------------------------------ answers
    def answered(self, send: Send, raw: RawResponse | OzonError, now: float) -> None:
        """Record the answer to `send` (or the error that stopped it) in the journal."""
        self.in_flight -= 1
        if self._open.pop(send.number, None) is not None:
            release_all(self.limits(send.path))  # its window runs from its answer
        self.journal.note_answer(send.number, now)
        answer: Any = None
        error: OzonError | None = raw if isinstance(raw, OzonError) else None
        if isinstance(raw, RawResponse):
            if 200 <= raw.status < 300:
                try:
                    answer = json.loads(raw.content) if raw.content else {}
                except ValueError:  # an answer that is not JSON: as a bad gateway
                    error = error_for_status(502, raw.content, method=send.method, path=send.path)
            else:
                error = error_for_status(
                    raw.status, raw.content, method=send.method, path=send.path, headers=raw.headers
                )
        headers = raw.headers if isinstance(raw, RawResponse) else {}
        if send.task is not None:
            self._polled(send, answer, error, now)
        elif error is None:
            self.failures = 0
            self._read(send, answer, headers, now)
        else:
            self._refused(send, error, now)

    def prime(self, now: float) -> None:
        """Before the first request of a run: the requests of earlier runs of this job (a
        process that was killed) still hold their slots in Ozon's windows; take them into
        the account's limiters. A request never answered counts as answered now."""
        by_path: dict[str, list[float]] = {}
        for path, answered in reversed(self.journal.recent_requests()):
            by_path.setdefault(path, []).append(now if answered is None else min(answered, now))
        for path, times in by_path.items():
            prime_all(self.limits(path), times, now)

    def abandon(self) -> None:
        """The driver gives up on the requests in flight (cancelled): free their slots. Their
        items stay `sent` in the journal and are recovered on resume."""
        for number, path in list(self._open.items()):
            del self._open[number]
            release_all(self.limits(path))
        self.in_flight = 0

    def _read(self, send: Send, answer: Any, headers: dict[str, str], now: float) -> None:
        rows = send.rows
        outcomes = read_answer(send.path, [r.body for r in rows], answer)
        changes: list[Change] = []
        tasks: dict[int, float] = {}
        for row, o in zip(rows, outcomes, strict=True):
            if o.state == "task" and o.task is not None:
                changes.append(Change(row.seq, "sent", task=o.task))
                tasks[o.task] = now + POLL_FIRST / self.scale
            else:
                changes.append(self._change(row, o, headers, now))
        self.journal.apply(changes, tasks.items())

    def _change(self, row: Row, o: Outcome, headers: dict[str, str], now: float) -> Change:
        if o.state == "confirmed":
            return Change(row.seq, "confirmed", result=o.result)
        if o.state == "retry":
            if row.attempts >= self.max_attempts:
                gave_up = {
                    "code": "GAVE_UP",
                    "message": f"refused for now {row.attempts} times",
                    "errors": o.error,
                }
                return Change(row.seq, "failed", result=o.result, error=gave_up)
            return Change(
                row.seq, "pending", not_before=now + self._item_wait(row, headers, now), error=o.error
            )
        if o.state == "task":  # still pending in its task
            return Change(row.seq, "sent", task=o.task)
        return Change(row.seq, "failed", result=o.result, error=o.error)

    def _item_wait(self, row: Row, headers: dict[str, str], now: float) -> float:
        """How long an item refused "for now" waits: Ozon's Item-Retry-After (minutes), else
        until its per-item window has passed."""
        minutes = parse_retry_after(headers.get("item-retry-after"))
        if minutes is not None:
            return minutes * 60 / self.scale
        wait = self._item_window
        if self.item_limiter is not None and row.key:
            wait = max(self.item_limiter.free_at(row.key, now) - now, 0.0) or wait
        return max(wait, 1.0 / self.scale)

    def _refused(self, send: Send, error: OzonError, now: float) -> None:
        """The whole request failed: decide for its items (their per-item uses are given back)."""
        rows = send.rows
        if self.item_limiter is not None:
            for row in rows:
                if row.key:
                    self.item_limiter.give_back(row.key, send.at)
        doc = _error_doc(error)
        status = error.status if isinstance(error, APIStatusError) else 0
        if isinstance(error, RateLimitError):
            after = self._retry_after(error) or 1.0 / self.scale
            self.paused_until = max(self.paused_until, now + after)
            self.pause_reason = "the pause Ozon asked for (429, too many requests)"
            self._back(rows, now + after, doc)
        elif status in (401, 403):
            self.stopped = f"Ozon refused the credentials ({status}): {error}"
            self._back(rows, 0.0, doc)
        elif status == 410:
            self.stopped = f"Ozon switched {send.path} off (410): {error}"
            self._back(rows, 0.0, doc)
        elif status >= 500 or status == 0:
            self.failures += 1
            if self.failures > self.give_up_after:
                self.stopped = f"no good answer from Ozon {self.failures} times in a row; last: {error}"
                self._back(rows, 0.0, doc)
                return
            cap = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (self.failures - 1))
            pause = self.rng.uniform(cap / 2, cap)
            self.paused_until = max(self.paused_until, now + pause)
            what = f"HTTP {status}" if status else "no answer"
            self.pause_reason = f"Ozon to answer well again ({what}, {self.failures} in a row)"
            self._back(rows, now + pause, doc)
        elif len(rows) > 1:  # refused as a whole: halve the batch until the bad items are alone
            cap = (len(rows) + 1) // 2
            self.journal.apply([Change(r.seq, "pending", error=doc, cap=cap) for r in rows])
        else:
            self.journal.apply([Change(r.seq, "failed", error=doc) for r in rows])

    def _back(self, rows: tuple[Row, ...], not_before: float, doc: dict[str, Any]) -> None:
        self.journal.apply(
            [Change(r.seq, "pending", not_before=not_before, error=doc, cap=r.cap) for r in rows]
        )

    def _retry_after(self, error: RateLimitError) -> float | None:
        minutes = parse_retry_after(error.headers.get("item-retry-after"))
        if minutes is not None:
            return minutes * 60 / self.scale
        after = error.retry_after
        return None if after is None else after / self.scale

    def _polled(self, send: Send, answer: Any, error: OzonError | None, now: float) -> None:
        task = send.task
        assert task is not None
        if error is None:
            self.failures = 0
            rows = self.journal.task_items(task)
            outcomes = read_task([r.body for r in rows], answer, send.path)
            changes = [
                self._change(r, o, {}, now) for r, o in zip(rows, outcomes, strict=True) if o.state != "task"
            ]
            if len(changes) < len(rows):
                delay = min(POLL_MAX, POLL_FIRST * POLL_GROWTH ** (send.attempt + 1)) / self.scale
                self.journal.apply(changes, tasks=[(task, now + delay)])
            else:
                self.journal.apply(changes, done_tasks=[task])
            return
        status = error.status if isinstance(error, APIStatusError) else 0
        if status == 404:  # Ozon does not know the task (any more): its items start again
            rows = self.journal.task_items(task)
            doc = _error_doc(error)
            if self.reader.idempotent:
                changes = [Change(r.seq, "pending", error=doc) for r in rows]
            else:
                changes = [Change(r.seq, "failed", error=doc) for r in rows]
            self.journal.apply(changes, done_tasks=[task])
            return
        if status in (401, 403):
            self.stopped = f"Ozon refused the credentials ({status}): {error}"
            self.journal.postpone_task(task, now)
            return
        if isinstance(error, RateLimitError):
            after = self._retry_after(error) or 1.0 / self.scale
        else:
            self.failures += 1
            if self.failures > self.give_up_after:
                self.stopped = f"no good answer from Ozon {self.failures} times in a row; last: {error}"
                self.journal.postpone_task(task, now)
                return
            after = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (self.failures - 1))
        self.journal.postpone_task(task, now + after)
