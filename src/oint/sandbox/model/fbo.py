"""The FBO scheme: clusters, shipping points, FBO postings, supply drafts and timeslots.

Ozon's logistics network (clusters, warehouses, drop-off and pick-up points) is the same for
every seller, so it is reference data, `data/fbo_network.json`, read once (`NETWORK`, `WAREHOUSES`,
`CLUSTERS`, `CITIES`). Per account the sandbox keeps:

- FBO postings (kind "fbo_posting", key posting_number), seeded from the demo catalogue;
- supply drafts (kind "fbo_draft", key operation_id; kind "fbo_draft_id": draft_id ->
  operation_id). A draft is calculated when it is created, from the catalogue as it is then,
  but `/v1/draft/create/info` shows CALCULATION_STATUS_IN_PROGRESS for the first
  `CALCULATION_SECONDS` and CALCULATION_STATUS_EXPIRED after `DRAFT_LIFETIME`, both measured
  with `account.now`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zlib
from dataclasses import dataclass
from typing import Any

from oint.core.dates import parse_datetime
from oint.sandbox.errors import invalid, not_found, precondition, rejected, rejected_item, rejected_request
from oint.sandbox.model.base import Account, id_list, int_id, route, str_list
from oint.sandbox.model.common import amount, data_file, page_offset, page_size, sort_descending
from oint.sandbox.model.products import find_by_offer, find_by_sku

POSTING = "fbo_posting"
DRAFT = "fbo_draft"
DRAFT_BY_ID = "fbo_draft_id"

CALCULATION_SECONDS = 0.25  # how long a new draft stays CALCULATION_STATUS_IN_PROGRESS
DRAFT_LIFETIME = 30 * 60.0  # a draft expires 30 minutes after it was created (facts §2.3)
DRAFT_LIMITS = ((2, 60.0, "minute"), (50, 3600.0, "hour"), (500, 86400.0, "day"))  # per account
MAX_DRAFT_ITEMS = 5000
MAX_TIMESLOT_WAREHOUSES = 10
TIMESLOT_HORIZON_DAYS = 28
POSTINGS_MAX_LIMIT = 1000
POSTINGS_MAX_OFFSET = 20000
SUPPLY_TYPES = ("CREATE_TYPE_CROSSDOCK", "CREATE_TYPE_DIRECT")
CLUSTER_TYPES = {"CLUSTER_TYPE_OZON": "OZON", "CLUSTER_TYPE_CIS": "CIS"}
POSTING_STATUSES = ("awaiting_packaging", "awaiting_deliver", "delivering", "delivered", "cancelled")


# ------------------------------------------------------------------ the logistics network (a data file)
@dataclass(frozen=True, slots=True)
class City:
    name: str
    region: str
    latitude: float
    longitude: float
    timezone: str
    utc_offset_hours: int


@dataclass(frozen=True, slots=True)
class Warehouse:
    warehouse_id: int
    type: str  # FULL_FILLMENT, SORTING_CENTER, CROSS_DOCK, ORDERS_RECEIVING_POINT, DELIVERY_POINT
    name: str
    city: str
    street: str
    cluster_id: int
    bulky_only: bool = False

    @property
    def place(self) -> City:
        return CITIES[self.city]

    @property
    def address(self) -> str:
        return f"Россия, {self.place.region}, г. {self.city}, {self.street}"

    @property
    def coordinates(self) -> dict[str, float]:
        shift = (self.warehouse_id // 1000 % 997) / 100000  # a few hundred metres, stable per warehouse
        return {
            "latitude": round(self.place.latitude + shift, 6),
            "longitude": round(self.place.longitude - shift, 6),
        }

    @property
    def accepts_direct(self) -> bool:
        return self.type == "FULL_FILLMENT"

    @property
    def accepts_crossdock(self) -> bool:
        return self.type in ("SORTING_CENTER", "CROSS_DOCK", "ORDERS_RECEIVING_POINT", "DELIVERY_POINT")


@dataclass(frozen=True, slots=True)
class Cluster:
    id: int
    name: str
    type: str  # OZON or CIS


def _network() -> tuple[dict[str, City], tuple[Cluster, ...], tuple[Warehouse, ...]]:
    """`data/fbo_network.json`: the cities, clusters and warehouses."""
    doc = data_file("fbo_network.json")
    cities = {c["name"]: City(**c) for c in doc["cities"]}
    clusters = tuple(Cluster(**c) for c in doc["clusters"])
    warehouses = tuple(Warehouse(**w) for w in doc["warehouses"])
    unknown = sorted({w.city for w in warehouses} - set(cities)) + sorted(
        {str(w.cluster_id) for w in warehouses} - {str(c.id) for c in clusters}
    )
    if unknown:
        raise ValueError(f"fbo_network.json: unknown cities or clusters {unknown}")
    return cities, clusters, warehouses


CITIES, CLUSTERS, NETWORK = _network()
CLUSTERS_BY_ID = {c.id: c for c in CLUSTERS}
WAREHOUSES = {w.warehouse_id: w for w in NETWORK}


def cluster_warehouses(cluster_id: int) -> list[Warehouse]:
    return [w for w in NETWORK if w.cluster_id == cluster_id and w.type != "DELIVERY_POINT"]


# ------------------------------------------------------------------ small helpers
def _uuid(*parts: Any, ms: int | None = None) -> str:
    """A stable UUIDv7-looking id: `ms` (or a hash) in front, a hash of `parts` behind."""
    digest = hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()
    head = f"{ms:012x}"[-12:] if ms is not None else digest[20:32]
    variant = "89ab"[int(digest[3], 16) % 4]
    return f"{head[:8]}-{head[8:12]}-7{digest[:3]}-{variant}{digest[4:7]}-{digest[7:19]}"


def _utc(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).replace(tzinfo=None)


def _stamp(moment: dt.datetime, *, fraction: bool = False) -> str:
    """A naive datetime the way Ozon prints it: ...Z, with microseconds when asked."""
    text = moment.isoformat(timespec="microseconds" if fraction else "seconds")
    return text + "Z"


def parse_time(body: dict[str, Any], field: str, *, required: bool = True) -> dt.datetime | None:
    """An RFC 3339 time field as a naive UTC datetime (400 when missing or malformed)."""
    value = body.get(field)
    if value in (None, ""):
        if required:
            raise rejected(field, "value is required")
        return None
    if not isinstance(value, str):
        raise rejected(field, "value must be a timestamp string")
    try:  # RFC 3339 with "Z" or an offset, fractions of any length (Ozon prints nanoseconds)
        if not _RFC3339_START.match(value.strip()):
            raise ValueError(value)
        moment = parse_datetime(value)
    except ValueError:
        raise rejected(field, f"{value!r} is not an RFC 3339 timestamp") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment


_RFC3339_START = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _flag(value: Any, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise rejected(field, "value must be a boolean")
    return value


def view_options(body: dict[str, Any], request: str) -> tuple[dict[str, bool], bool]:
    """What an FBO posting list adds to each posting: the parts `with` asks for (analytics_data,
    financial_data, legal_info), and whether names are transliterated (`translit`)."""
    with_fields = body.get("with") or {}
    if not isinstance(with_fields, dict):
        raise rejected(f"{request}.With", "value must be an object")
    extras = {
        name: _flag(with_fields.get(name), f"with.{name}")
        for name in ("analytics_data", "financial_data", "legal_info")
    }
    return extras, _flag(body.get("translit"), "translit")


# ------------------------------------------------------------------ clusters, shipping points
@route("POST", "/v1/cluster/list")
def cluster_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Ozon's clusters of one type (optionally only `cluster_ids`) with their warehouses."""
    cluster_type = body.get("cluster_type")
    if cluster_type in (None, ""):
        raise rejected("ClusterListRequest.ClusterType", "value is required")
    if cluster_type not in CLUSTER_TYPES:
        raise rejected("ClusterListRequest.ClusterType", "value must be one of the defined enum values")
    wanted = set(id_list(body, "cluster_ids", required=False))
    clusters = [
        c for c in CLUSTERS if c.type == CLUSTER_TYPES[cluster_type] and (not wanted or c.id in wanted)
    ]
    return {
        "clusters": [
            {
                "logistic_clusters": [
                    {
                        "warehouses": [
                            {"warehouse_id": w.warehouse_id, "type": w.type, "name": w.name}
                            for w in cluster_warehouses(c.id)
                        ]
                    }
                ],
                "id": c.id,
                "name": c.name,
                # "OZON"/"CIS" as recorded; the document's enum says CLUSTER_TYPE_*: the recording wins
                "type": c.type,
            }
            for c in clusters
        ]
    }


