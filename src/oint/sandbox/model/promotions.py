"""Promotions (Ozon's "actions"): the list of actions, their candidates and participants.

An action is one document (kind "action", key its id). Candidates are read from the
catalogue on every call: every product that has an SKU, is not archived, fits the action's
`offer_ids` rule (None = any product), is not banned in the action and does not take part in
it yet; an action open to every product pages and counts them in the catalogue's index of
visibility groups (`products.group_page`), never reading the catalogue whole. Participants are
stored in the action (`participants`: product_id -> terms), so the counts in `GET /v1/actions`
always agree with the two product lists.
"""

from __future__ import annotations

import math
from typing import Any

from oint.sandbox.errors import not_found, rejected
from oint.sandbox.model.base import Account, int_id, route
from oint.sandbox.model.common import amount, decode_cursor, encode_cursor, page_after, page_offset
from oint.sandbox.model.products import (
    PRODUCT,
    ProductDoc,
    count_group,
    find_by_offer,
    get_product,
    group_flags,
)

ACTION = "action"
MAX_LIMIT = 100  # products per page of /v1/actions/candidates and /v1/actions/products
DAY = 86400.0
MOSCOW_OFFSET = 3 * 3600.0  # Ozon's action dates start and end at Moscow midnight
NOT_A_PAGE = "not a page pointer of this list"


# ------------------------------------------------------------------ documents
def get_action(account: Account, action_id: int) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = account.get(ACTION, action_id)
    return doc


ELIGIBLE = "MODERATED"  # the visibility group of the products that may take part: created, not archived


def _eligible(action: dict[str, Any], product: ProductDoc) -> bool:
    if not product["sku"] or product["is_archived"]:
        return False
    rule = action.get("offer_ids")
    return rule is None or product["offer_id"] in rule


def _number(value: float) -> int | float:
    """Money as Ozon's v1 actions print it: a JSON number, integral when it is whole."""
    value = round(value, 2)
    return int(value) if value.is_integer() else value


def _max_action_price(action: dict[str, Any], product: ProductDoc) -> int | float:
    """The highest price the product may have in the action (its price less the minimal discount)."""
    return _number(math.floor(amount(product.get("price")) * (100 - action["min_discount_percent"])) / 100)


def _left_out(action: dict[str, Any]) -> set[int]:
    """Ids of the products that cannot be candidates whatever they are: banned or taking part."""
    return {int(i) for i in action.get("banned", [])} | {int(i) for i in action.get("participants", {})}


def _named_candidates(account: Account, action: dict[str, Any], rule: list[Any]) -> list[ProductDoc]:
    """The candidates of an action open to the products it names (`offer_ids`), by product id."""
    left_out = _left_out(action)
    found = {p["id"]: p for o in rule if (p := find_by_offer(account, str(o))) is not None}
    return sorted(
        (p for p in found.values() if _eligible(action, p) and p["id"] not in left_out), key=lambda p: p["id"]
    )


def candidate_count(account: Account, action: dict[str, Any]) -> int:
    """How many candidates the action has (counted in an index when it is open to every product)."""
    rule = action.get("offer_ids")
    if rule is not None:
        return len(_named_candidates(account, action, rule))
    outside = sum(
        1 for i in _left_out(action) if (p := get_product(account, i)) is not None and _eligible(action, p)
    )
    return count_group(account, ELIGIBLE) - outside


def candidate_page(
    account: Account, action: dict[str, Any], limit: int, after: int | None, offset: int = 0
) -> tuple[list[ProductDoc], int, bool]:
    """One page of the action's candidates in product id order, after the product id `after` (when
    given) or from `offset`: (the page, how many candidates there are, whether more follow). An
    action open to every product pages the catalogue's eligible group in the order of an index."""
    rule = action.get("offer_ids")
    if rule is not None:
        every = _named_candidates(account, action, rule)
        if after is not None:
            chosen, more = page_after(every, _product_id, after, limit)
        else:
            chosen, more = every[offset : offset + limit], offset + limit < len(every)
        return chosen, len(every), more
    left_out = _left_out(action)
    total = candidate_count(account, action)
    if after is not None:
        keys = tagged_keys(account, limit + len(left_out) + 1, after)
        ids = [i for i in keys if i not in left_out][: limit + 1]
        wanted, more = ids[:limit], len(ids) > limit
    else:
        keys = tagged_keys(account, offset + limit + len(left_out) + 1, None)
        wanted = [i for i in keys if i not in left_out][offset : offset + limit]
        more = offset + limit < total
    chosen = [p for i in wanted if (p := get_product(account, i)) is not None]
    return chosen, total, more


