"""The product import pipeline and product reading.

Writes are asynchronous, as on Ozon: `/v3/product/import`, `/v1/product/import-by-sku`
and `/v1/product/attributes/update` check the request's structure (400 on malformed
input), store an import task (kind "import_task") and answer with its id. A task stays
`pending` for `PROCESSING_SECONDS` after it was created (derived from `account.now`);
the first request after that processes it: every item is validated
against the category tree, the products and the daily quotas, then products are
created or updated, all at the task's `ready_at` moment, and the per-item outcome
(`imported`, `failed`, `skipped`) is kept for `/v1/product/import/info`.
`settle_due_tasks(account)` does that processing; it runs before every request (a
`before_request` hook), so every read is consistent with the tasks.

Reads: `/v3/product/list` and `/v4/product/info/attributes` (filter, visibility where
ALL is everything but the archive, opaque base64 `last_id` paging: the list gives a
last_id with every non-empty page, as Ozon's recording shows, and ends with an empty
page whose last_id is ""; the attribute data gives "" on its last page, as recorded),
`/v1/product/info/description`, and the daily quotas `/v4/product/info/limit` (reset
at 03:00 Moscow time = 00:00 UTC; limits in the "product_quota" document).

Item rules (Ozon's, facts §4 and §1.3): offer_id 1..50 characters, string fields as
JSON strings, ≤100 items per import, ≤50 images (49 with primary_image) → 400;
category/type of a last-level category, name, price > 0, old_price ≥ price (or 0),
vat in 0/0.05/0.07/0.1/0.2/0.22, real dimensions and weight with valid units and a
plausible density, attribute values from the dictionaries → item `failed` with
errors. A required attribute left empty does not fail the item (as in Ozon's
recording): the product is imported with `error_attribute_values_empty` and gets no
SKU until the attribute is filled. Attributes the category does not have are
ignored; 4180 (name), 9024 (seller code) are filled from the product, 8229 (type)
follows type_id, 4191 (annotation) is the product description.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from oint.sandbox.errors import not_found, rejected
from oint.sandbox.model.base import Account, before_request, int_id, route
from oint.sandbox.model.common import (
    VAT_RATES,
    decimal,
    decode_cursor,
    encode_cursor,
    page_after,
    page_size,
    vat_rates_text,
)
from oint.sandbox.model.products import (
    MAX_IMAGES,
    ProductFilter,
    all_products,
    find_by_offer,
    get_product,
    has_stock,
    new_product,
    save_product,
)

TASK = "import_task"
QUEUE = "import_queue"  # one document: ids of the tasks still pending, in creation order
QUOTA_LIMITS = "product_quota"  # key "limits": the account's quotas (defaults below when absent)
QUOTA_USAGE = "product_quota_usage"  # key: UTC day "YYYY-MM-DD" → {"create": n, "update": n}

PROCESSING_SECONDS = 0.1  # how long a task stays pending (Ozon: seconds to minutes)
FIRST_TASK_ID = 3109777511
MAX_IMPORT_ITEMS = 100
MAX_IMPORT_BY_SKU_ITEMS = 1000
MAX_ATTRIBUTE_UPDATE_ITEMS = 100
MAX_OFFER_ID = 50
MAX_NAME = 500  # the `name` field's documented length (the error text of name_too_long says 255)
MAX_PAGE = 1000
DEFAULT_PAGE = 100
DEFAULT_LIMITS = {"daily_create": 1500, "daily_update": 5000, "total": 252500}

MM_PER_UNIT = {"mm": 1.0, "cm": 10.0, "in": 25.4}
GRAMS_PER_UNIT = {"g": 1.0, "kg": 1000.0, "lb": 453.59237}
DENSITY_RANGE = (0.001, 13.55)  # g/cm³: weight×1000 / (h×w×d in mm)

NAME_ATTRIBUTE = 4180
DESCRIPTION_ATTRIBUTE = 4191
SELLER_CODE_ATTRIBUTE = 9024
TYPE_ATTRIBUTE = 8229
MODEL_NAME_ATTRIBUTE = 9048
RICH_CONTENT_ATTRIBUTE = 11254
DERIVED_ATTRIBUTES = frozenset({NAME_ATTRIBUTE, DESCRIPTION_ATTRIBUTE, SELLER_CODE_ATTRIBUTE, TYPE_ATTRIBUTE})

SORT_FIELDS = frozenset({"sku", "offer_id", "id", "title"})
_URL = re.compile(r"^https?://[^\s/]+\S*$", re.I)

ATTRIBUTE_EMPTY_TEXT = (
    "Это обязательное поле — без него нельзя продавать товар. Заполните поле и пересохраните карточку. "
    "Если редактируете через XLS-шаблон, скачайте его заново"
)
SHORT_MESSAGES = {"error_attribute_values_empty": "Attribute value empty"}

# Other sellers' product cards Ozon knows by SKU: what /v1/product/import-by-sku can copy.
OTHER_SELLERS_CARDS: dict[int, dict[str, Any]] = {
    180550365: {
        "name": "Защитная плёнка для X3 NFC, матовая",
        "description_category_id": 17028922,
        "type_id": 91565,
        "price": "590",
        "vat": "0.2",
        "height": 240,
        "width": 140,
        "depth": 5,
        "weight": 40,
        "images": ["https://cdn1.ozone.ru/s3/multimedia-x/6601244310.jpg"],
        "attributes": [
            {"id": 85, "complex_id": 0, "values": [{"dictionary_value_id": 5060050, "value": "Samsung"}]},
            {
                "id": 9048,
                "complex_id": 0,
                "values": [{"dictionary_value_id": 0, "value": "Защитная плёнка X3 NFC матовая"}],
            },
        ],
        "description": "Матовая защитная плёнка для X3 NFC, не оставляет отпечатков.",
    },
    1062361430: {
        "name": "Чехол-книжка для X3 NFC, синий",
        "description_category_id": 17028922,
        "type_id": 91565,
        "price": "990",
        "vat": "0.2",
        "height": 170,
        "width": 90,
        "depth": 18,
        "weight": 110,
        "images": ["https://cdn1.ozone.ru/s3/multimedia-5/6427347617.jpg"],
        "attributes": [
            {"id": 85, "complex_id": 0, "values": [{"dictionary_value_id": 5060050, "value": "Samsung"}]},
            {"id": 10096, "complex_id": 0, "values": [{"dictionary_value_id": 61576, "value": "серый"}]},
        ],
        "description": "",
    },
    1445625485: {
        "name": "Кабель USB Type-C, 1 м",
        "description_category_id": 17028922,
        "type_id": 91565,
        "price": "350",
        "vat": "0.2",
        "height": 120,
        "width": 80,
        "depth": 20,
        "weight": 45,
        "images": [],
        "attributes": [],
        "description": "",
        "copy_forbidden": True,
    },
}


# ------------------------------------------------------------------ request parsing (400s)
def _text(item: dict[str, Any], key: str, path: str) -> str:
    """A string field: absent/null is "", anything but a JSON string is rejected (protojson)."""
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise rejected(f"{path}.{key}", "value must be a string")
    return value


def _int(item: dict[str, Any], key: str, path: str) -> int:
    """An integer field: JSON number or string of digits; absent/null/"" is 0."""
    value = item.get(key)
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise rejected(f"{path}.{key}", "value must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise rejected(f"{path}.{key}", "value must be an integer")


def _items(body: dict[str, Any], request: str, max_items: int) -> list[dict[str, Any]]:
    items = body.get("items")
    if isinstance(items, dict):
        items = [items]
    if items is None or items == []:
        raise rejected(f"{request}.Items", f"value must contain between 1 and {max_items} items, inclusive")
    if not isinstance(items, list):
        raise rejected(f"{request}.Items", "value must be an array")
    if len(items) > max_items:
        raise rejected(f"{request}.Items", f"value must contain between 1 and {max_items} items, inclusive")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise rejected(f"{request}.Items[{i}]", "value must be an object")
    return items


def _offer_id(item: dict[str, Any], path: str) -> str:
    value = item.get("offer_id")
    if isinstance(value, str) and 1 <= len(value) <= MAX_OFFER_ID:
        return value
    if value is not None and not isinstance(value, str):
        raise rejected(f"{path}.offer_id", "value must be a string")
    raise rejected(f"{path}.offer_id", f"value length must be between 1 and {MAX_OFFER_ID} runes, inclusive")


def _strings(item: dict[str, Any], key: str, path: str) -> list[str]:
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise rejected(f"{path}.{key}", "value must be an array of strings")
    return [v for v in value if v]


def _attributes(raw: Any, path: str) -> list[dict[str, Any]]:
    """[{id, complex_id, values: [{dictionary_value_id, value}]}] with ints and strings checked."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise rejected(path, "value must be an array")
    out: list[dict[str, Any]] = []
    for i, attr in enumerate(raw):
        here = f"{path}[{i}]"
        if not isinstance(attr, dict):
            raise rejected(here, "value must be an object")
        attribute_id = _int(attr, "id", here)
        if attribute_id <= 0:
            raise rejected(f"{here}.id", "value must be greater than 0")
        values_raw = attr.get("values") or []
        if not isinstance(values_raw, list):
            raise rejected(f"{here}.values", "value must be an array")
        values = []
        for j, v in enumerate(values_raw):
            if not isinstance(v, dict):
                raise rejected(f"{here}.values[{j}]", "value must be an object")
            values.append(
                {
                    "dictionary_value_id": _int(v, "dictionary_value_id", f"{here}.values[{j}]"),
                    "value": _text(v, "value", f"{here}.values[{j}]"),
                }
            )
        out.append({"id": attribute_id, "complex_id": _int(attr, "complex_id", here), "values": values})
    return out


