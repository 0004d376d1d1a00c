"""Prices and markdowns: `/v1/product/import/prices`, `/v5/product/info/prices`,
`/v1/product/info/discounted` and `/v1/product/update/discount`.

Prices live on the product document as strings, as the write API takes them (`price`,
`old_price`, `min_price`, `currency_code`, `vat`, `net_price`) plus the switches
(`auto_action_enabled`, `price_strategy_enabled`, `auto_add_to_ozon_actions_list_enabled`,
`min_price_for_auto_actions_enabled`). The read API answers numbers.

Markdowns (discounted items: a damaged copy of a product sold under its own SKU) are
documents of kind "markdown" keyed by the discounted SKU and linked to the main product's SKU.
Ozon makes FBO markdowns itself; FBS markdowns belong to the seller, who sets their discount.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from oint.sandbox.demo import DEMO_CLIENT_ID
from oint.sandbox.errors import malformed, not_found, rejected, rejected_item
from oint.sandbox.model.base import Account, id_list, int_id, item_list, route
from oint.sandbox.model.common import MAX_MONEY, VAT_RATES, decimal, money, vat_rates_text
from oint.sandbox.model.products import (
    ProductDoc,
    find_by_offer,
    get_product,
    product_page,
    save_product,
    set_fields,
    volume_weight,
)

MARKDOWN = "markdown"
PRICES = "ProductImportPricesRequest"
MAX_PRICES = 1000  # items per /v1/product/import/prices request
UPDATES_PER_HOUR = 10  # price changes of one product per hour
SWITCHES = ("auto_action_enabled", "price_strategy_enabled", "auto_add_to_ozon_actions_list_enabled")
SWITCH_VALUES = ("UNKNOWN", "ENABLED", "DISABLED")
ACQUIRING_RATE = Decimal("0.019")
DISCOUNT_RANGE = (3, 99)  # percent, /v1/product/update/discount
ITEM_LIMIT_MESSAGE = (
    "price-batch-set for seller api: rpc error: code = ResourceExhausted desc = "
    "error limiting: acquire limit per item: items limit: limit exceeded"
)


# ------------------------------------------------------------------ money helpers
def _text(number: Decimal) -> str:
    """ "1300", "1299.5": how prices are kept on the product document."""
    return format(number.normalize(), "f") if number else "0"


def _number(text: Any) -> int | float:
    """A stored price as the read API prints it (a double; integral values without fraction)."""
    number = decimal(text) if text not in (None, "") else Decimal(0)
    if number is None or abs(number) >= MAX_MONEY:  # stored before it was checked: no price
        return 0
    return int(number) if number == number.to_integral_value() else float(number)


# ------------------------------------------------------------------ /v1/product/import/prices
def _err(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def _discount_errors(price: Decimal, old_price: Decimal) -> list[dict[str, str]]:
    """Ozon's rules for the crossed-out price (facts §6.2)."""
    if old_price < price:
        return [
            _err("old_price_less_than_price", "old_price must be greater than price (or 0 for no discount)")
        ]
    gap = old_price - price
    if gap == 0:  # old_price equal to price shows no discount: accepted, as on import (OInt's example)
        return []
    if gap / old_price >= Decimal("0.9"):
        return [_err("discount_too_big", "discount must be less than 90%")]
    if price < 400 and gap < 20:
        return [
            _err(
                "discount_for_low_price_is_too_small",
                "for a price below 400 the difference between old_price and price must be at least 20",
            )
        ]
    if 400 <= price <= 10000 and gap < old_price * Decimal("0.05"):
        return [
            _err(
                "discount_for_average_price_is_too_small",
                "for a price from 400 to 10000 the discount must be at least 5%",
            )
        ]
    if price > 10000 and gap < 500:
        return [
            _err(
                "discount_for_top_price_is_too_small",
                "for a price above 10000 the difference between old_price and price must be at least 500",
            )
        ]
    return []


MONEY_FIELDS = ("price", "old_price", "min_price", "net_price")


