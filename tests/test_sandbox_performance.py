"""The sandbox's Performance API (issue 19, item 7), over real HTTP with raw requests: the token
flow and its expiry on the sandbox clock, every one of the layer's operations answered as its
response schema says, the report rules (429 for a second report in preparation, 400 over 10
campaigns or 62 days), bad input refused with 400, and report files whose figures are the
buyers' orders of the simulated marketplace."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections import Counter
from typing import Any

import httpx
import pytest
from conftest import SandboxServer, http_client

from oint.apis.performance.spec import LAYER
from oint.core.validate import answer_problems
from oint.sandbox.demo import DEMO_PERFORMANCE_CLIENT_ID, DEMO_PERFORMANCE_SECRET

CREDENTIALS = {
    "client_id": DEMO_PERFORMANCE_CLIENT_ID,
    "client_secret": DEMO_PERFORMANCE_SECRET,
    "grant_type": "client_credentials",
}
ADMIN = {"Content-Type": "application/json"}


class Perf:
    """Raw calls to a served sandbox's Performance API with the demo's token."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)
        self.token = self.new_token()

    def new_token(self) -> str:
        r = self.http.post("/api/client/token", json=CREDENTIALS)
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        content = json.dumps(body).encode() if body is not None else None
        if content is not None:
            headers["Content-Type"] = "application/json"
        return self.http.request(method, path, content=content, params=query, headers=headers)

    def ok(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        r = self.call(method, path, body, query)
        assert r.status_code == 200, (method, path, r.status_code, r.text[:300])
        return r.json()

    def admin(self, action: str, doc: dict[str, Any] | None = None) -> Any:
        if doc is None:
            return self.http.get(f"/__sandbox/{action}").json()
        r = self.http.post(f"/__sandbox/{action}", json=doc, headers=ADMIN)
        assert r.status_code == 200, r.text
        return r.json()

    def advance(self, duration: str | float) -> None:
        self.admin("clock", {"advance": duration})

    def campaigns(self) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self.ok("GET", "/api/client/campaign")["list"]}


@pytest.fixture
def perf(server: SandboxServer) -> Perf:
    return Perf(server.url)


def clock_day(perf: Perf) -> dt.date:
    moment = perf.admin("clock")["now"]
    return dt.datetime.fromisoformat(str(moment).replace("Z", "+00:00")).date()


# ------------------------------------------------------------------ tokens
def test_token_flow_and_refusals(perf: Perf) -> None:
    r = perf.http.post("/api/client/token", json=CREDENTIALS)
    answer = r.json()
    assert r.status_code == 200 and set(answer) == {"access_token", "expires_in", "token_type"}
    assert answer["expires_in"] == 1800 and answer["token_type"] == "Bearer"
    assert perf.call("GET", "/api/client/campaign", token=answer["access_token"]).status_code == 200

    wrong = perf.http.post("/api/client/token", json={**CREDENTIALS, "client_secret": "guess"})
    assert wrong.status_code == 401 and "guess" not in wrong.text
    unknown = perf.http.post("/api/client/token", json={**CREDENTIALS, "client_id": "9-1@x"})
    assert unknown.status_code == 401
    grant = perf.http.post("/api/client/token", json={**CREDENTIALS, "grant_type": "password"})
    assert grant.status_code == 400 and "client_credentials" in grant.json()["message"]
    missing = perf.http.post("/api/client/token", json={"client_id": DEMO_PERFORMANCE_CLIENT_ID})
    assert missing.status_code == 400
    assert perf.http.get("/api/client/token").status_code == 405

    assert perf.http.get("/api/client/campaign").status_code == 401  # no token
    bad = perf.call("GET", "/api/client/campaign", token="not-a-token")
    assert bad.status_code == 401 and bad.json()["code"] == 16
    # the Seller API's credentials are not the Performance API's, nor the other way round
    seller = perf.http.get("/api/client/campaign", headers={"Client-Id": "2128753", "Api-Key": "x"})
    assert seller.status_code == 401
    as_seller = perf.http.post(
        "/v3/product/list", json={"filter": {}, "limit": 1}, headers={"Authorization": f"Bearer {perf.token}"}
    )
    assert as_seller.status_code == 401


def test_token_expires_on_the_sandbox_clock(perf: Perf) -> None:
    settings = perf.admin("performance", {"token_lifetime": 120})["settings"]
    assert settings["token_lifetime"] == 120
    token = perf.new_token()
    perf.advance(119)
    assert perf.call("GET", "/api/client/campaign", token=token).status_code == 200
    perf.advance(2)
    expired = perf.call("GET", "/api/client/campaign", token=token)
    assert expired.status_code == 401 and "expired" in expired.json()["message"]
    fresh = perf.new_token()
    assert perf.call("GET", "/api/client/campaign", token=fresh).status_code == 200
    state = perf.admin("performance")
    # the fixture's token (made for 1800 s) and the fresh one live; this test's first expired
    assert state["counters"]["tokens_issued"] == 3 and state["tokens"] == 2


def test_the_request_log_names_the_account_of_the_token(perf: Perf, server: SandboxServer) -> None:
    server.clear_requests()
    perf.ok("GET", "/api/client/campaign")
    logged = server.request_log(path="/api/client/campaign")["requests"]
    assert [(r["client_id"], r["status"]) for r in logged] == [("2128753", 200)]


def test_revoked_tokens_get_401(perf: Perf) -> None:
    assert perf.admin("performance", {"revoke": True})["revoked"] == 1
    assert perf.call("GET", "/api/client/campaign").status_code == 401
    perf.token = perf.new_token()
    assert perf.call("GET", "/api/client/campaign").status_code == 200