def tagged_keys(account: Account, limit: int, after: int | None) -> list[int]:
    """Ids of the eligible products (created, not archived), from an index, after `after`."""
    position = None if after is None else (after, after)
    keys = account.store.tagged_keys(account.client_id, PRODUCT, group_flags(ELIGIBLE), limit, after=position)
    return [int(k) for k in keys]


def _product_id(p: ProductDoc) -> int:
    return int(p["id"])


def participants(account: Account, action: dict[str, Any]) -> list[tuple[ProductDoc, dict[str, Any]]]:
    """(product, terms) of every participant whose product still exists and is on sale."""
    out = []
    for product_id, terms in action.get("participants", {}).items():
        product = get_product(account, int(product_id))
        if product is not None and product["sku"] and not product["is_archived"]:
            out.append((product, terms))
    return out


def _action_item(account: Account, action: dict[str, Any]) -> dict[str, Any]:
    taking_part = len(participants(account, action))
    return {
        "id": action["id"],
        "title": action["title"],
        "date_start": action["date_start"],
        "date_end": action["date_end"],
        "potential_products_count": candidate_count(account, action),
        "is_participating": taking_part > 0,
        "participating_products_count": taking_part,
        "description": action["description"],
        "action_type": action["action_type"],
        "banned_products_count": len(action.get("banned", [])),
        "with_targeting": action["with_targeting"],
        "discount_type": action["discount_type"],
        "discount_value": action["discount_value"],
        "order_amount": action["order_amount"],
        "freeze_date": action["freeze_date"],
        "is_voucher_action": action["is_voucher_action"],
    }


# ------------------------------------------------------------------ paging
def _decode_last_id(value: Any) -> int:
    """The product id a page ends with, from the opaque `last_id` (`common.encode_cursor` of that id),
    or a number / string of digits (the document types /v1's `last_id` as a number, but its own
    examples and the v2 successor use the opaque string, as here: tests/answer_conformance.py allows
    it). Anything else is Ozon's 400."""
    if isinstance(value, str) and not value.strip().isdigit():
        values = decode_cursor(value)
        if values is None or len(values) != 1:
            raise rejected("last_id", NOT_A_PAGE)
        value = values[0]
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise rejected("last_id", NOT_A_PAGE) from None
    if not math.isfinite(number) or not number.is_integer() or number < 0:
        raise rejected("last_id", NOT_A_PAGE)
    return int(number)


PageRequest = tuple[dict[str, Any], int, int, int | None]  # action, limit, offset, after id


def _action_id_and_limit(body: dict[str, Any], request: str) -> tuple[int, int]:
    """`action_id` and `limit` (MAX_LIMIT when absent) of a candidates/products request, v1 or v2."""
    raw_id = body.get("action_id")
    if raw_id in (None, "", 0):
        raise rejected(f"{request}.ActionId", "value must be greater than 0")
    action_id = int_id(raw_id, "action_id")
    limit = int_id(body.get("limit") or MAX_LIMIT, "limit")
    if not 0 < limit <= MAX_LIMIT:
        raise rejected(f"{request}.Limit", f"value must be inside range (0, {MAX_LIMIT}]")
    return action_id, limit


def _require_action(account: Account, action_id: int) -> dict[str, Any]:
    action = get_action(account, action_id)
    if action is None:
        raise not_found("Resource not found")
    return action


