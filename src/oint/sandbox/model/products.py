"""Products: the catalogue documents, product info, and pictures.

A product is stored as one document (kind "product", key product_id) in a flat,
internal form; `info_item` renders it the way `/v3/product/info/list` answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from oint.sandbox.errors import not_found, rejected, rejected_request
from oint.sandbox.model.base import Account, id_list, int_id, route, str_list
from oint.sandbox.model.common import amount, decode_cursor, encode_cursor, page_after, page_size

PRODUCT = "product"
MAX_IMAGES = 50  # /v1/product/pictures/import and /v3/product/import (facts §3.1, since 2026-09-08)
MAX_IMAGES_360 = 70
_URL = re.compile(r"^https?://[^\s/]+\S*$", re.I)
_IMAGE_EXT = re.compile(r"\.(jpe?g|png)$", re.I)
PICTURES = "ProductImportPicturesRequest"


# ------------------------------------------------------------------ documents
def new_product(account: Account, **fields: Any) -> dict[str, Any]:
    """A product document with Ozon's defaults; `fields` override them. Not saved."""
    pid = fields.pop("id", None) or account.next_id("product_id", 2900000001)
    stamp = account.iso()
    doc: dict[str, Any] = {
        "id": pid,
        "offer_id": str(pid),
        "name": "",
        "description": "",
        "barcodes": [],
        "description_category_id": 0,
        "type_id": 0,
        "price": "0",
        "old_price": "0",
        "min_price": "",
        "currency_code": "RUB",
        "vat": "0",
        "height": 0,
        "width": 0,
        "depth": 0,
        "dimension_unit": "mm",
        "weight": 0,
        "weight_unit": "g",
        "images": [],
        "images360": [],
        "color_image": "",
        "primary_image": "",
        "attributes": [],
        "complex_attributes": [],
        "pdf_list": [],
        "sku": 0,
        "is_archived": False,
        "is_autoarchived": False,
        "is_discounted": False,
        "created_at": stamp,
        "updated_at": stamp,
        "status": "imported",
        "errors": [],
        "image_errors": [],
    }
    doc.update(fields)
    return doc


def get_product(account: Account, product_id: Any) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = account.get(PRODUCT, product_id)
    return doc


def save_product(account: Account, doc: dict[str, Any], *, touch: bool = True) -> None:
    if touch:
        doc["updated_at"] = account.iso()
    account.put(PRODUCT, doc["id"], doc)


def all_products(account: Account) -> list[dict[str, Any]]:
    return account.all(PRODUCT)


def find_by_offer(account: Account, offer_id: str) -> dict[str, Any] | None:
    found = account.store.find(account.client_id, PRODUCT, "offer_id", offer_id)
    return found[0] if found else None


def find_by_sku(account: Account, sku: int) -> dict[str, Any] | None:
    if not sku:
        return None
    found = account.store.find(account.client_id, PRODUCT, "sku", sku)
    return found[0] if found else None


def has_stock(p: dict[str, Any], sources: Iterable[str] | None = None) -> bool:
    """Stock present in `stocks_summary` (entries per source: fbs, rfbs, fbo), of the given sources."""
    wanted = set(sources) if sources is not None else None
    for s in p.get("stocks_summary") or []:
        source = str(s.get("source") or s.get("type") or "fbs").lower()
        if (s.get("present") or 0) > 0 and (wanted is None or source in wanted):
            return True
    return False


def has_price(p: dict[str, Any]) -> bool:
    return amount(p.get("price")) > 0


# Ozon's visibility values of product filters (list, attributes, stocks, prices)
VISIBILITIES = frozenset(
    {
        "ALL",
        "VISIBLE",
        "INVISIBLE",
        "EMPTY_STOCK",
        "NOT_MODERATED",
        "MODERATED",
        "DISABLED",
        "STATE_FAILED",
        "READY_TO_SUPPLY",
        "VALIDATION_STATE_PENDING",
        "VALIDATION_STATE_FAIL",
        "VALIDATION_STATE_SUCCESS",
        "TO_SUPPLY",
        "IN_SALE",
        "REMOVED_FROM_SALE",
        "OVERPRICED",
        "CRITICALLY_OVERPRICED",
        "EMPTY_BARCODE",
        "BARCODE_EXISTS",
        "QUARANTINE",
        "ARCHIVED",
        "OVERPRICED_WITH_STOCK",
        "PARTIAL_APPROVED",
    }
)


