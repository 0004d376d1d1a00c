"""Checking JSON against the operation layer's schemas: request bodies and answers.

A small, pure validator of the JSON-schema subset the operation layer (`oint.apis.seller.spec`) uses
(`type`, `format`, `properties`, `items`, `required`, `enum`, `minimum`/`maximum`,
`minItems`/`maxItems`, `minLength`/`maxLength`, `pattern`, `anyOf` (of types, or of `required`
lists and `maxProperties: 0` for "one of these fields", "or nothing at all"),
`additionalProperties`, `$ref` to `#/.../NAME`). It takes a schema dict, the schemas its refs
name and a value, nothing else; `oint.apis.seller.spec.operation_problem` feeds it an operation
of the layer. The sandbox checks every request body with it; a client may check before sending.

Why not `jsonschema`: Ozon's API follows gRPC-gateway conventions that plain JSON schema does not
express — an int64 may arrive as a JSON number or a string of digits (protojson accepts both),
`null` means "not set", unknown fields are refused — and the answer must be Ozon's error wording
with the failing field, which needs control over the order of checks and the message.

Two modes:

- `request_problem(schema, body, defs, name)`: the first problem as Ozon would report it,
  or None. Like Ozon, decoding comes first (protojson: wrong JSON types, out-of-range
  numbers, unknown fields; reported with JSON field names: `invalid ImportProductsRequest.items[0].price:
  value must be a string`), then validation rules (protoc-gen-validate: Go field names,
  nested messages as `invalid ProductsStocksRequest.Stocks[0]: embedded message failed
  validation | caused by: invalid ProductsStocksRequest_Stock.Stock: value is required`).
  Message names are Ozon's (`x-message` in the layer: the OpenAPI document's schema name).
  A missing required id (integer field named `id` or `*_id`) reads as 0 in proto3 and is
  reported as Ozon's rule for ids: `value must be greater than 0`.
- `answer_problems(schema, doc, defs)`: every mismatch of an answer, strictly (JSON types as
  documented, no nulls, enums, formats), as `Problem(pointer, message)`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

Schema = Mapping[str, Any]
Defs = Mapping[str, Schema]

_INT_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}
_INT_TEXT = re.compile(r"-?\d{1,20}")
_NUMBER_TEXT = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[-+]\d{2}:\d{2})")
_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "array": "an array",
    "object": "an object",
}
MAX_ANSWER_PROBLEMS = 50


@dataclass(frozen=True)
class Problem:
    pointer: str  # JSON pointer into the checked value ("" = the whole value)
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class SchemaError(ValueError):
    """The schema itself cannot be used (unknown `$ref`)."""


# ------------------------------------------------------------------ schema helpers
def ref_target(ref: Any) -> str:
    """The schema name a `$ref` points to: its last segment (`#/schemas/NAME`)."""
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) and ref.startswith("#/") else ""


def resolve(schema: Schema, defs: Defs) -> tuple[Schema, str | None]:
    """Follow `$ref`s; returns the schema and the name of the last one followed (or None)."""
    name = None
    for _ in range(32):
        ref = schema.get("$ref")
        if ref is None:
            return schema, name
        name = ref_target(ref)
        if name not in defs:
            raise SchemaError(f"unknown $ref {ref!r}")
        schema = defs[name]
    raise SchemaError("$ref chain too long")


def kind_of(schema: Schema) -> str | None:
    """The JSON type a schema asks for (None: anything)."""
    t = schema.get("type")
    if t == "int":  # the document spells integer this way in a few places
        return "integer"
    if isinstance(t, str):
        return t
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def message_name(ref_name: str | None, parent: str, field: str, schema: Schema | None = None) -> str:
    """Ozon's (Go) name of a message: `productv2ProductsStocksRequestStock` under
    `ProductsStocksRequest` is `ProductsStocksRequest_Stock`; inline objects get Parent_Field.
    The schema's `x-message` (Ozon's name of it) is preferred to the layer's name."""
    given = schema.get("x-message") if schema is not None else None
    if isinstance(given, str):
        ref_name = given
    if ref_name is None:
        return f"{parent}_{camel(field)}" if parent else camel(field)
    if "." in ref_name:  # a proto's full name: `posting.v3.PostingFboListRequest.Filter`
        ref_name = "_".join(part for part in ref_name.split(".") if part[:1].isupper())
    bare = re.sub(r"^[a-z_]+[0-9]*(?=[A-Z])", "", ref_name)
    if parent and bare.startswith(parent) and len(bare) > len(parent):
        return f"{parent}_{bare[len(parent) :].lstrip('_')}"
    return bare


