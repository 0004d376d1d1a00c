"""The successors of the operations Ozon switched off in August-November 2026 (issue 16, item 2),
answering from the living marketplace's state: the v4 FBS lists, the finance accruals, carriages,
the v3 label tasks, the v2 stocks by warehouse.

One simulated week of buyers (in-process, on a test clock), handed over by carriages instead of
acts. The sandbox is dated before the switch-offs while the week runs and the old operations are
read (they are the yardstick); the successors are then read again dated today, since they must
answer at any API date. Every answer is checked against Ozon's document.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from answer_conformance import problems
from conftest import Clock, sandbox_client
from living import EVERYTHING, FBS_WAREHOUSE, START, Market, load_products, pdf_pages

from oint.apis.seller import spec
from oint.core.errors import APIStatusError
from oint.core.validate import answer_problems
from oint.sandbox.core import Sandbox

BEFORE = "2026-07-31"  # the day before the first of the switch-offs (v3 FBS lists, 2026-08-01)
TODAY = "2026-12-07"
DAYS = 7
FIRST_DAY = dt.datetime.fromtimestamp(START, dt.timezone.utc).date()


def checked(m: Market, path: str, body: dict[str, Any]) -> Any:
    """The answer of `path` through the library, after checking it against Ozon's document (or
    the newer structure, for operations the document lacks) and the operation layer's schema."""
    answer = m.client.call(path, body)
    if isinstance(answer, bytes):
        assert pdf_pages(answer) >= 1
    else:
        found = problems("POST", path, answer)
        response = spec.operation(path).response
        assert response is not None
        found += [
            f"layer {p.pointer}: {p.message}"
            for p in answer_problems({"$ref": "#/schemas/" + response}, answer, spec.schemas())
        ]
        assert not found, found
    return answer


def set_api_date(m: Market, day: str) -> None:
    assert m.admin("POST", "api-date", {"date": day})["api_date"] == day


def carriages(m: Market) -> list[int]:
    """A carriage for each delivery method with postings waiting for the courier, approved: the
    successor of `/v2/posting/fbs/act/create` in the seller's day."""
    made = []
    methods = {p["delivery_method"]["id"] for p in m.postings(statuses=["awaiting_deliver"])}
    for method in sorted(methods):
        try:
            carriage = m.client.call("/v1/carriage/create", {"delivery_method_id": method})["carriage_id"]
        except APIStatusError:  # rFBS methods, or every posting in a carriage already
            continue
        m.client.call("/v1/carriage/approve", {"carriage_id": carriage, "containers_count": 1})
        made.append(carriage)
    return made