def _check_money(index: int, item: dict[str, Any]) -> None:
    """Ozon's 400 for a sum it cannot hold: more than two decimals, or a billion and over."""
    for field in MONEY_FIELDS:
        sent = item.get(field)
        if sent in (None, "") or decimal(sent) is None:
            continue  # not a number at all: the item's own error (invalid_price)
        if money(sent) is None:
            raise rejected_item(
                f"{PRICES}.Prices[{index}]",
                f"{PRICES}_Price.{field.title().replace('_', '')}",
                f"value must be a sum of money below {MAX_MONEY:,} with at most 2 decimals, got {sent!r}",
            )


def _check_switches(index: int, item: dict[str, Any]) -> None:
    for name in SWITCHES:
        value = item.get(name)
        if value not in (None, "") and value not in SWITCH_VALUES:
            raise rejected(
                f"{PRICES}.Prices[{index}].{name}",
                f"value must be one of {', '.join(SWITCH_VALUES)}, got {value!r}",
            )


PriceFields = dict[str, Any]
ItemErrors = list[dict[str, str]]


def _new_prices(
    account: Account, product: ProductDoc, item: dict[str, Any]
) -> tuple[PriceFields, ItemErrors]:
    """The product's price fields after this item (unsent fields keep their value) and the errors."""
    errors: list[dict[str, str]] = []
    amounts: dict[str, Decimal] = {}
    for field in MONEY_FIELDS:
        sent = item.get(field)
        raw = product.get(field) if sent in (None, "") else sent
        number = decimal(raw if raw not in (None, "") else "0")
        if number is None:
            errors.append(
                _err("invalid_price", f"{field} must be a decimal number with a point, got {sent!r}")
            )
            number = Decimal(0)
        elif number < 0:
            errors.append(_err("price_negative", f"{field} must not be negative"))
        amounts[field] = number
    price, old_price, min_price = amounts["price"], amounts["old_price"], amounts["min_price"]
    if not errors:
        if price <= 0:
            errors.append(_err("price_negative", "price must be greater than 0"))
        else:
            if old_price > 0:
                errors += _discount_errors(price, old_price)
            if min_price > price:
                errors.append(_err("min_auto_price_too_big", "min_price must not be greater than price"))
            elif 0 < min_price < price / 2:
                errors.append(_err("min_auto_price_too_small", "min_price must be at least 50% of price"))
    currency = item.get("currency_code") or product.get("currency_code") or "RUB"
    if currency != account.currency():
        errors.append(
            _err(
                "currency_code_mismatch",
                f"currency_code {currency!r} differs from the account currency {account.currency()!r}",
            )
        )
    vat_sent = item.get("vat")
    vat = decimal(vat_sent) if vat_sent not in (None, "") else decimal(product.get("vat") or "0")
    if vat not in VAT_RATES:
        errors.append(_err("vat_invalid", f"vat must be one of {vat_rates_text()}, got {vat_sent!r}"))
    switches = {
        name: item[name] if item.get(name) not in (None, "", "UNKNOWN") else product.get(name, default)
        for name, default in (
            ("auto_action_enabled", "DISABLED"),
            ("price_strategy_enabled", "DISABLED"),
            ("auto_add_to_ozon_actions_list_enabled", "ENABLED"),
        )
    }
    if item.get("auto_action_enabled") == "ENABLED" and min_price == 0:
        errors.append(
            _err("action_price_enabled_min_price_missing", "set min_price to enable automatic promotions")
        )
    fields: dict[str, Any] = {
        "price": _text(price),
        "old_price": _text(old_price),
        "min_price": _text(min_price) if min_price else "",
        "net_price": _text(amounts["net_price"]) if amounts["net_price"] else "",
        "currency_code": currency,
        "vat": _text(vat) if vat is not None else "0",
        **switches,
    }
    if "min_price_for_auto_actions_enabled" in item:
        fields["min_price_for_auto_actions_enabled"] = bool(item["min_price_for_auto_actions_enabled"])
    return fields, errors


