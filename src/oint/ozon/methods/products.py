"""Uploading and updating products (OInt group "Uploading-and-updating-products")."""

from __future__ import annotations

from oint.ozon.methods.common import PRODUCT_ID
from oint.ozon.registry import Method, P
from oint.ozon.values import IDS, STRING, STRINGS

GROUP = "Uploading-and-updating-products"

GET_PRODUCTS_INFORMATION = Method(
    name_en="GetProductsInformation",
    name_ru="ПолучитьИнформациюОТоварах",
    group=GROUP,
    python="get_products_information",
    summary="Get detailed product info by product IDs, SKUs or offer IDs (articles).",
    operation="/v3/product/info/list",
    params=(
        P(
            "product_id",
            "productid",
            IDS,
            ru="IDТоваров",
            en="ProductsID",
            default=None,
            doc="Product identifiers",
            type_doc="Number, Array Of Number",
            field="product_id",
        ),
        P(
            "sku",
            "sku",
            IDS,
            ru="SKU",
            en="SKU",
            default=None,
            doc="Product identifiers in the Ozon system (SKU)",
            type_doc="Number, Array Of Number",
            field="sku",
        ),
        P(
            "offer_id",
            "offerid",
            STRINGS,
            ru="Артикулы",
            en="Articles",
            default=None,
            doc="Seller-side identifiers (articles / offer_id)",
            type_doc="String, Array of String",
            field="offer_id",
        ),
    ),
    notes=(
        "Pass one kind of identifier (a single value or an array); the answer is an items array.",
        "Image fields images, images360, color_image and primary_image show a product's pictures.",
    ),
    example='oint ozon GetProductsInformation --clientid "***" --apikey "***" --offerid "143210609"',
)

UPDATE_PRODUCT_IMAGES = Method(
    name_en="UpdateProductImages",
    name_ru="ОбновитьИзображенияТовара",
    group=GROUP,
    python="update_product_images",
    summary="Replace a product's images, 360 images and marketing colour.",
    operation="/v1/product/pictures/import",
    params=(
        PRODUCT_ID,
        P(
            "images",
            "images",
            STRINGS,
            ru="МассивИзображений",
            en="ImagesArray",
            default=None,
            doc="Array of image URLs",
            type_doc="Array Of String",
            field="images",
        ),
        P(
            "images360",
            "images360",
            STRINGS,
            ru="Массив360",
            en="Array360",
            default=None,
            doc="Array of 360 images",
            type_doc="Array Of String",
            field="images360",
        ),
        P(
            "color",
            "color",
            STRING,
            ru="МаркетинговыйЦвет",
            en="MarketingColor",
            default="",
            doc="Marketing colour",
            type_doc="String",
            field="color_image",
        ),
    ),
    notes=(
        "Pass all images that must be on the card on every call: the call replaces them all.",
        "The first image is the primary one. Links must be public; JPG or PNG.",
        "To change order or composition, read images, images360 and color_image with "
        "GetProductsInformation first.",
    ),
    example=(
        'oint ozon UpdateProductImages --clientid "2128753" --apikey "7cc90d26-33e4-499b..." '
        '--productid "1111588191" --images "[\'https://openintegrations.dev/test_data/picture.jpg\','
        '\'https://openintegrations.dev/test_data/picture2.jpg\']" --color "GREEN"'
    ),
)

CHECK_PRODUCTS_IMAGES_UPLOAD = Method(
    name_en="CheckProductsImagesUpload",
    name_ru="ПроверитьЗагрузкуИзображенийТоваров",
    group=GROUP,
    python="check_products_images_upload",
    summary="Check image upload status for products by product IDs.",
    operation="/v2/product/pictures/info",
    params=(
        P(
            "products",
            "products",
            IDS,
            ru="IDТоваров",
            en="ProductsID",
            required=True,
            doc="Product IDs to check",
            type_doc="String, Number, Array of String, Number",
            field="product_id",
        ),
    ),
    example='oint ozon CheckProductsImagesUpload --clientid "***" --apikey "***" --products 2876547413',
)

METHODS = (GET_PRODUCTS_INFORMATION, UPDATE_PRODUCT_IMAGES, CHECK_PRODUCTS_IMAGES_UPLOAD)
