"""The FBO scheme (OInt group "Fbo-scheme"): clusters, shipping points, FBO postings, supply drafts
and their timeslots. The two local structure helpers of the group live in `structures.py`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from oint.compat.flows import RESUME_AT, Current, Flow, dig, failure, lacks, request
from oint.compat.methods.common import OFFSET
from oint.compat.registry import Method, P
from oint.compat.values import (
    BOOL,
    DATE,
    ID,
    IDS,
    NUMBERS,
    OBJECT,
    STRING,
    STRINGS,
    CollectionKind,
    parse_datetime,
    parse_number,
    xml_datetime_z,
)
from oint.core.errors import UsageError

GROUP = "Fbo-scheme"
POSTINGS_PAGE_SIZE = 1000  # OInt's fixed `limit` of /v2/posting/fbo/list
DRAFT_ITEMS_FORMAT_ERROR = "Список позиций имеет некорректный формат"  # OInt's message for a non-map


class SkuQuantityMap(CollectionKind):
    """OInt's items map {sku: quantity}: a Python mapping (int or text keys), JSON text or a JSON file.

    Any JSON collection is accepted here so that `draft_items` can reject a non-map with OInt's
    own message.
    """

    def __init__(self) -> None:
        super().__init__("any")
        self.name = "object"
        self.py_type = "Mapping[int | str, int | str] | str | None"


SKU_QUANTITIES = SkuQuantityMap()


# ------------------------------------------------------------------ body converters
def _integer(option: str, what: str) -> Callable[[Any], int]:
    """A converter to an integer id for the body; anything else is a usage error naming the option."""

    def convert(value: Any) -> int:
        number = _to_integer(value)
        if number is None:
            raise UsageError(f"--{option}: {what} must be a whole number, got {value!r}")
        return number

    return convert


def _to_integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            number = parse_number(value)
        except ValueError:
            return None
        return _to_integer(number)
    return None


def draft_items(value: Any) -> list[dict[str, int]]:
    """OInt's items map {sku: quantity} -> Ozon's [{sku, quantity}] (both numbers).

    A value that is not a map, or a key or quantity that does not convert to a non-zero
    number, is a usage error (OInt raises on them too).
    """
    if not isinstance(value, Mapping):
        raise UsageError(
            f"--items: {DRAFT_ITEMS_FORMAT_ERROR} (the items list has an invalid format): "
            'expected a JSON object {"<sku>": <quantity>, ...}'
        )
    items: list[dict[str, int]] = []
    for key, quantity in value.items():
        sku = _to_integer(key)
        count = _to_integer(quantity)
        if not sku:
            raise UsageError(f"--items: SKU {key!r} is not a non-zero number")
        if not count:
            raise UsageError(f"--items: quantity {quantity!r} of SKU {key} is not a non-zero number")
        items.append({"sku": sku, "quantity": count})
    return items


def _dates_as_text(value: Any) -> Any:
    """A filter with Python dates turned into Ozon's text form; JSON values are kept as given."""
    if isinstance(value, Mapping):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, dt.datetime):
        return xml_datetime_z(value)
    if isinstance(value, dt.date):
        return xml_datetime_z(dt.datetime(value.year, value.month, value.day))
    return value


# ------------------------------------------------------------------ current implementations
POSTINGS_V3_PAGE = 100  # the largest page of /v3/posting/fbo/list
POSTINGS_V3_PERIOD = dt.timedelta(days=365)  # the longest period /v3/posting/fbo/list accepts


def _v2_posting(p: dict[str, Any]) -> dict[str, Any]:
    """A posting of /v3/posting/fbo/list in the shape of /v2/posting/fbo/list."""
    products = []
    quantities: dict[Any, int] = {}
    for item in p.get("products") or []:
        price = item.get("price") or {}
        quantities[item.get("sku")] = item.get("quantity", 0)
        products.append(
            {
                "sku": item.get("sku", 0),
                "name": item.get("name", ""),
                "quantity": item.get("quantity", 0),
                "offer_id": item.get("offer_id", ""),
                "price": str(price.get("amount", "")) if isinstance(price, Mapping) else str(price),
                "digital_codes": list(item.get("digital_codes") or []),
                "currency_code": price.get("currency", "") if isinstance(price, Mapping) else "",
                "is_marketplace_buyout": bool(item.get("is_marketplace_buyout")),
            }
        )
    financial = p.get("financial_data")
    if isinstance(financial, Mapping):
        financial = {
            "cluster_from": financial.get("cluster_from", ""),
            "cluster_to": financial.get("cluster_to", ""),
            "products": [_v2_financial(f, quantities) for f in financial.get("products") or []],
        }
    return {
        "order_id": p.get("order_id", 0),
        "order_number": p.get("order_number", ""),
        "posting_number": p.get("posting_number", ""),
        "status": p.get("status", ""),
        "substatus": p.get("substatus", ""),
        "cancel_reason_id": p.get("cancel_reason_id", 0),
        "created_at": p.get("created_at", ""),
        "in_process_at": p.get("in_process_at", ""),
        "products": products,
        "analytics_data": p.get("analytics_data"),
        "financial_data": financial,
        "additional_data": list(p.get("additional_data") or []),
        "legal_info": p.get("legal_info"),
    }