@route("POST", "/v1/warehouse/fbo/list")
def warehouse_fbo_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Shipping points by name or address: fulfilment warehouses for direct supplies, drop-off points
    for cross-docking. Pick-up points are found only by their full name."""
    supply_types = str_list(body, "filter_by_supply_type")
    if not supply_types:
        raise rejected("WarehouseFboListRequest.FilterBySupplyType", "value must contain at least 1 item(s)")
    for i, t in enumerate(supply_types):
        if t not in SUPPLY_TYPES:
            raise rejected(
                f"WarehouseFboListRequest.FilterBySupplyType[{i}]",
                "value must be one of the defined enum values",
            )
    search = body.get("search")
    if not isinstance(search, str) or len(search.strip()) < 4:
        raise rejected("WarehouseFboListRequest.Search", "value length must be at least 4 runes")
    needle = search.strip().casefold()
    found = []
    for w in NETWORK:
        if not (
            ("CREATE_TYPE_DIRECT" in supply_types and w.accepts_direct)
            or ("CREATE_TYPE_CROSSDOCK" in supply_types and w.accepts_crossdock)
        ):
            continue
        if w.type == "DELIVERY_POINT":
            matches = needle == w.name.casefold()
        else:
            matches = needle in w.name.casefold() or needle in w.address.casefold()
        if matches:
            found.append(
                {
                    "warehouse_id": w.warehouse_id,
                    "warehouse_type": f"WAREHOUSE_TYPE_{w.type}",
                    "coordinates": w.coordinates,
                    "address": w.address,
                    "name": w.name,
                }
            )
    return {"search": found}


# ------------------------------------------------------------------ FBO postings
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


def transliterate(text: str) -> str:
    """Cyrillic to Latin letters, keeping the case of each word's first letter."""
    out = []
    for ch in text:
        latin = _TRANSLIT.get(ch.lower())
        if latin is None:
            out.append(ch)
        else:
            out.append(latin.capitalize() if ch.isupper() else latin)
    return "".join(out)


