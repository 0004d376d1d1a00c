"""Export every item of a paged operation to a file, one page in memory at a time.

Columns come from the operation's response schema (the operation layer), so the header is
known before the first page: nested objects become dotted columns, lists stay whole (JSON
in a cell) unless one list is `explode`d into one row per entry (stocks per source). JSON
lines keep each item exactly as Ozon sent it.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from oint.bulk.files import file_format, flatten, open_writer, schema_columns
from oint.ozon.spec import Operation, resolve, schema


def server_now(client: Any) -> float:
    """The server's notion of now (epoch seconds): the transport's `server_time()` where it has
    one (the sandbox plays its own clock, which `oint sandbox advance` moves on), else the
    machine's clock."""
    clock = getattr(getattr(client, "_transport", None), "server_time", None)
    return float(clock()) if callable(clock) else time.time()


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


def export_items(
    client: Any,
    op: Operation,
    body: dict[str, Any],
    path: str,
    explode: str | None = None,
    quiet: bool = False,
) -> int:
    """Write every item of `op` (pages asked with `body`) to `path`; returns the rows written."""
    jsonl = file_format(path, "--out") == "jsonl"
    out = open_writer(path, columns(op, explode))
    count = 0
    last = time.monotonic()
    try:
        for item in client.iter_items(op.path, body):
            for row in [item] if jsonl else rows_of(item, explode):
                out.write(row)
                count += 1
            if not quiet and time.monotonic() - last > 5:
                last = time.monotonic()
                sys.stderr.write(f"oint: {count:,} rows written\n")
    finally:
        out.close()
    return count
