"""The Seller API for a model: JSON Schemas of parameter kinds, operations searched by word
(English or Russian) and described as readable field lists. Pure, derived from the registry and
the operation layer (`oint.apis.seller.spec`)."""

from __future__ import annotations

from typing import Any

from oint.apis.seller.spec import Operation
from oint.apps.catalog import fields, ranked
from oint.apps.mcp.access import operation_access
from oint.compat.registry import Method
from oint.compat.values import ArrayKind, Kind
from oint.core.layer import today

# ------------------------------------------------------------------ parameter kinds
KIND_SCHEMAS: dict[str, dict[str, Any]] = {
    # by `Kind.name` (oint.compat.values and the kinds methods declare)
    "string": {"type": "string"},
    "string|number": {"type": ["integer", "string"]},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date-time"},
    "object": {"type": "object"},
    "collection": {"type": ["object", "array"]},
    "any": {},  # OInt's "Arbitrary": any JSON value
}


def kind_schema(kind: Kind) -> dict[str, Any]:
    """The JSON Schema of a registry parameter kind (`oint.compat.values`); a kind of unknown name
    accepts any JSON value (a test checks every declared kind is known)."""
    if isinstance(kind, ArrayKind):
        return {"type": "array", "items": kind_schema(kind.item)}
    return dict(KIND_SCHEMAS.get(kind.name, {}))


# ------------------------------------------------------------------ search
def search(query: str, limit: int = 10, access: str | None = None) -> list[dict[str, Any]]:
    """The best operations for the query's words (see `oint.apps.catalog.ranked`), optionally
    only reads or only writes, as one-line summaries."""
    found = [
        (op, oint) for _, _, op, oint in ranked(query) if access is None or operation_access(op) == access
    ]
    return [summary(op, oint) for op, oint in found[:limit]]


def switched_off(op: Operation) -> str:
    """'' for an operation Ozon still serves (by `oint.core.layer.today()`), else e.g.
    'switched off 2026-08-31, use /v4/posting/fbs/list'."""

    if not op.retired_on(today()):
        return ""
    return f"switched off {op.retired}" + (f", use {op.successor}" if op.successor else "")


def summary(op: Operation, oint: str | None = None) -> dict[str, Any]:
    """One line about an operation, for search results; one Ozon switched off is listed only as
    such, with its date and successor (no title to tempt a call)."""
    off = switched_off(op)
    if off:
        return {"operation": op.name, "call": f"{op.method} {op.path}", "retired": off}
    return _facts(op, oint)


def _facts(op: Operation, oint: str | None = None) -> dict[str, Any]:
    """An operation's name, call, title, access, OInt function, paging and retirement."""
    out: dict[str, Any] = {
        "operation": op.name,
        "call": f"{op.method} {op.path}",
        "title": op.title,
        "access": operation_access(op),
    }
    if oint:
        out["oint"] = oint
    if op.paging:
        out["paged"] = op.paging.style
    if op.retirement():
        out["retired"] = switched_off(op) or op.retirement()
    return out


def describe(op: Operation, max_lines: int = 80) -> dict[str, Any]:
    """An operation's request fields (flattened, with types, required, enums and limits) and an
    outline of its answer."""
    from oint.compat.methods import REGISTRY

    method = REGISTRY.by_endpoint(op.path)
    out = _facts(op, method.name_en if method else None)
    if op.path_params:
        out["path_params"] = list(op.path_params)
    req = [f.line() for f in fields(op.request)] if op.has_body and op.method != "GET" else []
    out["request"] = _cap(req, max_lines) if req else "no body"
    answer = [f"{f.path}: {f.type}" for f in fields(op.response, max_depth=3)]
    out["answer"] = _cap(answer, max_lines // 2)
    if op.paging:
        p = op.paging
        out["paging"] = {
            k: v
            for k, v in {
                "style": p.style,
                "items": p.items,
                "position": p.position,
                "page_size": p.size,
                "max_page_size": p.max,
                "next": p.next,
            }.items()
            if v is not None
        }
    elif op.items:
        out["items"] = op.items
    if op.batch:
        out["batch"] = {"field": op.batch.field, "max": op.batch.max}
    if op.rate_limits:
        out["rate_limits"] = [f"{n} per {s:g} s" for n, s in op.rate_limits]
    return out


def _cap(lines: list[str], n: int) -> list[str]:
    return lines if len(lines) <= n else [*lines[:n], f"… {len(lines) - n} more fields"]


def describe_method(method: Method) -> dict[str, Any]:
    """An OInt function: its names, notes, example, and the operation it calls (described)."""
    out: dict[str, Any] = {
        "tool": method.name_en,
        "ru": method.name_ru,
        "summary": method.summary,
        "notes": list(method.notes),
    }
    if method.example:
        out["cli_example"] = method.example
    op = method.endpoint
    if op is None:
        out["access"] = "local"
    else:
        out["operation"] = describe(op)
    return out