def _page_request(account: Account, body: dict[str, Any], request: str) -> PageRequest:
    """(action, limit, offset, after_product_id) of a candidates/products request, validated."""
    action_id, limit = _action_id_and_limit(body, request)
    offset = page_offset(body, request)
    last_id = body.get("last_id")
    after = _decode_last_id(last_id) if last_id not in (None, "", 0) else None
    return _require_action(account, action_id), limit, offset, after


def page(items: list[dict[str, Any]], limit: int, after: int | None, offset: int = 0) -> dict[str, Any]:
    """One page of products by `last_id` (when given) or `offset`, in product id order:
    {products, total, last_id} ("" on the last page), as v2 answers and v1 wraps in `result`."""
    items = sorted(items, key=_item_id)
    if after is not None:
        chosen, more = page_after(items, _item_id, after, limit)
    else:
        chosen, more = items[offset : offset + limit], offset + limit < len(items)
    return {
        "products": chosen,
        "total": len(items),
        "last_id": encode_cursor([chosen[-1]["id"]]) if chosen and more else "",
    }


def paged(chosen: list[dict[str, Any]], total: int, more: bool) -> dict[str, Any]:
    """A page already chosen, in `page`'s form: {products, total, last_id}."""
    return {
        "products": chosen,
        "total": total,
        "last_id": encode_cursor([chosen[-1]["id"]]) if chosen and more else "",
    }


def _item_id(item: dict[str, Any]) -> int:
    return int(item["id"])


# ------------------------------------------------------------------ routes
@route("GET", "/v1/actions")
def actions_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The actions running now or announced, each with counts that match its product lists."""
    now = account.iso()
    return {"result": [_action_item(account, a) for a in account.all(ACTION) if a["date_end"] >= now]}


@route("POST", "/v1/actions/candidates")
def actions_candidates(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Products that may join the action: eligible, on sale, not banned, not taking part yet."""
    action, limit, offset, after = _page_request(account, body, "GetSellerActionCandidatesRequest")
    chosen, total, more = candidate_page(account, action, limit, after, offset)
    items = [
        {
            "id": p["id"],
            "price": _number(amount(p.get("price"))),
            "action_price": 0,
            "max_action_price": _max_action_price(action, p),
            "add_mode": "NOT_SET",
            "min_stock": 0,
            "stock": 0,
        }
        for p in chosen
    ]
    return {"result": paged(items, total, more)}


