"""Stocks: `/v2/products/stocks` (write), `/v4/product/info/stocks` and
`/v2/product/info/stocks-by-warehouse/fbs` (read).

One document of kind "stock" per product and warehouse (key "<product_id>:<warehouse_id>")
holds the seller's available quantity (`stock`, what `/v2/products/stocks` sets) and the
quantity reserved by orders (`reserved`). Ozon reports `present` = available + reserved.
FBO stock (Ozon's own warehouses) is kept under warehouse 0 with type "fbo"; sellers
cannot write it.

After every change the product document gets `stocks_summary` (one entry per source:
fbs, rfbs, fbo) and `has_stock`, so `/v3/product/info/list` shows the stocks.

`/v4/product/info/stocks` pages products as `/v5/product/info/prices` does (`products.product_page`).
"""

from __future__ import annotations

from typing import Any

from oint.sandbox.errors import PER_MINUTE, ApiError, rejected, rejected_item
from oint.sandbox.model import pushes
from oint.sandbox.model.base import Account, int_id, item_list, route, str_list
from oint.sandbox.model.common import decode_cursor, encode_cursor, page_size
from oint.sandbox.model.products import (
    ProductDoc,
    find_by_offer,
    find_by_sku,
    get_product,
    product_page,
    save_product,
)
from oint.sandbox.model.warehouses import all_warehouses, get_warehouse

STOCK = "stock"
MAX_ENTRIES = 100  # product-warehouse pairs per /v2/products/stocks request
REQUESTS_PER_MINUTE = 80  # /v2/products/stocks per account
PAIR_INTERVAL = 30.0  # seconds between two updates of one product-warehouse pair
STOCK_CEILING = 1_000_000  # stock must be below this (STOCK_TOO_BIG)
FBO_WAREHOUSE = 0
SOURCES = ("fbs", "rfbs", "fbo")  # order of entries in answers


# ------------------------------------------------------------------ documents
def stock_key(product_id: int, warehouse_id: int) -> str:
    return f"{product_id}:{warehouse_id}"


def stocks_of(account: Account, product_id: int) -> list[dict[str, Any]]:
    """The stock documents of one product (one per warehouse), in creation order."""
    docs: list[dict[str, Any]] = account.store.with_prefix(account.client_id, STOCK, f"{product_id}:")
    return docs