def camel(field: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in field.split("_"))


def _required(schema: Schema) -> list[str]:
    req = schema.get("required")
    return [r for r in req if isinstance(r, str)] if isinstance(req, list) else []


EMPTY = "(nothing)"  # an alternative that holds for an object without any field


def _alternatives(schema: Schema) -> list[list[str]] | None:
    """`anyOf`/`oneOf` made only of `required` lists (and `{"maxProperties": 0}`, given as
    `[EMPTY]`): at least one of them must hold."""
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if (
            isinstance(branches, list)
            and branches
            and all(
                isinstance(b, dict) and (set(b) == {"required"} or b == {"maxProperties": 0})
                for b in branches
            )
        ):
            return [_required(b) if "required" in b else [EMPTY] for b in branches]
    return None


def _all_required(schema: Schema, value: Any) -> list[str]:
    """The fields `value` must have: `required`, and the fields of an alternative when it is the
    only one with fields and `value` is not empty (a body that may be empty or must have X)."""
    required = _required(schema)
    alternatives = _alternatives(schema)
    if alternatives and isinstance(value, dict) and value:
        with_fields = [alt for alt in alternatives if alt != [EMPTY]]
        if len(with_fields) == 1 and len(with_fields) < len(alternatives):
            required = required + with_fields[0]
    return required


def _is_id(field: str) -> bool:
    return field == "id" or field.endswith("_id")