def test_settings_refused_when_they_make_no_sense(perf: Perf) -> None:
    for bad in ({"token_lifetime": 0}, {"report_seconds": "soon"}, {"lifetime": 5}):
        r = perf.http.post("/__sandbox/performance", json=bad, headers=ADMIN)
        assert r.status_code == 400, bad


# ------------------------------------------------------------------ every operation
def every_operation(perf: Perf, running: str, idle: str) -> list[tuple[str, str, Any, dict[str, Any] | None]]:
    """(layer key, path, body, query) of each operation, in an order where each one can work."""
    sku1, sku3 = "1626044001", "1626044003"
    day = clock_day(perf)
    week = {"dateFrom": (day - dt.timedelta(days=6)).isoformat(), "dateTo": day.isoformat()}
    moments = {"from": f"{week['dateFrom']}T00:00:00Z", "to": f"{week['dateTo']}T23:59:59Z"}
    c = f"/api/client/campaign/{running}"
    return [
        (
            "/api/client/campaign",
            "/api/client/campaign",
            None,
            {"page": 1, "pageSize": 10, "state": "CAMPAIGN_STATE_RUNNING"},
        ),
        (
            "/api/client/campaign/cpc/v2/product",
            "/api/client/campaign/cpc/v2/product",
            {"title": "New", "dailyBudget": "500000000", "placement": "PLACEMENT_TOP_PROMOTION"},
            None,
        ),
        ("/api/client/campaign/{campaignId}", c, {"dailyBudget": "700000000", "toDate": "2027-12-31"}, None),
        ("/api/client/campaign/{campaignId}/objects", f"{c}/objects", None, None),
        (
            "/api/client/campaign/{campaignId}/v2/products",
            f"{c}/v2/products",
            None,
            {"page": 1, "pageSize": 50},
        ),
        (
            "/api/client/campaign/{campaignId}/products/bids/competitive",
            f"{c}/products/bids/competitive",
            None,
            {"skus": [sku1]},
        ),
        (
            "POST /api/client/campaign/{campaignId}/products",
            f"/api/client/campaign/{idle}/products",
            {"bids": [{"sku": sku1, "bid": "15000000"}]},
            None,
        ),
        (
            "PUT /api/client/campaign/{campaignId}/products",
            f"/api/client/campaign/{idle}/products",
            {"bids": [{"sku": sku1, "bid": "16000000"}]},
            None,
        ),
        (
            "/api/client/campaign/{campaignId}/products/delete",
            f"/api/client/campaign/{idle}/products/delete",
            {"sku": [sku1]},
            None,
        ),
        ("/api/client/campaign/{campaignId}/activate", f"/api/client/campaign/{idle}/activate", None, None),
        (
            "/api/client/campaign/{campaignId}/deactivate",
            f"/api/client/campaign/{idle}/deactivate",
            None,
            None,
        ),
        ("/api/client/limits/list", "/api/client/limits/list", None, None),
        ("/api/client/min/sku", "/api/client/min/sku", {"sku": [sku1], "paymentType": "CPC"}, None),
        ("/api/client/organisation/vendor_tag", "/api/client/organisation/vendor_tag", None, None),
        (
            "/api/client/search_promo/product/enable",
            "/api/client/search_promo/product/enable",
            {"skus": [sku1]},
            None,
        ),
        (
            "/api/client/search_promo/product/disable",
            "/api/client/search_promo/product/disable",
            {"skus": [sku1]},
            None,
        ),
        (
            "/api/client/campaign/search_promo/v2/products",
            "/api/client/campaign/search_promo/v2/products",
            {"page": 1, "pageSize": 10},
            None,
        ),
        (
            "/api/client/campaign/search_promo/v2/bids/set",
            "/api/client/campaign/search_promo/v2/bids/set",
            {"bids": [{"sku": sku3, "bid": 12.5}]},
            None,
        ),
        (
            "/api/client/campaign/search_promo/v2/bids/delete",
            "/api/client/campaign/search_promo/v2/bids/delete",
            {"sku": [sku3]},
            None,
        ),
        (
            "/api/client/campaign/search_promo/carrots/enable",
            "/api/client/campaign/search_promo/carrots/enable",
            {"skus": [sku3]},
            None,
        ),
        ("/api/client/products_with_bonuses", "/api/client/products_with_bonuses", None, None),
        (
            "/api/client/campaign/search_promo/carrots/disable",
            "/api/client/campaign/search_promo/carrots/disable",
            {"skus": [sku3]},
            None,
        ),
        (
            "/api/client/search_promo/get_cpo_min_bids",
            "/api/client/search_promo/get_cpo_min_bids",
            {"skus": [sku3]},
            None,
        ),
        (
            "/api/client/search_promo/bids/recommendation",
            "/api/client/search_promo/bids/recommendation",
            {"skus": [sku3]},
            None,
        ),
        (
            "/api/client/campaign/all_sku_promo/set_bid",
            "/api/client/campaign/all_sku_promo/set_bid",
            None,
            {"bid": "9.5"},
        ),
        (
            "/api/client/campaign/all_sku_promo/activate",
            "/api/client/campaign/all_sku_promo/activate",
            None,
            None,
        ),
        (
            "/api/client/campaign/all_sku_promo/deactivate",
            "/api/client/campaign/all_sku_promo/deactivate",
            None,
            None,
        ),
        (
            "/external/api/dynamic_budget",
            "/external/api/dynamic_budget",
            {"createCampaign": {"skusCount": "3"}},
            None,
        ),
        (
            "/api/client/statistics",
            "/api/client/statistics",
            {"campaigns": [running], **week, "groupBy": "DATE"},
            None,
        ),
        (
            "/api/client/statistics/phrases",
            "/api/client/statistics/phrases",
            {"campaigns": [running], **week},
            None,
        ),
        (
            "/api/client/statistics/attribution",
            "/api/client/statistics/attribution",
            {"campaigns": [running], **week},
            None,
        ),
        (
            "/api/client/statistics/video",
            "/api/client/statistics/video",
            {"campaigns": [running], **week},
            None,
        ),
        ("/api/client/statistic/orders/generate", "/api/client/statistic/orders/generate", moments, None),
        ("/api/client/statistic/products/generate", "/api/client/statistic/products/generate", moments, None),
        (
            "/api/client/statistics/all_sku_promo/orders/generate",
            "/api/client/statistics/all_sku_promo/orders/generate",
            None,
            {"timeBounds.from": moments["from"], "timeBounds.to": moments["to"]},
        ),
        (
            "/api/client/statistics/all_sku_promo/products/generate",
            "/api/client/statistics/all_sku_promo/products/generate",
            None,
            {"timeBounds.from": moments["from"], "timeBounds.to": moments["to"]},
        ),
        (
            "/api/client/vendors/statistics",
            "/api/client/vendors/statistics",
            {**week, "type": "TRAFFIC_SOURCES"},
            None,
        ),
        ("/api/client/statistics/list", "/api/client/statistics/list", None, {"page": 1, "pageSize": 20}),
        (
            "/api/client/statistics/externallist",
            "/api/client/statistics/externallist",
            None,
            {"page": 1, "pageSize": 20},
        ),
        (
            "/api/client/vendors/statistics/list",
            "/api/client/vendors/statistics/list",
            None,
            {"page": 1, "pageSize": 20},
        ),
        (
            "/api/client/statistics/daily",
            "/api/client/statistics/daily",
            None,
            {"campaignIds": [running], **week},
        ),
        (
            "/api/client/statistics/expense",
            "/api/client/statistics/expense",
            None,
            {"campaignIds": [running], **week},
        ),
        (
            "/api/client/statistics/campaign/product",
            "/api/client/statistics/campaign/product",
            None,
            {"campaignIds": [running], **week},
        ),
        ("/api/client/statistics/campaign/media", "/api/client/statistics/campaign/media", None, week),
        ("/api/client/statistics/products/sku", "/api/client/statistics/products/sku", week, None),
    ]


