"""`/v2/warehouse/list`: the successor of `/v1/warehouse/list` (facts §5, §8).

The same warehouse documents as `warehouses.py`, in v2's form: pages of `limit` (required,
1..200) by an opaque `cursor`, `has_next`; `first_mile.type` PICK_UP / DROP_OFF; working days
by name. `warehouse_ids` narrows the list. Ozon documents no per-minute limit for v2 (v1 has
one call a minute), so none is applied.
"""

from __future__ import annotations

from typing import Any

from oint.sandbox.errors import rejected
from oint.sandbox.model.base import Account, id_list, route
from oint.sandbox.model.common import decode_cursor, encode_cursor, page_size
from oint.sandbox.model.warehouses import MAX_PAGE, all_warehouses

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
FIRST_MILE = {"DropOff": "DROP_OFF", "Pickup": "PICK_UP"}
REQUEST = "WarehouseListV2Request"


def _bad(field: str, rule: str) -> Exception:
    return rejected(f"{REQUEST}.{field}", rule)


def _position(cursor: Any) -> int:
    """The position in the list a cursor (`encode_cursor([position])`) points at."""
    if not isinstance(cursor, str):
        raise _bad("Cursor", "value must be a string")
    values = decode_cursor(cursor, (int,))
    if values is None:
        raise _bad("Cursor", "not a cursor of this list")
    return int(values[0])


def v2_warehouse(w: dict[str, Any]) -> dict[str, Any]:
    mile = w.get("first_mile_type") or {}
    return {
        "warehouse_id": w["warehouse_id"],
        "name": w["name"],
        "status": w["status"],
        "warehouse_type": "RFBS" if w["is_rfbs"] else "FBS",
        "is_rfbs": w["is_rfbs"],
        "is_kgt": w["is_kgt"],
        "is_express": False,
        "is_comfort": False,
        "is_auto_assembly": False,
        "is_waybill_enabled": False,
        "with_item_list": False,
        "has_entrusted_acceptance": w["has_entrusted_acceptance"],
        "has_postings_limit": w["has_postings_limit"],
        "min_postings_limit": w["min_postings_limit"],
        "postings_limit": w["postings_limit"],
        "first_mile": {
            "type": FIRST_MILE.get(mile.get("first_mile_type", ""), "UNSPECIFIED"),
            "dropoff_point_id": mile.get("dropoff_point_id", ""),
            "timeslot_id": mile.get("dropoff_timeslot_id", 0),
            "first_mile_is_changing": mile.get("first_mile_is_changing", False),
            "timeslot_from": "",
            "timeslot_to": "",
        },
        "working_days": [DAYS[d - 1] for d in w.get("working_days", []) if 1 <= d <= 7],
        "carriage_label_type": "UNSPECIFIED",
        "address_info": {"address": "", "latitude": 0.0, "longitude": 0.0, "utc": ""},
        "courier_comment": "",
        "courier_phones": [],
        "phone": "",
        "cut_in_time": 0,
        "sla_cut_in": 0,
        "pause_at": "",
    }


@route("POST", "/v2/warehouse/list")
def warehouse_list_v2(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The account's warehouses, `limit` at a time, by cursor."""
    limit = page_size(body, REQUEST, MAX_PAGE)
    wanted = set(id_list(body, "warehouse_ids", required=False, max_items=MAX_PAGE))
    start = _position(body["cursor"]) if body.get("cursor") else 0
    warehouses = [w for w in all_warehouses(account) if not wanted or w["warehouse_id"] in wanted]
    page = warehouses[start : start + limit]
    has_next = start + limit < len(warehouses)
    return {
        "warehouses": [v2_warehouse(w) for w in page],
        "cursor": encode_cursor([start + limit]) if has_next else "",
        "has_next": has_next,
    }