def _complex_attributes(raw: Any, path: str) -> list[dict[str, Any]]:
    """Import's [{attributes: [...]}] groups, flattened as Ozon shows them."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise rejected(path, "value must be an array")
    flat: list[dict[str, Any]] = []
    for i, group in enumerate(raw):
        if not isinstance(group, dict):
            raise rejected(f"{path}[{i}]", "value must be an object")
        flat += _attributes(group.get("attributes"), f"{path}[{i}].attributes")
    return flat


def _parse_import_item(item: dict[str, Any], i: int) -> dict[str, Any]:
    path = f"ProductImportRequest.Items[{i}]"
    images = _strings(item, "images", path)
    primary = _text(item, "primary_image", path)
    max_images = MAX_IMAGES - 1 if primary else MAX_IMAGES
    if len(images) > max_images:
        raise rejected(f"{path}.images", f"value must contain at most {max_images} item(s)")
    for j, url in enumerate([*images, *([primary] if primary else [])]):
        if not _URL.match(url):
            raise rejected(f"{path}.images[{j}]", "value must be a valid URI")
    pdf_list = item.get("pdf_list") or []
    if not isinstance(pdf_list, list):
        raise rejected(f"{path}.pdf_list", "value must be an array")
    return {
        "offer_id": _offer_id(item, path),
        "name": _text(item, "name", path),
        "barcode": _text(item, "barcode", path),
        "description_category_id": _int(item, "description_category_id", path),
        "type_id": _int(item, "type_id", path),
        "price": _text(item, "price", path),
        "old_price": _text(item, "old_price", path),
        "vat": _text(item, "vat", path),
        "currency_code": _text(item, "currency_code", path),
        "height": _int(item, "height", path),
        "width": _int(item, "width", path),
        "depth": _int(item, "depth", path),
        "dimension_unit": _text(item, "dimension_unit", path),
        "weight": _int(item, "weight", path),
        "weight_unit": _text(item, "weight_unit", path),
        "images": images,
        "images360": _strings(item, "images360", path),
        "primary_image": primary,
        "color_image": _text(item, "color_image", path),
        "pdf_list": pdf_list,
        "attributes": _attributes(item.get("attributes"), f"{path}.attributes"),
        "complex_attributes": _complex_attributes(
            item.get("complex_attributes"), f"{path}.complex_attributes"
        ),
    }


# ------------------------------------------------------------------ per-item errors
def _error(
    code: str,
    text: str,
    *,
    field: str = "",
    attribute_id: int = 0,
    attribute_name: str = "",
    level: str = "error",
) -> dict[str, Any]:
    """One error of an `/v1/product/import/info` item, in Ozon's shape."""
    return {
        "code": code,
        "field": field,
        "attribute_id": attribute_id,
        "state": "new",
        "level": level,
        "description": text,
        "attribute_name": attribute_name,
        "message": text,
    }


