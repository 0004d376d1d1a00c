"""The sandbox prunes its push records: a finished push (delivered, given up, dropped, ...) goes
`pushes.RETENTION` of sandbox time after it finished, a pending one stays; the counts of
`oint sandbox push` and the web view stay right, and a long simulated run keeps a bounded number
of records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import DEMO_CLIENT_ID
from living import FBS_WAREHOUSE, Market, load_products, market
from test_sandbox_push import Receiver, one_event, push_docs

from oint.sandbox.model import pushes

DAY = 86400.0


@pytest.fixture
def m() -> Iterator[Market]:
    yield from market()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def states(m: Market) -> list[tuple[str, str]]:
    return [(d["type"], d["state"]) for d in push_docs(m)]


def web_page(m: Market) -> str:
    from oint.sandbox import web

    response = web.answer(m.sandbox, "/__sandbox/pushes", {})
    assert response.status == 200
    return response.body.decode()


def test_finished_pushes_go_after_the_retention_pending_ones_stay(m: Market, receiver: Receiver) -> None:
    assert pushes.RETENTION == 3 * DAY
    m.sandbox.push(url=receiver.url, types=["TYPE_STOCKS_CHANGED"])
    one_event(m)
    m.sandbox.push_step()  # the PING and the stock change: delivered
    m.admin("POST", "faults", {"push": "drop", "times": 1})
    m.advance("1m")  # a product's stock may change once a minute
    one_event(m)  # dropped: never sent
    m.admin("POST", "faults", {"push": "delay", "delay": 5 * DAY})
    m.advance("1m")
    one_event(m)  # held back five days: pending all along
    assert states(m) == [
        ("TYPE_PING", "delivered"),
        ("TYPE_STOCKS_CHANGED", "delivered"),
        ("TYPE_STOCKS_CHANGED", "dropped"),
        ("TYPE_STOCKS_CHANGED", "pending"),
    ]
    m.advance("2d23h")
    one_event(m)
    m.sandbox.push_step()  # a young one, delivered
    assert len(push_docs(m)) == 5  # nothing is three days old yet
    m.advance("2h")  # the first three finished three days and an hour ago
    m.client.call("/v1/roles")  # any request: the account catches up
    assert states(m) == [("TYPE_STOCKS_CHANGED", "pending"), ("TYPE_STOCKS_CHANGED", "delivered")]
    shown = m.sandbox.push()  # what `oint sandbox push` prints
    assert shown["pushes"] == {"delivered": 1, "pending": 1}
    assert shown["pruned"] == {"delivered": 2, "dropped": 1}
    assert [p["state"] for p in shown["recent"]] == ["delivered", "pending"]
    page = web_page(m)
    assert "delivered: 1" in page and "pending: 1" in page
    assert "Finished pushes pruned after their retention: delivered: 2 · dropped: 1" in page

    m.advance("2d")  # the held-back push is sent on its fifth day, then goes three days later
    m.sandbox.push_step()
    assert states(m)[0] == ("TYPE_STOCKS_CHANGED", "delivered")
    m.advance("3d1h")
    m.sandbox.catch_up()
    assert push_docs(m) == []
    assert m.sandbox.push()["pruned"] == {"delivered": 4, "dropped": 1}
    assert m.sandbox.push()["pushes"] == {}


def test_given_up_and_stopped_pushes_are_pruned_too(m: Market, receiver: Receiver) -> None:
    m.sandbox.push(url=receiver.url, types=["TYPE_STOCKS_CHANGED"])
    m.sandbox.push_step()
    receiver.status = 500
    one_event(m)
    m.advance("2h")
    m.sandbox.push_step()  # eleven attempts in about an hour, then given up
    m.advance("1m")
    one_event(m)
    m.sandbox.push(off=True)  # its URL removed: the pending one is never sent
    assert [s for _, s in states(m)] == ["delivered", "given_up", "off"]
    m.advance("3d1h")
    m.sandbox.catch_up()
    assert push_docs(m) == []
    assert m.sandbox.push()["pruned"] == {"delivered": 1, "given_up": 1, "off": 1}


def test_a_long_simulated_run_keeps_a_bounded_number_of_records(m: Market, receiver: Receiver) -> None:
    load_products(m, 10, stock=10_000)
    m.sandbox.buyers(DEMO_CLIENT_ID, orders_per_day=40, seed=3)
    m.sandbox.push(url=receiver.url, types=["TYPE_NEW_POSTING"])
    kept: list[int] = []
    for _ in range(12):
        m.advance("1d")
        m.sandbox.push_step()
        kept.append(len(push_docs(m)))
    shown: dict[str, Any] = m.sandbox.push()
    made = len(receiver.messages())
    assert made > 12 * 20  # pushes kept coming all along
    assert shown["pruned"]["delivered"] + shown["pushes"]["delivered"] == made
    assert max(kept[3:]) < 4 * 40  # never more than about three days of pushes (40 orders a day)
    assert shown["pruned"]["delivered"] > made / 2
    with m.sandbox.store.transaction():
        planned = [
            d for d in m.sandbox.store.key_range(DEMO_CLIENT_ID, "due") if d[1]["action"] == "push_prune"
        ]
    assert len(planned) == 1  # one pruning planned at a time, however many pushes finish


def test_pruning_reads_the_records_in_growing_batches(
    m: Market, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pushes, "PRUNE_BATCH", (2, 4))  # reads of 2, 4, 4, ... records
    m.sandbox.push(url=receiver.url, types=["TYPE_STOCKS_CHANGED"])
    for n in range(12):
        m.client.call(
            "/v2/products/stocks",
            {"stocks": [{"offer_id": "91132", "stock": 10 + n, "warehouse_id": FBS_WAREHOUSE}]},
        )
        m.advance("1m")
    m.sandbox.push_step()
    assert [s for _, s in states(m)] == ["delivered"] * 13
    m.advance("3d1h")
    m.sandbox.catch_up()
    assert push_docs(m) == [] and m.sandbox.push()["pruned"] == {"delivered": 13}