def posting_view(doc: dict[str, Any], extras: dict[str, bool], translit: bool) -> dict[str, Any]:
    """One posting of `/v2/posting/fbo/list`: the base fields, plus the blocks asked for in `with`."""
    analytics = None
    if extras["analytics_data"]:
        a = dict(doc["analytics"])
        if translit:
            a["city"] = transliterate(a["city"])
        analytics = a
    financial = None
    if extras["financial_data"]:
        financial = {
            "cluster_from": doc["cluster_from"],
            "cluster_to": doc["cluster_to"],
            "products": [dict(p) for p in doc["financial_products"]],
        }
    legal = doc["legal_info"] if extras["legal_info"] else None
    return {
        "order_id": doc["order_id"],
        "order_number": doc["order_number"],
        "posting_number": doc["posting_number"],
        "status": doc["status"],
        "substatus": doc["substatus"],
        "cancel_reason_id": doc["cancel_reason_id"],
        "created_at": doc["created_at"],
        "in_process_at": doc["in_process_at"],
        "products": [dict(p) for p in doc["products"]],
        "analytics_data": analytics,
        "financial_data": financial,
        "additional_data": [],
        "legal_info": legal,
    }


@route("POST", "/v2/posting/fbo/list")
def posting_fbo_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """FBO postings created in [since, to], optionally of one status, sorted by creation time."""
    flt = body.get("filter")
    if not isinstance(flt, dict):
        raise rejected("GetFboPostingListRequest.Filter", "value is required")
    since = parse_time(flt, "since")
    until = parse_time(flt, "to")
    assert since is not None and until is not None
    status = flt.get("status") or ""
    if not isinstance(status, str):
        raise rejected("GetFboPostingListRequest.Filter.Status", "value must be a string")
    limit = page_size(body, "GetFboPostingListRequest", POSTINGS_MAX_LIMIT)
    offset = page_offset(body, "GetFboPostingListRequest")
    if offset > POSTINGS_MAX_OFFSET:
        raise invalid("MAX_OFFSET_EXCEEDED")
    descending = sort_descending(body.get("dir"), "GetFboPostingListRequest.Dir")
    extras, translit = view_options(body, "GetFboPostingListRequest")

    wanted = []
    for doc in account.all(POSTING):
        created = parse_time(doc, "created_at")
        assert created is not None
        if since <= created <= until and (not status or doc["status"] == status.lower()):
            wanted.append((created, doc))
    wanted.sort(key=lambda pair: (pair[0], pair[1]["posting_number"]), reverse=descending)
    page = wanted[offset : offset + limit]
    return {"result": [posting_view(doc, extras, translit) for _, doc in page]}


