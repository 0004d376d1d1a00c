"""FBO orders of the living marketplace: postings Ozon packs and delivers from its own stock.

A buyer's order on FBO stock (`model/buyers.py`) becomes an FBO posting in the documents of
`model/fbo.py` (kind "fbo_posting"), so `/v2/posting/fbo/list`, `/v3/posting/fbo/list` and
`/v2/posting/fbo/get` show it. Its stock is reserved on the FBO stock (warehouse 0) and Ozon moves
it on by itself: awaiting_packaging, awaiting_deliver an hour or two later, delivering (the stock
leaves) some hours after, delivered after the days the buyer's city is away. Buyers cancel a
share before it leaves; returned FBO goods go back to the FBO stock (`model/returns.py`).
"""

from __future__ import annotations

import random
from typing import Any

from oint.sandbox.errors import not_found
from oint.sandbox.model import market, shape
from oint.sandbox.model.base import Account, route
from oint.sandbox.model.fbo import (
    CLUSTERS_BY_ID,
    NETWORK,
    POSTING,
    _city_cluster,
    posting_view,
    view_options,
)
from oint.sandbox.model.postings_fbs import cancel_reasons, move_stock
from oint.sandbox.model.stocks import FBO_WAREHOUSE

DAY = 86400.0
SUBSTATUS = {
    "awaiting_packaging": "posting_created",
    "awaiting_deliver": "posting_awaiting_passport_data",
    "delivering": "posting_in_carriage",
    "delivered": "posting_received",
    "cancelled": "posting_canceled",
}
STEPS = {
    "awaiting_packaging": ("awaiting_deliver", (1.0, 3.0)),
    "awaiting_deliver": ("delivering", (4.0, 10.0)),
}
FULFILMENT = tuple(w for w in NETWORK if w.type == "FULL_FILLMENT" and not w.bulky_only)