def _v2_financial(f: dict[str, Any], quantities: dict[Any, int]) -> dict[str, Any]:
    commission = f.get("commission") or {}
    return {
        "commission_amount": commission.get("amount", 0),
        "commission_percent": commission.get("percent", 0),
        "payout": f.get("payout", 0),
        "product_id": f.get("product_id", 0),
        "old_price": f.get("old_price", 0),
        "price": f.get("price", 0),
        "total_discount_value": f.get("total_discount_value", 0),
        "total_discount_percent": f.get("total_discount_percent", 0),
        "actions": list(f.get("actions") or []),
        "quantity": quantities.get(f.get("product_id"), 0),
        "currency_code": commission.get("currency", ""),
        "commissions_currency_code": commission.get("currency", ""),
    }


def _windows(since: Any, until: Any) -> list[tuple[Any, Any]]:
    """[since, to] cut into consecutive periods v3 accepts (a year at most); one period, as
    given, when the dates do not parse (Ozon then says what is wrong with them)."""
    try:
        start, end = parse_datetime(str(since)), parse_datetime(str(until))
    except ValueError:
        return [(since, until)]
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.timezone.utc)
    if end.tzinfo is None:
        end = end.replace(tzinfo=dt.timezone.utc)
    if end - start <= POSTINGS_V3_PERIOD:
        return [(since, until)]
    out = []
    while start <= end:
        stop = min(start + POSTINGS_V3_PERIOD, end)
        out.append((_rfc3339(start), _rfc3339(stop)))
        start = stop + dt.timedelta(microseconds=1)
    return out


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class PostingsPosition:
    """Where a page of GetFBOShipmentsList's current flow ended (`RESUME_AT`): the year window it
    was in (an index into the flow's windows, in reading order), the v3 cursor inside that window
    and the postings of the last v3 page read but not yet given (v3's pages of 100 do not fall on
    OInt's pages of 1000 once a window ends mid-page)."""

    window: int
    cursor: str
    spare: tuple[dict[str, Any], ...]


def get_fbo_shipments_list_current(body: dict[str, Any]) -> Flow:
    """OInt's page (offset, 1000 postings) from the v3 pages of 100 by cursor, a year at a time.
    Run with `RESUME_AT` (`--all-pages`) it starts where the position given there ended, reads
    whole v3 pages and answers with the position of its own end."""
    flt = dict(body.get("filter") or {})
    status = flt.pop("status", None)
    if status and "statuses" not in flt:
        flt["statuses"] = [status]
    direction = str(body.get("dir") or "ASC").upper()
    base: dict[str, Any] = {"sort_dir": direction}
    if body.get("with"):
        base["with"] = body["with"]
    if body.get("translit"):
        base["translit"] = True
    windows = _windows(flt.get("since"), flt.get("to")) if "since" in flt and "to" in flt else [None]
    if direction == "DESC":
        windows.reverse()
    skip, want = int(body.get("offset") or 0), int(body.get("limit") or POSTINGS_PAGE_SIZE)
    resuming = RESUME_AT in body
    start = body.get(RESUME_AT)
    if isinstance(start, PostingsPosition):
        index, cursor, pending = start.window, start.cursor, list(start.spare)
    else:
        index, cursor, pending = 0, "", []
    postings: list[dict[str, Any]] = []
    while True:
        dropped = min(skip, len(pending))  # the postings read so far: skipped, then given
        skip -= dropped
        taken = pending[dropped : dropped + want]
        pending = pending[dropped + len(taken) :]
        want -= len(taken)
        postings += [_v2_posting(p) for p in taken]
        if want <= 0 or index >= len(windows):
            break
        window = windows[index]
        window_filter = flt if window is None else dict(flt, since=window[0], to=window[1])
        size = POSTINGS_V3_PAGE if resuming else min(POSTINGS_V3_PAGE, skip + want)
        page_body = dict(base, filter=window_filter, limit=size)
        if cursor:
            page_body["cursor"] = cursor
        page = yield request("/v3/posting/fbo/list", page_body)
        pending = list(page.get("postings") or [])
        cursor = page.get("cursor") or ""
        if not page.get("has_next") or not cursor:  # this window is read: the next one
            index, cursor = index + 1, ""
    answer: dict[str, Any] = {"result": postings}
    if resuming:
        more = bool(pending) or index < len(windows)
        answer[RESUME_AT] = PostingsPosition(index, cursor, tuple(pending)) if more else None
    return answer


