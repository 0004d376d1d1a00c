"""Request validation of the sandbox, driven by the operation layer: every required field and every
field's type of the request bodies of the routed operations, Ozon's 400 (code 3) otherwise.

The schemas are the operation layer's (`oint.apis.seller.spec`, generated from `reference/` by
`tools/gen_operations.py`), as for every other operation; `oint.core.validate` checks them.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from answer_conformance import MARKETPLACE_ROUTES
from conftest import SandboxServer
from sandbox_http import call, ozon_error

from oint.apis.seller import spec
from oint.apis.seller.spec import operation_problem
from oint.core.validate import camel, kind_of, resolve
from oint.sandbox import structural
from oint.sandbox.core import DEFAULT_MAX_ITEMS
from oint.sandbox.model import load_all

ROUTES = load_all()  # every model route (the model loads lazily)
DEFS = spec.schemas()
FBS = 1020005000050693
ITEM = {
    "offer_id": "REQ-1",
    "name": "x",
    "description_category_id": 17028922,
    "type_id": 91565,
    "price": "100",
    "attributes": [
        {"id": 85, "complex_id": 0, "values": [{"dictionary_value_id": 5060050, "value": "Samsung"}]}
    ],
    "complex_attributes": [{"attributes": [{"id": 21841, "complex_id": 100001, "values": [{"value": "v"}]}]}],
}
# A valid body of every operation with a request schema (ids need not exist: these bodies are
# only varied, and every variant must fail validation before the model looks anything up).
BODIES: dict[str, dict[str, Any]] = {
    "POST /v1/actions/candidates": {"action_id": 1, "limit": 10},
    "POST /v1/actions/products": {"action_id": 1, "limit": 10},
    "POST /v1/barcode/add": {"barcodes": [{"barcode": "112233", "sku": 1626044001}]},
    "POST /v1/barcode/generate": {"product_ids": ["1111588191"]},
    "POST /v1/cluster/list": {"cluster_type": "CLUSTER_TYPE_OZON", "cluster_ids": ["2"]},
    "POST /v1/description-category/attribute": {"description_category_id": 1, "type_id": 2, "language": "EN"},
    "POST /v1/description-category/attribute/values": {
        "attribute_id": 85,
        "description_category_id": 1,
        "type_id": 2,
        "limit": 10,
        "last_value_id": 0,
        "language": "RU",
    },
    "POST /v1/description-category/attribute/values/search": {
        "attribute_id": 85,
        "description_category_id": 1,
        "type_id": 2,
        "limit": 10,
        "value": "Sam",
    },
    "POST /v1/description-category/tree": {"language": "DEFAULT"},
    "POST /v1/draft/create": {
        "type": "CREATE_TYPE_DIRECT",
        "cluster_ids": ["2"],
        "items": [{"sku": 1626044001, "quantity": 5}],
        "drop_off_point_warehouse_id": 1,
    },
    "POST /v1/draft/create/info": {"operation_id": "op"},
    "POST /v1/draft/timeslot/info": {
        "draft_id": 1,
        "warehouse_ids": ["1"],
        "date_from": "2026-01-01T00:00:00Z",
        "date_to": "2026-01-02T00:00:00Z",
    },
    "POST /v1/product/archive": {"product_id": [1]},
    "POST /v1/product/attributes/update": {"items": [{"offer_id": "A", "attributes": ITEM["attributes"]}]},
    "POST /v1/product/import-by-sku": {
        "items": [{"sku": 180550365, "offer_id": "C", "price": "1", "vat": "0"}]
    },
    "POST /v1/product/import/info": {"task_id": 1},
    "POST /v1/product/import/prices": {
        "prices": [{"offer_id": "A", "product_id": 1, "price": "10", "auto_action_enabled": "ENABLED"}]
    },
    "POST /v1/product/info/description": {"product_id": 1},
    "POST /v1/product/info/discounted": {"discounted_skus": ["1626044101"]},
    "POST /v1/product/info/subscription": {"skus": ["1626044001"]},
    "POST /v1/product/pictures/import": {
        "product_id": 1,
        "images": ["https://e.x/1.jpg"],
        "color_image": "RED",
    },
    "POST /v1/product/rating-by-sku": {"skus": ["1626044001"]},
    "POST /v1/product/related-sku/get": {"sku": ["1626044001"]},
    "POST /v1/product/unarchive": {"product_id": [1]},
    "POST /v1/product/update/discount": {"product_id": 1, "discount": 10},
    "POST /v1/product/update/offer-id": {"update_offer_id": [{"offer_id": "A", "new_offer_id": "B"}]},
    "POST /v1/product/upload_digital_codes": {"product_id": 1, "digital_codes": ["1"]},
    "POST /v1/product/upload_digital_codes/info": {"task_id": 1},
    "POST /v1/warehouse/fbo/list": {"filter_by_supply_type": ["CREATE_TYPE_DIRECT"], "search": "Тверь"},
    "POST /v1/warehouse/list": {"limit": 10, "offset": 0},
    "POST /v2/posting/fbo/list": {
        "filter": {"since": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z", "status": "delivered"},
        "limit": 10,
        "offset": 0,
        "dir": "ASC",
        "translit": True,
        "with": {"analytics_data": True, "financial_data": False, "legal_info": True},
    },
    "POST /v2/product/pictures/info": {"product_id": ["1"]},
    "POST /v2/products/delete": {"products": [{"offer_id": "A"}]},
    "POST /v2/products/stocks": {
        "stocks": [{"offer_id": "A", "product_id": 1, "stock": 1, "warehouse_id": FBS}]
    },
    "POST /v3/product/import": {"items": [ITEM]},
    "POST /v3/product/info/list": {"product_id": ["1"], "offer_id": ["A"], "sku": ["1"]},
    "POST /v3/product/list": {
        "filter": {"offer_id": ["A"], "product_id": ["1"], "visibility": "ALL"},
        "limit": 10,
    },
    "POST /v4/product/info/attributes": {
        "filter": {"offer_id": ["A"], "product_id": ["1"], "sku": ["1"], "visibility": "ALL"},
        "limit": 10,
        "last_id": "",
        "sort_by": "sku",
        "sort_dir": "asc",
    },
    "POST /v2/product/info/stocks-by-warehouse/fbs": {
        "sku": ["1626044001"],
        "offer_id": ["143210609"],
        "limit": 10,
        "cursor": "",
    },
    "POST /v4/product/info/stocks": {
        "filter": {"offer_id": ["A"], "visibility": "ALL", "with_quant": {"created": True, "exists": False}},
        "limit": 10,
        "cursor": "",
    },
    "POST /v5/product/info/prices": {
        "filter": {"offer_id": ["A"], "visibility": "ALL"},
        "limit": 10,
        "cursor": "",
    },
    # successors (their structure from reference/operations.json where the document lacks them)
    "POST /v1/draft/direct/create": {
        "cluster_info": {"macrolocal_cluster_id": 2, "items": [{"sku": 1, "quantity": 1}]}
    },
    "POST /v1/draft/crossdock/create": {
        "cluster_info": {"macrolocal_cluster_id": 2, "items": [{"sku": 1, "quantity": 1}]},
        "delivery_info": {
            "type": "DROPOFF",
            "drop_off_warehouse": {"warehouse_id": 1, "warehouse_type": "X"},
        },
        "deletion_sku_mode": "PARTIAL",
    },
    "POST /v1/draft/multi-cluster/create": {
        "clusters_info": [{"macrolocal_cluster_id": 2, "items": [{"sku": 1, "quantity": 1}]}],
        "delivery_info": {"seller_warehouse_id": 1},
    },
    "POST /v2/draft/create/info": {"draft_id": 1},
    "POST /v2/draft/timeslot/info": {
        "draft_id": 1,
        "date_from": "2026-01-01T00:00:00Z",
        "date_to": "2026-01-02T00:00:00Z",
        "selected_cluster_warehouses": [{"macrolocal_cluster_id": 2, "storage_warehouse_id": 1}],
        "supply_type": "CREATE_TYPE_DIRECT",
    },
    "POST /v2/product/pictures/import": {
        "items": [{"offer_id": "A", "images": ["https://e.x/1.jpg"], "color_image": "", "primary_image": ""}]
    },
    "POST /v2/actions/candidates": {"action_id": 1, "limit": 10, "last_id": ""},
    "POST /v2/actions/products": {"action_id": 1, "limit": 10, "last_id": ""},
    "POST /v2/warehouse/list": {"limit": 10, "cursor": "", "warehouse_ids": ["1"]},
    "POST /v3/posting/fbo/list": {
        "filter": {"since": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z", "statuses": ["delivered"]},
        "limit": 10,
        "cursor": "",
        "sort_dir": "ASC",
        "translit": False,
        "with": {"analytics_data": True},
    },
    "POST /v1/product/digital/stocks/import": {"stocks": [{"offer_id": "A", "stock": 1}]},
}
# the living marketplace's operations (test_living_marketplace.py drives them with real ids): a body
# with every field of the request schema, made as the structural answers' examples are
BODIES |= {
    f"POST {path}": structural.request_example(spec.operation(path), full=True)
    for _, path in sorted(MARKETPLACE_ROUTES)
    if spec.schema(spec.operation(path).request).get("properties")
}


def entry(key: str) -> dict[str, Any]:
    """The request schema of an operation, as a `$ref` into the layer's schemas."""
    request = spec.operation(key.split(" ", 1)[1]).request
    assert request is not None, key
    return {"schema": {"$ref": "#/schemas/" + request}}


