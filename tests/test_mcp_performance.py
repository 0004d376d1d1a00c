"""The MCP server's engine and the Performance API: its operations through search (api=performance),
describe and call; reads by default; bids, budgets and activation refused on a read-only server,
previewed (amounts in roubles) and confirmed on a writable one; the report tool answering rows. The
client talks to the fake API of `tests/perf_fake.py`; no secret in any answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from perf_fake import CLIENT_ID, SECRET, TOKEN_PREFIX, AsyncFakeTransport, FakePerformance, serve_http

from oint.apis.performance import spec
from oint.apps.mcp.access import PERFORMANCE_OVERRIDES, WritePolicy, derived_access, performance_access
from oint.apps.mcp.service import Service, Settings
from oint.apps.mcp.tools import CALL, DESCRIBE, PERFORMANCE_REPORT, SEARCH, ToolConfig, build_tools
from oint.performance import AsyncPerformanceClient


class Session:
    def __init__(self, service: Service, fake: FakePerformance) -> None:
        self.service = service
        self.fake = fake
        self.texts: list[str] = []
        self.loop = asyncio.new_event_loop()

    def call(self, name: str, **arguments: Any) -> tuple[bool, Any]:
        reply = self.loop.run_until_complete(self.service.call(name, arguments))
        text = self.service.text(reply)
        self.texts.append(text)
        return reply.is_error, json.loads(text)

    def ok(self, name: str, **arguments: Any) -> Any:
        failed, doc = self.call(name, **arguments)
        assert not failed, doc
        return doc

    def fail(self, name: str, **arguments: Any) -> Any:
        failed, doc = self.call(name, **arguments)
        assert failed, doc
        return doc

    def close(self) -> None:
        self.loop.run_until_complete(self.service.aclose())
        self.loop.close()


def session(tmp_path: Path, allow: str | None) -> Session:
    fake = FakePerformance(polls=1)
    settings = Settings(sandbox=False, policy=WritePolicy.parse(allow), out_dir=str(tmp_path / "out"))
    service = Service(settings, secrets=[SECRET])
    client = AsyncPerformanceClient(CLIENT_ID, SECRET, transport=AsyncFakeTransport(fake))
    service._performance_clients[None] = client  # the fake API instead of Ozon's
    return Session(service, fake)


@pytest.fixture
def ro(tmp_path: Path) -> Iterator[Session]:
    s = session(tmp_path, None)
    yield s
    s.close()


@pytest.fixture
def rw(tmp_path: Path) -> Iterator[Session]:
    s = session(tmp_path, "bids,campaign")
    yield s
    s.close()


def test_the_report_tool_is_listed_and_the_api_described() -> None:
    tools = {t.name: t for t in build_tools(ToolConfig())}
    report = tools[PERFORMANCE_REPORT]
    assert report.kind == "report" and report.annotations["read_only_hint"]
    assert report.input_schema["required"] == ["campaigns", "date_from", "date_to"]
    assert "api" in tools[SEARCH].input_schema["properties"]
    assert "Performance API" in tools[CALL].description


def test_search_describe_and_read(ro: Session) -> None:
    found = ro.ok(SEARCH, query="campaign list", api="performance")["found"]
    assert found[0]["operation"] == "list_campaigns" and found[0]["access"] == "read"
    assert all(f["api"] == "performance" for f in found)
    assert ro.ok(SEARCH, query="bids", api="performance", access="write")["found"]
    described = ro.ok(DESCRIBE, operation="update_campaign_bids")
    assert described["call"] == "PUT /api/client/campaign/{campaignId}/products"
    assert described["access"] == "write" and described["path_params"] == ["campaignId"]
    assert any("micro-roubles" in line for line in described["request"]["body"])
    read = ro.ok(CALL, operation="list_campaigns", body={"campaignIds": ["11"]})
    assert read["list"][0]["dailyBudget"] == "500000000"  # raw, as Ozon sends it
    assert ro.fake.calls[-1][2] == {"campaignIds": ["11"]}
    pages = ro.ok(CALL, operation="list_campaigns", all_pages=True)
    assert pages["total"] == 1


def test_a_bid_change_is_refused_on_a_read_only_server(ro: Session) -> None:
    bids = {"bids": [{"sku": "1", "bid": "25000000"}]}
    cases: list[tuple[str, dict[str, Any]]] = [
        ("update_campaign_bids", {"body": bids, "path_params": {"campaignId": "11"}}),
        ("activate_campaign", {"path_params": {"campaignId": "11"}}),
        ("update_campaign", {"body": {"dailyBudget": "1000000000"}, "path_params": {"campaignId": "11"}}),
        ("set_all_sku_promo_bid", {"body": {"bid": "5"}}),
    ]
    for operation, args in cases:
        out = ro.fail(CALL, operation=operation, **args)
        assert out["refused"] is True and "read-only" in out["error"]["message"], operation
    assert ro.fake.calls == []


def test_a_bid_change_is_previewed_in_roubles_then_confirmed(rw: Session) -> None:
    bids = {"bids": [{"sku": "1", "bid": "25000000"}, {"sku": "2", "bid": "12345678"}]}
    args = {"operation": "update_campaign_bids", "body": bids, "path_params": {"campaignId": "11"}}
    preview = rw.ok(CALL, **args)
    assert preview["preview"]["call"] == "PUT /api/client/campaign/11/products"
    assert preview["preview"]["amounts"] == {
        "bids[0].bid": "25000000 micro-roubles = 25 ₽",
        "bids[1].bid": "12345678 micro-roubles = 12.35 ₽",
    }
    assert preview["preview"]["items"] == 2 and rw.fake.calls == []
    assert rw.fake.token_times == []  # nothing sent, not even a token request
    rw.ok(CALL, operation="update_campaign_bids", confirm=preview["confirm"])
    assert rw.fake.calls == [("PUT", "/api/client/campaign/{campaignId}/products", {}, bids)]


def test_a_get_write_is_confirmed_with_its_query(rw: Session) -> None:
    preview = rw.ok(CALL, operation="set_all_sku_promo_bid", body={"bid": "5"}, dry_run=True)
    assert preview["preview"]["call"] == "GET /api/client/campaign/all_sku_promo/set_bid?bid=5"
    rw.ok(CALL, operation="set_all_sku_promo_bid", confirm=preview["confirm"])
    assert rw.fake.calls[-1][:3] == ("GET", "/api/client/campaign/all_sku_promo/set_bid", {"bid": ["5"]})
    out = rw.fail(CALL, operation="update_campaign", body={"dailyBudget": 5}, path_params={"campaignId": "1"})
    assert "must be a string" in out["error"]["message"] and len(rw.fake.calls) == 1


def test_the_report_tool_answers_rows(ro: Session) -> None:
    campaigns = [str(900 + i) for i in range(12)]
    out = ro.ok(PERFORMANCE_REPORT, campaigns=campaigns, date_from="2026-01-01", date_to="2026-01-05")
    assert out["reports"] == 2 and out["total"] == 12 * 5
    assert len(out["rows"]) <= 20 and "_oint" in out  # a long list is cut, with a token for ozon_more
    bad = ro.fail(PERFORMANCE_REPORT, campaigns=[], date_from="2026-01-01", date_to="2026-01-05")
    assert "campaign" in bad["error"]["message"]
    assert ro.fake.preparing_most == 1


def test_no_secret_in_any_answer(ro: Session) -> None:
    ro.ok(CALL, operation="list_campaigns")
    ro.ok(CALL, operation="download_report", body={"UUID": "x"})
    ro.fail(CALL, operation="no_such_operation")
    text = "\n".join(ro.texts)
    assert SECRET not in text and TOKEN_PREFIX not in text


def test_every_performance_override_changes_the_derived_answer() -> None:
    for key, (access, reason) in PERFORMANCE_OVERRIDES.items():
        op = spec.operation(key)
        assert derived_access(op) != access and performance_access(op) == access and reason, key
    writes = {op.name for op in spec.operations().values() if performance_access(op) == "write"}
    assert {"update_campaign_bids", "add_campaign_products", "activate_campaign", "update_campaign"} <= writes
    assert {"set_search_promo_bids", "set_all_sku_promo_bid", "deactivate_campaign"} <= writes
    assert not {"list_campaigns", "report_state", "download_report", "submit_statistics"} & writes


# ------------------------------------------------------------------ the SDK's client, `oint mcp` in a process
def test_the_sdk_client_reads_a_campaign_and_changes_a_bid_only_when_allowed(tmp_path: Path) -> None:
    from mcp import Client
    from test_mcp_stdio import answer, over_stdio, server_env, text

    env = server_env(tmp_path, OZON_PERFORMANCE_CLIENT_ID=CLIENT_ID, OZON_PERFORMANCE_CLIENT_SECRET=SECRET)
    bids = {"bids": [{"sku": "1", "bid": "25000000"}, {"sku": "2", "bid": "30000000"}]}
    change = {"operation": "update_campaign_bids", "body": bids, "path_params": {"campaignId": "11"}}

    with serve_http(FakePerformance(polls=1)) as served:

        async def read_only(client: Client) -> dict[str, Any]:
            listed = await client.list_tools()
            campaign = answer(
                await client.call_tool(CALL, {"operation": "list_campaigns", "body": {"campaignIds": ["11"]}})
            )
            refused = await client.call_tool(CALL, change)
            return {"names": [t.name for t in listed.tools], "campaign": campaign, "refused": refused}

        out, log = over_stdio(tmp_path, ["--base-url", served.url], read_only, env)
        assert PERFORMANCE_REPORT in out["names"] and SEARCH in out["names"]
        assert out["campaign"]["list"][0]["id"] == "11"
        assert out["refused"].is_error and "read-only" in text(out["refused"])
        assert [c[:2] for c in served.fake.calls] == [("GET", "/api/client/campaign")]

        async def writable(client: Client) -> dict[str, Any]:
            preview = answer(await client.call_tool(CALL, change))
            done = answer(
                await client.call_tool(
                    CALL, {"operation": "update_campaign_bids", "confirm": preview["confirm"]}
                )
            )
            return {"preview": preview, "done": done}

        out, log2 = over_stdio(tmp_path, ["--base-url", served.url, "--allow-write", "bids"], writable, env)
        assert out["preview"]["preview"]["amounts"]["bids[1].bid"] == "30000000 micro-roubles = 30 ₽"
        assert served.fake.calls[-1] == ("PUT", "/api/client/campaign/{campaignId}/products", {}, bids)
        for shown in (log, log2, json.dumps(out)):
            assert SECRET not in shown and TOKEN_PREFIX not in shown


def test_a_scope_of_writes_names_what_it_allows(tmp_path: Path) -> None:
    s = session(tmp_path, "bids")
    try:
        bids = {"bids": [{"sku": "1", "bid": "25000000"}]}
        assert "preview" in s.ok(
            CALL, operation="update_campaign_bids", body=bids, path_params={"campaignId": "1"}, dry_run=True
        )
        out = s.fail(CALL, operation="activate_campaign", path_params={"campaignId": "1"})
        assert "outside the allowed writes" in out["error"]["message"] and s.fake.calls == []
    finally:
        s.close()


def test_the_sdk_client_on_the_embedded_sandbox_reads_a_campaign_and_changes_a_bid_only_when_allowed(
    tmp_path: Path,
) -> None:
    """The same with `oint mcp --sandbox`: the sandbox's demo Performance credentials, its campaigns;
    the bid changed only after preview and confirm on a server allowed to write bids."""
    from mcp import Client
    from test_mcp_stdio import answer, over_stdio, server_env, text

    env = server_env(tmp_path)

    async def read_only(client: Client) -> dict[str, Any]:
        listed = await client.list_tools()
        campaigns = answer(await client.call_tool(CALL, {"operation": "list_campaigns", "body": {}}))
        running = next(
            c
            for c in campaigns["list"]
            if c["state"] == "CAMPAIGN_STATE_RUNNING" and c["advObjectType"] == "SKU"
        )
        products = answer(
            await client.call_tool(
                CALL, {"operation": "list_campaign_products", "path_params": {"campaignId": running["id"]}}
            )
        )
        skus = [p["sku"] for p in products["products"][:2]]
        change = {  # two bids: a change of more than --confirm-over (1) items is previewed first
            "operation": "update_campaign_bids",
            "body": {"bids": [{"sku": sku, "bid": "41000000"} for sku in skus]},
            "path_params": {"campaignId": running["id"]},
        }
        refused = await client.call_tool(CALL, change)
        return {"names": [t.name for t in listed.tools], "change": change, "refused": refused}

    out, log = over_stdio(tmp_path, ["--sandbox"], read_only, env)
    assert PERFORMANCE_REPORT in out["names"] and SEARCH in out["names"]
    assert out["refused"].is_error and "read-only" in text(out["refused"])
    change = out["change"]

    async def writable(client: Client) -> dict[str, Any]:
        preview = answer(await client.call_tool(CALL, change))
        done = answer(
            await client.call_tool(CALL, {"operation": "update_campaign_bids", "confirm": preview["confirm"]})
        )
        products = answer(
            await client.call_tool(
                CALL, {"operation": "list_campaign_products", "path_params": change["path_params"]}
            )
        )
        return {"preview": preview, "done": done, "products": products}

    out2, log2 = over_stdio(tmp_path, ["--sandbox", "--allow-write", "bids"], writable, env)
    assert out2["preview"]["preview"]["amounts"]["bids[0].bid"] == "41000000 micro-roubles = 41 ₽"
    assert len(change["body"]["bids"]) == 2
    changed = [
        p for p in out2["products"]["products"] if p["sku"] in {b["sku"] for b in change["body"]["bids"]}
    ]
    assert [p["bid"] for p in changed] == ["41000000", "41000000"]
    for shown in (log, log2, json.dumps(out2)):
        assert "oint-demo-performance-secret" not in shown
