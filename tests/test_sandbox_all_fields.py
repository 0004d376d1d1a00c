"""The sandbox accepts every documented request field (issue 15.5).

For every operation of the layer, bodies holding every field Ozon's documents give — the OpenAPI
document of 2026-05 (`reference/openapi-en-2026-05.structure.json`) and the autumn-2026 structure
(`reference/operations.json`) — with valid values (each value of each enum in turn), sent to an
in-process sandbox. A model may refuse the ids the bodies name (404, code 9, ...); what fails is a
refusal of the body's shape: an unknown field, a wrong type, a documented enum value, a body that
does not decode (multipart forms included), or a 5xx.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID

from oint.apis.seller import spec
from oint.sandbox.core import Sandbox

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "reference" / "openapi-en-2026-05.structure.json"
STRUCTURE = ROOT / "reference" / "operations.json"
API_DATE = "2024-01-01"  # before Ozon switched anything off: every operation is served
MAX_VARIANTS = 40  # bodies per operation: one per value of its longest enum, at most this many
MAX_DEPTH = 7
BOUNDARY = "oint-all-fields"
# what a refusal of the body's shape says (the validator's decoding pass and the models' own checks)
SHAPE_REFUSED = re.compile(
    r"unknown field|value must be (a|an) |string of digits|defined enum values|must be in list"
    r"|proto: |RFC 3339|must not be null"
)
# plain strings whose values the documents give only in prose: a value each that Ozon takes
PROSE_VALUES = {
    "currency_code": "RUB",
    "price_strategy_enabled": "UNKNOWN",
    "auto_action_enabled": "UNKNOWN",
    "auto_add_to_ozon_actions_list_enabled": "UNKNOWN",
    "transaction_type": "all",
    "status": "ALL",
    "language": "DEFAULT",
    "vat": "0.2",
}
HEADERS = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY, "Content-Type": "application/json"}


class Documented:
    """Bodies with every field of a documented schema (refs into `components`), valid values."""

    def __init__(self, components: Mapping[str, Any], variant: int) -> None:
        self.components = components
        self.variant = variant
        self.longest_enum = 1

    def value(
        self, node: Mapping[str, Any], field: str = "", depth: int = 0, seen: frozenset[str] = frozenset()
    ) -> Any:
        while "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            if name in seen or depth > MAX_DEPTH:
                return None
            seen = seen | {name}
            node = self.components[name]
        for key in ("anyOf", "oneOf"):
            branches = [b for b in node.get(key) or () if b.get("type") != "null" and set(b) != {"required"}]
            if branches and "properties" not in node:
                return self.value(branches[0], field, depth, seen)
        if node.get("enum"):
            values = [v for v in node["enum"] if v is not None]
            self.longest_enum = max(self.longest_enum, len(values))
            return values[self.variant % len(values)] if values else None
        kind = node.get("type") or (
            "object" if "properties" in node else "array" if "items" in node else None
        )
        if kind == "object" or "properties" in node:
            out = {}
            for key, sub in (node.get("properties") or {}).items():
                value = self.value(sub, key, depth + 1, seen)
                if value is not None:
                    out[key] = value
            return out
        if kind == "array":
            item = self.value(node.get("items") or {}, field, depth + 1, seen)
            return [] if item is None else [item] * max(1, int(node.get("minItems") or 1))
        if kind in ("integer", "int"):
            return int(self.number(node, 1))
        if kind == "number":
            return self.number(node, 1)
        if kind == "boolean":
            return True
        if kind == "file":
            return b"%PDF-1.4 oint"
        return self.text(node, field)

    @staticmethod
    def number(node: Mapping[str, Any], usual: float) -> float:
        low, high = node.get("minimum"), node.get("maximum")
        if low is not None and high is not None:
            return float(low + high) / 2 if isinstance(low, float) or isinstance(high, float) else float(low)
        if low is not None:
            return float(max(low, usual))
        if high is not None:
            return float(min(high, usual))
        return usual

    @staticmethod
    def text(node: Mapping[str, Any], field: str) -> str:
        fmt = node.get("format")
        if fmt == "date-time":
            text = "2026-11-02T10:00:00Z"
        elif fmt == "date":
            text = "2026-11-02"
        elif fmt in ("int64", "uint64", "int32", "uint32", "double", "float"):
            text = "12"
        elif fmt == "byte":
            text = "b2ludA=="
        elif fmt == "uuid":
            text = "8a7e0fd5-1c3f-4e4e-9d5a-0d6c1f0e2b11"
        elif "date" in field or field.endswith(("_from", "_to", "_at")) or field in ("from", "to", "since"):
            text = "2026-11-02T10:00:00Z"
        elif field in PROSE_VALUES:
            text = PROSE_VALUES[field]
        elif "price" in field or field.endswith(("_amount", "_cost")):
            text = "1200"
        elif any(word in field for word in ("image", "url", "link")):
            text = "https://cdn.example.com/oint/1.jpg"
        else:
            text = "oint"
        low, high = node.get("minLength"), node.get("maxLength")
        if isinstance(low, int) and len(text) < low:
            text += "x" * (low - len(text))
        return text[:high] if isinstance(high, int) else text


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def documented_requests() -> Iterator[tuple[str, str, Mapping[str, Any], Mapping[str, Any], bool]]:
    """(document, path, request schema, components, multipart) of every operation of the layer that
    a document gives a request body."""
    layer = spec.operations()
    document, structure = load(DOCUMENT), load(STRUCTURE)
    for path, item in document["paths"].items():
        for verb, op in item.items():
            if path not in layer or not isinstance(op, dict) or verb != layer[path].method.lower():
                continue
            content = (op.get("requestBody") or {}).get("content") or {}
            for media, multipart in (("application/json", False), ("multipart/form-data", True)):
                if "schema" in content.get(media, {}):
                    yield (
                        "2026-05",
                        path,
                        content[media]["schema"],
                        document["components"]["schemas"],
                        multipart,
                    )
    # the newer structure has the fields but neither formats nor enums: its fields (all in the
    # layer, `test_the_layer_has_every_field_of_the_newer_structure`) get the layer's values
    for op in structure["operations"]:
        if op["path"] in layer and op.get("request") and op["method"] != "GET":
            layer_request = {"$ref": "#/schemas/" + str(layer[op["path"]].request)}
            yield "2026-autumn", op["path"], layer_request, spec.schemas(), False


def multipart(fields: Mapping[str, Any]) -> bytes:
    parts = []
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, bytes):
                head = f'name="{name}"; filename="{name}.pdf"\r\nContent-Type: application/pdf'
                data = one
            else:
                head = f'name="{name}"'
                data = (json.dumps(one) if isinstance(one, (dict, bool)) else str(one)).encode()
            parts.append(
                f"--{BOUNDARY}\r\nContent-Disposition: form-data; {head}\r\n\r\n".encode() + data + b"\r\n"
            )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(":memory:", api_date=API_DATE, rate_limits=False)
    yield box
    box.close()


def test_every_documented_field_is_accepted(sandbox: Sandbox) -> None:
    failures: list[str] = []
    sent = 0
    for source, path, schema, components, form in documented_requests():
        op = spec.operation(path)
        url = op.path
        for name in op.path_params:
            url = url.replace("{" + name + "}", "sandbox-file-1")
        variant = 0
        longest = 1
        while variant < min(longest, MAX_VARIANTS):
            maker = Documented(components, variant)
            body = maker.value(schema)
            longest = maker.longest_enum
            variant += 1
            if form:
                headers = {**HEADERS, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
                raw = multipart(body)
            else:
                headers, raw = HEADERS, json.dumps(body).encode()
            answer = sandbox.handle(op.method, url, headers, raw)
            sent += 1
            text = answer.body.decode("utf-8", "replace")
            message = (
                json.loads(text).get("message", "") if answer.status >= 400 and text.startswith("{") else ""
            )
            if answer.status >= 500 or (answer.status == 400 and SHAPE_REFUSED.search(message)):
                shown = json.dumps(body, default=repr)[:300]
                failures.append(f"{source} {op}: {answer.status} {text[:200]}\n    body {shown}")
                break
    assert sent > 600
    assert not failures, f"{len(failures)} operation(s) refuse documented fields:\n" + "\n".join(failures)


def test_a_multipart_form_is_read_and_checked(sandbox: Sandbox) -> None:
    form = {
        "name": "Declaration",
        "number": "EAEU N RU D-RU.1",
        "type_code": "declaration",
        "issue_date": "2026-01-01T00:00:00Z",
        "files": [b"%PDF-1.4 one", b"%PDF-1.4 two"],
    }
    headers = {**HEADERS, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    answer = sandbox.handle("POST", "/v1/product/certificate/create", headers, multipart(form))
    assert answer.status == 200 and isinstance(json.loads(answer.body), int), answer.body
    refused = sandbox.handle(
        "POST", "/v1/product/certificate/create", headers, multipart({**form, "type_code": "passport"})
    )
    assert refused.status == 400 and b"type_code" in refused.body, refused.body
    unknown = sandbox.handle(
        "POST", "/v1/product/certificate/create", headers, multipart({**form, "colour": "red"})
    )
    assert unknown.status == 400 and b'unknown field \\"colour\\"' in unknown.body, unknown.body
    no_boundary = sandbox.handle(
        "POST", "/v1/product/certificate/create", {**HEADERS, "Content-Type": "multipart/form-data"}, b"x"
    )
    assert no_boundary.status == 400 and b"boundary" in no_boundary.body


def field_paths(
    node: Mapping[str, Any], defs: Mapping[str, Any], where: str = "", depth: int = 0
) -> set[str]:
    """Every field of a request schema as a dotted path (`items[].offer_id`), refs into `defs`."""
    while "$ref" in node and depth <= MAX_DEPTH:
        node = defs[node["$ref"].rsplit("/", 1)[1]]
        depth += 1
    if depth > MAX_DEPTH:
        return set()
    out: set[str] = set()
    for branch in node.get("anyOf") or ():
        if branch.get("type") != "null" and set(branch) != {"required"}:
            out |= field_paths(branch, defs, where, depth + 1)
    for key, sub in (node.get("properties") or {}).items():
        out.add(where + key)
        out |= field_paths(sub, defs, where + key + ".", depth + 1)
    if "items" in node:
        out |= field_paths(node["items"], defs, where.rstrip(".") + "[].", depth + 1)
    return out


def test_the_layer_has_every_field_of_the_newer_structure() -> None:
    structure = load(STRUCTURE)
    layer = spec.operations()
    missing = []
    for op in structure["operations"]:
        if op["path"] not in layer or not op.get("request"):
            continue
        documented = field_paths(op["request"], structure["components"]["schemas"])
        ours = field_paths({"$ref": "#/schemas/" + str(layer[op["path"]].request)}, spec.schemas())
        missing += [f"{op['path']} {field}" for field in sorted(documented - ours)]
    assert not missing, "\n".join(missing)
