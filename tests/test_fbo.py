"""The FBO scheme: GetClustersList, GetShippingWarehousesList, GetFBOShipmentsList, CreateFBODraft,
GetFBODraft, GetFBOTimeslots.

Request building (pure); end to end through the CLI and the clients against the HTTP sandbox
(the whole supply flow: clusters -> shipping point search -> draft -> poll -> timeslots); the
time-dependent rules (calculation, expiry, draft limits) in an in-process sandbox whose clock
the test moves.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, Cli, CliResult, Clock

from oint.compat.methods import REGISTRY
from oint.core.errors import APIStatusError, BadRequestError, NotFoundError, RateLimitError, UsageError
from oint.ozon import AsyncOzonClient, OzonClient
from oint.sandbox.core import Sandbox
from oint.sandbox.model import fbo as model

SKU_1, SKU_2, SKU_3, SKU_ARCHIVED = 1626044001, 1626044002, 1626044003, 1626044004
MOSCOW_CLUSTER = 2
TVER_RFC, TVER_HUB = 23021125185000, 6048863967000
BULKY_ONLY = 1020001642383000  # НОГИНСК_РФЦ_НЕГАБАРИТ: not available for small goods
CROSS_DOCK = 1020001649180000  # ХОРУГВИНО_РФЦ_КРОССДОКИНГ, a drop-off point of the Moscow cluster
ITEMS = f"{{'{SKU_1}':5,'{SKU_2}':2}}"
POLL_STEP = 0.05


def iso_net(moment: dt.datetime) -> str:
    """The EN CLI example's form: .NET's 7-digit fractions, no zone (2025-07-05T12:47:44.5600826)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".5600826"


def ru_date(moment: dt.datetime) -> str:
    """The RU CLI example's form: 07/29/2025 21:23:13."""
    return moment.strftime("%m/%d/%Y %H:%M:%S")


def available_warehouses(draft: dict[str, Any]) -> list[int]:
    return [
        w["supply_warehouse"]["warehouse_id"]
        for c in draft["clusters"]
        for w in c["warehouses"]
        if w["status"]["is_available"]
    ]


def assert_slots_within(answer: dict[str, Any], since: dt.datetime, until: dt.datetime) -> int:
    """Every slot lies in [since's day, until]; returns the number of slots."""
    day_start = since.replace(hour=0, minute=0, second=0, microsecond=0)
    assert answer["requested_date_from"] == day_start.strftime("%Y-%m-%dT%H:%M:%SZ")
    count = 0
    for warehouse in answer["drop_off_warehouse_timeslots"]:
        assert set(warehouse) == {
            "drop_off_warehouse_id",
            "warehouse_timezone",
            "current_time_in_timezone",
            "days",
        }
        for day in warehouse["days"]:
            assert day["timeslots"]
            for slot in day["timeslots"]:
                start = dt.datetime.strptime(slot["from_in_timezone"], "%Y-%m-%dT%H:%M:%SZ")
                end = dt.datetime.strptime(slot["to_in_timezone"], "%Y-%m-%dT%H:%M:%SZ")
                assert day_start <= start < end <= until.replace(microsecond=0)
                assert day["date_in_timezone"] == start.strftime("%Y-%m-%dT00:00:00Z")
                count += 1
    return count


# ------------------------------------------------------------------ request building (pure)
def body(name: str, values: list[Any]) -> dict[str, Any]:
    """The JSON body OInt sends for `name` with these values."""
    built = REGISTRY[name].build(values).body
    assert built is not None
    return built


def test_clusters_and_shipping_warehouses_bodies() -> None:
    clusters = REGISTRY["GetClustersList"]
    assert clusters.build(["CLUSTER_TYPE_OZON"]).body == {"cluster_type": "CLUSTER_TYPE_OZON"}
    assert REGISTRY["GetClustersList"].params[0].default == "CLUSTER_TYPE_OZON"
    search = REGISTRY["GetShippingWarehousesList"]
    assert search.build(["Tver", "CREATE_TYPE_DIRECT"]).body == {
        "search": "Tver",
        "filter_by_supply_type": ["CREATE_TYPE_DIRECT"],
    }
    both = body("GetShippingWarehousesList", ["ТВЕРЬ", "['CREATE_TYPE_CROSSDOCK','CREATE_TYPE_DIRECT']"])
    assert both["filter_by_supply_type"] == ["CREATE_TYPE_CROSSDOCK", "CREATE_TYPE_DIRECT"]
    with pytest.raises(UsageError, match="--search"):
        search.build([None, "CREATE_TYPE_DIRECT"])


