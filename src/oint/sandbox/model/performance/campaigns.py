"""Campaigns of the Performance API, their products and bids.

A campaign document (kind `perf_campaign`, key its id) holds what `GET /api/client/campaign`
lists, plus `runs` — the intervals of sandbox time it was running ([start, end], end None while
it runs), which the statistics read — and `products`, by SKU: `{bid, added_at, removed_at, ...}`
(a removed product stays, with the moment it left, so that past statistics stay the same).

Kinds of campaign: `SKU` (pay per click, `POST /api/client/campaign/cpc/v2/product`) and the
account's one `SEARCH_PROMO` campaign (pay per order, `promo.py`). Bids of CPC products are in
micro-roubles (strings); pay-per-order bids are percents of the price.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from oint.sandbox.errors import invalid, not_found, precondition
from oint.sandbox.model.base import Account
from oint.sandbox.model.performance import Call, route
from oint.sandbox.model.products import find_by_sku, group_page

CAMPAIGN = "perf_campaign"
FIRST_ID = 11_000_001
MICRO = 1_000_000
MIN_BID = 3 * MICRO  # 3 RUB a click
MAX_BID = 5_000 * MICRO
MAX_PRODUCTS = 500  # products per campaign
RUNNING, INACTIVE, PLANNED, STOPPED, ARCHIVED, FINISHED = (
    "CAMPAIGN_STATE_RUNNING",
    "CAMPAIGN_STATE_INACTIVE",
    "CAMPAIGN_STATE_PLANNED",
    "CAMPAIGN_STATE_STOPPED",
    "CAMPAIGN_STATE_ARCHIVED",
    "CAMPAIGN_STATE_FINISHED",
)
PLACEMENTS = ("PLACEMENT_TOP_PROMOTION", "PLACEMENT_SEARCH_AND_CATEGORY")
STRATEGIES = ("MAX_CLICKS", "TOP_MAX_CLICKS", "TARGET_BIDS", "TOP_PROMOTION", "NO_AUTO_STRATEGY")
LISTED = (  # the fields of a campaign the API shows (ExtcampaignCampaignInList)
    "id",
    "advObjectType",
    "autopilot",
    "autostopStatus",
    "budget",
    "createdAt",
    "dailyBudget",
    "fromDate",
    "isAutocreated",
    "paymentType",
    "placement",
    "productAutopilotStrategy",
    "productCampaignMode",
    "state",
    "toDate",
    "updatedAt",
    "weeklyBudget",
)


# ------------------------------------------------------------------ documents
def get(account: Account, campaign_id: Any) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = account.get(CAMPAIGN, str(campaign_id).strip())
    return doc


def campaign_of(account: Account, call: Call) -> dict[str, Any]:
    """The campaign a path names (`{campaignId}`): 404 when the account has none of that id."""
    campaign_id = call.params.get("campaignId", "")
    doc = get(account, campaign_id) if campaign_id.isdigit() else None
    if doc is None:
        raise not_found(f"campaign {campaign_id} not found")
    return doc


def all_campaigns(account: Account) -> list[dict[str, Any]]:
    return sorted(account.all(CAMPAIGN), key=lambda c: int(c["id"]))


def save(account: Account, doc: dict[str, Any]) -> None:
    """Write the campaign; a product whose bid changed keeps when it did (`bids`: [[at, bid]]), and
    the campaign its daily budgets (`budgets`), so that the figures of a past day use that day's."""
    doc["updatedAt"] = account.iso()
    budgets = doc.setdefault("budgets", [])
    if not budgets or budgets[-1][1] != doc["dailyBudget"]:
        budgets.append([account.now, doc["dailyBudget"]])
    for product in doc["products"].values():
        history = product.setdefault("bids", [])
        if not history or history[-1][1] != product["bid"]:
            history.append([account.now, product["bid"]])
    account.put(CAMPAIGN, doc["id"], doc)


def bid_at(product: dict[str, Any], moment: float) -> Any:
    """The product's bid in effect at `moment` (its first one before it had any)."""
    return _at(product.get("bids") or [[0.0, product["bid"]]], moment)


def budget_at(doc: dict[str, Any], moment: float) -> Any:
    """The campaign's daily budget (micro-roubles; "0": none) in effect at `moment`."""
    return _at(doc.get("budgets") or [[0.0, doc["dailyBudget"]]], moment)


def _at(history: list[list[Any]], moment: float) -> Any:
    found = history[0][1]
    for at, bid in history:
        if at > moment:
            break
        found = bid
    return found