def by_source(
    account: Account, product_id: int, docs: list[dict[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """Stocks of a product summed per source type: {type: {present, reserved, warehouse_ids}}.

    `docs`: the account's stock documents when the caller already has them."""
    out: dict[str, dict[str, Any]] = {}
    if docs is None:
        docs = stocks_of(account, product_id)
    for s in docs:
        if s["product_id"] != product_id:
            continue
        entry = out.setdefault(s["type"], {"present": 0, "reserved": 0, "warehouse_ids": []})
        entry["present"] += s["stock"] + s["reserved"]
        entry["reserved"] += s["reserved"]
        if s["warehouse_id"] != FBO_WAREHOUSE:
            entry["warehouse_ids"].append(s["warehouse_id"])
    return {t: out[t] for t in SOURCES if t in out}


def refresh_summary(account: Account, product: ProductDoc) -> None:
    """Copy the product's stocks into its document (`stocks_summary`, `has_stock`) and save it;
    the seller's push notification of the change, if it wants one."""
    docs = stocks_of(account, product["id"])
    summary = [
        {"present": v["present"], "reserved": v["reserved"], "sku": product["sku"], "source": t}
        for t, v in by_source(account, product["id"], docs).items()
    ]
    product["stocks_summary"] = summary
    product["has_stock"] = any(s["present"] > 0 for s in summary)
    save_product(account, product, touch=False)
    pushes.stocks_changed(account, product, docs)


def put_stock(
    account: Account, product_id: int, warehouse_id: int, source: str, stock: int, reserved: int | None = None
) -> dict[str, Any]:
    """Set the available quantity of a product on a warehouse (reserved kept unless given)."""
    key = stock_key(product_id, warehouse_id)
    doc: dict[str, Any] = account.get(STOCK, key) or {
        "product_id": product_id,
        "warehouse_id": warehouse_id,
        "type": source,
        "stock": 0,
        "reserved": 0,
    }
    doc["stock"] = stock
    if reserved is not None:
        doc["reserved"] = reserved
    doc["updated_at"] = account.iso()
    account.put(STOCK, key, doc)
    return doc


# ------------------------------------------------------------------ /v2/products/stocks
def _entry_error(index: int, field: str, rule: str) -> Exception:
    return rejected_item(
        f"ProductsStocksRequest.Stocks[{index}]", f"ProductsStocksRequest_Stock.{field}", rule
    )


def _int_field(entry: dict[str, Any], name: str, index: int, field: str) -> int:
    value = entry.get(name)
    if value in (None, ""):
        return 0
    try:
        return int_id(value, name)
    except ApiError:
        raise _entry_error(index, field, "value must be an integer") from None


def _parse_entry(index: int, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise rejected(f"ProductsStocksRequest.Stocks[{index}]", "value must be an object")
    warehouse_id = _int_field(entry, "warehouse_id", index, "WarehouseId")
    if warehouse_id <= 0:
        raise _entry_error(index, "WarehouseId", "value must be greater than 0")
    stock = _int_field(entry, "stock", index, "Stock")
    if stock < 0:
        raise _entry_error(index, "Stock", "value must be greater than or equal to 0")
    product_id = _int_field(entry, "product_id", index, "ProductId")
    offer_id = entry.get("offer_id")
    offer_id = "" if offer_id is None else str(offer_id)
    if product_id <= 0 and not offer_id:
        raise _entry_error(index, "ProductId", "value must be greater than 0 when offer_id is empty")
    return {"warehouse_id": warehouse_id, "stock": stock, "product_id": product_id, "offer_id": offer_id}


def _error(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def _apply_entry(account: Account, entry: dict[str, Any], touched: dict[int, ProductDoc]) -> dict[str, Any]:
    """One pair of the request: Ozon's per-item checks, then the update."""
    offer_id, warehouse_id = entry["offer_id"], entry["warehouse_id"]
    # offer_id wins when both ids are given (Ozon's rule)
    product = find_by_offer(account, offer_id) if offer_id else get_product(account, entry["product_id"])
    result: dict[str, Any] = {
        "warehouse_id": warehouse_id,
        "product_id": product["id"] if product else 0,
        "offer_id": product["offer_id"] if product else offer_id,
        "updated": False,
        "errors": [],
    }
    errors: list[dict[str, str]] = result["errors"]
    warehouse = get_warehouse(account, warehouse_id)
    if product is None:
        if offer_id:
            errors.append(_error("offer_id_not_found", f"Product with offer_id {offer_id!r} not found"))
        else:
            errors.append(_error("NOT_FOUND_ERROR", f"Product {entry['product_id']} not found"))
    if warehouse is None:
        errors.append(_error("WAREHOUSE_NOT_FOUND", f"warehouse has wrong id: {warehouse_id}"))
    if product is not None:
        if product["is_archived"]:
            errors.append(_error("PRODUCT_IS_ARCHIVED", "Product is archived: unarchive it to set stocks"))
        elif not product["sku"]:
            errors.append(
                _error(
                    "product_is_not_created",
                    "Product is not created yet: stocks can be set after status price_sent",
                )
            )
        elif product.get("price") in (None, "", "0"):
            errors.append(_error("PRICE_IS_NOT_SENT", "Product has no price: set the price before stocks"))
        if warehouse is not None and warehouse.get("is_kgt") and not product.get("is_kgt"):
            errors.append(
                _error(
                    "NON_KGT_ON_KGT_WAREHOUSE", "Only bulky (KGT) products can be stored on this warehouse"
                )
            )
    if entry["stock"] >= STOCK_CEILING:
        errors.append(_error("STOCK_TOO_BIG", f"stock must be less than {STOCK_CEILING}"))
    if errors or product is None or warehouse is None:
        return result
    if not account.try_limit(f"stock_pair:{stock_key(product['id'], warehouse_id)}", 1, PAIR_INTERVAL):
        errors.append(_error("TOO_MANY_REQUESTS", "Stock is updated too frequently"))
        return result
    source = "rfbs" if warehouse.get("is_rfbs") else "fbs"
    put_stock(account, product["id"], warehouse_id, source, entry["stock"])
    touched[product["id"]] = product
    result["updated"] = True
    return result


@route("POST", "/v2/products/stocks")
def products_stocks(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Set available stock per product and warehouse (FBS/rFBS), ≤ 100 pairs, 80 requests/min.

    Each pair is checked on its own and answered inside the 200 answer: unknown product or
    warehouse, archived or not yet created product, no price, too big a stock, or the same
    pair updated less than 30 s ago (TOO_MANY_REQUESTS).
    """
    account.limit("products_stocks", REQUESTS_PER_MINUTE, 60.0, PER_MINUTE)
    entries = item_list(body, "stocks", "ProductsStocksRequest.Stocks", MAX_ENTRIES)
    parsed = [_parse_entry(i, e) for i, e in enumerate(entries)]
    touched: dict[int, ProductDoc] = {}
    results = [_apply_entry(account, e, touched) for e in parsed]
    for product in touched.values():
        refresh_summary(account, product)
    return {"result": results}


# ------------------------------------------------------------------ /v4/product/info/stocks
def stocks_item(
    account: Account, product: ProductDoc, docs: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "offer_id": product["offer_id"],
        "product_id": product["id"],
        "stocks": [
            {
                "present": v["present"],
                "reserved": v["reserved"],
                "shipment_type": "SHIPMENT_TYPE_GENERAL",
                "sku": product["sku"],
                "type": t,
                "warehouse_ids": v["warehouse_ids"],
            }
            for t, v in by_source(account, product["id"], docs).items()
        ],
    }


@route("POST", "/v4/product/info/stocks")
def product_info_stocks(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """FBS, rFBS and FBO stocks per product; `filter` required, `limit` 1..1000, cursor paging.

    `total` was replaced by `total_items` (Ozon switched `total` off on 2026-11-23).
    """
    page, cursor, total = product_page(account, body, "GetProductInfoStocksV4Request")
    return {
        "items": [stocks_item(account, p) for p in page],
        "cursor": cursor,
        "total_items": total,
    }


# ------------------------------------------------------------------ /v2/product/info/stocks-by-warehouse/fbs
BY_WAREHOUSE_PAGE = 1000  # entries a page at most (and by default)


@route("POST", "/v2/product/info/stocks-by-warehouse/fbs")
def stocks_by_warehouse_fbs(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """FBS and rFBS stocks per product and warehouse of the products named by `sku` or
    `offer_id` (one of them; `sku` wins when both are given, as in v1), `limit` entries a page,
    cursor paging. `free_stock` is what `/v2/products/stocks` set; `present` adds the reserved."""
    request = "GetProductInfoStocksByWarehouseFbsV2"
    given = [v for v in str_list(body, "sku") if v not in ("", "0")]
    skus = [int(v) for v in given if v.isdigit()]  # (Ozon types them as text: other text names no SKU)
    offers = [v for v in str_list(body, "offer_id") if v]
    if not given and not offers:
        raise rejected(f"{request}.Sku", "value must contain at least 1 item(s) when offer_id is empty")
    limit = page_size(body, request, BY_WAREHOUSE_PAGE, BY_WAREHOUSE_PAGE)
    after = 0
    if body.get("cursor"):
        values = decode_cursor(body["cursor"], (int,))
        if values is None:
            raise rejected(f"{request}.Cursor", "value is not a valid cursor")
        after = int(values[0])
    found = [find_by_sku(account, s) for s in skus] if given else [find_by_offer(account, o) for o in offers]
    entries: list[dict[str, Any]] = []
    for doc in {p["id"]: p for p in found if p is not None}.values():
        for s in stocks_of(account, doc["id"]):
            if s["warehouse_id"] == FBO_WAREHOUSE:
                continue
            warehouse = get_warehouse(account, s["warehouse_id"]) or {}
            entries.append(
                {
                    "sku": doc["sku"],
                    "offer_id": doc["offer_id"],
                    "product_id": doc["id"],
                    "warehouse_id": s["warehouse_id"],
                    "warehouse_name": warehouse.get("name", ""),
                    "present": s["stock"] + s["reserved"],
                    "reserved": s["reserved"],
                    "free_stock": s["stock"],
                }
            )
    page = entries[after : after + limit]
    more = after + limit < len(entries)
    return {"products": page, "cursor": encode_cursor([after + limit]) if more else "", "has_next": more}


# ------------------------------------------------------------------ demo data
DEMO_STOCKS: tuple[tuple[str, int, int, int], ...] = (
    # offer_id, warehouse (index into the account's warehouses, -1 = FBO), stock, reserved
    ("143210609", 0, 15, 2),
    ("143210609", -1, 12, 0),
    ("1432106010", 0, 7, 0),
    ("91132", 1, 3, 1),
)


def seed(account: Account) -> None:
    """Demo stocks on the account's warehouses (seeded by model/warehouses.py before)."""

    warehouses = all_warehouses(account)
    for offer_id, index, stock, reserved in DEMO_STOCKS:
        product = find_by_offer(account, offer_id)
        if product is None:
            continue
        if index < 0:
            put_stock(account, product["id"], FBO_WAREHOUSE, "fbo", stock, reserved)
        else:
            wh = warehouses[index]
            put_stock(
                account,
                product["id"],
                wh["warehouse_id"],
                "rfbs" if wh["is_rfbs"] else "fbs",
                stock,
                reserved,
            )
        refresh_summary(account, product)
