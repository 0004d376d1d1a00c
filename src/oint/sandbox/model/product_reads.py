"""Reading products: `/v3/product/info/list`, `/v3/product/list`, `/v4/product/info/attributes`
and `/v1/product/info/description`.

The list and the attribute data take Ozon's product filter (`products.ProductFilter`: visibility
where ALL is everything but the archive) and page by an opaque base64 `last_id`: the list gives a
last_id with every non-empty page, as Ozon's recording shows, and ends with an empty page whose
last_id is ""; the attribute data gives "" on its last page, as recorded.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from oint.sandbox.errors import not_found, rejected, rejected_request
from oint.sandbox.model.base import Account, id_list, int_id, route, str_list
from oint.sandbox.model.common import decode_cursor, encode_cursor, page_after, page_size
from oint.sandbox.model.products import (
    DERIVED_ATTRIBUTES,
    DESCRIPTION_ATTRIBUTE,
    NAME_ATTRIBUTE,
    PRODUCT,
    SELLER_CODE_ATTRIBUTE,
    ProductDoc,
    ProductFilter,
    count_group,
    find_by_offer,
    find_by_sku,
    get_product,
    group_page,
    has_stock,
    volume_weight,
)

MAX_PAGE = 1000
DEFAULT_PAGE = 100
SORT_FIELDS = frozenset({"sku", "offer_id", "id", "title"})


# ------------------------------------------------------------------ /v3/product/info/list
def _money(value: Any) -> str:
    """Prices as Ozon prints them in product info: "1300.00"; "" when unset."""
    if value in (None, ""):
        return ""
    try:
        return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return str(value)


def statuses(p: ProductDoc) -> dict[str, Any]:
    created = bool(p["sku"])
    on_sale = created and not p["is_archived"] and p.get("has_stock", False)
    if p["is_archived"]:
        name, description = "Архив", "Товар в архиве"
    elif on_sale:
        name, description = "Продается", "Готов к продаже"
    else:
        name, description = "Не продается", "Готов к продаже" if created else "Не создан"
    return {
        "status": "price_sent" if created else "new",
        "status_failed": "" if created else "imported",
        "moderate_status": "approved" if created else "",
        "validation_status": "success" if created else "pending",
        "status_name": name,
        "status_description": description,
        "is_created": created,
        "status_tooltip": "" if created else "Не прошел валидацию",
        "status_updated_at": p["updated_at"],
    }


def info_item(p: ProductDoc) -> dict[str, Any]:
    """One item of `/v3/product/info/list`, shaped like Ozon's answer."""
    stocks = p.get("stocks_summary") or []
    return {
        "id": p["id"],
        "name": p["name"],
        "offer_id": p["offer_id"],
        "is_archived": p["is_archived"],
        "is_autoarchived": p["is_autoarchived"],
        "barcodes": list(p["barcodes"]),
        "description_category_id": p["description_category_id"],
        "type_id": p["type_id"],
        "created_at": p["created_at"],
        "images": list(p["images"]),
        "currency_code": p["currency_code"],
        "marketing_price": "",
        "min_price": _money(p.get("min_price")),
        "old_price": _money(p.get("old_price")),
        "price": _money(p.get("price")),
        "declared_price": {"amount": "", "currency": p["currency_code"]},  # a Money object: none declared
        "sources": [
            {
                "sku": p["sku"],
                "source": "sds",
                "created_at": p["created_at"],
                "shipment_type": "SHIPMENT_TYPE_GENERAL",
                "quant_code": "",
            }
        ]
        if p["sku"]
        else [],
        "model_info": {"model_id": p.get("model_id", 0), "count": 1 if p["sku"] else 0},
        "commissions": [],
        "is_prepayment_allowed": False,
        "volume_weight": volume_weight(p),
        "has_discounted_fbo_item": p.get("has_discounted_fbo_item", False),
        "is_discounted": p["is_discounted"],
        "discounted_fbo_stocks": p.get("discounted_fbo_stocks", 0),
        "stocks": {"has_stock": any(s.get("present", 0) > 0 for s in stocks), "stocks": stocks},
        "errors": list(p["errors"]),
        "updated_at": p["updated_at"],
        "vat": _money(p.get("vat")),
        "visibility_details": {
            "has_price": bool(p.get("price") not in (None, "", "0")),
            "has_stock": any(s.get("present", 0) > 0 for s in stocks),
        },
        "price_indexes": {
            "color_index": "COLOR_INDEX_WITHOUT_INDEX",
            "external_index_data": {
                "minimal_price": "",
                "minimal_price_currency": "",
                "price_index_value": 0,
            },
            "ozon_index_data": {"minimal_price": "", "minimal_price_currency": "", "price_index_value": 0},
            "self_marketplaces_index_data": {
                "minimal_price": "",
                "minimal_price_currency": "",
                "price_index_value": 0,
            },
        },
        "images360": list(p["images360"]),
        "is_kgt": False,
        "color_image": [p["color_image"]] if p["color_image"] else [],
        "primary_image": [p["primary_image"]] if p["primary_image"] else [],
        "statuses": statuses(p),
        "is_super": False,
        "is_seasonal": False,
        "promotions": [{"is_enabled": False, "type": "REVIEWS_PROMO"}],
        "sku": p["sku"],
        "availabilities": [{"availability": "AVAILABLE", "reasons": [], "sku": p["sku"], "source": "sds"}]
        if p["sku"] and not p["is_archived"]
        else [],
    }