def new_campaign(account: Account, kind: str, payment: str, **fields: Any) -> dict[str, Any]:
    campaign_id = str(account.next_id("perf_campaign", FIRST_ID))
    doc: dict[str, Any] = {
        "id": campaign_id,
        "title": fields.pop("title", f"Campaign {campaign_id}"),
        "advObjectType": kind,
        "paymentType": payment,
        "state": INACTIVE,
        "placement": PLACEMENTS[0],
        "productAutopilotStrategy": "NO_AUTO_STRATEGY",
        "productCampaignMode": "PRODUCT_CAMPAIGN_MODE_MANUAL",
        "autostopStatus": "AUTOSTOP_STATUS_NONE",
        "autopilot": {"categoryId": "0", "skuAddMode": "PRODUCT_SKU_ADD_MODE_MANUAL"},
        "budget": "0",
        "dailyBudget": "0",
        "weeklyBudget": "0",
        "fromDate": dt.datetime.fromtimestamp(account.now, dt.timezone.utc).date().isoformat(),
        "toDate": "",
        "isAutocreated": False,
        "createdAt": account.iso(),
        "runs": [],
        "products": {},
        **fields,
    }
    save(account, doc)
    return doc


def listed(doc: dict[str, Any], now: float) -> dict[str, Any]:
    """A campaign as the list shows it: the schema's fields and its title, as Ozon's list has it."""
    return {**shown(doc, now), "advObjectType": doc["advObjectType"], "title": doc["title"]}


def shown(doc: dict[str, Any], now: float) -> dict[str, Any]:
    """The fields of a campaign the API shows, its state as of `now` (see `state_at`)."""
    out = {name: doc[name] for name in LISTED if name in doc and name != "advObjectType"}
    out["state"] = state_at(doc, now)
    return out


def window(doc: dict[str, Any]) -> tuple[float, float | None]:
    """The moments its dates allow it to run in: from the start of `fromDate` to the end of
    `toDate` (UTC days; no end without one)."""
    low = _midnight(doc["fromDate"]) if doc.get("fromDate") else 0.0
    high = _midnight(doc["toDate"]) + 86400 if doc.get("toDate") else None
    return low, high


def _midnight(day: str) -> float:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), dt.timezone.utc).timestamp()


def state_at(doc: dict[str, Any], now: float) -> str:
    """An active campaign is PLANNED before its `fromDate`, FINISHED after its `toDate`, else its
    state as set (RUNNING, INACTIVE, ...)."""
    if doc["state"] != RUNNING:
        return str(doc["state"])
    low, high = window(doc)
    if now < low:
        return PLANNED
    if high is not None and now >= high:
        return FINISHED
    return RUNNING


def is_running(doc: dict[str, Any]) -> bool:
    return bool(doc["runs"]) and doc["runs"][-1][1] is None


def start(account: Account, doc: dict[str, Any]) -> None:
    if not is_running(doc):
        doc["runs"].append([account.now, None])
    doc["state"] = RUNNING


def stop(account: Account, doc: dict[str, Any], state: str = INACTIVE) -> None:
    if is_running(doc):
        doc["runs"][-1][1] = account.now
    doc["state"] = state


