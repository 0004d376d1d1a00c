"""Product actions: renaming offer_ids, archiving, deleting drafts, digital activation codes,
subscriber counts, related SKUs and the content rating.

Products are the documents of `model/products.py`; this module changes their `offer_id`,
`is_archived` / `is_autoarchived` and `digital_codes`, and deletes them. Its own documents:
digital-codes tasks, the per-minute log of renamed offer_ids and the daily count of restored
auto-archived products.

Choices where Ozon's behaviour is not documented (facts §1, §2.3, §8):
- archive / unarchive: ids that are not the account's products answer 404 (code 5) and nothing
  changes. Ozon wants zero stocks before archiving: a product whose `stocks_summary` still shows
  stock on the seller's own warehouses (fbs/rfbs `present - reserved` > 0) makes the request
  answer 400 (code 9, FAILED_PRECONDITION) and nothing is archived; FBO stock and reserved units
  do not block (the seller cannot zero them).
- unarchive: restoring automatically archived products is limited to
  `AUTO_ARCHIVE_RESTORES_PER_DAY` a day (Ozon's error table says 100; another page says 10),
  counted per UTC day (the limit resets at 03:00 Moscow time = 00:00 UTC); over it the whole
  request answers 400 (code 9) "restore limit exceeded" and nothing changes.
- offer-id renames: pairs are applied in request order; the per-minute item limit counts every
  pair sent and answers 429 like Ozon's example (code "RESOURCE_EXHAUSTED", Retry-After,
  Item-Retry-After in minutes, Item-Rate-Limit-Remaining).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from oint.sandbox.errors import items_rate_limited, not_found, precondition, rejected, rejected_item
from oint.sandbox.model.base import Account, id_list, int_id, route
from oint.sandbox.model.products import (
    DESCRIPTION_ATTRIBUTE,
    NAME_ATTRIBUTE,
    PRODUCT,
    SELLER_CODE_ATTRIBUTE,
    ProductDoc,
    find_by_offer,
    find_by_sku,
    get_product,
    save_product,
)

MAX_OFFER_ID_PAIRS = 25  # /v1/product/update/offer-id (S-EN26 maxItems=25)
MAX_OFFER_ID_LENGTH = 50
OFFER_ID_ITEMS_PER_MINUTE = 100  # Ozon's per-minute item limit; the real number is per account
MAX_ARCHIVE_IDS = 100  # /v1/product/archive and /v1/product/unarchive
AUTO_ARCHIVE_RESTORES_PER_DAY = 100  # facts §1.3 (official error table); §2.3 notes a "10" elsewhere
MAX_DELETE_ITEMS = 500  # /v2/products/delete
MAX_RELATED_SKUS = 200  # /v1/product/related-sku/get
DIGITAL_CODES_PENDING_SECONDS = 0.5  # a codes task stays `pending` this long after the upload

RENAME_LOG = "offer_id_rename_log"
RESTORE_COUNT = "autoarchive_restores"
CODES_TASK = "digital_codes_task"


# ------------------------------------------------------------------ request helpers
def _item_list(body: dict[str, Any], field: str, request: str, field_name: str, max_items: int) -> list[Any]:
    """A required array of 1..max_items items, with protoc-gen-validate's wording."""
    value = body.get(field)
    if not isinstance(value, list) or not 1 <= len(value) <= max_items:
        raise rejected(
            f"{request}.{field_name}", f"value must contain between 1 and {max_items} items, inclusive"
        )
    return value


def _string_field(
    item: Any,
    index: int,
    field: str,
    *,
    request: str,
    list_name: str,
    message: str,
    field_name: str,
    max_length: int | None = None,
) -> str:
    """A required non-empty string field of one item of a request array."""
    where, inner = f"{request}.{list_name}[{index}]", f"{message}.{field_name}"
    if not isinstance(item, dict):
        raise rejected(where, "value must be an object")
    value = item.get(field)
    if value is None or value == "":
        raise rejected_item(where, inner, "value length must be at least 1 runes")
    if not isinstance(value, str):
        raise rejected_item(where, inner, "value must be a string")
    if max_length is not None and len(value) > max_length:
        raise rejected_item(where, inner, f"value length must be between 1 and {max_length} runes, inclusive")
    return value


SELLER_STOCK_SOURCES = ("fbs", "rfbs")