# (days ago, items [(offer_id, quantity)], status, warehouse id, city, delivery type)
DEMO_POSTINGS: tuple[tuple[int, tuple[tuple[str, int], ...], str, int, str, str], ...] = (
    (150, (("ARCH-001", 1),), "delivered", 1020000759116000, "Москва", "PVZ"),
    (118, (("143210609", 2),), "delivered", 1020000115166000, "Москва", "Courier"),
    (96, (("91132", 1),), "cancelled", 23021125185000, "Тверь", "PVZ"),
    (74, (("1432106010", 1), ("91132", 1)), "delivered", 1020000115166000, "Ярославль", "PVZ"),
    (51, (("143210609", 1),), "delivered", 1020002007530000, "Тюмень", "PVZ"),
    (33, (("1432106010", 3),), "delivered", 23902289166000, "Москва", "Courier"),
    (19, (("91132", 2),), "delivered", 1020000759116000, "Москва", "PVZ"),
    (9, (("143210609", 1),), "delivering", 21225173751000, "Хабаровск", "PVZ"),
    (4, (("1432106010", 1),), "cancelled", 1020001853819000, "Пермь", "Courier"),
    (2, (("143210609", 1), ("1432106010", 1)), "awaiting_deliver", 23021125185000, "Тверь", "PVZ"),
    (1, (("91132", 1),), "awaiting_packaging", 1020000115166000, "Москва", "PVZ"),
)
_SUBSTATUS = {
    "awaiting_packaging": "posting_created",
    "awaiting_deliver": "posting_awaiting_passport_data",
    "delivering": "posting_in_carriage",
    "delivered": "posting_received",
    "cancelled": "posting_canceled",
}
COMMISSION_PERCENT = 15  # a whole number: the document types commission_percent as int64


def _money(value: float) -> float:
    return round(value, 2)