def visible(p: dict[str, Any], visibility: str) -> bool:
    """Whether a product belongs to a visibility group of Ozon's product filters.

    ALL is every product but the archived ones (ARCHIVED lists those); "created" means the
    product has a SKU. Groups the sandbox has no state for (DISABLED, QUARANTINE,
    OVERPRICED, ...) are empty.
    """
    if visibility == "ARCHIVED":
        return bool(p["is_archived"])
    if p["is_archived"]:
        return False
    created, failed, stock, priced = bool(p["sku"]), bool(p.get("errors")), has_stock(p), has_price(p)
    groups: dict[str, bool] = {
        "ALL": True,
        "VISIBLE": created and priced,
        "INVISIBLE": not (created and priced),
        "EMPTY_STOCK": not stock,
        "IN_SALE": created and stock,
        "READY_TO_SUPPLY": created and not stock,
        "TO_SUPPLY": created and not stock,
        "NOT_MODERATED": not created,
        "MODERATED": created,
        "STATE_FAILED": not created,
        "VALIDATION_STATE_PENDING": not created and not failed,
        "VALIDATION_STATE_FAIL": failed,
        "VALIDATION_STATE_SUCCESS": created,
        "EMPTY_BARCODE": not p["barcodes"],
        "BARCODE_EXISTS": bool(p["barcodes"]),
    }
    return groups.get(visibility, False)


# ------------------------------------------------------------------ the product filter, product pages
MAX_FILTER_IDS = 1000  # identifiers of one kind in a product filter
MAX_PAGE = 1000  # `limit` of the product lists paged by product id


def _filled(value: Any) -> list[Any]:
    """An identifier list without its empty entries ("" comes from OInt's empty filter template)."""
    values = value if isinstance(value, list) else [value]
    return [v for v in values if v not in (None, "", 0)]


def _by_id(p: dict[str, Any]) -> int:
    return int(p["id"])


@dataclass(frozen=True)
class ProductFilter:
    """Ozon's product filter, `filter` {offer_id[], product_id[], sku[], visibility} of
    `/v3/product/list`, `/v4/product/info/attributes`, `/v4/product/info/stocks` and
    `/v5/product/info/prices`: identifiers select products whatever their visibility; without
    them, the visibility group (ALL: every product but the archived ones, see `visible`)."""

    offer_ids: tuple[str, ...] = ()
    product_ids: tuple[int, ...] = ()
    skus: tuple[int, ...] = ()
    visibility: str = "ALL"

    @classmethod
    def parse(
        cls, body: dict[str, Any], request: str, *, required: bool = False, with_sku: bool = False
    ) -> ProductFilter:
        """The filter of a request (400 naming `request` when it is malformed)."""
        raw = body.get("filter")
        if raw is None and required:
            raise rejected(f"{request}.Filter", "value is required")
        raw = {} if raw is None else raw
        if not isinstance(raw, dict):
            raise rejected(f"{request}.Filter", "value must be an object")

        def listed(field: str, name: str) -> list[Any]:
            values = _filled(raw.get(field))
            if len(values) > MAX_FILTER_IDS:
                raise rejected(
                    f"{request}.Filter.{name}", f"value must contain at most {MAX_FILTER_IDS} item(s)"
                )
            return values

        offers = tuple(dict.fromkeys(str(v) for v in listed("offer_id", "OfferId")))
        ids = tuple(dict.fromkeys(int_id(v, "filter.product_id") for v in listed("product_id", "ProductId")))
        skus = tuple(dict.fromkeys(int_id(v, "filter.sku") for v in listed("sku", "Sku"))) if with_sku else ()
        visibility = raw.get("visibility") or "ALL"
        if not isinstance(visibility, str) or visibility.upper() not in VISIBILITIES:
            raise rejected(f"{request}.Filter.Visibility", "value must be one of the defined enum values")
        return cls(offers, ids, skus, visibility.upper())

    @property
    def by_identifiers(self) -> bool:
        return bool(self.offer_ids or self.product_ids or self.skus)

    def select(self, account: Account) -> list[dict[str, Any]]:
        """The matching products of the account, by product id."""
        if not self.by_identifiers:
            return sorted((p for p in all_products(account) if visible(p, self.visibility)), key=_by_id)
        found: dict[int, dict[str, Any]] = {}
        for p in (
            *(get_product(account, i) for i in self.product_ids),
            *(find_by_offer(account, o) for o in self.offer_ids),
            *(find_by_sku(account, s) for s in self.skus),
        ):
            if p is not None:
                found.setdefault(p["id"], p)
        return sorted(found.values(), key=_by_id)

    def page(self, account: Account, after: int, limit: int) -> tuple[list[dict[str, Any]], bool, int]:
        """The matching products with ids above `after` (at most `limit`), whether more follow, and
        how many match in all. The whole catalogue (ALL) is paged in SQL, never read whole."""
        if not self.by_identifiers and self.visibility == "ALL":
            found, total = account.store.unarchived_page(account.client_id, PRODUCT, after, limit + 1)
            return found[:limit], len(found) > limit, total
        matching = self.select(account)
        page, more = page_after(matching, _by_id, after, limit)
        return page, more, len(matching)