@route("POST", "/v3/product/info/list")
def product_info_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Products by product_id, offer_id or sku (up to 1000 in all), in request order."""
    ids = id_list(body, "product_id", required=False)
    skus = id_list(body, "sku", required=False)
    offers = str_list(body, "offer_id")
    if not (ids or skus or offers):
        raise rejected_request("at least one of offer_id, product_id, sku is required")
    if len(ids) + len(skus) + len(offers) > 1000:
        raise rejected_request("no more than 1000 identifiers in one request")
    found: list[dict[str, Any]] = []
    seen: set[int] = set()
    candidates = (
        [get_product(account, i) for i in ids]
        + [find_by_offer(account, o) for o in offers]
        + [find_by_sku(account, s) for s in skus]
    )
    for p in candidates:
        if p is not None and p["id"] not in seen:
            seen.add(p["id"])
            found.append(info_item(p))
    return {"items": found}


# ------------------------------------------------------------------ list, attributes, description
_MALFORMED_CURSOR = "malformed last_id: pass the last_id of the previous answer"


def _last_id(body: dict[str, Any], request: str) -> list[Any] | None:
    """The values of the opaque `last_id` of the previous page (None on the first page)."""
    raw = body.get("last_id")
    if raw in (None, "", 0, "0"):
        return None
    if not isinstance(raw, str):
        raise rejected(f"{request}.LastId", "value must be a string")
    values = decode_cursor(raw)
    if values is None or not all(isinstance(v, (int, str)) for v in values):
        raise rejected(f"{request}.LastId", _MALFORMED_CURSOR)
    return values


def _stock_flags(p: ProductDoc) -> tuple[bool, bool]:
    return has_stock(p, ("fbo",)), has_stock(p, ("fbs", "rfbs"))


@route("POST", "/v3/product/list")
def product_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Products by product_id ascending, `limit` per page, after the opaque `last_id`.

    `last_id` of a page with items encodes its last product id (as Ozon does even on the
    final page); the page after the last one has no items and last_id "".
    """
    request = "ProductListRequest"
    size = page_size(body, request, MAX_PAGE, DEFAULT_PAGE)
    cursor = _last_id(body, request)
    flt = ProductFilter.parse(body, request)
    after = 0
    if cursor is not None:
        if not isinstance(cursor[-1], int):
            raise rejected(f"{request}.LastId", _MALFORMED_CURSOR)
        after = cursor[-1]
    page, _, total = flt.page(account, after, size)
    items = []
    for p in page:
        fbo, fbs = _stock_flags(p)
        items.append(
            {
                "product_id": p["id"],
                "offer_id": p["offer_id"],
                "has_fbo_stocks": fbo,
                "has_fbs_stocks": fbs,
                "archived": bool(p["is_archived"]),
                "is_discounted": bool(p["is_discounted"]),
                "quants": [],
            }
        )
    last_id = encode_cursor([page[-1]["id"], page[-1]["id"]]) if page else ""
    return {"result": {"items": items, "total_items": total, "last_id": last_id}}


