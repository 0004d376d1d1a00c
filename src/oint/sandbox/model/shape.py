"""Answers in the operation layer's shapes: a model gives the fields it knows, the rest is filled.

`fill(schema, value)` walks a response schema of the operation layer (`oint.apis.seller.spec.schemas()`)
and returns `value` completed the way Ozon's gateway sends unset fields: every property of an
object present, empty strings, zeros, false, empty lists, nested objects filled likewise, the
first value of an enum; date-times without a value are left out (Ozon sends no valid "empty"
time). Properties the schema does not have are dropped, so one rich view of a document can be
cut to each version of an answer. `answer(path, value)` fills the response schema of an operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oint.apis.seller import spec

MAX_DEPTH = 12
_OMIT = object()


def answer(path: str, value: Mapping[str, Any]) -> dict[str, Any]:
    """`value` completed to the response schema of the operation at `path`."""
    op = spec.operation(path)
    if op.response is None:
        return dict(value)
    out = fill(op.response, value)
    return out if isinstance(out, dict) else dict(value)


def fill(schema: str | Mapping[str, Any], value: Any = None, depth: int = 0) -> Any:
    """`value` completed to `schema` (a schema, or the name of one in the layer)."""
    node = _resolve({"$ref": f"#/schemas/{schema}"} if isinstance(schema, str) else schema)
    out = _fill(node, value, depth)
    return None if out is _OMIT else out


def _resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    defs = spec.schemas()
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[1]]
    for key in ("anyOf", "oneOf"):
        branches = node.get(key)
        if branches and "properties" not in node and "type" not in node:
            typed = [b for b in branches if _resolve(b).get("type") != "null"]
            if typed:
                return _resolve(typed[0])
    return node


def _fill(node: Mapping[str, Any], value: Any, depth: int) -> Any:
    kind = node.get("type") or ("object" if "properties" in node else None)
    if kind == "object":
        props: Mapping[str, Any] = node.get("properties") or {}
        if not props:  # a free-form object: as given
            return dict(value) if isinstance(value, Mapping) else {}
        given = value if isinstance(value, Mapping) else {}
        out: dict[str, Any] = {}
        if depth >= MAX_DEPTH:
            return {k: v for k, v in given.items() if k in props}
        for key, sub in props.items():
            item = _fill(_resolve(sub), given.get(key), depth + 1)
            if item is not _OMIT:
                out[key] = item
        return out
    if kind == "array":
        if not isinstance(value, list):
            return []
        items = node.get("items")
        if not isinstance(items, Mapping):
            return list(value)
        sub = _resolve(items)
        filled = [_fill(sub, v, depth + 1) for v in value]
        return [v for v in filled if v is not _OMIT]
    if value is not None:
        return value
    if kind == "string":
        if node.get("format") == "date-time":
            return _OMIT
        enum = node.get("enum")
        return enum[0] if isinstance(enum, list) and enum else ""
    if kind in ("integer", "number"):
        enum = node.get("enum")
        return enum[0] if isinstance(enum, list) and enum else 0
    if kind == "boolean":
        return False
    return _OMIT
