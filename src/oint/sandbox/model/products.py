"""Products: the catalogue's documents, Ozon's product filter and pages of products.

A product is stored as one document (kind "product", key product_id) in a flat, internal
form, created by `new_product`, read and written through `get_product`, `find_by_offer`,
`find_by_sku`, `all_products` and `save_product`. The modules that answer with products
render it: `product_reads` (info, list, attributes, description), `pictures`, `prices`,
`stocks`, `promotions`, ... Four attributes are derived from the document rather than
stored in its `attributes` (`DERIVED_ATTRIBUTES`). The demo catalogue is seeded here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from oint.sandbox.demo import DEMO_CLIENT_ID
from oint.sandbox.errors import rejected
from oint.sandbox.model.base import Account, int_id
from oint.sandbox.model.common import amount, decode_cursor, encode_cursor, page_after, page_size

PRODUCT = "product"
MAX_IMAGES = 50  # /v1/product/pictures/import and /v3/product/import (facts §3.1, since 2026-09-08)

# attributes that come from the product document, not from its `attributes`
NAME_ATTRIBUTE = 4180  # the name
DESCRIPTION_ATTRIBUTE = 4191  # the annotation: the description
SELLER_CODE_ATTRIBUTE = 9024  # the offer_id
TYPE_ATTRIBUTE = 8229  # follows type_id
MODEL_NAME_ATTRIBUTE = 9048  # products of one type with the same model name share a model
DERIVED_ATTRIBUTES = frozenset({NAME_ATTRIBUTE, DESCRIPTION_ATTRIBUTE, SELLER_CODE_ATTRIBUTE, TYPE_ATTRIBUTE})


# ------------------------------------------------------------------ the document
class AttributeValue(TypedDict):
    dictionary_value_id: int  # 0 for free text
    value: str


class Attribute(TypedDict):
    """A characteristic of the product, as Ozon's import takes it (complex ones flattened, with
    their `complex_id`)."""

    id: int
    complex_id: int
    values: list[AttributeValue]


class _ProductFields(TypedDict):
    """What every product document has (`new_product` gives Ozon's defaults)."""

    id: int
    offer_id: str
    name: str
    description: str
    barcodes: list[str]
    description_category_id: int
    type_id: int
    price: str  # prices as the write API takes them: decimal text ("1300", "1299.5")
    old_price: str
    min_price: str  # "" when unset
    currency_code: str
    vat: str  # "0.2"
    height: int
    width: int
    depth: int
    dimension_unit: str  # mm, cm, in
    weight: int
    weight_unit: str  # g, kg, lb
    images: list[str]
    images360: list[str]
    color_image: str
    primary_image: str
    attributes: list[Attribute]  # without DERIVED_ATTRIBUTES, which come from the fields above
    complex_attributes: list[Attribute]
    pdf_list: list[Any]
    sku: int  # 0 until the product is created at Ozon
    is_archived: bool
    is_autoarchived: bool
    is_discounted: bool
    created_at: str  # Ozon's timestamps (Account.iso)
    updated_at: str
    status: str
    errors: list[dict[str, Any]]  # as /v3/product/info/list shows them (product_items.info_error)
    image_errors: list[dict[str, str]]  # {message, url} of pictures that failed


class ProductDoc(_ProductFields, total=False):
    """A product of the catalogue: one document of kind "product", key its id, declared here once.
    The fields below appear when the module that owns them sets them."""

    model_id: int  # product_import: products of one type and model name (9048) share one
    stocks_summary: list[dict[str, Any]]  # stocks: {present, reserved, sku, source} per source
    has_stock: bool  # stocks
    net_price: str  # prices
    auto_action_enabled: str  # prices: ENABLED / DISABLED
    price_strategy_enabled: str
    auto_add_to_ozon_actions_list_enabled: str
    min_price_for_auto_actions_enabled: bool
    has_discounted_fbo_item: bool  # prices: an FBO markdown of it exists
    discounted_fbo_stocks: int
    ozon_barcode: str  # barcodes: the one Ozon generated
    digital_codes: list[str]  # product_actions: activation codes (switched off 2025-07-01)
    digital_stock: int  # digital_stocks
    subscribers: int  # product_actions: else derived from the SKU
    is_kgt: bool  # bulky: only such products go to a KGT warehouse


PRODUCT_FIELDS = frozenset(_ProductFields.__annotations__) | frozenset(ProductDoc.__annotations__)


def set_fields(product: ProductDoc, fields: Mapping[str, Any]) -> None:
    """Set fields of a product document by name (KeyError for a name the document does not declare)."""
    unknown = sorted(set(fields) - PRODUCT_FIELDS)
    if unknown:
        raise KeyError(f"not fields of a product document: {', '.join(unknown)}")
    cast("dict[str, Any]", product).update(fields)


def new_product(account: Account, **fields: Any) -> ProductDoc:
    """A product document with Ozon's defaults; `fields` override them. Not saved."""
    pid = fields.pop("id", None) or account.next_id("product_id", 2900000001)
    stamp = account.iso()
    doc: ProductDoc = {
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
    set_fields(doc, fields)
    return doc


def get_product(account: Account, product_id: Any) -> ProductDoc | None:
    doc: ProductDoc | None = account.get(PRODUCT, product_id)
    return doc


def save_product(account: Account, doc: ProductDoc, *, touch: bool = True) -> None:
    if touch:
        doc["updated_at"] = account.iso()
    account.put(PRODUCT, doc["id"], doc)


def all_products(account: Account) -> list[ProductDoc]:
    return account.all(PRODUCT)


def find_by_offer(account: Account, offer_id: str) -> ProductDoc | None:
    found = account.store.find(account.client_id, PRODUCT, "offer_id", offer_id)
    return found[0] if found else None


def find_by_sku(account: Account, sku: int) -> ProductDoc | None:
    if not sku:
        return None
    found = account.store.find(account.client_id, PRODUCT, "sku", sku)
    return found[0] if found else None


def has_stock(p: ProductDoc, sources: Iterable[str] | None = None) -> bool:
    """Stock present in `stocks_summary` (entries per source: fbs, rfbs, fbo), of the given sources."""
    wanted = set(sources) if sources is not None else None
    for s in p.get("stocks_summary") or []:
        source = str(s.get("source") or s.get("type") or "fbs").lower()
        if (s.get("present") or 0) > 0 and (wanted is None or source in wanted):
            return True
    return False


def has_price(p: ProductDoc) -> bool:
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
        "BANNED",
        "AUTO_ARCHIVED",
        "MANUAL_ARCHIVED",
        "SEASONAL_AUTO_ARCHIVED",
        "VISIBLE_WITH_FBO_STOCK",
    }
)


