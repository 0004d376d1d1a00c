"""Promotions management (OInt group "Promotions-management"): Ozon's actions and their products."""

from __future__ import annotations

from oint.ozon.methods.common import OFFSET
from oint.ozon.registry import Method, P
from oint.ozon.values import NUMBER, as_int

GROUP = "Promotions-management"
PAGE_SIZE = 100  # OInt's fixed `limit` of the candidates and participants pages

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
    example='oint ozon GetCurrentPromoProducts --clientid "***" --apikey "***" --actionid 111111111',
)

METHODS = (GET_PROMOTIONS_LIST, GET_AVAILABLE_PROMO_PRODUCTS, GET_CURRENT_PROMO_PRODUCTS)