def test_fbo_postings_body() -> None:
    method = REGISTRY["GetFBOShipmentsList"]
    assert method.build([None, None, 0, False]).body == {"limit": 1000}  # no filter/with defaults
    example = method.build(
        [
            "{'since':'2023-01-01T00:00:00Z','to':'2024-01-01T00:00:00Z'}",
            "{'analytics_data':true,'financial_data':true}",
            "2000",
            True,
        ]
    ).body
    assert example == {
        "limit": 1000,
        "filter": {"since": "2023-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"},
        "with": {"analytics_data": True, "financial_data": True},
        "offset": 2000,
        "translit": True,
    }
    python_dates = body(
        "GetFBOShipmentsList",
        [{"since": dt.date(2024, 1, 1), "to": dt.datetime(2024, 2, 1, 12, 30)}, None, 0, False],
    )
    assert python_dates["filter"] == {"since": "2024-01-01T00:00:00Z", "to": "2024-02-01T12:30:00Z"}
    with pytest.raises(UsageError, match="--filter"):
        method.build(["[1, 2]", None, 0, False])


def test_create_draft_body_as_oint_builds_it() -> None:
    method = REGISTRY["CreateFBODraft"]
    assert method.build(["2", "{'1783161863':5,'1784654052':2}", "CREATE_TYPE_DIRECT", ""]).body == {
        "cluster_ids": [2],
        "items": [{"sku": 1783161863, "quantity": 5}, {"sku": 1784654052, "quantity": 2}],
        "type": "CREATE_TYPE_DIRECT",
    }
    crossdock = method.build([["2", 7], {1783161863: "3"}, "CREATE_TYPE_CROSSDOCK", "1020001649180000"]).body
    assert crossdock == {
        "cluster_ids": [2, 7],
        "items": [{"sku": 1783161863, "quantity": 3}],
        "type": "CREATE_TYPE_CROSSDOCK",
        "drop_off_point_warehouse_id": 1020001649180000,
    }


