"""Description categories, product types, their attributes and attribute dictionaries.

This is Ozon's read-only reference data, the same for every seller account: it is loaded
once from `sandbox/data/categories.json` and never stored in the account state. The four
routes answer `/v1/description-category/*`; `find_type`, `attributes_for` and
`dictionary_value` let other model modules (product import) validate products against it.

Languages: DEFAULT and RU answer Russian, EN English; TR and ZH_HANS fall back to Russian
(the sandbox has no Turkish or Chinese texts).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from oint.sandbox.errors import invalid, malformed, not_found, rejected
from oint.sandbox.model.base import Account, int_id, route
from oint.sandbox.model.common import data_file, page_after, page_size

LANGUAGES = ("DEFAULT", "RU", "EN", "TR", "ZH_HANS")  # Ozon's languageLanguage enum, in number order
MAX_VALUES_PAGE = 2000  # /v1/description-category/attribute/values: limit 1..2000
MAX_SEARCH_RESULTS = 100  # /v1/description-category/attribute/values/search: limit 1..100
MIN_SEARCH_LENGTH = 2  # search `value`: at least 2 characters

_ATTRIBUTE_FIELDS = (
    "id",
    "attribute_complex_id",
    "name",
    "description",
    "type",
    "is_collection",
    "is_required",
    "is_aspect",
    "max_value_count",
    "group_name",
    "group_id",
    "dictionary_id",
    "category_dependent",
    "complex_is_collection",
)
_NOT_ALNUM = re.compile(r"[\W_]+")


# ------------------------------------------------------------------ reference data
@dataclass(frozen=True)
class _TypeEntry:
    """A product type in its last-level category, with what the answers need."""

    category: dict[str, Any]  # the raw category node of categories.json
    type: dict[str, Any]  # the raw type node
    path: tuple[str, ...]  # Russian names from the top category down to the type
    disabled: bool  # products cannot be created here (the type or any category above is disabled)
    attribute_ids: tuple[int, ...]  # in answer order
    required_ids: frozenset[int]  # attributes required in this category beyond their own flag


@dataclass(frozen=True)
class _Reference:
    tree: list[dict[str, Any]]
    categories: frozenset[int]
    types: dict[tuple[int, int], _TypeEntry]
    attributes: dict[int, dict[str, Any]]
    dictionaries: dict[int, list[dict[str, Any]]]  # dictionary_id -> values ordered by id
    dictionary_index: dict[int, dict[int, dict[str, Any]]]  # dictionary_id -> value id -> value


@lru_cache(maxsize=1)
def _reference() -> _Reference:
    """categories.json, loaded and indexed once per process (read-only, not account state)."""
    doc = data_file("categories.json")
    attributes = {a["id"]: a for a in doc["attributes"]}
    head, tail = doc["common_attributes"]["head"], doc["common_attributes"]["tail"]
    types: dict[tuple[int, int], _TypeEntry] = {}
    categories: set[int] = set()

    def walk(node: dict[str, Any], path: tuple[str, ...], disabled: bool) -> None:
        categories.add(node["description_category_id"])
        path = (*path, node["category_name"])
        disabled = disabled or node["disabled"]
        for child in node["children"]:
            if "type_id" not in child:
                walk(child, path, disabled)
                continue
            specific = [*node.get("attributes", []), *child.get("attributes", [])]
            ids = tuple(dict.fromkeys([*head, *specific, *tail]))
            unknown = [i for i in ids if i not in attributes]
            if unknown:
                raise ValueError(f"categories.json: unknown attributes {unknown}")
            types[(node["description_category_id"], child["type_id"])] = _TypeEntry(
                category=node,
                type=child,
                path=(*path, child["type_name"]),
                disabled=disabled or child["disabled"],
                attribute_ids=ids,
                required_ids=frozenset(node.get("required", [])),
            )

    for top in doc["tree"]:
        walk(top, (), False)
    dictionaries = {int(k): sorted(v, key=lambda value: value["id"]) for k, v in doc["dictionaries"].items()}
    return _Reference(
        tree=doc["tree"],
        categories=frozenset(categories),
        types=types,
        attributes=attributes,
        dictionaries=dictionaries,
        dictionary_index={k: {v["id"]: v for v in values} for k, values in dictionaries.items()},
    )


def _english(language: str) -> bool:
    return language == "EN"


def _render_tree_node(node: dict[str, Any], language: str) -> dict[str, Any]:
    en = _english(language)
    if "type_id" in node:
        return {
            "type_name": node["type_name_en"] if en else node["type_name"],
            "type_id": node["type_id"],
            "disabled": node["disabled"],
            "children": [],
        }
    return {
        "description_category_id": node["description_category_id"],
        "category_name": node["category_name_en"] if en else node["category_name"],
        "disabled": node["disabled"],
        "children": [_render_tree_node(child, language) for child in node["children"]],
    }


def _render_attribute(raw: dict[str, Any], entry: _TypeEntry, language: str) -> dict[str, Any]:
    out = {field: raw[field] for field in _ATTRIBUTE_FIELDS}
    if _english(language):
        out["name"], out["description"] = raw["name_en"], raw["description_en"]
    if raw["id"] in entry.required_ids:
        out["is_required"] = True
    return out


def _render_value(raw: dict[str, Any], language: str) -> dict[str, Any]:
    value = raw.get("value_en", raw["value"]) if _english(language) else raw["value"]
    return {"id": raw["id"], "value": value, "info": raw["info"], "picture": raw["picture"]}


# ------------------------------------------------------------------ lookups for other model modules
def find_type(description_category_id: int, type_id: int) -> dict[str, Any] | None:
    """The product type `type_id` of the last-level category, or None when the pair does not exist.

    Keys: description_category_id, category_name, type_id, type_name, disabled (True when
    products cannot be created there), path (Russian names, top category first).
    """
    entry = _reference().types.get((description_category_id, type_id))
    if entry is None:
        return None
    return {
        "description_category_id": description_category_id,
        "category_name": entry.category["category_name"],
        "type_id": type_id,
        "type_name": entry.type["type_name"],
        "disabled": entry.disabled,
        "path": list(entry.path),
    }


def attributes_for(description_category_id: int, type_id: int) -> list[dict[str, Any]]:
    """The attributes of a (category, type) pair as `/v1/description-category/attribute` answers
    them in Russian; an empty list when the pair does not exist."""
    entry = _reference().types.get((description_category_id, type_id))
    if entry is None:
        return []
    attributes = _reference().attributes
    return [_render_attribute(attributes[i], entry, "DEFAULT") for i in entry.attribute_ids]


def dictionary_value(attribute_id: int, value_id: int) -> dict[str, Any] | None:
    """The dictionary value `value_id` of an attribute ({id, value, info, picture}, Russian), or
    None when the attribute is unknown, has no dictionary, or the value is not in it."""
    ref = _reference()
    attribute = ref.attributes.get(attribute_id)
    if attribute is None or not attribute["dictionary_id"]:
        return None
    raw = ref.dictionary_index.get(attribute["dictionary_id"], {}).get(value_id)
    return None if raw is None else _render_value(raw, "DEFAULT")


# ------------------------------------------------------------------ request validation
def _language(body: dict[str, Any]) -> str:
    """The `language` enum: a name or its number; absent means DEFAULT."""
    value = body.get("language")
    if value is None or value == "":
        return "DEFAULT"
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(LANGUAGES):
        return LANGUAGES[value]
    if isinstance(value, str) and value in LANGUAGES:
        return value
    raise malformed(f"invalid value for enum field language: {json.dumps(value, ensure_ascii=False)}")


def _positive_id(body: dict[str, Any], field: str, message: str, go_field: str) -> int:
    """A required int64 id > 0, given as a JSON number or a string of digits."""
    value = body.get(field)
    number = 0 if value is None or value == "" else int_id(value, field)
    if number <= 0:
        raise rejected(f"{message}.{go_field}", "value must be greater than 0")
    return number


def _type_entry(category_id: int, type_id: int) -> _TypeEntry:
    ref = _reference()
    entry = ref.types.get((category_id, type_id))
    if entry is not None:
        return entry
    if category_id not in ref.categories:
        raise not_found(f"description category {category_id} not found")
    raise not_found(f"type {type_id} not found in description category {category_id}")


def _dictionary_of(category_id: int, type_id: int, attribute_id: int) -> list[dict[str, Any]]:
    """The values of an attribute of this category and type (404 when the pair does not exist or
    the attribute is not one of its attributes, 400 when the attribute has no dictionary)."""
    entry = _type_entry(category_id, type_id)
    if attribute_id not in entry.attribute_ids:
        raise not_found(
            f"attribute {attribute_id} not found for description category {category_id} and type {type_id}"
        )
    dictionary_id = _reference().attributes[attribute_id]["dictionary_id"]
    if not dictionary_id:
        raise invalid(f"attribute {attribute_id} has no dictionary values (dictionary_id is 0)")
    return _reference().dictionaries.get(dictionary_id, [])


def _search_key(text: str) -> str:
    """Ordering key of search results: case- and punctuation-insensitive."""
    return _NOT_ALNUM.sub("", text.casefold())


# ------------------------------------------------------------------ routes
@route("POST", "/v1/description-category/tree")
def category_tree(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The whole tree: categories with their subcategories; last-level categories hold product types."""
    language = _language(body)
    return {"result": [_render_tree_node(node, language) for node in _reference().tree]}