def test_every_operation_answers_as_its_schema_says(perf: Perf) -> None:
    perf.admin("performance", {"report_seconds": 5})
    by_state = {c["state"]: cid for cid, c in perf.campaigns().items() if c["advObjectType"] == "SKU"}
    running, idle = by_state["CAMPAIGN_STATE_RUNNING"], by_state["CAMPAIGN_STATE_INACTIVE"]
    seen: set[str] = set()
    problems: list[str] = []
    reports: list[str] = []
    for key, path, body, query in every_operation(perf, running, idle):
        op = LAYER.operation(key)
        r = perf.call(op.method, path, body, query)
        assert r.status_code == 200, (key, r.status_code, r.text[:300])
        assert r.headers["content-type"].startswith("application/json"), key
        answer = r.json()
        if op.response:
            problems += [
                f"{key} {p.pointer}: {p.message}"
                for p in answer_problems({"$ref": "#/schemas/" + op.response}, answer, LAYER.schemas())
            ]
        if isinstance(answer, dict) and answer.get("UUID"):
            reports.append(str(answer["UUID"]))
            perf.advance(6)  # ready: the next report may start
        seen.add(op.key)
    for uuid in reports:
        for key, path, query in (
            ("/api/client/statistics/{UUID}", f"/api/client/statistics/{uuid}", None),
            (
                "/api/client/vendors/statistics/{UUID}",
                f"/api/client/vendors/statistics/{uuid}",
                {"vendor": "true"},
            ),
            ("/api/client/statistics/report", "/api/client/statistics/report", {"UUID": uuid}),
        ):
            op = LAYER.operation(key)
            r = perf.call("GET", path, query=query)
            assert r.status_code == 200, (key, r.text[:300])
            if op.file:
                assert r.headers["content-type"] in ("text/csv", "application/zip")
                assert r.content
            else:
                state = r.json()
                assert state["UUID"] == uuid and state["link"].endswith(uuid), state
                problems += [
                    f"{key} {p.pointer}: {p.message}"
                    for p in answer_problems(
                        {"$ref": "#/schemas/" + (op.response or "")}, state, LAYER.schemas()
                    )
                ]
            seen.add(op.key)
    assert not problems, problems
    assert seen == set(LAYER.operations()), sorted(set(LAYER.operations()) - seen)
    assert len(seen) == 48


def test_every_operation_has_a_model() -> None:
    from oint.sandbox.model.performance import load

    routes = load()
    assert {(op.method, op.path) for op in LAYER.operations().values()} == set(routes)


