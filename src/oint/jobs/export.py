"""Export every item of a paged operation to a file, one page in memory at a time.

Columns come from the operation's response schema (the operation layer), so the header is
known before the first page: nested objects become dotted columns, lists stay whole (JSON
in a cell) unless one list is `explode`d into one row per entry (stocks per source). JSON
lines keep each item exactly as Ozon sent it.

An export that `restores` a bulk kind writes that kind's columns instead (`RESTORE_COLUMNS`,
in every format): the file is a backup that `oint ozon bulk KIND --file` sends back as is.
Stocks: one row per product and FBS/rFBS warehouse, `stock` the quantity
`/v2/products/stocks` sets (present less reserved); FBO stock, which a seller cannot set, is
left out. Where a source holds a product on several warehouses, `/v4/product/info/stocks`
sums them: those products are asked again of `/v2/product/info/stocks-by-warehouse/fbs`.
Prices: the fields `/v1/product/import/prices` takes, from `/v5/product/info/prices`.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from oint.apis.seller.spec import Operation, resolve, schema
from oint.core.errors import APIConnectionError
from oint.jobs.files import file_format, flatten, open_writer, schema_columns

if TYPE_CHECKING:
    from oint.core.client import SyncClientBase

PRICE_SWITCHES = ("auto_action_enabled", "auto_add_to_ozon_actions_list_enabled")
RESTORE_COLUMNS = {
    "stocks": ["offer_id", "product_id", "warehouse_id", "stock"],
    "prices": [
        "offer_id",
        "product_id",
        "price",
        "old_price",
        "min_price",
        "net_price",
        "currency_code",
        "vat",
        *PRICE_SWITCHES,
    ],
}
BY_WAREHOUSE = "/v2/product/info/stocks-by-warehouse/fbs"
SKUS_A_REQUEST = 500  # products asked at once of BY_WAREHOUSE


SANDBOX_CLOCK = "/__sandbox/clock"  # a served sandbox's clock: {"epoch": ...}


def server_now(client: SyncClientBase) -> float:
    """The server's notion of now (epoch seconds): the transport's `server_time()` where it has
    one (the sandbox in-process plays its own clock, which `oint sandbox advance` moves on); for a
    server that is not Ozon's, its sandbox clock if it has one (`GET /__sandbox/clock` of
    `oint sandbox serve`); else the machine's clock."""
    own = client.server_time()
    if own is not None:
        return float(own)
    if not client.at_ozon:
        try:
            raw = client.send_raw("GET", SANDBOX_CLOCK)
            epoch = json.loads(raw.content).get("epoch") if raw.status == 200 else None
        except (APIConnectionError, ValueError, AttributeError):
            epoch = None
        if isinstance(epoch, (int, float)) and not isinstance(epoch, bool):
            return float(epoch)
    return time.time()


def item_schema(op: Operation) -> dict[str, Any]:
    """The schema of one item of a paged operation's list."""
    node = resolve(schema(op.response))
    items = op.paging.items if op.paging is not None else op.items
    for part in (items or "").split("."):
        if not part:
            continue
        node = resolve((node.get("properties") or {}).get(part))
    return resolve(node.get("items")) if node.get("type") == "array" else node


def columns(op: Operation, explode: str | None) -> list[str]:
    node = item_schema(op)
    cols = schema_columns(node)
    if explode is None:
        return cols
    child = resolve(resolve((node.get("properties") or {}).get(explode)).get("items"))
    inner = schema_columns(child)
    return [c for c in cols if c != explode and c not in inner] + inner


def rows_of(item: Any, explode: str | None) -> list[dict[str, Any]]:
    if explode is None or not isinstance(item, dict):
        return [flatten(item)]
    parent = flatten({k: v for k, v in item.items() if k != explode})
    entries = item.get(explode) or []
    if not entries:
        return [parent]
    return [{**parent, **flatten(e)} for e in entries]


def _text(number: Any) -> str:
    """A price as the import takes it: decimal text ("1300", "99.5")."""
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    return "" if number is None else str(number)


def price_rows(items: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """`/v5/product/info/prices` items as rows of `/v1/product/import/prices`."""
    for item in items:
        price = item.get("price") or {}
        row = {"offer_id": item.get("offer_id"), "product_id": item.get("product_id")}
        for field in ("price", "old_price", "min_price", "net_price", "vat"):
            row[field] = _text(price.get(field))
        row["currency_code"] = price.get("currency_code") or ""
        for field in PRICE_SWITCHES:  # booleans in the answer, ENABLED / DISABLED in the import
            if isinstance(price.get(field), bool):
                row[field] = "ENABLED" if price[field] else "DISABLED"
        yield row


def stock_rows(client: Any, items: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """`/v4/product/info/stocks` items as rows of `/v2/products/stocks`: one per product and
    FBS/rFBS warehouse (several warehouses of one source: asked of BY_WAREHOUSE)."""
    it = iter(items)
    while chunk := list(islice(it, SKUS_A_REQUEST)):
        several: set[int] = set()
        for item in chunk:
            for entry in item.get("stocks") or []:
                warehouses = entry.get("warehouse_ids") or []
                if entry.get("type") == "fbo" or not warehouses:
                    continue
                if len(warehouses) > 1:
                    several.add(int(entry["sku"]))
                    continue
                stock = int(entry.get("present") or 0) - int(entry.get("reserved") or 0)
                yield {
                    "offer_id": item.get("offer_id"),
                    "product_id": item.get("product_id"),
                    "warehouse_id": warehouses[0],
                    "stock": stock,
                }
        if several:
            body = {"sku": [str(s) for s in sorted(several)], "limit": 1000}
            for entry in client.iter_items(BY_WAREHOUSE, body):
                free = entry.get("free_stock")
                if free is None:
                    free = int(entry.get("present") or 0) - int(entry.get("reserved") or 0)
                yield {
                    "offer_id": entry.get("offer_id"),
                    "product_id": entry.get("product_id"),
                    "warehouse_id": entry.get("warehouse_id"),
                    "stock": free,
                }


def export_items(
    client: Any,
    op: Operation,
    body: dict[str, Any],
    path: str,
    explode: str | None = None,
    quiet: bool = False,
    restores: str | None = None,
) -> int:
    """Write every item of `op` (pages asked with `body`) to `path`; returns the rows written.
    With `restores` (a bulk kind): in that kind's columns, whatever the format."""
    jsonl = file_format(path, "--out", writing=True) == "jsonl"
    out = open_writer(path, RESTORE_COLUMNS[restores] if restores else columns(op, explode))
    items = client.iter_items(op.path, body)
    rows: Iterable[dict[str, Any]]
    if restores == "stocks":
        rows = stock_rows(client, items)
    elif restores == "prices":
        rows = price_rows(items)
    else:
        rows = (row for item in items for row in ([item] if jsonl else rows_of(item, explode)))
    count = 0
    last = time.monotonic()
    try:
        for row in rows:
            out.write(row)
            count += 1
            if not quiet and time.monotonic() - last > 5:
                last = time.monotonic()
                sys.stderr.write(f"oint: {count:,} rows written\n")
    finally:
        out.close()
    return count
