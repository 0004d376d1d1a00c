"""What an item of a product import is, and what makes it fail: the rules of
`/v3/product/import`, `/v1/product/import-by-sku` and `/v1/product/attributes/update` items.

Request parsing answers 400 for a malformed request (Ozon's protojson and protoc-gen-validate):
offer_id 1..50 characters, string fields as JSON strings, ≤100 items per import, ≤50 images (49
with primary_image). Item checks (Ozon's, facts §4 and §1.3) return the errors that make an item
`failed` when its task is processed: category/type of a last-level category, name, price > 0,
old_price ≥ price (or 0), a VAT rate Ozon accepts, real dimensions and weight with valid units and
a plausible density, attribute values from the dictionaries. A required attribute left empty does
not fail the item (as in Ozon's recording): `missing_required` lists it, the product is imported
with `error_attribute_values_empty` and gets no SKU until the attribute is filled. Attributes the
category does not have are ignored; 4180 (name), 9024 (seller code) and 8229 (type) come from the
product, 4191 (annotation) is its description (`products.DERIVED_ATTRIBUTES`).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from oint.sandbox.errors import rejected
from oint.sandbox.model.base import Account, as_int
from oint.sandbox.model.common import VAT_RATES, decimal, money, vat_rates_text
from oint.sandbox.model.products import DERIVED_ATTRIBUTES, MAX_IMAGES, Attribute, AttributeValue

MAX_OFFER_ID = 50
MAX_NAME = 500  # the `name` field's documented length (the error text of name_too_long says 255)
MM_PER_UNIT = {"mm": 1.0, "cm": 10.0, "in": 25.4}
GRAMS_PER_UNIT = {"g": 1.0, "kg": 1000.0, "lb": 453.59237}
DENSITY_RANGE = (0.001, 13.55)  # g/cm³: weight×1000 / (h×w×d in mm)
RICH_CONTENT_ATTRIBUTE = 11254
_URL = re.compile(r"^https?://[^\s/]+\S*$", re.I)

ATTRIBUTE_EMPTY_TEXT = (
    "Это обязательное поле — без него нельзя продавать товар. Заполните поле и пересохраните карточку. "
    "Если редактируете через XLS-шаблон, скачайте его заново"
)
SHORT_MESSAGES = {"error_attribute_values_empty": "Attribute value empty"}


# ------------------------------------------------------------------ request parsing (400s)
def text_field(item: dict[str, Any], key: str, path: str) -> str:
    """A string field: absent/null is "", anything but a JSON string is rejected (protojson)."""
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise rejected(f"{path}.{key}", "value must be a string")
    return value


def int_field(item: dict[str, Any], key: str, path: str) -> int:
    """An integer field: JSON number or string of digits; absent/null/"" is 0."""
    value = item.get(key)
    if value is None or value == "":
        return 0
    number = as_int(value)
    if number is None:
        raise rejected(f"{path}.{key}", "value must be an integer")
    return number


def items_of(body: dict[str, Any], request: str, max_items: int) -> list[dict[str, Any]]:
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


def offer_id_of(item: dict[str, Any], path: str) -> str:
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


def attributes_of(raw: Any, path: str) -> list[Attribute]:
    """[{id, complex_id, values: [{dictionary_value_id, value}]}] with ints and strings checked."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise rejected(path, "value must be an array")
    out: list[Attribute] = []
    for i, attr in enumerate(raw):
        here = f"{path}[{i}]"
        if not isinstance(attr, dict):
            raise rejected(here, "value must be an object")
        attribute_id = int_field(attr, "id", here)
        if attribute_id <= 0:
            raise rejected(f"{here}.id", "value must be greater than 0")
        values_raw = attr.get("values") or []
        if not isinstance(values_raw, list):
            raise rejected(f"{here}.values", "value must be an array")
        values: list[AttributeValue] = []
        for j, v in enumerate(values_raw):
            if not isinstance(v, dict):
                raise rejected(f"{here}.values[{j}]", "value must be an object")
            values.append(
                {
                    "dictionary_value_id": int_field(v, "dictionary_value_id", f"{here}.values[{j}]"),
                    "value": text_field(v, "value", f"{here}.values[{j}]"),
                }
            )
        out.append({"id": attribute_id, "complex_id": int_field(attr, "complex_id", here), "values": values})
    return out