def seed(account: Account) -> None:
    """A few months of FBO postings of the demo products (prices as they were on the product)."""
    for n, (days_ago, lines, status, warehouse_id, city, delivery) in enumerate(DEMO_POSTINGS, start=1):
        products, financial = [], []
        for offer_id, quantity in lines:
            p = find_by_offer(account, offer_id)
            if p is None or not p["sku"]:
                continue
            price = amount(p["price"])
            old_price = max(amount(p["old_price"]), price)
            products.append(
                {
                    "sku": p["sku"],
                    "name": p["name"],
                    "quantity": quantity,
                    "offer_id": p["offer_id"],
                    "price": f"{price:.4f}",
                    "digital_codes": [],
                    "currency_code": "RUB",
                    "is_marketplace_buyout": False,
                }
            )
            commission = _money(price * quantity * COMMISSION_PERCENT / 100)
            financial.append(
                {
                    "commission_amount": commission,
                    "commission_percent": COMMISSION_PERCENT,
                    "payout": _money(price * quantity - commission),
                    "product_id": p["sku"],
                    "old_price": _money(old_price),
                    "price": _money(price),
                    "total_discount_value": _money(old_price - price),
                    "total_discount_percent": _money((old_price - price) / old_price * 100)
                    if old_price
                    else 0.0,
                    "actions": [],
                    "quantity": quantity,
                    "currency_code": "RUB",
                    "commissions_currency_code": "RUB",
                }
            )
        if not products:
            continue
        created = account.now - days_ago * 86400.0 - n * 3271.0  # spread over the day, stable order
        order_id = account.next_id("fbo_order_id", 31902450001)
        order_number = f"{order_id % 10**8:08d}-{n:04d}"
        warehouse = WAREHOUSES[warehouse_id]
        account.put(
            POSTING,
            f"{order_number}-1",
            {
                "order_id": order_id,
                "order_number": order_number,
                "posting_number": f"{order_number}-1",
                "status": status,
                "substatus": _SUBSTATUS[status],
                "cancel_reason_id": 402 if status == "cancelled" else 0,
                "created_at": account.iso(created),
                "in_process_at": account.iso(created + 95.0),
                "products": products,
                "analytics": {
                    "city": city,
                    "delivery_type": delivery,
                    "is_legal": False,
                    "is_premium": n % 4 == 0,
                    "payment_type_group_name": "картой онлайн",
                    "warehouse_id": warehouse.warehouse_id,
                    "warehouse_name": warehouse.name,
                },
                "cluster_from": CLUSTERS_BY_ID[warehouse.cluster_id].name,
                "cluster_to": _city_cluster(city),
                "financial_products": financial,
                "legal_info": {"company_name": "", "inn": "", "kpp": ""},
            },
        )


def _city_cluster(city: str) -> str:
    for w in NETWORK:
        if w.city == city:
            return CLUSTERS_BY_ID[w.cluster_id].name
    return ""


# ------------------------------------------------------------------ supply drafts
def _draft_items(body: dict[str, Any]) -> list[dict[str, int]]:
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise rejected("DraftCreateRequest.Items", "value must contain at least 1 item(s)")
    if len(items) > MAX_DRAFT_ITEMS:
        raise rejected("DraftCreateRequest.Items", f"value must contain at most {MAX_DRAFT_ITEMS} item(s)")
    out = []
    for i, item in enumerate(items):
        where = f"DraftCreateRequest.Items[{i}]"
        if not isinstance(item, dict):
            raise rejected_item(where, "DraftCreateRequest_Item", "value must be an object")
        sku = int_id(item.get("sku") or 0, "sku")
        quantity = int_id(item.get("quantity") or 0, "quantity")
        if sku <= 0:
            raise rejected_item(where, "DraftCreateRequest_Item.Sku", "value must be greater than 0")
        if quantity <= 0:
            raise rejected_item(where, "DraftCreateRequest_Item.Quantity", "value must be greater than 0")
        out.append({"sku": sku, "quantity": quantity})
    return out


