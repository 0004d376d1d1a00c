"""OInt's local structure helpers: field templates for request items, and builders of attributes.

Pure functions, no HTTP. The eight `*_structure` / `*_fields` templates return the same keys
as OInt's module, with human-readable descriptions as values (English by default, Russian
with `lang="ru"`) or, with `empty=True`, every value "" (cleared recursively, as OInt does).

`complete_complex_attribute`, `add_product_video` and `add_product_video_cover` append an
attribute `{id, complex_id, values}` to a product (or attribute) structure. Unlike OInt,
which changes the 1C structure in place, they return a modified deep copy and leave the
caller's object untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from oint.compat.values import Kind, as_str, relaxed_json, unescape
from oint.core.errors import UsageError

# ----------------------------------------------------------------- templates
# key -> (English description, Russian description), in OInt's key order. The English texts
# are OInt's EN build, the Russian ones its RU module source.
Template = tuple[tuple[str, str, str], ...]

PRODUCT: Template = (
    ("description_category_id", "<Product category ID>", "<ID категории товара>"),
    ("name", "<product name>", "<имя товара>"),
    ("offer_id", "<article>", "<артикул>"),
    ("barcode", "<barcode>", "<штрихкод>"),
    ("price", "<price>", "<цена>"),
    ("old_price", "<old price>", "<старая цена>"),
    ("vat", "<VAT rate, e.g. 0.2>", "<ставка ндс, например 0.2>"),
    ("height", "<height>", "<высота>"),
    ("width", "<width>", "<ширина>"),
    ("depth", "<depth>", "<глубина>"),
    (
        "dimension_unit",
        "<unit of measure for sizes, e.g. mm>",
        "<единица измерения для размеров, например mm>",
    ),
    ("weight", "<weight>", "<вес>"),
    ("weight_unit", "<unit of measurement for weight, e.g. g>", "<единица измерения для веса, например g>"),
    ("images", "<array of product images URLs>", "<массив URL картинок товара>"),
    ("images360", "<array of 360 images URLs>", "<массив URL картинок 360>"),
    ("color_image", "<marketing color for pictures>", "<маркетинговый цвет для картинок>"),
)

SIMPLIFIED_PRODUCT: Template = (
    ("name", "<name>", "<наименование>"),
    ("sku", "<product identifier in the Ozon system>", "<идентификатор товара в системе Ozon>"),
    ("offer_id", "<article>", "<артикул>"),
    ("price", "<price>", "<цена>"),
    ("old_price", "<old price>", "<старая цена>"),
    ("vat", "<VAT rate, e.g. 0.2>", "<ставка ндс, например 0.2>"),
    ("currency_code", "<currency>", "<валюта>"),
)

ATTRIBUTES_UPDATE: Template = (
    ("offer_id", "<article>", "<артикул>"),
    ("attributes", "<array of updatable attributes>", "<массив обновляемых атрибутов>"),
)

PRODUCTS_FILTER: Template = (
    ("offer_id", "<articles array>", "<массив артикулов>"),
    ("product_id", "<Products IDs array>", "<массив ID товаров>"),
    ("visibility", "<visibility>", "<видимость>"),
)

PRODUCT_STOCKS: Template = (
    ("offer_id", "<article>", "<артикул>"),
    ("product_id", "<Product ID>", "<ID товара>"),
    ("stock", "<amount>", "<количество>"),
    ("warehouse_id", "<Warehouse ID>", "<ID склада>"),
)

PRODUCT_PRICE: Template = (
    (
        "auto_action_enabled",
        "<Enable auto application of shares: ENABLED or DISABLED>",
        "<включение автоприменения акций: ENABLED или DISABLED>",
    ),
    ("currency_code", "<currency>", "<валюта>"),
    (
        "min_price",
        "<minimum price of product after promotions have been applied>",
        "<минимальная цена товара после применения акций>",
    ),
    ("offer_id", "<product identifier in the sellers system>", "<идентификатор товара в системе продавца>"),
    (
        "old_price",
        "<price before discounts; specify 0 if no discounts are available>",
        "<цена до скидок; укажите значение 0, если скидок нет>",
    ),
    ("price", "<product price with discounts>", "<цена товара с учётом скидок>"),
    (
        "price_strategy_enabled",
        "<auto application of price strategies: ENABLED or DISABLED>",
        "<автоприменения стратегий цены: ENABLED или DISABLED>",
    ),
    ("product_id", "<Product ID>", "<ID товара>"),
)

SHIPMENT_ADDITIONAL_FIELDS: Template = (
    (
        "analytics_data",
        "<pass True to add analytics data to the response>",
        "<передайте Истина, чтобы добавить в ответ данные аналитики>",
    ),
    (
        "financial_data",
        "<pass True to add financial data to the response>",
        "<передайте Истина, чтобы добавить в ответ финансовые данные>",
    ),
)

SHIPMENTS_FILTER: Template = (
    ("since", "Period start in ISO format", "Начало периода в формате ISO"),
    ("status", "Shipment status", "Статус отправления"),
    ("to", "Period end in ISO format", "Конец периода в формате ISO"),
)

LANGUAGES = ("en", "ru")


def language(lang: str | None) -> str:
    """ "en" or "ru" from the `lang` option (None, "" and Ozon's "DEFAULT" mean English)."""
    if lang is None or not lang.strip():
        return "en"
    code = lang.strip().lower()
    if code == "default":
        return "en"
    if code not in LANGUAGES:
        raise UsageError(f"--lang: expected en or ru, got {lang!r}")
    return code


def clear_values(value: Any) -> Any:
    """OInt's recursive clearing: objects keep their keys, arrays their length, every leaf becomes ""."""
    if isinstance(value, Mapping):
        return {key: clear_values(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [clear_values(item) for item in value]
    return ""


def build_template(template: Template, empty: bool | None = False, lang: str | None = "en") -> dict[str, Any]:
    """A fresh structure from `template`: descriptions in `lang`, or all values "" when `empty`."""
    column = 1 if language(lang) == "en" else 2
    structure = {row[0]: row[column] for row in template}
    return clear_values(structure) if empty else structure


def product_structure(empty: bool | None = False, lang: str | None = "en") -> dict[str, Any]:
    """Standard product fields for CreateUpdateProducts (items of POST /v3/product/import)."""
    return build_template(PRODUCT, empty, lang)


def simplified_product_structure(empty: bool | None = False, lang: str | None = "en") -> dict[str, Any]:
    """Fields of one item for CreateProductByOzonID (POST /v1/product/import-by-sku)."""
    return build_template(SIMPLIFIED_PRODUCT, empty, lang)


def attributes_update_structure(empty: bool | None = False, lang: str | None = "en") -> dict[str, Any]:
    """One item for UpdateProductsAttributes (POST /v1/product/attributes/update)."""
    return build_template(ATTRIBUTES_UPDATE, empty, lang)


def products_filter_structure(empty: bool | None = False, lang: str | None = "en") -> dict[str, Any]:
    """The product `filter` of GetProductList (POST /v3/product/list), GetProductsAttributesData,
    GetProductsStocks and GetProductsPrices."""
    return build_template(PRODUCTS_FILTER, empty, lang)


def product_stocks_structure(empty: bool | None = False, lang: str | None = "en") -> dict[str, Any]:
    """One stock entry for UpdateProductsStocks (POST /v2/products/stocks)."""
    return build_template(PRODUCT_STOCKS, empty, lang)


def product_price_structure(empty: bool | None = False, lang: str | None = "en") -> dict[str, Any]:
    """One price entry for UpdateProductsPrices (POST /v1/product/import/prices)."""
    return build_template(PRODUCT_PRICE, empty, lang)


def shipment_additional_fields(empty: bool | None = False, lang: str | None = "en") -> dict[str, Any]:
    """The `with` flags of GetFBOShipmentsList (today POST /v3/posting/fbo/list)."""
    return build_template(SHIPMENT_ADDITIONAL_FIELDS, empty, lang)


def shipments_filter_structure(empty: bool | None = False, lang: str | None = "en") -> dict[str, Any]:
    """The `filter` of GetFBOShipmentsList, in OInt's form (today POST /v3/posting/fbo/list)."""
    return build_template(SHIPMENTS_FILTER, empty, lang)


# ----------------------------------------------------------------- attributes
VIDEO_URL_ATTRIBUTE = 21841
VIDEO_TITLE_ATTRIBUTE = 21837
VIDEO_COMPLEX_ID = 100001
VIDEO_COVER_ATTRIBUTE = 21845
VIDEO_COVER_COMPLEX_ID = 100002


def attribute_values(values: Any, option: str = "values") -> list[Any]:
    """The `values` array of an attribute: a single value becomes a one-item array (OInt's rule).

    Objects (`{"dictionary_value_id": ..., "value": ...}`) are kept as given; plain text,
    numbers and booleans become `{"value": "<text>"}`, the shape Ozon requires.
    """
    items = list(values) if isinstance(values, (list, tuple)) else [values]
    out: list[Any] = []
    for item in items:
        if isinstance(item, Mapping):
            out.append(copy.deepcopy(dict(item)))
        elif isinstance(item, bool):
            out.append({"value": "true" if item else "false"})
        elif isinstance(item, (str, int, float)):
            out.append({"value": as_str(item)})
        else:
            shown = "null" if item is None else type(item).__name__
            raise UsageError(
                f"--{option}: each value must be text, a number or an object "
                f'{{"dictionary_value_id": ..., "value": ...}}, got {shown}'
            )
    return out


def _append(doc: dict[str, Any], key: str, entry: Any, option: str) -> None:
    """Append `entry` to the array `doc[key]`, creating it when missing or still a template placeholder."""
    current = doc.get(key)
    if current is None or isinstance(current, str):  # missing, "" or "<array of ...>" from a template
        doc[key] = [entry]
    elif isinstance(current, list):
        current.append(entry)
    else:
        raise UsageError(f"--{option}: field {key!r} must be an array, got {type(current).__name__}")


def complete_complex_attribute(
    collection: Mapping[str, Any], attribute_id: int | str, complex_id: int | str, values: Any
) -> dict[str, Any]:
    """A copy of `collection` with `{id, complex_id, values}` appended to its `attributes` array.

    Ids are kept as given (numbers or text); `values` may be one value or an array of them.
    """
    result = copy.deepcopy(dict(collection))
    attribute = {"id": attribute_id, "complex_id": complex_id, "values": attribute_values(values)}
    _append(result, "attributes", attribute, "object")
    return result


def add_product_video(item: Mapping[str, Any], url: str, title: str) -> dict[str, Any]:
    """A copy of a product structure with a video (URL 21841 and title 21837, complex 100001)
    appended to `complex_attributes`."""
    video = complete_complex_attribute({}, VIDEO_URL_ATTRIBUTE, VIDEO_COMPLEX_ID, {"value": url})
    video = complete_complex_attribute(video, VIDEO_TITLE_ATTRIBUTE, VIDEO_COMPLEX_ID, {"value": title})
    result = copy.deepcopy(dict(item))
    _append(result, "complex_attributes", video, "item")
    return result


def add_product_video_cover(item: Mapping[str, Any], url: str) -> dict[str, Any]:
    """A copy of a product structure with a video cover (21845, complex 100002) appended to
    `complex_attributes`."""
    cover = complete_complex_attribute(
        {}, VIDEO_COVER_ATTRIBUTE, VIDEO_COVER_COMPLEX_ID, {"dictionary_value_id": 0, "value": url}
    )
    result = copy.deepcopy(dict(item))
    _append(result, "complex_attributes", cover, "item")
    return result


# ----------------------------------------------------------------- parameter kind
class ArbitraryKind(Kind):
    """OInt's "Arbitrary" (Произвольный): one value or an array. JSON text (single quotes allowed)
    is parsed, a `*.json` path on the command line is read, other text stays text."""

    name = "any"
    py_type = "Any"
    text, plural = "any value, or an array of values", "values"

    def normalise(self, value: Any, option: str) -> Any:
        if isinstance(value, str) and value.lstrip().startswith(("[", "{")):
            try:
                return relaxed_json(value)
            except ValueError as e:
                raise UsageError(f"--{option}: malformed JSON: {e}") from None
        if isinstance(value, tuple):
            return list(value)
        if isinstance(value, Mapping):
            return dict(value)
        return value

    def parse_cli(self, text: str, option: str) -> Any:
        if text.strip().lower().endswith(".json"):
            path = text.strip()
            try:
                with open(path, encoding="utf-8-sig") as fh:
                    content = fh.read()
            except OSError as e:
                raise UsageError(f"--{option}: cannot read {path!r}: {e.strerror}") from None
            try:
                return relaxed_json(content)
            except ValueError as e:
                raise UsageError(f"--{option}: file {path!r} is not valid JSON: {e}") from None
        if text.lstrip().startswith(("[", "{")):
            return self.normalise(text, option)
        return unescape(text)


ARBITRARY = ArbitraryKind()
