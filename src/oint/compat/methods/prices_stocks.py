"""Prices and stocks (OInt group "Prices-and-stocks"): stocks, prices and markdowns."""

from __future__ import annotations

from oint.compat.methods.common import LAST_ID, PRODUCT_FILTER, PRODUCT_ID, SKUS
from oint.compat.registry import Method, P
from oint.compat.values import NUMBER, OBJECT, array_of, as_number, without_blanks

GROUP = "Prices-and-stocks"
STRUCTURES = array_of(OBJECT)  # OInt's "Array of Structure": a single structure becomes a one-item list


_PAGING_NOTE = (
    "Ozon's v4 stocks / v5 prices page with an opaque 'cursor' (the answer's cursor, \"\" on the last "
    "page): pass it as --last to get the next page. OInt sent it as last_id, which these versions do not "
    "take; oint sends it as cursor."
)
CURSOR = LAST_ID._replace(field="cursor", doc="Cursor of the next page (cursor from the previous response)")

GET_PRODUCTS_STOCKS = Method(
    name_en="GetProductsStocks",
    name_ru="ПолучитьКоличествоТоваров",
    group=GROUP,
    python="get_products_stocks",
    summary="Get FBS/rFBS/FBO stock quantities of products, optionally filtered (pages of 100).",
    operation="/v4/product/info/stocks",
    params=(PRODUCT_FILTER, CURSOR),
    fixed={"limit": "100"},
    notes=(
        "Filter fields: offer_id (array), product_id (array), visibility (e.g. ALL) - see "
        "GetProductsFilterStructure. Without --filter an empty filter {} is sent (all products).",
        _PAGING_NOTE,
        "Each item has stocks [{type: fbs|rfbs|fbo, present, reserved, sku, warehouse_ids}]; present "
        "includes the reserved quantity.",
        "Ozon switched 'total' off on 2026-11-23: the count is 'total_items'.",
    ),
    example=(
        'oint ozon GetProductsStocks --clientid "***" --apikey "***" '
        "--filter \"{'visibility':'ALL','offer_id':['143210608']}\""
    ),
)

GET_PRODUCTS_PRICES = Method(
    name_en="GetProductsPrices",
    name_ru="ПолучитьЦеныТоваров",
    group=GROUP,
    python="get_products_prices",
    summary="Get product prices, commissions and price indexes, optionally filtered (pages of 300).",
    operation="/v5/product/info/prices",
    params=(PRODUCT_FILTER, CURSOR),
    fixed={"limit": "300"},
    notes=(
        "Filter fields: offer_id, product_id, visibility - see GetProductsFilterStructure.",
        _PAGING_NOTE,
        "Prices come back as numbers (price.price, price.old_price, price.min_price, ...), while "
        "UpdateProductsPrices takes them as strings.",
    ),
    example='oint ozon GetProductsPrices --clientid "***" --apikey "***"',
)

GET_DISCOUNT_INFORMATION = Method(
    name_en="GetDiscountInformation",
    name_ru="ПолучитьИнформациюОбУценке",
    group=GROUP,
    python="get_discount_information",
    summary="Get the condition and defects of markdown (discounted) items and their main product's SKU.",
    operation="/v1/product/info/discounted",
    params=(SKUS._replace(field="discounted_skus", doc="SKU of discounted products"),),
    notes=(
        "Pass the SKUs of the markdown items, not of the main products; SKUs that are not markdowns "
        "are left out of items.",
        "Ozon answers for markdowns sold via FBO.",
    ),
    example='oint ozon GetDiscountInformation --clientid "***" --apikey "***" --sku 1626044001',
)

