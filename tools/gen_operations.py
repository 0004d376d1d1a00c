"""Derive the operation declarations of the whole Seller API from `reference/`.

    python tools/gen_operations.py           # write src/oint/apis/seller/data/{operations,schemas}.json
    python tools/gen_operations.py --check   # exit 1 if they are not up to date

Inputs (structure only, see reference/README.md):
- `operations.json`: every current operation (autumn 2026) with its request/response structure,
  paging style and items field; every field optional;
- `openapi-en-2026-05.structure.json`: Ozon's older document, which adds required fields, enums,
  formats and limits for the paths it has, and the paths Ozon has since removed;
- `facts.json`: what neither states as data (switch-off dates, successors, rate limits, batch and
  page sizes), each with its source.

Output (`src/oint/apis/seller/data/operations.json` and `schemas.json`): one declaration per operation
(path, verb, name, request/response schema, paging, batch,
limits, retirement) and the schemas they use, as a JSON Schema subset with refs `#/schemas/NAME`.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
SPEC = ROOT / "src" / "oint" / "apis" / "seller" / "data"
OPENAPI = "openapi-en-2026-05.structure.json"  # the OpenAPI document's structure (python -m tools.refresh)

Schema = dict[str, Any]
SCALAR_FACTS = ("enum", "format", "maximum", "minimum", "maxLength", "minLength")
ARRAY_FACTS = ("maxItems", "minItems")
SIZE_FIELDS = ("limit", "page_size", "count", "per_page")


def op_name(path: str) -> str:
    """`/v3/posting/fbs/list` -> `v3_posting_fbs_list` (path parameters left out)."""
    path = re.sub(r"\{[^}]*\}", "", path)
    return re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_")


# ---------------------------------------------------------------------------------------- schemas
class Schemas:
    """The merged schema components, in the output's JSON Schema subset."""

    def __init__(self, ops_components: dict[str, Schema], oa_components: dict[str, Schema]) -> None:
        self.ops_src = ops_components
        self.oa_src = oa_components
        self.out: dict[str, Schema] = {}
        self._merged: set[tuple[str, str]] = set()

    # -- structure from operations.json (every field optional and nullable there)
    def from_ops(self, name: str) -> str:
        if name not in self.ops_src:  # the source's placeholder for a free-form object ("dict")
            self.out["AnyObject"] = {"type": "object", "additionalProperties": True}
            return "AnyObject"
        if name not in self.out:
            self.out[name] = {}  # placeholder: recursive schemas
            self.out[name] = self._clean_ops(self.ops_src[name])
        return name

    def _clean_ops(self, node: Schema) -> Schema:
        if "$ref" in node:
            return {"$ref": "#/schemas/" + self.from_ops(node["$ref"].rsplit("/", 1)[1])}
        if "anyOf" in node:
            variants = [v for v in node["anyOf"] if v.get("type") != "null"]
            if len(variants) == 1:
                return self._clean_ops(variants[0])
            return {"anyOf": [self._clean_ops(v) for v in variants]}
        out: Schema = {}
        kind = node.get("type")
        if kind is not None:
            out["type"] = kind
        if "properties" in node:
            out["properties"] = {k: self._clean_ops(v) for k, v in node["properties"].items()}
        if node.get("required"):
            out["required"] = sorted(node["required"])
        if "items" in node:
            out["items"] = self._clean_ops(node["items"])
        if "enum" in node:
            out["enum"] = node["enum"]
        if "additionalProperties" in node and node["additionalProperties"] not in (False, None):
            extra = node["additionalProperties"]
            out["additionalProperties"] = True if extra is True else self._clean_ops(extra)
        return out

    # -- structure from the OpenAPI document (removed operations)
    def from_oa(self, name: str) -> str:
        local = name if name not in self.ops_src else name + "Legacy"
        if local not in self.out:
            self.out[local] = {}
            self.out[local] = self._clean_oa(self.oa_src[name])
            if "properties" in self.out[local]:
                self.out[local]["x-message"] = name
        return local

    def _clean_oa(self, node: Schema) -> Schema:
        if "$ref" in node:
            return {"$ref": "#/schemas/" + self.from_oa(node["$ref"].rsplit("/", 1)[1])}
        alternatives = required_alternatives(node)
        if "oneOf" in node and alternatives is None:
            return {"anyOf": [self._clean_oa(v) for v in node["oneOf"]]}
        out: Schema = {}
        for key in ("type", *SCALAR_FACTS, *ARRAY_FACTS):
            if key in node:
                out[key] = node[key]
        if "type" not in out and "items" in node:
            out["type"] = "array"
        if alternatives:
            out["anyOf"] = [{"required": alt} for alt in alternatives]
        if "properties" in node:
            out["properties"] = {k: self._clean_oa(v) for k, v in node["properties"].items()}
            if not out.get("type"):
                out["type"] = "object"
        if node.get("required"):
            out["required"] = sorted(r for r in node["required"] if r in node.get("properties", {}))
            if not out["required"]:
                del out["required"]
        if "items" in node:
            out["items"] = self._clean_oa(node["items"])
        if "additionalProperties" in node and node["additionalProperties"] not in (False, None):
            extra = node["additionalProperties"]
            out["additionalProperties"] = True if extra in (True, {}) else self._clean_oa(extra)
        return out

    # -- facts of the OpenAPI document laid over the newer structure
    def enrich(self, target: Schema, oa: Schema, request: bool = False) -> None:
        """Copy required fields, enums, formats, limits and forms in words (`x-template`) from `oa`
        into `target` (in place). Of a request, also what Ozon's document accepts and the newer
        structure lacks: its fields, its type where the two differ (either is accepted), and the
        enum values of both; of an answer, the fields the document requires."""
        tname, tnode = resolve_named(self.out, target)
        oname, onode = resolve_named(self.oa_src, oa)
        if tname and oname:
            if (tname, oname, request) in self._merged:
                return
            self._merged.add((tname, oname, request))
        alternatives = required_alternatives(onode)
        if "anyOf" in tnode or ("oneOf" in onode and alternatives is None):
            return
        if request and self._other_type(tnode, onode):
            return
        props = tnode.get("properties")
        if props is not None and "properties" in onode:
            oprops = onode["properties"]
            for field, sub in props.items():
                if field in oprops:
                    self.enrich(sub, oprops[field], request)
            if tnode.get("additionalProperties") in (None, False):
                # documented, unknown to the newer structure: a request takes them all, an answer
                # has those the document requires
                wanted = set(oprops) if request else set(onode.get("required", ()))
                for field in sorted(wanted & set(oprops) - set(props)):
                    props[field] = self._clean_oa(oprops[field])
            required = {r for r in onode.get("required", ()) if r in props} | set(tnode.get("required", ()))
            if required:
                tnode["required"] = sorted(required)
            if alternatives and all(f in props for alt in alternatives for f in alt):
                tnode["anyOf"] = [{"required": alt} for alt in alternatives]  # one of these must be set
            if oname:  # Ozon's name of the message, for its error wording (`ProductsStocksRequest`)
                tnode.setdefault("x-message", oname)
            return
        if is_array(tnode) and is_array(onode):  # the document leaves out `type` on some arrays
            for key in ARRAY_FACTS:
                if key in onode:
                    tnode[key] = onode[key]
            if "items" in tnode and "items" in onode:
                self.enrich(tnode["items"], onode["items"], request)
            return
        if (
            tnode.get("type") in ("string", "integer", "number", "boolean", None)
            and "properties" not in onode
        ):
            okind = onode.get("type")
            template = onode.get("pattern")
            if isinstance(template, str) and re.search("YYYY|XXX", template):
                tnode["x-template"] = template.strip()  # `+7(XXX)XXX-XX-XX`: a form in words, no regex
            for key in SCALAR_FACTS:
                if key not in onode:
                    continue
                if key == "enum" and tnode.get("type") not in (None, okind):
                    continue
                if key == "enum" and request and isinstance(tnode.get("enum"), list) and onode["enum"]:
                    newer = [v for v in tnode["enum"] if v not in onode["enum"]]  # values added since
                    tnode["enum"] = onode["enum"] + newer
                    continue
                tnode[key] = onode[key]
            if (
                okind == "string"
                and tnode.get("type") == "integer"
                and onode.get("format") in ("int64", "uint64")
            ):
                tnode["x-string"] = True  # Ozon's document sends this int64 as a JSON string

    def _other_type(self, tnode: Schema, onode: Schema) -> bool:
        """Where Ozon's document types a request field otherwise than the newer structure, make
        the field take both (the newer's bare `object`, its placeholder for a type it could not
        name, gives way to the document's scalar). True when the field was changed."""
        tkind, okind = schema_kind(tnode), schema_kind(onode)
        if tkind == "object" and "properties" not in tnode and "type" in onode and okind is None:
            tnode.clear()  # neither document could type it (`"type": null` there): any JSON value
            return True
        if tkind is None or okind is None or tkind == okind:
            return False
        if (okind, tkind) == ("integer", "number") or (
            (okind, tkind) == ("string", "integer") and onode.get("format") in ("int64", "uint64")
        ):
            return False
        documented = self._clean_oa(onode)
        if okind == "integer" and documented.get("type") == "int":
            documented["type"] = "integer"
        if tkind == "object" and "properties" not in tnode and okind not in ("object", "array"):
            replacement = documented
        else:
            replacement = {"anyOf": [dict(tnode), documented]}
        tnode.clear()  # where it is defined: inline, or the named schema `target` refers to
        tnode.update(replacement)
        return True

    def prune(self, roots: set[str]) -> None:
        """Keep only the schemas reachable from `roots`."""
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            stack.extend(re.findall(r'"#/schemas/([^"]+)"', json.dumps(self.out[name])))
        self.out = {k: self.out[k] for k in sorted(seen)}


