"""The bulk engine's pure parts: result readers, per-item limits, and the engine's steps
driven by hand on a fake clock against a fake Ozon (no sockets, no sleeping)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from oint.apis.seller.spec import operation
from oint.core.errors import OzonError
from oint.core.limits.sqlite_store import SQLiteStore
from oint.core.retry import RateLimiter
from oint.core.transport.base import RawResponse
from oint.jobs.engine import DONE, Engine, Send, Stop, Wait
from oint.jobs.journal import Journal
from oint.jobs.limits import ItemLimiter, SharedItemLimiter
from oint.jobs.results import item_errors, key_of, read_answer, read_task

STOCKS = "/v2/products/stocks"
PRICES = "/v1/product/import/prices"
WH = 1020005000050693

Answer = Callable[[Send], "RawResponse | OzonError"]


def ok(doc: Any, headers: dict[str, str] | None = None) -> RawResponse:
    return RawResponse(200, {"content-type": "application/json", **(headers or {})}, json.dumps(doc).encode())


def stock_results(send: Send, errors: dict[str, list[dict[str, str]]] | None = None) -> RawResponse:
    """Ozon's answer to /v2/products/stocks: every entry updated unless `errors` names its offer."""
    out = []
    for s in send.body["stocks"]:
        errs = (errors or {}).get(s["offer_id"], [])
        out.append({**s, "product_id": 7, "updated": not errs, "errors": errs})
    return ok({"result": out})


# ------------------------------------------------------------------ readers
def test_stock_answers_match_items_by_key_whatever_id_was_sent() -> None:
    items = [
        {"offer_id": "A", "warehouse_id": 1, "stock": 1},
        {"product_id": 5, "warehouse_id": 1, "stock": 2},
        {"offer_id": "A", "warehouse_id": 2, "stock": 3},
    ]
    answer = {
        "result": [  # Ozon names products by both ids; order is not relied on
            {"offer_id": "A", "product_id": 4, "warehouse_id": 2, "updated": True, "errors": []},
            {
                "offer_id": "B",
                "product_id": 5,
                "warehouse_id": 1,
                "updated": False,
                "errors": [{"code": "TOO_MANY_REQUESTS", "message": "Stock is updated too frequently"}],
            },
            {
                "offer_id": "A",
                "product_id": 4,
                "warehouse_id": 1,
                "updated": False,
                "errors": [{"code": "STOCK_TOO_BIG", "message": "too big"}],
            },
        ]
    }
    states = [o.state for o in read_answer(STOCKS, items, answer)]
    assert states == ["failed", "retry", "confirmed"]
    assert key_of((("offer_id", "product_id"), "warehouse_id"), items[1]) == "product_id=5|warehouse_id=1"


def test_price_item_limit_message_is_retried_later_and_rules_fail() -> None:
    items = [{"offer_id": "A", "price": "100"}, {"offer_id": "B", "price": "100"}, {"offer_id": "C"}]
    limit = "price-batch-set: error limiting: acquire limit per item: items limit: limit exceeded"
    answer = {
        "result": [
            {"offer_id": "A", "updated": False, "errors": [{"code": "RESOURCE_EXHAUSTED", "message": limit}]},
            {"offer_id": "B", "updated": False, "errors": [{"message": limit}]},
            {"offer_id": "C", "updated": False, "errors": [{"code": "price_negative", "message": "x"}]},
        ]
    }
    assert [o.state for o in read_answer(PRICES, items, answer)] == ["retry", "retry", "failed"]