def test_campaigns_products_and_bids_are_kept(perf: Perf) -> None:
    made = perf.ok(
        "POST", "/api/client/campaign/cpc/v2/product", {"title": "Films", "weeklyBudget": "14000000000"}
    )
    cid = made["campaignId"]
    assert perf.campaigns()[cid]["state"] == "CAMPAIGN_STATE_INACTIVE"
    no_products = perf.call("POST", f"/api/client/campaign/{cid}/activate")
    assert no_products.status_code == 400 and "no products" in no_products.json()["message"]
    perf.ok(
        "POST",
        f"/api/client/campaign/{cid}/products",
        {"bids": [{"sku": "1626044002", "bid": "40000000"}, {"sku": "1626044003"}]},
    )
    perf.ok(
        "PUT", f"/api/client/campaign/{cid}/products", {"bids": [{"sku": "1626044002", "bid": "45000000"}]}
    )
    products = perf.ok("GET", f"/api/client/campaign/{cid}/v2/products")["products"]
    bids = {p["sku"]: p["bid"] for p in products}
    assert bids["1626044002"] == "45000000" and int(bids["1626044003"]) >= 3_000_000
    assert perf.ok("POST", f"/api/client/campaign/{cid}/activate")["state"] == "CAMPAIGN_STATE_RUNNING"
    assert perf.campaigns()[cid]["state"] == "CAMPAIGN_STATE_RUNNING"
    perf.ok("PATCH", f"/api/client/campaign/{cid}", {"dailyBudget": "3000000000"})
    assert perf.campaigns()[cid]["dailyBudget"] == "3000000000"
    perf.ok("POST", f"/api/client/campaign/{cid}/products/delete", {"sku": ["1626044003"]})
    objects = perf.ok("GET", f"/api/client/campaign/{cid}/objects")["list"]
    assert objects == [{"id": "1626044002"}]
    low = perf.call(
        "PUT", f"/api/client/campaign/{cid}/products", {"bids": [{"sku": "1626044002", "bid": "100"}]}
    )
    assert low.status_code == 400
    foreign = perf.call("POST", f"/api/client/campaign/{cid}/products", {"bids": [{"sku": "180550365"}]})
    assert foreign.status_code == 400 and "180550365" in foreign.json()["message"]
    assert perf.call("GET", "/api/client/campaign/99999999/objects").status_code == 404


def test_a_campaign_runs_within_its_dates(perf: Perf) -> None:
    running = next(
        cid
        for cid, c in perf.campaigns().items()
        if c["paymentType"] == "CPC" and c["state"] == "CAMPAIGN_STATE_RUNNING"
    )
    today = clock_day(perf)
    span = {"campaignIds": [running], "dateFrom": today.isoformat(), "dateTo": today.isoformat()}
    assert perf.ok("GET", "/api/client/statistics/daily", query=span)["rows"]  # it ran today
    later = (today + dt.timedelta(days=3)).isoformat()
    perf.ok("PATCH", f"/api/client/campaign/{running}", {"fromDate": later})
    assert perf.campaigns()[running]["state"] == "CAMPAIGN_STATE_PLANNED"
    assert perf.ok("GET", "/api/client/statistics/daily", query=span)["rows"] == []
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    perf.ok("PATCH", f"/api/client/campaign/{running}", {"fromDate": yesterday, "toDate": yesterday})
    finished = perf.ok("GET", "/api/client/campaign", query={"state": "CAMPAIGN_STATE_FINISHED"})["list"]
    assert [c["id"] for c in finished] == [running]
    assert perf.ok("GET", "/api/client/statistics/daily", query=span)["rows"] == []
    perf.ok("PATCH", f"/api/client/campaign/{running}", {"toDate": ""})
    assert perf.campaigns()[running]["state"] == "CAMPAIGN_STATE_RUNNING"
    assert perf.ok("GET", "/api/client/statistics/daily", query=span)["rows"]


def test_pay_per_order_promotion_is_kept(perf: Perf) -> None:
    listed = perf.ok("POST", "/api/client/campaign/search_promo/v2/products", {})
    assert [p["sku"] for p in listed["products"]] == ["1626044003"] and listed["total"] == "1"
    perf.ok("POST", "/api/client/search_promo/product/enable", {"skus": ["1626044001"]})
    minimum = perf.ok("POST", "/api/client/search_promo/get_cpo_min_bids", {"skus": ["1626044001"]})["bids"][
        0
    ]["bid"]
    cells = perf.ok(
        "POST",
        "/api/client/campaign/search_promo/v2/bids/set",
        {"bids": [{"sku": "1626044001", "bid": minimum + 1}, {"sku": "1626044002", "bid": 50}]},
    )
    assert [(c["sku"], c["update"]) for c in cells["response"]] == [
        ("1626044001", True),
        ("1626044002", False),
    ]
    promoted = {
        p["sku"]: p for p in perf.ok("POST", "/api/client/campaign/search_promo/v2/products", {})["products"]
    }
    assert promoted["1626044001"]["bid"] == minimum + 1
    perf.ok("POST", "/api/client/search_promo/product/disable", {"skus": ["1626044001", "1626044003"]})
    assert perf.ok("POST", "/api/client/campaign/search_promo/v2/products", {})["products"] == []
    promo = next(c for c in perf.campaigns().values() if c["advObjectType"] == "SEARCH_PROMO")
    assert promo["paymentType"] == "CPO" and promo["state"] == "CAMPAIGN_STATE_INACTIVE"


# ------------------------------------------------------------------ reports: the rules
def test_a_second_report_in_preparation_gets_429(perf: Perf) -> None:
    perf.admin("clock", {"freeze": True})  # (a slow machine must not let the first get ready)
    running = next(cid for cid, c in perf.campaigns().items() if c["state"] == "CAMPAIGN_STATE_RUNNING")
    day = clock_day(perf).isoformat()  # (any running campaign)
    body = {"campaigns": [running], "dateFrom": day, "dateTo": day}
    first = perf.ok("POST", "/api/client/statistics", body)["UUID"]
    assert perf.ok("GET", f"/api/client/statistics/{first}")["state"] in ("NOT_STARTED", "IN_PROGRESS")
    not_ready = perf.call("GET", "/api/client/statistics/report", query={"UUID": first})
    assert not_ready.status_code == 400
    second = perf.call("POST", "/api/client/statistics/phrases", body)
    assert second.status_code == 429 and int(second.headers["retry-after"]) == 10
    perf.advance(9)
    assert perf.call("POST", "/api/client/statistics", body).status_code == 429
    perf.advance(1)
    assert perf.ok("GET", f"/api/client/statistics/{first}")["state"] == "OK"
    perf.ok("POST", "/api/client/statistics", body)
    counters = perf.admin("performance")["counters"]
    assert counters["reports_started"] == 2 and counters["reports_refused"] == 2
    assert counters["max_reports_in_preparation"] == 1