def schema_kind(node: Schema) -> str | None:
    """The JSON type of a schema ("int", the document's slip, as integer), None when it has none."""
    kind = node.get("type")
    if kind == "int":
        return "integer"
    if isinstance(kind, str):
        return kind
    if "properties" in node:
        return "object"
    if "items" in node:
        return "array"
    return None


def is_array(node: Schema) -> bool:
    return node.get("type") == "array" or (node.get("type") is None and "items" in node)


def required_alternatives(node: Schema) -> list[list[str]] | None:
    """`oneOf`/`anyOf` made only of `required` lists (at least one of them must hold), or None."""
    for key in ("oneOf", "anyOf"):
        branches = node.get(key)
        if isinstance(branches, list) and branches and all(set(b) == {"required"} for b in branches):
            return [sorted(b["required"]) for b in branches]
    return None


def ref_name(node: Schema | None) -> str | None:
    return None if not node else node["$ref"].rsplit("/", 1)[1]


def oa_operation(oa: dict[str, Any], path: str) -> tuple[str, dict[str, Any]] | None:
    for verb, op in oa["paths"].get(path, {}).items():
        if isinstance(op, dict) and verb in ("get", "post", "put", "delete", "patch"):
            return verb.upper(), op
    return None


FORM = "multipart/form-data"