def _pointer(parts: tuple[str | int, ...]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _json_path(root: str, parts: tuple[str | int, ...]) -> str:
    out = root
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


# ------------------------------------------------------------------ scalar checks
def _int_value(value: Any, lenient: bool) -> int | None:
    """The integer a JSON value stands for, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if lenient and isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if lenient and isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(value)
    return None


def _type_problem(schema: Schema, value: Any, lenient: bool) -> str | None:
    """Decoding problem of a scalar/container against its type, or None."""
    kind, fmt = kind_of(schema), schema.get("format")
    if kind is None:
        return None
    if kind == "null":
        return None if value is None else "value must be null"
    if kind == "object":
        return None if isinstance(value, dict) else "value must be an object"
    if kind == "array":
        return None if isinstance(value, list) else "value must be an array"
    if kind == "boolean":
        return None if isinstance(value, bool) else "value must be a boolean"
    int_like = kind == "integer" or (kind == "string" and fmt in _INT_RANGES and lenient)
    if int_like:
        number = _int_value(value, lenient)
        if number is None:
            if kind == "string" and isinstance(value, str):
                return f"value must be a string of digits ({fmt})"
            return "value must be an integer"
        low, high = _INT_RANGES.get(str(fmt), _INT_RANGES["int64"])
        if not low <= number <= high:
            return f"value is out of range for {fmt or 'int64'}"
        return None
    if kind == "number":
        if isinstance(value, bool):
            return "value must be a number"
        if isinstance(value, (int, float)):
            return None if math.isfinite(value) else "value must be a finite number"
        if lenient and isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()):
            return None
        return "value must be a number"
    if kind == "string":
        if not isinstance(value, str):
            return "value must be a string"
        if not lenient and fmt == "date-time" and not _DATE_TIME.fullmatch(value):
            return f"value {value!r} is not an RFC 3339 date-time"
        return None
    return None


def _rule_problem(
    schema: Schema, value: Any, lenient: bool, field: str = "", cap: int | None = None
) -> str | None:
    """Validation-rule problem of a value that has the right type, or None. `cap`: the most items
    of an array whose schema has no `maxItems`."""
    enum = schema.get("enum")
    if isinstance(enum, list) and kind_of(schema) in ("integer", "number"):  # a list of allowed numbers
        allowed = _int_value(value, lenient) if kind_of(schema) == "integer" else value
        if allowed not in enum:
            return f"value must be in list [{' '.join(map(str, enum))}]"
    elif isinstance(enum, list) and value not in enum:
        if not lenient:
            return "value is not one of the document's enum values"
        if not isinstance(value, int) or isinstance(value, bool):  # by number: the model decides
            got = json.dumps(value, ensure_ascii=False)
            return f'value must be one of the defined enum values (got {got} in "{field}")'

    if isinstance(value, str) and kind_of(schema) == "string" and not (lenient and schema.get("format")):
        n = len(value)
        low, high = schema.get("minLength"), schema.get("maxLength")
        if isinstance(low, int) and isinstance(high, int) and not low <= n <= high:
            return f"value length must be between {low} and {high} runes, inclusive"
        if isinstance(low, int) and n < low:
            return f"value length must be at least {low} runes"
        if isinstance(high, int) and n > high:
            return f"value length must be at most {high} runes"
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and not re.search(pattern, value):
            return f"value does not match regex pattern {pattern!r}"
    if kind_of(schema) in ("integer", "number") or (
        kind_of(schema) == "string" and schema.get("format") in _INT_RANGES
    ):
        number: float | None
        try:
            number = float(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        low, high = schema.get("minimum"), schema.get("maximum")
        if number is not None:
            if low is not None and high is not None and not low <= number <= high:
                return f"value must be inside range [{low}, {high}]"
            if low is not None and number < low:
                return f"value must be greater than or equal to {low}"
            if high is not None and number > high:
                return f"value must be less than or equal to {high}"
    if isinstance(value, list):
        low, high = schema.get("minItems"), schema.get("maxItems", cap)
        if isinstance(low, int) and isinstance(high, int) and not low <= len(value) <= high:
            return f"value must contain between {low} and {high} items, inclusive"
        if isinstance(high, int) and len(value) > high:
            return f"value must contain at most {high} item(s)"
        if isinstance(low, int) and len(value) < low:
            return f"value must contain at least {low} item(s)"
    return None


# ------------------------------------------------------------------ requests
class _Found(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def request_problem(
    schema: Schema | None, body: Any, defs: Defs, name: str = "", *, max_items: int | None = None
) -> str | None:
    """The first problem of a request body, worded as Ozon does, or None when it is fine.

    `name` is the request message's name (default: the schema's `x-message`, else its name with
    `Request`). `max_items` bounds the arrays the schema leaves unbounded (None: no bound)."""
    if schema is None:
        return None
    top, ref_name = resolve(schema, defs)
    if not name:
        name = message_name(ref_name, "", "Request", top)
        if "x-message" not in top and not name.endswith("Request"):
            name += "Request"
    try:
        _decode(top, body, defs, name, (), max_items)
        _rules(top, body, defs, name, max_items)
    except _Found as found:
        return found.message
    return None


def _unset(schema: Schema, value: Any) -> bool:
    """null is "not set" (protojson); so is "" for anything but free text, as OInt's empty
    structure templates send it (`{"offer_id": "", "visibility": ""}`)."""
    if value is None:
        return True
    if value != "":
        return False
    return kind_of(schema) != "string" or "enum" in schema or schema.get("format") in _INT_RANGES


def _zero(schema: Schema) -> Any:
    """The value a field that is not set reads as (proto3)."""
    kind = kind_of(schema)
    if kind == "array":
        return []
    if kind in ("integer", "number") or schema.get("format") in _INT_RANGES:
        return 0
    if kind == "string" and "enum" not in schema:
        return ""
    return None


def _missing_rule(schema: Schema, field: str) -> str | None:
    """The rule a required field that is not set breaks once read as its zero value (protoc-gen-
    validate's view), or None when only its absence is wrong. Objects: "value is required"."""
    kind = kind_of(schema)
    if kind == "object":
        return "value is required"
    zero = _zero(schema)
    if zero is None:
        return None
    rule = _rule_problem(schema, zero, lenient=True)
    if rule is None and kind == "array":
        rule = "value must contain at least 1 item(s)"
    if rule is None and zero == 0 and _is_id(field):
        rule = "value must be greater than 0"
    return rule


def _type_choices(schema: Schema) -> list[Schema] | None:
    """The branches of an `anyOf` of types (`string` or `number`), or None."""
    branches = schema.get("anyOf")
    if isinstance(branches, list) and branches and _alternatives(schema) is None:
        return [b for b in branches if isinstance(b, dict)]
    return None


def _decode(
    schema: Schema, value: Any, defs: Defs, root: str, parts: tuple[str | int, ...], cap: int | None
) -> None:
    """protojson's pass: JSON types, number ranges, enum names, unknown fields and required fields
    that have no rule of their own; JSON field names in messages (`invalid Request.items[0].price: ...`)."""
    schema, _ = resolve(schema, defs)
    if value is None:
        if parts and isinstance(parts[-1], int):
            raise _Found(f"invalid {_json_path(root, parts)}: value must not be null")
        return
    choices = _type_choices(schema)
    if choices is not None:
        for branch in choices:
            branch, _ = resolve(branch, defs)
            if _type_problem(branch, value, lenient=True) is None:
                _decode(branch, value, defs, root, parts, cap)
                return
        kinds = " or ".join(_TYPE_WORDS.get(kind_of(resolve(b, defs)[0]) or "", "a value") for b in choices)
        raise _Found(f"invalid {_json_path(root, parts)}: value must be {kinds}")
    enum = schema.get("enum")
    if isinstance(enum, list) and isinstance(value, int) and not isinstance(value, bool):
        return  # an enum by number (protojson accepts it; the model maps or rejects the number)
    problem = _type_problem(schema, value, lenient=True)
    if problem:
        raise _Found(f"invalid {_json_path(root, parts)}: {problem}")
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for field in _all_required(schema, value):
            sub = props.get(field)
            if isinstance(sub, dict):
                sub, _ = resolve(sub, defs)
                if _unset(sub, value.get(field)) and _missing_rule(sub, field) is None:
                    raise _Found(f"invalid {_json_path(root, (*parts, field))}: value is required")
        extra = schema.get("additionalProperties")
        closed = "properties" in schema and extra in (None, False)  # Ozon's gateway refuses unknown fields
        for key, item in value.items():
            sub = props.get(key)
            if sub is None and isinstance(extra, dict):
                sub = extra
            if sub is None and closed:
                raise _Found(f'invalid {_json_path(root, parts)}: unknown field "{key}"')
            if isinstance(sub, dict) and not _unset(resolve(sub, defs)[0], item):
                _decode(sub, item, defs, root, (*parts, key), cap)
    elif isinstance(value, list):
        high = schema.get("maxItems", cap)
        if isinstance(high, int) and len(value) > high:
            return  # the rule pass reports the size, without decoding a huge array first
        items = schema.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(value):
                _decode(items, item, defs, root, (*parts, i), cap)


def _holds(alternative: list[str], props: Schema, value: dict[str, Any], defs: Defs) -> bool:
    if alternative == [EMPTY]:
        return not value
    return all(not _unset(resolve(props.get(f, {}), defs)[0], value.get(f)) for f in alternative)


def _rules(schema: Schema, value: Any, defs: Defs, msg: str, cap: int | None) -> None:
    """protoc-gen-validate's pass over a decoded message: rules of the values, including those a
    required field breaks when not set; Go field names, nested messages as Ozon reports them."""
    schema, _ = resolve(schema, defs)
    if not isinstance(value, dict):
        return
    props = schema.get("properties") or {}
    for field in _all_required(schema, value):
        sub = props.get(field)
        if isinstance(sub, dict):
            sub, _ = resolve(sub, defs)
            rule = _missing_rule(sub, field)
            if rule is not None and _unset(sub, value.get(field)):
                raise _Found(f"Request validation error: invalid {msg}.{camel(field)}: {rule}")
    alternatives = _alternatives(schema)
    if alternatives and not any(_holds(alt, props, value, defs) for alt in alternatives):
        wanted = " or ".join(", ".join(alt) for alt in alternatives if alt != [EMPTY])
        raise _Found(f"Request validation error: invalid {msg}: {wanted} is required")
    for field, sub_raw in props.items():
        if not isinstance(sub_raw, dict):
            continue
        sub, ref_name = resolve(sub_raw, defs)
        item = value.get(field)
        if _unset(sub, item):
            continue
        where = f"{msg}.{camel(field)}"
        problem = _rule_problem(sub, item, lenient=True, field=field, cap=cap)
        if problem:
            raise _Found(f"Request validation error: invalid {where}: {problem}")
        if isinstance(item, dict):
            _nested(sub, item, defs, message_name(ref_name, msg, field, sub), where, cap)
        elif isinstance(item, list) and isinstance(sub.get("items"), dict):
            elem, elem_ref = resolve(sub["items"], defs)
            for i, element in enumerate(item):
                problem = _rule_problem(elem, element, lenient=True, field=field, cap=cap)
                if problem:
                    raise _Found(f"Request validation error: invalid {where}[{i}]: {problem}")
                if isinstance(element, dict):
                    name = message_name(elem_ref, msg, field, elem)
                    _nested(elem, element, defs, name, f"{where}[{i}]", cap)


def _nested(schema: Schema, value: dict[str, Any], defs: Defs, msg: str, where: str, cap: int | None) -> None:
    try:
        _rules(schema, value, defs, msg, cap)
    except _Found as inner:
        cause = inner.message.removeprefix("Request validation error: ")
        raise _Found(
            f"Request validation error: invalid {where}: embedded message failed validation"
            f" | caused by: {cause}"
        ) from None


# ------------------------------------------------------------------ answers
def answer_problems(schema: Schema, doc: Any, defs: Defs) -> list[Problem]:
    """Every way `doc` differs from `schema` (at most MAX_ANSWER_PROBLEMS), strictly."""
    out: list[Problem] = []
    for problem in _answer(schema, doc, defs, ()):
        out.append(problem)
        if len(out) >= MAX_ANSWER_PROBLEMS:
            break
    return out


def _answer(schema: Schema, value: Any, defs: Defs, parts: tuple[str | int, ...]) -> Iterator[Problem]:
    schema, _ = resolve(schema, defs)
    where = _pointer(parts)
    branches = schema.get("oneOf") or schema.get("anyOf")
    if isinstance(branches, list) and branches and _alternatives(schema) is None:
        if not any(not list(_answer(b, value, defs, parts)) for b in branches if isinstance(b, dict)):
            yield Problem(where, "matches none of the document's alternatives")
        return
    if value is None:
        if kind_of(schema) != "null":
            kind = _TYPE_WORDS.get(kind_of(schema) or "", "a value")
            yield Problem(where, f"null where the document has {kind}")
        return
    problem = _type_problem(schema, value, lenient=False) or _rule_problem(schema, value, lenient=False)
    if problem:
        yield Problem(where, f"{problem}, got {_show(value)}")
        return
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for field in _required(schema):
            if field not in value:
                yield Problem(where, f"required property {field!r} is missing")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = props.get(key)
            if sub is None and isinstance(extra, dict):
                sub = extra
            if isinstance(sub, dict):
                yield from _answer(sub, item, defs, (*parts, key))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            yield from _answer(schema["items"], item, defs, (*parts, i))


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
