"""The product import pipeline and product reading.

Creating and updating products (`/v3/product/import`, `/v1/product/import-by-sku`,
`/v1/product/attributes/update`) are asynchronous on Ozon's side: each answers with a
task id whose outcome `GetProductCreationStatus` reports per item. Reading: the product
list, full attribute descriptions, a product's description text and the daily quotas.
"""

from __future__ import annotations

from oint.compat.methods.common import LAST_ID, PRODUCT_FILTER, PRODUCT_ID, TASK_ID
from oint.compat.registry import Method, P
from oint.compat.values import OBJECT, STRING, array_of, without_blanks

GROUP = "Uploading-and-updating-products"
ATTRIBUTES_GROUP = "Attributes-and-features"

OBJECTS = array_of(OBJECT)  # one structure, a list of them, or JSON text of either
PAGE_SIZE = "200"  # OInt's fixed page size of the product list and attribute data, sent as a string

_FILTER_NOTE = (
    "Filter fields: offer_id (array), product_id (array), visibility (ALL, VISIBLE, INVISIBLE, "
    "EMPTY_STOCK, ARCHIVED, IN_SALE, STATE_FAILED, ...); see GetProductsFilterStructure. "
    "Filtering by identifiers ignores visibility."
)
_ALL_NOTE = "Visibility ALL means every product except archived ones (ARCHIVED lists those)."


GET_PRODUCTS_REQUESTS_LIMITS = Method(
    name_en="GetProductsRequestsLimits",
    name_ru="ПолучитьЛимитыРаботыСТоварами",
    group=ATTRIBUTES_GROUP,
    python="get_products_requests_limits",
    summary="Get the seller's limits for assortment size and daily product creation/updates.",
    operation="/v4/product/info/limit",
    params=(),
    send_body=False,
    notes=(
        "Answer: daily_create and daily_update {usage, limit, reset_at} and total {usage, limit}; "
        "-1 means unlimited.",
        "Daily quotas reset at 03:00 Moscow time (00:00 UTC, reset_at). Items over a quota fail "
        "with item_limit_exceeded in GetProductCreationStatus.",
        "Creating products (CreateUpdateProducts, CreateProductByOzonID) counts against daily_create, "
        "changing them (CreateUpdateProducts with a known offer_id, UpdateProductsAttributes) against "
        "daily_update; unchanged items (status skipped) count against nothing.",
    ),
    example='oint ozon GetProductsRequestsLimits --clientid "***" --apikey "***"',
)

GET_PRODUCT_LIST = Method(
    name_en="GetProductList",
    name_ru="ПолучитьСписокТоваров",
    group=GROUP,
    python="get_product_list",
    summary="List seller products (product_id/offer_id, stock flags), optionally filtered, 200 per page.",
    operation="/v3/product/list",
    params=(PRODUCT_FILTER, LAST_ID),
    fixed={"limit": PAGE_SIZE},
    notes=(
        _FILTER_NOTE,
        _ALL_NOTE,
        "Pages of 200 products by product_id. Pass result.last_id of the previous answer as --last; "
        'the end is reached when a page comes back with no items (its last_id is "").',
        "Ozon switched result.total off on 2026-11-23: the count is result.total_items.",
    ),
    example=(
        'oint ozon GetProductList --clientid "***" --apikey "***" '
        "--filter \"{'visibility':'ALL','offer_id':['143210609','1432106010']}\""
    ),
)

GET_PRODUCTS_ATTRIBUTES_DATA = Method(
    name_en="GetProductsAttributesData",
    name_ru="ПолучитьОписанияХарактеристикТоваров",
    group=GROUP,
    python="get_products_attributes_data",
    summary="Get full attribute descriptions of products, optionally filtered, 200 per page.",
    operation="/v4/product/info/attributes",
    params=(PRODUCT_FILTER, LAST_ID),
    fixed={"limit": PAGE_SIZE},
    notes=(
        _FILTER_NOTE,
        _ALL_NOTE,
        'Pass last_id of the previous answer as --last; it is "" on the last page.',
        "OInt's documentation cites /v4/products/info/attributes; the endpoint is "
        "/v4/product/info/attributes.",
    ),
    example=(
        'oint ozon GetProductsAttributesData --clientid "***" --apikey "***" '
        "--filter \"{'visibility':'ALL','offer_id':['143210609']}\""
    ),
)