# a product's visibility flags (`visibility_flags`): what Ozon's visibility groups are made of
ARCHIVED_FLAG = 1
CREATED_FLAG = 2  # has a SKU
FAILED_FLAG = 4  # has errors
STOCK_FLAG = 8  # stock present
PRICED_FLAG = 16
BARCODE_FLAG = 32
FBO_STOCK_FLAG = 64  # stock present on Ozon's (FBO) warehouses
ALL_FLAGS = 128  # flags are below this


def visibility_flags(p: ProductDoc) -> int:
    """The flags of a product that decide its visibility groups: the store keeps them as the
    document's tag (`Store.TAGGERS`), so that the groups are paged and counted from an index."""
    return (  # (read with get: any document of kind "product" is tagged when written)
        (ARCHIVED_FLAG if p.get("is_archived") else 0)
        | (CREATED_FLAG if p.get("sku") else 0)
        | (FAILED_FLAG if p.get("errors") else 0)
        | (STOCK_FLAG if has_stock(p) else 0)
        | (PRICED_FLAG if has_price(p) else 0)
        | (BARCODE_FLAG if p.get("barcodes") else 0)
        | (FBO_STOCK_FLAG if has_stock(p, ("fbo",)) else 0)
    )


def in_group(flags: int, visibility: str) -> bool:
    """Whether a product of these flags belongs to a visibility group of Ozon's product filters.

    ALL is every product but the archived ones (ARCHIVED lists those); "created" means the
    product has a SKU. Groups the sandbox has no state for (DISABLED, QUARANTINE,
    OVERPRICED, BANNED, AUTO_ARCHIVED, ...) are empty.
    """
    if visibility in ("ARCHIVED", "MANUAL_ARCHIVED"):  # the sandbox archives only when asked to
        return bool(flags & ARCHIVED_FLAG)
    if flags & ARCHIVED_FLAG:
        return False
    created, failed = bool(flags & CREATED_FLAG), bool(flags & FAILED_FLAG)
    stock, priced = bool(flags & STOCK_FLAG), bool(flags & PRICED_FLAG)
    barcodes = bool(flags & BARCODE_FLAG)
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
        "EMPTY_BARCODE": not barcodes,
        "BARCODE_EXISTS": barcodes,
        "VISIBLE_WITH_FBO_STOCK": created and priced and bool(flags & FBO_STOCK_FLAG),
    }
    return groups.get(visibility, False)