def test_readers_of_other_shapes() -> None:
    assert [o.state for o in read_answer("/v1/product/archive", [1, 2], {"result": True})] == [
        "confirmed"
    ] * 2
    assert read_answer("/v1/product/archive", [1], {"result": False})[0].state == "failed"
    deleted = read_answer(
        "/v2/products/delete",
        [{"offer_id": "A"}, {"offer_id": "B"}],
        {
            "status": [
                {"offer_id": "B", "is_deleted": True, "error": ""},
                {"offer_id": "A", "is_deleted": False, "error": "product is not archived"},
            ]
        },
    )
    assert [(o.state, o.error) for o in deleted] == [
        ("failed", "product is not archived"),
        ("confirmed", None),
    ]
    task = read_answer("/v3/product/import", [{"offer_id": "A"}], {"result": {"task_id": 42}})
    assert task[0].state == "task" and task[0].task == 42
    pictures = read_answer("/v2/product/pictures/import", [{"offer_id": "A"}], {"task_id": 43})
    assert pictures[0].task == 43
    by_sku = read_answer(
        "/v1/product/import-by-sku",
        [{"sku": 1, "offer_id": "A"}, {"sku": 2, "offer_id": "B"}],
        {"result": {"task_id": 9, "unmatched_sku_list": [2]}},
    )
    assert [o.state for o in by_sku] == ["task", "failed"]
    offers = read_answer(
        "/v1/product/update/offer-id",
        [{"offer_id": "A", "new_offer_id": "X"}, {"offer_id": "B", "new_offer_id": "A"}],
        {"errors": [{"offer_id": "B", "message": "already exists"}]},
    )
    assert [o.state for o in offers] == ["confirmed", "failed"]
    info = {
        "result": {
            "items": [
                {"offer_id": "A", "status": "imported", "errors": [{"code": "w", "level": "warning"}]},
                {"offer_id": "B", "status": "pending"},
                {"offer_id": "C", "status": "failed", "errors": [{"code": "price_is_negative"}]},
                {"offer_id": "D", "status": "skipped"},
            ]
        }
    }
    states = [o.state for o in read_task([{"offer_id": x} for x in "ABCD"], info)]
    assert states == ["confirmed", "task", "failed", "confirmed"]


def test_item_errors_of_single_calls() -> None:
    answer = {
        "result": [
            {"offer_id": "A", "updated": True, "errors": []},
            {"offer_id": "B", "updated": False, "errors": [{"code": "X"}]},
        ]
    }
    assert item_errors(STOCKS, answer) == [[{"code": "X"}]]
    assert item_errors(STOCKS, {"result": [{"offer_id": "A", "updated": True, "errors": []}]}) == []
    assert item_errors("/v1/product/import/info", {"result": {"items": [{"status": "failed"}]}}) == []
    assert item_errors("/v9/anything", {"result": [{"updated": False, "errors": ["no"]}]}) == [["no"]]
    assert item_errors("/v3/product/info/list", {"items": [{"errors": [{"code": "x"}]}]}) == []


def test_item_limiter_windows_and_bounded_memory() -> None:
    lim = ItemLimiter(((1, 30.0),), margin=0.0)
    lim.take("a", 100.0)
    assert lim.free_at("a", 110.0) == 130.0 and lim.free_at("b", 110.0) == 110.0
    prices = ItemLimiter(((10, 3600.0),), margin=0.0)
    for i in range(10):
        prices.take("p", 100.0 + i)
    assert prices.free_at("p", 200.0) == 3700.0
    small = ItemLimiter(((1, 30.0),), margin=0.0, max_keys=1000)
    for i in range(50_000):
        small.take(f"k{i}", 1000.0 + i * 0.0001)
    assert len(small) <= 1000
    small.take("late", 5000.0)  # every other window has passed
    assert len(small) == 1


# ------------------------------------------------------------------ the engine, by hand
class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def make(
    tmp_path: Path, path: str, items: list[Any], clock: Clock, **options: Any
) -> tuple[Engine, Journal, list[RateLimiter]]:
    op = operation(path)
    journal = Journal(tmp_path / "job.sqlite3")
    journal.add(
        (i, item, key_of(((("offer_id", "product_id"), "warehouse_id")), item))
        for i, item in enumerate(items, 1)
    )
    limiters = [RateLimiter(50, 1.0, clock=clock)] + [
        RateLimiter(n, s, clock=clock) for n, s in op.rate_limits
    ]
    item_limiter = ItemLimiter(((1, 30.0),), margin=0.0) if path == STOCKS else None
    engine = Engine(journal, op, limits=lambda p: limiters, item_limiter=item_limiter, scale=1.0, **options)
    return engine, journal, limiters


def timed(clock: Clock, answer: Answer = stock_results) -> tuple[list[float], Answer]:
    """`answer` (by default every stock updated), noting the fake clock at each request in the list
    returned with it."""
    times: list[float] = []

    def noted(send: Send) -> RawResponse | OzonError:
        times.append(clock.now)
        return answer(send)

    return times, noted


