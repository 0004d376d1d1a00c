"""Supply drafts, current API: the successors of `/v1/draft/create`, `/v1/draft/create/info` and
`/v1/draft/timeslot/info` (facts §6.3, §8).

- `/v1/draft/direct/create` (one cluster), `/v1/draft/crossdock/create` (one cluster and a
  drop-off point in `delivery_info`) and `/v1/draft/multi-cluster/create` (`clusters_info`)
  answer the new draft's id at once; clusters are named by `macrolocal_cluster_id` (the sandbox's
  cluster ids, the same as `/v1/cluster/list`'s).
- `/v2/draft/create/info` by `draft_id`: CALCULATION_STATUS_IN_PROGRESS for a moment, then the
  outcome (clusters with their storage warehouses, or errors), expired after 30 minutes.
- `/v2/draft/timeslot/info`: the free slots for the selected cluster warehouses; its answer holds
  one warehouse's slots (the drop-off point's for cross-docking, else the first selected one);
  a warehouse the draft cannot use is reported in `error_reason`.

Drafts are calculated as in `fbo.py` (same network, scores and rules); v2 drafts are documents of
kind "fbo_draft_v2" (key draft_id) and share the draft id sequence with v1 drafts. Ozon documents
no draft limits for these endpoints, so none are applied.
"""

from __future__ import annotations

from typing import Any

from oint.sandbox.errors import not_found, rejected
from oint.sandbox.model.base import Account, int_id, route
from oint.sandbox.model.fbo import (
    MAX_DRAFT_ITEMS,
    MAX_TIMESLOT_WAREHOUSES,
    SUPPLY_TYPES,
    WAREHOUSES,
    _calculate,
    _check_calculated,
    _draft_status,
    _stamp,
    _timeslot_window,
    _timeslots,
    _uuid,
)

DRAFT_V2 = "fbo_draft_v2"


# ------------------------------------------------------------------ create
def _items(raw: Any, where: str) -> list[dict[str, int]]:
    if not isinstance(raw, list) or not raw:
        raise rejected(f"{where}.Items", "value must contain at least 1 item(s)")
    if len(raw) > MAX_DRAFT_ITEMS:
        raise rejected(f"{where}.Items", f"value must contain at most {MAX_DRAFT_ITEMS} item(s)")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise rejected(f"{where}.Items[{i}]", "value must be an object")
        sku = int_id(item.get("sku") or 0, "sku")
        quantity = int_id(item.get("quantity") or 0, "quantity")
        if sku <= 0:
            raise rejected(f"{where}.Items[{i}].Sku", "value must be greater than 0")
        if quantity <= 0:
            raise rejected(f"{where}.Items[{i}].Quantity", "value must be greater than 0")
        out.append({"sku": sku, "quantity": quantity})
    return out


def _cluster(info: Any, where: str) -> tuple[int, list[dict[str, int]]]:
    if not isinstance(info, dict):
        raise rejected(where, "value is required")
    cluster_id = int_id(info.get("macrolocal_cluster_id") or 0, "macrolocal_cluster_id")
    if cluster_id <= 0:
        raise rejected(f"{where}.MacrolocalClusterId", "value must be greater than 0")
    return cluster_id, _items(info.get("items"), where)


def _drop_off(body: dict[str, Any], request: str, required: bool) -> int:
    info = body.get("delivery_info")
    warehouse = info.get("drop_off_warehouse") if isinstance(info, dict) else None
    value = warehouse.get("warehouse_id") if isinstance(warehouse, dict) else None
    if value in (None, "", 0):
        if required:
            raise rejected(
                f"{request}.DeliveryInfo.DropOffWarehouse.WarehouseId", "value must be greater than 0"
            )
        return 0
    return int_id(value, "warehouse_id")


def _create(
    account: Account, clusters: list[tuple[int, list[dict[str, int]]]], drop_off: int
) -> dict[str, Any]:
    draft_id = account.next_id("fbo_draft_id", 57582168)
    items = [item for _, cluster_items in clusters for item in cluster_items]
    draft: dict[str, Any] = {
        "draft_id": draft_id,
        "operation_id": _uuid(account.client_id, "v2", draft_id, ms=int(account.now * 1000)),
        "created_at": account.now,
        "type": "CREATE_TYPE_CROSSDOCK" if drop_off else "CREATE_TYPE_DIRECT",
        "items": items,
        "cluster_ids": [c for c, _ in clusters],
        "drop_off_point": drop_off,
    }
    draft["outcome"] = _calculate(account, draft)
    account.put(DRAFT_V2, draft_id, draft)
    return {"draft_id": draft_id, "errors": []}