def test_reports_over_ozon_limits_get_400(perf: Perf) -> None:
    ids = [perf.ok("POST", "/api/client/campaign/cpc/v2/product", {})["campaignId"] for _ in range(11)]
    day = clock_day(perf)
    span = {"dateFrom": (day - dt.timedelta(days=61)).isoformat(), "dateTo": day.isoformat()}  # 62 days
    eleven = perf.call("POST", "/api/client/statistics", {"campaigns": ids, **span})
    assert eleven.status_code == 400 and "10" in eleven.json()["message"]
    longer = {"dateFrom": (day - dt.timedelta(days=62)).isoformat(), "dateTo": day.isoformat()}
    too_long = perf.call("POST", "/api/client/statistics", {"campaigns": ids[:10], **longer})
    assert too_long.status_code == 400 and "62" in too_long.json()["message"]
    backwards = perf.call(
        "POST",
        "/api/client/statistics",
        {"campaigns": ids[:1], "dateFrom": span["dateTo"], "dateTo": span["dateFrom"]},
    )
    assert backwards.status_code == 400
    assert perf.admin("performance")["counters"]["reports_started"] == 0
    assert perf.call("POST", "/api/client/statistics", {"campaigns": ids[:10], **span}).status_code == 200


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("method", "path", "body", "query"),
    [
        ("POST", "/api/client/statistics", b"{not json", None),
        ("POST", "/api/client/statistics", b"[1, 2]", None),
        ("POST", "/api/client/statistics", {"campaigns": "11000001"}, None),
        ("POST", "/api/client/campaign/cpc/v2/product", {"dailyBudget": 5}, None),
        ("POST", "/api/client/campaign/cpc/v2/product", {"colour": "red"}, None),
        ("POST", "/api/client/campaign/cpc/v2/product", {"dailyBudget": "five"}, None),
        ("POST", "/api/client/search_promo/product/enable", {"skus": []}, None),
        (
            "POST",
            "/api/client/campaign/search_promo/v2/bids/set",
            {"bids": [{"sku": "1626044003", "bid": "x"}]},
            None,
        ),
        ("GET", "/api/client/campaign", None, {"page": "first"}),
        ("GET", "/api/client/campaign", None, {"colour": "red"}),
        ("GET", "/api/client/statistics/daily", None, {"dateFrom": "yesterday", "dateTo": "2026-12-01"}),
        ("GET", "/api/client/campaign/all_sku_promo/set_bid", None, {"bid": "lots"}),
        ("POST", "/external/api/dynamic_budget", {"createCampaign": {"skusCount": "none"}}, None),
    ],
)
def test_bad_input_gets_400_with_an_error_body(
    perf: Perf, method: str, path: str, body: Any, query: dict[str, Any] | None
) -> None:
    headers = {"Authorization": f"Bearer {perf.token}", "Content-Type": "application/json"}
    content = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else None
    r = perf.http.request(method, path, content=content, params=query, headers=headers)
    assert r.status_code == 400, r.text
    error = r.json()
    assert error["code"] == 3 and error["message"]


def test_unknown_paths_and_verbs(perf: Perf) -> None:
    assert perf.call("GET", "/api/client/no-such-thing").status_code == 404
    wrong = perf.call("DELETE", "/api/client/campaign")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"
    both = perf.call("GET", "/api/client/campaign/11000001/products")
    assert both.status_code == 405 and both.headers["allow"] == "POST, PUT"
    assert perf.call("GET", "/api/client/statistics/no-such-report").status_code == 404


# ------------------------------------------------------------------ figures from the marketplace
def ordered_units(url: str, skus: set[str], since: str, to: str) -> Counter[tuple[str, str]]:
    """(day, SKU) -> units the buyers ordered, read through the Seller API's postings (FBS: the
    buyers' only scheme unless told otherwise)."""
    found: Counter[tuple[str, str]] = Counter()
    with http_client(url) as seller:
        body = {"filter": {"since": since, "to": to}, "limit": 100}
        for posting in seller.iter_items("/v4/posting/fbs/list", body):
            for product in posting["products"]:
                if str(product["sku"]) in skus:
                    found[(posting["in_process_at"][:10], str(product["sku"]))] += int(product["quantity"])
    return found


def read_report(content: bytes) -> tuple[str, list[dict[str, str]], dict[str, str]]:
    """(title line, rows, total row) of a report's CSV."""
    lines = content.decode("utf-8").splitlines()
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[1:])), delimiter=";"))
    total = rows.pop()
    assert total["Дата"] == "Всего"
    return lines[0], rows, total


def number(text: str) -> float:
    return float(text.replace(",", "."))


