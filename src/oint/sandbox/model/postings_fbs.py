"""FBS and rFBS postings: the documents, their life on the sandbox's clock, and the reads.

A posting is a document of kind "fbs_posting" keyed by its number (`12345678-0001-1`), created by a
buyer's order (`model/buyers.py`) on one of the seller's warehouses: the products with their price
at ordering time, the buyer and the delivery method. Its stock is reserved on the warehouse when
it is created (`stock` down, `reserved` up), released when it is cancelled before it leaves, and
leaves the warehouse (`reserved` down) when it is handed over to delivery.

Statuses and their moves (all recorded as events, `model/market.py`):

    awaiting_packaging --ship--> awaiting_deliver --handover--> delivering --> delivered
          |                            |                          (rFBS: the seller's moves,
          +-------- cancelled <--------+                           driver_pickup between)
                                       +--arbitration--> arbitration --awaiting-delivery--+

FBS postings are handed over some hours after their shipment date (or the act's departure), and
delivered after the days their buyer's city is away; rFBS postings move on by the seller's calls
(`/v2/fbs/posting/delivering`, `last-mile`, `delivered`). Buyers cancel a share of postings
before they leave.

Reads: `/v3/posting/fbs/list` and `/v4/posting/fbs/list`, the unfulfilled lists (v3, v4),
`/v3/posting/fbs/get`, `/v2/posting/fbs/get-by-barcode`, the cancel reasons. For the web view:
`by_status(account)`, `get_posting(account, number)`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from typing import Any

from oint.apis.seller import spec
from oint.sandbox.errors import not_found, rejected
from oint.sandbox.model import market, pushes, shape
from oint.sandbox.model.base import Account, int_id, route, str_list
from oint.sandbox.model.common import (
    decode_cursor,
    encode_cursor,
    page_after,
    page_offset,
    page_size,
    sort_descending,
)
from oint.sandbox.model.fbo import parse_time, transliterate
from oint.sandbox.model.products import get_product
from oint.sandbox.model.stocks import STOCK, refresh_summary, stock_key

POSTING = "fbs_posting"
UNFULFILLED = (
    "acceptance_in_progress",
    "awaiting_approve",
    "awaiting_packaging",
    "awaiting_registration",
    "awaiting_deliver",
)
NOT_LEFT = ("awaiting_packaging", "awaiting_deliver", "arbitration")  # stock still on the warehouse
SUBSTATUS = {
    "awaiting_packaging": "posting_created",
    "awaiting_deliver": "posting_transferring_to_delivery",
    "arbitration": "posting_in_arbitration",
    "delivering": "posting_on_way_to_city",
    "driver_pickup": "posting_driver_pick_up",
    "delivered": "posting_delivered",
    "cancelled": "posting_canceled",
}
V3_MAX_LIMIT = 1000
V4_MAX_LIMIT = 100
HANDOVER_HOURS = (2.0, 8.0)  # after the shipment date (or the act's departure)
DAY = 86400.0


# ------------------------------------------------------------------ documents
def get_posting(account: Account, number: str) -> dict[str, Any] | None:
    """The posting document (internal form) or None."""
    doc: dict[str, Any] | None = account.get(POSTING, number)
    return doc


def require_posting(account: Account, number: Any) -> dict[str, Any]:
    doc = get_posting(account, str(number or ""))
    if doc is None:
        raise not_found("POSTING_NOT_FOUND")
    return doc


def save_posting(account: Account, doc: dict[str, Any]) -> None:
    account.put(POSTING, doc["posting_number"], doc)


def all_postings(account: Account) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = account.all(POSTING)
    return docs


def by_status(account: Account) -> dict[str, list[dict[str, Any]]]:
    """For the web view: the account's FBS/rFBS postings grouped by status, each as a summary
    {posting_number, status, substatus, scheme, created_at, shipment_date, city, total, items}
    (newest first)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for doc in reversed(all_postings(account)):
        out.setdefault(doc["status"], []).append(
            {
                "posting_number": doc["posting_number"],
                "status": doc["status"],
                "substatus": doc["substatus"],
                "scheme": doc["scheme"],
                "created_at": doc["created_at"],
                "shipment_date": doc["shipment_date"],
                "city": doc["customer"]["city"],
                "total": round(sum(line_total(p) for p in doc["products"]), 2),
                "items": sum(p["quantity"] for p in doc["products"]),
            }
        )
    return out


