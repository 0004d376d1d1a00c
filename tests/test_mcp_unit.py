"""The MCP server's pure parts, without the SDK: the generated tools against the registry, the
read/write classification, the write policy, search and description of operations, answers sized
for a model, errors with hints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from oint.apis.seller import spec
from oint.apps.mcp import answers, catalog
from oint.apps.mcp.access import (
    LOCAL,
    OVERRIDES,
    READ,
    WRITE,
    WritePolicy,
    derived_access,
    method_access,
    operation_access,
)
from oint.apps.mcp.tools import (
    BULK_LIST,
    BULK_PROGRESS,
    BULK_REPORT,
    BULK_START,
    CALL,
    DESCRIBE,
    META_ARGS,
    MORE,
    PERFORMANCE_REPORT,
    SEARCH,
    ToolConfig,
    build_tools,
    instructions,
)
from oint.compat.methods import REGISTRY
from oint.compat.registry import Method
from oint.compat.values import ArrayKind, Kind
from oint.core.errors import BadRequestError, PermissionDeniedError, RateLimitError, UsageError
from oint.jobs.kinds import KINDS


def expected_type(kind: Kind) -> Any:
    """What a parameter kind should look like in JSON Schema, written out here independently."""
    if isinstance(kind, ArrayKind):
        return {"type": "array", "items": expected_type(kind.item)}
    return {
        "string": {"type": "string"},
        "string|number": {"type": ["integer", "string"]},
        "number": {"type": "number"},
        "boolean": {"type": "boolean"},
        "date": {"type": "string", "format": "date-time"},
        "object": {"type": "object"},
        "collection": {"type": ["object", "array"]},
        "any": {},
    }[kind.name]


# ------------------------------------------------------------------ the tools, from the registry
def test_every_oint_function_is_a_tool_with_its_parameters() -> None:
    tools = build_tools(ToolConfig())
    by_name = {t.name: t for t in tools}
    assert len(tools) == len(REGISTRY) + 9 == 62
    assert [t.name for t in tools[: len(REGISTRY)]] == [m.name_en for m in REGISTRY]
    assert [t.name for t in tools[len(REGISTRY) :]] == [
        SEARCH,
        DESCRIBE,
        CALL,
        MORE,
        BULK_START,
        BULK_PROGRESS,
        BULK_REPORT,
        BULK_LIST,
        PERFORMANCE_REPORT,
    ]
    for m in REGISTRY:
        tool = by_name[m.name_en]
        assert m.name_ru in tool.description and m.summary in tool.description
        schema = tool.input_schema
        assert schema["type"] == "object"
        props = schema["properties"]
        params = [p.name for p in m.params]
        assert list(props)[: len(params)] == params
        assert set(props) - set(params) <= set(META_ARGS)
        assert schema.get("required", []) == [p.name for p in m.params if p.required]
        for p in m.params:
            typed = {k: v for k, v in props[p.name].items() if k not in ("description", "default")}
            assert typed == expected_type(p.kind), (m.name_en, p.name)
            assert p.ru in props[p.name]["description"]
        access = method_access(m)
        assert tool.access == access
        if access == LOCAL:
            assert not set(props) & set(META_ARGS)
        elif access == WRITE:
            assert set(props) - set(params) == {"dry_run", "confirm"}
        else:
            assert set(props) - set(params) == {"save"}
        if m.endpoint is not None:
            assert f"{m.endpoint.method} {m.endpoint.path}" in tool.description


def test_every_declared_kind_has_a_schema() -> None:
    names = {p.kind.name for m in REGISTRY for p in m.params if not isinstance(p.kind, ArrayKind)}
    names |= {p.kind.item.name for m in REGISTRY for p in m.params if isinstance(p.kind, ArrayKind)}
    assert names <= set(catalog.KIND_SCHEMAS)


def test_descriptions_say_sandbox_and_read_only() -> None:
    sandbox = {t.name: t for t in build_tools(ToolConfig(sandbox=True))}
    live = {t.name: t for t in build_tools(ToolConfig(sandbox=False, policy=WritePolicy.parse("prices")))}
    assert "Sandbox" in sandbox["GetProductList"].description
    assert "Sandbox" not in live["GetProductList"].description
    assert "SANDBOX" in sandbox[CALL].description and "LIVE" in live[CALL].description
    assert "refused now" in sandbox["UpdateProductsPrices"].description
    assert "refused now" not in live["UpdateProductsPrices"].description
    assert "refused now" in live["UpdateProductsStocks"].description  # outside the prices scope
    assert "replaces them all" in sandbox["UpdateProductImages"].description  # a write's first caveat
    assert sandbox["GetProductList"].annotations["read_only_hint"] is True
    assert sandbox["UpdateProductImages"].annotations["read_only_hint"] is False
    told = instructions(ToolConfig(sandbox=True))
    assert "SANDBOX" in told and "read-only" in told and "preview" not in told
    told = instructions(ToolConfig(sandbox=False, policy=WritePolicy.parse("")), {"shop1": "client 1"})
    assert "LIVE" in told and "show the preview to the user" in told and "shop1 (client 1)" in told
    config = ToolConfig(sandbox=False, profiles=("shop1", "shop2"), default_profile="shop1")
    profiles = {t.name: t for t in build_tools(config)}
    profile = profiles["GetProductList"].input_schema["properties"]["profile"]
    assert (
        profile["enum"] == ["shop1", "shop2"] and profile["description"] == "Seller account (default shop1)."
    )
    assert "profile" in profiles["UpdateProductImages"].input_schema["properties"]
    assert "profile" not in profiles["GetProductStructure"].input_schema["properties"]
    assert "profile" in profiles[CALL].input_schema["properties"]
    assert "profile" not in sandbox["GetProductList"].input_schema["properties"]  # nothing to choose


def test_bulk_tools_from_the_bulk_library() -> None:
    read_only = {t.name: t for t in build_tools(ToolConfig(sandbox=True))}
    start = read_only[BULK_START]
    for name, kind in KINDS.items():  # the kinds of oint.bulk, each with what its rows hold
        assert f"{name} ({kind.text})" in start.description
    assert "Writes are refused now" in start.description and "SANDBOX" in start.description
    assert start.access == WRITE and start.annotations["read_only_hint"] is False
    props = start.input_schema["properties"]
    assert set(props) == {"kind", "rows", "body", "confirm"} and start.input_schema["required"] == ["kind"]
    assert "reads no files" in start.description  # no --files-dir: rows only
    reading = {t.name: t for t in build_tools(ToolConfig(sandbox=True, files=True))}[BULK_START]
    assert "file" in reading.input_schema["properties"] and "--files-dir" in str(reading.input_schema)
    for name in (BULK_PROGRESS, BULK_REPORT, BULK_LIST):  # they read journals on this machine
        assert read_only[name].access == LOCAL and read_only[name].annotations["read_only_hint"] is True
    assert read_only[BULK_PROGRESS].input_schema["required"] == ["job"]
    scoped = {t.name: t for t in build_tools(ToolConfig(sandbox=False, policy=WritePolicy.parse("stocks")))}
    assert "writes allowed only for: stocks" in scoped[BULK_START].description
    assert "LIVE" in scoped[BULK_START].description
    profiles = {t.name: t for t in build_tools(ToolConfig(profiles=("shop1",)))}
    assert "profile" in profiles[BULK_START].input_schema["properties"]
    assert BULK_START in instructions(ToolConfig())


# ------------------------------------------------------------------ read or write
SAMPLE: dict[str, str] = {
    "/v3/product/list": READ,
    "/v3/product/info/list": READ,
    "/v1/product/import/info": READ,
    "/v4/product/info/stocks": READ,
    "/v5/product/info/prices": READ,
    "/v1/description-category/tree": READ,
    "/v3/posting/fbs/get": READ,
    "/v1/actions": READ,  # GET
    "/v1/report/products/create": READ,  # reports change nothing
    "/v1/analytics/manage/stocks": READ,
    "/v1/finance/realization/posting": READ,  # title: "Позаказный отчёт…"
    "/v1/product/pictures/import": WRITE,
    "/v3/product/import": WRITE,
    "/v1/product/import/prices": WRITE,
    "/v2/products/stocks": WRITE,  # title: "Обновить…"
    "/v1/product/archive": WRITE,
    "/v2/products/delete": WRITE,
    "/v4/posting/fbs/ship": WRITE,
    "/v2/posting/fbs/awaiting-delivery": WRITE,  # title: "Передать…"
    "/v2/chat/read": WRITE,  # marks messages read
    "/v1/chat/send/message": WRITE,
    "/v2/returns/rfbs/return-money": WRITE,  # unknown POST: the safe side
    "/v1/pricing-strategy/status": WRITE,  # override
    "/v1/posting/fbs/cancel-reason": READ,  # override
}


@pytest.mark.parametrize(("path", "access"), sorted(SAMPLE.items()))
def test_operation_access_sample(path: str, access: str) -> None:
    assert operation_access(spec.operation(path)) == access


def test_overrides_are_exceptions_to_the_rules() -> None:
    for path, (access, reason) in OVERRIDES.items():
        op = spec.operation(path)
        assert derived_access(op) != access, f"{path}: the rules already say {access}; drop the override"
        assert reason


def test_every_operation_and_function_is_classified() -> None:
    counts = {READ: 0, WRITE: 0}
    for op in spec.operations().values():
        counts[operation_access(op)] += 1
    assert counts[READ] > 250 and counts[WRITE] > 150
    assert {m.name_en: method_access(m) for m in REGISTRY if m.name_en.startswith(("Update", "Get"))} == {
        m.name_en: (WRITE if m.name_en.startswith("Update") else LOCAL if m.local else READ)
        for m in REGISTRY
        if m.name_en.startswith(("Update", "Get"))
    }
    assert method_access(REGISTRY["CreateFBODraft"]) == WRITE
    assert method_access(REGISTRY["CheckProductsImagesUpload"]) == READ


def test_write_policy_scopes() -> None:
    assert WritePolicy.parse(None).read_only
    everything = WritePolicy.parse("")
    assert everything.everything and everything.allows("/v2/products/delete")
    assert WritePolicy.parse("all").everything
    scoped = WritePolicy.parse("prices,stocks")
    assert scoped.allows("/v1/product/import/prices") and scoped.allows("/v2/products/stocks")
    assert not scoped.allows("/v1/product/pictures/import")
    assert not WritePolicy().allows("/v1/product/import/prices")
    by_group = WritePolicy.parse("prices-and-stocks")
    assert by_group.allows("/v1/product/update/discount", ["SetProductDiscount"], "Prices-and-stocks")
    by_tool = WritePolicy.parse("UpdateProductImages")
    assert by_tool.allows("/v1/product/pictures/import", ["UpdateProductImages"])
    assert "prices, stocks" in scoped.describe()


# ------------------------------------------------------------------ search and describe
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("остатки товаров", "v4_product_info_stocks"),
        ("update stocks", "v2_products_stocks"),
        ("цены товаров", "v5_product_info_prices"),
        ("fbs postings list", "v4_posting_fbs_list"),
        ("v3_posting_fbs_list", "v3_posting_fbs_list"),
        ("/v1/product/pictures/import", "v1_product_pictures_import"),
        ("warehouse list", "v2_warehouse_list"),
        ("отзывы", "v2_review_list"),
        ("send chat message", "v1_chat_send_message"),
        ("offer_id new_offer_id", "v1_product_update_offer_id"),  # field names
    ],
)
def test_search_finds(query: str, expected: str) -> None:
    found = [f["operation"] for f in catalog.search(query, 5)]
    assert expected in found, found


def test_search_results_say_access_oint_and_retirement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OINT_OZON_TODAY", "2026-09-30")  # before Ozon switched it off
    first = catalog.search("/v1/product/pictures/import", 3)[0]
    assert first["access"] == WRITE and first["oint"] == "UpdateProductImages"
    assert "2026-10-01" in first["retired"]
    assert all(f["access"] == READ for f in catalog.search("product", 10, access=READ))


def test_search_lists_a_switched_off_operation_only_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16: once Ozon switched it off, a search names it with its date and successor only."""
    monkeypatch.setenv("OINT_OZON_TODAY", "2026-12-07")
    found = catalog.search("/v3/posting/fbs/list", 3)
    assert found[0] == {
        "operation": "v3_posting_fbs_list",
        "call": "POST /v3/posting/fbs/list",
        "retired": "switched off 2026-08-31, use /v4/posting/fbs/list",
    }
    assert "v4_posting_fbs_list" in [f["operation"] for f in catalog.search("fbs postings list", 5)]
    monkeypatch.setenv("OINT_OZON_TODAY", "2026-08-30")
    assert "title" in catalog.search("/v3/posting/fbs/list", 1)[0]


