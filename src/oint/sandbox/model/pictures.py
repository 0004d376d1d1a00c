"""Pictures: `/v1/product/pictures/import` (switched off by Ozon on 2026-10-01; its successor is
in `pictures_v2.py`) and `/v2/product/pictures/info`, over the images of the product document.
"""

from __future__ import annotations

import re
from typing import Any

from oint.sandbox.errors import not_found, rejected
from oint.sandbox.model.base import Account, id_list, int_id, route, str_list
from oint.sandbox.model.products import MAX_IMAGES, get_product, save_product

MAX_IMAGES_360 = 70
_URL = re.compile(r"^https?://[^\s/]+\S*$", re.I)
_IMAGE_EXT = re.compile(r"\.(jpe?g|png)$", re.I)
PICTURES = "ProductImportPicturesRequest"


@route("POST", "/v1/product/pictures/import")
def pictures_import(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Replace all pictures of a product: the first image becomes the primary one.

    The answer is preliminary: every picture is `imported`; `/v2/product/pictures/info`
    and `/v3/product/info/list` show the processed result.
    """
    if body.get("product_id") in (None, "", 0):
        raise rejected(f"{PICTURES}.ProductId", "value must be greater than 0")
    product_id = int_id(body["product_id"], "product_id")
    images = str_list(body, "images")
    images360 = str_list(body, "images360")
    color = body.get("color_image") or ""
    if not isinstance(color, str):
        raise rejected(f"{PICTURES}.ColorImage", "value must be a string")
    if len(images) > MAX_IMAGES:
        raise rejected(f"{PICTURES}.Images", f"value must contain at most {MAX_IMAGES} item(s)")
    if len(images360) > MAX_IMAGES_360:
        raise rejected(f"{PICTURES}.Images360", f"value must contain at most {MAX_IMAGES_360} item(s)")
    for field, urls in (("Images", images), ("Images360", images360)):
        for i, url in enumerate(urls):
            if not _URL.match(url):
                raise rejected(f"{PICTURES}.{field}[{i}]", "value must be a valid URI")
    product = get_product(account, product_id)
    if product is None:
        raise not_found(f"product {product_id} not found")

    product["images"] = images
    product["images360"] = images360
    product["color_image"] = color
    product["image_errors"] = [
        {"message": "image format is not supported: use JPG or PNG", "url": u}
        for u in images
        if not _IMAGE_EXT.search(u.split("?", 1)[0])
    ] + [
        {"message": "360 image format is not supported: use JPG", "url": u}
        for u in images360
        if not re.search(r"\.jpe?g$", u.split("?", 1)[0], re.I)
    ]
    save_product(account, product)

    def picture(
        url: str, primary: bool = False, is_360: bool = False, is_color: bool = False
    ) -> dict[str, Any]:
        return {
            "product_id": product_id,
            "url": url,
            "state": "imported",
            "is_primary": primary,
            "is_360": is_360,
            "is_color": is_color,
        }

    pictures = [picture(u, primary=(i == 0)) for i, u in enumerate(images)]
    pictures += [picture(u, is_360=True) for u in images360]
    if color:
        pictures.append(picture(color, is_color=True))
    return {"result": {"pictures": pictures}}


@route("POST", "/v2/product/pictures/info")
def pictures_info(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The processed pictures of products (up to 1000 ids); unknown ids are left out."""
    ids = id_list(body, "product_id", max_items=1000)
    items = []
    for pid in ids:
        p = get_product(account, pid)
        if p is None:
            continue
        failed = {e["url"] for e in p.get("image_errors", [])}
        items.append(
            {
                "product_id": pid,
                "primary_photo": [p["primary_image"]] if p["primary_image"] else [],
                "photo": [u for u in p["images"] if u not in failed],
                "color_photo": [p["color_image"]] if p["color_image"] else [],
                "photo_360": [u for u in p["images360"] if u not in failed],
                "errors": list(p.get("image_errors", [])),
            }
        )
    return {"items": items}