def _seller_stock(product: ProductDoc) -> int:
    """Stock the seller still offers on own warehouses: `present - reserved` of the fbs/rfbs
    entries of `stocks_summary` (FBO stock and reserved units cannot be zeroed by the seller)."""
    total = 0
    for entry in product.get("stocks_summary") or []:
        if entry.get("source", entry.get("type", "fbs")) in SELLER_STOCK_SOURCES:
            total += max(0, (entry.get("present") or 0) - (entry.get("reserved") or 0))
    return total


def _products_by_ids(account: Account, body: dict[str, Any]) -> list[ProductDoc]:
    """The account's products for `product_id` (1..100 ids); 404 when any id is unknown."""
    ids = id_list(body, "product_id", max_items=MAX_ARCHIVE_IDS)
    products: dict[int, ProductDoc] = {}
    missing: list[str] = []
    for pid in ids:
        product = get_product(account, pid)
        if product is None:
            missing.append(str(pid))
        else:
            products[pid] = product
    if missing:
        raise not_found(f"products not found: {', '.join(missing)}")
    return list(products.values())


# ------------------------------------------------------------------ offer_id renames
def _take_rename_quota(account: Account, items: int) -> None:
    """Count `items` renamed offer_ids against the per-minute limit, or answer 429."""
    log = account.get(RENAME_LOG, "recent") or {"at": []}
    recent = sorted(t for t in log["at"] if t > account.now - 60)
    if len(recent) + items > OFFER_ID_ITEMS_PER_MINUTE:
        remaining = max(0, OFFER_ID_ITEMS_PER_MINUTE - len(recent))
        frees_at = recent[len(recent) + items - OFFER_ID_ITEMS_PER_MINUTE - 1] + 60
        seconds = max(1, math.ceil(frees_at - account.now))
        raise items_rate_limited(seconds, remaining)
    account.put(RENAME_LOG, "recent", {"at": recent + [account.now] * items})