def problem(key: str, body: Any) -> str | None:
    return operation_problem(key.split(" ", 1)[1], body, max_items=DEFAULT_MAX_ITEMS)


# ------------------------------------------------------------------ coverage
def test_every_routed_operation_with_a_body_has_a_schema_and_a_sample() -> None:
    with_body = {f"{m} {p}" for m, p in ROUTES if spec.schema(spec.operation(p).request).get("properties")}
    assert with_body == set(BODIES)
    for key, body in BODIES.items():
        assert problem(key, body) is None, (key, problem(key, body))


# ------------------------------------------------------------------ variants of the samples
def _walk(
    schema: Any, value: Any, where: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], Any, str]]:
    """(location, field schema, field name) of every field present in a sample, depth first."""
    schema, _ = resolve(schema, DEFS)
    if isinstance(value, dict):
        for name, item in value.items():
            sub = (schema.get("properties") or {}).get(name)
            if isinstance(sub, dict):
                yield (*where, name), resolve(sub, DEFS)[0], name
                yield from _walk(sub, item, (*where, name))
    elif isinstance(value, list) and value and isinstance(schema.get("items"), dict):
        yield from _walk(schema["items"], value[0], (*where, 0))


def _required_fields(
    schema: Any, value: Any, where: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    schema, _ = resolve(schema, DEFS)
    if isinstance(value, dict):
        required = schema.get("required")
        for name in required if isinstance(required, list) else []:
            if name in value:
                yield (*where, name), name
        for name, item in value.items():
            sub = (schema.get("properties") or {}).get(name)
            if isinstance(sub, dict):
                yield from _required_fields(sub, item, (*where, name))
    elif isinstance(value, list) and value and isinstance(schema.get("items"), dict):
        yield from _required_fields(schema["items"], value[0], (*where, 0))


def _without(body: Any, where: tuple[str | int, ...]) -> Any:
    body = copy.deepcopy(body)
    node = body
    for step in where[:-1]:
        node = node[step]
    del node[where[-1]]
    return body


def _with(body: Any, where: tuple[str | int, ...], value: Any) -> Any:
    body = copy.deepcopy(body)
    node = body
    for step in where[:-1]:
        node = node[step]
    node[where[-1]] = value
    return body


def _names(field: str) -> re.Pattern[str]:
    return re.compile(rf"\b({re.escape(field)}|{re.escape(camel(field))})\b")


REQUIRED_CASES = [
    (key, where, name)
    for key, body in BODIES.items()
    for where, name in _required_fields(entry(key)["schema"], body, ())
]


@pytest.mark.parametrize(
    ("key", "where", "field"),
    REQUIRED_CASES,
    ids=[f"{k} {'.'.join(map(str, w))}" for k, w, _ in REQUIRED_CASES],
)
def test_each_required_field_is_required(key: str, where: tuple[str | int, ...], field: str) -> None:
    message = problem(key, _without(BODIES[key], where))
    assert message is not None and _names(field).search(message), message


def _wrong_value(schema: Any) -> Any:
    """A value of the wrong JSON type for a field."""
    kind = kind_of(schema)
    if kind == "object":
        return 7
    if kind == "array":
        return {"a": 1}
    if kind == "boolean":
        return "yes"
    if kind in ("integer", "number") or schema.get("format") in ("int64", "int32", "uint64"):
        return {"n": 1}
    return ["not", "a", "string"]


TYPE_CASES = [
    (key, where, sub, name)
    for key, body in BODIES.items()
    for where, sub, name in _walk(entry(key)["schema"], body, ())
    if kind_of(sub) is not None or "anyOf" in sub  # a field neither document could type takes anything
]


@pytest.mark.parametrize(
    ("key", "where", "schema", "field"),
    TYPE_CASES,
    ids=[f"{k} {'.'.join(map(str, w))}" for k, w, _, _ in TYPE_CASES],
)
def test_each_field_has_its_type(key: str, where: tuple[str | int, ...], schema: Any, field: str) -> None:
    message = problem(key, _with(BODIES[key], where, _wrong_value(schema)))
    assert message is not None and _names(field).search(message), message


@pytest.mark.parametrize("key", sorted(BODIES))
def test_validation_answers_over_http(server: SandboxServer, legacy_api: str, key: str) -> None:
    """One required field missing, end to end: Ozon's 400 with code 3, nothing else."""
    method, path = key.split(" ", 1)
    cases = [w for k, w, _ in REQUIRED_CASES if k == key]
    body = _without(BODIES[key], cases[0]) if cases else {"no_such_field": 1, **{"limit": "x"}}
    status, _, raw = call(server.url, method, path, body)
    if not cases and status == 200:
        return  # nothing required and unknown fields are ignored: fine
    assert status == 400 and ozon_error(raw)["code"] == 3, raw


# ------------------------------------------------------------------ the gaps named in the issue
def test_stocks_items_need_a_product_and_a_stock(server: SandboxServer) -> None:
    for item, fragment in [
        ({"stock": 1, "warehouse_id": FBS}, "offer_id or product_id"),
        ({"offer_id": "91132", "warehouse_id": FBS}, "stock"),
        ({"offer_id": {"a": 1}, "stock": 1, "warehouse_id": FBS}, "offer_id: value must be a string"),
        ({"offer_id": "91132", "stock": "many", "warehouse_id": FBS}, "stock"),
    ]:
        status, _, raw = call(server.url, "POST", "/v2/products/stocks", {"stocks": [item]})
        error = ozon_error(raw)
        assert status == 400 and error["code"] == 3 and fragment in error["message"], error
    # the stock did not change
    status, _, raw = call(
        server.url, "POST", "/v4/product/info/stocks", {"filter": {"offer_id": ["91132"]}, "limit": 10}
    )
    assert status == 200 and json.loads(raw)["items"][0]["stocks"]


def test_warehouse_list_limit(server: SandboxServer, legacy_api: str) -> None:
    status, _, raw = call(server.url, "POST", "/v1/warehouse/list", {"offset": 0})
    assert status == 400 and "WarehouseListRequest.limit: value is required" in ozon_error(raw)["message"]
    status, _, raw = call(server.url, "POST", "/v1/warehouse/list", {"limit": 201})
    assert status == 400 and "less than or equal to 200" in ozon_error(raw)["message"]
    status, _, raw = call(server.url, "POST", "/v1/warehouse/list", b"")  # OInt sends no field: recorded 200
    assert status == 200 and json.loads(raw)["result"]
    server.reset()  # once a minute
    server.set_api_date(legacy_api)
    status, _, raw = call(server.url, "POST", "/v1/warehouse/list", {})
    assert status == 200 and json.loads(raw)["result"]


def test_int64_as_string_or_number(server: SandboxServer) -> None:
    for product_id in (1111588191, "1111588191", 1111588191.0):
        status, _, raw = call(server.url, "POST", "/v1/product/info/description", {"product_id": product_id})
        assert status == 200 and json.loads(raw)["result"]["id"] == 1111588191
    for product_id in ("11115881.5", "0x10", 2**63, "9" * 30, True):
        status, _, raw = call(server.url, "POST", "/v1/product/info/description", {"product_id": product_id})
        assert status == 400 and "product_id" in ozon_error(raw)["message"], product_id


# ------------------------------------------------------------------ the validator itself
STOCKS = "POST /v2/products/stocks"
RVE = "Request validation error: invalid "


def test_messages_follow_ozons_two_stages() -> None:
    # decoding (protojson): JSON names
    assert problem(STOCKS, {"stocks": [{"offer_id": 5, "stock": 1, "warehouse_id": 1}]}) == (
        "invalid ProductsStocksRequest.stocks[0].offer_id: value must be a string"
    )
    assert problem(STOCKS, {"stocks": [{"offer_id": "A", "warehouse_id": 1}]}) == (
        "invalid ProductsStocksRequest.stocks[0].stock: value is required"
    )
    assert (
        problem(STOCKS, {"stocks": [None]})
        == "invalid ProductsStocksRequest.stocks[0]: value must not be null"
    )
    # validation (protoc-gen-validate): Go names, nested messages
    assert problem(STOCKS, {"stocks": [{"offer_id": "A", "stock": 1}]}) == (
        RVE + "ProductsStocksRequest.Stocks[0]: embedded message failed validation"
        " | caused by: invalid ProductsStocksRequest_Stock.WarehouseId: value must be greater than 0"
    )
    assert problem(STOCKS, {}) == (
        RVE + "ProductsStocksRequest.Stocks: value must contain at least 1 item(s)"
    )
    assert problem("POST /v5/product/info/prices", {"limit": 5}) == (
        RVE + "GetProductInfoPricesV5Request.Filter: value is required"
    )
    assert problem("POST /v1/product/update/offer-id", {"update_offer_id": []}) == (
        RVE + "ProductUpdateOfferIdRequest.UpdateOfferId: "
        "value must contain between 1 and 25 items, inclusive"
    )


def test_unset_values_and_enums() -> None:
    prices = "POST /v5/product/info/prices"
    # null and OInt's empty-template "" mean "not set" (except for free text)
    assert (
        problem(prices, {"filter": {"offer_id": "", "product_id": None, "visibility": ""}, "limit": 1})
        is None
    )
    assert problem(prices, {"filter": {"visibility": 3}, "limit": 1}) is None  # an enum by number
    message = problem(prices, {"filter": {"visibility": "SOMETIMES"}, "limit": 1})
    assert message is not None and "Visibility" in message and '"SOMETIMES"' in message
    assert problem(prices, {"filter": {}, "limit": 1001}) == (
        RVE + "GetProductInfoPricesV5Request.Limit: value must be inside range [1, 1000]"
    )
    assert problem(prices, {"filter": {}, "limit": "12"}) is None  # protojson takes numbers as strings


def test_numbers_and_bounds() -> None:
    search = "POST /v1/description-category/attribute/values/search"
    body = {"attribute_id": 1, "description_category_id": 1, "type_id": 1, "value": "ab"}
    assert problem(search, body) is not None and "Limit: value must be inside range [1, 100]" in str(
        problem(search, body)
    )
    assert problem(search, {**body, "limit": 1e3}) is not None
    assert problem(search, {**body, "limit": float("nan")}) is not None
    assert problem(search, {**body, "limit": 2**64}) == (
        "invalid SearchAttributeValuesRequest.limit: value is out of range for int64"
    )
    subscription = "POST /v1/product/info/subscription"
    assert problem(subscription, {"skus": ["1"] * 1000}) is None
    assert problem(subscription, {"skus": [{}] * 1001}) == (  # the size is checked before the items
        RVE + "GetProductInfoSubscriptionRequest.Skus: value must contain at most 1000 item(s)"
    )