@functools.cache
def group_flags(visibility: str) -> tuple[int, ...]:
    """Every combination of flags whose products belong to a visibility group."""
    return tuple(flags for flags in range(ALL_FLAGS) if in_group(flags, visibility))


def visible(p: ProductDoc, visibility: str) -> bool:
    """Whether a product belongs to a visibility group of Ozon's product filters (`in_group`)."""
    return in_group(visibility_flags(p), visibility)


def count_group(account: Account, visibility: str) -> int:
    """How many products of the account belong to a visibility group (from the counts per tag)."""
    return account.store.tagged_count(account.client_id, PRODUCT, group_flags(visibility))


def group_page(
    account: Account,
    visibility: str,
    limit: int,
    *,
    order: str = "id",
    after: tuple[Any, int] | None = None,
    descending: bool = False,
) -> list[ProductDoc]:
    """Products of a visibility group, at most `limit`, by product id or by a field
    (offer_id, sku, name) then id, after the position `after` ((value, id)): read in the order of
    an index, whatever the size of the catalogue."""
    found: list[ProductDoc] = account.store.tagged_page(
        account.client_id,
        PRODUCT,
        group_flags(visibility),
        limit,
        order=order,
        after=after,
        descending=descending,
    )
    return found


# For the web view's catalogue search: visibility groups of `visible` as tests on the document's
# fields that the store runs in SQL (`Store.search`); "EVERY" (not Ozon's) is every product, archived too
SEARCH_VISIBILITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "EVERY": (),
    "ALL": (("is_archived", "false"),),
    "VISIBLE": (("is_archived", "false"), ("sku", "true"), ("price", "positive")),
    "IN_SALE": (("is_archived", "false"), ("sku", "true"), ("has_stock", "true")),
    "EMPTY_STOCK": (("is_archived", "false"), ("has_stock", "false")),
    "MODERATED": (("is_archived", "false"), ("sku", "true")),
    "NOT_MODERATED": (("is_archived", "false"), ("sku", "false")),
    "VALIDATION_STATE_FAIL": (("is_archived", "false"), ("errors", "filled")),
    "EMPTY_BARCODE": (("is_archived", "false"), ("barcodes", "unfilled")),
    "BARCODE_EXISTS": (("is_archived", "false"), ("barcodes", "filled")),
    "ARCHIVED": (("is_archived", "true"),),
}
SEARCH_STOCK = {"": (), "present": (("has_stock", "true"),), "none": (("has_stock", "false"),)}
SEARCH_FIELDS = ("offer_id", "name", "sku")


