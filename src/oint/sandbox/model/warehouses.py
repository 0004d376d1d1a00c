"""The seller's own (FBS / rFBS) warehouses: `/v1/warehouse/list`.

Warehouses are documents of kind "warehouse" (key warehouse_id) stored in the shape
`/v1/warehouse/list` answers. Stocks (model/stocks.py) check warehouse ids through
`get_warehouse`.
"""

from __future__ import annotations

import copy
from typing import Any

from oint.sandbox.demo import DEMO_CLIENT_ID
from oint.sandbox.errors import PER_MINUTE, rejected
from oint.sandbox.model.base import Account, route

WAREHOUSE = "warehouse"
LIST_LIMIT = (1, 60.0)  # /v1/warehouse/list: once per minute per account (facts §2.3)
MAX_PAGE = 200  # optional `limit` of /v1/warehouse/list (facts §8)


def get_warehouse(account: Account, warehouse_id: Any) -> dict[str, Any] | None:
    """The warehouse document of this account, or None."""
    doc: dict[str, Any] | None = account.get(WAREHOUSE, warehouse_id)
    return doc


def all_warehouses(account: Account) -> list[dict[str, Any]]:
    return account.all(WAREHOUSE)


def _non_negative(body: dict[str, Any], field: str, default: int) -> int:
    value = body.get(field, default)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise rejected(f"WarehouseListRequest.{field.title()}", "value must be an integer") from None
    if number < 0:
        raise rejected(f"WarehouseListRequest.{field.title()}", "value must be greater than or equal to 0")
    return number


@route("POST", "/v1/warehouse/list")
def warehouse_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """All warehouses of the account, once per minute (429 with Retry-After otherwise).

    OInt sends no body; Ozon's newer optional `limit` (1..200) and `offset` page the list.
    The method is deprecated in favour of `/v2/warehouse/list` (switch-off 2026-04-07).
    """
    limit = _non_negative(body, "limit", 0)
    offset = _non_negative(body, "offset", 0)
    if limit > MAX_PAGE:
        raise rejected("WarehouseListRequest.Limit", f"value must be less than or equal to {MAX_PAGE}")
    account.limit("warehouse_list", *LIST_LIMIT, PER_MINUTE)
    warehouses = all_warehouses(account)[offset:]
    if limit:
        warehouses = warehouses[:limit]
    return {"result": warehouses}


# ------------------------------------------------------------------ demo data
def _warehouse(warehouse_id: int, name: str, **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "warehouse_id": warehouse_id,
        "name": name,
        "is_rfbs": False,
        "is_able_to_set_price": False,
        "has_entrusted_acceptance": False,
        "first_mile_type": {
            "dropoff_point_id": "",
            "dropoff_timeslot_id": 0,
            "first_mile_is_changing": False,
            "first_mile_type": "DropOff",
        },
        "is_kgt": False,
        "can_print_act_in_advance": False,
        "min_working_days": 5,
        "is_karantin": False,
        "has_postings_limit": False,
        "postings_limit": -1,
        "working_days": [1, 2, 3, 4, 5],  # numbers as recorded; the document has strings: the recording wins
        "min_postings_limit": 10,
        "is_timetable_editable": True,
        "status": "created",
        "is_economy": False,
        "is_presorted": False,
    }
    doc.update(copy.deepcopy(fields))
    return doc


DEMO_WAREHOUSES: tuple[dict[str, Any], ...] = (
    _warehouse(
        1020005000050693,
        "Основной склад FBS (Москва)",
        first_mile_type={
            "dropoff_point_id": "1020000089925000",
            "dropoff_timeslot_id": 1020000000048611,
            "first_mile_is_changing": False,
            "first_mile_type": "DropOff",
        },
        working_days=[1, 2, 3, 4, 5, 6],
        can_print_act_in_advance=True,
    ),
    _warehouse(
        1020005000050694,
        "rFBS Санкт-Петербург",
        is_rfbs=True,
        is_able_to_set_price=True,
        first_mile_type={
            "dropoff_point_id": "",
            "dropoff_timeslot_id": 0,
            "first_mile_is_changing": False,
            "first_mile_type": "Pickup",
        },
        min_working_days=3,
        working_days=[1, 2, 3, 4, 5, 6, 7],
    ),
    _warehouse(
        1020005000113280,
        "Склад КГТ (Подольск)",
        is_kgt=True,
        has_postings_limit=True,
        postings_limit=50,
        min_working_days=1,
    ),
)


def seed(account: Account) -> None:
    """The demo warehouses; other accounts get the same set under fresh ids."""

    for template in DEMO_WAREHOUSES:
        doc = copy.deepcopy(template)
        if account.client_id != DEMO_CLIENT_ID:
            doc["warehouse_id"] = account.next_id("warehouse_id", 1020005000200001)
        account.put(WAREHOUSE, doc["warehouse_id"], doc)