def drive(engine: Engine, clock: Clock, answer: Answer, limit: int = 10_000) -> tuple[list[Send], str | None]:
    """Run the steps as a driver would, the fake clock jumping over every wait."""
    sent: list[Send] = []
    for _ in range(limit):
        action = engine.next(clock.now)
        if isinstance(action, Send):
            sent.append(action)
            engine.answered(action, answer(action), clock.now)
        elif isinstance(action, Wait):
            assert action.until is not None and action.until > clock.now - 1e-9
            clock.now = max(clock.now, action.until)
        elif isinstance(action, Stop):
            return sent, action.reason
        else:
            assert action is DONE
            return sent, None
    raise AssertionError("the engine did not finish")


def stocks(n: int, prefix: str = "P") -> list[dict[str, Any]]:
    return [{"offer_id": f"{prefix}{i}", "warehouse_id": WH, "stock": i} for i in range(n)]


def test_batches_at_the_maximum_within_80_a_minute(tmp_path: Path) -> None:
    clock = Clock()
    engine, journal, _ = make(tmp_path, STOCKS, stocks(25_000), clock)
    sent, stopped = drive(engine, clock, stock_results)
    assert stopped is None and len(sent) == 250 and {len(s.body["stocks"]) for s in sent} == {100}
    assert journal.counts == {"pending": 0, "sent": 0, "confirmed": 25_000, "failed": 0}
    assert clock.now - 1_000.0 >= 3 * 60  # 250 requests at 80 a minute: three full windows waited


def test_never_more_than_the_limit_in_any_window(tmp_path: Path) -> None:
    clock = Clock()
    engine, _, _ = make(tmp_path, STOCKS, stocks(30_000), clock)
    times, answer = timed(clock)

    drive(engine, clock, answer)
    assert len(times) == 300
    assert all(times[i] - times[i - 80] >= 60.0 - 1e-9 for i in range(80, len(times)))
    assert all(times[i] - times[i - 50] >= 1.0 - 1e-9 for i in range(50, len(times)))  # and 50/s
    assert times[:80] == [1_000.0] * 50 + [1_001.0] * 30  # the first minute: 80 requests, not 160


def test_per_item_errors_fail_and_too_frequent_items_come_back(tmp_path: Path) -> None:
    clock = Clock()
    engine, journal, _ = make(tmp_path, STOCKS, stocks(3), clock)
    refusals = {"P1": 2}

    def answer(send: Send) -> RawResponse:
        errors: dict[str, list[dict[str, str]]] = {"P0": [{"code": "STOCK_TOO_BIG", "message": "big"}]}
        if refusals["P1"] and any(s["offer_id"] == "P1" for s in send.body["stocks"]):
            refusals["P1"] -= 1
            errors["P1"] = [{"code": "TOO_MANY_REQUESTS", "message": "Stock is updated too frequently"}]
        return stock_results(send, errors)

    sent, _ = drive(engine, clock, answer)
    assert [len(s.body["stocks"]) for s in sent] == [3, 1, 1]  # P1 alone, twice more
    assert clock.now - 1_000.0 >= 2 * 30  # each time after the pair's 30 s
    outcomes = {o["item"]["offer_id"]: o for o in journal.outcomes()}
    assert outcomes["P0"]["state"] == "failed" and outcomes["P0"]["error"][0]["code"] == "STOCK_TOO_BIG"
    assert outcomes["P1"]["state"] == "confirmed" and outcomes["P1"]["attempts"] == 3
    assert outcomes["P2"]["state"] == "confirmed" and outcomes["P2"]["attempts"] == 1


def test_the_same_pair_twice_waits_its_30_seconds(tmp_path: Path) -> None:
    clock = Clock()
    items = [
        {"offer_id": "A", "warehouse_id": WH, "stock": 1},
        {"offer_id": "A", "warehouse_id": WH, "stock": 2},
    ]
    engine, journal, _ = make(tmp_path, STOCKS, items, clock)
    times, answer = timed(clock)

    sent, _ = drive(engine, clock, answer)
    assert [[s["stock"] for s in x.body["stocks"]] for x in sent] == [[1], [2]]  # in the file's order
    assert times[1] - times[0] >= 30.0
    assert journal.counts["confirmed"] == 2