def v3_postings(m: Market, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    return list(m.client.iter_items(path, body))


@pytest.fixture(scope="module")
def week() -> Iterator[Market]:
    """A week of buyers (30 orders a day), shipped every 6 hours and handed over by carriages, then
    a week without buyers for the parcels to arrive and some to come back."""
    clock = Clock(START)
    sandbox = Sandbox(":memory:", clock=clock, rate_limits=False, api_date=BEFORE)
    with sandbox_client(sandbox) as client:
        m = Market(sandbox, client, clock)
        load_products(m, 20, 30)
        m.admin("POST", "buyers", {"orders_per_day": 30, "seed": 16, "fbo_share": 0.1})
        for _ in range(DAYS * 4):
            m.advance("6h")
            m.ship_waiting()
            carriages(m)
        m.admin("POST", "buyers", {"orders_per_day": 0})
        for _ in range(7):
            m.advance("1d")
            m.ship_waiting()
            carriages(m)
        m.advance("6h")
        m.admin("POST", "buyers", {"orders_per_day": 40, "seed": 17})
        m.advance("12h")  # new orders left waiting: the unfulfilled lists are not empty
        m.admin("POST", "buyers", {"orders_per_day": 0})
        yield m
    sandbox.close()


# ------------------------------------------------------------------ the v4 FBS lists
def test_v4_list_gives_the_postings_of_the_v3_list(week: Market) -> None:
    m = week
    set_api_date(m, BEFORE)
    v3 = v3_postings(m, "/v3/posting/fbs/list", {"filter": EVERYTHING, "limit": 1000, "offset": 0})
    v4 = list(m.client.iter_items("/v4/posting/fbs/list", {"filter": EVERYTHING, "limit": 100}))
    statuses = {p["status"] for p in v3}
    assert len(v3) > 150 and {"delivered", "awaiting_packaging", "cancelled"} <= statuses, statuses
    assert [(p["posting_number"], p["status"]) for p in v4] == [
        (p["posting_number"], p["status"]) for p in v3
    ]
    # v4 pages by cursor, postings at the top level: small pages give the same postings
    body: dict[str, Any] = {"filter": EVERYTHING, "limit": 17}
    paged: list[str] = []
    pages = 0
    while True:
        answer = checked(m, "/v4/posting/fbs/list", body)
        assert "result" not in answer and set(answer) == {"postings", "cursor", "has_next"}
        paged += [p["posting_number"] for p in answer["postings"]]
        pages += 1
        if not answer["has_next"]:
            assert answer["cursor"] == ""
            break
        assert answer["cursor"] and len(answer["postings"]) == 17
        body = {**body, "cursor": answer["cursor"]}
    assert paged == [p["posting_number"] for p in v3] and pages == -(-len(v3) // 17)
    # the same at today's date
    set_api_date(m, TODAY)
    today = list(m.client.iter_items("/v4/posting/fbs/list", {"filter": EVERYTHING, "limit": 100}))
    assert [p["posting_number"] for p in today] == paged
    with pytest.raises(APIStatusError) as e:
        m.client.call("/v4/posting/fbs/list", {"filter": EVERYTHING, "limit": 10, "cursor": "nonsense"})
    assert e.value.status == 400


def test_v4_unfulfilled_list_gives_the_postings_of_the_v3_list(week: Market) -> None:
    m = week
    set_api_date(m, BEFORE)
    flt = {"cutoff_from": "2026-06-01T00:00:00Z", "cutoff_to": "2027-05-31T00:00:00Z"}
    v3 = v3_postings(m, "/v3/posting/fbs/unfulfilled/list", {"filter": flt, "limit": 1000, "offset": 0})
    assert v3 and {p["status"] for p in v3} <= {"awaiting_packaging", "awaiting_deliver"}
    set_api_date(m, TODAY)
    body: dict[str, Any] = {"limit": 3}
    numbers: list[str] = []
    while True:
        answer = checked(m, "/v4/posting/fbs/unfulfilled/list", body)
        assert "result" not in answer and answer["count"] == len(v3)
        numbers += [p["posting_number"] for p in answer["postings"]]
        if not answer["has_next"]:
            break
        body = {**body, "cursor": answer["cursor"]}
    assert sorted(numbers) == sorted(p["posting_number"] for p in v3)


# ------------------------------------------------------------------ finance accruals
def _day(offset: int) -> str:
    return (FIRST_DAY + dt.timedelta(days=offset)).isoformat()


def _money(value: dict[str, str]) -> Decimal:
    assert value["currency"] == "RUB"
    return Decimal(value["amount"])


def test_accruals_by_day_add_up_to_the_transactions_totals(week: Market) -> None:
    m = week
    set_api_date(m, TODAY)
    types = checked(m, "/v1/finance/accrual/types", {})["accrual_types"]
    names = {t["id"]: t["name"] for t in types}
    assert len(names) == len(types) >= 8
    accruals: list[dict[str, Any]] = []
    requests = 0
    for offset in range(DAYS + 7):
        day = _day(offset)
        body: dict[str, Any] = {"date": day}
        while True:  # one day a request, pages by last_id
            answer = checked(m, "/v1/finance/accrual/by-day", body)
            requests += 1
            assert all(a["date"].startswith(day) for a in answer["accruals"])
            accruals += answer["accruals"]
            if not answer["last_id"]:
                break
            body = {**body, "last_id": answer["last_id"]}
    assert len(accruals) > 100 and requests >= DAYS + 7
    assert len({a["accrual_id"] for a in accruals}) == len(accruals)
    assert {a["accrued_category"] for a in accruals} >= {"ORDER", "RETURN"}
    by_type: dict[int, Decimal] = {}
    for a in accruals:
        fees = [f for item in a["item_fees"]["fees"] for f in item["fees"]]
        assert sum(_money(f["accrued"]) for f in fees) == _money(a["total_amount"]), a
        for f in fees:
            assert f["type_id"] in names
            by_type[f["type_id"]] = by_type.get(f["type_id"], Decimal(0)) + _money(f["accrued"])
    # the yardstick: the old totals of the same period
    set_api_date(m, BEFORE)
    period = {"from": f"{_day(0)}T00:00:00Z", "to": f"{_day(DAYS + 6)}T23:59:59Z"}
    totals = checked(m, "/v3/finance/transaction/totals", {"date": period, "transaction_type": "all"})[
        "result"
    ]
    assert sum(_money(a["total_amount"]) for a in accruals) == sum(Decimal(str(v)) for v in totals.values())
    assert by_type[1] == Decimal(str(totals["accruals_for_sale"]))
    assert by_type[2] + by_type.get(6, Decimal(0)) == Decimal(str(totals["sale_commission"]))
    assert by_type[3] + by_type[4] == Decimal(str(totals["processing_and_delivery"]))
    # one posting's accruals: what the transactions of that posting amount to
    sold = next(a for a in accruals if a["accrued_category"] == "RETURN")["unit_number"]
    set_api_date(m, TODAY)
    got = checked(m, "/v1/finance/accrual/postings", {"posting_numbers": [sold]})["posting_accruals"]
    assert [g["posting_number"] for g in got] == [sold]
    types_seen = {a["type_id"] for a in got[0]["accruals"]}
    assert {1, 2, 5, 6} <= types_seen, types_seen
    set_api_date(m, BEFORE)
    ops = m.client.call(
        "/v3/finance/transaction/list",
        {"filter": {"posting_number": sold}, "page": 1, "page_size": 100},
    )["result"]["operations"]
    assert sum(_money(a["accrued"]) for a in got[0]["accruals"]) == sum(
        Decimal(str(o["amount"])) for o in ops
    )
    with pytest.raises(APIStatusError) as e:
        m.client.call("/v1/finance/accrual/by-day", {"date": "last week"})
    assert e.value.status == 400


# ------------------------------------------------------------------ carriages
def test_carriage_create_approve_act_and_handover(week: Market) -> None:
    m = week
    set_api_date(m, TODAY)
    unmarked = [
        p
        for p in m.postings(statuses=["awaiting_packaging"], warehouse_ids=[str(FBS_WAREHOUSE)])
        if not p["requirements"]["products_requiring_mandatory_mark"]
    ]
    method = Counter(p["delivery_method"]["id"] for p in unmarked).most_common(1)[0][0]
    waiting = [p for p in unmarked if p["delivery_method"]["id"] == method][:4]
    assert len(waiting) >= 2, unmarked
    for p in waiting:
        lines = [{"product_id": x["sku"], "quantity": x["quantity"]} for x in p["products"]]
        m.client.call(
            "/v4/posting/fbs/ship", {"posting_number": p["posting_number"], "packages": [{"products": lines}]}
        )
    *numbers, left_out = [p["posting_number"] for p in waiting]  # the last one is taken out
    # a carriage, cancelled: its postings wait for the next
    first = checked(m, "/v1/carriage/create", {"delivery_method_id": method})["carriage_id"]
    assert checked(m, "/v1/carriage/cancel", {"carriage_id": first})["carriage_status"] == "CANCELLED"
    with pytest.raises(APIStatusError) as e:
        m.client.call("/v1/carriage/get", {"carriage_id": first})
    assert e.value.status == 404
    carriage = checked(m, "/v1/carriage/create", {"delivery_method_id": method})["carriage_id"]
    with pytest.raises(APIStatusError) as e:  # every posting is in the carriage already
        m.client.call("/v1/carriage/create", {"delivery_method_id": method})
    assert e.value.status == 400
    in_carriage = m.client.call("/v2/posting/fbs/act/get-postings", {"id": carriage})["result"]
    everyone = [p["posting_number"] for p in in_carriage]
    assert set(everyone) >= {*numbers, left_out}
    departs = m.client.call("/v1/carriage/get", {"carriage_id": carriage})["departure_date"]
    on_the_day = {"delivery_method_id": method, "departure_date": f"{departs}T00:00:00Z"}
    listed = checked(m, "/v1/carriage/delivery/list", on_the_day)["result"]
    assert [r["delivery_method_id"] for r in listed] == [method]
    assert [(c["id"], c["status"]) for c in listed[0]["carriages"]] == [(str(carriage), "NEW")]
    assert listed[0]["mandatory_postings_count"] == 0
    assert listed[0]["carriage_postings_count"] == len(everyone)
    # its composition: one posting left out waits for another carriage, a stranger is refused
    stranger = m.postings(statuses=["delivered"])[0]["posting_number"]
    kept = [n for n in everyone if n != left_out]
    body = {"carriage_id": carriage, "posting_numbers": [*kept, stranger]}
    answer = checked(m, "/v1/carriage/set-postings", body)
    assert [(r["posting_number"], r["result"]) for r in answer["result"]] == [
        *((n, True) for n in kept),
        (stranger, False),
    ]
    assert answer["result"][-1]["error"].startswith("INVALID_POSTING_STATUS")
    in_carriage = m.client.call("/v2/posting/fbs/act/get-postings", {"id": carriage})["result"]
    assert sorted(p["posting_number"] for p in in_carriage) == sorted(kept)
    listed = checked(m, "/v1/carriage/delivery/list", on_the_day)["result"]
    assert listed[0]["mandatory_postings_count"] == 1
    assert listed[0]["carriages"][0]["postings_count"] == len(kept)
    got = checked(m, "/v1/carriage/get", {"carriage_id": carriage})
    assert got["status"] == "NEW" and "approve" in got["available_actions"]
    assert got["delivery_method_id"] == method and got["warehouse_id"] == FBS_WAREHOUSE
    assert m.client.call("/v2/posting/fbs/act/check-status", {"id": carriage})["result"]["status"] == "NEW"
    with pytest.raises(APIStatusError) as e:  # no act before the approval
        m.client.call("/v2/posting/fbs/act/get-pdf", {"id": carriage})
    assert e.value.status == 400
    m.advance("3h")  # not approved: nobody comes for them
    still = {p["posting_number"] for p in m.postings(statuses=["awaiting_deliver"])}
    assert still >= {*numbers, left_out}
    checked(m, "/v1/carriage/approve", {"carriage_id": carriage, "containers_count": 2})
    got = checked(m, "/v1/carriage/get", {"carriage_id": carriage})
    assert got["status"] == "FORMING" and got["containers_count"] == 2 and not got["available_actions"]
    with pytest.raises(APIStatusError):  # approved once
        m.client.call("/v1/carriage/approve", {"carriage_id": carriage})
    with pytest.raises(APIStatusError):  # the composition of an approved carriage stays
        m.client.call("/v1/carriage/set-postings", {"carriage_id": carriage, "posting_numbers": kept})
    m.advance("1m")
    assert checked(m, "/v1/carriage/get", {"carriage_id": carriage})["status"] == "FORMED"
    status = m.client.call("/v2/posting/fbs/act/check-status", {"id": carriage})["result"]
    assert status["status"] == "FORMED" and sorted(status["added_to_act"]) == sorted(kept)
    act = m.client.call("/v2/posting/fbs/act/get-pdf", {"id": carriage})
    assert pdf_pages(act) >= 1 and f"act {carriage}".encode() in act
    m.advance("3h")  # the departure: the courier takes them
    for number in numbers:
        posting = m.client.call("/v3/posting/fbs/get", {"posting_number": number})["result"]
        assert posting["status"] == "delivering" and posting["delivering_date"], posting
    posting = m.client.call("/v3/posting/fbs/get", {"posting_number": left_out})["result"]
    assert posting["status"] == "awaiting_deliver"  # left out: no courier yet (hours after its ship-by)


def test_the_week_was_handed_over_by_carriages(week: Market) -> None:
    """No act was made the old way, and yet every posting shipped in the first week arrived."""
    m = week
    set_api_date(m, TODAY)
    first_week = {**EVERYTHING, "to": f"{_day(DAYS)}T00:00:00Z"}
    statuses = {
        p["status"] for p in m.client.iter_items("/v4/posting/fbs/list", {"filter": first_week, "limit": 100})
    }
    assert "delivered" in statuses and not statuses & {"awaiting_deliver", "awaiting_packaging"}, statuses


# ------------------------------------------------------------------ labels, stocks
def test_label_task_v3_then_a_pdf(week: Market) -> None:
    m = week
    set_api_date(m, TODAY)
    numbers = [p["posting_number"] for p in m.postings(statuses=["delivering", "delivered"])][:4]
    tasks = checked(m, "/v3/posting/fbs/package-label/create", {"posting_numbers": numbers})["tasks"]
    assert [t["task_type"] for t in tasks] == ["big_label", "small_label"]
    pending = checked(m, "/v2/posting/fbs/package-label/get", {"task_id": tasks[0]["task_id"]})
    assert pending["status"]["code"] == "pending" and pending["file_url"] == ""
    m.advance("10s")
    for task in tasks:
        done = checked(m, "/v2/posting/fbs/package-label/get", {"task_id": task["task_id"]})
        assert done["status"]["code"] == "completed" and done["status"]["printed_postings_count"] == 4
        fetched = m.sandbox.handle("GET", done["file_url"].removeprefix("sandbox:"), {}, b"")
        assert fetched.status == 200 and fetched.headers["content-type"] == "application/pdf"
        assert pdf_pages(fetched.body) == 4 and numbers[0].encode() in fetched.body


def test_stocks_by_warehouse_v2_follow_the_orders(week: Market) -> None:
    m = week
    set_api_date(m, TODAY)
    reserved = m.postings(statuses=["awaiting_packaging"], warehouse_ids=[str(FBS_WAREHOUSE)])
    sku = reserved[0]["products"][0]["sku"]
    answer = checked(m, "/v2/product/info/stocks-by-warehouse/fbs", {"sku": [str(sku)], "limit": 100})
    entry = next(s for s in answer["products"] if s["warehouse_id"] == FBS_WAREHOUSE)
    held = sum(
        line["quantity"]
        for p in m.postings(
            statuses=["awaiting_packaging", "awaiting_deliver"], warehouse_ids=[str(FBS_WAREHOUSE)]
        )
        for line in p["products"]
        if line["sku"] == sku
    )
    assert entry["sku"] == sku and entry["reserved"] == held > 0
    stocks = m.client.call("/v4/product/info/stocks", {"filter": {"visibility": "ALL"}, "limit": 1000})[
        "items"
    ]
    fbs = next(s for item in stocks for s in item["stocks"] if s["type"] == "fbs" and s["sku"] == sku)
    assert (entry["present"], entry["reserved"]) == (fbs["present"], fbs["reserved"])


def test_accruals_by_day_pages_by_last_id(week: Market, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of a busy day, after `last_id`, give the day's accruals once each, in order."""
    from oint.sandbox.model import finance

    m = week
    set_api_date(m, TODAY)
    busiest = max(
        (checked(m, "/v1/finance/accrual/by-day", {"date": _day(o)})["accruals"] for o in range(DAYS + 7)),
        key=len,
    )
    assert len(busiest) > 3
    monkeypatch.setattr(finance, "ACCRUAL_PAGE", 3)
    body: dict[str, Any] = {"date": busiest[0]["date"][:10]}
    paged: list[dict[str, Any]] = []
    while True:
        answer = checked(m, "/v1/finance/accrual/by-day", body)
        assert len(answer["accruals"]) <= 3
        paged += answer["accruals"]
        if not answer["last_id"]:
            break
        body = {**body, "last_id": answer["last_id"]}
    assert paged == busiest