def _complex_attributes(raw: Any, path: str) -> list[Attribute]:
    """Import's [{attributes: [...]}] groups, flattened as Ozon shows them."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise rejected(path, "value must be an array")
    flat: list[Attribute] = []
    for i, group in enumerate(raw):
        if not isinstance(group, dict):
            raise rejected(f"{path}[{i}]", "value must be an object")
        flat += attributes_of(group.get("attributes"), f"{path}[{i}].attributes")
    return flat


def import_item(item: dict[str, Any], i: int) -> dict[str, Any]:
    path = f"ProductImportRequest.Items[{i}]"
    images = _strings(item, "images", path)
    primary = text_field(item, "primary_image", path)
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
        "offer_id": offer_id_of(item, path),
        "name": text_field(item, "name", path),
        "barcode": text_field(item, "barcode", path),
        "description_category_id": int_field(item, "description_category_id", path),
        "type_id": int_field(item, "type_id", path),
        "price": text_field(item, "price", path),
        "old_price": text_field(item, "old_price", path),
        "vat": text_field(item, "vat", path),
        "currency_code": text_field(item, "currency_code", path),
        "height": int_field(item, "height", path),
        "width": int_field(item, "width", path),
        "depth": int_field(item, "depth", path),
        "dimension_unit": text_field(item, "dimension_unit", path),
        "weight": int_field(item, "weight", path),
        "weight_unit": text_field(item, "weight_unit", path),
        "images": images,
        "images360": _strings(item, "images360", path),
        "primary_image": primary,
        "color_image": text_field(item, "color_image", path),
        "pdf_list": pdf_list,
        "attributes": attributes_of(item.get("attributes"), f"{path}.attributes"),
        "complex_attributes": _complex_attributes(
            item.get("complex_attributes"), f"{path}.complex_attributes"
        ),
    }


# ------------------------------------------------------------------ per-item errors
def item_error(
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


def info_error(e: dict[str, Any]) -> dict[str, Any]:
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


def name_errors(name: str) -> list[dict[str, Any]]:
    """The product name of an import item: required, at most `MAX_NAME` characters."""
    if not name:
        return [item_error("EMPTY_REQUIRED", "Укажите название товара (name).", field="name")]
    if len(name) > MAX_NAME:
        return [item_error("name_too_long", f"Название длиннее {MAX_NAME} символов.", field="name")]
    return []


def price_errors(account: Account, item: dict[str, Any]) -> list[dict[str, Any]]:
    """price, old_price, vat and currency of an import or import-by-sku item."""
    errors: list[dict[str, Any]] = []
    price = money(item["price"], comma=True) if item["price"] else None
    if not item["price"]:
        errors.append(item_error("EMPTY_REQUIRED", "Укажите цену товара (price).", field="price"))
    elif price is None:
        text = f"Некорректная цена: {item['price']!r}."
        errors.append(item_error("price_out_of_range", text, field="price"))
    elif price <= 0:
        errors.append(item_error("price_is_negative", "Цена должна быть больше нуля.", field="price"))
    old = money(item["old_price"], comma=True) if item["old_price"] else Decimal(0)
    if old is None or old < 0:
        errors.append(
            item_error(
                "price_out_of_range",
                f"Некорректная цена до скидки: {item['old_price']!r}.",
                field="old_price",
            )
        )
    elif price is not None and price > 0 and 0 < old < price:
        errors.append(
            item_error(
                "old_price_less_than_price",
                "Цена до скидки (old_price) не может быть меньше цены (price).",
                field="old_price",
            )
        )
    vat = decimal(item["vat"], comma=True) if item["vat"] else None
    if vat is None or vat not in VAT_RATES:
        errors.append(
            item_error(
                "vat_invalid",
                f"Недопустимая ставка НДС {item['vat']!r}: используйте {vat_rates_text(' или ')}.",
                field="vat",
            )
        )
    currency = account.currency()
    if item["currency_code"] and item["currency_code"] != currency:
        text = f"Валюта {item['currency_code']} не совпадает с валютой кабинета {currency}."
        errors.append(item_error("currency_code_invalid", text, field="currency_code"))
    return errors


def size_errors(item: dict[str, Any]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    for field in ("height", "width", "depth", "weight"):
        if item[field] <= 0:
            errors.append(
                item_error(
                    "missing_dimension",
                    f"Укажите реальные габариты и вес: {field} должно быть больше 0.",
                    field=field,
                )
            )
    for field, units in (("dimension_unit", MM_PER_UNIT), ("weight_unit", GRAMS_PER_UNIT)):
        if item[field] not in units:
            errors.append(
                item_error(
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
            errors.append(item_error("Incorrect_density", text, field="weight"))
    return errors


def category_error(cat: int, type_id: int) -> dict[str, Any] | None:
    from oint.sandbox.model.categories import find_type

    if not cat:
        return item_error(
            "description_category_is_empty",
            "Не указана категория товара (description_category_id).",
            field="description_category_id",
        )
    if not type_id:
        return item_error("description_type_is_empty", "Не указан тип товара (type_id).", field="type_id")
    found = find_type(cat, type_id)
    if found is None:
        text = (
            f"Категория {cat} с типом {type_id} не найдена: выберите категорию последнего уровня "
            "из дерева категорий."
        )
        return item_error("description_category_invalid", text, field="description_category_id")
    if found.get("disabled"):
        text = f"В категории {cat} с типом {type_id} нельзя создавать товары."
        return item_error("description_category_is_legacy", text, field="description_category_id")
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


def check_attributes(
    cat: int, type_id: int, attributes: list[Attribute]
) -> tuple[list[Attribute], list[dict[str, Any]], dict[int, str]]:
    """Validate attributes against the category: (kept attributes, failing errors, derived values).

    Attributes the category does not have are dropped (Ozon ignores them); 4180/9024/8229
    are derived from the product; 4191's text is returned in `derived`.
    """
    from oint.sandbox.model.categories import attributes_for, dictionary_value

    known = {int(a["id"]): a for a in attributes_for(cat, type_id)}
    kept: list[Attribute] = []
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
                item_error(
                    "VALUE_MAX_LIMIT",
                    f"Характеристика «{name}» принимает не больше {limit} значений.",
                    attribute_id=aid,
                    attribute_name=name,
                )
            )
            continue
        clean: list[AttributeValue] = []
        for v in values:
            if int(meta.get("dictionary_id") or 0):
                entry = dictionary_value(aid, v["dictionary_value_id"]) if v["dictionary_value_id"] else None
                if entry is None:
                    errors.append(
                        item_error(
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
                        item_error(
                            "error_attribute_values_out_of_range",
                            f"Значение {v['value']!r} не подходит для характеристики «{name}».",
                            attribute_id=aid,
                            attribute_name=name,
                        )
                    )
                    continue
                if aid == RICH_CONTENT_ATTRIBUTE and not _is_json(v["value"]):
                    errors.append(
                        item_error(
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


def missing_required(cat: int, type_id: int, attributes: list[Attribute]) -> list[dict[str, Any]]:
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
            item_error(
                "error_attribute_values_empty",
                ATTRIBUTE_EMPTY_TEXT,
                attribute_id=aid,
                attribute_name=str(meta.get("name", "")),
            )
        )
    return errors
