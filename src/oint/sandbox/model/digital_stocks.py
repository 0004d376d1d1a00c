"""`/v1/product/digital/stocks/import`: how many units of digital products are on sale (facts §6.3).

The successor of the activation-codes upload (`/v1/product/upload_digital_codes`, removed
2025-07-01). It is synchronous: each entry `{offer_id, stock}` sets the product's digital stock
(`digital_stock` on the product document) and the answer tells per entry whether it was
updated, with errors otherwise (an unknown offer_id, an archived product).
"""

from __future__ import annotations

from typing import Any

from oint.sandbox.errors import rejected
from oint.sandbox.model.base import Account, int_id, route
from oint.sandbox.model.products import find_by_offer, save_product

MAX_ITEMS = 100  # entries per request (the sandbox's choice; Ozon does not say)
REQUEST = "StocksImportRequest"


def _bad(field: str, rule: str) -> Exception:
    return rejected(f"{REQUEST}.{field}", rule)


@route("POST", "/v1/product/digital/stocks/import")
def digital_stocks_import(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Set the digital stock of products by offer_id."""
    stocks = body.get("stocks")
    if not isinstance(stocks, list) or not 1 <= len(stocks) <= MAX_ITEMS:
        raise _bad("Stocks", f"value must contain between 1 and {MAX_ITEMS} items, inclusive")
    status = []
    for i, entry in enumerate(stocks):
        if not isinstance(entry, dict):
            raise _bad(f"Stocks[{i}]", "value must be an object")
        offer_id = entry.get("offer_id")
        if not isinstance(offer_id, str) or not offer_id:
            raise _bad(f"Stocks[{i}].OfferId", "value length must be at least 1 runes")
        if entry.get("stock") is None:
            raise _bad(f"Stocks[{i}].Stock", "value is required")
        stock = int_id(entry["stock"], "stock")
        if stock < 0:
            raise _bad(f"Stocks[{i}].Stock", "value must be greater than or equal to 0")
        product = find_by_offer(account, offer_id)
        errors = []
        if product is None:
            errors.append({"code": "NOT_FOUND", "message": f"product with offer_id {offer_id} not found"})
        elif product["is_archived"]:
            errors.append({"code": "PRODUCT_IS_ARCHIVED", "message": "product is archived"})
        else:
            product["digital_stock"] = stock
            save_product(account, product)
        status.append(
            {
                "offer_id": offer_id,
                "product_id": product["id"] if product else 0,
                "sku": product["sku"] if product else 0,
                "updated": not errors,
                "errors": errors,
            }
        )
    return {"status": status}