def _draft_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """v2's draft errors in v1's shape: error_message, items_validation [{sku, reasons}] and
    unknown_cluster_ids."""
    out = []
    for e in errors:
        rejected = [
            {"sku": r.get("sku", 0), "reasons": list(r.get("reasons") or [])}
            for v in e.get("items_validation") or []
            for r in v.get("rejected_items") or []
        ]
        out.append(
            {
                "error_message": e.get("error_message") or e.get("message") or "",
                "items_validation": rejected,
                "unknown_cluster_ids": [str(c) for c in e.get("macrolocal_cluster_ids") or []],
            }
        )
    return out


def create_fbo_draft_current(body: dict[str, Any]) -> Flow:
    """CreateFBODraft on the v2 drafts: one cluster per draft (direct or cross-docking create),
    several clusters through the multi-cluster create; the draft id is OInt's operation_id."""
    clusters: list[int] = list(body.get("cluster_ids") or [])
    items: list[dict[str, int]] = list(body.get("items") or [])
    crossdock = body.get("type") == "CREATE_TYPE_CROSSDOCK"
    delivery: dict[str, Any] = {}
    if crossdock:
        delivery = {
            "type": "DROP_OFF",
            "drop_off_warehouse": {"warehouse_id": body.get("drop_off_point_warehouse_id", 0)},
        }
    if len(clusters) == 1:
        new: dict[str, Any] = {"cluster_info": {"macrolocal_cluster_id": clusters[0], "items": items}}
        path = "/v1/draft/crossdock/create" if crossdock else "/v1/draft/direct/create"
    else:
        new = {"clusters_info": [{"macrolocal_cluster_id": c, "items": items} for c in clusters]}
        path = "/v1/draft/multi-cluster/create"
    if delivery:
        new["delivery_info"] = delivery
    answer = yield request(path, new)
    draft_id = answer.get("draft_id") or 0
    result: dict[str, Any] = {"operation_id": str(draft_id) if draft_id else ""}
    if answer.get("errors"):
        result["errors"] = _draft_errors(answer["errors"])
    return result


def _draft_id(operation_id: Any) -> int:
    text = str(operation_id).strip()
    if not text.isdigit():
        raise UsageError(
            f"--oper: {text!r} is an operation id of /v1/draft/create, which Ozon switched off; the current "
            "implementation takes the operation_id CreateFBODraft answers now (a draft id, digits only)"
        )
    return int(text)


V1_STATE_AVAILABLE = "NOT_AVAILABLE"


def _v1_draft_warehouse(w: dict[str, Any]) -> dict[str, Any]:
    status = w.get("availability_status") or {}
    state = status.get("state", "")
    bundle = w.get("bundle_id") or ""
    return {
        "bundle_ids": [{"bundle_id": bundle, "is_docless": False}] if bundle else [],
        "supply_warehouse": dict(w.get("storage_warehouse") or {}),
        "status": {
            "state": state,
            "invalid_reason": status.get("invalid_reason", ""),
            "is_available": bool(state) and V1_STATE_AVAILABLE not in state,
        },
        "restricted_bundle_id": w.get("restricted_bundle_id", ""),
        "total_rank": w.get("total_rank", 0),
        "total_score": w.get("total_score", 0),
    }