@route("POST", "/v1/product/import/prices")
def import_prices(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Change prices of up to 1000 products; each product at most 10 times an hour.

    Products are found by offer_id (when given) or product_id. Every item is checked
    against Ozon's price rules; failures come back per item (`updated: false`, `errors`)
    inside the 200 answer, as does the per-product hourly limit.
    """
    items = item_list(body, "prices", f"{PRICES}.Prices", MAX_PRICES)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise rejected(f"{PRICES}.Prices[{i}]", "value must be an object")
        _check_switches(i, item)
        _check_money(i, item)
    results = []
    for item in items:
        offer_id = "" if item.get("offer_id") in (None, "") else str(item["offer_id"])
        sent_id = item.get("product_id")
        product_id = int_id(sent_id, "product_id") if sent_id not in (None, "", 0) else 0
        # offer_id wins when both ids are given, as in /v2/products/stocks
        product: ProductDoc | None = None
        if offer_id:
            product = find_by_offer(account, offer_id)
        elif product_id:
            product = get_product(account, product_id)
        result: dict[str, Any] = {
            "product_id": product["id"] if product else product_id,
            "offer_id": product["offer_id"] if product else offer_id,
            "updated": False,
            "errors": [],
        }
        results.append(result)
        if product is None:
            result["errors"].append(_err("NOT_FOUND_ERROR", "product not found"))
            continue
        fields, errors = _new_prices(account, product, item)
        if errors:
            result["errors"] = errors
            continue
        if not account.try_limit(f"price:{product['id']}", UPDATES_PER_HOUR, 3600.0):
            result["errors"].append(_err("RESOURCE_EXHAUSTED", ITEM_LIMIT_MESSAGE))
            continue
        set_fields(product, fields)
        save_product(account, product)
        result["updated"] = True
    return {"result": results}


# ------------------------------------------------------------------ /v5/product/info/prices
COMMISSIONS: dict[str, int | float] = {
    "fbo_deliv_to_customer_amount": 25,
    "fbo_direct_flow_trans_max_amount": 66,
    "fbo_direct_flow_trans_min_amount": 66,
    "fbo_return_flow_amount": 66,
    "fbs_deliv_to_customer_amount": 25,
    "fbs_direct_flow_trans_min_amount": 80,
    "fbs_direct_flow_trans_max_amount": 80,
    "fbs_first_mile_max_amount": 30,
    "fbs_first_mile_min_amount": 10,
    "fbs_return_flow_amount": 80,
    "sales_percent_fbo": 30,
    "sales_percent_fbs": 34,
    "sales_percent_rfbs": 31,
    "sales_percent_fbp": 31,
}


def _index_data() -> dict[str, Any]:
    return {"min_price": 0, "min_price_currency": "RUB", "price_index_value": 0}


def price_item(product: ProductDoc) -> dict[str, Any]:
    """One item of `/v5/product/info/prices` (numbers, not strings)."""
    price = _number(product.get("price"))
    return {
        "acquiring": float(round(Decimal(str(price)) * ACQUIRING_RATE, 2)),
        "offer_id": product["offer_id"],
        "product_id": product["id"],
        "volume_weight": volume_weight(product),
        "commissions": dict(COMMISSIONS),
        "marketing_actions": {  # nulls as recorded (the document has no nulls): the recording wins
            "current_period_from": None,
            "current_period_to": None,
            "actions": [],
            "ozon_actions_exist": False,
        },
        "price": {
            "auto_action_enabled": product.get("auto_action_enabled") == "ENABLED",
            "currency_code": product.get("currency_code") or "RUB",
            "marketing_price": price,
            "marketing_seller_price": price,
            "min_price": _number(product.get("min_price")),
            "old_price": _number(product.get("old_price")),
            "price": price,
            "retail_price": 0,
            "vat": _number(product.get("vat")),
            "auto_add_to_ozon_actions_list_enabled": product.get(
                "auto_add_to_ozon_actions_list_enabled", "ENABLED"
            )
            == "ENABLED",
            "net_price": _number(product.get("net_price")),
        },
        "price_indexes": {
            "external_index_data": _index_data(),
            "ozon_index_data": _index_data(),
            "color_index": "WITHOUT_INDEX",
            "self_marketplaces_index_data": _index_data(),
        },
    }


@route("POST", "/v5/product/info/prices")
def product_info_prices(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Prices, commissions and price indexes; `filter` required, `limit` 1..1000, cursor paging."""
    page, cursor, total = product_page(account, body, "GetProductInfoPricesV5Request")
    return {"items": [price_item(p) for p in page], "cursor": cursor, "total_items": total}


# ------------------------------------------------------------------ markdowns
def _markdown_info(doc: dict[str, Any]) -> dict[str, Any]:
    fields = (
        "discounted_sku",
        "sku",
        "condition_estimation",
        "condition",
        "defects",
        "mechanical_damage",
        "package_damage",
        "packaging_violation",
        "reason_damaged",
        "comment_reason_damaged",
        "repair",
        "shortage",
        "warranty_type",
    )
    return {f: doc[f] for f in fields}


@route("POST", "/v1/product/info/discounted")
def info_discounted(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Condition and defects of FBO markdowns by their SKUs, with the main product's SKU.

    SKUs that are not FBO markdowns of this account (main products, FBS markdowns, unknown)
    are left out of `items`.
    """
    skus = id_list(body, "discounted_skus")
    items = []
    for sku in skus:
        doc = account.get(MARKDOWN, sku)
        if doc is not None and doc["scheme"] == "fbo":
            items.append(_markdown_info(doc))
    return {"items": items}


@route("POST", "/v1/product/update/discount")
def update_discount(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Set the discount (3..99 %) of a markdown product sold under FBS → {result: true}."""
    if body.get("product_id") in (None, "", 0, "0"):
        raise rejected("ProductUpdateDiscountRequest.ProductId", "value must be greater than 0")
    product_id = int_id(body["product_id"], "product_id")
    discount = body.get("discount")
    if isinstance(discount, str) and discount.strip().isdigit():
        discount = int(discount)
    if isinstance(discount, float) and discount.is_integer():
        discount = int(discount)
    if discount is not None and (isinstance(discount, bool) or not isinstance(discount, int)):
        raise malformed(f"invalid value for uint32 field discount: {discount!r}")
    low, high = DISCOUNT_RANGE
    if discount is None or not low <= discount <= high:
        raise rejected("ProductUpdateDiscountRequest.Discount", f"value must be inside range [{low}, {high}]")
    for doc in account.all(MARKDOWN):
        if doc["product_id"] == product_id and doc["scheme"] == "fbs":
            doc["discount"] = discount
            doc["discount_updated_at"] = account.iso()
            account.put(MARKDOWN, doc["discounted_sku"], doc)
            return {"result": True}
    raise not_found("item discount not found")


def get_markdown(account: Account, discounted_sku: int) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = account.get(MARKDOWN, discounted_sku)
    return doc


# ------------------------------------------------------------------ demo data
DEMO_MARKDOWNS: tuple[dict[str, Any], ...] = (
    {
        "discounted_sku": 1626044101,
        "product_id": 1111588291,
        "main_offer_id": "143210609",
        "scheme": "fbo",
        "condition_estimation": "4",
        "condition": "Хорошее: незначительные следы вскрытия",
        "defects": "",
        "mechanical_damage": "",
        "package_damage": "Помята упаковка",
        "packaging_violation": "Вскрыта заводская упаковка",
        "reason_damaged": "Повреждение упаковки",
        "comment_reason_damaged": "Упаковка повреждена при транспортировке",
        "repair": "",
        "shortage": "",
        "warranty_type": "Гарантия продавца",
        "discount": 0,
    },
    {
        "discounted_sku": 1626044102,
        "product_id": 1111588292,
        "main_offer_id": "1432106010",
        "scheme": "fbs",
        "condition_estimation": "3",
        "condition": "Удовлетворительное: есть следы использования",
        "defects": "Царапина на плёнке",
        "mechanical_damage": "Потёртости",
        "package_damage": "",
        "packaging_violation": "",
        "reason_damaged": "Возврат покупателя",
        "comment_reason_damaged": "",
        "repair": "",
        "shortage": "",
        "warranty_type": "Без гарантии",
        "discount": 15,
    },
)


def seed(account: Account) -> None:
    """Two markdowns of the demo catalogue: an FBO one of 143210609, an FBS one of 1432106010."""

    for template in DEMO_MARKDOWNS:
        doc = copy.deepcopy(template)
        main = find_by_offer(account, doc.pop("main_offer_id"))
        if main is None or not main["sku"]:
            continue
        doc["sku"] = main["sku"]
        if account.client_id != DEMO_CLIENT_ID:
            doc["discounted_sku"] = account.next_id("sku", 1700000001)
            doc["product_id"] = account.next_id("product_id", 2900000001)
        account.put(MARKDOWN, doc["discounted_sku"], doc)
        if doc.get("scheme") == "fbo":
            main["has_discounted_fbo_item"] = True
            save_product(account, main, touch=False)