def test_429_and_5xx_are_retried_other_4xx_are_not(tmp_path: Path) -> None:
    clock = Clock()
    engine, journal, _ = make(tmp_path, STOCKS, stocks(150), clock)
    script = [
        RawResponse(429, {"retry-after": "3"}, b'{"code":8,"message":"slow down"}'),
        RawResponse(503, {}, b"<html>busy</html>"),
    ]
    times, answer = timed(clock, lambda send: script.pop(0) if script else stock_results(send))

    sent, _ = drive(engine, clock, answer)
    assert journal.counts["confirmed"] == 150 and len(sent) == 4
    assert times[1] - times[0] >= 3.0  # Retry-After honoured
    assert max(o["attempts"] for o in journal.outcomes()) == 3  # sent again after each, not more


def test_a_batch_refused_as_a_whole_is_halved_until_the_bad_item_is_alone(tmp_path: Path) -> None:
    clock = Clock()
    items = stocks(100)
    items[37]["stock"] = -1
    engine, journal, _ = make(tmp_path, STOCKS, items, clock)

    def answer(send: Send) -> RawResponse:
        if any(s["stock"] < 0 for s in send.body["stocks"]):
            return RawResponse(400, {}, b'{"code":3,"message":"Request validation error: Stock"}')
        return stock_results(send)

    sent, _ = drive(engine, clock, answer)
    assert journal.counts == {"pending": 0, "sent": 0, "confirmed": 99, "failed": 1}
    bad = next(iter(journal.outcomes(["failed"])))
    assert bad["item"]["offer_id"] == "P37" and bad["error"]["status"] == 400
    assert len(sent) <= 1 + 2 * 7  # log2(100) rounds of halving


def test_refused_credentials_stop_the_job_and_resume_goes_on(tmp_path: Path) -> None:
    clock = Clock()
    engine, journal, _ = make(tmp_path, STOCKS, stocks(300), clock)
    calls = [0]

    def answer(send: Send) -> RawResponse:
        calls[0] += 1
        if calls[0] == 2:
            return RawResponse(403, {}, b'{"code":7,"message":"Invalid Api-Key"}')
        return stock_results(send)

    _, stopped = drive(engine, clock, answer)
    assert stopped is not None and "credentials" in stopped
    assert journal.counts == {"pending": 200, "sent": 0, "confirmed": 100, "failed": 0}
    again, _, limiters = make(tmp_path, STOCKS, [], clock)  # the same journal, a new engine
    again.prime(clock.now)  # as a new process would: the first run's requests still count
    assert limiters[1].free_at(clock.now) == clock.now  # 3 of 80 this minute
    sent, stopped = drive(again, clock, stock_results)
    assert stopped is None and len(sent) == 2 and again.journal.counts["confirmed"] == 300


def test_no_answer_many_times_in_a_row_stops_resumable(tmp_path: Path) -> None:
    from oint.core.errors import APIConnectionError

    clock = Clock()
    engine, journal, _ = make(tmp_path, STOCKS, stocks(10), clock, give_up_after=3)

    def down(send: Send) -> RawResponse | OzonError:
        return APIConnectionError("connection refused")

    sent, stopped = drive(engine, clock, down)
    assert stopped is not None and "4 times in a row" in stopped and len(sent) == 4
    assert journal.counts["pending"] == 10


def test_a_resumed_job_counts_the_requests_of_the_killed_run(tmp_path: Path) -> None:
    clock = Clock()
    engine, journal, _ = make(tmp_path, STOCKS, stocks(12_000), clock)
    times, answer = timed(clock)

    while len(times) < 80:  # the first run sends the first window's 80 requests, then dies
        action = engine.next(clock.now)
        if isinstance(action, Wait) and action.until is not None:
            clock.now = action.until
        elif isinstance(action, Send):
            engine.answered(action, answer(action), clock.now)
    assert journal.counts["confirmed"] == 8_000 and clock.now == 1_001.0  # 50/s: 50 then 30
    clock.now += 10
    fresh, _, _ = make(tmp_path, STOCKS, [], clock)  # a new process: fresh limiters
    fresh.prime(clock.now)
    drive(fresh, clock, answer)
    assert len(times) == 120
    assert all(times[i] - times[i - 80] >= 60.0 for i in range(80, len(times)))  # not 80 more at once