def _scored_warehouse(draft_key: str, w: Warehouse, bulky: bool, travel_days: int) -> dict[str, Any]:
    """A supply warehouse of a calculated draft; its score is stable for the same draft contents."""
    entry: dict[str, Any] = {
        "bundle_ids": [],
        "supply_warehouse": {"warehouse_id": w.warehouse_id, "name": w.name, "address": w.address},
    }
    if w.bulky_only and not bulky:
        entry["status"] = {
            "state": "WAREHOUSE_SCORING_STATUS_NOT_AVAILABLE",
            "invalid_reason": "WAREHOUSE_SCORING_INVALID_REASON_NOT_AVAILABLE_MATRIX",
            "is_available": False,
        }
        entry["restricted_bundle_id"] = _uuid(draft_key, w.warehouse_id, "restricted")
        # a string, as recorded ("0"); the document says int64: the recording wins
        entry["travel_time_days"] = str(travel_days)
        entry["total_score"] = 0.0
        return entry
    score = 0.3 + 0.6 * (zlib.crc32(f"{draft_key}:{w.warehouse_id}".encode()) % 10000) / 10000
    partial = score < 0.45
    entry["bundle_ids"] = [{"bundle_id": _uuid(draft_key, w.warehouse_id, "bundle"), "is_docless": True}]
    entry["status"] = {  # ..._NO_REASON as recorded, though the document's enum lacks it: the recording wins
        "state": f"WAREHOUSE_SCORING_STATUS_{'PARTIAL' if partial else 'FULL'}_AVAILABLE",
        "invalid_reason": "WAREHOUSE_SCORING_INVALID_REASON_"
        + ("PARTIAL_MATRIX_AVAILABLE" if partial else "NO_REASON"),
        "is_available": True,
    }
    entry["restricted_bundle_id"] = _uuid(draft_key, w.warehouse_id, "restricted") if partial else ""
    entry["travel_time_days"] = str(travel_days)
    entry["total_score"] = round(score, 15)
    return entry


def _calculate(account: Account, draft: dict[str, Any]) -> dict[str, Any]:
    """The outcome of a draft: errors (FAILED) or clusters with ranked supply warehouses (SUCCESS)."""
    rejected = []
    bulky = False
    for item in draft["items"]:
        product = find_by_sku(account, item["sku"])
        if product is None:
            rejected.append({"sku": item["sku"], "reasons": ["ITEM_REJECTION_REASON_OUT_OF_ASSORTMENT"]})
        elif product["is_archived"]:
            rejected.append({"sku": item["sku"], "reasons": ["ITEM_REJECTION_REASON_BLOCKED"]})
        else:
            bulky = bulky or product.get("weight", 0) > 25000
    unknown_clusters = [c for c in draft["cluster_ids"] if c not in CLUSTERS_BY_ID]
    drop_off = WAREHOUSES.get(draft["drop_off_point"] or 0)
    messages = []
    if rejected:
        messages.append("some items cannot be supplied")
    if unknown_clusters:
        messages.append("unknown cluster ids")
    if draft["type"] == "CREATE_TYPE_CROSSDOCK" and (drop_off is None or not drop_off.accepts_crossdock):
        messages.append(f"drop-off point {draft['drop_off_point']} not found")
    if messages:
        return {
            "status": "CALCULATION_STATUS_FAILED",
            "clusters": [],
            "errors": [
                {
                    "error_message": "; ".join(messages),
                    "items_validation": rejected,
                    "unknown_cluster_ids": [str(c) for c in unknown_clusters],
                }
            ],
        }
    clusters = []
    for cluster_id in dict.fromkeys(draft["cluster_ids"]):
        warehouses = []
        for w in cluster_warehouses(cluster_id):
            if not w.accepts_direct:
                continue
            travel = 0 if drop_off is None else (1 if drop_off.cluster_id == w.cluster_id else 3)
            warehouses.append(_scored_warehouse(draft["operation_id"], w, bulky, travel))
        available = sorted(
            (e for e in warehouses if e["status"]["is_available"]), key=lambda e: -e["total_score"]
        )
        for rank, entry in enumerate(available, start=1):
            entry["total_rank"] = rank
        unavailable = [e for e in warehouses if not e["status"]["is_available"]]
        for rank, entry in enumerate(unavailable, start=len(available) + 1):
            entry["total_rank"] = rank  # ranked after every available warehouse
        clusters.append(
            {
                "cluster_id": cluster_id,
                "cluster_name": CLUSTERS_BY_ID[cluster_id].name,
                "warehouses": available + unavailable,
            }
        )
    return {"status": "CALCULATION_STATUS_SUCCESS", "clusters": clusters, "errors": []}