def get_fbo_draft_current(body: dict[str, Any]) -> Flow:
    """GetFBODraft from /v2/draft/create/info, in v1's shape."""
    draft_id = _draft_id(body.get("operation_id", ""))
    info = yield request("/v2/draft/create/info", {"draft_id": draft_id})
    clusters = [
        {
            "cluster_id": c.get("macrolocal_cluster_id", 0),
            "cluster_name": c.get("cluster_name", ""),
            "warehouses": [_v1_draft_warehouse(w) for w in c.get("warehouses") or []],
        }
        for c in info.get("clusters") or []
    ]
    if clusters:
        lacks(
            "GetFBODraft",
            "/v2/draft/create/info does not report travel_time_days nor whether a bundle is docless: "
            "travel_time_days is left out, is_docless is false",
            once=True,
        )
    status = info.get("status", "")
    return {
        "status": status,
        "draft_id": draft_id if status == "CALCULATION_STATUS_SUCCESS" else 0,
        "clusters": clusters,
        "errors": _draft_errors(info.get("errors") or []),
    }


def get_fbo_timeslots_current(body: dict[str, Any]) -> Flow:
    """GetFBOTimeslots: each warehouse's cluster and the supply type from /v2/draft/create/info,
    then /v2/draft/timeslot/info once per warehouse (its answer holds one warehouse's slots)."""
    draft_id = int(body["draft_id"])
    info = yield request("/v2/draft/create/info", {"draft_id": draft_id})
    where: dict[int, tuple[int, str]] = {}
    for c in info.get("clusters") or []:
        for w in c.get("warehouses") or []:
            wid = dig(w, "storage_warehouse.warehouse_id", 0)
            where[int(wid)] = (int(c.get("macrolocal_cluster_id") or 0), str(c.get("supply_type") or ""))
    entries: list[dict[str, Any]] = []
    answer: dict[str, Any] = {}
    for wid in dict.fromkeys(int(w) for w in body.get("warehouse_ids") or []):
        if wid not in where:
            raise failure(
                400, 3, f"warehouse {wid} is not a warehouse of draft {draft_id}", "/v2/draft/create/info"
            )
        cluster_id, supply_type = where[wid]
        ask: dict[str, Any] = {
            "draft_id": draft_id,
            "date_from": body.get("date_from", ""),
            "date_to": body.get("date_to", ""),
            "selected_cluster_warehouses": [
                {"macrolocal_cluster_id": cluster_id, "storage_warehouse_id": wid}
            ],
        }
        if supply_type:
            ask["supply_type"] = supply_type
        answer = yield request("/v2/draft/timeslot/info", ask)
        if answer.get("error_reason"):
            raise failure(400, 3, str(answer["error_reason"]), "/v2/draft/timeslot/info")
        slots = dig(answer, "result.drop_off_warehouse_timeslots") or {}
        entries.append(
            {
                "drop_off_warehouse_id": wid,
                "warehouse_timezone": slots.get("warehouse_timezone", ""),
                "current_time_in_timezone": slots.get("current_time_in_timezone", ""),
                "days": list(slots.get("days") or []),
            }
        )
    return {
        "drop_off_warehouse_timeslots": entries,
        "requested_date_from": dig(answer, "result.requested_date_from", body.get("date_from", "")),
        "requested_date_to": dig(answer, "result.requested_date_to", body.get("date_to", "")),
    }


# ------------------------------------------------------------------ declarations
GET_CLUSTERS_LIST = Method(
    name_en="GetClustersList",
    name_ru="ПолучитьСписокКластеров",
    group=GROUP,
    python="get_clusters_list",
    summary="Get Ozon logistic clusters and their warehouses.",
    operation="/v1/cluster/list",
    params=(
        P(
            "cluster_type",
            "type",
            STRING,
            ru="ТипКластера",
            en="ClusterType",
            default="CLUSTER_TYPE_OZON",
            doc="Cluster type: CLUSTER_TYPE_OZON (Russia), CLUSTER_TYPE_CIS (CIS)",
            type_doc="String",
            field="cluster_type",
        ),
    ),
    notes=(
        "Ozon answers {clusters: [{id, name, type, logistic_clusters: [{warehouses: [...]}]}]}.",
        "Cluster ids go to CreateFBODraft --clusters.",
        "Any other type than CLUSTER_TYPE_OZON or CLUSTER_TYPE_CIS is a validation error (400).",
    ),
    example='oint ozon GetClustersList --clientid "***" --apikey "***"',
)