def _sort_key(sort_by: str) -> Callable[[ProductDoc], Any]:
    if sort_by == "sku":
        return lambda p: int(p["sku"] or 0)
    if sort_by == "offer_id":
        return lambda p: str(p["offer_id"])
    if sort_by == "title":
        return lambda p: str(p["name"])
    return lambda p: int(p["id"])


def attributes_item(p: ProductDoc, model_sizes: dict[int, int]) -> dict[str, Any]:
    """One product of `/v4/product/info/attributes`, shaped like Ozon's answer."""
    attributes = [a for a in p.get("attributes", []) if a["id"] not in DERIVED_ATTRIBUTES]
    if p.get("description"):
        attributes.append(
            {
                "id": DESCRIPTION_ATTRIBUTE,
                "complex_id": 0,
                "values": [{"dictionary_value_id": 0, "value": p["description"]}],
            }
        )
    attributes += [
        {"id": NAME_ATTRIBUTE, "complex_id": 0, "values": [{"dictionary_value_id": 0, "value": p["name"]}]},
        {
            "id": SELLER_CODE_ATTRIBUTE,
            "complex_id": 0,
            "values": [{"dictionary_value_id": 0, "value": p["offer_id"]}],
        },
    ]
    model_id = int(p.get("model_id") or 0)
    return {
        "id": p["id"],
        "barcode": p["barcodes"][0] if p["barcodes"] else "",
        "name": p["name"],
        "offer_id": p["offer_id"],
        "height": p["height"],
        "depth": p["depth"],
        "width": p["width"],
        "dimension_unit": p["dimension_unit"],
        "weight": p["weight"],
        "weight_unit": p["weight_unit"],
        "description_category_id": p["description_category_id"],
        "type_id": p["type_id"],
        "primary_image": p.get("primary_image") or "",
        "model_info": {"model_id": model_id, "count": model_sizes.get(model_id, 0) if model_id else 0},
        # images (strings), sku and attributes_with_defaults (numbers) as recorded; the document has
        # image objects and strings for both: the recording wins (tests/answer_conformance.py)
        "images": list(p["images"]),
        "pdf_list": list(p.get("pdf_list") or []),
        "attributes": attributes,
        "complex_attributes": list(p.get("complex_attributes") or []),
        "color_image": p.get("color_image") or "",
        "sku": p["sku"],
        "barcodes": list(p["barcodes"]),
        "attributes_with_defaults": attributes_with_defaults(p),
    }


def attributes_with_defaults(p: ProductDoc) -> list[int]:
    """Ids of the category's optional plain (non-dictionary) attributes the product leaves
    empty: Ozon fills those with defaults and lists them here."""
    filled = {a["id"] for a in p.get("attributes", [])} | DERIVED_ATTRIBUTES
    return [i for i in _optional_plain(p["description_category_id"], p["type_id"]) if i not in filled]


@functools.cache
def _optional_plain(description_category_id: int, type_id: int) -> tuple[int, ...]:
    """Ids of a (category, type)'s optional plain attributes, in order (the reference data does
    not change: worked out once per type, not once per product of a page)."""
    from oint.sandbox.model.categories import attributes_for

    return tuple(
        sorted(
            a["id"]
            for a in attributes_for(description_category_id, type_id)
            if not a["is_required"] and not a["dictionary_id"] and not a["attribute_complex_id"]
        )
    )