@route("POST", "/v1/draft/create")
def draft_create(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Start calculating a supply draft; the answer is only the operation id to poll."""
    supply_type = body.get("type")
    if supply_type not in SUPPLY_TYPES:
        raise rejected("DraftCreateRequest.Type", "value must be one of the defined enum values")
    items = _draft_items(body)
    cluster_ids = id_list(body, "cluster_ids")
    drop_off = body.get("drop_off_point_warehouse_id")
    drop_off_id = int_id(drop_off, "drop_off_point_warehouse_id") if drop_off not in (None, "", 0) else 0
    if supply_type == "CREATE_TYPE_CROSSDOCK" and not drop_off_id:
        raise rejected(
            "DraftCreateRequest.DropOffPointWarehouseId", "value is required for CREATE_TYPE_CROSSDOCK"
        )
    if supply_type == "CREATE_TYPE_DIRECT":
        drop_off_id = 0  # only cross-docking supplies have a drop-off point
    for limit, per, unit in DRAFT_LIMITS:
        account.limit(
            f"fbo-draft-create/{unit}",
            limit,
            per,
            f"You have reached the limit of supply drafts: no more than {limit} per {unit}",
        )
    serial = account.next_id("fbo_operation", 1)
    operation_id = _uuid(account.client_id, serial, ms=int(account.now * 1000))
    draft: dict[str, Any] = {
        "operation_id": operation_id,
        "created_at": account.now,
        "type": supply_type,
        "items": items,
        "cluster_ids": cluster_ids,
        "drop_off_point": drop_off_id,
        "draft_id": 0,
    }
    outcome = _calculate(account, draft)
    if outcome["status"] == "CALCULATION_STATUS_SUCCESS":
        draft["draft_id"] = account.next_id("fbo_draft_id", 57582168)
        account.put(DRAFT_BY_ID, draft["draft_id"], operation_id)
    draft["outcome"] = outcome
    account.put(DRAFT, operation_id, draft)
    return {"operation_id": operation_id}


def _draft_status(account: Account, draft: dict[str, Any]) -> str:
    age = account.now - draft["created_at"]
    if age < CALCULATION_SECONDS:
        return "CALCULATION_STATUS_IN_PROGRESS"
    if age >= DRAFT_LIFETIME:
        return "CALCULATION_STATUS_EXPIRED"
    status: str = draft["outcome"]["status"]
    return status


def _timeslot_window(account: Account, body: dict[str, Any]) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """The window of a timeslot request: the start of `date_from`'s day, `date_to`, and the time now
    (naive UTC); 400 when `date_to` is before `date_from` or beyond the horizon."""
    date_from = parse_time(body, "date_from")
    date_to = parse_time(body, "date_to")
    assert date_from is not None and date_to is not None
    now_utc = _utc(account.now)
    if date_to < date_from:
        raise rejected_request("date_to must not be earlier than date_from")
    if date_to > now_utc + dt.timedelta(days=TIMESLOT_HORIZON_DAYS):
        raise rejected_request(f"date_to must be no more than {TIMESLOT_HORIZON_DAYS} days from now")
    return date_from.replace(hour=0, minute=0, second=0, microsecond=0), date_to, now_utc


def _check_calculated(account: Account, draft: dict[str, Any]) -> None:
    """A draft whose timeslots are asked for must be calculated and not expired (else 400, code 9)."""
    status = _draft_status(account, draft)
    if status == "CALCULATION_STATUS_EXPIRED":
        raise precondition(f"draft {draft['draft_id']} has expired: create a new draft")
    if status == "CALCULATION_STATUS_IN_PROGRESS":
        raise precondition(f"draft {draft['draft_id']} is still being calculated")


@route("POST", "/v1/draft/create/info")
def draft_create_info(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The draft's calculation: in progress, then its warehouses (or errors), expired after 30 minutes."""
    operation_id = body.get("operation_id")
    if not isinstance(operation_id, str) or not operation_id.strip():
        raise rejected("DraftCreateInfoRequest.OperationId", "value length must be at least 1 runes")
    draft = account.get(DRAFT, operation_id.strip())
    if draft is None:
        raise not_found("draft not found")
    status = _draft_status(account, draft)
    if status in ("CALCULATION_STATUS_IN_PROGRESS", "CALCULATION_STATUS_EXPIRED"):
        return {"status": status, "draft_id": 0, "clusters": [], "errors": []}
    outcome = draft["outcome"]
    return {
        "status": status,
        "draft_id": draft["draft_id"],
        "clusters": outcome["clusters"],
        "errors": outcome["errors"],
    }


# ------------------------------------------------------------------ timeslots
def _slot_open(warehouse_id: int, day: dt.date, hour: int) -> bool:
    """Whether a one-hour slot is free: about two in three are, the same ones on every call."""
    return zlib.crc32(f"{warehouse_id}:{day.isoformat()}:{hour}".encode()) % 3 != 0


def _timeslots(w: Warehouse, now_utc: dt.datetime, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """Free one-hour slots of a drop-off warehouse in [since, until], in its local time, after its now."""
    local_now = now_utc + dt.timedelta(hours=w.place.utc_offset_hours)
    days = []
    day = since.date()
    while day <= until.date():
        slots = []
        for hour in range(24):
            start = dt.datetime.combine(day, dt.time(hour))
            end = start + dt.timedelta(hours=1)
            in_window = start >= since and start >= local_now and end <= until
            if in_window and _slot_open(w.warehouse_id, day, hour):
                slots.append({"from_in_timezone": _stamp(start), "to_in_timezone": _stamp(end)})
        if slots:
            days.append({"timeslots": slots, "date_in_timezone": _stamp(dt.datetime.combine(day, dt.time()))})
        day += dt.timedelta(days=1)
    return {
        "drop_off_warehouse_id": w.warehouse_id,
        "warehouse_timezone": w.place.timezone,
        "current_time_in_timezone": _stamp(local_now, fraction=True),
        "days": days,
    }


@route("POST", "/v1/draft/timeslot/info")
def draft_timeslot_info(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Free delivery timeslots of the draft's warehouses within a window of at most 28 days ahead.

    Times are wall-clock times of each warehouse, labelled Z as Ozon prints them; the window
    starts at the beginning of `date_from`'s day.
    """
    if body.get("draft_id") in (None, "", 0):
        raise rejected("DraftTimeslotInfoRequest.DraftId", "value must be greater than 0")
    draft_id = int_id(body["draft_id"], "draft_id")
    warehouse_ids = id_list(body, "warehouse_ids", max_items=MAX_TIMESLOT_WAREHOUSES)
    since, date_to, now_utc = _timeslot_window(account, body)
    operation_id = account.get(DRAFT_BY_ID, draft_id)
    draft = account.get(DRAFT, operation_id) if operation_id is not None else None
    if draft is None:
        raise not_found(f"draft {draft_id} not found")
    _check_calculated(account, draft)
    supply = {
        e["supply_warehouse"]["warehouse_id"]: e
        for c in draft["outcome"]["clusters"]
        for e in c["warehouses"]
    }
    drop_off = WAREHOUSES.get(draft["drop_off_point"])
    result: dict[int, dict[str, Any]] = {}
    for wid in warehouse_ids:
        entry = supply.get(wid)
        if entry is None and not (drop_off is not None and wid == drop_off.warehouse_id):
            raise rejected_request(f"warehouse {wid} is not a warehouse of draft {draft_id}")
        if entry is not None and not entry["status"]["is_available"]:
            raise invalid(entry["status"]["invalid_reason"])
        target = drop_off or WAREHOUSES[wid]  # cross-docking: the slots are the drop-off point's
        if target.warehouse_id not in result:
            result[target.warehouse_id] = _timeslots(target, now_utc, since, date_to)
    return {
        "drop_off_warehouse_timeslots": list(result.values()),
        "requested_date_from": _stamp(since),
        "requested_date_to": _stamp(date_to, fraction=bool(date_to.microsecond)),
    }