def get_fbo(account: Account, number: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = account.get(POSTING, number)
    return doc


def _stock_doc(doc: dict[str, Any]) -> dict[str, Any]:
    return {"warehouse_id": FBO_WAREHOUSE}


def _record(account: Account, doc: dict[str, Any], type: str, **extra: Any) -> None:
    market.record(
        account,
        type,
        scheme="fbo",
        posting_number=doc["posting_number"],
        order_number=doc["order_number"],
        order_date=doc["created_at"],
        warehouse_id=doc["analytics"]["warehouse_id"],
        items=market.event_items(doc["lines"]),
        city=doc["analytics"]["city"],
        **extra,
    )


def create(
    account: Account,
    order_id: int,
    order_number: str,
    lines: list[dict[str, Any]],
    who: dict[str, Any],
    seed: str,
    rng: random.Random,
) -> dict[str, Any]:
    """An FBO posting of these lines for this buyer (stock reserved, recorded, moving on)."""
    warehouse = rng.choice(FULFILMENT)
    number = f"{order_number}-1"
    products, financial = [], []
    for ln in lines:
        price = float(ln["price"])
        old = max(float(ln["old_price"]), price)
        q = int(ln["quantity"])
        commission = round(price * q * ln["commission_percent"] / 100, 2)
        products.append(
            {
                "sku": ln["sku"],
                "name": ln["name"],
                "quantity": q,
                "offer_id": ln["offer_id"],
                "price": f"{price:.4f}",
                "digital_codes": [],
                "currency_code": ln["currency_code"],
                "is_marketplace_buyout": False,
            }
        )
        financial.append(
            {
                "commission_amount": commission,
                "commission_percent": int(ln["commission_percent"]),
                "payout": round(price * q - commission, 2),
                "product_id": ln["sku"],
                "old_price": round(old, 2),
                "price": round(price, 2),
                "total_discount_value": round(old - price, 2),
                "total_discount_percent": round((old - price) / old * 100, 2) if old else 0.0,
                "actions": [],
                "quantity": q,
                "currency_code": ln["currency_code"],
                "commissions_currency_code": ln["currency_code"],
            }
        )
    doc = {
        "order_id": order_id,
        "order_number": order_number,
        "posting_number": number,
        "status": "awaiting_packaging",
        "substatus": SUBSTATUS["awaiting_packaging"],
        "cancel_reason_id": 0,
        "created_at": account.iso(),
        "in_process_at": account.iso(account.now + 60),
        "products": products,
        "analytics": {
            "city": who["city"],
            "delivery_type": rng.choice(("PVZ", "PVZ", "Courier")),
            "is_legal": False,
            "is_premium": rng.random() < 0.2,
            "payment_type_group_name": "Карты оплаты",
            "warehouse_id": warehouse.warehouse_id,
            "warehouse_name": warehouse.name,
        },
        "cluster_from": CLUSTERS_BY_ID[warehouse.cluster_id].name,
        "cluster_to": _city_cluster(who["city"]) or who["region"],
        "financial_products": financial,
        "legal_info": {"company_name": "", "inn": "", "kpp": ""},
        # the sandbox's own fields (not in the answers)
        "scheme": "fbo",
        "seed": seed,
        "lines": lines,
        "days": who["days"],
    }
    account.put(POSTING, number, doc)
    move_stock(account, _stock_doc(doc), lines, "reserve")
    _record(account, doc, "order_created")
    _next_step(account, doc)
    return doc


def _rng(doc: dict[str, Any], what: str) -> random.Random:
    return random.Random(f"{doc['seed']}:{doc['posting_number']}:{what}")


def _next_step(account: Account, doc: dict[str, Any]) -> None:
    status = doc["status"]
    if status in STEPS:
        hours = _rng(doc, status).uniform(*STEPS[status][1])
        market.schedule(
            account,
            account.now + hours * 3600,
            "fbo_step",
            posting_number=doc["posting_number"],
            status=status,
        )
    elif status == "delivering":
        days = float(doc.get("days", 2)) + _rng(doc, "travel").uniform(-0.3, 0.5)
        market.schedule(
            account,
            account.now + max(0.5, days) * DAY,
            "fbo_step",
            posting_number=doc["posting_number"],
            status=status,
        )
    if status == "awaiting_packaging" and _rng(doc, "cancel").random() < _cancel_share(account):
        reasons = [r for r in cancel_reasons() if r["type_id"] == "buyer"]
        market.schedule(
            account,
            account.now + _rng(doc, "when").uniform(0.2, 2.5) * 3600,
            "fbo_cancel",
            posting_number=doc["posting_number"],
            reason_id=_rng(doc, "why").choice(reasons)["id"],
        )


def _cancel_share(account: Account) -> float:
    from oint.sandbox.model.buyers import config

    return float(config(account).get("cancel_share") or 0)


@market.action("fbo_step")
def _step(account: Account, data: dict[str, Any]) -> None:
    doc = get_fbo(account, data["posting_number"])
    if doc is None or doc["status"] != data["status"]:
        return
    new = "delivered" if doc["status"] == "delivering" else STEPS[doc["status"]][0]
    doc["status"], doc["substatus"] = new, SUBSTATUS[new]
    account.put(POSTING, doc["posting_number"], doc)
    if new == "delivering":
        move_stock(account, _stock_doc(doc), doc["lines"], "dispatch")
    _record(
        account,
        doc,
        "delivering" if new == "delivering" else "delivered" if new == "delivered" else "shipped",
        **({"delivery_type": doc["analytics"]["delivery_type"]} if new == "delivered" else {}),
    )
    if new == "delivered":
        market.named("after_delivery")(account, {"scheme": "fbo", "posting_number": doc["posting_number"]})
    else:
        _next_step(account, doc)


@market.action("fbo_cancel")
def _cancel(account: Account, data: dict[str, Any]) -> None:
    doc = get_fbo(account, data["posting_number"])
    if doc is None or doc["status"] not in ("awaiting_packaging", "awaiting_deliver"):
        return
    doc["status"], doc["substatus"] = "cancelled", SUBSTATUS["cancelled"]
    doc["cancel_reason_id"] = int(data["reason_id"])
    account.put(POSTING, doc["posting_number"], doc)
    move_stock(account, _stock_doc(doc), doc["lines"], "release")
    _record(account, doc, "cancelled", initiator="CLIENT", reason_id=int(data["reason_id"]))


@route("POST", "/v2/posting/fbo/get")
def fbo_get(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """One FBO posting by number, with the parts `with` asks for."""
    doc = get_fbo(account, str(body.get("posting_number") or ""))
    if doc is None:
        raise not_found("POSTING_NOT_FOUND")
    extras, translit = view_options(body, "GetFboPostingRequest")
    view = posting_view(doc, extras, translit)
    view = {k: v for k, v in view.items() if v is not None}
    result = shape.answer("/v2/posting/fbo/get", {"result": view})
    for key in ("analytics_data", "financial_data", "legal_info"):
        if key not in view:
            result["result"].pop(key, None)
    return result
