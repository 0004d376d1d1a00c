"""Analytics derived from the marketplace's events and the stock documents.

- `/v1/analytics/data`: metrics of the orders, deliveries, returns and cancellations recorded
  (`revenue`, `ordered_units`, `delivered_units`, `returns`, `cancellations`, `postings`,
  `postings_premium`) by dimensions (sku, spu, day, week, month, year, category1, modelID, brand);
  views, carts and advertising are not simulated and read 0.
- `/v2/analytics/stock_on_warehouses`: what lies on Ozon's warehouses (the FBO stock): free to
  sell, reserved.
- `/v1/analytics/turnover/stocks`: per SKU, average daily sales of the last 60 days (ads), the
  stock (current_stock), the days it lasts (idc) and a grade.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from oint.sandbox.errors import rejected
from oint.sandbox.model import market
from oint.sandbox.model.base import Account, int_id, route, str_list
from oint.sandbox.model.common import page_size
from oint.sandbox.model.fbo import NETWORK
from oint.sandbox.model.products import ALL_FLAGS, CREATED_FLAG, PRODUCT, STOCK_FLAG, find_by_sku, get_product
from oint.sandbox.model.stocks import FBO_WAREHOUSE, STOCK, stocks_of

COUNTED = (
    "revenue",
    "ordered_units",
    "delivered_units",
    "returns",
    "cancellations",
    "postings",
    "postings_premium",
)
DIMENSIONS = (
    "sku",
    "spu",
    "day",
    "week",
    "month",
    "year",
    "category1",
    "category2",
    "category3",
    "category4",
    "brand",
    "modelID",
)
ADS_DAYS = 60
DAY = 86400.0
FBO_WAREHOUSE_NAME = next(w.name for w in NETWORK if w.type == "FULL_FILLMENT")


def _date(value: Any, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise rejected(f"AnalyticsGetDataRequest.{field}", "value must be a date YYYY-MM-DD") from None


def _dimension(
    dim: str, event: dict[str, Any], item: dict[str, Any], names: dict[int, str]
) -> dict[str, str]:
    day = dt.datetime.fromtimestamp(event["at"], dt.timezone.utc).date()
    if dim == "sku":
        return {"id": str(item["sku"]), "name": names.get(item["sku"], item["name"])}
    if dim in ("spu", "modelID"):
        return {"id": str(item["product_id"]), "name": item["name"]}
    if dim == "day":
        return {"id": day.isoformat(), "name": ""}
    if dim == "week":
        start = day - dt.timedelta(days=day.weekday())
        return {"id": start.isoformat(), "name": ""}
    if dim == "month":
        return {"id": day.strftime("%Y-%m"), "name": ""}
    if dim == "year":
        return {"id": str(day.year), "name": ""}
    if dim.startswith("category"):
        return {"id": str(item.get("category_id", 0)), "name": ""}
    return {"id": "", "name": ""}


def metrics(
    account: Account, since: float, until: float, dims: list[str]
) -> dict[tuple[str, ...], dict[str, Any]]:
    """The counted metrics of events in [since, until) grouped by `dims`: {key: {dimensions, values}}."""
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    names: dict[int, str] = {}
    for event in market.events(
        account, since, until, ("order_created", "delivered", "returned", "cancelled")
    ):
        kind = event["type"]
        for item in event["items"]:
            dims_of = [_dimension(d, event, item, names) for d in dims]
            key = tuple(d["id"] for d in dims_of)
            group = groups.setdefault(key, {"dimensions": dims_of, "values": defaultdict(float)})
            q, price = int(item["quantity"]), float(item["price"])
            values = group["values"]
            if kind == "order_created":
                values["ordered_units"] += q
                values["revenue"] += q * price
            elif kind == "delivered":
                values["delivered_units"] += q
            elif kind == "returned":
                values["returns"] += q
            else:
                values["cancellations"] += q
        if kind == "order_created" and event["items"]:
            item = event["items"][0]
            key = tuple(_dimension(d, event, item, names)["id"] for d in dims)
            groups[key]["values"]["postings"] += 1
    return groups


@route("POST", "/v1/analytics/data")
def analytics_data(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Metrics of [date_from, date_to] (whole days) by dimensions; sort, offset/limit (≤1000)."""
    since, until = _date(body.get("date_from"), "DateFrom"), _date(body.get("date_to"), "DateTo")
    if until < since:
        raise rejected("AnalyticsGetDataRequest.DateTo", "value must not be before date_from")
    dims = [d for d in str_list(body, "dimension") if d != "unknownDimension"]
    asked = str_list(body, "metrics")
    if not asked:
        raise rejected("AnalyticsGetDataRequest.Metrics", "value must contain at least 1 item(s)")
    if len(asked) > 14:
        raise rejected("AnalyticsGetDataRequest.Metrics", "value must contain at most 14 item(s)")
    limit = page_size(body, "AnalyticsGetDataRequest", 1000)
    offset = int_id(body.get("offset") or 0, "offset")
    utc = dt.timezone.utc
    start = dt.datetime.combine(since, dt.time(), utc).timestamp()
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), utc).timestamp()
    groups = metrics(account, start, end, dims)
    for flt in body.get("filters") or []:
        key, op, value = str(flt.get("key") or ""), str(flt.get("op") or "EQ"), str(flt.get("value") or "")
        if key in dims:
            i = dims.index(key)
            groups = {k: g for k, g in groups.items() if _compare(k[i], op, value)}
    rows = [
        {"dimensions": g["dimensions"], "metrics": [round(float(g["values"].get(m, 0.0)), 2) for m in asked]}
        for _, g in sorted(groups.items())
    ]
    for order in reversed(body.get("sort") or []):
        key = str(order.get("key") or "")
        if key in asked:
            i = asked.index(key)
            rows.sort(
                key=lambda r: r["metrics"][i], reverse=str(order.get("order") or "ASC").upper() == "DESC"
            )
    totals = [round(sum(r["metrics"][i] for r in rows), 2) for i in range(len(asked))]
    return {
        "result": {"data": rows[offset : offset + limit], "totals": totals},
        "timestamp": dt.datetime.fromtimestamp(account.now, utc).strftime("%Y-%m-%d %H:%M:%S"),
    }