def product_cursor(product_id: int) -> str:
    """The cursor of a page that ends with `product_id` ("WzExMTE1ODgxOTJd" for 1111588192)."""
    return encode_cursor([product_id])


def after_product(text: str, request: str) -> int:
    """The product id a cursor of `product_cursor` points after; plain digits are taken as that id."""
    if text.isdigit():
        return int(text)
    values = decode_cursor(text)
    if values is None or not isinstance(values[-1], int):
        raise rejected(f"{request}.Cursor", "value is not a valid cursor")
    return int(values[-1])


def product_page(
    account: Account, body: dict[str, Any], request: str
) -> tuple[list[dict[str, Any]], str, int]:
    """Products selected by the (required) `filter`, one page of `limit` (1..1000) after the cursor
    (`cursor`, or OInt's `last_id` as an alias), ordered by product id: /v4/product/info/stocks and
    /v5/product/info/prices. Returns (the page, the next page's cursor or "" at the end, total)."""
    flt = ProductFilter.parse(body, request, required=True)
    limit = page_size(body, request, MAX_PAGE)
    cursor = body.get("cursor") or body.get("last_id") or ""
    after = after_product(str(cursor), request) if cursor else 0
    page, more, total = flt.page(account, after, limit)
    return page, product_cursor(int(page[-1]["id"])) if more else "", total


def _money(value: Any) -> str:
    """Prices as Ozon prints them in product info: "1300.00"; "" when unset."""
    if value in (None, ""):
        return ""
    try:
        return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return str(value)


def volume_weight(p: dict[str, Any]) -> float:
    factor = {"mm": 0.1, "cm": 1.0, "in": 2.54}.get(p.get("dimension_unit", "mm"), 0.1)
    litres = (p["height"] * factor) * (p["width"] * factor) * (p["depth"] * factor) / 1000
    return round(litres / 5, 1) if litres else 0.0


def statuses(p: dict[str, Any]) -> dict[str, Any]:
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


def info_item(p: dict[str, Any]) -> dict[str, Any]:
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
        "declared_price": "",
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


# ------------------------------------------------------------------ routes
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