@route("POST", "/v1/actions/products")
def actions_products(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Products taking part in the action, with their action price and how they were added."""
    action, limit, offset, after = _page_request(account, body, "GetSellerActionProductsRequest")
    items = [
        {
            "id": p["id"],
            "price": _number(amount(p.get("price"))),
            "action_price": terms["action_price"],
            "max_action_price": _max_action_price(action, p),
            "add_mode": terms["add_mode"],
            "min_stock": terms.get("min_stock", 0),
            "stock": terms.get("stock", 0),
        }
        for p, terms in participants(account, action)
    ]
    return {"result": page(items, limit, after, offset)}


# ------------------------------------------------------------------ demo data
_ELASTIC_DESCRIPTION = (
    "<b>Эластичный бустинг. Без ограничения срока действия</b>\n\n"
    "За каждый дополнительный процент скидки вы получаете увеличение акционного бустинга.\n\n"
    "<b>Условия участия:</b>\n\n• Добавить и удалить товары в акции можно в любой день акции."
)
_MAX_BOOST_DESCRIPTION = (
    "<b>Максимальный бустинг</b>\n\nСпециальная акция с самым большим бустингом в поиске и категории.\n\n"
    "Для участия в акции потребуются индивидуальные скидки для каждого товара."
)

# start_days / end_days: the action's dates relative to the day the account is seeded;
# offer_ids: which products may take part (None: any); participants and banned by offer_id.
DEMO_ACTIONS: tuple[dict[str, Any], ...] = (
    {
        "id": 1977747,
        "title": "Эластичный бустинг. Без ограничения срока действия",
        "action_type": "MARKETPLACE_MULTI_LEVEL_DISCOUNT_ON_AMOUNT",
        "description": _ELASTIC_DESCRIPTION,
        "start_days": -60,
        "end_days": 120,
        "offer_ids": None,
        "min_discount_percent": 5,
        "participants": {
            "143210609": {"action_price": 1150, "add_mode": "MANUAL", "min_stock": 0, "stock": 0}
        },
        "banned": [],
    },
    {
        "id": 2840538,
        "title": "Максимальный бустинг",
        "action_type": "STOCK_DISCOUNT",
        "description": _MAX_BOOST_DESCRIPTION,
        "start_days": -3,
        "end_days": 14,
        "offer_ids": None,
        "min_discount_percent": 15,
        "participants": {},
        "banned": [],
    },
    {
        "id": 2859759,
        "title": "Максимальный бустинг: усиление",
        "action_type": "STOCK_DISCOUNT",
        "description": _MAX_BOOST_DESCRIPTION,
        "start_days": 2,
        "end_days": 14,
        "offer_ids": ["143210609", "1432106010"],
        "min_discount_percent": 20,
        "participants": {
            "1432106010": {"action_price": 1000, "add_mode": "AUTO", "min_stock": 0, "stock": 0}
        },
        "banned": ["143210609"],
    },
    {
        "id": 1177259,
        "title": "Бустинг 25% (ранее — «Бустинг х4»)",
        "action_type": "STOCK_DISCOUNT",
        "description": "",
        "start_days": -400,
        "end_days": 30,
        "offer_ids": [],
        "min_discount_percent": 9,
        "participants": {},
        "banned": [],
    },
    {
        "id": 1139903,
        "title": "SH!",
        "action_type": "DISCOUNT",
        "description": "",
        "start_days": -30,
        "end_days": 60,
        "offer_ids": None,
        "min_discount_percent": 10,
        "discount_type": "PERCENT",
        "discount_value": 10,
        "order_amount": 1000,
        "is_voucher_action": True,
        "with_targeting": True,
        "participants": {"91132": {"action_price": 801, "add_mode": "MANUAL", "min_stock": 2, "stock": 5}},
        "banned": [],
    },
)


def _moscow_midnight(account: Account, days: int) -> float:
    """Epoch seconds of the Moscow midnight (21:00 UTC) that starts the day `days` from now."""
    moment = account.now + days * DAY + MOSCOW_OFFSET
    return moment - (moment % DAY) - MOSCOW_OFFSET


def _stamp(account: Account, ts: float) -> str:
    """Action dates as Ozon prints them: whole seconds, UTC (2025-10-07T21:00:00Z)."""
    return account.iso(ts)[:19] + "Z"


def seed(account: Account) -> None:
    """Five actions of the marketplace, with the demo products taking part in some of them."""
    for spec in DEMO_ACTIONS:
        taking_part: dict[str, Any] = {}
        for offer_id, terms in spec["participants"].items():
            product = find_by_offer(account, offer_id)
            if product is not None:
                taking_part[str(product["id"])] = dict(terms)
        banned = [p["id"] for o in spec["banned"] if (p := find_by_offer(account, o)) is not None]
        account.put(
            ACTION,
            spec["id"],
            {
                "id": spec["id"],
                "title": spec["title"],
                "action_type": spec["action_type"],
                "description": spec["description"],
                "date_start": _stamp(account, _moscow_midnight(account, spec["start_days"])),
                "date_end": _stamp(account, _moscow_midnight(account, spec["end_days"] + 1) - 1),
                "freeze_date": "",
                "offer_ids": spec["offer_ids"],
                "min_discount_percent": spec["min_discount_percent"],
                "discount_type": spec.get("discount_type", "CURRENCY"),
                "discount_value": spec.get("discount_value", 0),
                "order_amount": spec.get("order_amount", 0),
                "is_voucher_action": spec.get("is_voucher_action", False),
                "with_targeting": spec.get("with_targeting", False),
                "participants": taking_part,
                "banned": banned,
            },
        )
