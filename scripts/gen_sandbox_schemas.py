"""Generate `src/oint/sandbox/data/request_schemas.json`: the request schemas of the sandbox's routes.

    python scripts/gen_sandbox_schemas.py          # write the file
    python scripts/gen_sandbox_schemas.py --check  # exit 1 when the file is not up to date

Input: `reference/openapi-en-2026-05.structure.json` (Ozon's document without prose) and the
sandbox's route table. Output: for each routed operation its request schema (`$ref` as in the
document) and every schema it reaches, with the sandbox's corrections below applied, so that
`oint.sandbox.validate` can check request bodies before the model sees them.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from oint.sandbox.model import ROUTES  # noqa: E402
from oint.sandbox.validate import message_name  # noqa: E402

DOCUMENT = ROOT / "reference" / "openapi-en-2026-05.structure.json"
OPERATIONS = ROOT / "reference" / "operations.json"  # newer; for routes the document lacks
SDK_PREFIX = "sdk"  # its schemas are kept as sdk<Name>, apart from the document's
OUT = ROOT / "src" / "oint" / "sandbox" / "data" / "request_schemas.json"
REF = "#/components/schemas/"

# An array the document does not bound is bounded here, so that no request makes the model work
# for seconds (e.g. 200,000 SKUs): Ozon's own bounds are 100-1000 where documented.
DEFAULT_MAX_ITEMS = 1000

# Corrections of the document, each with its reason. Keys: schema name -> fields to replace.
SCHEMA_FIXES: dict[str, tuple[dict[str, Any], str]] = {
    "productv2ProductsStocksRequestStock": (
        {
            "required": ["stock", "warehouse_id"],
            "anyOf": [{"required": ["offer_id"]}, {"required": ["product_id"]}],
        },
        "the document requires `quant_size`, which is no field (the economy tariff it belonged to was "
        "switched off 2026-09-08), and `product_id`, while it also says an item may name its product by "
        "`offer_id` instead (offer_id wins when both are sent)",
    ),
    "v3ImportProductsRequestItem": (
        {"required": []},
        "Ozon accepts the task and reports a missing category, type or price per item through "
        "/v1/product/import/info (description_type_is_empty, EMPTY_REQUIRED...; facts §1.3), as the "
        "recorded answers to OInt's example show; the model does the same",
    ),
}
# Per-field additions (merged into the field's schema): (schema name, field) -> (rules, reason).
FIELD_FIXES: dict[tuple[str, str], tuple[dict[str, Any], str]] = {
    ("v1GetAttributeValuesRequest", "limit"): (
        {"minimum": 1, "maximum": 2000},
        "Ozon's range of the page size (facts §5); the document states it only in prose",
    ),
    ("v1SearchAttributeValuesRequest", "limit"): (
        {"minimum": 1, "maximum": 100},
        "Ozon's range of the page size (facts §5); the document states it only in prose",
    ),
}
# Fields whose schema is replaced: (schema name, field) -> (new schema, reason).
FIELD_REPLACEMENTS: dict[tuple[str, str], tuple[dict[str, Any], str]] = {
    ("seller_apiGetSellerProductV1Request", "last_id"): (
        {},
        "typed number (double), but the document's examples and the v2 successor use an opaque string, "
        "which the sandbox answers and takes back (the model checks it)",
    ),
}
# Operations the document lacks (removed from it 2025-07-01, still called by OInt).
EXTRA_OPERATIONS: dict[str, tuple[dict[str, Any], str]] = {
    "POST /v1/product/upload_digital_codes": (
        {
            "type": "object",
            "required": ["product_id", "digital_codes"],
            "properties": {
                "product_id": {"type": "integer", "format": "int64"},
                "digital_codes": {"type": "array", "items": {"type": "string"}},
            },
        },
        "not in the 2026 document; shape of the older specification (facts §8)",
    ),
    "POST /v1/product/upload_digital_codes/info": (
        {
            "type": "object",
            "required": ["task_id"],
            "properties": {"task_id": {"type": "integer", "format": "int64"}},
        },
        "not in the 2026 document; shape of the older specification (facts §8)",
    ),
}
EXTRA_NAMES = {
    "POST /v1/product/upload_digital_codes": "ProductUploadDigitalCodesRequest",
    "POST /v1/product/upload_digital_codes/info": "ProductUploadDigitalCodesInfoRequest",
}
# Operations that accept a request without any field (no body or {}) although the document
# requires fields.
EMPTY_BODY_OK: dict[str, str] = {
    "POST /v1/warehouse/list": "OInt's GetWarehousesList sends no field, and Ozon's recorded answer to it "
    "is a 200 with the warehouses; a body with other fields but no `limit` is rejected, as documented",
}


def _reach(node: Any, schemas: dict[str, Any], seen: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF):
            name = ref[len(REF) :]
            if name not in seen:
                seen.add(name)
                _reach(schemas[name], schemas, seen)
        for value in node.values():
            _reach(value, schemas, seen)
    elif isinstance(node, list):
        for value in node:
            _reach(value, schemas, seen)


def _bound_arrays(node: Any) -> None:
    if isinstance(node, dict):
        if (node.get("type") == "array" or "items" in node) and "maxItems" not in node:
            node["maxItems"] = DEFAULT_MAX_ITEMS
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for sub in value.values():
                    _bound_arrays(sub)
            else:
                _bound_arrays(value)
    elif isinstance(node, list):
        for value in node:
            _bound_arrays(value)


def _from_sdk(node: Any) -> Any:
    """A schema of operations.json in the document's terms: refs renamed to sdk<Name>, and
    `anyOf: [X, {"type": "null"}]` (an optional field) as X; its defaults dropped."""
    if isinstance(node, list):
        return [_from_sdk(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _from_sdk(v) for k, v in node.items() if k not in ("default", "title")}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith(REF):
        out["$ref"] = REF + SDK_PREFIX + ref[len(REF) :]
    branches = out.get("anyOf")
    if isinstance(branches, list):
        rest = [b for b in branches if b != {"type": "null"}]
        if len(rest) == 1 and len(rest) < len(branches):
            del out["anyOf"]
            out.update(rest[0])
    if out.get("properties") is not None and "properties" in node:
        out["properties"] = {k: _from_sdk(v) for k, v in node["properties"].items()}
    return out


def build() -> dict[str, Any]:
    doc = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    schemas: dict[str, Any] = dict(doc["components"]["schemas"])
    sdk = json.loads(OPERATIONS.read_text(encoding="utf-8"))
    sdk_ops = {(o["method"], o["path"]): o for o in sdk["operations"]}
    schemas.update({SDK_PREFIX + k: _from_sdk(v) for k, v in sdk["components"]["schemas"].items()})
    bodies: dict[str, Any] = doc["components"].get("requestBodies", {})
    requests: dict[str, Any] = {}
    seen: set[str] = set()
    for method, path in sorted(ROUTES, key=lambda r: (r[1], r[0])):
        key = f"{method} {path}"
        if key in EXTRA_OPERATIONS:
            schema, reason = EXTRA_OPERATIONS[key]
            requests[key] = {"schema": copy.deepcopy(schema), "note": reason, "name": EXTRA_NAMES[key]}
            continue
        op = doc["paths"].get(path, {}).get(method.lower())
        if op is None and (method, path) in sdk_ops:  # newer than the document: types, nothing required
            sdk_op = sdk_ops[(method, path)]
            schema = _from_sdk(sdk_op["request"])
            if sdk_op["body_fields"] or method != "GET":
                requests[key] = {
                    "schema": schema,
                    "name": f"{sdk_op['sdk_name']}Request",
                    "note": "not in the 2026-05 document: structure from reference/operations.json",
                }
                _reach(schema, schemas, seen)
            continue
        if op is None:
            raise SystemExit(
                f"{key} is routed by the sandbox but is in neither the document, operations.json "
                "nor EXTRA_OPERATIONS"
            )
        body = op.get("requestBody")
        if isinstance(body, dict) and "$ref" in body:
            body = bodies[body["$ref"].rsplit("/", 1)[-1]]
        schema = (body or {}).get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            continue  # no request body (GET /v1/actions, /v4/product/info/limit)
        ref = schema.get("$ref", "")
        name = message_name(ref[len(REF) :] if ref.startswith(REF) else None, "", "Request")
        entry: dict[str, Any] = {"schema": copy.deepcopy(schema), "name": name}
        if key in EMPTY_BODY_OK:
            entry["empty_body_ok"] = True
            entry["note"] = EMPTY_BODY_OK[key]
        requests[key] = entry
        _reach(schema, schemas, seen)
    picked = {name: copy.deepcopy(schemas[name]) for name in sorted(seen)}
    fixes: list[str] = []
    for name, (fields, reason) in SCHEMA_FIXES.items():
        if name in picked:
            picked[name].update(copy.deepcopy(fields))
            fixes.append(f"{name}: {reason}")
    for (name, field), (sub, reason) in FIELD_FIXES.items():
        if name in picked:
            picked[name]["properties"][field].update(copy.deepcopy(sub))
            fixes.append(f"{name}.{field}: {reason}")
    for (name, field), (sub, reason) in FIELD_REPLACEMENTS.items():
        if name in picked:
            picked[name]["properties"][field] = copy.deepcopy(sub)
            fixes.append(f"{name}.{field}: {reason}")
    _bound_arrays(picked)
    for entry in requests.values():
        _bound_arrays(entry["schema"])
    return {
        "about": (
            "Request schemas of the sandbox's routes, generated by scripts/gen_sandbox_schemas.py from "
            "reference/openapi-en-2026-05.structure.json (routes it lacks: reference/operations.json, as "
            "sdk<Name> schemas): do not edit. Arrays the document leaves unbounded "
            f"get maxItems {DEFAULT_MAX_ITEMS}."
        ),
        "fixes": fixes,
        "requests": requests,
        "schemas": picked,
    }


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if argv == ["--check"]:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(
                f"{OUT.relative_to(ROOT)} is out of date: run python scripts/gen_sandbox_schemas.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(json.loads(text)['requests'])} operations)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
