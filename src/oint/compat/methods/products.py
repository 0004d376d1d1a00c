"""Uploading and updating products (OInt group "Uploading-and-updating-products")."""

from __future__ import annotations

from typing import Any

from oint.compat.flows import Current, Flow, failure, follow_task, lacks, request, task_failure
from oint.compat.methods.common import PRODUCT_ID
from oint.compat.registry import Method, P
from oint.compat.values import IDS, STRING, STRINGS

GROUP = "Uploading-and-updating-products"


# ------------------------------------------------------------------ current implementations
def product_offer_id(product_id: Any) -> Flow:
    """The offer_id of a product (by `/v3/product/info/list`); 404 like OInt's endpoint when unknown."""
    info = yield request("/v3/product/info/list", {"product_id": [str(product_id)]})
    items = info.get("items") or []
    if not items:
        raise failure(404, 5, f"product {product_id} not found", "/v3/product/info/list")
    offer_id: str = items[0]["offer_id"]
    return offer_id


def update_product_images_current(body: dict[str, Any]) -> Flow:
    """UpdateProductImages on `/v2/product/pictures/import` (see `PICTURES_NOTES`)."""
    product_id = body["product_id"]
    images: list[str] = list(body.get("images") or [])
    color: str = body.get("color_image") or ""
    images360 = body.get("images360") or []
    if images360:
        lacks(
            "UpdateProductImages",
            f"Ozon removed 360° images: /v2/product/pictures/import has no images360, "
            f"so the {len(images360)} given were not sent",
        )
    offer_id = yield from product_offer_id(product_id)
    item: dict[str, Any] = {"offer_id": offer_id, "images": images}
    if color:
        item["color_image"] = color
    task = yield request("/v2/product/pictures/import", {"items": [item]})
    task_id = int(task["task_id"])
    results = yield from follow_task(task_id)
    if any(r.get("status") == "failed" for r in results):
        raise task_failure("/v1/product/import/info", task_id, results)
    pending = not results or any(r.get("status") == "pending" for r in results)
    if pending:
        lacks("UpdateProductImages", f"task {task_id} is still being processed: check the images later")
    info = yield request("/v2/product/pictures/info", {"product_id": [str(product_id)]})
    items = info.get("items") or []
    found: dict[str, Any] = next((i for i in items if str(i.get("product_id")) == str(product_id)), {})
    failed = {e.get("url") for e in found.get("errors") or []}
    primary = (found.get("primary_photo") or [""])[0]

    def picture(url: str, *, is_primary: bool = False, is_color: bool = False) -> dict[str, Any]:
        return {
            "product_id": int(product_id),
            "url": url,
            "state": "pending" if url in failed else "imported",
            "is_primary": is_primary,
            "is_360": False,
            "is_color": is_color,
        }

    pictures = [picture(u, is_primary=(u == primary) if primary else i == 0) for i, u in enumerate(images)]
    if color:
        pictures.append(picture(color, is_color=True))
    return {"result": {"pictures": pictures}}


PICTURES_NOTES = (
    "Current implementation: the product's offer_id from /v3/product/info/list, then "
    "/v2/product/pictures/import (items keyed by offer_id, colour as color_image), the import task "
    "followed with /v1/product/import/info, and the images read back with /v2/product/pictures/info.",
    "The answer keeps OInt's shape: one picture per image in order (the first is_primary unless Ozon "
    "names another primary photo), then the colour (is_color); state 'imported' for an accepted image and "
    "'pending' for one Ozon reports an error for (v1's word for 'upload failed, retry'); is_360 is always "
    "false: Ozon removed 360° images, so --images360 is not sent (a warning says so).",
    "A task that ends 'failed' raises TaskFailedError (CLI: exit 1, Ozon's item errors printed).",
)

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
    current=Current(
        update_product_images_current,
        uses=(
            "/v2/product/pictures/import",
            "/v3/product/info/list",
            "/v1/product/import/info",
            "/v2/product/pictures/info",
        ),
        notes=PICTURES_NOTES,
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
