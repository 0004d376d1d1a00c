"""Barcodes: `/v1/barcode/add` (bind the seller's barcodes by SKU) and
`/v1/barcode/generate` (Ozon creates one for a product).

Barcodes are kept in the product document (`barcodes`, a list of strings), so
`/v3/product/info/list` shows them. A barcode belongs to one product of the account;
a product holds at most 100. Both methods answer 200 with `errors` per item (empty
when everything went through) and allow 20 requests a minute per account.
"""

from __future__ import annotations

from typing import Any

from oint.sandbox.errors import PER_MINUTE, rejected, rejected_item
from oint.sandbox.model.base import Account, id_list, int_id, item_list, route
from oint.sandbox.model.products import all_products, find_by_sku, get_product, save_product

MAX_PER_REQUEST = 100  # barcodes (add) or product ids (generate) per request
MAX_PER_PRODUCT = 100
MAX_LENGTH = 100  # characters of one barcode
REQUESTS_PER_MINUTE = 20
GENERATED_START = 290000000001  # 12 digits in the EAN "internal use" range 2xx, then a check digit


def ean13_check_digit(first12: str) -> str:
    """The EAN-13 check digit of 12 digits (weights 1, 3, 1, 3, ... from the left)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def is_valid_ean13(code: str) -> bool:
    return len(code) == 13 and code.isdigit() and ean13_check_digit(code[:12]) == code[12]


def _owners(account: Account) -> dict[str, int]:
    """Barcode -> product id, over the account's products."""
    return {b: p["id"] for p in all_products(account) for b in p["barcodes"]}


def _entry_error(index: int, field: str, rule: str) -> Exception:
    return rejected_item(f"AddBarcodesRequest.Barcodes[{index}]", f"AddBarcodesRequest_Barcode.{field}", rule)


def _parse_pair(index: int, entry: Any) -> tuple[str, int]:
    if not isinstance(entry, dict):
        raise rejected(f"AddBarcodesRequest.Barcodes[{index}]", "value must be an object")
    barcode = entry.get("barcode")
    if barcode is None or isinstance(barcode, (dict, list, bool)):
        barcode = ""
    barcode = str(barcode)
    if not 1 <= len(barcode) <= MAX_LENGTH:
        raise _entry_error(
            index, "Barcode", f"value length must be between 1 and {MAX_LENGTH} runes, inclusive"
        )
    sku = entry.get("sku")
    sku_id = int_id(sku, "sku") if sku not in (None, "") else 0
    if sku_id <= 0:
        raise _entry_error(index, "Sku", "value must be greater than 0")
    return barcode, sku_id


@route("POST", "/v1/barcode/add")
def barcode_add(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Bind barcodes to products by SKU (≤ 100 per request, ≤ 100 per product).

    Per item: an SKU that is not the account's → item_not_found; a barcode already
    bound to another product → barcode_already_exists; a full product →
    barcodes_limit_exceeded. Binding a barcode the product already has is a no-op.
    """
    account.limit("barcode_add", REQUESTS_PER_MINUTE, 60.0, PER_MINUTE)
    entries = item_list(body, "barcodes", "AddBarcodesRequest.barcodes", MAX_PER_REQUEST)
    pairs = [_parse_pair(i, e) for i, e in enumerate(entries)]
    owners = _owners(account)
    errors: list[dict[str, Any]] = []

    def fail(code: str, message: str, barcode: str, sku: int) -> None:
        errors.append({"code": code, "error": message, "barcode": barcode, "sku": sku})

    for barcode, sku in pairs:
        product = find_by_sku(account, sku)
        if product is None:
            fail("item_not_found", f"sellerID of item {sku} is not {account.client_id}", barcode, sku)
            continue
        owner = owners.get(barcode)
        if owner == product["id"]:
            continue
        if owner is not None:
            fail(
                "barcode_already_exists", f"barcode {barcode} is already bound to another item", barcode, sku
            )
            continue
        if len(product["barcodes"]) >= MAX_PER_PRODUCT:
            fail(
                "barcodes_limit_exceeded", f"item {sku} already has {MAX_PER_PRODUCT} barcodes", barcode, sku
            )
            continue
        product["barcodes"].append(barcode)
        save_product(account, product)
        owners[barcode] = product["id"]
    return {"errors": errors}


def _new_barcode(account: Account, taken: dict[str, int]) -> str:
    while True:
        first12 = str(account.next_id("generated_barcode", GENERATED_START))
        code = first12 + ean13_check_digit(first12)
        if code not in taken:
            return code


@route("POST", "/v1/barcode/generate")
def barcode_generate(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Generate an EAN-13 barcode for each product (≤ 100 ids) and bind it to the product.

    A product that already has an Ozon-generated barcode keeps it (no second one).
    Per item: unknown product → item_not_found; a full product → barcodes_limit_exceeded.
    """
    account.limit("barcode_generate", REQUESTS_PER_MINUTE, 60.0, PER_MINUTE)
    item_list(body, "product_ids", "GenerateBarcodesRequest.product_ids", MAX_PER_REQUEST)
    ids = id_list(body, "product_ids", max_items=MAX_PER_REQUEST)
    owners = _owners(account)
    errors: list[dict[str, Any]] = []
    for product_id in ids:
        product = get_product(account, product_id)
        if product is None:
            errors.append(
                {
                    "code": "item_not_found",
                    "error": f"product {product_id} not found",
                    "barcode": "",
                    "product_id": product_id,
                }
            )
            continue
        if product.get("ozon_barcode") in product["barcodes"]:
            continue
        if len(product["barcodes"]) >= MAX_PER_PRODUCT:
            errors.append(
                {
                    "code": "barcodes_limit_exceeded",
                    "error": f"product {product_id} already has {MAX_PER_PRODUCT} barcodes",
                    "barcode": "",
                    "product_id": product_id,
                }
            )
            continue
        code = _new_barcode(account, owners)
        product["barcodes"].append(code)
        product["ozon_barcode"] = code
        save_product(account, product)
        owners[code] = product["id"]
    return {"errors": errors}