@route("POST", "/v1/product/update/offer-id")
def update_offer_id(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Rename offer_ids, pair by pair in request order; conflicts are reported per pair."""
    request, message = "ProductUpdateOfferIdRequest", "ProductUpdateOfferIdRequest_UpdateOfferId"
    items = _item_list(body, "update_offer_id", request, "UpdateOfferId", MAX_OFFER_ID_PAIRS)
    pairs = [
        (
            _string_field(
                item,
                i,
                "offer_id",
                request=request,
                list_name="UpdateOfferId",
                message=message,
                field_name="OfferId",
            ),
            _string_field(
                item,
                i,
                "new_offer_id",
                request=request,
                list_name="UpdateOfferId",
                message=message,
                field_name="NewOfferId",
                max_length=MAX_OFFER_ID_LENGTH,
            ),
        )
        for i, item in enumerate(items)
    ]
    _take_rename_quota(account, len(pairs))
    errors: list[dict[str, str]] = []
    for offer_id, new_offer_id in pairs:
        product = find_by_offer(account, offer_id)
        if product is None:
            errors.append(
                {"offer_id": offer_id, "message": f'Product with the "{offer_id}" identifier not found.'}
            )
            continue
        if new_offer_id == offer_id:
            continue
        if find_by_offer(account, new_offer_id) is not None:
            errors.append(
                {
                    "offer_id": offer_id,
                    "message": f'Product with the "{new_offer_id}" identifier already exists.',
                }
            )
            continue
        product["offer_id"] = new_offer_id
        save_product(account, product)
    return {"errors": errors}


# ------------------------------------------------------------------ archive
@route("POST", "/v1/product/archive")
def archive(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Archive products (manually). Products with seller stock are refused: zero the stocks first."""
    products = _products_by_ids(account, body)
    stocked = [str(p["id"]) for p in products if not p["is_archived"] and _seller_stock(p) > 0]
    if stocked:
        raise precondition(f"products have stocks, set zero stocks before archiving: {', '.join(stocked)}")
    for product in products:
        if not product["is_archived"]:
            product["is_archived"] = True
            product["is_autoarchived"] = False
            save_product(account, product)
    return {"result": True}


def _restore_day(account: Account) -> str:
    """The current restore-limit day: it starts at 03:00 Moscow time, i.e. 00:00 UTC."""
    return dt.datetime.fromtimestamp(account.now, dt.timezone.utc).strftime("%Y-%m-%d")


@route("POST", "/v1/product/unarchive")
def unarchive(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Restore archived products; automatically archived ones count against a daily limit."""
    products = _products_by_ids(account, body)
    auto = sum(1 for p in products if p["is_archived"] and p["is_autoarchived"])
    if auto:
        day = _restore_day(account)
        used = (account.get(RESTORE_COUNT, day) or {"count": 0})["count"]
        if used + auto > AUTO_ARCHIVE_RESTORES_PER_DAY:
            raise precondition("restore limit exceeded")
        account.put(RESTORE_COUNT, day, {"count": used + auto})
    for product in products:
        if product["is_archived"]:
            product["is_archived"] = False
            product["is_autoarchived"] = False
            save_product(account, product)
    return {"result": True}


# ------------------------------------------------------------------ delete
@route("POST", "/v2/products/delete")
def delete_products(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Delete archived products without SKU by offer_id; a status (and error text) per item."""
    request = "ProductsDeleteRequest"
    items = _item_list(body, "products", request, "Products", MAX_DELETE_ITEMS)
    offer_ids = [
        _string_field(
            item,
            i,
            "offer_id",
            request=request,
            list_name="Products",
            message="ProductsDeleteRequest_Product",
            field_name="OfferId",
        )
        for i, item in enumerate(items)
    ]
    status = []
    for offer_id in offer_ids:
        product = find_by_offer(account, offer_id)
        if product is None:
            error = "product not found"
        elif product["sku"]:
            error = "product has sku"
        elif not product["is_archived"]:
            error = "product is not archived"
        else:
            account.delete(PRODUCT, product["id"])
            error = ""
        status.append({"offer_id": offer_id, "is_deleted": not error, "error": error})
    return {"status": status}


# ------------------------------------------------------------------ digital codes (retired 2025-07-01)
@route("POST", "/v1/product/upload_digital_codes")
def upload_digital_codes(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Accept activation codes of a product as a task: `pending` for a moment, then `imported`,
    or `failed` when the product is unknown or a code is blank or repeated (in the request or
    among the product's codes)."""
    if body.get("product_id") in (None, "", 0):
        raise rejected("UploadDigitalCodesRequest.ProductId", "value must be greater than 0")
    product_id = int_id(body["product_id"], "product_id")
    codes = body.get("digital_codes")
    if not isinstance(codes, list) or not codes:
        raise rejected("UploadDigitalCodesRequest.DigitalCodes", "value must contain at least 1 item(s)")
    if not all(isinstance(c, str) for c in codes):
        raise rejected("UploadDigitalCodesRequest.DigitalCodes", "value must be an array of strings")

    product = get_product(account, product_id)
    known = set(product.get("digital_codes", [])) if product is not None else set()
    failed = (
        product is None
        or any(not c.strip() for c in codes)
        or len(set(codes)) != len(codes)
        or any(c in known for c in codes)
    )
    if product is not None and not failed:
        product["digital_codes"] = [*product.get("digital_codes", []), *codes]
        save_product(account, product)
    task_id = account.next_id("digital_codes_task", 3300000001)
    account.put(
        CODES_TASK,
        task_id,
        {
            "task_id": task_id,
            "product_id": product_id,
            "codes": len(codes),
            "ready_at": account.now + DIGITAL_CODES_PENDING_SECONDS,
            "outcome": "failed" if failed else "imported",
        },
    )
    return {"result": {"task_id": task_id}}


@route("POST", "/v1/product/upload_digital_codes/info")
def digital_codes_info(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The status of a codes task: pending, imported or failed."""
    if body.get("task_id") in (None, "", 0, "0"):
        raise rejected("GetUploadDigitalCodesInfoRequest.TaskId", "value must be greater than 0")
    task_id = int_id(body["task_id"], "task_id")
    task = account.get(CODES_TASK, task_id)
    if task is None:
        raise not_found(f"task {task_id} not found")
    status = "pending" if account.now < task["ready_at"] else task["outcome"]
    return {"result": {"status": status}}


# ------------------------------------------------------------------ subscribers, related SKUs
def subscribers(product: ProductDoc) -> int:
    """Users waiting for a product: the document's `subscribers`, else a stable number from its SKU."""
    count = product.get("subscribers")
    return int(count) if count is not None else product["sku"] % 1000 % 50


@route("POST", "/v1/product/info/subscription")
def subscription(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Subscriber count per requested SKU (0 for SKUs that are not the account's)."""
    result = []
    for sku in id_list(body, "skus"):
        product = find_by_sku(account, sku)
        result.append({"sku": sku, "count": subscribers(product) if product is not None else 0})
    return {"result": result}


@route("POST", "/v1/product/related-sku/get")
def related_sku(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The unified SKU of each requested SKU; archived products are HIDDEN; unknown SKUs in errors."""
    items: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen: set[int] = set()
    for sku in id_list(body, "sku", max_items=MAX_RELATED_SKUS):
        if sku in seen:
            continue
        seen.add(sku)
        product = find_by_sku(account, sku)
        if product is None:
            errors.append({"code": "SKU_NOT_FOUND", "sku": sku, "message": f"sku {sku} not found"})
            continue
        items.append(
            {
                "delivery_schema": "SDS",
                "sku": sku,
                "product_id": product["id"],
                "availability": "HIDDEN" if product["is_archived"] else "AVAILABLE",
                "deleted_at": None,  # null as recorded (the document has no nulls): the recording wins
            }
        )
    return {"items": items, "errors": errors}


# ------------------------------------------------------------------ content rating
# The attributes the rating counts come from the product's category (model/categories.py):
# "important" = required or aspect attributes, "other" = the rest, except complex ones (videos,
# PDFs) and the text attributes rated in the text group. Products whose category is unknown are
# rated against these lists (attributes of the demo category 17028922 / 91565): id -> name.
IMPORTANT_ATTRIBUTES = {
    85: "Бренд",
    8229: "Тип",
    9048: "Название модели (для объединения в одну карточку)",
    10096: "Цвет товара",
}
OTHER_ATTRIBUTES = {
    4180: "Название",
    9024: "Код продавца",
    6548: "Материал",
    4385: "Гарантийный срок",
    11650: "Количество заводских упаковок",
}
ANNOTATION = (DESCRIPTION_ATTRIBUTE, "Аннотация")
RICH_CONTENT = (11254, "Rich-контент JSON")
VIDEO = (21841, "Озон.Видео: ссылка")
VIDEO_COVER = (21845, "Озон.Видеообложка: ссылка")
GROUP_WEIGHTS = {"important_attributes": 30, "other_attributes": 25, "text": 20, "media": 25}


def rated_attributes(product: Mapping[str, Any]) -> tuple[dict[int, str], dict[int, str]]:
    """(important, other) attributes of the product's category: id -> name."""
    from oint.sandbox.model.categories import attributes_for

    try:
        category = int(product.get("description_category_id") or 0)
        type_id = int(product.get("type_id") or 0)
    except (TypeError, ValueError):
        category = type_id = 0
    listed = attributes_for(category, type_id) if category and type_id else []
    if not listed:
        return IMPORTANT_ATTRIBUTES, OTHER_ATTRIBUTES
    text_attributes = {ANNOTATION[0], RICH_CONTENT[0]}
    plain = [a for a in listed if not a.get("attribute_complex_id") and a["id"] not in text_attributes]
    important = {a["id"]: a["name"] for a in plain if a.get("is_required") or a.get("is_aspect")}
    other = {a["id"]: a["name"] for a in plain if a["id"] not in important}
    return important, other


def _value_filled(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    text = value.get("value")
    return bool(isinstance(text, str) and text.strip()) or bool(value.get("dictionary_value_id"))


def _attribute_values(product: Mapping[str, Any]) -> dict[int, list[str]]:
    """Filled attributes of a product: id -> text values. Reads `attributes` and
    `complex_attributes` in both Ozon forms (flat, or nested under `attributes`)."""
    found: dict[int, list[str]] = {}

    def visit(entries: Any) -> None:
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            if "values" in entry and "id" in entry:
                values = [v for v in entry.get("values") or [] if _value_filled(v)]
                try:
                    attr_id = int(entry["id"])
                except (TypeError, ValueError):
                    continue
                if values:
                    found.setdefault(attr_id, []).extend(str(v.get("value") or "") for v in values)
            elif "attributes" in entry:
                visit(entry["attributes"])

    visit(product.get("attributes"))
    visit(product.get("complex_attributes"))
    return found


def _condition(key: str, description: str, fulfilled: bool, cost: int) -> dict[str, Any]:
    return {"key": key, "description": description, "fulfilled": fulfilled, "cost": cost}


def _group(
    key: str, name: str, conditions: list[dict[str, Any]], improve: list[tuple[int, str]], at_least: int
) -> dict[str, Any]:
    rating = min(100, sum(c["cost"] for c in conditions if c["fulfilled"]))
    done = rating >= 100
    return {
        "key": key,
        "name": name,
        "rating": rating,
        "weight": GROUP_WEIGHTS[key],
        "conditions": conditions,
        "improve_attributes": [] if done else [{"id": i, "name": n} for i, n in improve],
        "improve_at_least": 0 if done else at_least,
    }


def _share_group(
    key: str,
    name: str,
    prefix: str,
    attributes: dict[int, str],
    filled: set[int],
    shares: tuple[tuple[int, int], ...],
) -> dict[str, Any]:
    """A group of attribute conditions: at least 2 filled, then more than `percent` % filled."""
    count = sum(1 for i in attributes if i in filled)
    conditions = [_condition(f"{prefix}_2", "Заполнено 2 атрибута и более", count >= 2, 50)]
    needed = 2
    for percent, cost in shares:
        conditions.append(
            _condition(
                f"{prefix}_{percent}_percent",
                f"Заполнено более {percent}% атрибутов",
                count * 100 > percent * len(attributes),
                cost,
            )
        )
        needed = max(needed, len(attributes) * percent // 100 + 1)
    missing = [(i, n) for i, n in attributes.items() if i not in filled]
    return _group(key, name, conditions, missing, max(0, min(needed, len(attributes)) - count))


def content_rating(product: Mapping[str, Any]) -> dict[str, Any]:
    """The content rating of a product, computed from its document (shape of /v1/product/rating-by-sku)."""
    values = _attribute_values(product)
    filled = set(values)
    if product.get("name"):
        filled.add(NAME_ATTRIBUTE)
    if product.get("offer_id"):
        filled.add(SELLER_CODE_ATTRIBUTE)

    important_attributes, other_attributes = rated_attributes(product)
    important = _share_group(
        "important_attributes",
        "Важные атрибуты",
        "important",
        important_attributes,
        filled,
        ((50, 25), (70, 25)),
    )
    other = _share_group(
        "other_attributes", "Остальные атрибуты", "other", other_attributes, filled, ((50, 50),)
    )

    annotation = max([product.get("description") or "", *values.get(ANNOTATION[0], [])], key=len)
    has_rich = RICH_CONTENT[0] in filled
    text_improve = [RICH_CONTENT] + ([ANNOTATION] if len(annotation) <= 500 else [])
    text = _group(
        "text",
        "Текстовое описание",
        [
            _condition("text_annotation_100_chars", "Аннотация более 100 знаков", len(annotation) > 100, 25),
            _condition("text_annotation_500_chars", "Аннотация более 500 знаков", len(annotation) > 500, 25),
            _condition("text_rich", "Заполнен Rich-контент", has_rich, 100),
        ],
        text_improve,
        1,
    )

    images = list(product.get("images") or [])
    if product.get("primary_image") and product["primary_image"] not in images:
        images.append(product["primary_image"])
    media_missing = [a for a in (VIDEO, VIDEO_COVER) if a[0] not in filled]
    media = _group(
        "media",
        "Медиа",
        [
            _condition("media_video_cover", "Добавлена видеообложка", VIDEO_COVER[0] in filled, 50),
            _condition("media_video", "Добавлено видео", VIDEO[0] in filled, 30),
            _condition("media_images_3", "Добавлено 3 изображения и более", len(images) >= 3, 20),
        ],
        media_missing,
        len(media_missing),
    )

    groups = [important, other, text, media]
    total = round(sum(g["rating"] * g["weight"] for g in groups) / 100, 2)
    return {"sku": product["sku"], "rating": int(total) if total == int(total) else total, "groups": groups}


@route("POST", "/v1/product/rating-by-sku")
def rating_by_sku(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Content rating of the account's products by SKU; SKUs that are not the account's are left out."""
    products = []
    for sku in dict.fromkeys(id_list(body, "skus")):
        product = find_by_sku(account, sku)
        if product is not None:
            products.append(content_rating(product))
    return {"products": products}