def search_products(
    account: Account,
    text: str = "",
    visibility: str = "EVERY",
    stock: str = "",
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[ProductDoc], int]:
    """For the web view: products whose offer id, name or SKU holds `text` (case-insensitive), of a
    visibility group (`SEARCH_VISIBILITIES`, the groups of `visible` the store can test) and with
    or without stock present (`SEARCH_STOCK`: "present", "none", "" for either), in insertion
    order: `limit` of them from `offset`, and how many match. Searched in SQL, never read whole;
    the whole catalogue is paged without a scan. KeyError for an unknown group or stock choice."""
    tests = (*SEARCH_VISIBILITIES[visibility], *SEARCH_STOCK[stock])
    store, client = account.store, account.client_id
    if not text.strip() and not tests:
        return store.page(client, PRODUCT, offset, limit), store.count(client, PRODUCT)
    docs, total = store.search(
        client, PRODUCT, text=text, text_fields=SEARCH_FIELDS, tests=tests, offset=offset, limit=limit
    )
    return docs, total


def volume_weight(p: ProductDoc) -> float:
    factor = {"mm": 0.1, "cm": 1.0, "in": 2.54}.get(p.get("dimension_unit", "mm"), 0.1)
    litres = (p["height"] * factor) * (p["width"] * factor) * (p["depth"] * factor) / 1000
    return round(litres / 5, 1) if litres else 0.0


# ------------------------------------------------------------------ the product filter, product pages
MAX_FILTER_IDS = 1000  # identifiers of one kind in a product filter
MAX_PAGE = 1000  # `limit` of the product lists paged by product id


def _filled(value: Any) -> list[Any]:
    """An identifier list without its empty entries ("" comes from OInt's empty filter template)."""
    values = value if isinstance(value, list) else [value]
    return [v for v in values if v not in (None, "", 0)]


def _by_id(p: ProductDoc) -> int:
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

    def select(self, account: Account) -> list[ProductDoc]:
        """The matching products of the account, by product id (a whole visibility group is read
        whole: page it with `page`)."""
        if not self.by_identifiers:
            return group_page(account, self.visibility, -1)
        found: dict[int, ProductDoc] = {}
        for p in (
            *(get_product(account, i) for i in self.product_ids),
            *(find_by_offer(account, o) for o in self.offer_ids),
            *(find_by_sku(account, s) for s in self.skus),
        ):
            if p is not None:
                found.setdefault(p["id"], p)
        return sorted(found.values(), key=_by_id)

    def page(self, account: Account, after: int, limit: int) -> tuple[list[ProductDoc], bool, int]:
        """The matching products with ids above `after` (at most `limit`), whether more follow, and
        how many match in all. A visibility group is paged from an index and counted per tag, never read."""
        if not self.by_identifiers:
            found = group_page(account, self.visibility, limit + 1, after=(after, after))
            return found[:limit], len(found) > limit, count_group(account, self.visibility)
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
    values = decode_cursor(text, (int,))
    if values is None:
        raise rejected(f"{request}.Cursor", "value is not a valid cursor")
    return int(values[-1])


def product_page(account: Account, body: dict[str, Any], request: str) -> tuple[list[ProductDoc], str, int]:
    """Products selected by the (required) `filter`, one page of `limit` (1..1000) after the cursor
    (`cursor`, or OInt's `last_id` as an alias), ordered by product id: /v4/product/info/stocks and
    /v5/product/info/prices. Returns (the page, the next page's cursor or "" at the end, total)."""
    flt = ProductFilter.parse(body, request, required=True)
    limit = page_size(body, request, MAX_PAGE)
    cursor = body.get("cursor") or body.get("last_id") or ""
    after = after_product(str(cursor), request) if cursor else 0
    page, more, total = flt.page(account, after, limit)
    return page, product_cursor(int(page[-1]["id"])) if more else "", total


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

    for fields in DEMO_PRODUCTS:
        fields = dict(fields)
        if account.client_id != DEMO_CLIENT_ID:
            fields.pop("id")
            fields["sku"] = account.next_id("sku", 1700000001) if fields["sku"] else 0
        save_product(account, new_product(account, **fields), touch=False)
