"""`/v3/posting/fbo/list`: the successor of `/v2/posting/fbo/list` (facts §5).

The same FBO postings as `fbo.py`, in v3's form: pages of `limit` (1..100) by an opaque `cursor`
with `has_next`, `filter.statuses` (several) and `posting_numbers` / `order_numbers`, `sort_dir`;
a product's price is a money object `{amount, currency}`, financial data carries the commission
as `{amount, currency, percent}`, and every posting has `cancellation` and `external_order`.
A period longer than a year answers 400 PERIOD_IS_TOO_LONG.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from oint.sandbox.errors import invalid, rejected
from oint.sandbox.model.base import Account, route, str_list
from oint.sandbox.model.common import decode_cursor, encode_cursor, page_after, page_size, sort_descending
from oint.sandbox.model.fbo import POSTING, parse_time, posting_view, view_options

MAX_LIMIT = 100
MAX_NUMBERS = 1000
MAX_PERIOD = dt.timedelta(days=366)
REQUEST = "PostingFboListRequest"
_CANCELLATION = {"cancel_reason": "", "cancellation_initiator": "", "cancellation_type": ""}


def _after(cursor: Any) -> tuple[str, str]:
    """The (created_at, posting_number) a cursor of `encode_cursor` points after."""
    values = decode_cursor(str(cursor), (str, str))
    if values is None:
        raise rejected(f"{REQUEST}.Cursor", "not a cursor of this list")
    return str(values[0]), str(values[1])


def _view(doc: dict[str, Any], extras: dict[str, bool], translit: bool) -> dict[str, Any]:
    view = posting_view(doc, extras, translit)
    view["products"] = [
        {
            "sku": p["sku"],
            "name": p["name"],
            "quantity": p["quantity"],
            "offer_id": p["offer_id"],
            "price": {"amount": p["price"], "currency": p.get("currency_code", "RUB")},
            "digital_codes": list(p.get("digital_codes", [])),
            "is_marketplace_buyout": p.get("is_marketplace_buyout", False),
        }
        for p in view["products"]
    ]
    if view["financial_data"] is not None:
        view["financial_data"]["products"] = [
            {
                "actions": f["actions"],
                "commission": {
                    "amount": f["commission_amount"],
                    "currency": f.get("commissions_currency_code", "RUB"),
                    "percent": int(f["commission_percent"]),
                },
                "old_price": f["old_price"],
                "payout": f["payout"],
                "price": f["price"],
                "product_id": f["product_id"],
                "total_discount_percent": f["total_discount_percent"],
                "total_discount_value": f["total_discount_value"],
            }
            for f in view["financial_data"]["products"]
        ]
    cancelled = doc["status"] == "cancelled"
    view["cancellation"] = (
        {
            "cancel_reason": "Отмена покупателем",
            "cancellation_initiator": "CLIENT",
            "cancellation_type": "client",
        }
        if cancelled
        else dict(_CANCELLATION)
    )
    view["external_order"] = {"is_external": False, "platform_name": ""}
    return view


@route("POST", "/v3/posting/fbo/list")
def posting_fbo_list_v3(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """FBO postings created in [since, to], of the given statuses and numbers, by cursor."""
    flt = body.get("filter")
    if not isinstance(flt, dict):
        raise rejected(f"{REQUEST}.Filter", "value is required")
    since = parse_time(flt, "since")
    until = parse_time(flt, "to")
    assert since is not None and until is not None
    if until - since > MAX_PERIOD:
        raise invalid("PERIOD_IS_TOO_LONG")
    statuses = {s.lower() for s in str_list(flt, "statuses")}
    numbers = set(str_list(flt, "posting_numbers"))
    orders = set(str_list(flt, "order_numbers"))
    if len(numbers) > MAX_NUMBERS or len(orders) > MAX_NUMBERS:
        raise rejected(f"{REQUEST}.Filter", f"no more than {MAX_NUMBERS} posting or order numbers")
    limit = page_size(body, REQUEST, MAX_LIMIT)
    descending = sort_descending(body.get("sort_dir"), f"{REQUEST}.SortDir")
    extras, translit = view_options(body, REQUEST)

    wanted = []
    for doc in account.all(POSTING):
        created = parse_time(doc, "created_at")
        assert created is not None
        if not since <= created <= until:
            continue
        if statuses and doc["status"] not in statuses:
            continue
        if (numbers and doc["posting_number"] not in numbers) or (
            orders and doc["order_number"] not in orders
        ):
            continue
        wanted.append(((created.isoformat(), doc["posting_number"]), doc))
    wanted.sort(key=lambda pair: pair[0], reverse=descending)
    after = _after(body["cursor"]) if body.get("cursor") else None
    page, has_next = page_after(wanted, lambda pair: pair[0], after, limit, descending=descending)
    return {
        "postings": [_view(doc, extras, translit) for _, doc in page],
        "cursor": encode_cursor(page[-1][0]) if page and has_next else "",
        "has_next": has_next,
    }
