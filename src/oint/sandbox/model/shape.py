"""Answers in the operation layer's shapes: a model gives the fields it knows, the rest is filled.

`fill(schema, value)` walks a response schema of the operation layer (`oint.apis.seller.spec.schemas()`)
and returns `value` completed the way Ozon's gateway sends unset fields: every property of an
object present, empty strings, zeros, false, empty lists, nested objects filled likewise, the
first value of an enum; date-times without a value are left out (Ozon sends no valid "empty"
time). Properties the schema does not have are dropped, so one rich view of a document can be
cut to each version of an answer. `answer(path, value)` fills the response schema of an operation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    if isinstance(schema, str):
        filler = _filler(_resolve(spec.schemas()[schema]))
    else:  # (a caller's node may be a passing one: not remembered)
        filler = _compile(_resolve(schema))
    out = filler(value, depth)
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


# A schema node compiled to a function `(value, depth) -> filled value` (or _OMIT), remembered by
# the id of the node, which is kept with it (so that the id is never another node's): the layer's
# schemas do not change, and a page of a thousand postings fills the same nodes a thousand times.
Filler = Callable[[Any, int], Any]
_FILLERS: dict[int, tuple[Mapping[str, Any], Filler]] = {}


def _filler(node: Mapping[str, Any]) -> Filler:
    """The filler of a resolved node of the layer's schemas (compiled once)."""
    known = _FILLERS.get(id(node))
    if known is not None and known[0] is node:
        return known[1]
    compiled = _compile(node)
    _FILLERS[id(node)] = (node, compiled)
    return compiled


def _compile(node: Mapping[str, Any]) -> Filler:
    """What a node does to a value: an object keeps its properties (each filled, the missing ones
    empty; as given below MAX_DEPTH), an array fills its items, a scalar is kept or its empty
    value given (a date-time left out). Parts are compiled when first used: schemas may refer to
    themselves."""
    kind = node.get("type") or ("object" if "properties" in node else None)
    if kind == "object":
        props: Mapping[str, Any] = node.get("properties") or {}
        if not props:  # a free-form object: as given
            return lambda value, depth: dict(value) if isinstance(value, Mapping) else {}
        parts: list[tuple[str, Filler]] = []

        def fill_object(value: Any, depth: int) -> Any:
            given = value if isinstance(value, Mapping) else {}
            if depth >= MAX_DEPTH:
                return {k: v for k, v in given.items() if k in props}
            if not parts:
                parts.extend((key, _filler(_resolve(sub))) for key, sub in props.items())
            out: dict[str, Any] = {}
            for key, part in parts:
                item = part(given.get(key), depth + 1)
                if item is not _OMIT:
                    out[key] = item
            return out

        return fill_object
    if kind == "array":
        items = node.get("items")
        if not isinstance(items, Mapping):
            return lambda value, depth: list(value) if isinstance(value, list) else []
        each: list[Filler] = []

        def fill_array(value: Any, depth: int) -> Any:
            if not isinstance(value, list):
                return []
            if not each:
                each.append(_filler(_resolve(items)))
            filled = [each[0](v, depth + 1) for v in value]
            return [v for v in filled if v is not _OMIT]

        return fill_array
    enum = node.get("enum")
    first: Any = enum[0] if isinstance(enum, list) and enum else _OMIT  # (_OMIT: no enum)
    empty: Any = _OMIT
    if kind == "string":
        empty = _OMIT if node.get("format") == "date-time" else "" if first is _OMIT else first
    elif kind in ("integer", "number"):
        empty = 0 if first is _OMIT else first
    elif kind == "boolean":
        empty = False
    return lambda value, depth: empty if value is None else value