def test_interrupted_in_flight_items_are_sent_again_only_when_idempotent(tmp_path: Path) -> None:
    clock = Clock()
    engine, journal, _ = make(tmp_path, STOCKS, stocks(250), clock)
    first = engine.next(clock.now)
    assert isinstance(first, Send)
    engine.answered(first, stock_results(first), clock.now)
    second = engine.next(clock.now)
    assert isinstance(second, Send)  # ... and the process dies here, its answer never recorded
    assert journal.counts == {"pending": 50, "sent": 100, "confirmed": 100, "failed": 0}
    assert journal.recover(True, clock.now) == (100, 0)
    assert journal.counts == {"pending": 150, "sent": 0, "confirmed": 100, "failed": 0}

    other = Journal(tmp_path / "other.sqlite3")
    other.add([(1, {"offer_id": "A"}, "offer_id=A")])
    other.start_request("/v2/products/delete", clock.now, [1])
    assert other.recover(False, clock.now) == (0, 1)
    assert next(iter(other.outcomes()))["error"]["code"] == "UNKNOWN_AFTER_INTERRUPTION"


def test_import_tasks_are_followed_to_their_end(tmp_path: Path) -> None:
    clock = Clock()
    items = [{"offer_id": f"N{i}", "name": "x"} for i in range(150)]
    engine, journal, _ = make(tmp_path, "/v3/product/import", items, clock)
    tasks: dict[int, list[str]] = {}
    polls: list[int] = []

    def answer(send: Send) -> RawResponse:
        if send.path == "/v3/product/import":
            task = 500 + len(tasks)
            tasks[task] = [i["offer_id"] for i in send.body["items"]]
            return ok({"result": {"task_id": task}})
        assert send.path == "/v1/product/import/info" and send.rows == ()
        task = send.body["task_id"]
        polls.append(task)
        status = "pending" if polls.count(task) < 3 else "imported"
        entries = [
            {
                "offer_id": o,
                "product_id": 1,
                "status": "failed" if o == "N7" else status,
                "errors": [{"code": "price_is_negative"}] if o == "N7" else [],
            }
            for o in tasks[task]
        ]
        return ok({"result": {"items": entries, "total": len(entries)}})

    _, stopped = drive(engine, clock, answer)
    assert stopped is None and len(tasks) == 2 and sorted(polls) == [500] * 3 + [501] * 3
    assert journal.counts == {"pending": 0, "sent": 0, "confirmed": 149, "failed": 1}
    assert not journal.has_tasks()


def test_batch_maximum_comes_from_the_operation_layer(tmp_path: Path) -> None:
    clock = Clock()
    engine, _, _ = make(tmp_path, PRICES, [{"offer_id": f"P{i}", "price": "10"} for i in range(2500)], clock)

    def answer(send: Send) -> RawResponse:
        return ok({"result": [{**p, "updated": True, "errors": []} for p in send.body["prices"]]})

    sent, _ = drive(engine, clock, answer)
    assert [len(s.body["prices"]) for s in sent] == [1000, 1000, 500]
    assert operation(PRICES).batch is not None and operation(PRICES).batch.max == 1000  # type: ignore[union-attr]


@pytest.mark.parametrize("scale", [1.0, 60.0])
def test_retry_after_is_in_ozon_seconds(tmp_path: Path, scale: float) -> None:
    clock = Clock()
    engine, _, _ = make(tmp_path, STOCKS, stocks(1), clock)
    engine.scale = scale
    script = [RawResponse(429, {"retry-after": "60"}, b"{}")]
    times, answer = timed(clock, lambda send: script.pop(0) if script else stock_results(send))

    drive(engine, clock, answer)
    assert times[1] - times[0] == pytest.approx(60.0 / scale)


# ------------------------------------------------------------------ what a progress line is told
def test_the_engine_says_which_window_it_waits_for_and_the_quota(tmp_path: Path) -> None:
    clock = Clock()
    engine, _, _ = make(tmp_path, STOCKS, stocks(25_000), clock)
    assert engine.quota_per_minute() == 8_000  # 80 requests a minute, 100 items each
    reasons = []
    for _ in range(200):
        action = engine.next(clock.now)
        if isinstance(action, Send):
            assert engine.waiting is None
            engine.answered(action, stock_results(action), clock.now)
            continue
        assert isinstance(action, Wait) and action.until is not None and engine.waiting is not None
        assert engine.waiting.until == action.until
        reasons.append(engine.waiting.reason)
        clock.now = action.until
    assert reasons[0] == "Ozon's limit per account (50 requests a second)"  # the 51st request
    assert "Ozon's stocks limit (80 requests a minute)" in reasons  # the 81st