@route("POST", "/v1/product/pictures/import")
def pictures_import(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Replace all pictures of a product: the first image becomes the primary one.

    The answer is preliminary: every picture is `imported`; `/v2/product/pictures/info`
    and `/v3/product/info/list` show the processed result.
    """
    if body.get("product_id") in (None, "", 0):
        raise rejected(f"{PICTURES}.ProductId", "value must be greater than 0")
    product_id = int_id(body["product_id"], "product_id")
    images = str_list(body, "images")
    images360 = str_list(body, "images360")
    color = body.get("color_image") or ""
    if not isinstance(color, str):
        raise rejected(f"{PICTURES}.ColorImage", "value must be a string")
    if len(images) > MAX_IMAGES:
        raise rejected(f"{PICTURES}.Images", f"value must contain at most {MAX_IMAGES} item(s)")
    if len(images360) > MAX_IMAGES_360:
        raise rejected(f"{PICTURES}.Images360", f"value must contain at most {MAX_IMAGES_360} item(s)")
    for field, urls in (("Images", images), ("Images360", images360)):
        for i, url in enumerate(urls):
            if not _URL.match(url):
                raise rejected(f"{PICTURES}.{field}[{i}]", "value must be a valid URI")
    product = get_product(account, product_id)
    if product is None:
        raise not_found(f"product {product_id} not found")

    product["images"] = images
    product["images360"] = images360
    product["color_image"] = color
    product["image_errors"] = [
        {"message": "image format is not supported: use JPG or PNG", "url": u}
        for u in images
        if not _IMAGE_EXT.search(u.split("?", 1)[0])
    ] + [
        {"message": "360 image format is not supported: use JPG", "url": u}
        for u in images360
        if not re.search(r"\.jpe?g$", u.split("?", 1)[0], re.I)
    ]
    save_product(account, product)

    def picture(
        url: str, primary: bool = False, is_360: bool = False, is_color: bool = False
    ) -> dict[str, Any]:
        return {
            "product_id": product_id,
            "url": url,
            "state": "imported",
            "is_primary": primary,
            "is_360": is_360,
            "is_color": is_color,
        }

    pictures = [picture(u, primary=(i == 0)) for i, u in enumerate(images)]
    pictures += [picture(u, is_360=True) for u in images360]
    if color:
        pictures.append(picture(color, is_color=True))
    return {"result": {"pictures": pictures}}


@route("POST", "/v2/product/pictures/info")
def pictures_info(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The processed pictures of products (up to 1000 ids); unknown ids are left out."""
    ids = id_list(body, "product_id", max_items=1000)
    items = []
    for pid in ids:
        p = get_product(account, pid)
        if p is None:
            continue
        failed = {e["url"] for e in p.get("image_errors", [])}
        items.append(
            {
                "product_id": pid,
                "primary_photo": [p["primary_image"]] if p["primary_image"] else [],
                "photo": [u for u in p["images"] if u not in failed],
                "color_photo": [p["color_image"]] if p["color_image"] else [],
                "photo_360": [u for u in p["images360"] if u not in failed],
                "errors": list(p.get("image_errors", [])),
            }
        )
    return {"items": items}


# ------------------------------------------------------------------ demo data
DEMO_PRODUCTS: tuple[dict[str, Any], ...] = (
    {
        "id": 1111588191,
        "offer_id": "143210609",
        "sku": 1626044001,
        "name": "Комплект защитных плёнок для X3 NFC. Темный хлопок",
        "description": "Набор из двух защитных плёнок для смартфона X3 NFC.",
        "description_category_id": 17028922,
        "type_id": 91565,
        "barcodes": ["112772873170"],
        "price": "1300",
        "old_price": "1500",
        "vat": "0.1",
        "height": 250,
        "width": 150,
        "depth": 10,
        "weight": 100,
        "images": ["https://openintegrations.dev/test_data/picture.jpg"],
    },
    {
        "id": 1111588192,
        "offer_id": "1432106010",
        "sku": 1626044002,
        "name": "Комплект защитных плёнок для X3 NFC. Светлый хлопок",
        "description_category_id": 17028922,
        "type_id": 91565,
        "barcodes": ["112772873187"],
        "price": "1300",
        "old_price": "1500",
        "vat": "0.1",
        "height": 250,
        "width": 150,
        "depth": 10,
        "weight": 100,
    },
    {
        "id": 1111588193,
        "offer_id": "91132",
        "sku": 1626044003,
        "name": "Чехол-книжка для смартфона, чёрный",
        "description_category_id": 17028922,
        "type_id": 91565,
        "price": "890",
        "old_price": "0",
        "vat": "0.2",
        "height": 180,
        "width": 95,
        "depth": 20,
        "weight": 120,
    },
    {
        "id": 1111588194,
        "offer_id": "ARCH-001",
        "sku": 1626044004,
        "name": "Стойка для акустической системы",
        "description_category_id": 17028922,
        "type_id": 91565,
        "price": "2500",
        "old_price": "0",
        "vat": "0.2",
        "is_archived": True,
        "height": 900,
        "width": 300,
        "depth": 300,
        "weight": 4200,
    },
    {
        "id": 1111588195,
        "offer_id": "DRAFT-001",
        "sku": 0,
        "name": "Защитное стекло для X3 NFC (черновик)",
        "description_category_id": 17028922,
        "type_id": 91565,
        "price": "450",
        "old_price": "0",
        "vat": "0.2",
        "height": 200,
        "width": 100,
        "depth": 5,
        "weight": 30,
    },
)


def seed(account: Account) -> None:
    """The demo catalogue. Products get fresh ids outside the demo account."""
    from oint.sandbox.demo import DEMO_CLIENT_ID

    for fields in DEMO_PRODUCTS:
        fields = dict(fields)
        if account.client_id != DEMO_CLIENT_ID:
            fields.pop("id")
            fields["sku"] = account.next_id("sku", 1700000001) if fields["sku"] else 0
        save_product(account, new_product(account, **fields), touch=False)
