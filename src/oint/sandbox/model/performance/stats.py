"""The numbers of the advertising, derived from the simulated marketplace.

An order a buyer places (`order_created` in the market's event log) for a SKU that a campaign
advertises while it runs is that campaign's order: when several running campaigns hold the SKU,
the one with the lowest id has it. Each (campaign, SKU, day) the campaign ran has views and
clicks: clicks are at least the units ordered (a few clicks per order, and some that ordered
nothing), views many times the clicks, all drawn from `random.Random("perf:<campaign>:<sku>:<day>")`
so that the same timeline always gives the same figures. The spend is clicks x the product's bid
(pay per click: once the campaign's daily budget is spent it shows no more, so its clicks shrink to
fit it, never below the orders) or the bid's percent of the revenue (pay per order). Bids and
budgets are the ones in effect that day.

`rows(account, campaign_ids, first, last, until)` is the one source of the figures: the reports'
CSV files (`csv_file`), the synchronous statistics and the admin's view all read it. Days are
UTC days; `until` (epoch seconds) leaves out what happened after a report was made.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from oint.sandbox.model import market
from oint.sandbox.model.base import Account
from oint.sandbox.model.performance import campaigns
from oint.sandbox.model.products import find_by_sku

DAY = 86400.0


class Row(NamedTuple):
    """One campaign's figures for one SKU on one day. Money in kopecks (integers), so that sums
    are exact; `spend` includes VAT as Ozon's reports do."""

    campaign_id: str
    day: dt.date
    sku: str
    name: str
    price: int  # kopecks
    views: int
    clicks: int
    to_cart: int
    orders: int  # units ordered
    revenue: int  # kopecks
    spend: int  # kopecks

    @property
    def ctr(self) -> float:
        return round(100 * self.clicks / self.views, 2) if self.views else 0.0

    @property
    def avg_cpc(self) -> int:
        return round(self.spend / self.clicks) if self.clicks else 0

    @property
    def drr(self) -> float:
        """Ad spend as a percent of the revenue (ДРР)."""
        return round(100 * self.spend / self.revenue, 2) if self.revenue else 0.0


def midnight(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time(), dt.timezone.utc).timestamp()


def _ran(doc: dict[str, Any], start: float, end: float) -> bool:
    """Whether the campaign ran at some moment of [start, end): active, within its dates."""
    low, high = campaigns.window(doc)
    start, end = max(start, low), end if high is None else min(end, high)
    return any(a < end and (b is None or b > start) for a, b in doc["runs"]) and start < end


def _running_at(doc: dict[str, Any], at: float) -> bool:
    low, high = campaigns.window(doc)
    if at < low or (high is not None and at >= high):
        return False
    return any(a <= at and (b is None or at < b) for a, b in doc["runs"])


def _holds(product: dict[str, Any], at: float) -> bool:
    removed = product.get("removed_at")
    return bool(product["added_at"] <= at and (removed is None or at < removed))


