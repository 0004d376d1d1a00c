"""The product import pipeline: asynchronous import tasks and the daily quotas.

Writes are asynchronous, as on Ozon: `/v3/product/import`, `/v1/product/import-by-sku`
and `/v1/product/attributes/update` check the request's structure (400 on malformed
input, `product_items`), store an import task (kind "import_task") and answer with its id.
A task stays `pending` for `PROCESSING_SECONDS` after it was created (derived from
`account.now`); the first request after that processes it: every item is validated
against the category tree, the products and the daily quotas (`product_items`), then
products are created or updated, all at the task's `ready_at` moment, and the per-item
outcome (`imported`, `failed`, `skipped`) is kept for `/v1/product/import/info`.
`settle_due_tasks(account)` does that processing; it runs before every request (one of
`oint.sandbox.model.HOOKS`), so every read is consistent with the tasks. Other operations
plug their own item processing in (`PROCESSORS`, e.g. `pictures_v2`: the model is loaded whole
the first time a task needs a processor not yet registered).

The daily quotas: `/v4/product/info/limit` (reset at 03:00 Moscow time = 00:00 UTC;
limits in the "product_quota" document).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from oint.sandbox.demo import DEMO_CLIENT_ID
from oint.sandbox.errors import not_found, rejected
from oint.sandbox.model import load_all, pushes
from oint.sandbox.model.base import Account, int_id, route
from oint.sandbox.model.common import data_file, decimal
from oint.sandbox.model.product_items import (
    attributes_of,
    category_error,
    check_attributes,
    import_item,
    info_error,
    int_field,
    item_error,
    items_of,
    missing_required,
    name_errors,
    offer_id_of,
    price_errors,
    size_errors,
    text_field,
)
from oint.sandbox.model.products import (
    DESCRIPTION_ATTRIBUTE,
    MODEL_NAME_ATTRIBUTE,
    NAME_ATTRIBUTE,
    PRODUCT,
    Attribute,
    ProductDoc,
    all_products,
    find_by_offer,
    new_product,
    save_product,
    set_fields,
)

TASK = "import_task"
QUEUE = "import_queue"  # one document: ids of the tasks still pending, in creation order
QUOTA_LIMITS = "product_quota"  # key "limits": the account's quotas (defaults below when absent)
QUOTA_USAGE = "product_quota_usage"  # key: UTC day "YYYY-MM-DD" → {"create": n, "update": n}

PROCESSING_SECONDS = 0.1  # how long a task stays pending (Ozon: seconds to minutes)
# the tasks whose results are pushed as TYPE_CREATE_OR_UPDATE_ITEM (products created or updated)
PRODUCT_PUSHES = ("import", "import_by_sku", "attributes_update")
FIRST_TASK_ID = 3109777511
MAX_IMPORT_ITEMS = 100
MAX_IMPORT_BY_SKU_ITEMS = 1000
MAX_ATTRIBUTE_UPDATE_ITEMS = 100
DEFAULT_LIMITS = {"daily_create": 1500, "daily_update": 5000, "total": 252500}


def other_sellers_card(sku: int) -> dict[str, Any] | None:
    """Another seller's product card Ozon knows by SKU (`data/other_sellers_cards.json`): what
    `/v1/product/import-by-sku` copies. A copy the caller may change."""
    card = data_file("other_sellers_cards.json")["cards"].get(str(sku))
    return None if card is None else copy.deepcopy(card)


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
            return item_error(
                "item_limit_exceeded",
                f"Превышен дневной лимит на {what} товаров ({daily}). "
                f"Лимит обновится в {_reset_at(self.at)}.",
            )
        total = self.limits["total"]
        if operation == "create" and total != -1 and self.products >= total:
            return item_error(
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

    def save(self, product: ProductDoc) -> None:
        product["updated_at"] = self.stamp
        save_product(self.account, product, touch=False)
        self.by_offer[product["offer_id"]] = product

    def complete(self, product: ProductDoc, attribute_errors: list[dict[str, Any]]) -> None:
        """Attach attribute errors; a product without them gets its SKU (and model) once."""
        product["errors"] = [info_error(e) for e in attribute_errors]
        if not attribute_errors and not product["sku"]:
            product["sku"] = self.account.next_id("sku", 1700000001)
            product["model_id"] = self._model_for(product)

    def _model_for(self, product: ProductDoc) -> int:
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


def _attribute_text(product: ProductDoc, attribute_id: int) -> str:
    for a in product.get("attributes", []):
        if a["id"] == attribute_id and a["values"]:
            return str(a["values"][0]["value"])
    return ""


def result(offer_id: str, product_id: int, status: str, errors: list[dict[str, Any]]) -> dict[str, Any]:
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


def _same(product: ProductDoc, fields: dict[str, Any]) -> bool:
    for key in ("price", "old_price", "vat"):
        if decimal(product.get(key) or "0", comma=True) != decimal(fields[key] or "0", comma=True):
            return False
    return all(product.get(key) == fields[key] for key in _COMPARED if key in fields)


def _import_one(batch: _Batch, item: dict[str, Any]) -> dict[str, Any]:
    existing = batch.by_offer.get(item["offer_id"])
    product_id = existing["id"] if existing else 0
    errors = name_errors(item["name"])
    category_problem = category_error(item["description_category_id"], item["type_id"])
    attributes: list[Attribute] = []
    derived: dict[int, str] = {}
    if category_problem is not None:
        errors.append(category_problem)
    else:
        attributes, attribute_errors, derived = check_attributes(
            item["description_category_id"], item["type_id"], item["attributes"]
        )
        errors += attribute_errors
    errors += price_errors(batch.account, item)
    errors += size_errors(item)
    if errors:
        return result(item["offer_id"], product_id, "failed", errors)
    missing = missing_required(item["description_category_id"], item["type_id"], attributes)
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
        return result(item["offer_id"], product_id, "skipped", [])
    limit_error = batch.quota.take("update" if existing else "create")
    if limit_error is not None:
        return result(item["offer_id"], product_id, "failed", [limit_error])
    if existing is None:
        product = new_product(batch.account, offer_id=item["offer_id"], created_at=batch.stamp, **fields)
    else:
        product = existing
        set_fields(product, fields)
    batch.complete(product, missing)
    batch.save(product)
    return result(item["offer_id"], product["id"], "imported", missing)


def _copy_one(batch: _Batch, item: dict[str, Any]) -> dict[str, Any]:
    offer_id, sku = item["offer_id"], item["sku"]
    source = other_sellers_card(sku)
    if item.get("own"):
        return result(
            offer_id,
            0,
            "failed",
            [
                item_error(
                    "sku_belongs_to_seller",
                    f"SKU {sku} — ваш собственный товар: копировать свои товары нельзя.",
                    field="sku",
                )
            ],
        )
    if source is None:  # cannot happen: unmatched SKUs never reach the task
        error = item_error("sku_not_found", f"SKU {sku} не найден.", field="sku")
        return result(offer_id, 0, "failed", [error])
    if source.get("copy_forbidden"):
        error = item_error(
            "copy_forbidden", f"Владелец карточки SKU {sku} запретил её копирование.", field="sku"
        )
        return result(offer_id, 0, "failed", [error])
    if not offer_id:
        error = item_error("EMPTY_REQUIRED", "Укажите артикул (offer_id).", field="offer_id")
        return result(offer_id, 0, "failed", [error])
    existing = batch.by_offer.get(offer_id)
    if existing is not None:
        return result(
            offer_id,
            existing["id"],
            "failed",
            [
                item_error(
                    "OFFER_ID_ALREADY_EXISTS",
                    f"Товар с артикулом {offer_id} уже есть: "
                    "по Ozon ID товары можно только создавать, не обновлять.",
                    field="offer_id",
                )
            ],
        )
    errors = price_errors(batch.account, item)
    if errors:
        return result(offer_id, 0, "failed", errors)
    limit_error = batch.quota.take("create")
    if limit_error is not None:
        return result(offer_id, 0, "failed", [limit_error])
    card = {k: v for k, v in source.items() if k != "copy_forbidden"}  # a copy already
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
    return result(offer_id, product["id"], "imported", [])


def _update_attributes_one(batch: _Batch, item: dict[str, Any]) -> dict[str, Any]:
    product = batch.by_offer.get(item["offer_id"])
    if product is None:
        return result(
            item["offer_id"],
            0,
            "failed",
            [
                item_error(
                    "offer_id_not_found", f"Товар с артикулом {item['offer_id']} не найден.", field="offer_id"
                )
            ],
        )
    cat, type_id = product["description_category_id"], product["type_id"]
    plain = [a for a in item["attributes"] if not a["complex_id"]]
    complex_ = [a for a in item["attributes"] if a["complex_id"]]
    kept, errors, derived = check_attributes(cat, type_id, plain)
    if errors:
        return result(item["offer_id"], product["id"], "failed", errors)
    attributes = _merge(product["attributes"], kept)
    complex_attributes = _merge(
        product["complex_attributes"],
        [
            Attribute(
                id=a["id"],
                complex_id=a["complex_id"],
                values=[v for v in a["values"] if v["value"] or v["dictionary_value_id"]],
            )
            for a in complex_
        ],
    )
    changes: dict[str, Any] = {"attributes": attributes, "complex_attributes": complex_attributes}
    if derived.get(NAME_ATTRIBUTE):
        changes["name"] = derived[NAME_ATTRIBUTE]
    if derived.get(DESCRIPTION_ATTRIBUTE):
        changes["description"] = derived[DESCRIPTION_ATTRIBUTE]
    if all(product.get(k) == v for k, v in changes.items()):
        return result(item["offer_id"], product["id"], "skipped", [])
    limit_error = batch.quota.take("update")
    if limit_error is not None:
        return result(item["offer_id"], product["id"], "failed", [limit_error])
    set_fields(product, changes)
    missing = missing_required(cat, type_id, attributes)
    batch.complete(product, missing)
    batch.save(product)
    return result(item["offer_id"], product["id"], "imported", missing)


def _merge(current: list[Attribute], changes: list[Attribute]) -> list[Attribute]:
    """Listed attributes replace those with the same (id, complex_id); empty ones never delete."""
    merged = [a.copy() for a in current]
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


PROCESSORS: dict[str, Callable[[_Batch, dict[str, Any]], dict[str, Any]]] = {
    "import": _import_one,
    "import_by_sku": _copy_one,
    "attributes_update": _update_attributes_one,
}


def _processor(operation: str) -> Callable[[_Batch, dict[str, Any]], dict[str, Any]]:
    """The processor of a task's operation, loading the model modules that plug theirs in the
    first time one is needed."""
    if operation not in PROCESSORS:
        load_all()
    return PROCESSORS[operation]


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
        task["results"] = [_processor(task["operation"])(batch, item) for item in task["items"]]
        if task["operation"] in PRODUCT_PUSHES:
            for r in task["results"]:
                pushes.item_changed(
                    Account(account.store, account.client_id, task["ready_at"]),
                    r["offer_id"],
                    r["product_id"],
                    r["status"] != "imported",
                )
        task["state"] = "done"
        batch.quota.save()
        account.put(TASK, task_id, task)
    account.put(QUEUE, "pending", still_pending)


def new_task(account: Account, operation: str, items: list[dict[str, Any]]) -> int:
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
        import_item(item, i)
        for i, item in enumerate(items_of(body, "ProductImportRequest", MAX_IMPORT_ITEMS))
    ]
    return {"result": {"task_id": new_task(account, "import", items)}}


@route("POST", "/v1/product/import-by-sku")
def product_import_by_sku(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Copy other sellers' cards by SKU; SKUs Ozon does not know go to `unmatched_sku_list`."""
    items: list[dict[str, Any]] = []
    unmatched: list[int] = []
    own_skus = {p["sku"] for p in all_products(account) if p["sku"]}
    for i, raw in enumerate(items_of(body, "ProductImportBySkuRequest", MAX_IMPORT_BY_SKU_ITEMS)):
        path = f"ProductImportBySkuRequest.Items[{i}]"
        sku = int_field(raw, "sku", path)
        if sku <= 0:
            raise rejected(f"{path}.sku", "value must be greater than 0")
        item = {
            "sku": sku,
            **{
                k: text_field(raw, k, path)
                for k in ("offer_id", "name", "price", "old_price", "vat", "currency_code")
            },
        }
        if sku in own_skus:
            item["own"] = True
        elif other_sellers_card(sku) is None:
            unmatched.append(sku)
            continue
        items.append(item)
    task_id = new_task(account, "import_by_sku", items)
    return {"result": {"task_id": task_id, "unmatched_sku_list": unmatched}}