def _info_error(e: dict[str, Any]) -> dict[str, Any]:
    """The same error as `/v3/product/info/list` shows it on the product."""
    return {
        "code": e["code"],
        "field": e["field"],
        "attribute_id": e["attribute_id"],
        "state": e["state"],
        "level": "ERROR_LEVEL_ERROR" if e["level"] == "error" else "ERROR_LEVEL_WARNING",
        "texts": {
            "attribute_name": e["attribute_name"],
            "description": e["description"],
            "short_description": "",
            "params": [
                {"name": "attribute_name", "value": e["attribute_name"]},
                {"name": "attribute_id", "value": str(e["attribute_id"])},
            ],
            "message": SHORT_MESSAGES.get(e["code"], e["message"]),
        },
    }


def _price_errors(account: Account, item: dict[str, Any]) -> list[dict[str, Any]]:
    """price, old_price, vat and currency of an import or import-by-sku item."""
    errors: list[dict[str, Any]] = []
    price = decimal(item["price"], comma=True) if item["price"] else None
    if not item["price"]:
        errors.append(_error("EMPTY_REQUIRED", "Укажите цену товара (price).", field="price"))
    elif price is None:
        errors.append(_error("price_out_of_range", f"Некорректная цена: {item['price']!r}.", field="price"))
    elif price <= 0:
        errors.append(_error("price_is_negative", "Цена должна быть больше нуля.", field="price"))
    old = decimal(item["old_price"], comma=True) if item["old_price"] else Decimal(0)
    if old is None or old < 0:
        errors.append(
            _error(
                "price_out_of_range",
                f"Некорректная цена до скидки: {item['old_price']!r}.",
                field="old_price",
            )
        )
    elif price is not None and price > 0 and 0 < old < price:
        errors.append(
            _error(
                "old_price_less_than_price",
                "Цена до скидки (old_price) не может быть меньше цены (price).",
                field="old_price",
            )
        )
    vat = decimal(item["vat"], comma=True) if item["vat"] else None
    if vat is None or vat not in VAT_RATES:
        errors.append(
            _error(
                "vat_invalid",
                f"Недопустимая ставка НДС {item['vat']!r}: используйте {vat_rates_text(' или ')}.",
                field="vat",
            )
        )
    currency = account.currency()
    if item["currency_code"] and item["currency_code"] != currency:
        text = f"Валюта {item['currency_code']} не совпадает с валютой кабинета {currency}."
        errors.append(_error("currency_code_invalid", text, field="currency_code"))
    return errors