def attributed(
    account: Account, docs: list[dict[str, Any]], start: float, end: float
) -> dict[tuple[str, str, dt.date], list[int]]:
    """(campaign id, SKU, day) -> [units ordered, revenue in kopecks] of the orders in [start, end)
    that the campaigns in `docs` (every campaign of the account, for the lowest-id rule) had."""
    out: dict[tuple[str, str, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    ordered = sorted(docs, key=lambda d: int(d["id"]))
    for event in market.events(account, start, end, ("order_created",)):
        at = float(event["at"])
        day = dt.datetime.fromtimestamp(at, dt.timezone.utc).date()
        for item in event.get("items", ()):
            sku = str(item["sku"])
            owner = next(
                (
                    d["id"]
                    for d in ordered
                    if sku in d["products"] and _holds(d["products"][sku], at) and _running_at(d, at)
                ),
                None,
            )
            if owner is None:
                continue
            units = int(item["quantity"])
            cell = out[(owner, sku, day)]
            cell[0] += units
            cell[1] += round(float(item["price"]) * 100) * units
    return out


def _names(account: Account, skus: Iterable[str]) -> dict[str, tuple[str, int]]:
    out = {}
    for sku in set(skus):
        product: Mapping[str, Any] = (find_by_sku(account, int(sku)) if sku.isdigit() else None) or {}
        out[sku] = (str(product.get("name") or f"SKU {sku}"), round(float(product.get("price") or 0) * 100))
    return out


def rows(
    account: Account, campaign_ids: list[str], first: dt.date, last: dt.date, until: float | None = None
) -> list[Row]:
    """The figures of `campaign_ids` for every (SKU, day) of [first, last] they ran, by campaign
    (in the order given), day, SKU; nothing after `until` (default: the account's time)."""
    until = account.now if until is None else until
    every = campaigns.all_campaigns(account)
    by_id = {d["id"]: d for d in every}
    start, end = midnight(first), min(midnight(last) + DAY, until)
    orders = attributed(account, every, start, end) if end > start else {}
    wanted = [by_id[c] for c in campaign_ids if c in by_id]
    names = _names(account, (sku for d in wanted for sku in d["products"]))
    out: list[Row] = []
    day = first
    days = []
    while day <= last:
        days.append(day)
        day += dt.timedelta(days=1)
    for doc in wanted:
        for day in days:
            low = midnight(day)
            high = min(low + DAY, until)
            if high <= low or not _ran(doc, low, high):
                continue
            cells = []
            for sku in sorted(doc["products"]):
                product = doc["products"][sku]
                removed = product.get("removed_at")
                if product["added_at"] >= high or (removed is not None and removed <= low):
                    continue
                units, revenue = orders.get((doc["id"], sku, day), (0, 0))
                rng = random.Random(f"perf:{doc['id']}:{sku}:{day.isoformat()}")
                clicks = units * rng.randint(4, 12) + rng.randint(0, 9)
                views = clicks * rng.randint(18, 45) + rng.randint(0, 40)
                to_cart = units + (clicks - units) // rng.randint(5, 9)
                bid = campaigns.bid_at(product, high - 0.001)  # the day's (last) bid
                cells.append([sku, views, clicks, to_cart, units, revenue, bid])
            if doc["paymentType"] != "CPO":
                _within_budget(cells, int(campaigns.budget_at(doc, high - 0.001) or 0) // 10_000)
            for sku, views, clicks, to_cart, units, revenue, bid in cells:
                if doc["paymentType"] == "CPO":
                    spend = round(revenue * float(bid or 0) / 100)
                else:
                    spend = clicks * int(bid or 0) // 10_000  # micro-roubles -> kopecks
                name, price = names[sku]
                out.append(
                    Row(doc["id"], day, sku, name, price, views, clicks, to_cart, units, revenue, spend)
                )
    return out


def _within_budget(cells: list[list[Any]], budget: int) -> None:
    """A pay-per-click campaign stops showing once a day's budget (kopecks; 0: none) is spent:
    its SKUs' clicks (and views, additions to the cart) shrink in proportion, never below the
    units ordered, so that clicks x bid stays within it as far as the orders allow."""
    spent = sum(clicks * int(bid or 0) // 10_000 for _, _, clicks, _, _, _, bid in cells)
    if budget <= 0 or spent <= budget:
        return
    for cell in cells:
        _, views, clicks, to_cart, units, _, _ = cell
        kept = max(units, clicks * budget // spent)
        cell[1] = max(kept, views * kept // clicks) if clicks else views
        cell[2] = kept
        cell[3] = min(to_cart, max(units, to_cart * kept // clicks if clicks else to_cart))


# ------------------------------------------------------------------ files
def money(kopecks: int) -> str:
    """Roubles with a decimal comma, as Ozon's CSV reports write them: 1234,50."""
    sign = "-" if kopecks < 0 else ""
    whole, part = divmod(abs(kopecks), 100)
    return f"{sign}{whole},{part:02d}"


def percent(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


HEADER = (
    "Дата",
    "sku",
    "Название товара",
    "Цена товара, ₽",
    "Показы",
    "Клики",
    "CTR (%)",
    "В корзину",
    "Средняя стоимость клика, ₽",
    "Расход, ₽, с НДС",
    "Заказы",
    "Выручка, ₽",
    "ДРР, %",
)
TOTAL = "Всего"


def csv_file(doc: dict[str, Any], found: list[Row], first: dt.date, last: dt.date, group_by: str) -> bytes:
    """One campaign's report: a title line, the header, a line per SKU and day (per SKU with
    `NO_GROUP_BY`, per SKU and week/month start with `START_OF_WEEK` / `START_OF_MONTH`), and the
    total. `;`-separated UTF-8, amounts in roubles with a decimal comma, as Ozon writes them."""
    lines = _grouped(found, group_by)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    title = doc.get("title") or f"Campaign {doc['id']}"
    writer.writerow([f"Кампания № {doc['id']} «{title}», период {first:%d.%m.%Y}-{last:%d.%m.%Y}"])
    writer.writerow(HEADER)
    for r in lines:
        writer.writerow(_cells(r, r.day.strftime("%d.%m.%Y") if group_by != "NO_GROUP_BY" else ""))
    total = _sum(found, doc["id"], "", "", first)
    writer.writerow(_cells(total, TOTAL))
    return out.getvalue().encode("utf-8")


def _cells(r: Row, day: str) -> list[str]:
    return [
        day,
        r.sku,
        r.name,
        money(r.price),
        str(r.views),
        str(r.clicks),
        percent(r.ctr),
        str(r.to_cart),
        money(r.avg_cpc),
        money(r.spend),
        str(r.orders),
        money(r.revenue),
        percent(r.drr),
    ]


def _sum(found: Iterable[Row], campaign_id: str, sku: str, name: str, day: dt.date, price: int = 0) -> Row:
    items = list(found)
    return Row(
        campaign_id,
        day,
        sku,
        name,
        price,
        sum(r.views for r in items),
        sum(r.clicks for r in items),
        sum(r.to_cart for r in items),
        sum(r.orders for r in items),
        sum(r.revenue for r in items),
        sum(r.spend for r in items),
    )


def total(found: Iterable[Row], campaign_id: str, day: dt.date) -> Row:
    """The sum of rows (of one campaign, or of several: `campaign_id` as given)."""
    return _sum(found, campaign_id, "", "", day)


def period_start(day: dt.date, group_by: str) -> dt.date:
    if group_by == "START_OF_WEEK":
        return day - dt.timedelta(days=day.weekday())
    if group_by == "START_OF_MONTH":
        return day.replace(day=1)
    return day


def _grouped(found: list[Row], group_by: str) -> list[Row]:
    if group_by in ("DATE", ""):
        return found
    groups: dict[tuple[dt.date, str], list[Row]] = defaultdict(list)
    for r in found:
        key = (dt.date.min if group_by == "NO_GROUP_BY" else period_start(r.day, group_by), r.sku)
        groups[key].append(r)
    return [
        _sum(items, items[0].campaign_id, sku, items[0].name, day, items[0].price)
        for (day, sku), items in sorted(groups.items())
    ]