GET_SHIPPING_WAREHOUSES_LIST = Method(
    name_en="GetShippingWarehousesList",
    name_ru="ПолучитьСписокСкладовОтгрузки",
    group=GROUP,
    python="get_shipping_warehouses_list",
    summary="Search FBO warehouses, sorting centres and pick-up points usable as shipping points.",
    operation="/v1/warehouse/fbo/list",
    params=(
        P(
            "search",
            "search",
            STRING,
            ru="Поиск",
            en="Search",
            required=True,
            doc="Search by name (min 4 chars). For pick-up points give the full name",
            type_doc="String",
            field="search",
        ),
        P(
            "supply_type",
            "type",
            STRINGS,
            ru="ТипПоставки",
            en="SupplyType",
            default="CREATE_TYPE_DIRECT",
            doc="Supply types: CREATE_TYPE_CROSSDOCK, CREATE_TYPE_DIRECT",
            type_doc="String, Array of String",
            field="filter_by_supply_type",
        ),
    ),
    notes=(
        "The search text needs at least 4 characters; pick-up points are found by their full name only.",
        "CREATE_TYPE_DIRECT finds fulfilment warehouses; CREATE_TYPE_CROSSDOCK finds drop-off points "
        "(sorting centres, cross-docks, receiving and pick-up points) for CreateFBODraft --point.",
        "Ozon answers {search: [{warehouse_id, name, address, coordinates, warehouse_type}]}.",
    ),
    example='oint ozon GetShippingWarehousesList --clientid "***" --apikey "***" --search "Tver"',
)

GET_FBO_SHIPMENTS_LIST = Method(
    name_en="GetFBOShipmentsList",
    name_ru="ПолучитьСписокОтправленийFBO",
    group=GROUP,
    python="get_fbo_shipments_list",
    summary="List FBO postings (shipments) with an optional filter and extra fields, 1000 per page.",
    operation="/v2/posting/fbo/list",
    params=(
        P(
            "filter",
            "filter",
            OBJECT,
            ru="Фильтр",
            en="Filter",
            default=None,
            doc="Shipments filter. See GetShipmentsFilterStructure",
            type_doc="Structure Of KeyAndValue",
            field="filter",
            convert=_dates_as_text,
        ),
        P(
            "add_fields",
            "with",
            OBJECT,
            ru="ДопПоля",
            en="AddFields",
            default=None,
            doc="Additional response fields. See GetShipmentAdditionalFields",
            type_doc="Structure Of KeyAndValue",
            field="with",
        ),
        OFFSET._replace(doc="Number of items to skip"),
        P(
            "translit",
            "trlt",
            BOOL,
            ru="Транслит",
            en="Traslit",
            default=False,
            doc="True to transliterate the address from Cyrillic to Latin",
            type_doc="Boolean",
            field="translit",
        ),
    ),
    fixed={"limit": POSTINGS_PAGE_SIZE},
    notes=(
        "Ozon requires filter.since and filter.to (ISO dates such as 2023-01-01T00:00:00Z); filter.status "
        "narrows to awaiting_packaging, awaiting_deliver, delivering, delivered or cancelled.",
        "with: {analytics_data: true, financial_data: true} adds those blocks to every posting.",
        "Pages hold 1000 postings: pass --offset 1000, 2000, ...; Ozon refuses offsets above 20000 "
        "(MAX_OFFSET_EXCEEDED) - narrow the period instead.",
    ),
    current=Current(
        get_fbo_shipments_list_current,
        uses=("/v3/posting/fbo/list",),
        notes=(
            "Current implementation: /v3/posting/fbo/list pages of 100 by cursor. OInt's page is kept: "
            "--offset N skips N postings by reading the pages before them, then up to 1000 postings are "
            "gathered (so one call costs up to (N + 1000) / 100 requests); there is no 20000 cap. A period "
            "longer than v3's year is read a year at a time, in order. --all-pages goes on from where each "
            "page ended (the window and the cursor in it) instead: one request per v3 page.",
            "filter.status becomes filter.statuses [status]; since, to and other filter keys are passed on. "
            "Postings keep v2's shape: a product's price {amount, currency} becomes price (text) and "
            "currency_code; financial_data's commission {amount, percent, currency} becomes "
            "commission_amount, commission_percent and the currency codes; v3's cancellation and "
            "external_order are left out.",
        ),
        resumes=True,
    ),
    example=(
        'oint ozon GetFBOShipmentsList --clientid "***" --apikey "***" '
        "--filter \"{'since':'2023-01-01T00:00:00Z','to':'2024-01-01T00:00:00Z'}\" "
        "--with \"{'analytics_data':true,'financial_data':true}\""
    ),
)

