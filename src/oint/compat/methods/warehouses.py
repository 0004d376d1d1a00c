"""Warehouses management (OInt group "Warehouses-management")."""

from __future__ import annotations

from typing import Any

from oint.compat.flows import Current, Flow, lacks, request
from oint.compat.registry import Method

GROUP = "Warehouses-management"
PAGE = 200  # the largest page of /v2/warehouse/list

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
FIRST_MILE = {"DROP_OFF": "DropOff", "PICK_UP": "Pickup"}
# v1 fields /v2/warehouse/list does not report, and what the current implementation gives instead
NOT_IN_V2: dict[str, Any] = {
    "is_able_to_set_price": False,
    "can_print_act_in_advance": False,
    "min_working_days": 0,
    "is_karantin": False,
    "is_timetable_editable": False,
    "is_economy": False,
    "is_presorted": False,
}


def _v1_warehouse(w: dict[str, Any]) -> dict[str, Any]:
    """A warehouse of /v2/warehouse/list in the shape of /v1/warehouse/list."""
    mile = w.get("first_mile") or {}
    days = [DAYS.index(d) + 1 for d in w.get("working_days") or [] if d in DAYS]
    return {
        "warehouse_id": w.get("warehouse_id", 0),
        "name": w.get("name", ""),
        "is_rfbs": bool(w.get("is_rfbs")),
        "is_able_to_set_price": NOT_IN_V2["is_able_to_set_price"],
        "has_entrusted_acceptance": bool(w.get("has_entrusted_acceptance")),
        "first_mile_type": {
            "dropoff_point_id": mile.get("dropoff_point_id", ""),
            "dropoff_timeslot_id": mile.get("timeslot_id", 0),
            "first_mile_is_changing": bool(mile.get("first_mile_is_changing")),
            "first_mile_type": FIRST_MILE.get(mile.get("type", ""), ""),
        },
        "is_kgt": bool(w.get("is_kgt")),
        "can_print_act_in_advance": NOT_IN_V2["can_print_act_in_advance"],
        "min_working_days": NOT_IN_V2["min_working_days"],
        "is_karantin": NOT_IN_V2["is_karantin"],
        "has_postings_limit": bool(w.get("has_postings_limit")),
        "postings_limit": w.get("postings_limit", -1),
        "working_days": days,
        "min_postings_limit": w.get("min_postings_limit", 0),
        "is_timetable_editable": NOT_IN_V2["is_timetable_editable"],
        "status": str(w.get("status", "")).lower(),
        "is_economy": NOT_IN_V2["is_economy"],
        "is_presorted": NOT_IN_V2["is_presorted"],
    }


def get_warehouses_list_current(body: dict[str, Any]) -> Flow:
    """Every page of /v2/warehouse/list (by cursor), as v1's {result: [...]}."""
    warehouses: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = yield request("/v2/warehouse/list", {"limit": PAGE, **({"cursor": cursor} if cursor else {})})
        warehouses += [_v1_warehouse(w) for w in page.get("warehouses") or []]
        cursor = page.get("cursor") or ""
        if not page.get("has_next") or not cursor:
            break
    lacks(
        "GetWarehousesList",
        "/v2/warehouse/list does not report " + ", ".join(NOT_IN_V2) + ": they are given as false or 0",
        once=True,
    )
    return {"result": warehouses}


GET_WAREHOUSES_LIST = Method(
    name_en="GetWarehousesList",
    name_ru="ПолучитьСписокСкладов",
    group=GROUP,
    python="get_warehouses_list",
    summary="List the seller's own FBS and rFBS warehouses.",
    operation="/v1/warehouse/list",
    params=(),
    send_body=False,
    notes=(
        "Ozon allows one call a minute per seller account; more answer 429 with Retry-After.",
        "Each warehouse has warehouse_id (needed by UpdateProductsStocks), name, status, is_rfbs, is_kgt, "
        "first_mile_type and working_days.",
    ),
    current=Current(
        get_warehouses_list_current,
        uses=("/v2/warehouse/list",),
        notes=(
            "Current implementation: every page of /v2/warehouse/list (200 a page, by cursor), each "
            "warehouse in v1's shape: first_mile {type DROP_OFF/PICK_UP, timeslot_id} becomes "
            "first_mile_type {first_mile_type DropOff/Pickup, dropoff_timeslot_id}, working_days MONDAY.. "
            "become 1..7, status is lower-cased.",
            "v2 does not report is_able_to_set_price, can_print_act_in_advance, min_working_days, "
            "is_karantin, is_timetable_editable, is_economy and is_presorted: they are false or 0 (a "
            "warning says so).",
        ),
    ),
    example='oint ozon GetWarehousesList --clientid "***" --apikey "***"',
)

METHODS = (GET_WAREHOUSES_LIST,)
