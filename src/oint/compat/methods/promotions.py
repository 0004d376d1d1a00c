"""Promotions management (OInt group "Promotions-management"): Ozon's actions and their products."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oint.compat.flows import Current, Flow, number, request
from oint.compat.methods.common import OFFSET
from oint.compat.registry import Method, P
from oint.compat.values import NUMBER, as_int

GROUP = "Promotions-management"
PAGE_SIZE = 100  # OInt's fixed `limit` of the candidates and participants pages


# ------------------------------------------------------------------ current implementations
def _v1_product(p: dict[str, Any]) -> dict[str, Any]:
    """A product of a v2 actions page in v1's shape: money objects {amount, currency} become numbers;
    add_mode and stock, which v2 candidates do not have, are v1's "NOT_SET" and 0."""
    return {
        "id": p.get("id", 0),
        "price": number(p.get("price")),
        "action_price": number(p.get("action_price")),
        "max_action_price": number(p.get("max_action_price")),
        "add_mode": p.get("add_mode") or "NOT_SET",
        "min_stock": p.get("min_stock", 0),
        "stock": p.get("stock", 0),
    }


def _promo_products_current(successor: str) -> Callable[[dict[str, Any]], Flow]:
    def run(body: dict[str, Any]) -> Flow:
        """OInt's page (offset, limit 100) from the v2 pages by last_id: `offset` products are
        skipped by walking the pages before it, then one page of `limit` is read. A `last_id` (the
        one an earlier answer gave, as v1 took it) starts there: `offset` then counts from it."""
        action_id, limit = body["action_id"], int(body.get("limit") or PAGE_SIZE)
        skip, last_id, total = int(body.get("offset") or 0), str(body.get("last_id") or ""), 0
        while skip > 0:
            page = yield request(successor, _page_body(action_id, min(skip, PAGE_SIZE), last_id))
            got, last_id, total = (
                len(page.get("products") or []),
                page.get("last_id") or "",
                page.get("total", 0),
            )
            skip -= got
            if not got or not last_id:  # the offset is past the end
                return {"result": {"products": [], "total": total, "last_id": ""}}
        page = yield request(successor, _page_body(action_id, limit, last_id))
        products = [_v1_product(p) for p in page.get("products") or []]
        return {
            "result": {
                "products": products,
                "total": page.get("total", total),
                "last_id": page.get("last_id") or "",
            }
        }

    return run


def _page_body(action_id: Any, limit: int, last_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {"action_id": action_id, "limit": limit}
    if last_id:
        body["last_id"] = last_id
    return body


PROMO_NOTES = (
    "Current implementation: the v2 list, paged by last_id. --offset N is kept: the N products before the "
    "page are skipped by reading the pages before it (one request per 100 skipped), then 100 are read; "
    "--all-pages goes on from each page's last_id instead, one request a page.",
    "The answer keeps v1's shape {result: {products, total, last_id}}: v2's money objects {amount, currency} "
    "become numbers (price, action_price, max_action_price); v2's other fields are left out.",
)

GET_PROMOTIONS_LIST = Method(
    name_en="GetPromotionsList",
    name_ru="ПолучитьСписокАкций",
    group=GROUP,
    python="get_promotions_list",
    summary="List Ozon promotions (actions) available to the seller.",
    operation="/v1/actions",
    params=(),
    notes=(
        "Ozon answers {result: [...]}: each action has its id, title, action_type, dates, "
        "potential_products_count and participating_products_count.",
        "Sent as an HTTP GET without a body (OInt's docs say POST; Ozon's method is GET).",
        "Use an action's id with GetAvailablePromoProducts and GetCurrentPromoProducts.",
    ),
    example='oint ozon GetPromotionsList --clientid "***" --apikey "***"',
)

_PROMO_PARAMS = (
    P(
        "action_id",
        "actionid",
        NUMBER,
        ru="IDАкции",
        en="PromoID",
        required=True,
        doc="Promotion ID",
        type_doc="Number",
        field="action_id",
        convert=as_int,
    ),
    OFFSET,
)

GET_AVAILABLE_PROMO_PRODUCTS = Method(
    name_en="GetAvailablePromoProducts",
    name_ru="ПолучитьДоступныеТоварыАкции",
    group=GROUP,
    python="get_available_promo_products",
    summary="List products that can be added to a promotion (candidates), 100 per page.",
    operation="/v1/actions/candidates",
    params=_PROMO_PARAMS,
    fixed={"limit": PAGE_SIZE},
    notes=(
        "Ozon answers {result: {products: [...], total}}; each product has id, price, action_price, "
        "max_action_price, add_mode, min_stock and stock.",
        "Pages hold 100 products: pass --offset 100, 200, ... while products come back.",
        "Ozon deprecated offset in favour of last_id (2025-03-13).",
        "An unknown action id answers code 5 'Resource not found'.",
    ),
    current=Current(
        _promo_products_current("/v2/actions/candidates"),
        uses=("/v2/actions/candidates",),
        notes=PROMO_NOTES,
        resumes=True,
    ),
    example='oint ozon GetAvailablePromoProducts --clientid "***" --apikey "***" --actionid 111111111',
)

GET_CURRENT_PROMO_PRODUCTS = Method(
    name_en="GetCurrentPromoProducts",
    name_ru="ПолучитьУчаствующиеТоварыАкции",
    group=GROUP,
    python="get_current_promo_products",
    summary="List products participating in a promotion, 100 per page.",
    operation="/v1/actions/products",
    params=_PROMO_PARAMS,
    fixed={"limit": PAGE_SIZE},
    notes=(
        "Ozon answers {result: {products: [...], total}} with each product's action_price and add_mode.",
        "Pages hold 100 products: pass --offset 100, 200, ... while products come back.",
        "RU name says 'participating' (УчаствующиеТовары), EN says 'Current': the same thing.",
    ),
    current=Current(
        _promo_products_current("/v2/actions/products"),
        uses=("/v2/actions/products",),
        notes=PROMO_NOTES,
        resumes=True,
    ),
    example='oint ozon GetCurrentPromoProducts --clientid "***" --apikey "***" --actionid 111111111',
)

METHODS = (GET_PROMOTIONS_LIST, GET_AVAILABLE_PROMO_PRODUCTS, GET_CURRENT_PROMO_PRODUCTS)