def _size_errors(item: dict[str, Any]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    for field in ("height", "width", "depth", "weight"):
        if item[field] <= 0:
            errors.append(
                _error(
                    "missing_dimension",
                    f"Укажите реальные габариты и вес: {field} должно быть больше 0.",
                    field=field,
                )
            )
    for field, units in (("dimension_unit", MM_PER_UNIT), ("weight_unit", GRAMS_PER_UNIT)):
        if item[field] not in units:
            errors.append(
                _error(
                    "missing_dimension",
                    f"Недопустимая единица {item[field]!r} в {field}: используйте {', '.join(units)}.",
                    field=field,
                )
            )
    if not errors:
        mm = MM_PER_UNIT[item["dimension_unit"]]
        volume_cm3 = item["height"] * mm * item["width"] * mm * item["depth"] * mm / 1000
        density = item["weight"] * GRAMS_PER_UNIT[item["weight_unit"]] / volume_cm3
        low, high = DENSITY_RANGE
        if not low <= density <= high:
            text = (
                f"Плотность товара {density:.4f} г/см³ вне диапазона {low}–{high}: проверьте вес и габариты."
            )
            errors.append(_error("Incorrect_density", text, field="weight"))
    return errors


def _category_error(cat: int, type_id: int) -> dict[str, Any] | None:
    from oint.sandbox.model.categories import find_type

    if not cat:
        return _error(
            "description_category_is_empty",
            "Не указана категория товара (description_category_id).",
            field="description_category_id",
        )
    if not type_id:
        return _error("description_type_is_empty", "Не указан тип товара (type_id).", field="type_id")
    found = find_type(cat, type_id)
    if found is None:
        text = (
            f"Категория {cat} с типом {type_id} не найдена: выберите категорию последнего уровня "
            "из дерева категорий."
        )
        return _error("description_category_invalid", text, field="description_category_id")
    if found.get("disabled"):
        text = f"В категории {cat} с типом {type_id} нельзя создавать товары."
        return _error("description_category_is_legacy", text, field="description_category_id")
    return None


def _value_fits(kind: str, text: str) -> bool:
    kind = kind.lower()
    if kind == "integer":
        return re.fullmatch(r"-?\d+", text.strip()) is not None
    if kind == "decimal":
        return decimal(text, comma=True) is not None
    if kind == "boolean":
        return text.strip().lower() in ("true", "false")
    if kind == "url":
        return _URL.match(text) is not None
    return True


def _check_attributes(
    cat: int, type_id: int, attributes: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[int, str]]:
    """Validate attributes against the category: (kept attributes, failing errors, derived values).

    Attributes the category does not have are dropped (Ozon ignores them); 4180/9024/8229
    are derived from the product; 4191's text is returned in `derived`.
    """
    from oint.sandbox.model.categories import attributes_for, dictionary_value

    known = {int(a["id"]): a for a in attributes_for(cat, type_id)}
    kept: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    derived: dict[int, str] = {}
    for attr in attributes:
        aid = attr["id"]
        values = [v for v in attr["values"] if v["value"] or v["dictionary_value_id"]]
        if aid in DERIVED_ATTRIBUTES:
            if values:
                derived[aid] = values[0]["value"]
            continue
        meta = known.get(aid)
        if meta is None or not values:
            continue
        name = str(meta.get("name", ""))
        limit = int(meta.get("max_value_count") or 0) or (0 if meta.get("is_collection") else 1)
        if limit and len(values) > limit:
            errors.append(
                _error(
                    "VALUE_MAX_LIMIT",
                    f"Характеристика «{name}» принимает не больше {limit} значений.",
                    attribute_id=aid,
                    attribute_name=name,
                )
            )
            continue
        clean = []
        for v in values:
            if int(meta.get("dictionary_id") or 0):
                entry = dictionary_value(aid, v["dictionary_value_id"]) if v["dictionary_value_id"] else None
                if entry is None:
                    errors.append(
                        _error(
                            "error_attribute_values_out_of_range",
                            f"Значения {v['dictionary_value_id'] or v['value']!r} нет в справочнике "
                            f"характеристики «{name}».",
                            attribute_id=aid,
                            attribute_name=name,
                        )
                    )
                    continue
                clean.append(
                    {
                        "dictionary_value_id": v["dictionary_value_id"],
                        "value": str(entry.get("value") or v["value"]),
                    }
                )
            else:
                if not _value_fits(str(meta.get("type", "String")), v["value"]):
                    errors.append(
                        _error(
                            "error_attribute_values_out_of_range",
                            f"Значение {v['value']!r} не подходит для характеристики «{name}».",
                            attribute_id=aid,
                            attribute_name=name,
                        )
                    )
                    continue
                if aid == RICH_CONTENT_ATTRIBUTE and not _is_json(v["value"]):
                    errors.append(
                        _error(
                            "invalid_rich_content_json",
                            "Rich-контент должен быть корректным JSON.",
                            attribute_id=aid,
                            attribute_name=name,
                        )
                    )
                    continue
                clean.append({"dictionary_value_id": 0, "value": v["value"]})
        kept.append({"id": aid, "complex_id": attr["complex_id"], "values": clean})
    return kept, errors, derived


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _missing_required(cat: int, type_id: int, attributes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`error_attribute_values_empty` for each required attribute left empty (does not fail the item)."""
    from oint.sandbox.model.categories import attributes_for

    filled = {a["id"] for a in attributes if a["values"]}
    errors = []
    for meta in attributes_for(cat, type_id):
        aid = int(meta["id"])
        if not meta.get("is_required") or aid in filled or aid in DERIVED_ATTRIBUTES:
            continue
        if int(meta.get("attribute_complex_id") or 0):
            continue
        errors.append(
            _error(
                "error_attribute_values_empty",
                ATTRIBUTE_EMPTY_TEXT,
                attribute_id=aid,
                attribute_name=str(meta.get("name", "")),
            )
        )
    return errors


# ------------------------------------------------------------------ quotas
def _utc_day(ts: float) -> dt.date:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).date()


def _reset_at(ts: float) -> str:
    """Next 00:00 UTC (03:00 Moscow time) after `ts`."""
    day = _utc_day(ts) + dt.timedelta(days=1)
    return f"{day.isoformat()}T00:00:00Z"


def _limits(account: Account) -> dict[str, int]:
    doc = account.get(QUOTA_LIMITS, "limits") or {}
    return {k: int(doc.get(k, v)) for k, v in DEFAULT_LIMITS.items()}


def _usage(account: Account, day: dt.date) -> dict[str, int]:
    doc = account.get(QUOTA_USAGE, day.isoformat()) or {}
    return {"create": int(doc.get("create", 0)), "update": int(doc.get("update", 0))}


class _Quota:
    """Daily create/update counters and the assortment total for one task's processing moment."""

    def __init__(self, account: Account, at: float, product_count: int) -> None:
        self.account = account
        self.at = at
        self.day = _utc_day(at)
        self.limits = _limits(account)
        self.used = _usage(account, self.day)
        self.products = product_count

    def take(self, operation: str) -> dict[str, Any] | None:
        """Count one create or update; the item's error when a quota is exhausted."""
        daily = self.limits["daily_create" if operation == "create" else "daily_update"]
        if daily != -1 and self.used[operation] >= daily:
            what = "создание" if operation == "create" else "обновление"
            return _error(
                "item_limit_exceeded",
                f"Превышен дневной лимит на {what} товаров ({daily}). "
                f"Лимит обновится в {_reset_at(self.at)}.",
            )
        total = self.limits["total"]
        if operation == "create" and total != -1 and self.products >= total:
            return _error(
                "item_limit_exceeded", f"Превышен лимит количества товаров в ассортименте ({total})."
            )
        self.used[operation] += 1
        if operation == "create":
            self.products += 1
        return None

    def save(self) -> None:
        self.account.put(QUOTA_USAGE, self.day.isoformat(), self.used)


# ------------------------------------------------------------------ processing tasks
class _Batch:
    """What processing one task needs: products by offer_id, the quota, the moment."""

    def __init__(self, account: Account, at: float) -> None:
        self.account = account
        self.at = at
        self.stamp = account.iso(at)
        products = all_products(account)
        self.by_offer = {p["offer_id"]: p for p in products}
        self.quota = _Quota(account, at, len(products))

    def save(self, product: dict[str, Any]) -> None:
        product["updated_at"] = self.stamp
        save_product(self.account, product, touch=False)
        self.by_offer[product["offer_id"]] = product

    def complete(self, product: dict[str, Any], attribute_errors: list[dict[str, Any]]) -> None:
        """Attach attribute errors; a product without them gets its SKU (and model) once."""
        product["errors"] = [_info_error(e) for e in attribute_errors]
        if not attribute_errors and not product["sku"]:
            product["sku"] = self.account.next_id("sku", 1700000001)
            product["model_id"] = self._model_for(product)

    def _model_for(self, product: dict[str, Any]) -> int:
        """Products of one type with the same model name (attribute 9048) share a model."""
        name = _attribute_text(product, MODEL_NAME_ATTRIBUTE)
        if name:
            for other in self.by_offer.values():
                if (
                    other["id"] != product["id"]
                    and other.get("model_id")
                    and other["type_id"] == product["type_id"]
                    and _attribute_text(other, MODEL_NAME_ATTRIBUTE) == name
                ):
                    return int(other["model_id"])
        return int(product["id"])


def _attribute_text(product: dict[str, Any], attribute_id: int) -> str:
    for a in product.get("attributes", []):
        if a["id"] == attribute_id and a["values"]:
            return str(a["values"][0]["value"])
    return ""


def _result(offer_id: str, product_id: int, status: str, errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"offer_id": offer_id, "product_id": product_id, "status": status, "errors": errors}


_COMPARED = (
    "name",
    "description",
    "description_category_id",
    "type_id",
    "currency_code",
    "height",
    "width",
    "depth",
    "dimension_unit",
    "weight",
    "weight_unit",
    "images",
    "images360",
    "primary_image",
    "color_image",
    "pdf_list",
    "attributes",
    "complex_attributes",
    "barcodes",
)


_COPIED = (
    "height",
    "width",
    "depth",
    "dimension_unit",
    "weight",
    "weight_unit",
    "images",
    "images360",
    "primary_image",
    "color_image",
    "pdf_list",
    "complex_attributes",
)


def _same(product: dict[str, Any], fields: dict[str, Any]) -> bool:
    for key in ("price", "old_price", "vat"):
        if decimal(product.get(key) or "0", comma=True) != decimal(fields[key] or "0", comma=True):
            return False
    return all(product.get(key) == fields[key] for key in _COMPARED if key in fields)


def _import_one(batch: _Batch, item: dict[str, Any]) -> dict[str, Any]:
    existing = batch.by_offer.get(item["offer_id"])
    product_id = existing["id"] if existing else 0
    errors: list[dict[str, Any]] = []
    if not item["name"]:
        errors.append(_error("EMPTY_REQUIRED", "Укажите название товара (name).", field="name"))
    elif len(item["name"]) > MAX_NAME:
        errors.append(_error("name_too_long", f"Название длиннее {MAX_NAME} символов.", field="name"))
    category_error = _category_error(item["description_category_id"], item["type_id"])
    attributes: list[dict[str, Any]] = []
    derived: dict[int, str] = {}
    if category_error is not None:
        errors.append(category_error)
    else:
        attributes, attribute_errors, derived = _check_attributes(
            item["description_category_id"], item["type_id"], item["attributes"]
        )
        errors += attribute_errors
    errors += _price_errors(batch.account, item)
    errors += _size_errors(item)
    if errors:
        return _result(item["offer_id"], product_id, "failed", errors)
    missing = _missing_required(item["description_category_id"], item["type_id"], attributes)
    barcodes = list(existing["barcodes"]) if existing else []
    if item["barcode"] and item["barcode"] not in barcodes:
        barcodes.append(item["barcode"])
    fields: dict[str, Any] = {
        "name": item["name"],
        "description": derived.get(DESCRIPTION_ATTRIBUTE, ""),
        "description_category_id": item["description_category_id"],
        "type_id": item["type_id"],
        "price": item["price"],
        "old_price": item["old_price"] or "0",
        "vat": item["vat"],
        "currency_code": item["currency_code"] or batch.account.currency(),
        **{k: item[k] for k in _COPIED},
        "attributes": attributes,
        "barcodes": barcodes,
    }
    if existing is not None and _same(existing, fields):
        return _result(item["offer_id"], product_id, "skipped", [])
    limit_error = batch.quota.take("update" if existing else "create")
    if limit_error is not None:
        return _result(item["offer_id"], product_id, "failed", [limit_error])
    if existing is None:
        product = new_product(batch.account, offer_id=item["offer_id"], created_at=batch.stamp, **fields)
    else:
        product = existing
        product.update(fields)
    batch.complete(product, missing)
    batch.save(product)
    return _result(item["offer_id"], product["id"], "imported", missing)


def _copy_one(batch: _Batch, item: dict[str, Any]) -> dict[str, Any]:
    offer_id, sku = item["offer_id"], item["sku"]
    source = OTHER_SELLERS_CARDS.get(sku)
    if item.get("own"):
        return _result(
            offer_id,
            0,
            "failed",
            [
                _error(
                    "sku_belongs_to_seller",
                    f"SKU {sku} — ваш собственный товар: копировать свои товары нельзя.",
                    field="sku",
                )
            ],
        )
    if source is None:  # cannot happen: unmatched SKUs never reach the task
        return _result(offer_id, 0, "failed", [_error("sku_not_found", f"SKU {sku} не найден.", field="sku")])
    if source.get("copy_forbidden"):
        return _result(
            offer_id,
            0,
            "failed",
            [_error("copy_forbidden", f"Владелец карточки SKU {sku} запретил её копирование.", field="sku")],
        )
    if not offer_id:
        return _result(
            offer_id, 0, "failed", [_error("EMPTY_REQUIRED", "Укажите артикул (offer_id).", field="offer_id")]
        )
    existing = batch.by_offer.get(offer_id)
    if existing is not None:
        return _result(
            offer_id,
            existing["id"],
            "failed",
            [
                _error(
                    "OFFER_ID_ALREADY_EXISTS",
                    f"Товар с артикулом {offer_id} уже есть: "
                    "по Ozon ID товары можно только создавать, не обновлять.",
                    field="offer_id",
                )
            ],
        )
    errors = _price_errors(batch.account, item)
    if errors:
        return _result(offer_id, 0, "failed", errors)
    limit_error = batch.quota.take("create")
    if limit_error is not None:
        return _result(offer_id, 0, "failed", [limit_error])
    card: dict[str, Any] = json.loads(json.dumps({k: v for k, v in source.items() if k != "copy_forbidden"}))
    card.update(
        offer_id=offer_id,
        created_at=batch.stamp,
        name=item["name"] or source["name"],
        price=item["price"],
        old_price=item["old_price"] or "0",
        vat=item["vat"],
        currency_code=item["currency_code"] or batch.account.currency(),
    )
    product = new_product(batch.account, **card)
    batch.complete(product, [])
    batch.save(product)
    return _result(offer_id, product["id"], "imported", [])


def _update_attributes_one(batch: _Batch, item: dict[str, Any]) -> dict[str, Any]:
    product = batch.by_offer.get(item["offer_id"])
    if product is None:
        return _result(
            item["offer_id"],
            0,
            "failed",
            [
                _error(
                    "offer_id_not_found", f"Товар с артикулом {item['offer_id']} не найден.", field="offer_id"
                )
            ],
        )
    cat, type_id = product["description_category_id"], product["type_id"]
    plain = [a for a in item["attributes"] if not a["complex_id"]]
    complex_ = [a for a in item["attributes"] if a["complex_id"]]
    kept, errors, derived = _check_attributes(cat, type_id, plain)
    if errors:
        return _result(item["offer_id"], product["id"], "failed", errors)
    attributes = _merge(product["attributes"], kept)
    complex_attributes = _merge(
        product["complex_attributes"],
        [
            {
                **a,
                "values": [
                    {"dictionary_value_id": v["dictionary_value_id"], "value": v["value"]}
                    for v in a["values"]
                    if v["value"] or v["dictionary_value_id"]
                ],
            }
            for a in complex_
        ],
    )
    changes: dict[str, Any] = {"attributes": attributes, "complex_attributes": complex_attributes}
    if derived.get(NAME_ATTRIBUTE):
        changes["name"] = derived[NAME_ATTRIBUTE]
    if derived.get(DESCRIPTION_ATTRIBUTE):
        changes["description"] = derived[DESCRIPTION_ATTRIBUTE]
    if all(product.get(k) == v for k, v in changes.items()):
        return _result(item["offer_id"], product["id"], "skipped", [])
    limit_error = batch.quota.take("update")
    if limit_error is not None:
        return _result(item["offer_id"], product["id"], "failed", [limit_error])
    product.update(changes)
    missing = _missing_required(cat, type_id, attributes)
    batch.complete(product, missing)
    batch.save(product)
    return _result(item["offer_id"], product["id"], "imported", missing)


def _merge(current: list[dict[str, Any]], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Listed attributes replace those with the same (id, complex_id); empty ones never delete."""
    merged = [dict(a) for a in current]
    for change in changes:
        if not change["values"]:
            continue
        for a in merged:
            if a["id"] == change["id"] and a.get("complex_id", 0) == change["complex_id"]:
                a["values"] = change["values"]
                break
        else:
            merged.append(change)
    return merged


_PROCESSORS: dict[str, Callable[[_Batch, dict[str, Any]], dict[str, Any]]] = {
    "import": _import_one,
    "import_by_sku": _copy_one,
    "attributes_update": _update_attributes_one,
}


@before_request
def settle_due_tasks(account: Account) -> None:
    """Process every pending task whose processing time has come, oldest first."""
    queue = account.get(QUEUE, "pending") or []
    if not queue:
        return
    still_pending = []
    for task_id in queue:
        task = account.get(TASK, task_id)
        if task is None:
            continue
        if task["ready_at"] > account.now:
            still_pending.append(task_id)
            continue
        batch = _Batch(account, task["ready_at"])
        task["results"] = [_PROCESSORS[task["operation"]](batch, item) for item in task["items"]]
        task["state"] = "done"
        batch.quota.save()
        account.put(TASK, task_id, task)
    account.put(QUEUE, "pending", still_pending)


def _new_task(account: Account, operation: str, items: list[dict[str, Any]]) -> int:
    task_id = account.next_id("task_id", FIRST_TASK_ID)
    account.put(
        TASK,
        task_id,
        {
            "task_id": task_id,
            "operation": operation,
            "created_at": account.now,
            "ready_at": account.now + PROCESSING_SECONDS,
            "state": "pending",
            "items": items,
            "results": [],
        },
    )
    queue = account.get(QUEUE, "pending") or []
    account.put(QUEUE, "pending", [*queue, task_id])
    return task_id


# ------------------------------------------------------------------ write routes
@route("POST", "/v3/product/import")
def product_import(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Create or update up to 100 products (by offer_id) in an asynchronous task."""
    items = [
        _parse_import_item(item, i)
        for i, item in enumerate(_items(body, "ProductImportRequest", MAX_IMPORT_ITEMS))
    ]
    return {"result": {"task_id": _new_task(account, "import", items)}}


@route("POST", "/v1/product/import-by-sku")
def product_import_by_sku(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Copy other sellers' cards by SKU; SKUs Ozon does not know go to `unmatched_sku_list`."""
    items: list[dict[str, Any]] = []
    unmatched: list[int] = []
    own_skus = {p["sku"] for p in all_products(account) if p["sku"]}
    for i, raw in enumerate(_items(body, "ProductImportBySkuRequest", MAX_IMPORT_BY_SKU_ITEMS)):
        path = f"ProductImportBySkuRequest.Items[{i}]"
        sku = _int(raw, "sku", path)
        if sku <= 0:
            raise rejected(f"{path}.sku", "value must be greater than 0")
        item = {
            "sku": sku,
            **{
                k: _text(raw, k, path)
                for k in ("offer_id", "name", "price", "old_price", "vat", "currency_code")
            },
        }
        if sku in own_skus:
            item["own"] = True
        elif sku not in OTHER_SELLERS_CARDS:
            unmatched.append(sku)
            continue
        items.append(item)
    task_id = _new_task(account, "import_by_sku", items)
    return {"result": {"task_id": task_id, "unmatched_sku_list": unmatched}}


@route("POST", "/v1/product/attributes/update")
def product_attributes_update(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Add or change the listed attributes of products (by offer_id) in an asynchronous task."""
    items = []
    for i, raw in enumerate(_items(body, "ProductUpdateAttributesRequest", MAX_ATTRIBUTE_UPDATE_ITEMS)):
        path = f"ProductUpdateAttributesRequest.Items[{i}]"
        items.append(
            {
                "offer_id": _offer_id(raw, path),
                "attributes": _attributes(raw.get("attributes"), f"{path}.attributes"),
            }
        )
    return {"task_id": _new_task(account, "attributes_update", items)}


@route("POST", "/v1/product/import/info")
def product_import_info(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """A task's items: pending until processed, then imported / failed (with errors) / skipped."""
    if body.get("task_id") in (None, "", 0, "0"):
        raise rejected("ProductImportInfoRequest.TaskId", "value must be greater than 0")
    task_id = int_id(body["task_id"], "task_id")
    task = account.get(TASK, task_id)
    if task is None:
        raise not_found(f"task {task_id} not found")
    if task["state"] == "pending":
        ids = {p["offer_id"]: p["id"] for p in all_products(account)}
        items = [_result(i["offer_id"], ids.get(i["offer_id"], 0), "pending", []) for i in task["items"]]
    else:
        items = task["results"]
    return {"result": {"items": items, "total": len(items)}}


# ------------------------------------------------------------------ read routes
@route("POST", "/v4/product/info/limit")
def product_info_limit(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Daily create/update quotas (reset 00:00 UTC = 03:00 Moscow) and the assortment total."""
    limits = _limits(account)
    used = _usage(account, _utc_day(account.now))
    reset_at = _reset_at(account.now)
    return {
        "daily_create": {"usage": used["create"], "limit": limits["daily_create"], "reset_at": reset_at},
        "daily_update": {"usage": used["update"], "limit": limits["daily_update"], "reset_at": reset_at},
        "total": {"usage": len(all_products(account)), "limit": limits["total"]},
    }


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


def _stock_flags(p: dict[str, Any]) -> tuple[bool, bool]:
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


def _sort_key(sort_by: str) -> Callable[[dict[str, Any]], Any]:
    if sort_by == "sku":
        return lambda p: int(p["sku"] or 0)
    if sort_by == "offer_id":
        return lambda p: str(p["offer_id"])
    if sort_by == "title":
        return lambda p: str(p["name"])
    return lambda p: int(p["id"])


def attributes_item(p: dict[str, Any], model_sizes: dict[int, int]) -> dict[str, Any]:
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


def attributes_with_defaults(p: dict[str, Any]) -> list[int]:
    """Ids of the category's optional plain (non-dictionary) attributes the product leaves
    empty: Ozon fills those with defaults and lists them here."""
    from oint.sandbox.model.categories import attributes_for

    filled = {a["id"] for a in p.get("attributes", [])} | DERIVED_ATTRIBUTES
    return sorted(
        a["id"]
        for a in attributes_for(p["description_category_id"], p["type_id"])
        if not a["is_required"]
        and not a["dictionary_id"]
        and not a["attribute_complex_id"]
        and a["id"] not in filled
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
    matching = sorted(
        ProductFilter.parse(body, request, with_sku=True).select(account),
        key=lambda p: (key(p), p["id"]),
        reverse=descending,
    )
    mark = None
    if cursor is not None:
        mark = tuple(cursor[-2:]) if len(cursor) >= 2 else (cursor[0], cursor[0])
        probe = (key(matching[0]), 0) if matching else mark
        if type(mark[0]) is not type(probe[0]) or not isinstance(mark[1], int):
            raise rejected(f"{request}.LastId", _MALFORMED_CURSOR)
    page, more = page_after(matching, lambda p: (key(p), p["id"]), mark, size, descending=descending)
    products = all_products(account)
    model_sizes: dict[int, int] = {}
    for p in products:
        if p.get("model_id") and p["sku"]:
            model_sizes[int(p["model_id"])] = model_sizes.get(int(p["model_id"]), 0) + 1
    last_id = encode_cursor([key(page[-1]), page[-1]["id"]]) if page and more else ""
    result = [attributes_item(p, model_sizes) for p in page]
    return {"result": result, "last_id": last_id, "total": len(matching)}


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


# ------------------------------------------------------------------ demo data
_BRAND = {"id": 85, "complex_id": 0, "values": [{"dictionary_value_id": 5060050, "value": "Samsung"}]}
_TNVED = {
    "id": 22232,
    "complex_id": 0,
    "values": [
        {
            "dictionary_value_id": 971030001,
            "value": "3919900000 - Плиты, листы, пленка, лента и прочие плоские формы из пластмасс, "
            "самоклеящиеся, прочие",
        }
    ],
}
DEMO_ATTRIBUTES: dict[str, list[dict[str, Any]]] = {
    "143210609": [
        _BRAND,
        {"id": 9048, "complex_id": 0, "values": [{"dictionary_value_id": 0, "value": "Плёнки X3 NFC"}]},
        {"id": 10096, "complex_id": 0, "values": [{"dictionary_value_id": 61576, "value": "серый"}]},
        _TNVED,
    ],
    "1432106010": [
        _BRAND,
        {"id": 9048, "complex_id": 0, "values": [{"dictionary_value_id": 0, "value": "Плёнки X3 NFC"}]},
        {"id": 10096, "complex_id": 0, "values": [{"dictionary_value_id": 61571, "value": "белый"}]},
        _TNVED,
    ],
}
DEMO_TASKS = (3109777510, 3062349162)  # the task ids of OInt's EN and RU examples


def seed(account: Account) -> None:
    """Attributes of the demo products, the quotas, and the example tasks as finished imports."""
    from oint.sandbox.demo import DEMO_CLIENT_ID

    account.put(QUOTA_LIMITS, "limits", dict(DEFAULT_LIMITS))
    model_id = 0  # the two film sets are one model (same 9048)
    for offer_id, attributes in DEMO_ATTRIBUTES.items():
        product = find_by_offer(account, offer_id)
        if product is not None:
            product["attributes"] = json.loads(json.dumps(attributes))
            product["model_id"] = model_id = model_id or product["id"]
            save_product(account, product, touch=False)
    if account.client_id != DEMO_CLIENT_ID:
        return
    product = find_by_offer(account, "143210609")
    if product is None:
        return
    for task_id in DEMO_TASKS:
        account.put(
            TASK,
            task_id,
            {
                "task_id": task_id,
                "operation": "import",
                "created_at": account.now,
                "ready_at": account.now,
                "state": "done",
                "items": [],
                "results": [_result(product["offer_id"], product["id"], "imported", [])],
            },
        )