CREATE_FBO_DRAFT = Method(
    name_en="CreateFBODraft",
    name_ru="СоздатьЧерновикЗаявкиFBO",
    group=GROUP,
    python="create_fbo_draft",
    summary="Create an FBO supply-order draft for clusters and SKU quantities.",
    operation="/v1/draft/create",
    params=(
        P(
            "clusters",
            "clusters",
            IDS,
            ru="Кластеры",
            en="Clusters",
            required=True,
            doc="Cluster IDs",
            type_doc="String, Array of String",
            field="cluster_ids",
            convert=_integer("clusters", "a cluster id"),
            per_item=True,
        ),
        P(
            "items",
            "items",
            SKU_QUANTITIES,
            ru="Позиции",
            en="Items",
            required=True,
            doc="Items: Key > SKU, Value > quantity",
            type_doc="Map Of KeyAndValue",
            field="items",
            convert=draft_items,
        ),
        P(
            "supply_type",
            "type",
            STRING,
            ru="ТипПоставки",
            en="SupplyType",
            default="CREATE_TYPE_DIRECT",
            doc="Supply type: CREATE_TYPE_CROSSDOCK, CREATE_TYPE_DIRECT",
            type_doc="String",
            field="type",
        ),
        P(
            "drop_off_point",
            "point",
            ID,
            ru="ТочкаОтгрузки",
            en="ShippingPoint",
            default=None,
            doc="Drop-off point warehouse ID for CREATE_TYPE_CROSSDOCK",
            type_doc="String",
            field="drop_off_point_warehouse_id",
            convert=_integer("point", "the drop-off point id"),
        ),
    ),
    notes=(
        "Items are a map {\"<sku>\": <quantity>}, e.g. {'1783161863': 5, '1784654052': 2}, or a path to a "
        "JSON file with one; up to 5000 items.",
        "CREATE_TYPE_CROSSDOCK needs --point: a drop-off point found with GetShippingWarehousesList "
        "--type CREATE_TYPE_CROSSDOCK.",
        "Ozon answers {operation_id}: the draft is calculated asynchronously - poll GetFBODraft with it. "
        "A draft lives 30 minutes.",
        "Ozon allows 2 drafts a minute, 50 an hour and 500 a day per account (429 beyond).",
        "Besides /v1/draft/direct/create, Ozon offers /v1/draft/crossdock/create and "
        "/v1/draft/multi-cluster/create for other kinds of supply.",
    ),
    current=Current(
        create_fbo_draft_current,
        uses=("/v1/draft/direct/create", "/v1/draft/crossdock/create", "/v1/draft/multi-cluster/create"),
        notes=(
            "Current implementation: one cluster -> /v1/draft/direct/create (CREATE_TYPE_DIRECT) or "
            "/v1/draft/crossdock/create (CREATE_TYPE_CROSSDOCK, the drop-off point as "
            "delivery_info.drop_off_warehouse); several clusters -> /v1/draft/multi-cluster/create. "
            "Cluster ids of GetClustersList are sent as macrolocal_cluster_id.",
            "The answer keeps OInt's shape {operation_id}: it is the new draft's id (digits), which "
            "GetFBODraft and GetFBOTimeslots take; errors Ozon reports at once are added as errors "
            "(v1's shape).",
        ),
    ),
    example=(
        'oint ozon CreateFBODraft --clientid "***" --apikey "***" --clusters 2 '
        "--items \"{'1783161863':5,'1784654052':2}\""
    ),
)

