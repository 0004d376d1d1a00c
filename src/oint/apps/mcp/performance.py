"""The Performance API (advertising) for a model, beside the Seller API: its operations found by
word, described as field lists (amounts in micro-roubles said so), their access (read or write,
`access.performance_access`), and amounts of a write's body in roubles for its preview. Pure,
derived from the operation layer (`oint.apis.performance.spec`)."""

from __future__ import annotations

from typing import Any

from oint.apis.performance import spec
from oint.apps.catalog import words
from oint.apps.mcp.access import performance_access
from oint.core.layer import Operation

API = "performance"
MICRO = 1_000_000
LIST_FIELDS = ("bids", "skus", "sku", "campaigns")  # a write's items, for the confirm threshold


def find(key: str) -> Operation | None:
    """A Performance API operation by name (`list_campaigns`), path or "VERB path"."""
    try:
        return spec.LAYER.find(key.strip())
    except KeyError:  # a path two verbs share: the name says which
        return None


def is_performance(op: Operation) -> bool:
    return spec.LAYER.find(op.key) is op


def summary(op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operation": op.name,
        "api": API,
        "call": f"{op.method} {op.path}",
        "title": op.title,
        "access": performance_access(op),
    }
    if op.paging:
        out["paged"] = "page"
    return out


def search(query: str, limit: int = 10, access: str | None = None) -> list[dict[str, Any]]:
    """The operations whose path, name, title or section hold the query's words, best first (a word
    in the path or name counts twice), optionally only reads or only writes."""
    wanted = [w.casefold() for w in query.replace("/", " ").replace("_", " ").split() if w.strip()]
    scored: list[tuple[int, int, str, Operation]] = []
    for op in spec.operations().values():
        if access is not None and performance_access(op) != access:
            continue
        named = " ".join([*words(op.path), *words(op.name)]).casefold()
        about = f"{op.title} {op.section}".casefold()
        hits = sum(2 if w in named else 1 if w in about else 0 for w in wanted)
        if hits:
            scored.append((-hits, len(words(op.name)), op.name, op))  # then the fewest other words
    scored.sort(key=lambda s: s[:3])
    return [summary(op) for *_, op in scored[:limit]]


def _type(node: dict[str, Any]) -> str:
    node = spec.LAYER.resolve(node)
    if "anyOf" in node:
        return " or ".join(_type(n) for n in node["anyOf"])
    kind = node.get("type")
    if kind == "array":
        return f"array of {_type(node.get('items', {}))}"
    text = str(kind or "object")
    return text + (" (micro-roubles: 1,000,000 = 1 rouble)" if spec.is_money(node) else "")


def _fields(name: str | None, depth: int = 3) -> list[str]:
    lines: list[str] = []

    def walk(node: dict[str, Any], prefix: str, level: int) -> None:
        node = spec.LAYER.resolve(node)
        if node.get("type") == "array":
            walk(node.get("items", {}), prefix + "[]", level)
            return
        for field, child in node.get("properties", {}).items():
            path = f"{prefix}.{field}" if prefix else field
            lines.append(f"{path}: {_type(child)}")
            if level < depth:
                walk(child, path, level + 1)

    if name:
        walk(spec.LAYER.schema(name), "", 1)
    return lines


def describe(op: Operation) -> dict[str, Any]:
    """An operation's facts, its path parameters, request fields (the query of a GET, else the
    body), an outline of its answer, paging, and what its answer is when a file."""
    out = summary(op)
    if op.path_params:
        out["path_params"] = list(op.path_params)
    fields = _fields(op.request)
    where = "query" if op.method == "GET" else "body"
    out["request"] = {where: fields} if fields else "no fields"
    if op.file:
        out["answer"] = "a file (CSV, or a ZIP of CSVs): saved, its path answered"
    else:
        out["answer"] = _fields(op.response, 2) or "any JSON"
    if op.paging:
        out["paging"] = {"style": "page", "items": op.paging.items, "position": "page", "size": "pageSize"}
    if spec.is_report(op):
        rules = spec.report_rules()
        out["report"] = (
            f"starts a report (at most {rules.max_campaigns} campaigns and {rules.max_days} days; one in "
            "preparation per account): performance_report does it all and answers the rows"
        )
    return out


def roubles(micro: Any) -> str:
    """ "25000000" -> "25 ₽" (what a person reads); a value that is no whole number, as it is."""
    try:
        value = int(str(micro)) / MICRO
    except ValueError:
        return str(micro)
    return f"{value:,.2f}".rstrip("0").rstrip(".").replace(",", " ") + " ₽"


def amounts(op: Operation, body: Any) -> dict[str, str]:
    """The amounts in micro-roubles of a request body, in roubles: {"bids[0].bid": "25 ₽"}."""
    found: dict[str, str] = {}

    def walk(node: dict[str, Any], value: Any, path: str) -> None:
        node = spec.LAYER.resolve(node)
        if isinstance(value, list) and node.get("type") == "array":
            for i, item in enumerate(value):
                walk(node.get("items", {}), item, f"{path}[{i}]")
        elif isinstance(value, dict):
            props = node.get("properties", {})
            for key, item in value.items():
                if key in props:
                    walk(props[key], item, f"{path}.{key}" if path else key)
        elif spec.is_money(node) and value not in (None, ""):
            found[path] = f"{value} micro-roubles = {roubles(value)}"

    if op.request:
        walk(spec.LAYER.schema(op.request), body, "")
    return found


def items(body: Any) -> int:
    """How many items a write changes: the length of its list of bids, SKUs or campaigns, else one."""
    if isinstance(body, dict):
        for name in LIST_FIELDS:
            if isinstance(body.get(name), list):
                return len(body[name])
    return 1