def products_at(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The products in the campaign now, by SKU."""
    return {sku: p for sku, p in doc["products"].items() if p.get("removed_at") is None}


# ------------------------------------------------------------------ request values
def micro(value: Any, field: str, *, low: int = 0, high: int | None = None) -> str:
    """A money field in micro-roubles (a whole number, as a string): 400 when it is not one."""
    text = str(value).strip()
    if not text.isdigit():
        raise invalid(f"{field}: expected a whole number of micro-roubles as a string, got {value!r}")
    number = int(text)
    if number < low or (high is not None and number > high):
        span = f"{low} to {high}" if high is not None else f"at least {low}"
        raise invalid(f"{field}: {number} is out of range ({span} micro-roubles)")
    return str(number)


def day(value: Any, field: str) -> str:
    text = str(value).strip()
    if not text:
        return ""
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise invalid(f"{field}: expected a date YYYY-MM-DD, got {value!r}") from None


def own_sku(account: Account, value: Any, field: str = "sku") -> str:
    """A SKU of one of the account's products on sale: 400 otherwise."""
    text = str(value).strip()
    product = find_by_sku(account, int(text)) if text.isdigit() else None
    if product is None:
        raise invalid(f"{field}: {value!r} is not a SKU of this seller's products")
    return text


def competitive_bid(sku: str) -> int:
    """What other sellers bid on a SKU's searches (micro-roubles; fixed per SKU)."""
    return (8 + random.Random(f"perf:competitive:{sku}").randint(0, 60)) * MICRO


# ------------------------------------------------------------------ routes
@route("GET", "/api/client/campaign")
def list_campaigns(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/campaign: the account's campaigns, filtered by ids, type and state."""
    ids = set(call.many("campaignIds"))
    kind, state = call.first("advObjectType"), call.first("state")
    found = [
        c
        for c in all_campaigns(account)
        if (not ids or c["id"] in ids)
        and (not kind or c["advObjectType"] == kind)
        and (not state or state_at(c, account.now) == state)
    ]
    page, size = page_of(call)
    chosen = found[(page - 1) * size : page * size] if size else found
    return {"list": [listed(c, account.now) for c in chosen]}


def page_of(call: Call, default_size: int = 0) -> tuple[int, int]:
    """(page from 1, page size; 0: everything) of a request's `page` / `pageSize`."""
    out = []
    for name, default in (("page", 1), ("pageSize", default_size)):
        text = call.first(name)
        if text is None:
            out.append(default)
            continue
        if not text.strip().isdigit():
            raise invalid(f"{name}: expected a whole number, got {text!r}")
        out.append(int(text))
    page, size = out
    return max(page, 1), size if size > 0 else default_size


@route("POST", "/api/client/campaign/cpc/v2/product")
def create_cpc(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/campaign/cpc/v2/product: a new pay-per-click product campaign (inactive
    until it has products and is activated)."""
    body = call.body
    fields: dict[str, Any] = {}
    if body.get("title"):
        fields["title"] = str(body["title"])[:200]
    placement = body.get("placement") or PLACEMENTS[0]
    if placement not in PLACEMENTS:
        raise invalid(f"placement: expected one of {', '.join(PLACEMENTS)}, got {placement!r}")
    strategy = body.get("productAutopilotStrategy") or "NO_AUTO_STRATEGY"
    if strategy not in STRATEGIES:
        raise invalid(f"productAutopilotStrategy: expected one of {', '.join(STRATEGIES)}, got {strategy!r}")
    for name in ("dailyBudget", "weeklyBudget"):
        if body.get(name) not in (None, ""):
            fields[name] = micro(body[name], name)
    for name in ("fromDate", "toDate"):
        if body.get(name):
            fields[name] = day(body[name], name)
    doc = new_campaign(
        account, "SKU", "CPC", placement=placement, productAutopilotStrategy=strategy, **fields
    )
    return {"campaignId": doc["id"]}


@route("PATCH", "/api/client/campaign/{campaignId}")
def patch(account: Account, call: Call) -> dict[str, Any]:
    """PATCH /api/client/campaign/{campaignId}: budgets, dates, autopilot."""
    doc = campaign_of(account, call)
    body = call.body
    for name in ("budget", "dailyBudget", "weeklyBudget"):
        if body.get(name) not in (None, ""):
            doc[name] = micro(body[name], name)
    for name in ("fromDate", "toDate"):
        if body.get(name) is not None:
            doc[name] = day(body[name], name)
    if doc["toDate"] and doc["fromDate"] and doc["toDate"] < doc["fromDate"]:
        raise invalid("toDate: must not be before fromDate")
    if isinstance(body.get("autopilot"), dict):
        doc["autopilot"] = {**doc["autopilot"], **{k: str(v) for k, v in body["autopilot"].items()}}
    save(account, doc)
    return {"campaignId": doc["id"]}


@route("POST", "/api/client/campaign/{campaignId}/activate")
def activate(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/campaign/{campaignId}/activate: it runs (a campaign without products cannot)."""
    doc = campaign_of(account, call)
    if doc["state"] == ARCHIVED:
        raise precondition(f"campaign {doc['id']} is archived")
    if not products_at(doc):
        raise precondition(f"campaign {doc['id']} has no products to advertise")
    start(account, doc)
    save(account, doc)
    return shown(doc, account.now)


@route("POST", "/api/client/campaign/{campaignId}/deactivate")
def deactivate(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/campaign/{campaignId}/deactivate: it stops running."""
    doc = campaign_of(account, call)
    stop(account, doc)
    save(account, doc)
    return shown(doc, account.now)


@route("GET", "/api/client/campaign/{campaignId}/objects")
def objects(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/campaign/{campaignId}/objects: what it advertises (its SKUs)."""
    doc = campaign_of(account, call)
    return {"list": [{"id": sku} for sku in products_at(doc)]}


def _bids(account: Account, call: Call) -> list[tuple[str, dict[str, Any]]]:
    bids = call.body.get("bids")
    if not isinstance(bids, list) or not bids:
        raise invalid("bids: at least one product is required")
    out = []
    for i, item in enumerate(bids):
        if not isinstance(item, dict):
            raise invalid(f"bids[{i}]: expected an object")
        sku = own_sku(account, item.get("sku"), f"bids[{i}].sku")
        fields: dict[str, Any] = {}
        if item.get("bid") not in (None, ""):
            fields["bid"] = micro(item["bid"], f"bids[{i}].bid", low=MIN_BID, high=MAX_BID)
        for name in ("targetCir", "topPosition"):
            if item.get(name) is not None:
                fields[name] = item[name]
        out.append((sku, fields))
    return out


@route("POST", "/api/client/campaign/{campaignId}/products")
def add_products(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/campaign/{campaignId}/products: products with their bids (a product without
    a bid gets the competitive one)."""
    doc = campaign_of(account, call)
    bids = _bids(account, call)
    current = products_at(doc)
    if len(set(current) | {sku for sku, _ in bids}) > MAX_PRODUCTS:
        raise invalid(f"bids: a campaign holds at most {MAX_PRODUCTS} products")
    for sku, fields in bids:
        if sku in current:
            raise invalid(f"bids: SKU {sku} is already in campaign {doc['id']} (PUT changes its bid)")
        doc["products"][sku] = {
            "bid": str(competitive_bid(sku)),
            **fields,
            "added_at": account.now,
            "removed_at": None,
        }
    save(account, doc)
    return {}


@route("PUT", "/api/client/campaign/{campaignId}/products")
def update_products(account: Account, call: Call) -> dict[str, Any]:
    """PUT /api/client/campaign/{campaignId}/products: new bids of products in the campaign."""
    doc = campaign_of(account, call)
    current = products_at(doc)
    for sku, fields in _bids(account, call):
        if sku not in current:
            raise invalid(f"bids: SKU {sku} is not in campaign {doc['id']}")
        current[sku].update(fields)
    save(account, doc)
    return {}


@route("POST", "/api/client/campaign/{campaignId}/products/delete")
def delete_products(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/campaign/{campaignId}/products/delete: products leave the campaign."""
    doc = campaign_of(account, call)
    skus = call.many("sku")
    if not skus:
        raise invalid("sku: at least one SKU is required")
    current = products_at(doc)
    for sku in skus:
        if sku in current:
            current[sku]["removed_at"] = account.now
    if not products_at(doc) and is_running(doc):
        stop(account, doc)
    save(account, doc)
    return {}


@route("GET", "/api/client/campaign/{campaignId}/v2/products")
def list_products(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/campaign/{campaignId}/v2/products: its products and bids, a page at a time."""
    doc = campaign_of(account, call)
    page, size = page_of(call, 100)
    rows = [
        {
            "sku": sku,
            "bid": str(p["bid"]),  # (of the pay-per-order campaign: a percent)
            "targetCir": float(p.get("targetCir") or 0),
            "topPosition": str(p.get("topPosition") or ""),
        }
        for sku, p in sorted(products_at(doc).items())
    ]
    return {"products": rows[(page - 1) * size : page * size]}


@route("GET", "/api/client/campaign/{campaignId}/products/bids/competitive")
def competitive(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/campaign/{campaignId}/products/bids/competitive: other sellers' bids by SKU."""
    doc = campaign_of(account, call)
    skus = call.many("skus") or list(products_at(doc))
    if len(skus) > 200:
        raise invalid("skus: at most 200 SKUs")
    return {
        "campaignId": doc["id"],
        "bids": [{"sku": sku, "bid": str(competitive_bid(sku))} for sku in skus],
    }


# ------------------------------------------------------------------ the demo's campaigns
def seed(account: Account) -> None:
    """Two pay-per-click campaigns over the demo's products on sale (one running, one not) and
    the pay-per-order promotion of the third."""
    from oint.sandbox.model.performance import promo

    on_sale = [p for p in group_page(account, "VISIBLE", 10) if p.get("sku")]
    if not on_sale:
        return
    skus = [str(p["sku"]) for p in on_sale]
    running = new_campaign(
        account,
        "SKU",
        "CPC",
        title="Protective films: search",
        dailyBudget=str(2_000 * MICRO),
        weeklyBudget=str(14_000 * MICRO),
    )
    for sku, bid in zip(skus[:2], (35, 28), strict=False):
        running["products"][sku] = {"bid": str(bid * MICRO), "added_at": account.now, "removed_at": None}
    start(account, running)
    save(account, running)
    idle = new_campaign(account, "SKU", "CPC", title="Cases: recommendations", placement=PLACEMENTS[1])
    idle["products"][skus[-1]] = {"bid": str(20 * MICRO), "added_at": account.now, "removed_at": None}
    save(account, idle)
    promo.seed(account, skus[-1:])
