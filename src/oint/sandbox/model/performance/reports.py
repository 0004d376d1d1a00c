"""Statistics of the Performance API: asynchronous reports and the synchronous figures.

A report (kind `perf_report`, key its UUID) is submitted by `POST /api/client/statistics` (or
`/phrases`, `/attribution`, `/video`, the pay-per-order `statistic/orders|products/generate`,
`statistics/all_sku_promo/...`, `vendors/statistics`), then prepared for `report_seconds` of
sandbox time (`auth.settings`): `NOT_STARTED`, `IN_PROGRESS`, then `OK`
(`GET /api/client/statistics/{UUID}`). Only one report of an account may be in preparation: a
second one while it is gets 429 with Retry-After (the seconds it still needs). A report of more
than 10 campaigns or of a period over 62 days (both ends counted) gets 400. A ready report
downloads (`GET /api/client/statistics/report?UUID=...`) as a CSV file for one campaign, a ZIP of
one CSV per campaign for several; its figures are `stats.rows` up to the moment it became ready.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from typing import Any

from oint.sandbox.errors import invalid, not_found, precondition, rate_limited
from oint.sandbox.model import market
from oint.sandbox.model.base import Account, FileAnswer
from oint.sandbox.model.performance import Call, auth, campaigns, route, stats
from oint.sandbox.model.performance.campaigns import page_of

REPORT = "perf_report"
MAX_CAMPAIGNS = 10
MAX_DAYS = 62
GROUPS = ("NO_GROUP_BY", "DATE", "START_OF_WEEK", "START_OF_MONTH")
CSV, ZIP = "text/csv", "application/zip"


# ------------------------------------------------------------------ request values
def _date(text: str, field: str) -> dt.date:
    try:
        if len(text) > 10:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.timezone.utc).date()
        return dt.date.fromisoformat(text)
    except ValueError:
        raise invalid(f"{field}: expected a date YYYY-MM-DD or a time RFC 3339, got {text!r}") from None


def period(
    call: Call, names: tuple[str, str] = ("dateFrom", "dateTo"), *, limit: bool = True
) -> tuple[dt.date, dt.date]:
    """The period a request names (dateFrom/dateTo, else from/to); 400 when it is missing, upside
    down, or longer than 62 days (`limit`)."""
    low, high = call.first(names[0], "from"), call.first(names[1], "to")
    if low is None or high is None:
        raise invalid(f"{names[0]} and {names[1]} (or from and to) are required")
    first, last = _date(low, names[0]), _date(high, names[1])
    if last < first:
        raise invalid(f"{names[1]} must not be before {names[0]}")
    if limit and (last - first).days + 1 > MAX_DAYS:
        raise invalid(
            f"the period is {(last - first).days + 1} days: a report covers at most {MAX_DAYS} days"
        )
    return first, last


def campaign_ids(account: Account, call: Call, field: str, *, limit: bool = True) -> list[str]:
    """The campaigns a request names (400 for none of the account's, or more than 10 with `limit`)."""
    ids = list(dict.fromkeys(v.strip() for v in call.many(field)))
    if limit and not ids:
        raise invalid(f"{field}: at least one campaign is required")
    if limit and len(ids) > MAX_CAMPAIGNS:
        raise invalid(f"{field}: {len(ids)} campaigns, a report takes at most {MAX_CAMPAIGNS}")
    for campaign_id in ids:
        if campaigns.get(account, campaign_id) is None:
            raise invalid(f"{field}: campaign {campaign_id} not found")
    return ids


# ------------------------------------------------------------------ reports
def _uuid(account: Account, seq: int) -> str:
    h = hashlib.blake2b(f"perf-report:{account.client_id}:{seq}".encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def in_preparation(account: Account) -> list[dict[str, Any]]:
    return [r for r in account.all(REPORT) if r["ready_at"] > account.now]


def submit(account: Account, kind: str, request: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A new report of `kind`, in preparation from now (429 while another one is)."""
    store = account.store
    busy = in_preparation(account)
    if busy:  # (dispatch counts the refusal: this request's changes are undone)
        wait = max(r["ready_at"] for r in busy) - account.now
        raise rate_limited("a report is already being prepared: one report at a time per account", wait)
    seconds = auth.settings(store)["report_seconds"]
    uuid = _uuid(account, account.next_id("perf_report", 1))
    doc = {
        "UUID": uuid,
        "kind": kind,
        "request": request,
        "created_at": account.now,
        "ready_at": account.now + seconds,
        **fields,
    }
    account.put(REPORT, uuid, doc)
    auth.count(store, "reports_started")
    auth.observe_max(store, "max_reports_in_preparation", len(busy) + 1)
    return doc


def state(account: Account, doc: dict[str, Any]) -> str:
    if account.now >= doc["ready_at"]:
        return "OK"
    third = (doc["ready_at"] - doc["created_at"]) / 3
    return "NOT_STARTED" if account.now < doc["created_at"] + third else "IN_PROGRESS"


def status(account: Account, doc: dict[str, Any]) -> dict[str, Any]:
    """A report's state as `GET /api/client/statistics/{UUID}` answers it."""
    ready = state(account, doc) == "OK"
    changed = min(account.now, doc["ready_at"])
    return {
        "UUID": doc["UUID"],
        "state": state(account, doc),
        "createdAt": account.iso(doc["created_at"]),
        "updatedAt": account.iso(changed if ready else doc["created_at"]),
        "request": {k: v for k, v in doc["request"].items() if k in REQUEST_FIELDS},
        "error": "",
        "link": f"/api/client/statistics/report?UUID={doc['UUID']}" if ready else "",
        "kind": doc["kind"],
    }


REQUEST_FIELDS = ("campaigns", "dateFrom", "dateTo", "from", "to", "groupBy")


def _report_of(account: Account, uuid: str) -> dict[str, Any]:
    doc: dict[str, Any] | None = account.get(REPORT, uuid.strip()) if uuid else None
    if doc is None:
        raise not_found(f"report {uuid} not found")
    return doc


def _campaign_report(account: Account, call: Call, kind: str) -> dict[str, Any]:
    ids = campaign_ids(account, call, "campaigns")
    first, last = period(call)
    group = call.first("groupBy") or "DATE"
    if group not in GROUPS:
        raise invalid(f"groupBy: expected one of {', '.join(GROUPS)}, got {group!r}")
    request = {
        "campaigns": ids,
        "dateFrom": first.isoformat(),
        "dateTo": last.isoformat(),
        "groupBy": group,
    }
    doc = submit(account, kind, request, campaigns=ids, first=first.isoformat(), last=last.isoformat())
    return {"UUID": doc["UUID"]}


@route("POST", "/api/client/statistics")
def submit_statistics(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/statistics: a report of campaigns by SKU (and day)."""
    return _campaign_report(account, call, "STATS")


@route("POST", "/api/client/statistics/phrases")
def submit_phrases(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/statistics/phrases."""
    return {**_campaign_report(account, call, "SEARCH_PHRASES"), "vendor": False}


@route("POST", "/api/client/statistics/attribution")
def submit_attribution(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/statistics/attribution."""
    return _campaign_report(account, call, "ATTRIBUTION")


@route("POST", "/api/client/statistics/video")
def submit_video(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/statistics/video."""
    return _campaign_report(account, call, "VIDEO")


def _promo_report(account: Account, call: Call, kind: str, names: tuple[str, str]) -> dict[str, Any]:
    from oint.sandbox.model.performance import promo

    first, last = period(call, names)
    promoted = promo.campaign(account)
    request = {"campaigns": [promoted["id"]], "from": first.isoformat(), "to": last.isoformat()}
    doc = submit(
        account, kind, request, campaigns=[promoted["id"]], first=first.isoformat(), last=last.isoformat()
    )
    return {"UUID": doc["UUID"]}


@route("POST", "/api/client/statistic/orders/generate")
def promo_orders(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/statistic/orders/generate: the pay-per-order promotion's orders."""
    return _promo_report(account, call, "SEARCH_PROMO_ORDERS", ("from", "to"))


@route("POST", "/api/client/statistic/products/generate")
def promo_products(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/statistic/products/generate: the pay-per-order promotion by SKU."""
    return _promo_report(account, call, "SEARCH_PROMO_PRODUCTS", ("from", "to"))


@route("GET", "/api/client/statistics/all_sku_promo/orders/generate")
def all_sku_orders(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/statistics/all_sku_promo/orders/generate?timeBounds.from=...&timeBounds.to=..."""
    return _promo_report(account, call, "SEARCH_PROMO_ORDERS", ("timeBounds.from", "timeBounds.to"))


@route("GET", "/api/client/statistics/all_sku_promo/products/generate")
def all_sku_products(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/statistics/all_sku_promo/products/generate?timeBounds.from=...&timeBounds.to=..."""
    return _promo_report(account, call, "SEARCH_PROMO_PRODUCTS", ("timeBounds.from", "timeBounds.to"))


@route("POST", "/api/client/vendors/statistics")
def submit_vendor(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/vendors/statistics: a report of the seller's brand promotion (vendor)."""
    first, last = period(call)
    kind = call.first("type") or "TRAFFIC_SOURCES"
    request = {"dateFrom": first.isoformat(), "dateTo": last.isoformat(), "type": kind}
    doc = submit(account, "VENDOR", request, campaigns=[], first=first.isoformat(), last=last.isoformat())
    return {"UUID": doc["UUID"]}


@route("GET", "/api/client/statistics/{UUID}")
def report_state(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/statistics/{UUID}: the report's state, and its link once ready."""
    return status(account, _report_of(account, call.params.get("UUID", "")))


@route("GET", "/api/client/vendors/statistics/{UUID}")
def vendor_state(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/vendors/statistics/{UUID}."""
    doc = _report_of(account, call.params.get("UUID", ""))
    answer = status(account, doc)
    return {
        "UUID": answer["UUID"],
        "createdAt": answer["createdAt"],
        "updatedAt": answer["updatedAt"],
        "error": "",
        "link": answer["link"],
        "request": {k: v for k, v in doc["request"].items() if k in ("dateFrom", "dateTo", "type")},
        "state": {"state": answer["state"]},
    }


def _listing(account: Account, call: Call, vendor: bool) -> dict[str, Any]:
    page, size = page_of(call, 100)
    found = sorted(
        (r for r in account.all(REPORT) if (r["kind"] == "VENDOR") == vendor),
        key=lambda r: (-r["created_at"], r["UUID"]),
    )
    items = []
    for doc in found[(page - 1) * size : page * size]:
        meta = status(account, doc)
        name = f"{doc['kind'].lower()} {doc['first']}..{doc['last']}"
        if vendor:
            items.append(
                {
                    "name": name,
                    "meta": {k: v for k, v in meta.items() if k != "kind"}
                    | {
                        "state": {"state": meta["state"]},
                        "request": {
                            k: v for k, v in doc["request"].items() if k in ("dateFrom", "dateTo", "type")
                        },
                    },
                }
            )
        else:
            items.append({"name": name, "campaigns": [{"id": c} for c in doc["campaigns"]], "meta": meta})
    return {"items": items, "total": str(len(found))}


@route("GET", "/api/client/statistics/list")
def list_reports(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/statistics/list: the account's reports, newest first."""
    return _listing(account, call, vendor=False)


@route("GET", "/api/client/statistics/externallist")
def list_external(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/statistics/externallist: the reports made through the API, newest first."""
    return _listing(account, call, vendor=False)


@route("GET", "/api/client/vendors/statistics/list")
def list_vendor(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/vendors/statistics/list."""
    return _listing(account, call, vendor=True)


# ------------------------------------------------------------------ the files
def report_file(account: Account, doc: dict[str, Any]) -> FileAnswer:
    """The file of a ready report: CSV for one campaign, a ZIP of CSVs for several."""
    first, last = dt.date.fromisoformat(doc["first"]), dt.date.fromisoformat(doc["last"])
    group = str(doc["request"].get("groupBy") or "DATE")
    if doc["kind"] == "SEARCH_PROMO_PRODUCTS":
        group = "NO_GROUP_BY"
    if doc["kind"] == "SEARCH_PROMO_ORDERS":
        return FileAnswer(CSV, orders_file(account, doc, first, last))
    if doc["kind"] == "VENDOR":
        return FileAnswer(CSV, vendor_file(account, doc, first, last))
    found = stats.rows(account, doc["campaigns"], first, last, until=doc["ready_at"])
    files = []
    for campaign_id in doc["campaigns"]:
        campaign = campaigns.get(account, campaign_id) or {"id": campaign_id}
        mine = [r for r in found if r.campaign_id == campaign_id]
        files.append((f"{campaign_id}.csv", stats.csv_file(campaign, mine, first, last, group)))
    if len(files) == 1:
        return FileAnswer(CSV, files[0][1])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            info = zipfile.ZipInfo(name, date_time=(first.year, first.month, first.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return FileAnswer(ZIP, out.getvalue())


def vendor_file(account: Account, doc: dict[str, Any], first: dt.date, last: dt.date) -> bytes:
    """A vendor report: the account's advertising by day, every campaign together."""

    ids = [c["id"] for c in campaigns.all_campaigns(account)]
    by_day: dict[dt.date, list[stats.Row]] = {}
    for r in stats.rows(account, ids, first, last, until=doc["ready_at"]):
        by_day.setdefault(r.day, []).append(r)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["Дата", "Показы", "Клики", "Заказы", "Выручка, ₽", "Расход, ₽, с НДС"])
    for day, items in sorted(by_day.items()):
        t = stats.total(items, "", day)
        money = (stats.money(t.revenue), stats.money(t.spend))
        writer.writerow([day.strftime("%d.%m.%Y"), t.views, t.clicks, t.orders, *money])
    return out.getvalue().encode("utf-8")


def orders_file(account: Account, doc: dict[str, Any], first: dt.date, last: dt.date) -> bytes:
    """The pay-per-order promotion's orders: one line per ordered SKU."""

    promoted = campaigns.get(account, doc["campaigns"][0]) if doc["campaigns"] else None
    start = stats.midnight(first)
    end = min(stats.midnight(last) + stats.DAY, doc["ready_at"])
    every = campaigns.all_campaigns(account)
    owners = stats.attributed(account, every, start, end) if promoted and end > start else {}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["Дата", "ID заказа", "Номер заказа", "SKU", "Название товара", "Количество",
                     "Цена продажи, ₽", "Ставка, %", "Расход, ₽"])  # fmt: skip
    if promoted:
        for event in market.events(account, start, end, ("order_created",)):
            day = dt.datetime.fromtimestamp(event["at"], dt.timezone.utc).date()
            for item in event.get("items", ()):
                sku = str(item["sku"])
                if (promoted["id"], sku, day) not in owners:
                    continue
                product = promoted["products"].get(sku)
                bid = float(campaigns.bid_at(product, event["at"]) or 0) if product else 0.0
                price = round(float(item["price"]) * 100)
                writer.writerow([
                    day.strftime("%d.%m.%Y"), event["posting_number"], event["order_number"], sku,
                    item["name"], item["quantity"], stats.money(price), stats.percent(bid),
                    stats.money(round(price * int(item["quantity"]) * bid / 100)),
                ])  # fmt: skip
    return out.getvalue().encode("utf-8")


@route("GET", "/api/client/statistics/report")
def download(account: Account, call: Call) -> FileAnswer:
    """GET /api/client/statistics/report?UUID=...: the file of a ready report."""
    doc = _report_of(account, call.first("UUID") or "")
    if state(account, doc) != "OK":
        raise precondition(f"report {doc['UUID']} is not ready yet (state {state(account, doc)})")
    return report_file(account, doc)


# ------------------------------------------------------------------ synchronous statistics
def _sync_rows(account: Account, call: Call) -> list[stats.Row]:
    ids = campaign_ids(account, call, "campaignIds", limit=False) or [
        c["id"] for c in campaigns.all_campaigns(account)
    ]
    first, last = period(call, limit=False)
    if (last - first).days + 1 > 366:
        raise invalid("the period is longer than a year")
    return stats.rows(account, ids, first, last)


def _titles(account: Account) -> dict[str, str]:
    return {c["id"]: str(c.get("title") or "") for c in campaigns.all_campaigns(account)}


@route("GET", "/api/client/statistics/daily")
def daily(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/statistics/daily: each campaign's figures by day (the sum of its SKUs)."""
    titles = _titles(account)
    by_day: dict[tuple[str, dt.date], list[stats.Row]] = {}
    for r in _sync_rows(account, call):
        by_day.setdefault((r.campaign_id, r.day), []).append(r)
    rows = []
    for (campaign_id, day), items in by_day.items():
        total = stats.total(items, campaign_id, day)
        rows.append(
            {
                "id": campaign_id,
                "title": titles.get(campaign_id, ""),
                "date": day.isoformat(),
                "views": str(total.views),
                "clicks": str(total.clicks),
                "moneySpent": f"{total.spend / 100:.2f}",
                "avgBid": f"{total.avg_cpc / 100:.2f}",
                "orders": str(total.orders),
                "ordersMoney": f"{total.revenue / 100:.2f}",
            }
        )
    return {"contentType": "application/json", "rows": rows}


@route("GET", "/api/client/statistics/expense")
def expense(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/statistics/expense: each campaign's spend by day."""
    titles = _titles(account)
    spent: dict[tuple[str, dt.date], int] = {}
    for r in _sync_rows(account, call):
        spent[(r.campaign_id, r.day)] = spent.get((r.campaign_id, r.day), 0) + r.spend
    rows = [
        {
            "id": campaign_id,
            "title": titles.get(campaign_id, ""),
            "date": day.isoformat(),
            "moneySpent": f"{kopecks / 100:.2f}",
            "bonusSpent": "0.00",
            "prepaymentSpent": "0.00",
        }
        for (campaign_id, day), kopecks in spent.items()
    ]
    return {"contentType": "application/json", "rows": rows}


@route("GET", "/api/client/statistics/campaign/product")
def campaign_product(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/statistics/campaign/product: each product campaign's totals over the period."""
    by_campaign: dict[str, list[stats.Row]] = {}
    for r in _sync_rows(account, call):
        by_campaign.setdefault(r.campaign_id, []).append(r)
    rows = []
    for campaign_id, items in by_campaign.items():
        doc = campaigns.get(account, campaign_id) or {}
        total = stats.total(items, campaign_id, items[0].day)
        rows.append(
            {
                "id": campaign_id,
                "title": str(doc.get("title") or ""),
                "objectType": doc.get("advObjectType", "SKU"),
                "status": doc.get("state", ""),
                "placement": doc.get("placement", ""),
                "weeklyBudget": f"{int(doc.get('weeklyBudget') or 0) / 1_000_000:.2f}",
                "moneySpent": f"{total.spend / 100:.2f}",
                "views": str(total.views),
                "clicks": str(total.clicks),
                "ctr": f"{total.ctr:.2f}",
                "clickPrice": f"{total.avg_cpc / 100:.2f}",
                "orders": str(total.orders),
                "ordersMoney": f"{total.revenue / 100:.2f}",
                "drr": f"{total.drr:.2f}",
                "toCart": str(total.to_cart),
            }
        )
    return {"contentType": "application/json", "rows": rows}


@route("GET", "/api/client/statistics/campaign/media")
def campaign_media(account: Account, call: Call) -> dict[str, Any]:
    """GET /api/client/statistics/campaign/media: banner and video campaigns (the sandbox runs none)."""
    campaign_ids(account, call, "campaignIds", limit=False)
    period(call, limit=False)
    return {"contentType": "application/json", "rows": []}


@route("POST", "/api/client/statistics/products/sku")
def promo_sku_statistics(account: Account, call: Call) -> dict[str, Any]:
    """POST /api/client/statistics/products/sku: pay-per-order figures by SKU and day."""
    from oint.sandbox.model.performance import promo

    ids = campaign_ids(account, call, "campaignIds", limit=False) or [promo.campaign(account)["id"]]
    first, last = period(call)
    rows = []
    for r in stats.rows(account, ids, first, last):
        doc = campaigns.get(account, r.campaign_id) or {"products": {}}
        added = doc["products"].get(r.sku, {}).get("added_at")
        rows.append(
            {
                "campaignId": r.campaign_id,
                "date": r.day.isoformat(),
                "sku": r.sku,
                "price": f"{r.price / 100:.2f}",
                "views": str(r.views),
                "clicks": str(r.clicks),
                "ctr": r.ctr,
                "toCart": str(r.to_cart),
                "avgCpc": f"{r.avg_cpc / 100:.2f}",
                "expense": f"{r.spend / 100:.2f}",
                "orders": str(r.orders),
                "sales": f"{r.revenue / 100:.2f}",
                "modelOrders": "0",
                "modelSales": "0.00",
                "drr": r.drr,
                "dateAdded": account.iso(added) if added is not None else "",
            }
        )
    return {"rows": rows}