GET_PRODUCT_DESCRIPTION = Method(
    name_en="GetProductDescription",
    name_ru="ПолучитьОписаниеТовара",
    group=GROUP,
    python="get_product_description",
    summary="Get a product's name and description text by product ID or offer ID.",
    operation="/v1/product/info/description",
    params=(
        PRODUCT_ID._replace(required=False),
        # text, also on the command line: an article such as "007" keeps its leading zeros
        P(
            "offer_id",
            "offerid",
            STRING,
            ru="Артикул",
            en="Article",
            default=None,
            doc="Seller-side identifier (offer_id)",
            type_doc="String, Number",
            field="offer_id",
        ),
    ),
    notes=(
        "Pass either the product ID or the offer ID (article).",
        "Ozon answers 404 when no product matches.",
    ),
    example='oint ozon GetProductDescription --clientid "***" --apikey "***" --offerid "143210609"',
)

CREATE_UPDATE_PRODUCTS = Method(
    name_en="CreateUpdateProducts",
    name_ru="СоздатьОбновитьТовары",
    group=GROUP,
    python="create_update_products",
    summary="Create new products or update existing ones from product structures (async task).",
    operation="/v3/product/import",
    params=(
        P(
            "items",
            "items",
            OBJECTS,
            ru="МассивТоваров",
            en="ProductsArray",
            required=True,
            doc="Array of (or one) product description structures",
            type_doc="Array Of String",
            field="items",
            convert=without_blanks,
            per_item=True,
        ),
    ),
    notes=(
        "Build items with GetProductStructure, AddProductVideo, AddProductVideoCover, "
        "CompleteComplexAttribute.",
        "Up to 100 items per call. An item whose offer_id already exists updates that product: "
        "pass all of its data, the import replaces it.",
        "Required: offer_id (up to 50 characters), name, description_category_id and type_id of a "
        "last-level category, price (a string), vat (0, 0.05, 0.07, 0.1, 0.2 or 0.22, as a string), "
        "real dimensions and weight with units (mm, cm, in; g, kg, lb), the category's required attributes.",
        "Up to 50 images (49 when primary_image is given). Prices, vat and offer_id are strings.",
        "type_id is required by Ozon since 2025-05-26: OInt's example below predates that, add "
        "'type_id':91565 to it (without it the item fails with description_type_is_empty).",
        "Returns a task_id; check the outcome with GetProductCreationStatus. Creations and updates count "
        "against the daily quotas of GetProductsRequestsLimits.",
    ),
    example=(
        'oint ozon CreateUpdateProducts --clientid "***" --apikey "***" --items "'
        "{'description_category_id':17028922,'name':'Protective film set for X3 NFC. Dark cotton',"
        "'offer_id':'143210609','barcode':'112772873170','price':'1300','old_price':'1300','vat':'0.1',"
        "'height':250,'width':150,'depth':10,'dimension_unit':'mm','weight':100,'weight_unit':'g',"
        "'images':['https://github.com/Bayselonarrend/OpenIntegrations/raw/main/service/test_data/"
        "picture.jpg','https://github.com/Bayselonarrend/OpenIntegrations/raw/main/service/test_data/"
        "picture2.jpg'],'complex_attributes':[{'attributes':[{'id':21841,'complex_id':100001,"
        "'values':[{'value':'https://rutube.ru/video/c6cc4d620b1d4338901770a44b3e82f4/'}]},{'id':21837,"
        "'complex_id':100001,'values':[{'value':'video1'}]}]}],'attributes':[{'id':'5076','complex_id':'0',"
        "'values':[{'dictionary_value_id':971082156,'value':'Speaker stand'}]},{'id':85,'complex_id':0,"
        "'values':[{'dictionary_value_id':5060050,'value':'Samsung'}]},{'id':10096,'complex_id':0,"
        "'values':[{'dictionary_value_id':61576,'value':'gray'}]},{'id':8229,'complex_id':0,"
        "'values':[{'dictionary_value_id':95911,'value':'Protective film set for X3 NFC. Dark cotton'}]},"
        "{'id':9048,'complex_id':0,'values':[{'value':'Protective film set for X3 NFC. Dark cotton'}]}]}"
        '"'
    ),
)

