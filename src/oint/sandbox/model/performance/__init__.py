"""The sandbox's Performance API (Ozon's advertising API) on the same address as the Seller API.

Requests whose path starts with `/api/client/` or `/external/api/` come here (`core.Sandbox`
hands them to `dispatch.answer`). They authenticate with OAuth tokens, not with Client-Id/Api-Key:
`POST /api/client/token` takes the account's Performance client id and secret (`auth.py`) and
answers a token that expires on the sandbox's clock; every other call sends it as
`Authorization: Bearer <token>` and gets 401 when it is unknown, expired or revoked.

The state belongs to the seller account the credentials are of (its documents, kinds `perf_*`):
- `campaigns.py`: campaigns (CPC product campaigns and the account's pay-per-order promotion),
  their products and bids, activation (each campaign keeps the intervals it ran);
- `promo.py`: pay-per-order promotion (search_promo, all_sku_promo, bonuses);
- `stats.py`: the numbers, derived from the simulated marketplace: the orders the buyers place
  (`market.events`) for a campaign's SKUs while it runs are its orders, and views, clicks and
  spend follow from them (deterministic per campaign, SKU and day); written as CSV;
- `reports.py`: asynchronous reports (one in preparation per account: 429 for a second; at most
  10 campaigns and 62 days: 400), ready after some sandbox-clock time, downloaded as a CSV (one
  campaign) or a ZIP of CSVs (several), and the synchronous statistics over the same numbers;
- `misc.py`: the remaining operations (limits, vendor tags, dynamic budget, vendor reports).

Money is in micro-roubles (1,000,000 = 1 RUB) sent as strings, as Ozon does. Request bodies are
checked against the Performance API's operation layer (`oint.apis.performance`) before any route
runs. Routes are `@route(method, template)` functions `(account, call) -> answer`, in their own
table (`ROUTES`), apart from the Seller API's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from oint.core.lazy import load_module

if TYPE_CHECKING:
    from oint.sandbox.model.base import Account

PREFIXES = ("/api/client/", "/external/api/")
TOKEN_PATH = "/api/client/token"
MODULES = ("campaigns", "promo", "reports", "misc")


def is_performance(path: str) -> bool:
    """Whether a request path belongs to the Performance API."""
    return path.startswith(PREFIXES)


@dataclass
class Call:
    """One Performance API request as a route sees it: the JSON body, the query parameters
    (each a list of values: `campaignIds=1&campaignIds=2` and `campaignIds=1,2` alike) and the
    path parameters by name (`campaignId`, `UUID`)."""

    body: dict[str, Any] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    template: str = ""

    def first(self, *names: str) -> str | None:
        """The first value of the first of `names` given in the query, else in the body (as text)."""
        for name in names:
            values = self.query.get(name)
            if values:
                return values[0]
        for name in names:
            value = self.body.get(name)
            if value is not None and value != "":
                return str(value)
        return None

    def many(self, *names: str) -> list[str]:
        """Every value of the first of `names` given, in the query or the body (a list or one value)."""
        for name in names:
            if self.query.get(name):
                return [v for value in self.query[name] for v in value.split(",") if v.strip()]
            value = self.body.get(name)
            if isinstance(value, list):
                return [str(v) for v in value]
            if value is not None and value != "":
                return [str(value)]
        return []


Route = Callable[["Account", Call], Any]
ROUTES: dict[tuple[str, str], Route] = {}


def route(method: str, template: str) -> Callable[[Route], Route]:
    """Register a model function as the answer of a Performance API operation."""

    def deco(fn: Route) -> Route:
        key = (method, template)
        if key in ROUTES:
            raise ValueError(f"route {method} {template} registered twice")
        ROUTES[key] = fn
        return fn

    return deco


def load() -> dict[tuple[str, str], Route]:
    """Import every module of the Performance model; the route table."""
    for name in MODULES:
        load_module(f"{__name__}.{name}")
    return ROUTES


def seed(account: Account) -> None:
    """The demo campaigns of a new account with the demo catalogue (a model module's `seed`)."""
    from oint.sandbox.model.performance import campaigns

    campaigns.seed(account)