def test_describe_flattens_the_request() -> None:
    d = catalog.describe(spec.operation("v3_posting_fbs_list"))
    lines = d["request"]
    assert "filter: object, required" in lines
    assert "filter.since: string (date-time), required" in lines
    assert "limit: integer (int64), required" in lines
    assert any(line.startswith("with.analytics_data: boolean") for line in lines)
    assert "result.postings: array of object" in d["answer"]
    assert d["paging"]["style"] == "offset"
    stocks = catalog.describe(spec.operation("/v2/products/stocks"))
    assert stocks["batch"] == {"field": "stocks", "max": 100} and stocks["oint"] == "UpdateProductsStocks"
    assert any("stocks[].offer_id" in line for line in stocks["request"])
    listed = catalog.describe(spec.operation("/v3/product/list"))
    assert any(
        line.startswith("filter.visibility: string") and "one of ALL|" in line for line in listed["request"]
    )


# ------------------------------------------------------------------ answers
def test_long_lists_are_cut_with_a_token() -> None:
    store = answers.ListStore()
    doc = {"result": {"items": [{"n": i, "tags": list(range(30))} for i in range(100)], "total": 100}}
    shaped = answers.shape(doc, 20, store)
    assert len(shaped["result"]["items"]) == 20 and shaped["result"]["total"] == 100
    assert len(shaped["result"]["items"][0]["tags"]) == 20
    lists = {entry["path"]: entry for entry in shaped["_oint"]["lists"]}
    assert lists["result.items"]["total"] == 100 and lists["result.items"]["shown"] == 20
    assert lists["result.items[].tags"] == {
        "path": "result.items[].tags",
        "total": 600,
        "shown": 400,
        "lists": 20,
    }
    page = store.page(lists["result.items"]["more"], None, 20)
    assert [i["n"] for i in page["items"]] == list(range(20, 40)) and page["more"]
    page = store.page(lists["result.items"]["more"], None, 100)
    assert [i["n"] for i in page["items"]] == list(range(40, 100)) and not page["more"]
    assert "more" not in lists["result.items[].tags"]
    small = {"result": [1, 2, 3]}
    assert answers.shape(small, 20, store) is small
    with pytest.raises(UsageError):
        store.page("nope", None, 5)