CREATE_PRODUCT_BY_OZON_ID = Method(
    name_en="CreateProductByOzonID",
    name_ru="СоздатьТоварыПоOzonID",
    group=GROUP,
    python="create_product_by_ozon_id",
    summary="Create products by copying an existing Ozon SKU (async task).",
    operation="/v1/product/import-by-sku",
    params=(
        P(
            "items",
            "items",
            OBJECTS,
            ru="МассивТоваров",
            en="ProductsArray",
            required=True,
            doc="Array of (or one) simplified product structures",
            type_doc="Array Of String",
            field="items",
            convert=without_blanks,
            per_item=True,
        ),
    ),
    notes=(
        "Empty template: GetSimplifiedProductStructure. Entries: {name, sku, offer_id, price, old_price, "
        "vat, currency_code}.",
        "Copies another seller's product card; your own products cannot be copied, and a product cannot be "
        "updated by Ozon ID (create only).",
        "SKUs Ozon does not know come back in result.unmatched_sku_list; the rest go to the task "
        "(GetProductCreationStatus).",
    ),
    example=(
        'oint ozon CreateProductByOzonID --clientid "***" --apikey "***" --items "'
        "{'name':'New imported product','sku':'1626044001','offer_id':'91132','price':'1100',"
        "'old_price':'1100','vat':'0.1','currency_code':'RUB'}\""
    ),
)

UPDATE_PRODUCTS_ATTRIBUTES = Method(
    name_en="UpdateProductsAttributes",
    name_ru="ОбновитьХарактеристикиТоваров",
    group=GROUP,
    python="update_products_attributes",
    summary="Update attributes of existing products (async task).",
    operation="/v1/product/attributes/update",
    params=(
        P(
            "items",
            "items",
            OBJECTS,
            ru="МассивХарактеристик",
            en="AttributesArray",
            required=True,
            doc="Array of (or one) product attribute structures {offer_id, attributes}",
            type_doc="Array Of String",
            field="items",
            convert=without_blanks,
            per_item=True,
        ),
    ),
    notes=(
        "Empty template: GetAttributesUpdateStructure; attributes are built with CompleteComplexAttribute.",
        "Only the listed attributes are added or changed; filled attributes cannot be deleted.",
        "The answer is {task_id} without a result wrapper; check it with GetProductCreationStatus.",
    ),
    example=(
        'oint ozon UpdateProductsAttributes --clientid "***" --apikey "***" --items "'
        "{'offer_id':'143210609','attributes':[{'id':'5076','complex_id':'0',"
        "'values':[{'dictionary_value_id':'971082156','value':'Speaker stand'}]},{'id':'85',"
        "'complex_id':'0','values':[{'dictionary_value_id':'5060050','value':'Samsung'}]},{'id':'10096',"
        "'complex_id':'0','values':[{'dictionary_value_id':'61576','value':'red'}]}]}\""
    ),
)

GET_PRODUCT_CREATION_STATUS = Method(
    name_en="GetProductCreationStatus",
    name_ru="ПолучитьСтатусДобавленияТовара",
    group=GROUP,
    python="get_product_creation_status",
    summary="Get the status of a product import task (CreateUpdateProducts / CreateProductByOzonID / "
    "UpdateProductsAttributes).",
    operation="/v1/product/import/info",
    params=(TASK_ID,),
    notes=(
        "Item status: pending (queued), imported, failed (see errors), skipped (nothing changed).",
        "An imported item may still carry errors, e.g. error_attribute_values_empty for a required "
        "attribute: the product exists but cannot be sold until it is filled.",
    ),
    example='oint ozon GetProductCreationStatus --clientid "***" --apikey "***" --taskid 3109777510',
)

METHODS = (
    GET_PRODUCTS_REQUESTS_LIMITS,
    GET_PRODUCT_LIST,
    GET_PRODUCTS_ATTRIBUTES_DATA,
    GET_PRODUCT_DESCRIPTION,
    CREATE_UPDATE_PRODUCTS,
    CREATE_PRODUCT_BY_OZON_ID,
    UPDATE_PRODUCTS_ATTRIBUTES,
    GET_PRODUCT_CREATION_STATUS,
)