def test_report_files_hold_the_marketplace_figures(perf: Perf, server: SandboxServer) -> None:
    campaigns = perf.campaigns()
    running = next(
        cid
        for cid, c in campaigns.items()
        if c["state"] == "CAMPAIGN_STATE_RUNNING" and c["paymentType"] == "CPC"
    )
    promo = next(cid for cid, c in campaigns.items() if c["advObjectType"] == "SEARCH_PROMO")
    perf.admin("clock", {"freeze": True})
    start = perf.admin("clock")["now"]
    perf.admin("buyers", {"orders_per_day": 400, "seed": 7})
    perf.advance("2d")
    perf.admin("buyers", {"orders_per_day": 0})
    perf.token = perf.new_token()  # (two days on: the first one expired)
    end = perf.admin("clock")["now"]
    first, last = start[:10], end[:10]
    units = ordered_units(server.url, {"1626044001", "1626044002", "1626044003"}, start, end)
    assert sum(units.values()) > 20, units  # the buyers did order

    one = perf.ok(
        "POST", "/api/client/statistics", {"campaigns": [running], "dateFrom": first, "dateTo": last}
    )
    perf.advance(31)
    r = perf.call("GET", "/api/client/statistics/report", query={"UUID": one["UUID"]})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv"
    title, rows, total = read_report(r.content)
    assert running in title
    by_cell = {
        (dt.datetime.strptime(row["Дата"], "%d.%m.%Y").date().isoformat(), row["sku"]): row for row in rows
    }
    mine = Counter({k: v for k, v in units.items() if k[1] in ("1626044001", "1626044002")})
    assert {k: int(row["Заказы"]) for k, row in by_cell.items() if int(row["Заказы"])} == dict(mine)
    for row in rows:  # clicks and views consistent with orders; the spend is clicks x the bid
        orders, clicks, views = int(row["Заказы"]), int(row["Клики"]), int(row["Показы"])
        assert orders <= clicks <= views
        bid = {"1626044001": 35, "1626044002": 28}[row["sku"]]
        assert number(row["Расход, ₽, с НДС"]) == pytest.approx(clicks * bid)
    assert int(total["Заказы"]) == sum(mine.values())
    spent: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        spent.setdefault(row["Дата"], []).append(row)
    for day_rows in spent.values():  # the daily budget (2,000 RUB) holds, unless orders need more clicks
        within = sum(number(x["Расход, ₽, с НДС"]) for x in day_rows) <= 2000
        assert within or all(x["Клики"] == x["Заказы"] for x in day_rows), day_rows
    assert number(total["Расход, ₽, с НДС"]) == pytest.approx(
        sum(number(x["Расход, ₽, с НДС"]) for x in rows)
    )

    daily = perf.ok(
        "GET",
        "/api/client/statistics/daily",
        query={"campaignIds": [running], "dateFrom": first, "dateTo": last},
    )
    assert sum(int(x["orders"]) for x in daily["rows"]) == int(total["Заказы"])
    assert sum(int(x["clicks"]) for x in daily["rows"]) == int(total["Клики"])
    assert sum(number(x["moneySpent"]) for x in daily["rows"]) == pytest.approx(
        number(total["Расход, ₽, с НДС"])
    )

    several = perf.ok(
        "POST",
        "/api/client/statistics",
        {"campaigns": [running, promo], "dateFrom": first, "dateTo": last, "groupBy": "NO_GROUP_BY"},
    )
    perf.advance(31)
    z = perf.call("GET", "/api/client/statistics/report", query={"UUID": several["UUID"]})
    assert z.status_code == 200 and z.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(z.content)) as archive:
        assert sorted(archive.namelist()) == sorted([f"{running}.csv", f"{promo}.csv"])
        _, same_rows, same_total = read_report(archive.read(f"{running}.csv"))
        _, _promo_rows, promo_total = read_report(archive.read(f"{promo}.csv"))
    assert same_total == total  # the same figures grouped otherwise
    assert {row["sku"] for row in same_rows} == {"1626044001", "1626044002"}
    promo_units = sum(v for k, v in units.items() if k[1] == "1626044003")
    assert int(promo_total["Заказы"]) == promo_units
    revenue, spend = number(promo_total["Выручка, ₽"]), number(promo_total["Расход, ₽, с НДС"])
    assert revenue > 0 and 0 < spend < revenue * 0.2  # pay per order: a percent of what was ordered

    vendor = perf.ok("POST", "/api/client/vendors/statistics", {"dateFrom": first, "dateTo": last})
    perf.advance(31)
    v = perf.call("GET", "/api/client/statistics/report", query={"UUID": vendor["UUID"]})
    days = list(csv.DictReader(io.StringIO(v.content.decode()), delimiter=";"))
    assert sum(int(d["Заказы"]) for d in days) == sum(units.values())  # each order counted once

    # a report made is kept as it was: a later bid changes the figures from then on only
    new_bid = {"bids": [{"sku": "1626044001", "bid": "99000000"}]}
    perf.ok("PUT", f"/api/client/campaign/{running}/products", new_bid)
    again = perf.call("GET", "/api/client/statistics/report", query={"UUID": one["UUID"]})
    assert again.content == r.content


def test_in_process_transport_answers_the_performance_api() -> None:
    from oint.sandbox import connect

    transport = connect(":memory:")
    try:
        assert transport.default_performance_credentials == (
            DEMO_PERFORMANCE_CLIENT_ID,
            DEMO_PERFORMANCE_SECRET,
        )
        token = transport.request(
            "POST",
            "/api/client/token",
            {"Content-Type": "application/json"},
            json.dumps(CREDENTIALS).encode(),
            None,
        )
        assert token.status == 200
        access = json.loads(token.content)["access_token"]
        listed = transport.request(
            "GET",
            "/api/client/campaign?state=CAMPAIGN_STATE_RUNNING",
            {"Authorization": f"Bearer {access}"},
            None,
            None,
        )
        assert listed.status == 200
        assert [c["state"] for c in json.loads(listed.content)["list"]] == ["CAMPAIGN_STATE_RUNNING"] * 2
    finally:
        transport.close()


