"""The Performance API's operation layer (`oint.apis.performance.spec`): generated from
`reference/performance/`, complete, and what the kernel adds for it (a key per verb where two share a
path, query parameters)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from oint.apis.performance import spec
from oint.core.flow import request

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference" / "performance" / "operations.json"


def test_generated_layer_is_up_to_date() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "tools.gen_performance", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr


def test_every_operation_of_the_reference_is_in_the_layer_once() -> None:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))["operations"]
    assert len(reference) == 48
    ops = spec.operations()
    assert sorted((o.method, o.path) for o in ops.values()) == sorted(
        (r["method"], r["path"]) for r in reference
    )
    names = [o.name for o in ops.values()]
    assert len(set(names)) == 48 and all(n.isidentifier() for n in names)
    for key, op in ops.items():
        assert op.key == key
        assert spec.operation(op.name) is op
        assert spec.operation(f"{op.method} {op.path}") is op
        assert set(op.path_params) == {p.strip("{}") for p in op.path.split("/") if p.startswith("{")}
        if op.request is not None:  # path parameters travel in the path, never in the fields
            fields = spec.LAYER.schema(op.request).get("properties", {})
            assert not {f.lower().replace("_", "") for f in fields} & {p.lower() for p in op.path_params}
        if op.method == "GET":
            assert not op.has_body and set(op.query) == set(
                spec.LAYER.schema(op.request).get("properties", {}) if op.request else ()
            )


def test_a_path_of_two_verbs_needs_the_verb() -> None:
    path = "/api/client/campaign/{campaignId}/products"
    with pytest.raises(KeyError, match="POST or PUT"):
        spec.operation(path)
    assert spec.operation(f"PUT {path}").name == "update_campaign_bids"
    assert spec.operation(f"POST {path}").name == "add_campaign_products"
    assert spec.operation("/api/client/campaign").name == "list_campaigns"  # one verb: the path is enough


def test_get_fields_go_in_the_query_string() -> None:
    req = request(spec.LAYER, "list_campaigns", {"campaignIds": ["1", "22"], "page": 2, "state": None})
    assert req == ("GET", "/api/client/campaign?campaignIds=1&campaignIds=22&page=2", None)
    req = request(
        spec.LAYER, "submit_all_sku_promo_orders_report", {"timeBounds.from": "2026-01-01T00:00:00Z"}
    )
    assert req.path.endswith("?timeBounds.from=2026-01-01T00%3A00%3A00Z")
    req = request(spec.LAYER, "report_state", None, {"UUID": "a b"})
    assert req == ("GET", "/api/client/statistics/a b", None)
    req = request(spec.LAYER, "update_campaign", {"dailyBudget": "5000000000"}, {"campaignId": 7})
    assert req == ("PATCH", "/api/client/campaign/7", {"dailyBudget": "5000000000"})


def test_facts_of_the_head() -> None:
    assert spec.base_url() == "https://api-performance.ozon.ru"
    assert spec.token_rules() == ("/api/client/token", "client_credentials", 1800.0, 60.0)
    rules = spec.report_rules()
    assert (rules.max_campaigns, rules.max_days, rules.one_at_a_time) == (10, 62, True)
    assert spec.operation(rules.state).name == "report_state"
    assert spec.operation(rules.download).file == "text/csv"
    assert spec.is_report(spec.operation("submit_statistics"))
    assert not spec.is_report(spec.operation("list_campaigns"))
    campaign = spec.LAYER.schema("ExtcampaignCampaign")["properties"]
    assert spec.is_money(campaign["dailyBudget"]) and not spec.is_money(campaign["state"])


def test_request_problems_are_worded_as_for_the_seller_api() -> None:
    assert spec.operation_problem("list_campaigns", {"page": 1}) is None
    assert "unknown field" in (spec.operation_problem("list_campaigns", {"nope": 1}) or "")
    assert "unknown field" in (spec.operation_problem("activate_campaign", {"nope": 1}) or "")
