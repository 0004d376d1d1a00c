"""The Performance API's operation layer: `LAYER` over `data/` (generated from
`reference/performance/` by `tools/gen_performance.py`), and what its head says besides the
operations: the host, the token endpoint and lifetime, the report limits and the money unit.

Operations are keyed by path (`/api/client/campaign`), or by "VERB path" where two verbs share a
path (`PUT /api/client/campaign/{campaignId}/products`); `LAYER.operation` also takes the name
(`list_campaigns`). Files are read on first use."""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from oint.core.layer import Layer, Operation

__all__ = [
    "LAYER",
    "ReportRules",
    "TokenRules",
    "base_url",
    "is_money",
    "is_report",
    "operation",
    "operation_problem",
    "operations",
    "report_rules",
    "token_rules",
]

LAYER = Layer(os.path.join(os.path.dirname(__file__), "data"), "Performance API")


class TokenRules(NamedTuple):
    """How the API hands out bearer tokens (OAuth client credentials)."""

    path: str  # POST here with client_id, client_secret, grant_type
    grant_type: str
    lifetime: float  # seconds, when the answer does not say (`expires_in`)
    renew_before: float  # renew this long before the token expires


class ReportRules(NamedTuple):
    """Ozon's limits of the asynchronous statistics reports."""

    max_campaigns: int  # per report
    max_days: int  # per report, both ends counted
    one_at_a_time: bool  # one report in preparation per account
    state: str  # the operation giving a report's state (by UUID)
    download: str  # the operation giving a ready report's file


def operations() -> dict[str, Operation]:
    """Every operation by key, in key order."""
    return LAYER.operations()


def operation(key: str) -> Operation:
    """An operation by path, "VERB path" or name (`list_campaigns`)."""
    return LAYER.operation(key)


def base_url() -> str:
    """Ozon's host of the Performance API."""
    return str(LAYER.declarations()["base_url"])


def token_rules() -> TokenRules:
    t = LAYER.declarations()["token"]
    return TokenRules(t["path"], t["grant_type"], float(t["lifetime"]), float(t["renew_before"]))


def report_rules() -> ReportRules:
    r = LAYER.declarations()["report"]
    return ReportRules(
        int(r["max_campaigns"]), int(r["max_days"]), bool(r["one_at_a_time"]), r["state"], r["download"]
    )


def is_report(op: Operation) -> bool:
    """Whether `op` submits a statistics report of campaigns (the limits of `report_rules` apply)."""
    return bool(LAYER.declarations()["operations"][op.key].get("report"))


def is_money(node: dict[str, Any]) -> bool:
    """Whether a schema node is an amount in micro-roubles (1,000,000 = 1 rouble)."""
    return node.get("x-money") == "micro"


def operation_problem(key: str, body: Any) -> str | None:
    """The first problem of the request fields of an operation (body and query together), worded
    as the Seller API's validation words it, or None."""
    from oint.core.validate import request_problem

    op = LAYER.operation(key)
    if op.request is None:
        if isinstance(body, dict) and body:
            return f'invalid Request: unknown field "{next(iter(body))}"'
        return None
    return request_problem({"$ref": "#/schemas/" + op.request}, body, LAYER.schemas())