@route("POST", "/v1/draft/direct/create")
def draft_direct_create(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """A direct supply draft to one cluster's fulfilment warehouses."""
    return _create(account, [_cluster(body.get("cluster_info"), "DraftDirectCreateRequest.ClusterInfo")], 0)


@route("POST", "/v1/draft/crossdock/create")
def draft_crossdock_create(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """A cross-docking supply draft through a drop-off point."""
    request = "DraftCrossdockCreateRequest"
    cluster = _cluster(body.get("cluster_info"), f"{request}.ClusterInfo")
    return _create(account, [cluster], _drop_off(body, request, required=True))


@route("POST", "/v1/draft/multi-cluster/create")
def draft_multi_cluster_create(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """A draft to several clusters (cross-docking when `delivery_info` names a drop-off point)."""
    request = "DraftMultiClusterCreateRequest"
    infos = body.get("clusters_info")
    if not isinstance(infos, list) or not infos:
        raise rejected(f"{request}.ClustersInfo", "value must contain at least 1 item(s)")
    clusters = [_cluster(info, f"{request}.ClustersInfo[{i}]") for i, info in enumerate(infos)]
    return _create(account, clusters, _drop_off(body, request, required=False))


# ------------------------------------------------------------------ info
def _draft(account: Account, body: dict[str, Any], request: str) -> dict[str, Any]:
    if body.get("draft_id") in (None, "", 0):
        raise rejected(f"{request}.DraftId", "value must be greater than 0")
    draft_id = int_id(body["draft_id"], "draft_id")
    draft: dict[str, Any] | None = account.get(DRAFT_V2, draft_id)
    if draft is None:
        raise not_found(f"draft {draft_id} not found")
    return draft


def _v2_error(e: dict[str, Any]) -> dict[str, Any]:
    rejected = list(e.get("items_validation") or [])
    return {
        "error_message": e.get("error_message", ""),
        "message": e.get("error_message", ""),
        "error_reasons": [],
        "items_validation": [
            {"macrolocal_cluster_id": 0, "rejected_items": rejected, "limit": 0, "supply_id": 0}
        ]
        if rejected
        else [],
        # int64 lists as strings, as the operation's schema (reference/operations.json) has them
        "macrolocal_cluster_ids": [str(c) for c in e.get("unknown_cluster_ids") or []],
        "skus": [str(r["sku"]) for r in rejected],
    }


def _v2_warehouse(e: dict[str, Any]) -> dict[str, Any]:
    bundles = e.get("bundle_ids") or []
    return {
        "storage_warehouse": dict(e["supply_warehouse"]),
        "availability_status": {
            "state": e["status"]["state"],
            "invalid_reason": e["status"]["invalid_reason"],
        },
        "bundle_id": bundles[0]["bundle_id"] if bundles else "",
        "restricted_bundle_id": e.get("restricted_bundle_id", ""),
        "total_rank": e.get("total_rank", 0),
        "total_score": e.get("total_score", 0.0),
        "supply_tags": [],
    }


@route("POST", "/v2/draft/create/info")
def draft_create_info_v2(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The draft's calculation: in progress, then its clusters and warehouses (or errors)."""
    draft = _draft(account, body, "DraftCreateInfoRequest")
    status = _draft_status(account, draft)
    if status in ("CALCULATION_STATUS_IN_PROGRESS", "CALCULATION_STATUS_EXPIRED"):
        return {"status": status, "clusters": [], "errors": []}
    outcome = draft["outcome"]
    return {
        "status": status,
        "clusters": [
            {
                "macrolocal_cluster_id": c["cluster_id"],
                "cluster_name": c["cluster_name"],
                "supply_type": draft["type"],
                "warehouses": [_v2_warehouse(e) for e in c["warehouses"]],
            }
            for c in outcome["clusters"]
        ],
        "errors": [_v2_error(e) for e in outcome["errors"]],
    }


# ------------------------------------------------------------------ timeslots
@route("POST", "/v2/draft/timeslot/info")
def draft_timeslot_info_v2(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Free slots (at most 28 days ahead) for the selected warehouses of a calculated draft."""
    request = "DraftTimeslotInfoRequest"
    draft = _draft(account, body, request)
    selected = body.get("selected_cluster_warehouses")
    if not isinstance(selected, list) or not selected:
        raise rejected(f"{request}.SelectedClusterWarehouses", "value must contain at least 1 item(s)")
    if len(selected) > MAX_TIMESLOT_WAREHOUSES:
        raise rejected(
            f"{request}.SelectedClusterWarehouses",
            f"value must contain at most {MAX_TIMESLOT_WAREHOUSES} item(s)",
        )
    supply_type = body.get("supply_type")
    if supply_type not in (None, "") and supply_type not in SUPPLY_TYPES:
        raise rejected(f"{request}.SupplyType", "value must be one of the defined enum values")
    since, date_to, now_utc = _timeslot_window(account, body)
    _check_calculated(account, draft)
    supply = {
        (c["cluster_id"], e["supply_warehouse"]["warehouse_id"]): e
        for c in draft["outcome"]["clusters"]
        for e in c["warehouses"]
    }
    first = 0
    for i, pick in enumerate(selected):
        if not isinstance(pick, dict):
            raise rejected(f"{request}.SelectedClusterWarehouses[{i}]", "value must be an object")
        cluster_id = int_id(pick.get("macrolocal_cluster_id") or 0, "macrolocal_cluster_id")
        warehouse_id = int_id(pick.get("storage_warehouse_id") or 0, "storage_warehouse_id")
        entry = supply.get((cluster_id, warehouse_id))
        if entry is None:
            return {"error_reason": "WAREHOUSE_NOT_IN_DRAFT", "result": None}
        if not entry["status"]["is_available"]:
            return {"error_reason": entry["status"]["invalid_reason"], "result": None}
        first = first or warehouse_id
    target = WAREHOUSES.get(draft["drop_off_point"]) or WAREHOUSES[first]
    slots = _timeslots(target, now_utc, since, date_to)
    slots.pop("drop_off_warehouse_id")
    return {
        "error_reason": "",
        "result": {
            "drop_off_warehouse_timeslots": slots,
            "requested_date_from": _stamp(since),
            "requested_date_to": _stamp(date_to, fraction=bool(date_to.microsecond)),
        },
    }
