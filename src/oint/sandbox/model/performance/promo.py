"""Pay-per-order promotion (search_promo, all_sku_promo) of the Performance API.

The account has one campaign of type `SEARCH_PROMO` (payment `CPO`), made on first use; its
products are the SKUs promoted, each with a bid in percent of the price (never below the SKU's
minimum, `min_bid`), whether bonuses ("carrots") are on, and the bid before the last change. It
runs while it promotes something. Its spend is the bid's share of what buyers order of those SKUs
(`stats.py`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from oint.sandbox.errors import invalid
from oint.sandbox.model.base import Account
from oint.sandbox.model.performance import Call, campaigns, route
from oint.sandbox.model.performance.campaigns import own_sku, page_of
from oint.sandbox.model.products import find_by_sku, group_page

KIND = "SEARCH_PROMO"
MAX_SKUS = 1000
MAX_PRICE_SKUS = 200


def min_bid(sku: str) -> float:
    """The lowest pay-per-order bid of a SKU, percent of its price (fixed per SKU)."""
    return round(2.0 + random.Random(f"perf:cpo-min:{sku}").randint(0, 30) / 10, 1)


def recommended_bid(sku: str) -> float:
    return round(min_bid(sku) + 1.5 + random.Random(f"perf:cpo-rec:{sku}").randint(0, 40) / 10, 1)


def campaign(account: Account) -> dict[str, Any]:
    """The account's pay-per-order campaign (made the first time it is needed)."""
    for doc in campaigns.all_campaigns(account):
        if doc["advObjectType"] == KIND:
            return doc
    return campaigns.new_campaign(
        account,
        KIND,
        "CPO",
        title="Pay per order",
        placement="PLACEMENT_SEARCH_AND_CATEGORY",
        productCampaignMode="PRODUCT_CAMPAIGN_MODE_AUTO",
        isAutocreated=True,
    )


def _set_state(account: Account, doc: dict[str, Any]) -> None:
    if campaigns.products_at(doc):
        campaigns.start(account, doc)
    else:
        campaigns.stop(account, doc)
    campaigns.save(account, doc)


def enable(account: Account, skus: list[str], bid: float | None = None) -> list[dict[str, Any]]:
    """Promote `skus` (at `bid` percent, else the recommended bid); one answer cell per SKU."""
    doc = campaign(account)
    current = campaigns.products_at(doc)
    cells = []
    for sku in skus:
        chosen = max(bid if bid is not None else recommended_bid(sku), min_bid(sku))
        if sku in current:
            cells.append({"sku": sku, "bid": current[sku]["bid"], "update": False, "error": ""})
            continue
        doc["products"][sku] = {
            "bid": chosen,
            "carrots": False,
            "added_at": account.now,
            "removed_at": None,
            "previous": None,
            "updated_at": account.iso(),
        }
        cells.append({"sku": sku, "bid": chosen, "update": True, "error": ""})
    _set_state(account, doc)
    return cells


def disable(account: Account, skus: list[str]) -> None:
    doc = campaign(account)
    current = campaigns.products_at(doc)
    for sku in skus:
        if sku in current:
            current[sku]["removed_at"] = account.now
    _set_state(account, doc)


def seed(account: Account, skus: list[str]) -> None:
    enable(account, skus)


def _skus(account: Account, call: Call, field: str = "skus", most: int = MAX_SKUS) -> list[str]:
    values = call.many(field)
    if not values:
        raise invalid(f"{field}: at least one SKU is required")
    if len(values) > most:
        raise invalid(f"{field}: at most {most} SKUs")
    return [own_sku(account, v, field) for v in values]