GET_FBO_DRAFT = Method(
    name_en="GetFBODraft",
    name_ru="ПолучитьЧерновикЗаявкиFBO",
    group=GROUP,
    python="get_fbo_draft",
    summary="Get an FBO supply draft (calculation status and candidate warehouses) by operation ID.",
    operation="/v1/draft/create/info",
    params=(
        P(
            "operation_id",
            "oper",
            STRING,
            ru="IDОперации",
            en="OperationID",
            required=True,
            doc="Draft (operation) ID",
            type_doc="String",
            field="operation_id",
        ),
    ),
    notes=(
        "status is CALCULATION_STATUS_IN_PROGRESS while Ozon calculates: poll again later.",
        "CALCULATION_STATUS_SUCCESS brings draft_id and clusters with their supply warehouses "
        "(warehouse ids go to GetFBOTimeslots --whs); CALCULATION_STATUS_FAILED brings errors "
        "(items_validation, unknown_cluster_ids); after 30 minutes a draft is CALCULATION_STATUS_EXPIRED.",
    ),
    current=Current(
        get_fbo_draft_current,
        uses=("/v2/draft/create/info",),
        notes=(
            "Current implementation: /v2/draft/create/info with the draft id that CreateFBODraft answers as "
            "operation_id (an operation id of the switched-off /v1/draft/create is a usage error).",
            "The answer keeps v1's shape: macrolocal_cluster_id -> cluster_id, storage_warehouse -> "
            "supply_warehouse, availability_status -> status {state, invalid_reason, is_available}, "
            "bundle_id -> bundle_ids [{bundle_id, is_docless: false}]; v2 has no travel_time_days (left "
            "out, a warning says so).",
        ),
    ),
    example=(
        'oint ozon GetFBODraft --clientid "***" --apikey "***" --oper "01968c0f-6eb1-77dc-8df4-d930396b6106"'
    ),
)

GET_FBO_TIMESLOTS = Method(
    name_en="GetFBOTimeslots",
    name_ru="ПолучитьТаймслотыFBO",
    group=GROUP,
    python="get_fbo_timeslots",
    summary="Get available delivery timeslots at drop-off warehouses for a supply draft.",
    operation="/v1/draft/timeslot/info",
    params=(
        P(
            "date_from",
            "from",
            DATE,
            ru="ДатаОт",
            en="DateFrom",
            required=True,
            doc="Start of the wanted period",
            type_doc="Date",
            field="date_from",
            convert=xml_datetime_z,
        ),
        P(
            "date_to",
            "to",
            DATE,
            ru="ДатаПо",
            en="DateTo",
            required=True,
            doc="End of the wanted period (max 28 days from now)",
            type_doc="Date",
            field="date_to",
            convert=xml_datetime_z,
        ),
        P(
            "draft_id",
            "draft",
            ID,
            ru="Черновик",
            en="Draft",
            required=True,
            doc="Supply draft ID",
            type_doc="Number, String",
            field="draft_id",
            convert=_integer("draft", "the draft id"),
        ),
        P(
            "warehouse_ids",
            "whs",
            NUMBERS,
            ru="Склады",
            en="Warehouses",
            required=True,
            doc="Warehouse ID or several IDs",
            type_doc="Array Of Number",
            field="warehouse_ids",
            convert=_integer("whs", "a warehouse id"),
            per_item=True,
        ),
    ),
    notes=(
        "Dates are sent as OInt does: the date and time as given, seconds precision, with 'Z' appended "
        "(2025-07-05T12:47:44Z). The CLI accepts 2025-07-05T12:47:44.5600826 and 07/29/2025 21:23:13.",
        "The period may end at most 28 days from now; up to 10 warehouses per request.",
        "draft_id and warehouse ids come from GetFBODraft once its status is CALCULATION_STATUS_SUCCESS.",
    ),
    current=Current(
        get_fbo_timeslots_current,
        uses=("/v2/draft/timeslot/info", "/v2/draft/create/info"),
        notes=(
            "Current implementation: the cluster of each warehouse and the supply type from "
            "/v2/draft/create/info, then /v2/draft/timeslot/info once per warehouse (v2 answers one "
            "warehouse's slots per call).",
            "The answer keeps v1's shape: one drop_off_warehouse_timeslots entry per warehouse asked for, "
            "whose drop_off_warehouse_id is that warehouse (v2 does not name the drop-off point of a "
            "cross-docking supply); a warehouse that is not the draft's, or v2's error_reason, is a 400 "
            "error as in v1.",
        ),
    ),
    example=(
        'oint ozon GetFBOTimeslots --clientid "***" --apikey "***" --from "2025-07-05T12:47:44.5600826" '
        '--to "2025-07-06T12:47:44.5600826" --draft 57582168 --whs 1020001649180000'
    ),
)

METHODS = (
    GET_CLUSTERS_LIST,
    GET_SHIPPING_WAREHOUSES_LIST,
    GET_FBO_SHIPMENTS_LIST,
    CREATE_FBO_DRAFT,
    GET_FBO_DRAFT,
    GET_FBO_TIMESLOTS,
)