def oa_request(oa: dict[str, Any], op: dict[str, Any]) -> Schema | None:
    """The schema of the request body: JSON, or the fields of a multipart form (see `oa_form`)."""
    body = op.get("requestBody") or {}
    if "$ref" in body:
        body = oa["components"]["requestBodies"][body["$ref"].rsplit("/", 1)[1]]
    content = body.get("content", {})
    schema: Schema | None = (content.get("application/json") or content.get(FORM) or {}).get("schema")
    return schema


def oa_form(op: dict[str, Any]) -> bool:
    """Whether the request is a multipart/form-data form (files and text fields), not JSON."""
    return FORM in (op.get("requestBody") or {}).get("content", {})


def oa_response(op: dict[str, Any]) -> Schema | None:
    answer = op.get("responses", {}).get("200") or {}
    schema: Schema | None = answer.get("content", {}).get("application/json", {}).get("schema")
    return schema


def oa_file(op: dict[str, Any]) -> str | None:
    """The media type of an answer that is a file (`application/pdf`, `image/png`), or None."""
    answer = op.get("responses", {}).get("200") or {}
    types = [t for t in answer.get("content", {}) if t != "application/json"]
    return types[0] if types else None


# ---------------------------------------------------------------------------------------- paging
def resolve_named(schemas: dict[str, Schema], node: Schema) -> tuple[str, Schema]:
    """`node` with its `$ref`s followed in `schemas`: the last schema name referred to ("" when none)
    and the schema."""
    name = ""
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        node = schemas[name]
    return name, node


