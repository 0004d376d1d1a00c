"""`/v2/actions/candidates` and `/v2/actions/products`: the successors of the v1 lists (facts §5).

The same actions, candidates and participants as `promotions.py` (so the counts of `GET
/v1/actions` agree), in v2's form: the answer is top-level `{products, total, last_id}`, pages
go by `last_id` only (an opaque string; "" on the last page), and money is an object
`{amount, currency}` with the amount as text.
"""

from __future__ import annotations

from typing import Any

from oint.sandbox.errors import rejected
from oint.sandbox.model.base import Account, route
from oint.sandbox.model.common import amount
from oint.sandbox.model.products import ProductDoc
from oint.sandbox.model.promotions import (
    _action_id_and_limit,
    _decode_last_id,
    _max_action_price,
    _require_action,
    candidate_page,
    page,
    paged,
    participants,
)


def money(value: float | int, currency: str = "RUB") -> dict[str, str]:
    return {"amount": f"{float(value):.2f}", "currency": currency}


def _page_request(
    account: Account, body: dict[str, Any], request: str
) -> tuple[dict[str, Any], int, int | None]:
    action_id, limit = _action_id_and_limit(body, request)
    last_id = body.get("last_id")
    if last_id not in (None, "") and not isinstance(last_id, str):
        raise rejected(f"{request}.LastId", "value must be a string")
    after = _decode_last_id(last_id) if last_id else None
    return _require_action(account, action_id), limit, after


def _product(action: dict[str, Any], p: ProductDoc, action_price: float) -> dict[str, Any]:
    currency = p.get("currency_code") or "RUB"
    price = amount(p.get("price"))
    return {
        "id": p["id"],
        "price": money(price, currency),
        "action_price": money(action_price, currency),
        "max_action_price": money(_max_action_price(action, p), currency),
        "marketplace_seller_price": money(price, currency),
        "min_seller_price": money(0, currency),
        "alert_max_action_price": money(0, currency),
        "alert_max_action_price_failed": False,
        "is_quarantined": False,
        "current_boost": 0,
        "min_boost": 0,
        "max_boost": 0,
        "min_stock": 0,
        "recommended_stock": 0,
    }


@route("POST", "/v2/actions/candidates")
def actions_candidates_v2(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Products that may join the action, as `/v1/actions/candidates` counts them."""
    action, limit, after = _page_request(account, body, "ActionsCandidatesRequest")
    chosen, total, more = candidate_page(account, action, limit, after)
    return paged([_product(action, p, 0) for p in chosen], total, more)


@route("POST", "/v2/actions/products")
def actions_products_v2(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Products taking part in the action, with their action price, add mode and stock."""
    action, limit, after = _page_request(account, body, "ActionsProductsRequest")
    items = []
    for p, terms in participants(account, action):
        item = _product(action, p, terms["action_price"])
        item.update(
            add_mode=terms["add_mode"], min_stock=terms.get("min_stock", 0), stock=terms.get("stock", 0)
        )
        items.append(item)
    return page(items, limit, after)