def test_sandbox_account_shows_the_performance_credentials(run_cli: Any, sandbox_db: str) -> None:
    from oint.sandbox import connect

    shown = run_cli("sandbox", "account", "--db", sandbox_db)
    assert shown.code == 0, shown.err
    assert f"Performance API client id: {DEMO_PERFORMANCE_CLIENT_ID}" in shown.out
    assert f"Performance API client secret: {DEMO_PERFORMANCE_SECRET}" in shown.out
    added = run_cli(
        "sandbox", "account", "--clientid", "3000007", "--apikey", "private-k3y", "--db", sandbox_db
    )
    assert added.code == 0, added.err
    lines = dict(line.split(": ", 1) for line in added.out.splitlines()[1:])
    again = run_cli("sandbox", "account", "--clientid", "3000007", "--db", sandbox_db)
    assert lines["Performance API client id"] in again.out and "private-k3y" not in again.out + added.out
    missing = run_cli("sandbox", "account", "--clientid", "3000008", "--db", sandbox_db)
    assert missing.code == 2 and "no sandbox account 3000008" in missing.err
    # the credentials shown are the ones the token endpoint takes, and they act for that account
    transport = connect(sandbox_db)
    try:
        body = {
            "client_id": lines["Performance API client id"],
            "client_secret": lines["Performance API client secret"],
            "grant_type": "client_credentials",
        }
        token = transport.request("POST", "/api/client/token", {}, json.dumps(body).encode(), None)
        assert token.status == 200
        demo = {**CREDENTIALS, "client_secret": lines["Performance API client secret"]}
        assert (
            transport.request("POST", "/api/client/token", {}, json.dumps(demo).encode(), None).status == 401
        )
    finally:
        transport.close()


def test_serve_banner_points_at_the_performance_credentials() -> None:
    from oint.apps.cli.sandbox_cmd import banner

    shown = banner("http://127.0.0.1:8080", "/tmp/x.sqlite3", None, False)
    assert "/api/client/" in shown and "oint sandbox account" in shown


def test_admin_writes_need_json(perf: Perf) -> None:
    r = perf.http.post(
        "/__sandbox/performance", content=b'{"revoke": true}', headers={"Content-Type": "text/plain"}
    )
    assert r.status_code == 403
    assert perf.call("GET", "/api/client/campaign").status_code == 200  # nothing was revoked


def made_campaigns(db: str, count: int) -> list[str]:
    """`count` running pay-per-click campaigns on a state file whose clock stands at 2026-06-01
    (frozen), the demo's own stopped; reports ready after 1 s."""
    from oint.performance import PerformanceClient
    from oint.sandbox.core import Sandbox

    sandbox = Sandbox(db)
    try:
        sandbox.change_clock(set="2026-06-01T00:00:00Z", freeze=True)
        sandbox.performance(report_seconds=1)
    finally:
        sandbox.close()
    ids = []
    with PerformanceClient(sandbox=db) as client:
        for campaign in client.list_campaigns()["list"]:  # (the demo's began later: made "now")
            if campaign["advObjectType"] == "SKU":
                client.deactivate_campaign(campaign["id"])
        for i in range(count):
            made = client.create_cpc_product_campaign({"title": f"Campaign {i}"})["campaignId"]
            bids: Any = {"bids": [{"sku": f"162604400{1 + i % 3}", "bid": str((5 + i) * 1_000_000)}]}
            client.add_campaign_products(made, bids)
            client.activate_campaign(made)
            ids.append(made)
    return ids


def buyers_for(db: str, duration: str) -> dict[str, Any]:
    """Buyers order for `duration` of sandbox time; then the clock runs again. The counters."""
    from oint.sandbox.core import Sandbox

    sandbox = Sandbox(db)
    try:
        sandbox.buyers(orders_per_day=10, seed=5)
        sandbox.advance(duration)
        sandbox.buyers(orders_per_day=0)
        sandbox.change_clock(freeze=False)
        return sandbox.performance()
    finally:
        sandbox.close()


def counters_of(db: str) -> dict[str, int]:
    from oint.sandbox.core import Sandbox

    sandbox = Sandbox(db)
    try:
        found: dict[str, int] = sandbox.performance()["counters"]
        return found
    finally:
        sandbox.close()


def per_campaign(rows: list[dict[str, str]]) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    for row in rows:
        for name, column in (("orders", "Заказы"), ("clicks", "Клики")):
            out[(row["campaign_id"], name)] += int(row[column])
        out[(row["campaign_id"], "spend")] += round(number(row["Расход, ₽, с НДС"]) * 100)
    return out


def daily_per_campaign(db: str, ids: list[str], first: dt.date, last: dt.date) -> Counter[tuple[str, str]]:
    from oint.performance import PerformanceClient

    with PerformanceClient(sandbox=db) as client:
        daily = client.daily_statistics(
            {"campaignIds": ids, "dateFrom": first.isoformat(), "dateTo": last.isoformat()}
        )
    out: Counter[tuple[str, str]] = Counter()
    for day in daily["rows"]:  # type: ignore[typeddict-item]  # (rows: beyond the SDK's schema)
        for name in ("orders", "clicks"):
            out[(day["id"], name)] += int(day[name])
        out[(day["id"], "spend")] += round(float(day["moneySpent"]) * 100)
    return out


def test_oint_performance_report_over_90_days_and_15_campaigns(
    tmp_path: Any, run_cli: Any, sandbox_db: str
) -> None:
    """The issue's case through the command line on the embedded sandbox: one merged file equal to
    the sandbox's statistics, four reports never two in preparation at once, no 429."""
    ids = made_campaigns(sandbox_db, 15)
    buyers_for(sandbox_db, "91d")
    first, last = dt.date(2026, 6, 1), dt.date(2026, 8, 29)  # 90 days
    out = tmp_path / "stats.csv"
    r = run_cli(
        "performance",
        "report",
        "--sandbox",
        "--campaigns",
        ",".join(ids),
        "--from",
        first.isoformat(),
        "--to",
        last.isoformat(),
        "--out",
        str(out),
    )
    assert r.code == 0, r.err
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    reported = per_campaign(rows)
    assert reported == daily_per_campaign(sandbox_db, ids, first, last)
    assert {campaign for campaign, _ in reported} == set(ids)
    assert sum(v for (_, name), v in reported.items() if name == "orders") > 10  # the buyers did order
    counters = counters_of(sandbox_db)
    assert counters["reports_started"] == 4 and counters["reports_refused"] == 0
    assert counters["max_reports_in_preparation"] == 1