def resolve(schemas: dict[str, Schema], node: Schema | None) -> Schema:
    return resolve_named(schemas, node)[1] if node else {}


def find_field(schemas: dict[str, Schema], response: Schema, names: tuple[str, ...]) -> str | None:
    """Dotted path of the first of `names` at the answer's top level or under `result`."""
    top = resolve(schemas, response).get("properties", {})
    for name in names:
        if name in top:
            return name
    result = resolve(schemas, top.get("result")).get("properties", {}) if "result" in top else {}
    for name in names:
        if name in result:
            return "result." + name
    return None


def items_path(schemas: dict[str, Schema], response: Schema, hint: str | None) -> str | None:
    top = resolve(schemas, response).get("properties", {})
    if hint:
        if hint == "result" and resolve(schemas, top.get("result")).get("type") == "array":
            return "result"
        found = find_field(schemas, response, (hint,))
        if found:
            return found
    arrays = [k for k, v in top.items() if resolve(schemas, v).get("type") == "array"]
    if "result" in top and not arrays:
        inner = resolve(schemas, top["result"]).get("properties", {})
        arrays = ["result." + k for k, v in inner.items() if resolve(schemas, v).get("type") == "array"]
    return arrays[0] if len(arrays) == 1 else None


def paging(
    schemas: dict[str, Schema],
    style: str,
    request: Schema,
    response: Schema,
    hint: str | None,
    facts: dict[str, Any],
) -> dict[str, Any]:
    req = resolve(schemas, request).get("properties", {})
    position = {"page": "page" if "page" in req else "next_page_number"}.get(style, style)
    size = next((f for f in SIZE_FIELDS if f in req), None)
    max_size = resolve(schemas, req[size]).get("maximum") if size else None
    max_size = facts.get("max", max_size)
    out: dict[str, Any] = {
        "style": style,
        "items": facts.get("items") or items_path(schemas, response, hint),
        "position": position,
        "size": size,
        "max": max_size,
    }
    if style in ("last_id", "cursor"):
        out["next"] = find_field(schemas, response, (style,))
    if style == "page" and position == "next_page_number":
        out["next"] = find_field(schemas, response, ("next_page_number",))
    if facts.get("next_item"):  # no token in the answer: the last item's field is the next position
        out["next_item"] = facts["next_item"]
    out["has_next"] = find_field(schemas, response, ("has_next",))
    if style == "page":
        out["pages"] = find_field(schemas, response, ("page_count", "total_pages"))
    return {k: v for k, v in out.items() if v is not None}


def batch(
    schemas: dict[str, Schema], request: Schema, hint: str | None, facts: dict[str, Any]
) -> dict[str, Any] | None:
    req = resolve(schemas, request).get("properties", {})
    field = facts.get("field") or hint
    if field is None:  # the one array with a documented maximum of at least 20 items
        bounded = [k for k, v in req.items() if resolve(schemas, v).get("maxItems", 0) >= 20]
        field = bounded[0] if len(bounded) == 1 else None
    if field is None or field not in req:
        return None
    maximum = facts.get("max") or resolve(schemas, req[field]).get("maxItems")
    return {"field": field, "max": maximum} if maximum else {"field": field}


def object_at(schemas: dict[str, Schema], root: Schema, dotted: str) -> Schema:
    """The object schema at a request field path (`stocks[]`; "" for the body itself)."""
    node = resolve(schemas, root)
    for part in dotted.split(".") if dotted else ():
        node = resolve(schemas, node["properties"][part.removesuffix("[]")])
        if part.endswith("[]"):
            node = resolve(schemas, node["items"])
    return node


def relax(schemas: dict[str, Schema], root: Schema, dotted: str) -> None:
    """Drop one field (`stocks[].product_id`) from its object's required list."""
    parent, _, field = dotted.rpartition(".")
    node = object_at(schemas, root, parent)
    node["required"] = [r for r in node.get("required", ()) if r != field]
    if not node["required"]:
        del node["required"]


