"""The durable inbox of pushes (oint.webhooks, issue 17) on SQLite and on PostgreSQL: one schema,
the same behaviour: duplicates counted, order per posting, leases, retries and parking, replay;
delivery through the Deliverer and its sinks; catch-up against the in-process sandbox."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import Clock

from oint.webhooks import (
    CommandSink,
    Deliverer,
    Event,
    Handlers,
    Inbox,
    PostgresInbox,
    RetryPlan,
    SQLiteInbox,
    StoredEvent,
    open_inbox,
    parse,
    python_sink,
)


def state(posting: str, new_state: str, at: str = "2026-09-21T10:00:00Z") -> Event:
    return parse(
        {
            "message_type": "TYPE_STATE_CHANGED",
            "posting_number": posting,
            "new_state": new_state,
            "changed_state_date": at,
        }
    )


def new(posting: str) -> Event:
    return parse({"message_type": "TYPE_NEW_POSTING", "posting_number": posting, "products": []})


@pytest.fixture(params=["sqlite", "postgres"])
def inbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Inbox]:
    clock = Clock(1_790_000_000.0)
    store: Inbox
    if request.param == "sqlite":
        store = SQLiteInbox(tmp_path / "inbox.db", clock)
    else:
        store = PostgresInbox(request.getfixturevalue("postgres_url"), clock)
    yield store
    store.close()


def test_open_inbox_chooses_the_store_by_its_text(tmp_path: Path, postgres_url: str) -> None:
    sqlite = open_inbox(tmp_path / "a.db")
    postgres = open_inbox(postgres_url)
    assert isinstance(sqlite, SQLiteInbox) and isinstance(postgres, PostgresInbox)
    sqlite.close()
    postgres.close()


def test_an_event_is_stored_once_and_duplicates_are_counted(inbox: Inbox) -> None:
    assert inbox.put(new("1-1-1")) is True
    assert inbox.put(new("1-1-1")) is False
    assert inbox.put(new("1-1-1")) is False
    assert inbox.counts() == {"pending": 1, "delivered": 0, "parked": 0, "duplicates": 2}
    [row] = inbox.recent()
    assert row.duplicates == 2 and row.source == "push" and row.event() == new("1-1-1")


def test_a_batch_tells_new_from_duplicate_event_by_event(inbox: Inbox) -> None:
    caught = parse(
        {"message_type": "TYPE_STATE_CHANGED", "posting_number": "T", "new_state": "posting_delivered"}
    )
    inbox.put(new("A"))
    inbox.put(caught, "catch-up")
    batch = [new("A"), new("B"), new("B"), state("T", "posting_delivered"), new("C")] + [
        new(f"N{n}") for n in range(250)
    ]
    assert inbox.put_many(batch) == [False, True, False, False, True] + [True] * 250
    assert inbox.counts() == {"pending": 254, "delivered": 0, "parked": 0, "duplicates": 3}
    assert inbox.put_many([]) == []
    by_key = {r.key: r for r in inbox.recent(limit=1000)}
    assert (
        by_key[new("A").key].duplicates
        == by_key[new("B").key].duplicates
        == by_key[caught.key].duplicates
        == 1
    )
    assert [r.key for r in sorted(by_key.values(), key=lambda r: r.id)][-251:] == [e.key for e in batch[4:]]


def test_a_push_of_a_status_change_catch_up_made_is_its_duplicate(inbox: Inbox) -> None:
    caught = parse(
        {"message_type": "TYPE_STATE_CHANGED", "posting_number": "1-1-1", "new_state": "posting_delivered"}
    )
    assert inbox.put(caught, "catch-up")
    assert inbox.put(state("1-1-1", "posting_delivered")) is False
    assert inbox.counts()["pending"] == 1


def test_claims_keep_the_order_of_a_posting_and_let_other_postings_pass(inbox: Inbox) -> None:
    for event in (new("A"), state("A", "posting_delivered"), new("B")):
        inbox.put(event)
    first = inbox.claim("one", 60)
    second = inbox.claim("two", 60)  # A's second event waits for its first; B goes
    assert first is not None and second is not None
    assert (first.key, second.key) == (new("A").key, new("B").key)
    assert inbox.claim("two", 60) is None
    assert inbox.delivered(first.id, "one")
    third = inbox.claim("two", 60)
    assert third is not None and third.key == state("A", "posting_delivered").key


def test_an_expired_lease_lets_another_receiver_take_the_event(inbox: Inbox) -> None:
    clock = inbox.clock
    assert isinstance(clock, Clock)
    inbox.put(new("A"))
    taken = inbox.claim("dead", 30)
    assert taken is not None and inbox.claim("alive", 30) is None
    clock.now += 31
    again = inbox.claim("alive", 30)
    assert again is not None and again.id == taken.id and again.attempts == 2
    assert not inbox.delivered(taken.id, "dead")  # the dead one lost it: no second acknowledgement
    assert inbox.delivered(again.id, "alive")


def test_renewed_leases_hold(inbox: Inbox) -> None:
    clock = inbox.clock
    assert isinstance(clock, Clock)
    inbox.put(new("A"))
    taken = inbox.claim("one", 30)
    assert taken is not None
    clock.now += 20
    inbox.renew([taken.id], "one", 30)
    clock.now += 20
    assert inbox.claim("two", 30) is None


def test_failures_wait_then_park_and_replay_brings_them_back(inbox: Inbox) -> None:
    clock = inbox.clock
    assert isinstance(clock, Clock)
    inbox.put(new("A"))
    taken = inbox.claim("one", 30)
    assert taken is not None
    inbox.failed(taken.id, "one", "boom", 10)
    assert inbox.claim("one", 30) is None  # not before its time
    clock.now += 10
    again = inbox.claim("one", 30)
    assert again is not None and again.last_error == "boom"
    inbox.failed(again.id, "one", "boom again", None)
    assert inbox.counts()["parked"] == 1 and inbox.claim("one", 30) is None
    [parked] = inbox.recent(state="parked")
    assert parked.last_error == "boom again" and parked.summary()["state"] == "parked"
    assert inbox.replay() == 1
    back = inbox.claim("one", 30)
    assert back is not None and back.attempts == 1


def test_a_parked_event_does_not_hold_up_its_posting(inbox: Inbox) -> None:
    inbox.put(new("A"))
    inbox.put(state("A", "posting_delivered"))
    taken = inbox.claim("one", 30)
    assert taken is not None
    inbox.failed(taken.id, "one", "bad", None)
    following = inbox.claim("one", 30)
    assert following is not None and following.message_type == "TYPE_STATE_CHANGED"


# ------------------------------------------------------------------ delivery
def deliver_all(deliverer: Deliverer) -> list[StoredEvent]:
    done = []
    while (found := deliverer.deliver_one()) is not None:
        done.append(found)
    return done


def test_the_deliverer_retries_with_backoff_then_parks(tmp_path: Path) -> None:
    clock = Clock(1000.0)
    inbox = SQLiteInbox(tmp_path / "inbox.db", clock)
    calls: list[str] = []

    def handler(event: Event) -> None:
        calls.append(event.key)
        raise RuntimeError("the shop is down")

    plan = RetryPlan(first=5, factor=3, cap=20, attempts=4)
    assert [plan.delay(n) for n in (1, 2, 3, 4)] == [5, 15, 20, None]
    deliverer = Deliverer(inbox, python_sink(handler), retry=plan)
    inbox.put(new("A"))
    for wait in (5, 15, 20):
        assert len(deliver_all(deliverer)) == 1
        clock.now += wait - 0.5
        assert deliver_all(deliverer) == []
        clock.now += 0.5
    assert len(deliver_all(deliverer)) == 1
    assert len(calls) == 4
    [parked] = inbox.recent(state="parked")
    assert parked.last_error == "RuntimeError: the shop is down"
    inbox.close()


def test_handlers_by_type_and_the_command_sink(tmp_path: Path) -> None:
    inbox = SQLiteInbox(tmp_path / "inbox.db")
    hooks = Handlers()
    seen: list[tuple[str, str]] = []

    @hooks.on("TYPE_NEW_POSTING")
    def on_new(event: Event) -> None:
        seen.append(("new", str(event.posting_number)))

    @hooks.on()
    async def on_any(event: Event) -> None:  # a coroutine function is awaited
        seen.append(("any", event.message_type))

    inbox.put(new("A"))
    inbox.put(state("B", "posting_delivered"))
    deliver_all(Deliverer(inbox, python_sink(hooks)))
    assert seen == [("new", "A"), ("any", "TYPE_NEW_POSTING"), ("any", "TYPE_STATE_CHANGED")]

    out = tmp_path / "out.jsonl"
    script = (
        f"import sys,os; open({str(out)!r},'a')"
        ".write(os.environ['OINT_EVENT_TYPE']+' '+sys.stdin.read()+'\\n')"
    )
    inbox.replay(1)
    delivered = deliver_all(Deliverer(inbox, CommandSink(f"{sys.executable} -c {json.dumps(script)}")))
    assert [d.id for d in delivered] == [1]
    kind, body = out.read_text().strip().split(" ", 1)
    assert kind == "TYPE_NEW_POSTING" and json.loads(body) == new("A").payload
    failing = CommandSink(f"{sys.executable} -c \"import sys; sys.stderr.write('no stock'); sys.exit(3)\"")
    inbox.replay(1)
    deliver_all(Deliverer(inbox, failing))
    row = inbox.get(1)
    assert row is not None and row.last_error == "the command exited 3: no stock"
    inbox.close()


def test_worker_threads_deliver_every_event_once_in_order_per_posting(inbox: Inbox) -> None:
    inbox.clock = time.time  # the workers' waits are real
    got: list[tuple[str, str]] = []
    lock = threading.Lock()
    done = threading.Event()
    postings = [f"P{n}" for n in range(10)]
    states = ("posting_created", "posting_in_carriage", "posting_delivered")
    total = len(postings) * len(states)

    def handler(event: Event) -> None:
        with lock:
            got.append((str(event.posting_number), str(event.payload.get("new_state"))))
            if len(got) == total:
                done.set()

    deliverer = Deliverer(inbox, python_sink(handler), workers=4, poll=0.05)
    deliverer.start()
    try:
        for n, name in enumerate(states):
            inbox.put_many([state(p, name, f"2026-09-21T1{n}:00:00Z") for p in postings])
            deliverer.wake()
        assert done.wait(30)
    finally:
        deliverer.stop()
    assert len(got) == total and len(set(got)) == total
    for p in postings:
        assert [s for q, s in got if q == p] == list(states)
    assert inbox.counts()["delivered"] == total


# ------------------------------------------------------------------ catch-up
def test_catch_up_puts_the_postings_ozon_did_not_push(tmp_path: Path) -> None:
    from living import load_products, market

    from oint.webhooks import catch_up

    with contextmanager(market)() as m:
        load_products(m, 6, 20)
        m.admin("POST", "buyers", {"orders_per_day": 30, "seed": 5, "cancel_share": 0.25})
        m.advance("1d")
        m.admin("POST", "buyers", {"orders_per_day": 0})
        postings = m.postings()
        by_status: dict[str, list[dict[str, Any]]] = {}
        for p in postings:
            by_status.setdefault(p["status"], []).append(p)
        assert by_status.get("awaiting_packaging") and by_status.get("cancelled")
        inbox = SQLiteInbox(tmp_path / "inbox.db", m.clock)
        pushed = by_status["awaiting_packaging"][0]["posting_number"]
        inbox.put(new(pushed))  # Ozon pushed this one
        report = catch_up(m.client, inbox)
        new_ones = {
            r.event().posting_number for r in inbox.recent(limit=1000) if r.message_type == "TYPE_NEW_POSTING"
        }
        assert new_ones == {p["posting_number"] for p in postings}
        cancelled = {
            r.event().posting_number
            for r in inbox.recent(limit=1000)
            if r.message_type == "TYPE_POSTING_CANCELLED"
        }
        assert cancelled == {p["posting_number"] for p in by_status["cancelled"]}
        assert report.summary()["events_added"] == len(postings) - 1 + len(by_status["cancelled"])
        assert {r.source for r in inbox.recent(limit=1000) if r.event().posting_number != pushed} == {
            "catch-up"
        }
        # a second run finds nothing missing; a late push of a caught-up posting is a duplicate
        assert catch_up(m.client, inbox).added == []
        late = by_status["awaiting_packaging"][1]["posting_number"]
        assert inbox.put(new(late)) is False
        # shipped postings: their status change is caught up once, one per posting (shipping in
        # packages makes new postings: those are new)
        known = {p["posting_number"] for p in postings}
        m.ship_waiting()
        after = m.postings()
        shipped = {p["posting_number"] for p in after if p["status"] == "awaiting_deliver"}
        assert shipped
        report = catch_up(m.client, inbox)
        expected = [f"TYPE_STATE_CHANGED|{number}|posting_transferring_to_delivery|" for number in shipped]
        expected += [
            f"TYPE_NEW_POSTING|{p['posting_number']}" for p in after if p["posting_number"] not in known
        ]
        assert sorted(report.added) == sorted(expected)
        assert catch_up(m.client, inbox).added == []
        inbox.close()