@route("POST", "/v1/description-category/attribute")
def category_attributes(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The attributes of a product type in its category; `dictionary_id` != 0 marks dictionary ones."""
    message = "GetAttributesRequest"
    category_id = _positive_id(body, "description_category_id", message, "DescriptionCategoryId")
    type_id = _positive_id(body, "type_id", message, "TypeId")
    language = _language(body)
    entry = _type_entry(category_id, type_id)
    attributes = _reference().attributes
    return {"result": [_render_attribute(attributes[i], entry, language) for i in entry.attribute_ids]}


@route("POST", "/v1/description-category/attribute/values")
def attribute_values(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """One page of an attribute's dictionary: values with id > `last_value_id`, by id, at most `limit`."""
    message = "GetAttributeValuesRequest"
    attribute_id = _positive_id(body, "attribute_id", message, "AttributeId")
    category_id = _positive_id(body, "description_category_id", message, "DescriptionCategoryId")
    type_id = _positive_id(body, "type_id", message, "TypeId")
    limit = page_size(body, message, MAX_VALUES_PAGE)
    raw_last = body.get("last_value_id")
    last_value_id = 0 if raw_last is None or raw_last == "" else int_id(raw_last, "last_value_id")
    language = _language(body)
    values = _dictionary_of(category_id, type_id, attribute_id)
    page, more = page_after(values, lambda v: v["id"], last_value_id, limit)
    return {"result": [_render_value(v, language) for v in page], "has_next": more}


@route("POST", "/v1/description-category/attribute/values/search")
def attribute_values_search(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Dictionary values containing `value` (case-insensitive): exact matches first, then values
    starting with it, then the rest; at most `limit`, no paging."""
    message = "SearchAttributeValuesRequest"
    attribute_id = _positive_id(body, "attribute_id", message, "AttributeId")
    category_id = _positive_id(body, "description_category_id", message, "DescriptionCategoryId")
    type_id = _positive_id(body, "type_id", message, "TypeId")
    limit = page_size(body, message, MAX_SEARCH_RESULTS)
    text = body.get("value")
    if text is not None and not isinstance(text, str):
        raise invalid(f"invalid value: expected a string, got {json.dumps(text, ensure_ascii=False)}")
    if text is None or len(text) < MIN_SEARCH_LENGTH:
        raise rejected(f"{message}.Value", f"value length must be at least {MIN_SEARCH_LENGTH} runes")
    values = _dictionary_of(category_id, type_id, attribute_id)
    needle = text.casefold()
    exact_key = _search_key(text)

    def rank(value: dict[str, Any]) -> tuple[int, str, int]:
        folded = value["value"].casefold()
        key = _search_key(folded)
        group = 0 if key == exact_key else 1 if folded.startswith(needle) else 2
        return group, key, value["id"]

    found = sorted((v for v in values if needle in v["value"].casefold()), key=rank)
    return {"result": [_render_value(v, "DEFAULT") for v in found[:limit]]}