def test_an_operation_without_a_model_would_get_a_structural_answer() -> None:
    """The fallback for an operation a newer layer adds before the model has it: an answer built
    from its response schema (`structural.answer` over the Performance layer's schemas)."""
    from oint.sandbox.model.performance.dispatch import structural_answer

    checked = 0
    for op in LAYER.operations().values():
        answer = structural_answer(op, {})
        if op.file:
            assert answer.media == op.file
        elif op.response:
            schema = {"$ref": "#/schemas/" + op.response}
            assert answer_problems(schema, answer, LAYER.schemas()) == [], op.key
            checked += 1
    assert checked > 30


def _typed_arguments(key: str, path: str, body: Any, query: dict[str, Any] | None) -> tuple[list[str], Any]:
    """The positional arguments of an operation's typed method for a request of
    `every_operation`: its path parameters' values read from `path`, then its fields."""
    op = LAYER.operation(key)
    values: list[str] = []
    for template_part, part in zip(op.path.split("/"), path.split("/"), strict=True):
        if template_part.startswith("{"):
            values.append(part)
    return values, (query if op.method == "GET" else body)


def test_every_operation_through_the_typed_methods_of_both_clients(perf: Perf, server: SandboxServer) -> None:
    """Issue 19's first "done when": each of the 48 operations is a typed method of
    `PerformanceClient` and `AsyncPerformanceClient`, and the served sandbox answers it."""
    import asyncio

    from oint.performance import AsyncPerformanceClient, PerformanceClient

    perf.admin("performance", {"report_seconds": 5})
    by_state = {c["state"]: cid for cid, c in perf.campaigns().items() if c["advObjectType"] == "SKU"}
    running, idle = by_state["CAMPAIGN_STATE_RUNNING"], by_state["CAMPAIGN_STATE_INACTIVE"]
    requests = list(every_operation(perf, running, idle))
    credentials = (DEMO_PERFORMANCE_CLIENT_ID, DEMO_PERFORMANCE_SECRET)
    seen: set[str] = set()

    def after(answer: Any, op_key: str, uuids: list[str]) -> None:
        seen.add(op_key)
        if isinstance(answer, dict) and answer.get("UUID"):
            uuids.append(str(answer["UUID"]))
            perf.advance(6)  # ready: the next report may start

    with PerformanceClient(*credentials, base_url=server.url) as client:
        uuids: list[str] = []
        for key, path, body, query in requests:
            op = LAYER.operation(key)
            args, fields = _typed_arguments(key, path, body, query)
            method = getattr(client, op.name)
            after(method(*args, fields) if fields is not None else method(*args), op.key, uuids)
        for uuid in uuids[:1]:
            state = client.call("/api/client/statistics/{UUID}", None, UUID=uuid)
            assert state["UUID"] == uuid
            seen.add("/api/client/statistics/{UUID}")
            data = client.call("/api/client/statistics/report", {"UUID": uuid})
            assert isinstance(data, bytes) and data
            seen.add("/api/client/statistics/report")
        vendor = next(u for u in uuids[1:] if u)  # any later report: read as a vendor's
        state = client.call("/api/client/vendors/statistics/{UUID}", {"vendor": "true"}, UUID=vendor)
        assert state["UUID"] == vendor
        seen.add("/api/client/vendors/statistics/{UUID}")
    assert seen == set(LAYER.operations()), sorted(set(LAYER.operations()) - seen)

    async def asynchronously() -> set[str]:
        done: set[str] = set()
        async with AsyncPerformanceClient(*credentials, base_url=server.url) as client:
            for key, path, body, query in requests:
                op = LAYER.operation(key)
                args, fields = _typed_arguments(key, path, body, query)
                method = getattr(client, op.name)
                answer = await (method(*args, fields) if fields is not None else method(*args))
                if isinstance(answer, dict) and answer.get("UUID"):
                    await asyncio.to_thread(perf.advance, 6)
                done.add(op.key)
        return done

    assert asyncio.run(asynchronously()) | seen == set(LAYER.operations())


def test_a_thousand_calls_over_five_token_lifetimes_buy_five_tokens_and_one_after_a_revocation(
    perf: Perf, server: SandboxServer
) -> None:
    """Issue 19: with the sandbox's token lifetime shortened to 60 s, 1,000 calls over 300 s of the
    sandbox's clock make exactly one token request per lifetime; a token revoked mid-run is
    renewed once, without the caller seeing a 401."""
    import time

    from oint.performance import PerformanceClient

    perf.admin("performance", {"token_lifetime": 60})
    moved = 0.0  # the seconds the test moved the sandbox's clock; the client's clock follows it

    def clock() -> float:
        return time.time() + moved

    before = perf.admin("performance")["counters"]["tokens_issued"]
    with PerformanceClient(
        DEMO_PERFORMANCE_CLIENT_ID, DEMO_PERFORMANCE_SECRET, base_url=server.url, clock=clock
    ) as client:
        for n in range(1000):
            if n and n % 100 == 0:
                perf.advance(30)
                moved += 30
            assert "list" in client.call("/api/client/campaign")
        issued = perf.admin("performance")["counters"]["tokens_issued"] - before
        assert issued == 5 == client.tokens_fetched  # at 0, 60, 120, 180 and 240 s
        assert perf.admin("performance", {"revoke": True})["revoked"] >= 1
        for _ in range(20):
            client.call("/api/client/campaign")
        assert perf.admin("performance")["counters"]["tokens_issued"] - before == 6 == client.tokens_fetched
