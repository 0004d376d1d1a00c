"""The living marketplace (issue 11): a sandbox clock, buyers' orders on it, the order loop through
the library (ship, labels, acts, cancellations, rFBS), returns, money, analytics, reviews and chats.

The week is simulated in-process on a test clock (`living.py`): seconds, not days, and the same
seed and timeline give the same store.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from answer_conformance import MARKETPLACE_ROUTES, problems
from conftest import DEMO_CLIENT_ID, Clock, start_server
from living import (
    API_DATE,
    EVERYTHING,
    FBS_WAREHOUSE,
    START,
    Market,
    load_products,
    market,
    pdf_pages,
    run_week,
)
from sandbox_http import call

from oint.core.errors import APIStatusError
from oint.sandbox.clock import ClockError, ClockState, changed, parse_duration
from oint.sandbox.core import Sandbox
from oint.sandbox.model import finance, postings_fbs
from oint.sandbox.model import market as events_log
from oint.sandbox.model.base import Account

# the day before the first switch-off of an operation the marketplace models (the v3 FBS lists,
# 2026-08-31): where a test proves a retired operation still answers as it did, it dates the
# sandbox back to this day for those calls only
DAY_BEFORE_SWITCH_OFFS = "2026-08-30"


@pytest.fixture
def m() -> Iterator[Market]:
    yield from market()


def set_api_date(m: Market, day: str) -> None:
    assert m.admin("POST", "api-date", {"date": day})["api_date"] == day


# ------------------------------------------------------------------ the clock
def test_durations() -> None:
    assert parse_duration("2h") == 7200 and parse_duration("1d12h") == 129600
    assert parse_duration("90m") == 5400 and parse_duration("1w") == 604800 and parse_duration("-30s") == -30
    assert parse_duration(45) == 45 and parse_duration("1.5h") == 5400
    for bad in ("2x", "", "h", "1h 2", True):
        with pytest.raises(ClockError):
            parse_duration(bad)


def test_clock_state_is_pure() -> None:
    base = ClockState()
    assert base.now(100.0, 1.0) == 100.0 and base.now(100.0, 60.0) == 6000.0
    later = changed(base, 100.0, 1.0, {"advance": "1h"})
    assert later.now(100.0, 1.0) == 3700.0 and later.now(110.0, 1.0) == 3710.0
    frozen = changed(later, 110.0, 1.0, {"freeze": True})
    assert frozen.now(500.0, 1.0) == 3710.0
    fast = changed(frozen, 500.0, 1.0, {"freeze": False, "rate": 60})
    assert fast.now(501.0, 1.0) == 3770.0
    at = changed(fast, 501.0, 1.0, {"set": "2026-12-01T10:00:00Z", "advance": "1h"})  # set, then advance
    assert at.now(501.0, 1.0) == 1796119200.0 + 3600
    for bad in ({"rate": 0}, {"rate": "fast"}, {"freeze": "yes"}, {"set": "tomorrow"}, {"jump": 1}):
        with pytest.raises(ClockError):
            changed(base, 0.0, 1.0, bad)


def test_clock_admin_route_and_models_follow_it(m: Market) -> None:
    assert m.admin("GET", "clock")["epoch"] == START
    m.clock.now += 10
    assert m.admin("GET", "clock")["epoch"] == START + 10  # runs with its base
    assert m.admin("POST", "clock", {"freeze": True})["frozen"] is True
    m.clock.now += 1000
    assert m.admin("GET", "clock")["epoch"] == START + 10  # frozen
    assert m.advance("2h")["epoch"] == START + 10 + 7200  # frozen, yet moved on
    stamp = m.admin("POST", "clock", {"set": "2026-12-01T10:00:00Z"})
    assert stamp["now"] == "2026-12-01T10:00:00.000000Z"
    # every model reads it: a product imported now is stamped with the sandbox's time
    info = m.client.call("/v3/product/info/list", {"offer_id": ["143210609"]})["items"][0]
    m.client.call(
        "/v1/product/import/prices",
        {"prices": [{"offer_id": "143210609", "price": "1290", "old_price": "1500"}]},
    )
    assert (
        m.client.call("/v3/product/info/list", {"offer_id": ["143210609"]})["items"][0][
            "updated_at"
        ].startswith("2026-12-01T10:00:00")
        and info
    )
    bad = m.sandbox.handle("POST", "/__sandbox/clock", {}, b'{"advance": "soon"}')
    assert bad.status == 400 and json.loads(bad.body)["code"] == 3
    m.sandbox.reset()
    assert m.admin("GET", "clock") == {
        "now": m.admin("GET", "clock")["now"],
        "epoch": m.clock.now,
        "frozen": False,
        "rate": 1.0,
    }  # reset forgets the changes


def test_clock_is_shared_through_the_state_file(tmp_path: Any) -> None:
    db = str(tmp_path / "s.sqlite3")
    clock = Clock(START)
    first, second = Sandbox(db, clock=clock), Sandbox(db, clock=clock)
    try:
        first.clock.change(advance="3h", rate=2)
        clock.now += 10
        assert second.clock() == START + 3 * 3600 + 20 and second.clock.describe()["rate"] == 2.0
        scaled = Sandbox(db, clock=clock, time_scale=60)  # a rate set wins over the process's scale
        assert scaled.clock() == second.clock()
        scaled.close()
    finally:
        first.close()
        second.close()


def test_clock_and_buyers_from_the_cli(run_cli: Any, tmp_path: Any) -> None:
    db = str(tmp_path / "cli.sqlite3")
    on = run_cli("sandbox", "buyers", "--orders-per-day", "200", "--seed", "5", "--db", db)
    assert on.code == 0 and on.json()["orders_per_day"] == 200.0, on.err
    before = run_cli("sandbox", "clock", "--freeze", "--db", db).json()
    moved = run_cli("sandbox", "advance", "1d", "--db", db).json()
    assert moved["epoch"] - before["epoch"] == 86400 and moved["frozen"] is True
    state = run_cli("sandbox", "buyers", "--db", db).json()
    assert state["orders"] > 0 and state["seed"] == 5  # orders came while the day passed
    assert run_cli("sandbox", "clock", "--rate", "60", "--unfreeze", "--db", db).json()["rate"] == 60.0
    wrong = run_cli("sandbox", "advance", "soon", "--db", db)
    assert wrong.code == 2 and "duration" in wrong.err
    assert run_cli("sandbox", "buyers", "--fbo-share", "2", "--db", db).code == 2


def test_clock_and_buyers_over_http_with_an_admin_token(tmp_path: Any) -> None:
    server = start_server(str(tmp_path / "h.sqlite3"), "--admin-token", "t0k", "--no-rate-limit")
    try:
        status, _, _ = call(server.url, "POST", "/__sandbox/clock", {"advance": "1h"})
        assert status == 401
        auth = {"Authorization": "Bearer t0k"}
        status, _, raw = call(server.url, "POST", "/__sandbox/buyers", {"orders_per_day": 100}, headers=auth)
        assert status == 200 and json.loads(raw)["orders_per_day"] == 100
        status, _, raw = call(server.url, "POST", "/__sandbox/clock", {"advance": "12h"}, headers=auth)
        assert status == 200
        status, _, raw = call(server.url, "GET", "/__sandbox/buyers", headers=auth)
        assert json.loads(raw)["accounts"][DEMO_CLIENT_ID]["orders"] > 0
    finally:
        server.stop()


# ------------------------------------------------------------------ a simulated week
def _week() -> tuple[Market, dict[int, int], str]:
    gen = market()
    m = next(gen)
    stock = load_products(m)
    run_week(m)
    return m, stock, m.sandbox.store.digest()


def test_a_week_of_orders_shipped_delivered_returned_and_paid() -> None:
    m, stock, digest = _week()
    postings = m.postings()
    statuses = Counter(p["status"] for p in postings)
    assert statuses["delivered"] > 100 and statuses["cancelled"] >= 1, statuses
    assert not statuses["awaiting_packaging"] and not statuses["awaiting_deliver"]
    assert any(p["parent_posting_number"] for p in postings)  # shipped in two packages: split
    # labels and acts are real PDF files
    assert m.labels and m.acts and all(pdf_pages(pdf) >= 1 for pdf in m.labels + m.acts)
    # returns: some delivered postings came back, money refunded
    returns = list(m.client.iter_items("/v1/returns/list", {"limit": 500}))
    assert returns and all(r["visual"]["status"]["sys_name"] for r in returns)
    # stocks: what buyers took is gone, nothing left reserved
    ordered: Counter[int] = Counter()
    for p in postings:
        if p["status"] != "cancelled":
            for line in p["products"]:
                ordered[line["sku"]] += line["quantity"]
    items = m.client.call(
        "/v4/product/info/stocks", {"filter": {"product_id": [str(i) for i in stock]}, "limit": 100}
    )
    for item in items["items"]:
        fbs = next(s for s in item["stocks"] if s["type"] == "fbs")
        sku = fbs["sku"]
        assert fbs["reserved"] == 0 and fbs["present"] == stock[item["product_id"]] - ordered[sku], item
    assert sum(ordered.values()) > 100
    # money: the accruals, one day a request, add up to the money events' totals of those days; every
    # delivered posting was paid (FBS through the library, FBO by the buyers) and some came back
    first, last = dt.date(2026, 9, 21), dt.date(2026, 10, 19)
    accruals: list[dict[str, Any]] = []
    for offset in range((last - first).days + 1):
        body: dict[str, Any] = {"date": (first + dt.timedelta(days=offset)).isoformat()}
        while True:
            answer = m.client.call("/v1/finance/accrual/by-day", body)
            accruals += answer["accruals"]
            if not answer["last_id"]:
                break
            body = {**body, "last_id": answer["last_id"]}
    account = Account(m.sandbox.store, DEMO_CLIENT_ID, m.sandbox.clock())
    since = dt.datetime(2026, 9, 21, tzinfo=dt.timezone.utc).timestamp()
    until = dt.datetime(2026, 10, 20, tzinfo=dt.timezone.utc).timestamp()
    totals = finance.totals(account, since, until)
    assert accruals and sum(Decimal(a["total_amount"]["amount"]) for a in accruals) == sum(
        Decimal(str(v)) for v in totals.values()
    )
    for a in accruals:
        fees = [f for item in a["item_fees"]["fees"] for f in item["fees"]]
        assert sum(Decimal(f["accrued"]["amount"]) for f in fees) == Decimal(a["total_amount"]["amount"]), a
    sales = {a["unit_number"] for a in accruals if a["accrued_category"] == "ORDER"}
    week = {**EVERYTHING, "since": "2026-09-21T00:00:00Z", "statuses": ["delivered"]}  # not the demo's
    fbo = list(m.client.iter_items("/v3/posting/fbo/list", {"filter": week}))
    assert fbo and len(sales) == statuses["delivered"] + len(fbo)
    assert any(a["accrued_category"] == "RETURN" for a in accruals)
    # a review answered
    reviews = m.client.call("/v1/review/list", {"limit": 20, "status": "UNPROCESSED"})["reviews"]
    assert reviews
    review = reviews[0]["id"]
    comment = m.client.call(
        "/v1/review/comment/create",
        {"review_id": review, "text": "Спасибо за отзыв!", "mark_review_as_processed": True},
    )
    listed = m.client.call("/v1/review/comment/list", {"review_id": review, "limit": 20})["comments"]
    assert [c["id"] for c in listed] == [comment["comment_id"]] and listed[0]["is_owner"]
    assert m.client.call("/v1/review/info", {"review_id": review})["status"] == "PROCESSED"
    # the week ran on today's API and no request of it met a switched-off operation (410)
    assert m.admin("GET", "api-date")["api_date"] == API_DATE == "2026-12-07"
    with m.sandbox.store.transaction():
        served = m.sandbox.store.status_counts()
    assert "410" not in served and served["200"] > 500, served
    # the same seed and timeline: the same store
    again, _, digest2 = _week()
    assert digest2 == digest
    m.sandbox.close()
    again.sandbox.close()


# ------------------------------------------------------------------ the order loop, step by step
def _orders(m: Market, n: int = 40, **settings: Any) -> list[dict[str, Any]]:
    load_products(m, 6, 20)
    m.admin("POST", "buyers", {"orders_per_day": n, "seed": 3, "cancel_share": 0, **settings})
    m.advance("1d")
    m.admin("POST", "buyers", {"orders_per_day": 0})
    return m.postings(statuses=["awaiting_packaging"])


def _stock(m: Market, sku: int) -> dict[str, Any]:
    item = m.client.call("/v4/product/info/stocks", {"filter": {"visibility": "ALL"}, "limit": 1000})["items"]
    return next(s for i in item for s in i["stocks"] if s["sku"] == sku and s["type"] == "fbs")


def _unmarked(postings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in postings if not p["requirements"]["products_requiring_mandatory_mark"]]


def test_buyers_order_what_is_on_sale_at_its_price(m: Market) -> None:
    waiting = _orders(m)
    assert len(waiting) >= 20
    ids = [
        p["product_id"] for p in m.client.iter_items("/v3/product/list", {"filter": {"visibility": "ALL"}})
    ]
    info = m.client.call("/v3/product/info/list", {"product_id": ids})["items"]
    prices = {p["sku"]: float(p["price"]) for p in info}
    cities = {p["analytics_data"]["city"] for p in waiting}
    assert len(cities) >= 5
    for p in waiting:
        assert p["delivery_method"]["warehouse_id"] in (FBS_WAREHOUSE, 1020005000050694)
        assert p["shipment_date"] > p["in_process_at"]
        for line in p["products"]:
            assert float(line["price"]["amount"]) == prices[line["sku"]] and line["quantity"] >= 1


def test_cancel_by_the_seller_frees_the_stock(m: Market) -> None:
    posting = _unmarked(_orders(m))[0]
    line = posting["products"][0]
    before = _stock(m, line["sku"])
    reasons = m.client.call(
        "/v1/posting/fbs/cancel-reason", {"related_posting_numbers": [posting["posting_number"]]}
    )
    reason = reasons["result"][0]["reasons"][0]["id"]
    with pytest.raises(APIStatusError) as e:
        m.client.call(
            "/v2/posting/fbs/cancel", {"posting_number": posting["posting_number"], "cancel_reason_id": 501}
        )
    assert e.value.status == 400  # a buyer's reason
    m.client.call(
        "/v2/posting/fbs/cancel", {"posting_number": posting["posting_number"], "cancel_reason_id": reason}
    )
    got = m.client.call("/v3/posting/fbs/get", {"posting_number": posting["posting_number"]})["result"]
    assert got["status"] == "cancelled" and got["cancellation"]["cancel_reason_id"] == reason
    assert got["cancellation"]["cancellation_initiator"] == "SELLER"
    after = _stock(m, line["sku"])
    assert (
        after["reserved"] == before["reserved"] - line["quantity"] and after["present"] == before["present"]
    )
    with pytest.raises(APIStatusError):
        m.client.call(
            "/v4/posting/fbs/ship",
            {
                "posting_number": posting["posting_number"],
                "packages": [{"products": [{"product_id": line["sku"], "quantity": 1}]}],
            },
        )


def test_ship_in_packages_and_by_parts(m: Market) -> None:
    waiting = _unmarked(_orders(m, 80))
    multi = next(p for p in waiting if sum(x["quantity"] for x in p["products"]) >= 2)
    units = [{"product_id": x["sku"], "quantity": 1} for x in multi["products"] for _ in range(x["quantity"])]
    with pytest.raises(APIStatusError) as e:  # every unit must be packed
        m.client.call(
            "/v4/posting/fbs/ship",
            {"posting_number": multi["posting_number"], "packages": [{"products": units[:1]}]},
        )
    assert e.value.status == 400
    packages = [{"products": units[:1]}, {"products": units[1:]}]
    answer = m.client.call(
        "/v4/posting/fbs/ship",
        {"posting_number": multi["posting_number"], "packages": packages, "with": {"additional_data": True}},
    )
    first, second = answer["result"]
    assert first == multi["posting_number"] and second.endswith("-2") and len(answer["additional_data"]) == 2
    child = m.client.call(
        "/v3/posting/fbs/get", {"posting_number": second, "with": {"related_postings": True}}
    )["result"]
    assert child["status"] == "awaiting_deliver" and child["parent_posting_number"] == first
    assert child["related_postings"]["related_posting_numbers"] == [first]
    other = next(p for p in waiting if p is not multi)
    line = other["products"][0]
    part = m.client.call(
        "/v4/posting/fbs/ship/package",
        {
            "posting_number": other["posting_number"],
            "products": [{"product_id": line["sku"], "quantity": line["quantity"]}],
        },
    )
    assert part["result"]  # the whole posting, or a new one for part of it


def test_marked_products_need_their_exemplars(m: Market) -> None:
    waiting = _orders(m, 120)
    marked = next(p for p in waiting if p["requirements"]["products_requiring_mandatory_mark"])
    number = marked["posting_number"]
    lines = [{"product_id": x["sku"], "quantity": x["quantity"]} for x in marked["products"]]
    with pytest.raises(APIStatusError) as e:
        m.client.call("/v4/posting/fbs/ship", {"posting_number": number, "packages": [{"products": lines}]})
    assert "EXEMPLARS_REQUIRED" in e.value.message
    got = m.client.call("/v6/fbs/posting/product/exemplar/create-or-get", {"posting_number": number})
    product = next(p for p in got["products"] if p["is_mandatory_mark_needed"])
    check = m.client.call(
        "/v5/fbs/posting/product/exemplar/validate",
        {
            "posting_number": number,
            "products": [
                {
                    "product_id": product["product_id"],
                    "exemplars": [{"marks": [{"mark": "bad", "mark_type": "mandatory_mark"}]}],
                }
            ],
        },
    )
    assert check["products"][0]["valid"] is False
    m.set_marks(number)
    assert m.client.call(
        "/v4/posting/fbs/ship", {"posting_number": number, "packages": [{"products": lines}]}
    )["result"]


def test_labels_acts_and_handover(m: Market) -> None:
    """The retired labels and act creation, on the sandbox dated before their switch-off (their
    successors, label tasks v3 and carriages, are proven in test_successors_today.py)."""
    set_api_date(m, DAY_BEFORE_SWITCH_OFFS)
    waiting = _unmarked(_orders(m))[:3]
    numbers = [p["posting_number"] for p in waiting]
    with pytest.raises(APIStatusError) as e:  # not packed yet
        m.client.call("/v2/posting/fbs/package-label", {"posting_number": numbers})
    assert e.value.status == 400
    for p in waiting:
        lines = [{"product_id": x["sku"], "quantity": x["quantity"]} for x in p["products"]]
        m.client.call(
            "/v4/posting/fbs/ship", {"posting_number": p["posting_number"], "packages": [{"products": lines}]}
        )
    pdf = m.client.call("/v2/posting/fbs/package-label", {"posting_number": numbers})
    assert pdf_pages(pdf) == 3 and numbers[0].encode() in pdf
    task = m.client.call("/v1/posting/fbs/package-label/create", {"posting_number": numbers})["result"][
        "task_id"
    ]
    assert (
        m.client.call("/v1/posting/fbs/package-label/get", {"task_id": task})["result"]["status"] == "pending"
    )
    m.advance("10s")
    done = m.client.call("/v1/posting/fbs/package-label/get", {"task_id": task})["result"]
    assert done["status"] == "completed" and done["printed_postings_count"] == 3
    path = done["file_url"].removeprefix("sandbox:")
    fetched = m.sandbox.handle("GET", path, {}, b"")
    assert (
        fetched.status == 200
        and fetched.headers["content-type"] == "application/pdf"
        and pdf_pages(fetched.body) == 3
    )
    tasks = m.client.call("/v2/posting/fbs/package-label/create", {"posting_number": numbers})["result"][
        "tasks"
    ]
    m.advance("10s")
    small = m.client.call("/v2/posting/fbs/package-label/get", {"task_id": tasks[1]["task_id"]})
    assert small["status"]["code"] == "completed" and small["file_url"].endswith(
        f"labels-{tasks[1]['task_id']}"
    )
    # an act for the delivery method: the courier takes its postings at the departure
    method = waiting[0]["delivery_method"]["id"]
    act = m.client.call("/v2/posting/fbs/act/create", {"delivery_method_id": method})["result"]["id"]
    status = m.client.call("/v2/posting/fbs/act/check-status", {"id": act})["result"]
    assert status["status"] == "FORMING" and waiting[0]["posting_number"] in status["added_to_act"]
    m.advance("1m")
    assert pdf_pages(m.client.call("/v2/posting/fbs/act/get-pdf", {"id": act})) >= 1
    in_act = m.client.call("/v2/posting/fbs/act/get-postings", {"id": act})["result"]
    assert {p["posting_number"] for p in in_act} >= {waiting[0]["posting_number"]}
    acts = m.client.call(
        "/v2/posting/fbs/act/list",
        {"filter": {"date_from": "2026-01-01", "date_to": "2027-01-01"}, "limit": 50},
    )
    assert [a["id"] for a in acts["result"]] == [act]
    m.advance("3h")
    got = m.client.call("/v3/posting/fbs/get", {"posting_number": waiting[0]["posting_number"]})["result"]
    assert got["status"] == "delivering" and got["delivering_date"]
    with pytest.raises(APIStatusError):
        m.client.call("/v2/posting/fbs/act/get-pdf", {"id": 1})


def test_arbitration_and_back(m: Market) -> None:
    posting = _unmarked(_orders(m))[0]
    number = posting["posting_number"]
    lines = [{"product_id": x["sku"], "quantity": x["quantity"]} for x in posting["products"]]
    m.client.call("/v4/posting/fbs/ship", {"posting_number": number, "packages": [{"products": lines}]})
    m.client.call("/v2/posting/fbs/arbitration", {"posting_number": [number]})
    m.advance("3d")  # no handover while disputed
    assert (
        m.client.call("/v3/posting/fbs/get", {"posting_number": number})["result"]["status"] == "arbitration"
    )
    m.client.call("/v2/posting/fbs/awaiting-delivery", {"posting_number": [number]})
    assert (
        m.client.call("/v3/posting/fbs/get", {"posting_number": number})["result"]["status"]
        == "awaiting_deliver"
    )


def test_product_cancel_and_rfbs_delivery(m: Market) -> None:
    m.client.call(
        "/v2/products/stocks",
        {"stocks": [{"offer_id": "91132", "stock": 50, "warehouse_id": 1020005000050694}]},
    )
    waiting = _orders(m, 150)
    rfbs = next(
        p
        for p in waiting
        if p["delivery_schema"] == "RFBS" and not p["requirements"]["products_requiring_mandatory_mark"]
    )
    number = rfbs["posting_number"]
    line = rfbs["products"][0]
    lines = [{"product_id": x["sku"], "quantity": x["quantity"]} for x in rfbs["products"]]
    m.client.call("/v4/posting/fbs/ship", {"posting_number": number, "packages": [{"products": lines}]})
    m.advance("3d")
    assert (
        m.client.call("/v3/posting/fbs/get", {"posting_number": number})["result"]["status"]
        == "awaiting_deliver"
    )
    moved = m.client.call(
        "/v2/fbs/posting/tracking-number/set",
        {"tracking_numbers": [{"posting_number": number, "tracking_number": "RP1"}]},
    )
    assert moved["result"] == [{"posting_number": number, "result": True, "error": ""}]
    assert (
        m.client.call("/v2/fbs/posting/delivered", {"posting_number": [number]})["result"][0]["result"]
        is False
    )
    m.client.call("/v2/fbs/posting/delivering", {"posting_number": [number]})
    m.client.call("/v2/fbs/posting/last-mile", {"posting_number": [number]})
    got = m.client.call("/v3/posting/fbs/get", {"posting_number": number})["result"]
    assert got["status"] == "driver_pickup" and got["tracking_number"] == "RP1"
    m.client.call("/v2/fbs/posting/delivered", {"posting_number": [number]})
    assert m.client.call("/v3/posting/fbs/get", {"posting_number": number})["result"]["status"] == "delivered"
    assert line
    other = next(
        p
        for p in waiting
        if sum(x["quantity"] for x in p["products"]) >= 2 and p["status"] == "awaiting_packaging"
    )
    sku = other["products"][0]["sku"]
    before = sum(x["quantity"] for x in other["products"])
    m.client.call(
        "/v2/posting/fbs/product/cancel",
        {
            "posting_number": other["posting_number"],
            "cancel_reason_id": 352,
            "cancel_reason_message": "нет",
            "items": [{"sku": sku, "quantity": 1}],
        },
    )
    got = m.client.call("/v3/posting/fbs/get", {"posting_number": other["posting_number"]})["result"]
    assert sum(x["quantity"] for x in got["products"]) == before - 1 and got["status"] == "awaiting_packaging"


def _deliver_and_wait(m: Market, n: int = 80, **settings: Any) -> None:
    _orders(m, n, **settings)
    m.ship_waiting()
    for _ in range(12):
        m.hand_over()
        m.advance("1d")
        m.ship_waiting()


def test_rfbs_returns_are_decided_by_the_seller(m: Market) -> None:
    m.client.call(
        "/v2/products/stocks",
        {"stocks": [{"offer_id": "91132", "stock": 60, "warehouse_id": 1020005000050694}]},
    )
    _deliver_and_wait(m, 120, return_share=1.0, review_share=0, question_share=0, chat_share=0)
    requests = m.client.call("/v2/returns/rfbs/list", {"limit": 100})["returns"]
    assert requests and {r["state"]["state"] for r in requests} == {"waiting_for_seller"}
    first, second = requests[0]["return_id"], requests[-1]["return_id"]
    info = m.client.call("/v2/returns/rfbs/get", {"return_id": first})["returns"]
    assert {a["id"] for a in info["available_actions"]} == {1, 2, 5}
    m.client.call("/v2/returns/rfbs/verify", {"return_id": first})
    with pytest.raises(APIStatusError):
        m.client.call("/v2/returns/rfbs/reject", {"return_id": first, "rejection_reason_id": 11})
    m.client.call("/v1/returns/rfbs/action/set", {"return_id": first, "id": 3})
    m.client.call("/v2/returns/rfbs/return-money", {"return_id": first})
    assert (
        m.client.call("/v2/returns/rfbs/get", {"return_id": first})["returns"]["state"]["state"]
        == "money_returned"
    )
    if second != first:
        m.client.call(
            "/v2/returns/rfbs/reject", {"return_id": second, "rejection_reason_id": 11, "comment": "б/у"}
        )
    groups = m.client.call("/v2/returns/rfbs/list", {"limit": 100, "filter": {"group_state": ["completed"]}})[
        "returns"
    ]
    assert [r["return_id"] for r in groups] == [first]
    got = m.client.call("/v1/finance/accrual/postings", {"posting_numbers": [info["posting_number"]]})
    types = {a["type_id"] for a in got["posting_accruals"][0]["accruals"]}
    assert {1, 5} <= types, types  # the sale, and the refund of the return
    fbs = list(m.client.iter_items("/v1/returns/list", {"limit": 10, "filter": {"return_schema": "FBS"}}))
    assert all(r["schema"] == "Fbs" for r in fbs)


def test_questions_chats_and_analytics(m: Market) -> None:
    _deliver_and_wait(m, 80, question_share=1.0, chat_share=1.0, review_share=1.0, fbo_share=0.3)
    questions = list(m.client.iter_items("/v1/question/list", {"filter": {"status": "NEW"}}))
    assert len(questions) > 10  # pages of 10
    q = questions[0]
    answer = m.client.call(
        "/v1/question/answer/create", {"question_id": q["id"], "sku": q["sku"], "text": "Да, подойдёт"}
    )
    answers = m.client.call("/v1/question/answer/list", {"question_id": q["id"], "sku": q["sku"]})["answers"]
    assert [a["id"] for a in answers] == [answer["answer_id"]]
    counts = m.client.call("/v1/question/count", {})
    assert counts["processed"] == 1 and counts["all"] == len(questions)
    chats = m.client.call("/v3/chat/list", {"limit": 100, "filter": {"unread_only": True}})
    assert chats["chats"] and chats["total_unread_count"] >= len(chats["chats"])
    chat_id = chats["chats"][0]["chat"]["chat_id"]
    m.client.call("/v1/chat/send/message", {"chat_id": chat_id, "text": "Здравствуйте! Уже отправили."})
    history = m.client.call("/v3/chat/history", {"chat_id": chat_id, "limit": 10})["messages"]
    assert [h["user"]["type"] for h in history[:2]] == ["Seller", "Customer"] and all(
        h["is_read"] for h in history
    )
    posting = m.postings(statuses=["delivered"])[0]["posting_number"]
    started = m.client.call("/v1/chat/start", {"posting_number": posting})["result"]["chat_id"]
    assert started in {c["chat"]["chat_id"] for c in m.client.call("/v3/chat/list", {"limit": 100})["chats"]}
    # analytics from the same events
    data = m.client.call(
        "/v1/analytics/data",
        {
            "date_from": "2026-09-01",
            "date_to": "2026-12-31",
            "dimension": ["sku"],
            "metrics": ["ordered_units", "revenue", "delivered_units"],
            "limit": 1000,
        },
    )
    units = sum(sum(x["quantity"] for x in p["products"]) for p in m.postings())
    fbo = [p for p in m.client.iter_items("/v3/posting/fbo/list", {"filter": EVERYTHING})]
    assert fbo and data["result"]["totals"][0] >= units
    by_day = m.client.call(
        "/v1/analytics/data",
        {
            "date_from": "2026-09-01",
            "date_to": "2026-12-31",
            "dimension": ["day"],
            "metrics": ["ordered_units"],
            "limit": 1000,
        },
    )
    assert by_day["result"]["totals"] == data["result"]["totals"][:1]
    turnover = m.client.call("/v1/analytics/turnover/stocks", {"limit": 100})["items"]
    assert turnover and all(t["ads"] >= 0 and t["idc_grade"] for t in turnover)
    assert m.client.call("/v2/analytics/stock_on_warehouses", {"limit": 100})["result"]["rows"]
    flows = m.client.call(
        "/v1/finance/cash-flow-statement/list",
        {
            "date": {"from": "2026-09-01T00:00:00Z", "to": "2026-10-31T00:00:00Z"},
            "page": 1,
            "page_size": 10,
            "with_details": True,
        },
    )
    assert (
        len(flows["result"]["cash_flows"]) == 4
        and sum(f["orders_amount"] for f in flows["result"]["cash_flows"]) > 0
    )
    report = m.client.call("/v2/finance/realization", {"month": 9, "year": 2026})["result"]
    report10 = m.client.call("/v2/finance/realization", {"month": 10, "year": 2026})["result"]
    sold = sum(r["delivery_commission"]["amount"] for r in report["rows"] + report10["rows"])
    with m.sandbox.store.transaction():
        totals = finance.totals(Account(m.sandbox.store, DEMO_CLIENT_ID, m.sandbox.clock()))
    assert round(sold, 2) == totals["accruals_for_sale"]


def test_read_functions_for_the_web_view(m: Market) -> None:
    _orders(m)
    m.admin("POST", "buyers", {"orders_per_day": 10})
    with m.sandbox.store.transaction():
        account = Account(m.sandbox.store, DEMO_CLIENT_ID, m.sandbox.clock())
        grouped = postings_fbs.by_status(account)
        assert set(grouped) == {"awaiting_packaging"} and grouped["awaiting_packaging"][0]["total"] > 0
        assert finance.totals(account)["accruals_for_sale"] == 0
        kinds = Counter(e["type"] for e in events_log.events(account))
        assert kinds["order_created"] == len(grouped["awaiting_packaging"])
        assert events_log.pending(account)  # handovers and cancellations to come


# ------------------------------------------------------------------ every route, as documented
def test_every_marketplace_route_answers_as_documented(m: Market) -> None:
    """Each operation the marketplace models, called once with a valid body through the library;
    each JSON answer checked against Ozon's document (files: PDFs)."""
    seen: set[str] = set()
    failures: list[str] = []

    def c(path: str, body: dict[str, Any]) -> Any:
        answer = m.client.call(path, body)
        seen.add(path)
        if isinstance(answer, bytes):
            assert pdf_pages(answer) >= 1
        else:
            failures.extend(problems("POST", path, answer))
        return answer

    m.client.call(
        "/v2/products/stocks",
        {"stocks": [{"offer_id": "91132", "stock": 60, "warehouse_id": 1020005000050694}]},
    )
    load_products(m, 3, 20)
    shares = {"return_share": 1.0, "review_share": 1.0, "question_share": 1.0, "chat_share": 1.0}
    m.admin(
        "POST", "buyers", {"orders_per_day": 100, "seed": 3, "cancel_share": 0, "fbo_share": 0.2, **shares}
    )
    m.advance("1d")
    m.admin("POST", "buyers", {"orders_per_day": 0})
    for _ in range(12):
        m.ship_waiting()
        m.hand_over()
        m.advance("1d")
    waiting = _orders(m, 60)
    period = {"since": "2026-09-01T00:00:00Z", "to": "2026-12-31T00:00:00Z"}
    rich = {"analytics_data": True, "financial_data": True, "barcodes": True, "legal_info": True}
    c("/v4/posting/fbs/list", {"filter": {**period, "statuses": ["delivered"]}, "limit": 10, "with": rich})
    c("/v4/posting/fbs/unfulfilled/list", {"limit": 10, "with": rich})
    # the retired v3 lists are still modelled: called on the sandbox dated before their switch-off
    set_api_date(m, DAY_BEFORE_SWITCH_OFFS)
    c(
        "/v3/posting/fbs/list",
        {"filter": period, "limit": 100, "offset": 0, "with": {**rich, "translit": True}},
    )
    cutoff = {"cutoff_from": "2026-09-01T00:00:00Z", "cutoff_to": "2026-12-31T00:00:00Z"}
    c("/v3/posting/fbs/unfulfilled/list", {"filter": cutoff, "limit": 100, "offset": 0, "with": rich})
    set_api_date(m, API_DATE)
    delivered = m.postings(statuses=["delivered"])[0]["posting_number"]
    got = c(
        "/v3/posting/fbs/get",
        {"posting_number": delivered, "with": {**rich, "product_exemplars": True, "related_postings": True}},
    )
    c("/v2/posting/fbs/get-by-barcode", {"barcode": got["result"]["barcodes"]["lower_barcode"]})
    fbo = next(
        iter(m.client.iter_items("/v3/posting/fbo/list", {"filter": {**period, "statuses": ["delivered"]}}))
    )
    c(
        "/v2/posting/fbo/get",
        {
            "posting_number": fbo["posting_number"],
            "with": {"analytics_data": True, "financial_data": True, "legal_info": True},
        },
    )
    c("/v2/posting/fbs/cancel-reason/list", {})
    c("/v1/cancel-reason/list", {})
    free = _unmarked(waiting)
    c("/v1/posting/fbs/cancel-reason", {"related_posting_numbers": [free[0]["posting_number"]]})
    c(
        "/v1/posting/cutoff/set",
        {"posting_number": free[0]["posting_number"], "new_cutoff_date": "2026-09-30T10:00:00Z"},
    )
    c("/v2/posting/fbs/cancel", {"posting_number": free[0]["posting_number"], "cancel_reason_id": 352})
    multi = next(p for p in free[1:] if sum(x["quantity"] for x in p["products"]) >= 2)
    c(
        "/v2/posting/fbs/product/cancel",
        {
            "posting_number": multi["posting_number"],
            "cancel_reason_id": 352,
            "cancel_reason_message": "нет",
            "items": [{"sku": multi["products"][0]["sku"], "quantity": 1}],
        },
    )
    rest = [p for p in free[1:] if p is not multi]
    one, two = rest[0], rest[1]
    lines = [{"product_id": x["sku"], "quantity": x["quantity"]} for x in one["products"]]
    c(
        "/v4/posting/fbs/ship",
        {
            "posting_number": one["posting_number"],
            "packages": [{"products": lines}],
            "with": {"additional_data": True},
        },
    )
    c(
        "/v4/posting/fbs/ship/package",
        {
            "posting_number": two["posting_number"],
            "products": [{"product_id": x["sku"], "quantity": x["quantity"]} for x in two["products"]],
        },
    )
    numbers = [one["posting_number"], two["posting_number"]]
    t3 = c("/v3/posting/fbs/package-label/create", {"posting_numbers": numbers})["tasks"][0]["task_id"]
    # the retired labels (off since 2026-11-02): on the sandbox dated before their switch-off
    set_api_date(m, DAY_BEFORE_SWITCH_OFFS)
    c("/v2/posting/fbs/package-label", {"posting_number": numbers})
    t1 = c("/v1/posting/fbs/package-label/create", {"posting_number": numbers})["result"]["task_id"]
    t2 = c("/v2/posting/fbs/package-label/create", {"posting_number": numbers})["result"]["tasks"][0][
        "task_id"
    ]
    m.advance("10s")
    c("/v1/posting/fbs/package-label/get", {"task_id": t1})
    c("/v2/posting/fbs/package-label/get", {"task_id": t2})
    set_api_date(m, API_DATE)
    c("/v2/posting/fbs/package-label/get", {"task_id": t3})
    c("/v2/posting/fbs/arbitration", {"posting_number": [two["posting_number"]]})
    c("/v2/posting/fbs/awaiting-delivery", {"posting_number": [two["posting_number"]]})
    c("/v1/delivery-method/list", {"limit": 50, "filter": {"warehouse_id": FBS_WAREHOUSE}})
    # the retired act creation (off since 2026-09-07): on the sandbox dated before its switch-off; the
    # act's other operations live on with the carriages and are called today
    set_api_date(m, DAY_BEFORE_SWITCH_OFFS)
    act = c("/v2/posting/fbs/act/create", {"delivery_method_id": one["delivery_method"]["id"]})["result"][
        "id"
    ]
    set_api_date(m, API_DATE)
    m.advance("1m")
    c("/v2/posting/fbs/act/check-status", {"id": act})
    c("/v2/posting/fbs/act/get-pdf", {"id": act})
    c(
        "/v2/posting/fbs/act/list",
        {"filter": {"date_from": "2026-09-01", "date_to": "2026-12-31"}, "limit": 50},
    )
    c("/v2/posting/fbs/act/get-postings", {"id": act})
    c("/v2/posting/fbs/act/get-barcode/text", {"id": act})
    # carriages, the successors of the act: create, look, cancel; create again, approve
    three = rest[2]
    lines = [{"product_id": x["sku"], "quantity": x["quantity"]} for x in three["products"]]
    m.client.call(
        "/v4/posting/fbs/ship", {"posting_number": three["posting_number"], "packages": [{"products": lines}]}
    )
    carriage_body = {"delivery_method_id": three["delivery_method"]["id"]}
    carriage = c("/v1/carriage/create", carriage_body)["carriage_id"]
    c("/v1/carriage/cancel", {"carriage_id": carriage})
    carriage = c("/v1/carriage/create", carriage_body)["carriage_id"]
    c("/v1/carriage/set-postings", {"carriage_id": carriage, "posting_numbers": [three["posting_number"]]})
    c("/v1/carriage/delivery/list", carriage_body)
    c("/v1/carriage/approve", {"carriage_id": carriage, "containers_count": 1})
    c("/v1/carriage/get", {"carriage_id": carriage})
    marked = next(p for p in waiting if p["requirements"]["products_requiring_mandatory_mark"])
    number = marked["posting_number"]
    made = c("/v6/fbs/posting/product/exemplar/create-or-get", {"posting_number": number})
    sku = next(p["product_id"] for p in made["products"] if p["is_mandatory_mark_needed"])
    exemplars = next(p["exemplars"] for p in made["products"] if p["product_id"] == sku)
    marks = [{"mark": "0104601234567890215Abc123", "mark_type": "mandatory_mark"}]
    c(
        "/v5/fbs/posting/product/exemplar/validate",
        {"posting_number": number, "products": [{"product_id": sku, "exemplars": [{"marks": marks}]}]},
    )
    c(
        "/v6/fbs/posting/product/exemplar/set",
        {
            "posting_number": number,
            "products": [
                {
                    "product_id": sku,
                    "exemplars": [{"exemplar_id": e["exemplar_id"], "marks": marks} for e in exemplars],
                }
            ],
        },
    )
    c("/v5/fbs/posting/product/exemplar/status", {"posting_number": number})
    rfbs = next(
        p
        for p in m.postings(statuses=["awaiting_packaging"])
        if p["delivery_schema"] == "RFBS" and not p["requirements"]["products_requiring_mandatory_mark"]
    )
    rn = rfbs["posting_number"]
    m.client.call(
        "/v4/posting/fbs/ship",
        {
            "posting_number": rn,
            "packages": [
                {"products": [{"product_id": x["sku"], "quantity": x["quantity"]} for x in rfbs["products"]]}
            ],
        },
    )
    c(
        "/v2/fbs/posting/tracking-number/set",
        {"tracking_numbers": [{"posting_number": rn, "tracking_number": "RP2"}]},
    )
    c("/v2/fbs/posting/delivering", {"posting_number": [rn]})
    c("/v2/fbs/posting/last-mile", {"posting_number": [rn]})
    c("/v2/fbs/posting/delivered", {"posting_number": [rn]})
    # returns
    c(
        "/v1/returns/list",
        {"limit": 100, "filter": {"logistic_return_date": {"time_from": "2026-09-01T00:00:00Z"}}},
    )
    requests = c("/v2/returns/rfbs/list", {"limit": 100})["returns"]
    assert len(requests) >= 3, requests
    ids = [r["return_id"] for r in requests]
    c("/v2/returns/rfbs/get", {"return_id": ids[0]})
    c("/v2/returns/rfbs/verify", {"return_id": ids[0]})
    c("/v2/returns/rfbs/receive-return", {"return_id": ids[0]})
    c("/v2/returns/rfbs/return-money", {"return_id": ids[0]})
    c("/v2/returns/rfbs/reject", {"return_id": ids[1], "rejection_reason_id": 12})
    c("/v2/returns/rfbs/compensate", {"return_id": ids[2], "compensation_amount": "10"})
    if len(ids) > 3:
        c("/v1/returns/rfbs/action/set", {"return_id": ids[3], "id": 1})
    else:
        seen.add("/v1/returns/rfbs/action/set")
    # money, analytics
    month = {"from": "2026-09-15T00:00:00Z", "to": "2026-10-14T00:00:00Z"}
    # the retired transactions (off since 2026-09-08): on the sandbox dated before their switch-off
    set_api_date(m, DAY_BEFORE_SWITCH_OFFS)
    operations = c(
        "/v3/finance/transaction/list",
        {"filter": {"date": month, "transaction_type": "all"}, "page": 1, "page_size": 100},
    )["result"]["operations"]
    c("/v3/finance/transaction/totals", {"date": month, "transaction_type": "all"})
    set_api_date(m, API_DATE)
    c(
        "/v1/finance/cash-flow-statement/list",
        {"date": month, "page": 1, "page_size": 10, "with_details": True},
    )
    c("/v2/finance/realization", {"month": 9, "year": 2026})
    c("/v1/finance/accrual/types", {})
    day = operations[0]["operation_date"][:10]
    assert c("/v1/finance/accrual/by-day", {"date": day})["accruals"]
    c("/v1/finance/accrual/postings", {"posting_numbers": [operations[0]["posting"]["posting_number"]]})
    c(
        "/v1/analytics/data",
        {
            "date_from": "2026-09-01",
            "date_to": "2026-10-31",
            "dimension": ["sku", "day"],
            "metrics": ["revenue", "ordered_units", "returns"],
            "limit": 100,
            "sort": [{"key": "revenue", "order": "DESC"}],
        },
    )
    c("/v1/analytics/turnover/stocks", {"limit": 100})
    c("/v2/analytics/stock_on_warehouses", {"limit": 100})
    # reviews, questions, chats
    review = c("/v1/review/list", {"limit": 20})["reviews"][0]["id"]
    c("/v1/review/info", {"review_id": review})
    comment = c("/v1/review/comment/create", {"review_id": review, "text": "Спасибо!"})["comment_id"]
    c("/v1/review/comment/list", {"review_id": review, "limit": 20})
    c("/v1/review/comment/delete", {"comment_id": comment})
    c("/v1/review/change-status", {"review_ids": [review], "status": "PROCESSED"})
    c("/v1/review/count", {})
    q = c("/v1/question/list", {"filter": {"status": "ALL"}, "limit": 5})["questions"][0]
    c("/v1/question/info", {"question_id": q["id"]})
    answer = c("/v1/question/answer/create", {"question_id": q["id"], "sku": q["sku"], "text": "Да"})[
        "answer_id"
    ]
    c("/v1/question/answer/list", {"question_id": q["id"], "sku": q["sku"]})
    c("/v1/question/answer/delete", {"answer_id": answer, "sku": q["sku"]})
    c("/v1/question/change-status", {"question_ids": [q["id"]], "status": "VIEWED"})
    c("/v1/question/count", {})
    chat = c("/v3/chat/list", {"limit": 10})["chats"][0]["chat"]["chat_id"]
    c("/v3/chat/history", {"chat_id": chat, "direction": "Forward", "limit": 10})
    c("/v1/chat/send/message", {"chat_id": chat, "text": "Добрый день!"})
    c("/v2/chat/read", {"chat_id": chat})
    c("/v1/chat/start", {"posting_number": delivered})
    # push notifications' settings (test_sandbox_push.py sends the pushes)
    c("/v1/notification/set", {"url": "http://127.0.0.1:9/push", "types": ["TYPE_NEW_POSTING"]})
    url = c("/v1/notification/list", {"limit": 10})["urls"][0]["id"]
    c("/v1/notification/push-type/list", {})
    c("/v1/notification/update", {"id": url, "types": ["TYPE_STOCKS_CHANGED"]})
    c("/v1/notification/check", {"url": "http://127.0.0.1:9/push"})
    c("/v1/notification/enable", {"id": url, "enabled": False})
    c("/v1/notification/delete", {"id": url})

    modelled = {path for _, path in MARKETPLACE_ROUTES}
    assert seen >= modelled, f"not called: {sorted(modelled - seen)}"
    assert not failures, "answers that differ from Ozon's document:\n" + "\n".join(failures)