@pytest.mark.parametrize(
    ("clusters", "items", "point", "message"),
    [
        ("2", "[1783161863, 5]", None, "Список позиций имеет некорректный формат"),
        ("2", {"1783161863": 0}, None, "quantity 0"),
        ("2", {"0": 5}, None, "SKU '0'"),
        ("2", {"sku-1": 5}, None, "SKU 'sku-1'"),
        ("Moscow", {"1783161863": 5}, None, "--clusters"),
        ("2", {"1783161863": 5}, "point-1", "--point"),
    ],
)
def test_create_draft_bad_input(clusters: Any, items: Any, point: Any, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        REGISTRY["CreateFBODraft"].build([clusters, items, "CREATE_TYPE_DIRECT", point])


def test_draft_info_and_timeslots_bodies() -> None:
    assert REGISTRY["GetFBODraft"].build(["0197c7d0-0319-7538-ab87-56cfc54bc143"]).body == {
        "operation_id": "0197c7d0-0319-7538-ab87-56cfc54bc143"
    }
    timeslots = REGISTRY["GetFBOTimeslots"]
    en = timeslots.build(
        ["2025-07-05T12:47:44.5600826", "2025-07-06T12:47:44.5600826", 57582168, "1020001649180000"]
    ).body
    assert en == {
        "date_from": "2025-07-05T12:47:44Z",
        "date_to": "2025-07-06T12:47:44Z",
        "draft_id": 57582168,
        "warehouse_ids": [1020001649180000],
    }
    ru = timeslots.build(
        ["07/29/2025 21:23:13", "07/30/2025 21:23:13", "60651963", "[1020001649180000, 23021125185000]"]
    )
    assert ru.body == {
        "date_from": "2025-07-29T21:23:13Z",
        "date_to": "2025-07-30T21:23:13Z",
        "draft_id": 60651963,
        "warehouse_ids": [1020001649180000, 23021125185000],
    }
    aware = dt.datetime(2025, 7, 5, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    assert body("GetFBOTimeslots", [aware, aware, 1, [1]])["date_from"] == "2025-07-05T12:00:00Z"
    with pytest.raises(UsageError, match="--from"):
        timeslots.build(["yesterday", "2025-07-06", 1, [1]])


def test_fbo_endpoints_are_marked_retired() -> None:
    expected = {
        "GetFBOShipmentsList": ("2026-08-31", "/v3/posting/fbo/list"),
        "CreateFBODraft": ("2026-03-16", "/v1/draft/direct/create"),
        "GetFBODraft": ("2026-03-16", "/v2/draft/create/info"),
        "GetFBOTimeslots": ("2026-03-16", "/v2/draft/timeslot/info"),
    }
    for name, (retired, successor) in expected.items():
        endpoint = REGISTRY[name].endpoint
        assert endpoint is not None and (endpoint.retired, endpoint.successor) == (retired, successor)
    assert REGISTRY["CreateFBODraft"].rate_limit == (2, 60.0)


# ------------------------------------------------------------------ CLI: clusters and shipping points
def test_cli_clusters(cli: Cli) -> None:
    r = cli("ПолучитьСписокКластеров")
    assert r.code == 0, r.err
    clusters = {c["id"]: c for c in r.json()["clusters"]}
    moscow = clusters[MOSCOW_CLUSTER]
    assert moscow["type"] == "OZON" and set(moscow) == {"logistic_clusters", "id", "name", "type"}
    warehouses = {w["warehouse_id"]: w for w in moscow["logistic_clusters"][0]["warehouses"]}
    assert warehouses[TVER_RFC] == {"warehouse_id": TVER_RFC, "type": "FULL_FILLMENT", "name": "ТВЕРЬ_РФЦ"}
    assert warehouses[CROSS_DOCK]["type"] == "CROSS_DOCK"
    cis = cli("GetClustersList", "--type", "CLUSTER_TYPE_CIS").json()["clusters"]
    assert {c["type"] for c in cis} == {"CIS"} and not {c["id"] for c in cis} & set(clusters)

    bad = cli("GetClustersList", "--type", "CLUSTER_TYPE_MARS")
    assert bad.code == 1 and bad.json()["code"] == 3 and "ClusterType" in bad.json()["message"]


def test_cli_shipping_warehouses_search(cli: Cli) -> None:
    r = cli("ПолучитьСписокСкладовОтгрузки", "--search", "ТВЕРЬ")
    assert r.code == 0, r.err
    found = r.json()["search"]
    assert [w["warehouse_id"] for w in found] == [TVER_RFC, TVER_HUB]  # as OInt's recording
    assert all(w["warehouse_type"] == "WAREHOUSE_TYPE_FULL_FILLMENT" for w in found)
    assert set(found[0]) == {"warehouse_id", "warehouse_type", "coordinates", "address", "name"}
    assert set(found[0]["coordinates"]) == {"latitude", "longitude"} and "Тверь" in found[0]["address"]

    latin = cli("GetShippingWarehousesList", "--search", "Tver")
    assert latin.json() == {"search": []}  # as OInt's EN recording
    lower = cli("GetShippingWarehousesList", "--search", "тверь_рфц")
    assert [w["name"] for w in lower.json()["search"]] == ["ТВЕРЬ_РФЦ"]

    drop_off = cli(
        "GetShippingWarehousesList", "--search", "Хоругвино", "--type", "CREATE_TYPE_CROSSDOCK"
    ).json()["search"]
    assert [(w["warehouse_id"], w["warehouse_type"]) for w in drop_off] == [
        (CROSS_DOCK, "WAREHOUSE_TYPE_CROSS_DOCK")
    ]

    # pick-up points only by their full name
    partial = cli(
        "GetShippingWarehousesList", "--search", "ПВЗ_СОВЕТСКАЯ", "--type", "CREATE_TYPE_CROSSDOCK"
    ).json()["search"]
    assert partial == []
    full = cli(
        "GetShippingWarehousesList",
        "--search",
        "тверь_пвз_советская_10",
        "--type",
        "['CREATE_TYPE_CROSSDOCK','CREATE_TYPE_DIRECT']",
    ).json()["search"]
    assert [w["warehouse_type"] for w in full] == ["WAREHOUSE_TYPE_DELIVERY_POINT"]

    short = cli("GetShippingWarehousesList", "--search", "Тве")
    assert short.code == 1 and short.json()["code"] == 3 and "at least 4" in short.json()["message"]
    wrong_type = cli("GetShippingWarehousesList", "--search", "Тверь", "--type", "CREATE_TYPE_BY_AIR")
    assert wrong_type.code == 1 and "FilterBySupplyType" in wrong_type.json()["message"]
    missing = cli("GetShippingWarehousesList")
    assert missing.code == 2 and "--search" in missing.err and "Traceback" not in missing.err


# ------------------------------------------------------------------ CLI: FBO postings
@pytest.mark.usefixtures("legacy_api")
def test_cli_fbo_postings(cli: Cli) -> None:
    example = cli(
        "GetFBOShipmentsList",
        "--filter",
        "{'since':'2023-01-01T00:00:00Z','to':'2024-01-01T00:00:00Z'}",
        "--with",
        "{'analytics_data':true,'financial_data':true}",
    )
    assert example.code == 0, example.err
    assert example.json() == {"result": []}  # OInt's recording: nothing in that year

    now = dt.datetime.now(dt.timezone.utc)
    window = json.dumps(
        {
            "since": (now - dt.timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "to": (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    )
    plain = cli("ПолучитьСписокОтправленийFBO", "--filter", window).json()["result"]
    assert len(plain) >= 10
    created = [p["created_at"] for p in plain]
    assert created == sorted(created)  # ASC by default
    first = plain[0]
    assert first["analytics_data"] is None and first["financial_data"] is None
    assert {
        "order_id",
        "order_number",
        "posting_number",
        "status",
        "cancel_reason_id",
        "created_at",
        "in_process_at",
        "products",
        "additional_data",
    } <= set(first)
    assert first["posting_number"].startswith(first["order_number"])
    skus = {item["sku"] for p in plain for item in p["products"]}
    assert skus <= {SKU_1, SKU_2, SKU_3, SKU_ARCHIVED}
    assert set(first["products"][0]) >= {"sku", "name", "quantity", "offer_id", "price", "digital_codes"}

    rich = cli(
        "GetFBOShipmentsList",
        "--filter",
        window,
        "--with",
        "{'analytics_data':true,'financial_data':true}",
        "--trlt",
        "true",
    ).json()["result"]
    assert [p["posting_number"] for p in rich] == [p["posting_number"] for p in plain]
    analytics, financial = rich[0]["analytics_data"], rich[0]["financial_data"]
    assert analytics["warehouse_name"] and analytics["city"].isascii()  # transliterated
    product = financial["products"][0]
    assert product["product_id"] == rich[0]["products"][0]["sku"]
    revenue = product["price"] * product["quantity"]
    assert product["payout"] == pytest.approx(revenue - product["commission_amount"])

    delivered = json.loads(window) | {"status": "delivered"}
    only = cli("GetFBOShipmentsList", "--filter", json.dumps(delivered))
    assert {p["status"] for p in only.json()["result"]} == {"delivered"}
    paged = cli("GetFBOShipmentsList", "--filter", window, "--offset", "3")
    assert [p["posting_number"] for p in paged.json()["result"]] == [p["posting_number"] for p in plain[3:]]

    too_far = cli("GetFBOShipmentsList", "--filter", window, "--offset", "20001")
    assert too_far.code == 1 and too_far.json()["message"] == "MAX_OFFSET_EXCEEDED"
    no_filter = cli("GetFBOShipmentsList")
    assert no_filter.code == 1 and "Filter" in no_filter.json()["message"]
    bad_json = cli("GetFBOShipmentsList", "--filter", "{'since':")
    assert bad_json.code == 2 and "--filter" in bad_json.err and "Traceback" not in bad_json.err


@pytest.mark.usefixtures("legacy_api")
def test_library_fbo_postings_order_and_limits(ozon: OzonClient) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    flt = {"since": now - dt.timedelta(days=400), "to": now}
    asc = ozon.get_fbo_shipments_list(flt)["result"]
    desc = ozon.request(
        "POST",
        "/v2/posting/fbo/list",
        {"filter": {k: v.strftime("%Y-%m-%dT%H:%M:%SZ") for k, v in flt.items()}, "limit": 2, "dir": "desc"},
    )
    assert [p["posting_number"] for p in desc["result"]] == [p["posting_number"] for p in asc[::-1][:2]]
    cancelled = [p for p in asc if p["status"] == "cancelled"]
    assert cancelled and all(p["cancel_reason_id"] for p in cancelled)
    with pytest.raises(BadRequestError, match="Limit"):
        ozon.request(
            "POST",
            "/v2/posting/fbo/list",
            {"filter": {"since": "2025-01-01T00:00:00Z", "to": "2025-02-01T00:00:00Z"}, "limit": 1001},
        )
    with pytest.raises(BadRequestError, match="since"):
        ozon.get_fbo_shipments_list({"since": "last monday", "to": "2025-02-01T00:00:00Z"})


# ------------------------------------------------------------------ CLI: the supply flow
def poll_cli(cli: Cli, operation_id: str) -> dict[str, Any]:
    for _ in range(40):
        r = cli("ПолучитьЧерновикЗаявкиFBO", "--oper", operation_id)
        assert r.code == 0, r.err
        draft: dict[str, Any] = r.json()
        if draft["status"] != "CALCULATION_STATUS_IN_PROGRESS":
            return draft
        time.sleep(POLL_STEP)
    raise AssertionError("the draft stayed in progress")


def cli_timeslots(
    cli: Cli,
    since: dt.datetime,
    until: dt.datetime,
    draft_id: object,
    whs: str,
    name: str = "GetFBOTimeslots",
) -> CliResult:
    """`GetFBOTimeslots` through the CLI, --from in the EN example's form and --to in the RU one's."""
    return cli(name, "--from", iso_net(since), "--to", ru_date(until), "--draft", str(draft_id), "--whs", whs)


@pytest.mark.usefixtures("legacy_api")
def test_cli_fbo_supply_flow(cli: Cli) -> None:
    clusters = cli("GetClustersList").json()["clusters"]
    moscow = next(c for c in clusters if c["id"] == MOSCOW_CLUSTER)
    fulfilment = {
        w["warehouse_id"]
        for w in moscow["logistic_clusters"][0]["warehouses"]
        if w["type"] == "FULL_FILLMENT"
    }
    tver = cli("GetShippingWarehousesList", "--search", "ТВЕРЬ").json()["search"]
    assert {w["warehouse_id"] for w in tver} <= fulfilment

    created = cli("СоздатьЧерновикЗаявкиFBO", "--clusters", str(MOSCOW_CLUSTER), "--items", ITEMS)
    assert created.code == 0, created.err
    operation_id = created.json()["operation_id"]
    assert set(created.json()) == {"operation_id"} and len(operation_id) == 36

    draft = poll_cli(cli, operation_id)
    assert draft["status"] == "CALCULATION_STATUS_SUCCESS" and draft["errors"] == []
    assert draft["draft_id"] > 0
    [cluster] = draft["clusters"]
    assert cluster["cluster_id"] == MOSCOW_CLUSTER and cluster["cluster_name"] == moscow["name"]
    listed = {w["supply_warehouse"]["warehouse_id"]: w for w in cluster["warehouses"]}
    assert set(listed) == fulfilment  # every fulfilment warehouse of the cluster is scored
    assert listed[BULKY_ONLY]["status"] == {
        "state": "WAREHOUSE_SCORING_STATUS_NOT_AVAILABLE",
        "invalid_reason": "WAREHOUSE_SCORING_INVALID_REASON_NOT_AVAILABLE_MATRIX",
        "is_available": False,
    }
    ranked = [w for w in cluster["warehouses"] if w["status"]["is_available"]]
    assert [w["total_rank"] for w in ranked] == list(range(1, len(ranked) + 1))
    assert [w["total_score"] for w in ranked] == sorted((w["total_score"] for w in ranked), reverse=True)
    assert all(w["bundle_ids"] and w["travel_time_days"] == "0" for w in ranked)
    # the same draft reads back the same
    again = cli("GetFBODraft", "--oper", operation_id).json()
    assert again == draft

    now = dt.datetime.now()
    since, until = now, now + dt.timedelta(days=3)
    whs = available_warehouses(draft)[:2]
    slots = cli_timeslots(cli, since, until, draft["draft_id"], json.dumps(whs), name="ПолучитьТаймслотыFBO")
    assert slots.code == 0, slots.err
    answer = slots.json()
    assert [w["drop_off_warehouse_id"] for w in answer["drop_off_warehouse_timeslots"]] == whs
    assert answer["drop_off_warehouse_timeslots"][0]["warehouse_timezone"] == "Europe/Moscow"
    assert answer["requested_date_to"] == until.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert assert_slots_within(answer, since, until) > 20
    # deterministic: the same window gives the same slots
    repeat = cli_timeslots(cli, since, until, draft["draft_id"], json.dumps(whs)).json()
    assert [w["days"] for w in repeat["drop_off_warehouse_timeslots"]] == [
        w["days"] for w in answer["drop_off_warehouse_timeslots"]
    ]

    # the window may end at most 28 days ahead
    far = cli_timeslots(cli, now, now + dt.timedelta(days=30), draft["draft_id"], str(whs[0]))
    assert far.code == 1 and far.json()["code"] == 3 and "28 days" in far.json()["message"]
    # a warehouse Ozon cannot take the goods at, and one that is not in the draft
    bulky = cli_timeslots(cli, now, until, draft["draft_id"], str(BULKY_ONLY))
    assert bulky.code == 1
    assert bulky.json()["message"] == "WAREHOUSE_SCORING_INVALID_REASON_NOT_AVAILABLE_MATRIX"
    stranger = cli_timeslots(cli, now, until, draft["draft_id"], "21225173751000")
    assert stranger.code == 1 and "not a warehouse of draft" in stranger.json()["message"]
    unknown = cli_timeslots(cli, now, until, "1", str(whs[0]))
    assert unknown.code == 1 and unknown.json()["code"] == 5


@pytest.mark.usefixtures("legacy_api")
def test_cli_crossdock_draft(cli: Cli, tmp_path: Path) -> None:
    items_file = tmp_path / "data.json"
    items_file.write_text(json.dumps({str(SKU_3): 4}), encoding="utf-8")  # RU example: --items "data.json"
    no_point = cli(
        "CreateFBODraft", "--clusters", "2", "--items", str(items_file), "--type", "CREATE_TYPE_CROSSDOCK"
    )
    assert no_point.code == 1 and no_point.json()["code"] == 3
    assert "DropOffPointWarehouseId" in no_point.json()["message"]

    point = cli(
        "GetShippingWarehousesList", "--search", "КРОССДОКИНГ", "--type", "CREATE_TYPE_CROSSDOCK"
    ).json()["search"]
    assert CROSS_DOCK in [w["warehouse_id"] for w in point]
    created = cli(
        "CreateFBODraft",
        "--clusters",
        "[2, 7]",
        "--items",
        str(items_file),
        "--type",
        "CREATE_TYPE_CROSSDOCK",
        "--point",
        str(CROSS_DOCK),
    )
    assert created.code == 0, created.err
    draft = poll_cli(cli, created.json()["operation_id"])
    assert draft["status"] == "CALCULATION_STATUS_SUCCESS"
    travel = {
        c["cluster_id"]: {w["travel_time_days"] for w in c["warehouses"] if w["status"]["is_available"]}
        for c in draft["clusters"]
    }
    assert travel == {2: {"1"}, 7: {"3"}}  # the drop-off point is in the Moscow cluster

    now = dt.datetime.now()
    slots = cli_timeslots(
        cli, now, now + dt.timedelta(days=2), draft["draft_id"], json.dumps(available_warehouses(draft)[:3])
    )
    assert slots.code == 0, slots.err
    # cross-docking: the goods are dropped off at the drop-off point, so its slots come back
    assert [w["drop_off_warehouse_id"] for w in slots.json()["drop_off_warehouse_timeslots"]] == [CROSS_DOCK]


@pytest.mark.usefixtures("legacy_api")
def test_cli_failed_drafts(cli: Cli) -> None:
    items = f"{{'{SKU_1}':1,'{SKU_ARCHIVED}':1,'99999':2}}"
    created = cli("CreateFBODraft", "--clusters", "['2','999']", "--items", items)
    assert created.code == 0, created.err
    draft = poll_cli(cli, created.json()["operation_id"])
    assert draft["status"] == "CALCULATION_STATUS_FAILED"
    assert draft["clusters"] == [] and draft["draft_id"] == 0
    [error] = draft["errors"]
    assert error["unknown_cluster_ids"] == ["999"]
    assert error["items_validation"] == [
        {"sku": SKU_ARCHIVED, "reasons": ["ITEM_REJECTION_REASON_BLOCKED"]},
        {"sku": 99999, "reasons": ["ITEM_REJECTION_REASON_OUT_OF_ASSORTMENT"]},
    ]
    unknown = cli("GetFBODraft", "--oper", "0197c7d0-0319-7538-ab87-56cfc54bc143")
    assert unknown.code == 1 and unknown.json()["code"] == 5


@pytest.mark.parametrize("items", ["[1626044001, 5]", "{'1626044001': 0}", "{'SKU': 5}", "5"])
def test_cli_bad_items_map_is_a_usage_error(cli: Cli, items: str) -> None:
    r = cli("CreateFBODraft", "--clusters", "2", "--items", items)
    assert r.code == 2 and r.out == ""
    assert len(r.err.strip().splitlines()) == 1 and "--items" in r.err and "Traceback" not in r.err


@pytest.mark.usefixtures("legacy_api")
def test_cli_draft_rate_limit(cli: Cli) -> None:
    for _ in range(2):
        ok = cli("CreateFBODraft", "--clusters", "2", "--items", ITEMS)
        assert ok.code == 0, ok.err
    third = cli("CreateFBODraft", "--clusters", "2", "--items", ITEMS, "--retries", "0")
    assert third.code == 1 and third.json()["code"] == 8 and "2 per minute" in third.json()["message"]


# ------------------------------------------------------------------ library, end to end
@pytest.mark.usefixtures("legacy_api")
def test_library_supply_flow(ozon: OzonClient) -> None:
    operation_id = ozon.create_fbo_draft([MOSCOW_CLUSTER], {SKU_1: 5, str(SKU_2): "2"})["operation_id"]
    first = ozon.get_fbo_draft(operation_id)
    assert first == {"status": "CALCULATION_STATUS_IN_PROGRESS", "draft_id": 0, "clusters": [], "errors": []}
    deadline = time.monotonic() + 5
    while (draft := ozon.get_fbo_draft(operation_id))["status"] == "CALCULATION_STATUS_IN_PROGRESS":
        assert time.monotonic() < deadline
        time.sleep(POLL_STEP)
    assert draft["status"] == "CALCULATION_STATUS_SUCCESS"

    whs = available_warehouses(draft)
    since = dt.datetime.now() + dt.timedelta(days=1)
    until = since + dt.timedelta(days=1, hours=6)
    answer = ozon.get_fbo_timeslots(since, until, draft["draft_id"], whs)
    assert {w["drop_off_warehouse_id"] for w in answer["drop_off_warehouse_timeslots"]} == set(whs)
    assert assert_slots_within(answer, since, until) > 0
    with pytest.raises(BadRequestError, match="at most 10"):
        ozon.get_fbo_timeslots(since, until, draft["draft_id"], whs * 2)
    with pytest.raises(BadRequestError, match="earlier"):
        ozon.get_fbo_timeslots(until, since, draft["draft_id"], whs[:1])
    with pytest.raises(NotFoundError):
        ozon.get_fbo_draft("no-such-operation")
    with pytest.raises(BadRequestError, match="Items"):
        ozon.request(
            "POST",
            "/v1/draft/create",
            {
                "type": "CREATE_TYPE_DIRECT",
                "cluster_ids": [2],
                "items": [{"sku": SKU_1, "quantity": i} for i in range(1, 5002)],
            },
        )


@pytest.mark.usefixtures("legacy_api")
def test_async_client_cis_flow(sandbox_url: str) -> None:
    async def go() -> None:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url, max_retries=0) as ozon:
            clusters, points = await asyncio.gather(
                ozon.get_clusters_list("CLUSTER_TYPE_CIS"),
                ozon.get_shipping_warehouses_list("АЛМАТЫ", ["CREATE_TYPE_DIRECT", "CREATE_TYPE_CROSSDOCK"]),
            )
            kazakhstan = next(c for c in clusters["clusters"] if c["name"] == "Казахстан")
            assert {w["name"] for w in points["search"]} == {"АЛМАТЫ_РФЦ", "АЛМАТЫ_СЦ"}
            created = await ozon.create_fbo_draft(kazakhstan["id"], {str(SKU_3): 10})
            operation_id = created["operation_id"]
            while (draft := await ozon.get_fbo_draft(operation_id))["status"].endswith("IN_PROGRESS"):
                await asyncio.sleep(POLL_STEP)
            assert draft["status"] == "CALCULATION_STATUS_SUCCESS"
            now = dt.datetime.now(dt.timezone.utc)
            answer = await ozon.get_fbo_timeslots(
                now, now + dt.timedelta(days=1), str(draft["draft_id"]), available_warehouses(draft)[0]
            )
            [warehouse] = answer["drop_off_warehouse_timeslots"]
            assert warehouse["warehouse_timezone"] == "Asia/Almaty"
            local_now = dt.datetime.strptime(warehouse["current_time_in_timezone"][:19], "%Y-%m-%dT%H:%M:%S")
            first_slot = warehouse["days"][0]["timeslots"][0]["from_in_timezone"]
            assert dt.datetime.strptime(first_slot, "%Y-%m-%dT%H:%M:%SZ") >= local_now  # no slots in the past

    asyncio.run(go())


# ------------------------------------------------------------------ time-dependent rules, in process
@pytest.fixture
def sandbox_rate_limits() -> bool:
    """This module's `clocked` sandbox runs without the global 50 rps limit."""
    return False


@pytest.mark.usefixtures("legacy_api")
def test_draft_calculates_then_expires(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, _, clock = clocked
    operation_id = ozon.create_fbo_draft(2, {SKU_1: 1})["operation_id"]
    clock.now += model.CALCULATION_SECONDS / 2
    assert ozon.get_fbo_draft(operation_id)["status"] == "CALCULATION_STATUS_IN_PROGRESS"
    clock.now += model.CALCULATION_SECONDS
    draft = ozon.get_fbo_draft(operation_id)
    assert draft["status"] == "CALCULATION_STATUS_SUCCESS"
    start = dt.datetime.fromtimestamp(clock.now, dt.timezone.utc).replace(tzinfo=None)
    whs = available_warehouses(draft)[:1]
    assert ozon.get_fbo_timeslots(start, start + dt.timedelta(days=28), draft["draft_id"], whs)
    with pytest.raises(BadRequestError, match="28 days"):
        ozon.get_fbo_timeslots(start, start + dt.timedelta(days=28, minutes=1), draft["draft_id"], whs)

    clock.now += model.DRAFT_LIFETIME
    assert ozon.get_fbo_draft(operation_id) == {
        "status": "CALCULATION_STATUS_EXPIRED",
        "draft_id": 0,
        "clusters": [],
        "errors": [],
    }
    with pytest.raises(BadRequestError, match="expired") as e:
        ozon.get_fbo_timeslots(start, start + dt.timedelta(days=1), draft["draft_id"], whs)
    assert e.value.code == 9


@pytest.mark.usefixtures("legacy_api")
def test_draft_limits_per_minute_and_hour(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, _, clock = clocked
    ozon.create_fbo_draft(2, {SKU_1: 1})
    ozon.create_fbo_draft(2, {SKU_1: 1})
    with pytest.raises(RateLimitError) as e:
        ozon.create_fbo_draft(2, {SKU_1: 1})
    assert e.value.retry_after is not None and 0 < e.value.retry_after <= 60
    clock.now += 61
    made = 3  # two above and the next one
    ozon.create_fbo_draft(2, {SKU_1: 1})
    while True:  # 31 s apart: always within 2 a minute, until 50 an hour
        clock.now += 31
        try:
            ozon.create_fbo_draft(2, {SKU_1: 1})
        except RateLimitError as hourly:
            assert "50 per hour" in hourly.message
            break
        made += 1
    assert made == 50
    clock.now += 3600
    assert ozon.create_fbo_draft(2, {SKU_1: 1})["operation_id"]


def test_other_api_errors_keep_ozons_shape(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, _, _ = clocked
    with pytest.raises(APIStatusError) as e:
        ozon.request(
            "POST",
            "/v1/draft/create",
            {"type": "CREATE_TYPE_PALLET", "cluster_ids": [2], "items": [{"sku": 1, "quantity": 1}]},
        )
    assert e.value.status == 400 and e.value.code == 3 and "Type" in e.value.message
    with pytest.raises(BadRequestError, match="Quantity"):
        ozon.request(
            "POST",
            "/v1/draft/create",
            {"type": "CREATE_TYPE_DIRECT", "cluster_ids": [2], "items": [{"sku": SKU_1, "quantity": 0}]},
        )
    with pytest.raises(BadRequestError, match="cluster_ids"):
        ozon.request(
            "POST",
            "/v1/draft/create",
            {"type": "CREATE_TYPE_DIRECT", "items": [{"sku": SKU_1, "quantity": 1}]},
        )
    # ids as JSON strings are accepted as Ozon's gateway does
    created = ozon.request(
        "POST",
        "/v1/draft/create",
        {"type": "CREATE_TYPE_DIRECT", "cluster_ids": ["2"], "items": [{"sku": str(SKU_1), "quantity": "3"}]},
    )
    assert created["operation_id"]