def request_facts(schemas: dict[str, Schema], facts: dict[str, Any], decls: dict[str, Any]) -> None:
    """Lay the request facts over the schemas: fields not required, one of several fields required,
    rules and types of fields, fields OInt sends that the newer structure dropped, and bodies that
    may be empty."""

    def entries(section: str) -> list[tuple[Schema, dict[str, Any]]]:
        return [
            ({"$ref": "#/schemas/" + decls[path]["request"]}, fact)
            for path, fact in facts[section].items()
            if path != "about"
        ]

    for root, fact in entries("not_required"):
        for field in fact["fields"]:
            relax(schemas, root, field)
    for root, fact in entries("required_one_of"):
        node = object_at(schemas, root, fact["at"])
        node["anyOf"] = [{"required": [field]} for field in fact["fields"]]
        node["required"] = [r for r in node.get("required", ()) if r not in fact["fields"]]
        if not node["required"]:
            del node["required"]
    for section in ("field_rules", "field_types"):
        for root, fact in entries(section):
            for dotted, rules in fact["fields"].items():
                parent, _, field = dotted.rpartition(".")
                props = object_at(schemas, root, parent)["properties"]
                props[field] = {**props[field], **rules} if section == "field_rules" else dict(rules)
    for root, fact in entries("accepted_fields"):
        for dotted, field_schema in fact["fields"].items():
            parent, _, field = dotted.rpartition(".")
            object_at(schemas, root, parent)["properties"][field] = {**field_schema, "deprecated": True}
    for root, _ in entries("empty_body_ok"):
        node = object_at(schemas, root, "")
        node["anyOf"] = [{"required": node.pop("required")}, {"maxProperties": 0}]