@route("POST", "/v4/product/info/attributes")
def product_info_attributes(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Full attribute data of products, sorted (sort_by, sort_dir) and paged.

    `last_id` encodes [sort value, product id] of the page's last product; it is "" on the last page.
    """
    request = "ProductGetProductAttributesV4Request"
    size = page_size(body, request, MAX_PAGE, DEFAULT_PAGE)
    cursor = _last_id(body, request)
    sort_by = str(body.get("sort_by") or "id").lower()
    sort_dir = str(body.get("sort_dir") or "asc").lower()
    if sort_by not in SORT_FIELDS:
        raise rejected(f"{request}.SortBy", "value must be one of sku, offer_id, id, title")
    if sort_dir not in ("asc", "desc"):
        raise rejected(f"{request}.SortDir", "value must be one of asc, desc")
    key = _sort_key(sort_by)
    descending = sort_dir == "desc"
    flt = ProductFilter.parse(body, request, with_sku=True)
    if flt.by_identifiers:  # at most a few thousand products, sorted here
        matching = sorted(flt.select(account), key=lambda p: (key(p), p["id"]), reverse=descending)
        total = len(matching)
    else:  # a visibility group: paged in the order of an index, counted per tag
        total = count_group(account, flt.visibility)
    mark = None
    if cursor is not None:
        mark = tuple(cursor[-2:]) if len(cursor) >= 2 else (cursor[0], cursor[0])
        kind = str if sort_by in ("offer_id", "title") else int
        if total and (type(mark[0]) is not kind or not isinstance(mark[1], int)):
            raise rejected(f"{request}.LastId", _MALFORMED_CURSOR)
    if flt.by_identifiers:
        page, more = page_after(matching, lambda p: (key(p), p["id"]), mark, size, descending=descending)
    else:
        page = group_page(
            account,
            flt.visibility,
            size + 1,
            order=_SORT_ORDERS[sort_by],
            after=None if mark is None else _position(sort_by, mark, descending),
            descending=descending,
        )
        page, more = page[:size], len(page) > size
    last_id = encode_cursor([key(page[-1]), page[-1]["id"]]) if page and more else ""
    sizes = _model_sizes(account, page)
    result = [attributes_item(p, sizes) for p in page]
    return {"result": result, "last_id": last_id, "total": total}


_SORT_ORDERS = {"id": "id", "sku": "sku", "offer_id": "offer_id", "title": "name"}


def _position(sort_by: str, mark: tuple[Any, ...], descending: bool) -> tuple[Any, int]:
    """The (value, id) a page sorted by `sort_by` starts after. By id the cursor holds the id twice;
    a cursor whose two ids differ is read as the comparison of pairs would read it."""
    value, product_id = mark[0], int(mark[1])
    if sort_by != "id":
        return value, product_id
    start = int(value)
    if (product_id < start) if not descending else (product_id > start):  # the pair (start, start) is in
        start += 1 if descending else -1
    return start, start


def _model_sizes(account: Account, page: list[ProductDoc]) -> dict[int, int]:
    """How many created products each model of the page has (found by model id in an index)."""
    sizes: dict[int, int] = {}
    for model_id in {int(p.get("model_id") or 0) for p in page} - {0}:
        same = account.store.find(account.client_id, PRODUCT, "model_id", model_id)
        sizes[model_id] = sum(1 for p in same if p["sku"])
    return sizes


@route("POST", "/v1/product/info/description")
def product_info_description(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """A product's name and description by product_id or offer_id (404 when not found)."""
    product_id = body.get("product_id")
    offer_id = body.get("offer_id")
    if product_id in (None, "", 0, "0") and offer_id in (None, ""):
        raise rejected("ProductInfoDescriptionRequest", "one of offer_id or product_id is required")
    if product_id not in (None, "", 0, "0"):
        product = get_product(account, int_id(product_id, "product_id"))
    else:
        product = find_by_offer(account, str(offer_id))
    if product is None:
        raise not_found("Product not found")
    return {
        "result": {
            "id": product["id"],
            "offer_id": product["offer_id"],
            "name": product["name"],
            "description": product.get("description") or "",
        }
    }