UPDATE_PRODUCTS_STOCKS = Method(
    name_en="UpdateProductsStocks",
    name_ru="ОбновитьКоличествоТоваров",
    group=GROUP,
    python="update_products_stocks",
    summary="Set product stock quantities per warehouse (FBS and rFBS).",
    operation="/v2/products/stocks",
    params=(
        P(
            "stocks",
            "stocks",
            STRUCTURES,
            ru="Остатки",
            en="Stocks",
            required=True,
            doc="Array of stock entries. See GetProductStocksStructure",
            type_doc="Array of Structure",
            field="stocks",
            convert=without_blanks,
            per_item=True,
        ),
    ),
    notes=(
        "Entries {offer_id, product_id, stock, warehouse_id}; if both ids are given, Ozon uses offer_id. "
        "The stock is the available quantity, without the reserved one.",
        "Up to 100 product-warehouse pairs per request; up to 80 requests a minute per seller account.",
        "One product on one warehouse may be updated once every 30 seconds; more often the entry "
        "fails with TOO_MANY_REQUESTS.",
        "Stocks can be set only once the product is created and has a price (status price_sent); "
        "bulky goods only on warehouses for bulky goods; stock must be below 1,000,000.",
        "Failures come per entry inside the answer: result [{warehouse_id, product_id, offer_id, updated, "
        "errors [{code, message}]}]. Warehouse ids come from GetWarehousesList.",
        "CLI accepts JSON text or a path to a .json file.",
    ),
    example=(
        'oint ozon UpdateProductsStocks --clientid "***" --apikey "***" '
        "--stocks \"{'offer_id':'143210610','product_id':1307198983,'stock':20,"
        "'warehouse_id':1}\""
    ),
)

UPDATE_PRODUCTS_PRICES = Method(
    name_en="UpdateProductsPrices",
    name_ru="ОбновитьЦеныТоваров",
    group=GROUP,
    python="update_products_prices",
    summary="Update prices of one or more products.",
    operation="/v1/product/import/prices",
    params=(
        P(
            "prices",
            "prices",
            STRUCTURES,
            ru="Цены",
            en="Prices",
            required=True,
            doc="Product prices. See GetProductPriceStructure",
            type_doc="Array of Structure",
            field="prices",
            convert=without_blanks,
            per_item=True,
        ),
    ),
    notes=(
        "Up to 1000 products per request; the price of one product may change at most 10 times an hour.",
        'Prices are strings with a point ("1300", "1299.90"); old_price "0" removes the crossed-out '
        "price; currency_code must be the account's currency.",
        "Ozon's rules: old_price above price by at least 20 (price < 400), 5 % (400-10 000) or 500 "
        "(> 10 000); discount below 90 %; min_price between 50 % of price and price.",
        "Failures come per item inside the answer: result [{product_id, offer_id, updated, errors}].",
        "CLI accepts JSON text or a path to a .json file.",
    ),
    example=(
        'oint ozon UpdateProductsPrices --clientid "***" --apikey "***" '
        "--prices \"{'auto_action_enabled':'DISABLED','currency_code':'RUB',"
        "'min_price':'1300','offer_id':'143210610','old_price':'1400','price':'1300',"
        "'price_strategy_enabled':'DISABLED','product_id':1307198983}\""
    ),
)

SET_PRODUCT_DISCOUNT = Method(
    name_en="SetProductDiscount",
    name_ru="УстановитьСкидкуНаУцененныйТовар",
    group=GROUP,
    python="set_product_discount",
    summary="Set the discount of a markdown (discounted) product sold via FBS.",
    operation="/v1/product/update/discount",
    params=(
        PRODUCT_ID,
        P(
            "discount",
            "discount",
            NUMBER,
            ru="Скидка",
            en="Discount",
            required=True,
            doc="Discount amount",
            type_doc="String, Number",
            field="discount",
            convert=as_number,
        ),
    ),
    notes=(
        "Applies to discounted (markdown) products sold under the FBS scheme.",
        "The discount is a whole percentage from 3 to 99. Other products answer 404 "
        "'item discount not found'.",
    ),
    example=(
        'oint ozon SetProductDiscount --clientid "***" --apikey "***" --productid 1156646653 --discount 10'
    ),
)

METHODS = (
    GET_PRODUCTS_STOCKS,
    GET_PRODUCTS_PRICES,
    GET_DISCOUNT_INFORMATION,
    UPDATE_PRODUCTS_STOCKS,
    UPDATE_PRODUCTS_PRICES,
    SET_PRODUCT_DISCOUNT,
)