def line_total(p: dict[str, Any]) -> float:
    return float(p["price"]) * int(p["quantity"])


def product_line(p: dict[str, Any]) -> dict[str, Any]:
    """A line of a posting as the short answers show it (get-by-barcode, acts, ship): sku, offer_id,
    name, quantity and the price as text with four decimals."""
    return {
        "sku": p["sku"],
        "offer_id": p["offer_id"],
        "name": p["name"],
        "quantity": p["quantity"],
        "price": f"{float(p['price']):.4f}",
    }


def set_status(account: Account, doc: dict[str, Any], status: str, substatus: str | None = None) -> None:
    doc["previous_substatus"] = doc["substatus"]
    doc["status"] = status
    doc["substatus"] = substatus or SUBSTATUS.get(status, doc["substatus"])
    doc["status_changed_at"] = account.iso()


def rng_of(doc: dict[str, Any], what: str) -> random.Random:
    """The posting's own random choices (deterministic for its market seed and number)."""
    return random.Random(f"{doc.get('seed', 0)}:{doc['posting_number']}:{what}")


def record(
    account: Account, doc: dict[str, Any], type: str, lines: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    """An event about this posting (type: order_created, shipped, delivering, delivered, cancelled,
    returned, ...), with its items; and its push notification, if the seller wants one."""
    pushes.posting_event(account, doc, type, **extra)
    return market.record(
        account,
        type,
        scheme=doc["scheme"],
        posting_number=doc["posting_number"],
        order_number=doc["order_number"],
        order_date=doc["created_at"],
        warehouse_id=doc["warehouse_id"],
        items=market.event_items(doc["products"] if lines is None else lines),
        city=doc["customer"]["city"],
        **extra,
    )


# ------------------------------------------------------------------ stock moves
def move_stock(account: Account, doc: dict[str, Any], lines: Iterable[dict[str, Any]], how: str) -> None:
    """`reserve` (stock down, reserved up), `release` (back) or `dispatch` (reserved down: the
    goods left) the lines of a posting on its warehouse; the products' summaries follow."""
    touched = {}
    for line in lines:
        key = stock_key(line["product_id"], doc["warehouse_id"])
        stock = account.get(STOCK, key)
        if stock is None:
            continue
        q = int(line["quantity"])
        if how == "reserve":
            stock["stock"] -= q
            stock["reserved"] += q
        elif how == "release":
            stock["stock"] += q
            stock["reserved"] = max(0, stock["reserved"] - q)
        else:
            stock["reserved"] = max(0, stock["reserved"] - q)
        stock["updated_at"] = account.iso()
        account.put(STOCK, key, stock)
        touched[line["product_id"]] = True
    for product_id in touched:
        product = get_product(account, product_id)
        if product is not None:
            refresh_summary(account, product)


# ------------------------------------------------------------------ life on the clock
def create(account: Account, doc: dict[str, Any]) -> dict[str, Any]:
    """A new posting (already shaped by the buyer): stored, its stock reserved, recorded."""
    doc.setdefault("status", "awaiting_packaging")
    doc.setdefault("substatus", SUBSTATUS["awaiting_packaging"])
    doc.setdefault("previous_substatus", "")
    doc.setdefault("status_changed_at", doc["created_at"])
    save_posting(account, doc)
    move_stock(account, doc, doc["products"], "reserve")
    record(account, doc, "order_created")
    return doc


def shipped(account: Account, doc: dict[str, Any]) -> None:
    """awaiting_packaging -> awaiting_deliver (the seller packed it); FBS is handed over later."""
    set_status(account, doc, "awaiting_deliver")
    doc["shipped_at"] = account.iso()
    save_posting(account, doc)
    record(account, doc, "shipped")
    if doc["scheme"] == "fbs":
        shipment = _epoch(doc["shipment_date"])
        hours = rng_of(doc, "handover").uniform(*HANDOVER_HOURS)
        market.schedule(
            account,
            max(account.now, shipment) + hours * 3600,
            "fbs_handover",
            posting_number=doc["posting_number"],
        )


def hand_over_soon(account: Account, doc: dict[str, Any], at: float) -> None:
    """An act's departure: the courier takes it at `at` (if that is before the shipment date)."""
    market.schedule(account, at, "fbs_handover", posting_number=doc["posting_number"])


@market.action("fbs_handover")
def _handover(account: Account, data: dict[str, Any]) -> None:
    doc = get_posting(account, data["posting_number"])
    if doc is None or doc["status"] != "awaiting_deliver":
        return  # cancelled, disputed, or already on its way
    start_delivering(account, doc)
    days = float(doc["customer"].get("days", 2))
    travel = (days + rng_of(doc, "travel").uniform(-0.3, 0.5)) * DAY
    market.schedule(
        account, account.now + max(0.5 * DAY, travel), "fbs_deliver", posting_number=doc["posting_number"]
    )


def start_delivering(account: Account, doc: dict[str, Any]) -> None:
    """The goods leave the warehouse: delivering."""
    set_status(account, doc, "delivering")
    doc["delivering_date"] = account.iso()
    save_posting(account, doc)
    move_stock(account, doc, doc["products"], "dispatch")
    record(account, doc, "delivering")


@market.action("fbs_deliver")
def _deliver(account: Account, data: dict[str, Any]) -> None:
    doc = get_posting(account, data["posting_number"])
    if doc is None or doc["status"] not in ("delivering", "driver_pickup"):
        return
    delivered(account, doc)


def delivered(account: Account, doc: dict[str, Any]) -> None:
    """The buyer has it: the sale is recorded (finance derives from it), the buyer may react."""
    set_status(account, doc, "delivered")
    doc["delivered_at"] = account.iso()
    save_posting(account, doc)
    record(account, doc, "delivered", delivery_type=doc["delivery_type"])
    market.named("after_delivery")(
        account, {"scheme": doc["scheme"], "posting_number": doc["posting_number"]}
    )


def cancel(account: Account, doc: dict[str, Any], reason_id: int, initiator: str, message: str = "") -> None:
    """Cancel a posting whose goods have not left: stock released, the reason kept, recorded."""
    reason = cancel_reason(reason_id)
    after_ship = doc["status"] == "awaiting_deliver"
    set_status(account, doc, "cancelled")
    doc["cancellation"] = {
        "cancel_reason_id": reason_id,
        "cancel_reason": reason["title"] if reason else message,
        "cancellation_initiator": initiator,
        "cancellation_type": initiator.lower(),
        "cancelled_after_ship": after_ship,
        "affect_cancellation_rating": initiator == "SELLER",
        "message": message,
    }
    save_posting(account, doc)
    move_stock(account, doc, doc["products"], "release")
    record(account, doc, "cancelled", initiator=initiator, reason_id=reason_id)


@market.action("buyer_cancel")
def _buyer_cancel(account: Account, data: dict[str, Any]) -> None:
    doc = get_posting(account, data["posting_number"])
    if doc is None or doc["status"] not in ("awaiting_packaging", "awaiting_deliver"):
        return  # too late: it has left
    cancel(account, doc, int(data["reason_id"]), "CLIENT")


# ------------------------------------------------------------------ cancel reasons
def cancel_reasons() -> list[dict[str, Any]]:
    reasons: list[dict[str, Any]] = market.static("cancel_reasons")["reasons"]
    return reasons


def cancel_reason(reason_id: int) -> dict[str, Any] | None:
    return next((r for r in cancel_reasons() if r["id"] == reason_id), None)


@route("POST", "/v2/posting/fbs/cancel-reason/list")
def cancel_reason_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Every reason a posting may be cancelled for; the seller's are available for cancelling."""
    return {
        "result": [
            {
                "id": r["id"],
                "title": r["title"],
                "type_id": r["type_id"],
                "is_available_for_cancellation": r["seller"],
            }
            for r in cancel_reasons()
        ]
    }


@route("POST", "/v1/posting/fbs/cancel-reason")
def posting_cancel_reasons(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The reasons the seller may cancel each posting for (none once it has left)."""
    numbers = str_list(body, "related_posting_numbers")
    if not numbers:
        raise rejected(
            "GetPostingFbsCancelReasonV1Request.RelatedPostingNumbers",
            "value must contain at least 1 item(s)",
        )
    result = []
    for number in numbers:
        doc = get_posting(account, number)
        open_ = doc is not None and doc["status"] in ("awaiting_packaging", "awaiting_deliver")
        result.append(
            {
                "posting_number": number,
                "reasons": [
                    {"id": r["id"], "title": r["title"], "type_id": r["type_id"]}
                    for r in cancel_reasons()
                    if r["seller"] and open_
                ],
            }
        )
    return {"result": result}


@route("POST", "/v1/cancel-reason/list")
def reasons_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    return {"reasons": [{"id": r["id"], "name": r["title"]} for r in cancel_reasons()]}


# ------------------------------------------------------------------ views
def _epoch(iso: str) -> float:
    moment = parse_time({"t": iso}, "t")
    assert moment is not None
    return moment.replace(tzinfo=dt.timezone.utc).timestamp()


def _flags(body: dict[str, Any], names: Iterable[str]) -> dict[str, bool]:
    given = body.get("with") or {}
    if not isinstance(given, dict):
        raise rejected("With", "value must be an object")
    return {n: bool(given.get(n)) for n in names}


def _money(value: float) -> float:
    return round(value, 2)


def financial_products(doc: dict[str, Any], v4: bool) -> list[dict[str, Any]]:
    out = []
    for p in doc["products"]:
        price = float(p["price"])
        old = max(float(p.get("old_price") or price), price)
        q = int(p["quantity"])
        commission = _money(price * q * p["commission_percent"] / 100)
        item: dict[str, Any] = {
            "product_id": p["sku"],
            "quantity": q,
            "price": _money(price),
            "old_price": _money(old),
            "payout": _money(price * q - commission),
            "total_discount_value": _money(old - price),
            "total_discount_percent": _money((old - price) / old * 100) if old else 0.0,
            "actions": [],
            "currency_code": p["currency_code"],
            "customer_currency_code": p["currency_code"],
            "commissions_currency_code": p["currency_code"],
        }
        if v4:
            item["commission"] = {
                "amount": commission,
                "currency": p["currency_code"],
                "percent": int(p["commission_percent"]),
            }
            item["customer_price"] = {"amount": f"{price:.2f}", "currency": p["currency_code"]}
        else:
            item["commission_amount"] = commission
            item["commission_percent"] = int(p["commission_percent"])
            item["customer_price"] = _money(price)
        out.append(item)
    return out


def view(
    doc: dict[str, Any], flags: dict[str, bool], *, v4: bool = False, translit: bool = False
) -> dict[str, Any]:
    """The posting as the lists and get answer it, before it is cut to one version's schema."""
    customer = doc["customer"]
    city = transliterate(customer["city"]) if translit else customer["city"]
    method = doc["delivery_method"]
    lines = []
    for p in doc["products"]:
        line: dict[str, Any] = {
            "sku": p["sku"],
            "offer_id": p["offer_id"],
            "name": transliterate(p["name"]) if translit else p["name"],
            "quantity": p["quantity"],
            "currency_code": p["currency_code"],
            "mandatory_mark": [],
            "is_marketplace_buyout": False,
            "imei": [],
        }
        if v4:
            line["price"] = {"amount": f"{float(p['price']):.2f}", "currency": p["currency_code"]}
        else:
            line["price"] = f"{float(p['price']):.4f}"
        lines.append(line)
    cancellation = doc.get("cancellation") or {}
    out: dict[str, Any] = {
        "posting_number": doc["posting_number"],
        "order_id": doc["order_id"],
        "order_number": doc["order_number"],
        "status": doc["status"],
        "substatus": doc["substatus"],
        "previous_substatus": doc.get("previous_substatus", ""),
        "parent_posting_number": doc.get("parent_posting_number", ""),
        "in_process_at": doc["in_process_at"],
        "shipment_date": doc["shipment_date"],
        "shipment_date_without_delay": doc["shipment_date"],
        "tracking_number": doc.get("tracking_number", ""),
        "tpl_integration_type": "ozon" if doc["scheme"] == "fbs" else "non_integrated",
        "delivery_schema": doc["scheme"].upper(),
        "is_express": doc.get("is_express", False),
        "multi_box_qty": 1,
        "delivery_method": method,
        "products": lines,
        "cancellation": {
            "cancel_reason_id": cancellation.get("cancel_reason_id", 0),
            "cancel_reason": cancellation.get("cancel_reason", ""),
            "cancellation_initiator": cancellation.get("cancellation_initiator", ""),
            "cancellation_type": cancellation.get("cancellation_type", ""),
            "cancelled_after_ship": cancellation.get("cancelled_after_ship", False),
            "affect_cancellation_rating": cancellation.get("affect_cancellation_rating", False),
        },
        "requirements": {
            "products_requiring_mandatory_mark": [str(s) for s in doc.get("marks_required", [])],
        },
        "available_actions": _actions(doc),
        "external_order": {"is_external": False, "platform_name": ""},
    }
    for when in ("delivering_date", "fact_delivery_date"):
        key = "delivering_date" if when == "delivering_date" else "delivered_at"
        if doc.get(key):
            out[when] = doc[key]
    if doc["scheme"] == "rfbs" or doc["status"] in ("delivering", "driver_pickup", "delivered"):
        out["customer"] = {
            "customer_id": customer["customer_id"],
            "name": customer["name"],
            "phone": customer["phone"],
            "customer_email": "",
            "address": {
                "address_tail": customer["address_tail"],
                "city": city,
                "region": customer["region"],
                "country": "Россия",
                "district": "",
                "zip_code": customer["zip"],
                "latitude": customer["lat"],
                "longitude": customer["lon"],
                "comment": "",
                "pvz_code": customer.get("pvz_code", 0),
                "provider_pvz_code": "",
            },
        }
    if flags.get("analytics_data"):
        out["analytics_data"] = {
            "city": city,
            "region": customer["region"],
            "delivery_type": doc["delivery_type"],
            "is_premium": doc.get("is_premium", False),
            "is_legal": False,
            "payment_type_group_name": "Карты оплаты",
            "warehouse": method["warehouse"],
            "warehouse_id": doc["warehouse_id"],
            "tpl_provider": method["tpl_provider"],
            "tpl_provider_id": method["tpl_provider_id"],
        }
    if flags.get("financial_data"):
        out["financial_data"] = {
            "cluster_from": doc.get("cluster_from", ""),
            "cluster_to": customer["region"],
            "products": financial_products(doc, v4),
        }
    if flags.get("barcodes"):
        out["barcodes"] = dict(doc["barcodes"])
    if flags.get("legal_info"):
        out["legal_info"] = {"company_name": "", "inn": "", "kpp": ""}
    if flags.get("product_exemplars"):
        out["product_exemplars"] = {
            "products": [
                {"sku": int(sku), "exemplars": [dict(e) for e in exemplars]}
                for sku, exemplars in (doc.get("exemplars") or {}).items()
            ]
        }
    if flags.get("related_postings"):
        out["related_postings"] = {"related_posting_numbers": list(doc.get("related", []))}
    return out


def _actions(doc: dict[str, Any]) -> list[str]:
    return {
        "awaiting_packaging": ["cancel", "ship", "pack", "product_cancel"],
        "awaiting_deliver": ["cancel", "arbitration", "label_download", "set_tracking_number"]
        if doc["scheme"] == "rfbs"
        else ["cancel", "arbitration", "label_download"],
        "delivering": ["delivered", "last_mile"] if doc["scheme"] == "rfbs" else [],
        "driver_pickup": ["delivered"] if doc["scheme"] == "rfbs" else [],
        "arbitration": ["awaiting_delivery"],
    }.get(doc["status"], [])


OPTIONAL_PARTS = (  # left out of an answer when the view has none (not asked for, not shown)
    "analytics_data",
    "financial_data",
    "barcodes",
    "legal_info",
    "product_exemplars",
    "related_postings",
    "customer",
    "addressee",
)


def _filled(schema_of_posting: str, v: dict[str, Any]) -> dict[str, Any]:
    """A view filled to the schema of one posting; the optional parts it has not are left out."""
    filled: dict[str, Any] = shape.fill(schema_of_posting, v)
    for key in OPTIONAL_PARTS:
        if key not in v:
            filled.pop(key, None)
    return filled


def _cut(schema_of_posting: str, views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each view filled to the schema of one posting (see `_filled`)."""
    return [_filled(schema_of_posting, v) for v in views]


def _posting_schema(path: str, *pointer: str) -> str:
    """The schema name of one posting in the answer of `path`: the items of the list at `pointer`."""

    defs = spec.schemas()
    node: dict[str, Any] = {"$ref": "#/schemas/" + (spec.operation(path).response or "")}
    for part in pointer:
        while "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[1]]
        node = node["properties"][part]
    return str(node["items"]["$ref"].rsplit("/", 1)[1])


# ------------------------------------------------------------------ the lists
def _time_filter(
    flt: dict[str, Any], since_name: str, to_name: str, required: bool
) -> tuple[dt.datetime | None, dt.datetime | None]:
    since = parse_time(flt, since_name, required=required)
    until = parse_time(flt, to_name, required=required)
    return since, until


def _within(iso: str | None, since: dt.datetime | None, until: dt.datetime | None) -> bool:
    if since is None and until is None:
        return True
    if not iso:
        return False
    moment = parse_time({"t": iso}, "t")
    assert moment is not None
    return (since is None or moment >= since) and (until is None or moment <= until)


def _ids(values: Any) -> set[int]:
    return {int_id(v, "id") for v in (values or []) if v not in (None, "", 0, "0")}


def select(account: Account, flt: dict[str, Any], *, unfulfilled: bool) -> list[dict[str, Any]]:
    """Postings matching a list filter (v3 or v4 names), ordered by in_process_at then number."""
    if unfulfilled:
        since, until = _time_filter(flt, "cutoff_from", "cutoff_to", required=False)
        d_since, d_until = _time_filter(flt, "delivering_date_from", "delivering_date_to", required=False)
    else:
        since, until = _time_filter(flt, "since", "to", required=True)
        d_since = d_until = None
    statuses = {s.lower() for s in str_list(flt, "statuses")}
    if flt.get("status"):
        statuses.add(str(flt["status"]).lower())
    warehouses = _ids(flt.get("warehouse_ids")) | _ids(flt.get("warehouse_id"))
    methods = _ids(flt.get("delivery_method_ids")) | _ids(flt.get("delivery_method_id"))
    orders = set(str_list(flt, "order_numbers"))
    order_id = int_id(flt.get("order_id") or 0, "filter.order_id")
    changed = flt.get("last_changed_status_date") or {}
    c_since = parse_time(changed, "from", required=False) if isinstance(changed, dict) else None
    c_until = parse_time(changed, "to", required=False) if isinstance(changed, dict) else None
    out = []
    for doc in all_postings(account):
        if unfulfilled and doc["status"] not in UNFULFILLED:
            continue
        if unfulfilled:
            if not _within(doc["shipment_date"], since, until):
                continue
            if (d_since or d_until) and not _within(doc.get("delivering_date"), d_since, d_until):
                continue
        elif not _within(doc["in_process_at"], since, until):
            continue
        if statuses and doc["status"] not in statuses:
            continue
        if warehouses and doc["warehouse_id"] not in warehouses:
            continue
        if methods and doc["delivery_method"]["id"] not in methods:
            continue
        if orders and doc["order_number"] not in orders:
            continue
        if order_id and doc["order_id"] != order_id:
            continue
        if (c_since or c_until) and not _within(doc.get("status_changed_at"), c_since, c_until):
            continue
        out.append(doc)
    out.sort(key=lambda d: (d["in_process_at"], d["posting_number"]))
    return out


def _filter_of(body: dict[str, Any], request: str, required: bool = True) -> dict[str, Any]:
    flt = body.get("filter")
    if flt is None and not required:
        return {}
    if not isinstance(flt, dict):
        raise rejected(f"{request}.Filter", "value is required")
    return flt


def _offset_page(
    body: dict[str, Any], docs: list[dict[str, Any]], request: str
) -> tuple[list[dict[str, Any]], bool]:
    limit = page_size(body, request, V3_MAX_LIMIT)
    offset = page_offset(body, request)
    if sort_descending(body.get("dir"), f"{request}.Dir"):
        docs = docs[::-1]
    return docs[offset : offset + limit], offset + limit < len(docs)


def _key(doc: dict[str, Any]) -> tuple[str, str]:
    return doc["in_process_at"], doc["posting_number"]


def _cursor_page(
    body: dict[str, Any], docs: list[dict[str, Any]], request: str
) -> tuple[list[dict[str, Any]], str, bool]:
    limit = page_size(body, request, V4_MAX_LIMIT, default=V4_MAX_LIMIT)
    descending = sort_descending(body.get("sort_dir"), f"{request}.SortDir")
    if descending:
        docs = docs[::-1]
    after = None
    if body.get("cursor"):
        values = decode_cursor(body["cursor"], (str, str))
        if values is None:
            raise rejected(f"{request}.Cursor", "not a cursor of this list")
        after = tuple(values)
    page, has_next = page_after(docs, _key, after, limit, descending=descending)
    return page, encode_cursor(_key(page[-1])) if page and has_next else "", has_next


LIST_FLAGS = ("analytics_data", "financial_data", "barcodes", "legal_info")


@route("POST", "/v3/posting/fbs/list")
def fbs_list_v3(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """FBS/rFBS postings processed in [since, to]: filter by status, warehouses, delivery methods,
    order, status change date; `offset`/`limit` (≤1000) pages, `dir`; `with` adds the parts."""
    request = "GetFbsPostingListRequest"
    docs = select(account, _filter_of(body, request), unfulfilled=False)
    page, has_next = _offset_page(body, docs, request)
    flags = _flags(body, (*LIST_FLAGS, "translit"))
    views = [view(d, flags, translit=flags["translit"]) for d in page]
    postings = _cut(_posting_schema("/v3/posting/fbs/list", "result", "postings"), views)
    return {"result": {"postings": postings, "has_next": has_next}}


@route("POST", "/v4/posting/fbs/list")
def fbs_list_v4(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The v4 list: `filter.statuses`, `order_numbers`, ids as strings; pages by `cursor`
    (`limit` ≤100, `sort_dir`); prices as money objects."""
    request = "PostingFbsListRequest"
    docs = select(account, _filter_of(body, request), unfulfilled=False)
    page, cursor, has_next = _cursor_page(body, docs, request)
    flags = _flags(body, LIST_FLAGS)
    translit = bool(body.get("translit"))
    views = [view(d, flags, v4=True, translit=translit) for d in page]
    postings = _cut(_posting_schema("/v4/posting/fbs/list", "postings"), views)
    return {"postings": postings, "cursor": cursor, "has_next": has_next}


@route("POST", "/v3/posting/fbs/unfulfilled/list")
def fbs_unfulfilled_v3(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Postings still to be packed or handed over whose shipment date is in [cutoff_from,
    cutoff_to] (or delivering date in its range); `count` is how many match."""
    request = "GetFbsPostingUnfulfilledListRequest"
    flt = _filter_of(body, request)
    if not (flt.get("cutoff_from") or flt.get("delivering_date_from")):
        raise rejected(
            f"{request}.Filter",
            "cutoff_from and cutoff_to, or delivering_date_from and delivering_date_to, are required",
        )
    docs = select(account, flt, unfulfilled=True)
    page, _ = _offset_page(body, docs, request)
    flags = _flags(body, (*LIST_FLAGS, "translit"))
    views = [view(d, flags, translit=flags["translit"]) for d in page]
    postings = _cut(_posting_schema("/v3/posting/fbs/unfulfilled/list", "result", "postings"), views)
    return {"result": {"postings": postings, "count": len(docs)}}


@route("POST", "/v4/posting/fbs/unfulfilled/list")
def fbs_unfulfilled_v4(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The v4 unfulfilled list: every unfulfilled posting unless the filter narrows it; cursor."""
    request = "PostingFbsUnfulfilledListRequest"
    docs = select(account, _filter_of(body, request, required=False), unfulfilled=True)
    page, cursor, has_next = _cursor_page(body, docs, request)
    flags = _flags(body, LIST_FLAGS)
    views = [view(d, flags, v4=True, translit=bool(body.get("translit"))) for d in page]
    postings = _cut(_posting_schema("/v4/posting/fbs/unfulfilled/list", "postings"), views)
    return {"postings": postings, "cursor": cursor, "has_next": has_next, "count": len(docs)}


GET_FLAGS = (*LIST_FLAGS, "product_exemplars", "related_postings", "translit")


@route("POST", "/v3/posting/fbs/get")
def fbs_get_v3(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """One posting by number, with the parts `with` asks for."""
    doc = require_posting(account, body.get("posting_number"))
    flags = _flags(body, GET_FLAGS)
    v = view(doc, flags, translit=flags["translit"])
    return {"result": _filled(str(_get_schema()), v)}


def _get_schema() -> str:
    node = spec.schemas()[spec.operation("/v3/posting/fbs/get").response or ""]["properties"]["result"]
    return str(node["$ref"].rsplit("/", 1)[1])


@route("POST", "/v2/posting/fbs/get-by-barcode")
def fbs_get_by_barcode(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The posting whose package label carries this barcode (upper or lower)."""
    barcode = str(body.get("barcode") or "")
    for doc in all_postings(account):
        if barcode and barcode in (doc["barcodes"]["upper_barcode"], doc["barcodes"]["lower_barcode"]):
            v = view(doc, {"barcodes": True})
            v["products"] = [product_line(p) for p in doc["products"]]
            return shape.answer("/v2/posting/fbs/get-by-barcode", {"result": v})
    raise not_found("POSTING_NOT_FOUND")