@route("POST", "/v1/product/attributes/update")
def product_attributes_update(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Add or change the listed attributes of products (by offer_id) in an asynchronous task."""
    items = []
    for i, raw in enumerate(items_of(body, "ProductUpdateAttributesRequest", MAX_ATTRIBUTE_UPDATE_ITEMS)):
        path = f"ProductUpdateAttributesRequest.Items[{i}]"
        items.append(
            {
                "offer_id": offer_id_of(raw, path),
                "attributes": attributes_of(raw.get("attributes"), f"{path}.attributes"),
            }
        )
    return {"task_id": new_task(account, "attributes_update", items)}


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
        found = {i["offer_id"]: find_by_offer(account, i["offer_id"]) for i in task["items"]}
        ids = {offer: p["id"] for offer, p in found.items() if p is not None}
        items = [result(i["offer_id"], ids.get(i["offer_id"], 0), "pending", []) for i in task["items"]]
    else:
        items = task["results"]
    return {"result": {"items": items, "total": len(items)}}


@route("POST", "/v4/product/info/limit")
def product_info_limit(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Daily create/update quotas (reset 00:00 UTC = 03:00 Moscow) and the assortment total."""
    limits = _limits(account)
    used = _usage(account, _utc_day(account.now))
    reset_at = _reset_at(account.now)
    return {
        "daily_create": {"usage": used["create"], "limit": limits["daily_create"], "reset_at": reset_at},
        "daily_update": {"usage": used["update"], "limit": limits["daily_update"], "reset_at": reset_at},
        "total": {"usage": account.store.count(account.client_id, PRODUCT), "limit": limits["total"]},
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
                "results": [result(product["offer_id"], product["id"], "imported", [])],
            },
        )