def test_an_answer_over_its_budget_is_cut_further() -> None:
    doc = {"items": [{"text": "x" * 1000} for _ in range(20)]}
    shaped, cuts = answers.fit(doc, 20, max_chars=5000)
    assert len(answers.dumps(shaped)) <= 5000 and cuts["items"].shown == 2  # 20, 10, 5, 2


def test_errors_carry_code_message_and_hint() -> None:
    op = spec.operation("/v1/product/import/prices")
    body = json.dumps({"code": 3, "message": "prices[0].offer_id: value is required", "details": []}).encode()
    out = answers.error(BadRequestError(400, body), op)
    assert out["error"] == {"status": 400, "code": 3, "message": "prices[0].offer_id: value is required"}
    assert "prices[].offer_id" in out["hint"] and "ozon_api_describe" in out["hint"]
    limited = RateLimitError(429, b'{"code": 8, "message": "too many"}', headers={"retry-after": "7"})
    assert "wait 7 s" in answers.error(limited)["hint"]
    denied = answers.error(PermissionDeniedError(403, b'{"code": 7, "message": "Invalid Api-Key"}'))
    assert denied["error"]["code"] == 7 and "Api-Key" in denied["hint"]
    assert "product_id" in answers.error(UsageError("missing product_id"))["error"]["message"]


def test_files_are_saved_whole(tmp_path: Path) -> None:
    pdf = answers.save(b"%PDF-1.4 label", str(tmp_path / "out"), "labels")
    assert pdf.endswith(".pdf") and Path(pdf).read_bytes() == b"%PDF-1.4 label"
    doc = {"items": list(range(100))}
    saved = answers.save(doc, str(tmp_path / "out"), "list")
    assert json.loads(Path(saved).read_text(encoding="utf-8")) == doc


def test_redaction() -> None:
    assert answers.redact('{"k": "7cc90d26-33e4-499b..."}', ["7cc90d26-33e4-499b..."]) == '{"k": "***"}'


def test_meta_arguments_do_not_clash_with_parameters() -> None:
    for m in REGISTRY:
        assert not {p.name for p in m.params} & set(META_ARGS), m.name_en
    assert isinstance(REGISTRY["GetProductList"], Method)
