"""The Performance API's remaining operations: bid limits, the vendor tag, the dynamic budget."""

from __future__ import annotations

from typing import Any

from oint.sandbox.errors import invalid
from oint.sandbox.model.base import Account
from oint.sandbox.model.performance import Call, campaigns, route

MIN_BUDGET_PER_SKU = 2_000 * campaigns.MICRO  # since 09.2025: 2,000 RUB a SKU


@route("GET", "/api/client/limits/list")
def limits(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/limits/list: the lowest and highest bids by kind of campaign (micro-roubles)."""
    rows = []
    for placement in campaigns.PLACEMENTS:
        rows.append(
            {
                "objectType": "SKU",
                "paymentMethod": "CPC",
                "placement": placement,
                "minBid": float(campaigns.MIN_BID),
                "maxBid": float(campaigns.MAX_BID),
                "categories": [],
            }
        )
    return {"limits": rows}


@route("GET", "/api/client/organisation/vendor_tag")
def vendor_tag(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/organisation/vendor_tag: the tag of the seller's organisation."""
    return {"tag": f"seller-{account.client_id}"}


@route("POST", "/external/api/dynamic_budget")
def dynamic_budget(account: Account, call: Call) -> dict[str, Any]:
    """POST /external/api/dynamic_budget: the smallest budget of a campaign, 2,000 RUB a SKU, for a
    new campaign (`createCampaign.skusCount`) or one gaining SKUs (`updateCampaign`)."""
    create: dict[str, Any] = call.body.get("createCampaign") or {}
    update: dict[str, Any] = call.body.get("updateCampaign") or {}
    if bool(create) == bool(update):
        raise invalid("give one of createCampaign and updateCampaign")
    if create:
        text = str(create.get("skusCount") or "").strip()
        if not text.isdigit() or int(text) < 1:
            raise invalid(f"createCampaign.skusCount: expected a whole number of at least 1, got {text!r}")
        skus = int(text)
    else:
        doc = campaigns.get(account, update.get("campaignId") or "")
        if doc is None:
            raise invalid(f"updateCampaign.campaignId: campaign {update.get('campaignId')!r} not found")
        adding = {str(s) for s in update.get("addingSkus") or ()}
        skus = len(set(campaigns.products_at(doc)) | adding)
    budget = MIN_BUDGET_PER_SKU * max(skus, 1)
    return {
        "campaignBudget": str(budget),
        "dynamicBudget": str(budget // 7),
        "dynamicBudgetType": "DYNAMIC_BUDGET_TYPE_WEEKLY",
        "skuPrice": str(MIN_BUDGET_PER_SKU),
    }
