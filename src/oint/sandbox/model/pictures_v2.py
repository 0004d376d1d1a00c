"""`/v2/product/pictures/import`: the successor of `/v1/product/pictures/import` (facts §3.2).

Items are keyed by offer_id; each replaces all images of its product (the first image is the
primary one unless `primary_image` names it) and its marketing colour. The answer is only a task
id: the images change when the task is processed (`settle_due_tasks` of `product_import`, a
moment later), and `/v1/product/import/info` then tells per item `imported`, `skipped` (nothing
changed) or `failed` (no product with that offer_id). Afterwards `/v2/product/pictures/info` and
`/v3/product/info/list` show the new images. 360° images are not part of v2: they are left as
they are.
"""

from __future__ import annotations

import re
from typing import Any

from oint.sandbox.errors import rejected
from oint.sandbox.model import product_import
from oint.sandbox.model.base import Account, route
from oint.sandbox.model.product_items import item_error
from oint.sandbox.model.products import MAX_IMAGES

OPERATION = "pictures_import"
PROCESSING_SECONDS = 0.05  # how long a pictures task stays pending
MAX_ITEMS = 100  # products per request (Ozon does not document it; facts §3.2)
REQUEST = "ProductImportPicturesV2Request"
_URL = re.compile(r"^https?://[^\s/]+\S*$", re.I)
_IMAGE_EXT = re.compile(r"\.(jpe?g|png)$", re.I)


def _url(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise rejected(field, "value must be a string")
    if not _URL.match(value):
        raise rejected(field, "value must be a valid URI")
    return value


def _item(raw: Any, i: int) -> dict[str, Any]:
    path = f"{REQUEST}.Items[{i}]"
    if not isinstance(raw, dict):
        raise rejected(path, "value must be an object")
    offer_id = raw.get("offer_id")
    if not isinstance(offer_id, str) or not offer_id:
        raise rejected(f"{path}.OfferId", "value length must be at least 1 runes")
    images = raw.get("images") or []
    if not isinstance(images, list):
        raise rejected(f"{path}.Images", "value must be an array")
    if len(images) > MAX_IMAGES:
        raise rejected(f"{path}.Images", f"value must contain at most {MAX_IMAGES} item(s)")
    color = raw.get("color_image") or ""
    if not isinstance(color, str):  # a link or, as OInt uses it, a colour's name
        raise rejected(f"{path}.ColorImage", "value must be a string")
    primary = raw.get("primary_image") or ""
    return {
        "offer_id": offer_id,
        "images": [_url(u, f"{path}.Images[{n}]") for n, u in enumerate(images)],
        "color_image": color,
        "primary_image": primary if not primary else _url(primary, f"{path}.PrimaryImage"),
    }


def _picture_errors(images: list[str]) -> list[dict[str, str]]:
    return [
        {"message": "image format is not supported: use JPG or PNG", "url": u}
        for u in images
        if not _IMAGE_EXT.search(u.split("?", 1)[0])
    ]


def _process(batch: Any, item: dict[str, Any]) -> dict[str, Any]:
    """Apply one item of a pictures task at the task's moment."""
    product = batch.by_offer.get(item["offer_id"])
    if product is None:
        return product_import.result(
            item["offer_id"],
            0,
            "failed",
            [
                item_error(
                    "offer_id_not_found", f"Товар с артикулом {item['offer_id']} не найден.", field="offer_id"
                )
            ],
        )
    changes = {k: item[k] for k in ("images", "color_image", "primary_image")}
    if all(product.get(k) == v for k, v in changes.items()):
        return product_import.result(item["offer_id"], product["id"], "skipped", [])
    product.update(changes)
    product["image_errors"] = _picture_errors(item["images"]) + [
        e for e in product.get("image_errors", []) if e["url"] in product.get("images360", [])
    ]
    batch.save(product)
    return product_import.result(item["offer_id"], product["id"], "imported", [])


product_import.PROCESSORS[OPERATION] = _process


@route("POST", "/v2/product/pictures/import")
def pictures_import_v2(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the images of products by offer_id, in an asynchronous task."""
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise rejected(f"{REQUEST}.Items", f"value must contain between 1 and {MAX_ITEMS} items, inclusive")
    if len(items) > MAX_ITEMS:
        raise rejected(f"{REQUEST}.Items", f"value must contain between 1 and {MAX_ITEMS} items, inclusive")
    parsed = [_item(raw, i) for i, raw in enumerate(items)]
    task_id = product_import.new_task(account, OPERATION, parsed)
    task = account.get(product_import.TASK, task_id)
    task["ready_at"] = account.now + PROCESSING_SECONDS
    account.put(product_import.TASK, task_id, task)
    return {"task_id": task_id}