def test_429_pause_is_told_as_such(tmp_path: Path) -> None:
    clock = Clock()
    engine, _, _ = make(tmp_path, STOCKS, stocks(10), clock)
    action = engine.next(clock.now)
    assert isinstance(action, Send)
    engine.answered(
        action, RawResponse(429, {"retry-after": "7"}, b'{"code":8,"message":"slow down"}'), clock.now
    )
    action = engine.next(clock.now)
    assert isinstance(action, Wait) and engine.waiting is not None
    assert engine.waiting.reason == "the pause Ozon asked for (429, too many requests)"
    assert engine.waiting.until == clock.now + 7


class FakeTime:
    """`time` for the sync driver: sleeping moves the clock on."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def time(self) -> float:
        return self.clock.now

    def sleep(self, seconds: float) -> None:
        self.clock.now += seconds


class FakeClient:
    """What the sync driver uses of a client (`send_raw`), answering every stock updated."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def send_raw(self, method: str, path: str, body: Any = None) -> RawResponse:
        self.log.append("send")
        return stock_results(Send(0, method, path, body))


def test_the_driver_tells_progress_every_second_of_a_long_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bar looked frozen for the whole wait for the next minute's window."""
    import oint.jobs.jobs as jobs

    clock = Clock()
    monkeypatch.setattr(jobs, "time", FakeTime(clock))
    engine, _, _ = make(tmp_path, STOCKS, stocks(8_100), clock)
    log: list[str] = []
    client: Any = FakeClient(log)  # a stand-in for the client
    assert jobs._drive(engine, client, lambda: log.append("progress")) is None
    sends = [i for i, what in enumerate(log) if what == "send"]
    assert len(sends) == 81
    told_while_waiting = log[sends[79] + 1 : sends[80]].count("progress")
    assert told_while_waiting >= 55, told_while_waiting  # a minute's window, told about each second


def test_a_shared_item_limiter_is_asked_once_a_batch(tmp_path: Path) -> None:
    """With a shared store (SQLite here, Redis alike) the items of a request are read and recorded
    in one call each, not one per item; the 30 s of an item hold as with the process's own."""
    clock = Clock()

    class CountingStore(SQLiteStore):
        def __init__(self, path: str) -> None:
            super().__init__(path)
            self.calls: list[str] = []

        def item_times(self, space: str, key: str, depth: int) -> list[float]:
            self.calls.append("times")
            return super().item_times(space, key, depth)

        def item_times_many(self, space: str, keys: Sequence[str], depth: int) -> list[list[float]]:
            self.calls.append("times_many")
            return super().item_times_many(space, keys, depth)

        def item_take(self, space: str, key: str, now: float, depth: int, horizon: float) -> None:
            self.calls.append("take")
            super().item_take(space, key, now, depth, horizon)

        def item_take_many(
            self, space: str, keys: Sequence[str], now: float, depth: int, horizon: float
        ) -> None:
            self.calls.append("take_many")
            super().item_take_many(space, keys, now, depth, horizon)

    items = [*stocks(150), {"offer_id": "P0", "warehouse_id": WH, "stock": 7}]  # P0 twice: 30 s apart
    engine, journal, _ = make(tmp_path, STOCKS, items, clock)
    store = CountingStore(str(tmp_path / "limits.db"))
    engine.item_limiter = SharedItemLimiter(store, f"123:{STOCKS}", ((1, 30.0),), margin=0.0)
    times, answer = timed(clock)
    sent, stopped = drive(engine, clock, answer)
    assert stopped is None and journal.counts["confirmed"] == 151
    assert [len(s.body["stocks"]) for s in sent] == [100, 50, 1] and times[2] - times[0] >= 30.0
    assert "times" not in store.calls and "take" not in store.calls
    assert store.calls.count("take_many") == len(sent)
