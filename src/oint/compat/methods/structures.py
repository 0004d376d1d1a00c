"""OInt's local structure helpers (no HTTP): request item templates and attribute builders.

Groups "Uploading-and-updating-products" (7), "Prices-and-stocks" (2) and "Fbo-scheme" (2).
The functions themselves live in `oint.compat.structures`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import oint.compat.structures as s
from oint.compat.registry import Method, P, Param
from oint.compat.values import BOOL, ID, OBJECT, STRING

PRODUCTS = "Uploading-and-updating-products"
PRICES_STOCKS = "Prices-and-stocks"
FBO = "Fbo-scheme"

EMPTY_DOC = "True > structure with empty values, False > field descriptions as values"
LANG_DOC = (
    "Language of the field descriptions: en (default, as OInt's EN build) or ru (as its RU module). "
    "An addition of oint, not an OInt option"
)
COPY_NOTE = (
    "Returns a modified copy; the object passed in is left unchanged (OInt changes the 1C structure "
    "in place and returns it for the CLI)."
)
CLI_JSON_NOTE = (
    "On the command line pass the structure as JSON text (single quotes allowed) or a path to a .json file."
)


def _template_params() -> tuple[Param, ...]:
    return (
        P("empty", "empty", BOOL, ru="Пустая", en="Clear", default=False, doc=EMPTY_DOC, type_doc="Boolean"),
        P("lang", "lang", STRING, ru="Язык", en="Language", default="en", doc=LANG_DOC, type_doc="String"),
    )


def _template(
    name_en: str,
    name_ru: str,
    group: str,
    python: str,
    summary: str,
    local: Callable[..., Any],
    notes: tuple[str, ...],
    example: str,
) -> Method:
    common = (
        'With --empty true every value is "" (cleared recursively, as OInt does); '
        "otherwise the values describe the fields.",
    )
    return Method(
        name_en=name_en,
        name_ru=name_ru,
        group=group,
        python=python,
        summary=summary,
        params=_template_params(),
        local=local,
        notes=notes + common,
        example=example,
    )


GET_PRODUCT_STRUCTURE = _template(
    "GetProductStructure",
    "ПолучитьСтруктуруТовара",
    PRODUCTS,
    "get_product_structure",
    "Template of standard product fields for CreateUpdateProducts (items of POST /v3/product/import).",
    s.product_structure,
    (
        "Keys: description_category_id, name, offer_id, barcode, price, old_price, vat, height, width, "
        "depth, dimension_unit, weight, weight_unit, images, images360, color_image.",
        "Must be completed with category-specific attributes from GetCategoryAttributes "
        "(add them with CompleteComplexAttribute); Ozon also requires type_id.",
        "The first image in images becomes the main image.",
        "Ozon's rules: vat is one of 0, 0.05, 0.07, 0.1, 0.2, 0.22; real dimensions (not 0) with "
        "dimension_unit mm|cm|in and weight_unit g|kg|lb; offer_id up to 50 characters.",
    ),
    "oint ozon GetProductStructure --empty false",
)

GET_SIMPLIFIED_PRODUCT_STRUCTURE = _template(
    "GetSimplifiedProductStructure",
    "ПолучитьСокращеннуюСтруктуруТовара",
    PRODUCTS,
    "get_simplified_product_structure",
    "Template of one item for CreateProductByOzonID (POST /v1/product/import-by-sku).",
    s.simplified_product_structure,
    (
        "Keys: name, sku, offer_id, price, old_price, vat, currency_code.",
        "sku is required by Ozon; it copies another seller's product card, not your own.",
    ),
    "oint ozon GetSimplifiedProductStructure --empty false",
)

GET_ATTRIBUTES_UPDATE_STRUCTURE = _template(
    "GetAttributesUpdateStructure",
    "ПолучитьСтруктуруОбновленияХарактеристик",
    PRODUCTS,
    "get_attributes_update_structure",
    "Template {offer_id, attributes} of one item for UpdateProductsAttributes "
    "(POST /v1/product/attributes/update).",
    s.attributes_update_structure,
    (
        "Attributes are structures {complex_id, id, values[]}; build them with CompleteComplexAttribute "
        "(it replaces the template's placeholder with a real array).",
        "Ozon adds or changes only the listed attributes; filled attributes cannot be deleted.",
    ),
    "oint ozon GetAttributesUpdateStructure --empty false",
)

GET_PRODUCTS_FILTER_STRUCTURE = _template(
    "GetProductsFilterStructure",
    "ПолучитьСтруктуруФильтраТоваров",
    PRODUCTS,
    "get_products_filter_structure",
    "Template {offer_id, product_id, visibility} of the product filter (POST /v3/product/list and others).",
    s.products_filter_structure,
    (
        "Used by GetProductList, GetProductsAttributesData, GetProductsStocks and GetProductsPrices.",
        "offer_id and product_id are arrays (up to 1000 each); visibility e.g. ALL, VISIBLE, INVISIBLE, "
        "ARCHIVED. OInt's docs point to the field reference of the retired /v2/product/list.",
    ),
    "oint ozon GetProductsFilterStructure --empty false",
)

GET_PRODUCT_STOCKS_STRUCTURE = _template(
    "GetProductStocksStructure",
    "ПолучитьСтруктуруОстатковТовара",
    PRICES_STOCKS,
    "get_product_stocks_structure",
    "Template of one stock entry for UpdateProductsStocks (POST /v2/products/stocks).",
    s.product_stocks_structure,
    (
        "Keys: offer_id, product_id, stock, warehouse_id. Send one identifier: with both, offer_id wins.",
        "stock is the available quantity excluding reserved items; up to 100 entries per request, "
        "one update per warehouse and product every 2 minutes.",
    ),
    "oint ozon GetProductStocksStructure --empty false",
)

GET_PRODUCT_PRICE_STRUCTURE = _template(
    "GetProductPriceStructure",
    "ПолучитьСтруктуруЦеныТовара",
    PRICES_STOCKS,
    "get_product_price_structure",
    "Template of one price entry for UpdateProductsPrices (POST /v1/product/import/prices).",
    s.product_price_structure,
    (
        'auto_action_enabled / price_strategy_enabled take ENABLED or DISABLED; old_price "0" when '
        "there is no discount.",
        "Prices are strings; old_price must exceed price (by 20 RUB under 400, 5% up to 10 000, "
        "500 RUB above); min_price at least half of price. Up to 1000 entries per request.",
    ),
    "oint ozon GetProductPriceStructure --empty false",
)

GET_SHIPMENT_ADDITIONAL_FIELDS = _template(
    "GetShipmentAdditionalFields",
    "ПолучитьСтруктуруДопПолейОтправления",
    FBO,
    "get_shipment_additional_fields",
    "Template of the optional `with` flags for GetFBOShipmentsList (today POST /v3/posting/fbo/list).",
    s.shipment_additional_fields,
    ("Set a flag to true to include that block (analytics_data, financial_data) in the postings.",),
    "oint ozon GetShipmentAdditionalFields --empty false",
)

GET_SHIPMENTS_FILTER_STRUCTURE = _template(
    "GetShipmentsFilterStructure",
    "ПолучитьСтруктуруФильтраОтправлений",
    FBO,
    "get_shipments_filter_structure",
    "Template {since, status, to} of the filter for GetFBOShipmentsList (OInt's form; "
    "today POST /v3/posting/fbo/list gets status as statuses).",
    s.shipments_filter_structure,
    (
        "since and to are ISO 8601 datetimes (Ozon works in UTC) and both required by Ozon; "
        "status is a posting status such as awaiting_packaging or delivered.",
    ),
    "oint ozon GetShipmentsFilterStructure --empty false",
)

_ITEM_PARAM = P(
    "item",
    "item",
    OBJECT,
    ru="СтруктураТовара",
    en="ItemStructure",
    required=True,
    doc="Base product structure. See GetProductStructure",
    type_doc="Structure Of String",
)

ADD_PRODUCT_VIDEO = Method(
    name_en="AddProductVideo",
    name_ru="ДобавитьВидеоТовара",
    group=PRODUCTS,
    python="add_product_video",
    summary="Add a video (URL and title) to a product structure's complex_attributes "
    "for CreateUpdateProducts.",
    params=(
        _ITEM_PARAM,
        P("url", "url", STRING, ru="URL", en="URL", required=True, doc="Video URL", type_doc="String"),
        P(
            "title",
            "title",
            STRING,
            ru="Наименование",
            en="Name",
            required=True,
            doc="Technical video name",
            type_doc="String",
        ),
    ),
    local=s.add_product_video,
    notes=(
        "Appends {attributes: [{id: 21841, complex_id: 100001, values: [{value: URL}]}, "
        "{id: 21837, complex_id: 100001, values: [{value: Name}]}]} to complex_attributes "
        "(created when missing).",
        "Ozon: up to 5 videos per product, MP4 or MOV, 8 seconds to 5 minutes, public links.",
        COPY_NOTE,
        CLI_JSON_NOTE,
    ),
    example=(
        "oint ozon AddProductVideo --item \"{'description_category_id':17028922,'name':'Protective film set "
        "for X3 NFC. Dark cotton','offer_id':'143210609','barcode':'112772873170','price':'1300',"
        "'old_price':'1300','vat':'0.1','height':250,'width':150,'depth':10,'dimension_unit':'mm',"
        "'weight':100,'weight_unit':'g','images':['https://github.com/Bayselonarrend/OpenIntegrations/raw/"
        "main/service/test_data/picture.jpg','https://github.com/Bayselonarrend/OpenIntegrations/raw/main/"
        "service/test_data/picture2.jpg']}\" "
        '--url "https://rutube.ru/video/c6cc4d620b1d4338901770a44b3e82f4/" --title "video1"'
    ),
)

ADD_PRODUCT_VIDEO_COVER = Method(
    name_en="AddProductVideoCover",
    name_ru="ДобавитьВидеообложкуТовара",
    group=PRODUCTS,
    python="add_product_video_cover",
    summary="Add a video cover URL to a product structure's complex_attributes for CreateUpdateProducts.",
    params=(
        _ITEM_PARAM,
        P("url", "url", STRING, ru="URL", en="URL", required=True, doc="Video cover URL", type_doc="String"),
    ),
    local=s.add_product_video_cover,
    notes=(
        "Appends {attributes: [{id: 21845, complex_id: 100002, values: [{dictionary_value_id: 0, "
        "value: URL}]}]} to complex_attributes (created when missing).",
        COPY_NOTE,
        CLI_JSON_NOTE,
    ),
    example=(
        "oint ozon AddProductVideoCover --item \"{'description_category_id':17028922,'name':'Protective film "
        "set for X3 NFC. Dark cotton','offer_id':'143210608','barcode':'112772873170','price':'1000',"
        "'old_price':'1100','vat':'0.1','height':250,'width':150,'depth':10,'dimension_unit':'mm',"
        "'weight':100,'weight_unit':'g'}\" --url \"https://rutube.ru/video/c6cc4d620b1d4338901770a44b3e82f4/\""
    ),
)

COMPLETE_COMPLEX_ATTRIBUTE = Method(
    name_en="CompleteComplexAttribute",
    name_ru="ДополнитьКомплексныйАтрибут",
    group=PRODUCTS,
    python="complete_complex_attribute",
    summary="Append an attribute {id, complex_id, values} to the attributes array of a product or "
    "attribute structure.",
    params=(
        P(
            "collection",
            "object",
            OBJECT,
            ru="Коллекция",
            en="Collection",
            required=True,
            doc="Complex attribute structure or product structure",
            type_doc="Structure Of String",
        ),
        P(
            "attribute_id",
            "attributeid",
            ID,
            ru="IDАтрибута",
            en="AttributeID",
            required=True,
            doc="Attribute ID",
            type_doc="String, Number",
        ),
        P(
            "complex_id",
            "complexid",
            ID,
            ru="КомплексныйID",
            en="ComplexID",
            required=True,
            doc="Complex attribute ID",
            type_doc="String, Number",
        ),
        P(
            "values",
            "values",
            s.ARBITRARY,
            ru="Значения",
            en="Values",
            required=True,
            doc="Value or array of values for 'values'",
            type_doc="Arbitrary",
        ),
    ),
    local=s.complete_complex_attribute,
    notes=(
        "attributes is created when missing (or when it still holds a template placeholder); "
        "ids are kept as given (the CLI reads digits as numbers); complex_id 0 for ordinary attributes.",
        "values: one value or an array. Objects such as {dictionary_value_id, value} are kept as given; "
        'plain text or numbers become {value: "<text>"} (Ozon\'s shape; OInt would put them in '
        "as they are).",
        "Dictionary attributes need dictionary_value_id from GetAttributeValues / SearchAttributeValue.",
        COPY_NOTE,
        CLI_JSON_NOTE,
    ),
    example=(
        "oint ozon CompleteComplexAttribute --object \"{'description_category_id':17028922,"
        "'name':'Protective film set for X3 NFC. Dark cotton','offer_id':'143210608',"
        "'barcode':'112772873170','price':'1000',"
        "'old_price':'1100','vat':'0.1','height':250,'width':150,'depth':10,'dimension_unit':'mm',"
        "'weight':100,'weight_unit':'g'}\" --attributeid 5076 --complexid 0 "
        "--values \"{'dictionary_value_id':971082156,'value':'Speaker stand'}\""
    ),
)

METHODS: tuple[Method, ...] = (
    GET_PRODUCT_STRUCTURE,
    GET_SIMPLIFIED_PRODUCT_STRUCTURE,
    GET_ATTRIBUTES_UPDATE_STRUCTURE,
    GET_PRODUCTS_FILTER_STRUCTURE,
    ADD_PRODUCT_VIDEO,
    ADD_PRODUCT_VIDEO_COVER,
    COMPLETE_COMPLEX_ATTRIBUTE,
    GET_PRODUCT_STOCKS_STRUCTURE,
    GET_PRODUCT_PRICE_STRUCTURE,
    GET_SHIPMENT_ADDITIONAL_FIELDS,
    GET_SHIPMENTS_FILTER_STRUCTURE,
)
