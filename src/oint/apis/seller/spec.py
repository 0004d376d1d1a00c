"""The Seller API's operation layer: `LAYER` over `data/` (generated from `reference/` by
`tools/gen_operations.py`), and the module-level functions everything calls
(`spec.operation("/v3/posting/fbs/list")`, `spec.operations()`, `spec.schemas()`, ...).
Files are read on first use."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from oint.core.layer import Batch, Layer, Operation, Paging

__all__ = [
    "LAYER",
    "Batch",
    "Operation",
    "Paging",
    "find",
    "global_rate_limits",
    "operation",
    "operation_problem",
    "operations",
    "resolve",
    "schema",
    "schemas",
]

LAYER = Layer(os.path.join(os.path.dirname(__file__), "data"), "Seller API")


def operations() -> dict[str, Operation]:
    """Every operation by path, in path order."""
    return LAYER.operations()


def operation(key: str) -> Operation:
    """An operation by path (`/v3/posting/fbs/list`) or name (`v3_posting_fbs_list`)."""
    return LAYER.operation(key)


def find(key: str) -> Operation | None:
    return LAYER.find(key)


def global_rate_limits() -> tuple[tuple[int, float], ...]:
    """Ozon's limit per Client-Id over all methods."""
    return LAYER.global_rate_limits()


def schemas() -> Mapping[str, dict[str, Any]]:
    """The request and response schemas, each parsed when it is first read."""
    return LAYER.schemas()


def resolve(node: dict[str, Any] | None) -> dict[str, Any]:
    """`node` with `$ref`s followed ({} for None)."""
    return LAYER.resolve(node)


def schema(name: str | None) -> dict[str, Any]:
    return LAYER.schema(name)


def operation_problem(path: str, body: Any, *, max_items: int | None = None) -> str | None:
    """The first problem of the request body of an operation (by path or name), worded as Ozon
    does, or None. An operation without a request schema takes no fields."""
    from oint.core.validate import request_problem

    op = LAYER.operation(path)
    if op.request is None:
        if isinstance(body, dict) and body:
            return f'invalid Request: unknown field "{next(iter(body))}"'
        return None
    return request_problem({"$ref": "#/schemas/" + op.request}, body, LAYER.schemas(), max_items=max_items)