# ------------------------------------------------------------------ routes
@route("POST", "/api/client/search_promo/product/enable")
def product_enable(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/search_promo/product/enable: promote SKUs, paid per order."""
    return {"response": enable(account, _skus(account, call))}


@route("POST", "/api/client/search_promo/product/disable")
def product_disable(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/search_promo/product/disable: stop promoting SKUs."""
    disable(account, _skus(account, call))
    return {}


@route("POST", "/api/client/campaign/search_promo/v2/products")
def products(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/campaign/search_promo/v2/products: the SKUs promoted, a page at a time."""
    page, size = page_of(call, 100)
    doc = campaign(account)
    promoted = sorted(campaigns.products_at(doc).items())
    rows = []
    for sku, p in promoted[(page - 1) * size : page * size]:
        product: Mapping[str, Any] = find_by_sku(account, int(sku)) or {}
        price = float(product.get("price") or 0)
        views = random.Random(f"perf:promo-views:{sku}")
        previous = p.get("previous") or {}
        rows.append(
            {
                "sku": sku,
                "sourceSku": sku,
                "bid": p["bid"],
                "bidWithoutAdditive": p["bid"],
                "carrotsAdditive": 1.0 if p.get("carrots") else 0.0,
                "carrotsStatus": "CARROTS_STATUS_ENABLED" if p.get("carrots") else "CARROTS_STATUS_DISABLED",
                "bidPrice": f"{price * p['bid'] / 100:.2f}",
                "price": f"{price:.2f}",
                "imageUrl": str((product.get("images") or [""])[0] or product.get("primary_image") or ""),
                "isSearchPromoAvailable": True,
                "searchPromoStatus": True,
                "hint": {"campaignId": doc["id"], "organisationTitle": "OInt demo store"},
                "previousBid": {
                    "bid": float(previous.get("bid") or 0),
                    "bidPrice": f"{price * float(previous.get('bid') or 0) / 100:.2f}",
                    "updatedAt": str(previous.get("updated_at") or p.get("updated_at") or ""),
                },
                "views": {
                    "previousWeek": str(views.randint(200, 900)),
                    "thisWeek": str(views.randint(200, 900)),
                },
                "visibilityIndex": str(views.randint(40, 100)),
                "previousVisibilityIndex": str(views.randint(40, 100)),
            }
        )
    return {"products": rows, "total": str(len(promoted))}


@route("POST", "/api/client/campaign/search_promo/v2/bids/set")
def bids_set(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/campaign/search_promo/v2/bids/set: new bids (percent) of promoted SKUs."""
    bids = call.body.get("bids")
    if not isinstance(bids, list) or not bids:
        raise invalid("bids: at least one bid is required")
    doc = campaign(account)
    current = campaigns.products_at(doc)
    cells = []
    for i, item in enumerate(bids):
        if not isinstance(item, dict):
            raise invalid(f"bids[{i}]: expected an object")
        sku = own_sku(account, item.get("sku"), f"bids[{i}].sku")
        bid = item.get("bid")
        if isinstance(bid, bool) or not isinstance(bid, (int, float)):
            raise invalid(f"bids[{i}].bid: expected a number (percent of the price)")
        if sku not in current:
            cells.append({"sku": sku, "bid": float(bid), "update": False, "error": "SKU is not promoted"})
        elif bid < min_bid(sku) or bid > 100:
            error = f"bid must be from {min_bid(sku)} to 100 percent"
            cells.append({"sku": sku, "bid": float(bid), "update": False, "error": error})
        else:
            p = current[sku]
            p["previous"] = {"bid": p["bid"], "updated_at": p.get("updated_at")}
            p["bid"], p["updated_at"] = float(bid), account.iso()
            cells.append({"sku": sku, "bid": float(bid), "update": True, "error": ""})
    campaigns.save(account, doc)
    return {"response": cells}


@route("POST", "/api/client/campaign/search_promo/v2/bids/delete")
def bids_delete(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/campaign/search_promo/v2/bids/delete: the SKUs' bids back to the minimum."""
    doc = campaign(account)
    current = campaigns.products_at(doc)
    for sku in _skus(account, call, "sku"):
        if sku in current:
            current[sku]["bid"] = min_bid(sku)
    campaigns.save(account, doc)
    return {}


def _carrots(account: Account, call: Call, on: bool) -> dict[str, Any]:
    doc = campaign(account)
    current = campaigns.products_at(doc)
    info: dict[str, Any] = {}
    for sku in _skus(account, call):
        if sku in current:
            current[sku]["carrots"] = on
            info[sku] = {"success": True, "error": ""}
        else:
            info[sku] = {"success": False, "error": "SKU is not promoted"}
    campaigns.save(account, doc)
    return {"skuToInfo": info}


@route("POST", "/api/client/campaign/search_promo/carrots/enable")
def carrots_enable(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/campaign/search_promo/carrots/enable: bonuses for buyers on promoted SKUs."""
    return _carrots(account, call, True)


@route("POST", "/api/client/campaign/search_promo/carrots/disable")
def carrots_disable(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/campaign/search_promo/carrots/disable."""
    return _carrots(account, call, False)


@route("GET", "/api/client/products_with_bonuses")
def with_bonuses(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/products_with_bonuses: the promoted SKUs with bonuses on."""
    doc = campaign(account)
    return {"skus": sorted(sku for sku, p in campaigns.products_at(doc).items() if p.get("carrots"))}


@route("POST", "/api/client/search_promo/get_cpo_min_bids")
def cpo_min_bids(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/search_promo/get_cpo_min_bids: the lowest bid of each SKU (percent)."""
    return {"bids": [{"sku": sku, "bid": min_bid(sku)} for sku in _skus(account, call, most=MAX_PRICE_SKUS)]}


@route("POST", "/api/client/search_promo/bids/recommendation")
def recommendation(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/search_promo/bids/recommendation: the bid Ozon suggests per SKU (percent)."""
    skus = _skus(account, call, most=MAX_PRICE_SKUS)
    return {"recommendedBids": {sku: recommended_bid(sku) for sku in skus}}


@route("POST", "/api/client/min/sku")
def min_sku(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/min/sku: the lowest bid of each SKU for a payment type (CPC: roubles a
    click; CPO: percent of the price)."""
    payment = call.first("paymentType") or "CPC"
    if payment not in ("CPC", "CPO", "CPC_TOP"):
        raise invalid(f"paymentType: expected CPC, CPO or CPC_TOP, got {payment!r}")
    skus = _skus(account, call, "sku", most=MAX_PRICE_SKUS)
    if payment == "CPO":
        return {"minBids": [{"sku": sku, "bid": min_bid(sku)} for sku in skus]}
    low = campaigns.MIN_BID / campaigns.MICRO * (2 if payment == "CPC_TOP" else 1)
    return {"minBids": [{"sku": sku, "bid": float(low)} for sku in skus]}


def _all_skus(account: Account) -> list[str]:
    return [str(p["sku"]) for p in group_page(account, "VISIBLE", MAX_SKUS) if p.get("sku")]


@route("GET", "/api/client/campaign/all_sku_promo/activate")
def all_activate(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/campaign/all_sku_promo/activate: promote every product on sale."""
    doc = campaign(account)
    bid = float(doc.get("allSkuBid") or 0) or None
    enable(account, _all_skus(account), bid)
    chosen = bid if bid is not None else max((min_bid(s) for s in _all_skus(account)), default=0.0)
    return {"selectedBid": f"{chosen:.1f}"}


@route("GET", "/api/client/campaign/all_sku_promo/deactivate")
def all_deactivate(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/campaign/all_sku_promo/deactivate: promote nothing."""
    disable(account, list(campaigns.products_at(campaign(account))))
    return {}


@route("GET", "/api/client/campaign/all_sku_promo/set_bid")
def all_set_bid(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/campaign/all_sku_promo/set_bid?bid=P: one bid (percent) for every promoted SKU."""
    text = call.first("bid")
    try:
        bid = float(text or "")
    except ValueError:
        raise invalid(f"bid: expected a number (percent of the price), got {text!r}") from None
    if not 0 < bid <= 100:
        raise invalid(f"bid: expected a percent above 0 and at most 100, got {text!r}")
    doc = campaign(account)
    doc["allSkuBid"] = bid
    for sku, p in campaigns.products_at(doc).items():
        p["previous"] = {"bid": p["bid"], "updated_at": p.get("updated_at")}
        p["bid"], p["updated_at"] = max(bid, min_bid(sku)), account.iso()
    campaigns.save(account, doc)
    return {}
