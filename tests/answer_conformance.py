"""Checking sandbox answers against Ozon's OpenAPI document (`reference/`), with the allow-list of
the places where a real recorded answer disagrees with the document and the sandbox follows the
recording. The answers of the operations without a model (`oint.sandbox.structural`) are checked
against the operation layer's response schemas they are generated from.

Used by `test_sandbox_conformance.py` (replayed requests to every route, and every answer the
test suite made the sandbox give: conftest records them through OINT_SANDBOX_RECORD) and by the
fuzzing test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from oint.apis.seller import spec
from oint.core.validate import Problem, answer_problems
from oint.sandbox.model import MARKETPLACE, load_all
from oint.sandbox.model.performance import is_performance

# the routes of the living marketplace, replayed by test_living_marketplace.py
ROUTES = load_all()  # every model route (the model loads lazily)
MARKETPLACE_ROUTES = {key for key, fn in ROUTES.items() if fn.__module__.rpartition(".")[2] in MARKETPLACE}

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "reference" / "openapi-en-2026-05.structure.json"
OPERATIONS = ROOT / "reference" / "operations.json"  # newer: for the operations the document lacks
RECORDED = Path(__file__).resolve().parent / "data" / "oint-ozon" / "results"  # see tests/data/README.md


@dataclass(frozen=True)
class Allowed:
    """One documented deviation: at `pointer` (array indexes as *) of the 2xx answer of `path`
    (or of each of several paths), a value that is `accept` ("null", "int", "str", "list" or one
    of a set of enum names)."""

    path: str | tuple[str, ...]
    pointer: str
    accept: str | frozenset[str]
    reason: str
    recording: str | None  # the recording in tests/data/oint-ozon/results/ that shows it, if one does

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path,) if isinstance(self.path, str) else self.path

    def admits(self, value: Any) -> bool:
        if self.accept == "null":
            return value is None
        if self.accept == "int":
            return isinstance(value, int) and not isinstance(value, bool)
        if self.accept == "str":
            return isinstance(value, str)
        if self.accept == "list":
            return isinstance(value, list)
        return isinstance(value, str) and value in self.accept


RECORDING_WINS = "a real recorded answer disagrees with the document: the recording wins"
ALLOWED: tuple[Allowed, ...] = (
    Allowed(
        "/v4/product/info/attributes",
        "/result/*/sku",
        "int",
        f"{RECORDING_WINS} (the document types sku as a string here; Ozon sent a number)",
        "GetProductsAttributesData.json",
    ),
    Allowed(
        "/v4/product/info/attributes",
        "/result/*/attributes_with_defaults/*",
        "int",
        f"{RECORDING_WINS} (attribute ids as numbers, not strings)",
        "GetProductsAttributesData.json",
    ),
    Allowed(
        "/v4/product/info/attributes",
        "/result/*/images/*",
        "str",
        f"{RECORDING_WINS} (image URLs as strings, not image objects)",
        "GetProductsAttributesData.json",
    ),
    Allowed(
        "/v1/warehouse/list",
        "/result/*/working_days/*",
        "int",
        f"{RECORDING_WINS} (week days as numbers 1-7, not strings)",
        "GetWarehousesList.json",
    ),
    Allowed(
        "/v1/cluster/list",
        "/clusters/*/type",
        frozenset({"OZON", "CIS"}),
        f'{RECORDING_WINS} (type "OZON" where the document\'s enum has CLUSTER_TYPE_OZON)',
        "GetClustersList.json",
    ),
    Allowed(
        "/v5/product/info/prices",
        "/items/*/marketing_actions/current_period_from",
        "null",
        f"{RECORDING_WINS} (null without a current promotion period)",
        "GetProductsPrices.json",
    ),
    Allowed(
        "/v5/product/info/prices",
        "/items/*/marketing_actions/current_period_to",
        "null",
        f"{RECORDING_WINS} (null without a current promotion period)",
        "GetProductsPrices.json",
    ),
    Allowed(
        "/v1/product/related-sku/get",
        "/items/*/deleted_at",
        "null",
        f"{RECORDING_WINS} (null for a SKU that is not deleted)",
        "GetRelatedSKUs.json",
    ),
    Allowed(
        "/v1/draft/create/info",
        "/clusters/*/warehouses/*/travel_time_days",
        "str",
        f'{RECORDING_WINS} ("0": an int64 sent as a string)',
        "GetFBODraft.json",
    ),
    Allowed(
        "/v1/draft/create/info",
        "/clusters/*/warehouses/*/status/invalid_reason",
        frozenset({"WAREHOUSE_SCORING_INVALID_REASON_NO_REASON"}),
        f"{RECORDING_WINS} (a value the document's enum lacks, for available warehouses)",
        "GetFBODraft.json",
    ),
    Allowed(
        ("/v1/actions/candidates", "/v1/actions/products"),
        "/result/last_id",
        "str",
        "typed number (double), but the document's own examples and the v2 successor carry an opaque "
        'string ("" on the last page); OInt\'s flows rely on it',
        None,
    ),
    Allowed(
        ("/v2/posting/fbo/list", "/v3/posting/fbo/list"),
        "/result/*/analytics_data",
        "null",
        "parts not asked for in `with` are null: Ozon's gateway sends unset message fields as null, "
        "as the recordings above show for deleted_at and current_period_*; tests pin it",
        None,
    ),
    Allowed(
        ("/v2/posting/fbo/list", "/v3/posting/fbo/list"),
        "/result/*/financial_data",
        "null",
        "null when not asked for in `with` (see analytics_data)",
        None,
    ),
    Allowed(
        "/v2/returns/rfbs/list",
        "/returns",
        "list",
        "the document types `returns` as one request, yet names it the requests' data and pages it by "
        "`last_id` and `limit`: the sandbox answers the page as a list of them, as its twin "
        "/v1/returns/list does",
        None,
    ),
    Allowed(
        ("/v2/posting/fbo/list", "/v3/posting/fbo/list"),
        "/result/*/legal_info",
        "null",
        "null when not asked for in `with` (see analytics_data)",
        None,
    ),
)


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return doc


@lru_cache(maxsize=1)
def sdk_operations() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(OPERATIONS.read_text(encoding="utf-8"))
    return doc


def answer_schema(
    method: str, path: str, status: int = 200
) -> tuple[dict[str, Any], Mapping[str, Any]] | None:
    """The schema of a JSON answer and the schemas its refs point into: for a route of the model,
    from the document, else (operations newer than it) from operations.json; for the other
    operations (structural answers), from the operation layer; for the Performance API, from its
    layer. None when none has the operation."""
    if is_performance(path):
        from oint.apis.performance.spec import LAYER as PERFORMANCE
        from oint.sandbox.errors import ApiError
        from oint.sandbox.model.performance.dispatch import operation_at

        try:
            found = operation_at(method, path)[0]
        except ApiError:
            return None
        return (
            None
            if found.response is None
            else ({"$ref": "#/schemas/" + found.response}, PERFORMANCE.schemas())
        )
    if (method, path) not in ROUTES:
        layer = spec.find(path)
        if layer is not None and layer.response is not None and layer.method == method:
            return {"$ref": "#/schemas/" + layer.response}, spec.schemas()
    op = document()["paths"].get(path, {}).get(method.lower())
    if op is not None:
        response = op["responses"].get(str(status)) or op["responses"].get("200")
        schema = (response or {}).get("content", {}).get("application/json", {}).get("schema")
        return None if schema is None else (schema, document()["components"]["schemas"])
    sdk = sdk_operations()
    for entry in sdk["operations"]:
        if entry["method"] == method and entry["path"] == path and entry.get("response"):
            return entry["response"], sdk["components"]["schemas"]
    return None


def _same(allowed: str, where: str) -> bool:
    """`/result/*/x` also stands for `/postings/*/x` (v3 names the list of v2's result)."""
    return allowed == where or allowed.replace("/result/", "/postings/", 1) == where


def pattern(pointer: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/*", pointer)


def value_at(doc: Any, pointer: str) -> Any:
    for part in pointer.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        doc = doc[int(key)] if isinstance(doc, list) else doc[key]
    return doc


def raw_problems(method: str, path: str, body: Any, status: int = 200) -> list[Problem]:
    found = answer_schema(method, path, status)
    if found is None:
        return []
    schema, defs = found
    return answer_problems(schema, body, defs)


def problems(method: str, path: str, body: Any, status: int = 200) -> list[str]:
    """Mismatches of an answer with the document that the allow-list does not admit, each as
    "METHOD PATH POINTER: problem"."""
    out = []
    for p in raw_problems(method, path, body, status):
        where = pattern(p.pointer)
        value = value_at(body, p.pointer)
        if any(path in a.paths and _same(a.pointer, where) and a.admits(value) for a in ALLOWED):
            continue
        out.append(f"{method} {path} {p.pointer or '/'}: {p.message}")
    return out