# ---------------------------------------------------------------------------------------- main
def build(reference: Path = REFERENCE) -> dict[str, Any]:
    ops_doc = json.loads((reference / "operations.json").read_text(encoding="utf-8"))
    oa = json.loads((reference / OPENAPI).read_text(encoding="utf-8"))
    facts = json.loads((reference / "facts.json").read_text(encoding="utf-8"))
    # a document `python -m tools.refresh` took is newer than operations.json: the paths only it has
    # are new ones, not ones Ozon removed since; its operations are labelled by its date
    label, newer = str(oa.get("x-oint-label") or "2026-05"), bool(oa.get("x-oint-newer"))
    for name, rules in facts["document_rules"].items():  # the document's prose, as data
        if name != "about":
            for field, rule in rules["fields"].items():
                oa["components"]["schemas"][name]["properties"][field].update(rule)
    schemas = Schemas(ops_doc["components"]["schemas"], oa["components"]["schemas"])
    retired = facts["retired"]
    decls: dict[str, dict[str, Any]] = {}

    for op in sorted(ops_doc["operations"], key=lambda o: o["path"]):
        path = op["path"]
        request = ref_name(op["request"])
        response = ref_name(op["response"])
        decl: dict[str, Any] = {"method": op["method"], "section": op["section"], "title": op["title"]}
        if request:
            request = decl["request"] = schemas.from_ops(request)
        if response:
            response = decl["response"] = schemas.from_ops(response)
        decl["sources"] = ["2026-autumn"]
        found = oa_operation(oa, path)
        if found is not None:
            decl["sources"].append(label)
            _, oa_op = found
            oa_req, oa_resp = oa_request(oa, oa_op), oa_response(oa_op)
            if oa_file(oa_op) and not response:
                decl["file"] = oa_file(oa_op)
            if oa_form(oa_op):
                decl["form"] = True
            if request and oa_req:
                schemas.enrich({"$ref": "#/schemas/" + request}, oa_req, request=True)
            if response and oa_resp:
                schemas.enrich({"$ref": "#/schemas/" + response}, oa_resp)
            if oa_op.get("deprecated"):
                decl["deprecated"] = True
        if op["method"] == "GET" or not request:
            decl["body"] = "none"
        if op["path_params"]:
            decl["path_params"] = op["path_params"]
        if op["query_params"]:
            decl["query_params"] = sorted(op["query_params"])
        if op.get("deprecated"):
            decl["deprecated"] = True
        decl["_paginate"], decl["_items"], decl["_batch"] = (
            op["paginate"],
            op["items"],
            op["item_count_field"],
        )
        decls[path] = decl

    for path in sorted(oa["paths"]):
        if path in decls:
            continue
        found = oa_operation(oa, path)
        if found is None:
            continue
        verb, oa_op = found
        decl = {"method": verb, "sources": [label]}
        if not newer or oa_op.get("deprecated"):
            decl["deprecated"] = True
        oa_req, oa_resp = oa_request(oa, oa_op), oa_response(oa_op)
        if oa_form(oa_op):
            decl["form"] = True
        for part, node in (("request", oa_req), ("response", oa_resp)):
            if node is None:
                continue
            if "$ref" in node:
                decl[part] = schemas.from_oa(node["$ref"].rsplit("/", 1)[1])
            else:
                inline = op_name(path).title().replace("_", "") + part.title()
                schemas.out[inline] = schemas._clean_oa(node)
                decl[part] = inline
        if "request" not in decl:
            decl["body"] = "none"
        decls[path] = decl

    for path, gone in facts["gone"].items():
        if path == "about" or path in decls:
            continue
        decl = {"method": gone["method"], "sources": ["facts"], "deprecated": True}
        for part in ("request", "response"):
            if gone[part] is not None:
                name = op_name(path).title().replace("_", "") + part.title()
                schemas.out[name] = gone[part]
                decl[part] = name
        if "request" not in decl:
            decl["body"] = "none"
        decls[path] = decl

    # retirements, limits, paging and batches
    out_schemas = schemas.out
    for path, decl in decls.items():
        decl["name"] = op_name(path)
        ret = retired.get(path)
        if ret:
            decl["deprecated"] = True
            if ret["date"]:
                decl["retired"] = ret["date"]
            if ret["successor"]:
                decl["successor"] = ret["successor"]
        answer_file = facts["files"].get(path)
        if answer_file:
            decl["file"] = answer_file["type"]
        limits = facts["rate_limits"].get(path)
        if limits:
            decl["rate_limits"] = limits["limits"]
        item = facts["item_limits"].get(path)
        if item:
            decl["item_limits"] = {k: item[k] for k in ("key", "limits", "error")}
        request = {"$ref": "#/schemas/" + decl["request"]} if "request" in decl else {}
        response = {"$ref": "#/schemas/" + decl["response"]} if "response" in decl else {}
        style = decl.pop("_paginate", None)
        hint = decl.pop("_items", None)
        batch_hint = decl.pop("_batch", None)
        if style:
            decl["paging"] = paging(
                out_schemas, style, request, response, hint, facts["paging"].get(path, {})
            )
        elif hint and response:
            found_items = items_path(out_schemas, response, hint)
            if found_items:
                decl["items"] = found_items
        found_batch = batch(out_schemas, request, batch_hint, facts["batches"].get(path, {}))
        if found_batch:
            decl["batch"] = found_batch

    request_facts(out_schemas, facts, decls)

    names = [d["name"] for d in decls.values()]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"operation names collide: {sorted(duplicates)}")
    roots = {d[k] for d in decls.values() for k in ("request", "response") if k in d}
    schemas.prune(roots)
    return {
        "about": "GENERATED by tools/gen_operations.py from reference/: do not edit.",
        "global_rate_limits": facts["rate_limits"]["*"]["limits"],
        "operations": {p: dict(sorted(decls[p].items())) for p in sorted(decls)},
        "schemas": copy.deepcopy(schemas.out),
    }


def _compact(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def render(doc: dict[str, Any], spec: Path = SPEC) -> dict[Path, str]:
    """The two output files: declarations (small, read on calls) and schemas (read when needed:
    one schema a line, so that `oint.apis.seller.spec` parses only the ones a call reads)."""
    head = {"about": doc["about"]}
    operations = {**head, "global_rate_limits": doc["global_rate_limits"], "operations": doc["operations"]}
    odd = [name for name in doc["schemas"] if '"' in name or "\\" in name]
    if odd:  # the reader finds a line's name up to the first '":'
        raise ValueError(f"schema names with quotes or backslashes: {odd}")
    schemas = ",\n".join(f"{_compact(name)}:{_compact(schema)}" for name, schema in doc["schemas"].items())
    return {
        spec / "operations.json": _compact(operations) + "\n",
        spec / "schemas.json": _compact(head)[:-1] + ',"schemas":{\n' + schemas + "\n}}\n",
    }


def main(argv: list[str]) -> int:
    files = render(build())
    if argv == ["--check"]:
        stale = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        for path in stale:
            print(
                f"{path.relative_to(ROOT)} is out of date: run python tools/gen_operations.py",
                file=sys.stderr,
            )
        return 1 if stale else 0
    SPEC.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