def _compare(left: str, op: str, right: str) -> bool:
    try:
        a, b = float(left), float(right)
    except ValueError:
        return left == right if op == "EQ" else False
    return {"EQ": a == b, "GT": a > b, "GTE": a >= b, "LT": a < b, "LTE": a <= b}.get(op, False)


@route("POST", "/v2/analytics/stock_on_warehouses")
def stock_on_warehouses(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The FBO stock per SKU: free to sell and reserved; offset/limit (≤1000)."""
    limit = page_size(body, "AnalyticsGetStockOnWarehousesRequest", 1000)
    offset = int_id(body.get("offset") or 0, "offset")
    rows = []
    kept = account.store.fields(account.client_id, STOCK, ("warehouse_id",))
    fbo = [key for key, warehouse in kept if warehouse == FBO_WAREHOUSE]
    for stock in account.store.get_many(account.client_id, STOCK, fbo):
        product = get_product(account, stock["product_id"])
        if product is None or not product.get("sku"):
            continue
        rows.append(
            {
                "sku": product["sku"],
                "item_code": product["offer_id"],
                "item_name": product["name"],
                "free_to_sell_amount": max(0, stock["stock"]),
                "reserved_amount": stock["reserved"],
                "promised_amount": 0,
                "warehouse_name": FBO_WAREHOUSE_NAME,
            }
        )
    return {"result": {"rows": rows[offset : offset + limit]}}


def _grade(ads: float, idc: float) -> str:
    if ads <= 0:
        return "GRADES_NOSALES"
    if idc < 7:
        return "GRADES_CRITICAL"
    if idc < 28:
        return "GRADES_RED"
    if idc < 60:
        return "GRADES_YELLOW"
    return "GRADES_GREEN"


@route("POST", "/v1/analytics/turnover/stocks")
def turnover(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Per SKU with stock or sales: ads over the last 60 days, stock, days of cover, grade."""
    limit = int_id(body.get("limit") or 100, "limit")
    if not 1 <= limit <= 1000:
        raise rejected("StocksTurnoverRequest.Limit", "value must be inside range [1, 1000]")
    offset = int_id(body.get("offset") or 0, "offset")
    wanted = {int_id(s, "sku") for s in str_list(body, "sku")}
    sold: dict[int, int] = defaultdict(int)
    for event in market.events(account, account.now - ADS_DAYS * DAY, None, ("order_created", "cancelled")):
        for item in event["items"]:
            sold[item["sku"]] += int(item["quantity"]) * (1 if event["type"] == "order_created" else -1)
    # SKUs with stock present, in SKU order from the products' tag index (only as many as the page
    # needs: the catalogue is never read whole), merged with the SKUs sold
    stocked_tags = [f for f in range(ALL_FLAGS) if f & CREATED_FLAG and f & STOCK_FLAG]
    product_of: dict[int, int] = {}
    if not wanted:
        for sku, key in account.store.tagged_positions(
            account.client_id, PRODUCT, stocked_tags, offset + limit, order="sku"
        ):
            product_of[int(sku)] = int(key)
    candidates = sorted(wanted or (set(product_of) | set(sold)))
    items = []
    for sku in candidates if wanted else candidates[offset : offset + limit]:
        found = get_product(account, product_of[sku]) if sku in product_of else find_by_sku(account, sku)
        card: dict[str, Any] = dict(found) if found else {}
        units = stocks_of(account, int(card["id"])) if card else []
        stock = sum(max(0, int(s["stock"])) + int(s["reserved"]) for s in units)
        if not stock and sku not in sold:
            continue  # (a SKU asked for, without stock or sales)
        ads = round(max(0, sold.get(sku, 0)) / ADS_DAYS, 2)
        idc = round(stock / ads, 1) if ads else 0.0
        items.append(
            {
                "sku": sku,
                "offer_id": card.get("offer_id", ""),
                "name": card.get("name", ""),
                "ads": ads,
                "current_stock": stock,
                "idc": idc,
                "idc_grade": _grade(ads, idc),
                "turnover": idc,
                "turnover_grade": _grade(ads, idc),
            }
        )
    if wanted:
        items = items[offset : offset + limit]
    return {"items": items}
