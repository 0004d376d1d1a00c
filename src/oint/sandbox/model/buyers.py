"""Buyers: orders arrive as sandbox time passes, for what the seller has on sale.

`configure(account, orders_per_day=N, seed=S, fbo_share=F, ...)` (admin route
`POST /__sandbox/buyers`, `oint sandbox buyers --orders-per-day N`) starts them. Orders then
arrive as a Poisson process of that rate: the gap before the k-th order and everything about it
are drawn from random generators seeded by (seed, k), and each arrival is a due item of the
market's queue (`model/market.py`), applied lazily when a request (or a move of the clock) finds
it due. The same seed and the same timeline of requests give the same orders.

An order is for products that are visible (a SKU, a price, not archived) and in stock: on the
seller's FBS/rFBS warehouses (a posting, `model/postings_fbs.py`), or with the share `fbo_share`
on Ozon's FBO stock (`model/fbo_orders.py`); one or two lines from one warehouse, mostly one of
each, at the product's current price. The buyer lives in one of the cities of
`data/cities.json` (weighted by size) and picks a delivery method of the warehouse. A share of
buyers (`cancel_share`) cancels before the parcel leaves; after delivery a share returns it
(`return_share`), writes a review, asks a question about the product or opens a chat.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from oint.sandbox.model import market
from oint.sandbox.model.base import Account
from oint.sandbox.model.products import ProductDoc, get_product, visible
from oint.sandbox.model.stocks import FBO_WAREHOUSE, STOCK
from oint.sandbox.model.warehouses import get_warehouse

MARKET = "market"
KEY = "buyers"
DAY = 86400.0
MAX_ORDERS_PER_DAY = 10_000
DEFAULTS: dict[str, Any] = {
    "orders_per_day": 0.0,
    "seed": 1,
    "fbo_share": 0.0,
    "cancel_share": 0.05,  # of postings, before they leave
    "return_share": 0.08,  # of delivered postings
    "review_share": 0.3,
    "question_share": 0.1,
    "chat_share": 0.1,
}
SHARES = ("fbo_share", "cancel_share", "return_share", "review_share", "question_share", "chat_share")


class BuyersError(ValueError):
    """A setting of the buyers that makes no sense."""


def config(account: Account) -> dict[str, Any]:
    """The buyers' settings and counters of this account ({orders_per_day: 0} when off)."""
    doc: dict[str, Any] = account.get(MARKET, KEY) or {**DEFAULTS, "orders": 0, "missed": 0, "next": ""}
    return doc


def configure(account: Account, **changes: Any) -> dict[str, Any]:
    """Change the buyers' settings (orders_per_day, seed, the shares); the next arrival is drawn
    afresh from now. BuyersError names a bad value."""
    unknown = sorted(set(changes) - set(DEFAULTS))
    if unknown:
        raise BuyersError(f"unknown buyers settings: {unknown} (known: {sorted(DEFAULTS)})")
    cfg = config(account)
    for name, value in changes.items():
        if value is None:
            continue
        if name == "seed":
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                raise BuyersError(f"seed: expected a whole number or a word, got {value!r}")
            cfg[name] = value
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BuyersError(f"{name}: expected a number, got {value!r}")
        if name == "orders_per_day" and not 0 <= value <= MAX_ORDERS_PER_DAY:
            raise BuyersError(f"orders_per_day: expected 0 to {MAX_ORDERS_PER_DAY}, got {value!r}")
        if name in SHARES and not 0 <= value <= 1:
            raise BuyersError(f"{name}: expected a share from 0 to 1, got {value!r}")
        cfg[name] = float(value)
    if cfg.get("next"):
        market.unschedule(account, cfg["next"])
    cfg["next"] = ""
    cfg["since"] = account.iso()
    if cfg["orders_per_day"] > 0:
        k = int(cfg.get("orders", 0)) + int(cfg.get("missed", 0))
        cfg["next"] = market.schedule(account, account.now + _gap(cfg, k), "buyer_arrives", k=k)
    account.put(MARKET, KEY, cfg)
    return cfg


def _gap(cfg: dict[str, Any], k: int) -> float:
    rate = float(cfg["orders_per_day"]) / DAY
    return random.Random(f"{cfg['seed']}:gap:{k}").expovariate(rate)


@market.action("buyer_arrives")
def _arrives(account: Account, data: dict[str, Any]) -> None:
    cfg = config(account)
    if cfg["orders_per_day"] <= 0:
        return
    k = int(data["k"])
    placed = place_order(account, cfg, k)
    cfg["orders" if placed else "missed"] = int(cfg.get("orders" if placed else "missed", 0)) + 1
    cfg["next"] = market.schedule(account, account.now + _gap(cfg, k + 1), "buyer_arrives", k=k + 1)
    account.put(MARKET, KEY, cfg)


# ------------------------------------------------------------------ an order
def cities() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = market.static("cities")["cities"]
    return found


def tables() -> dict[str, Any]:
    found: dict[str, Any] = market.static("market")
    return found


def commission_percent(category_id: int) -> int:
    """The sandbox's commission rate of a category (a fixed pick from the table by its id)."""
    rates: list[int] = tables()["commission_percents"]
    return rates[int(category_id) % len(rates)]


class Offers:
    """What a buyer can order from, found lazily: the keys of the stock documents with stock on
    one side (FBO, or the seller's warehouses); a document is read, and its product checked
    visible, only when a buyer picks it."""

    def __init__(self, account: Account, fbo: bool) -> None:
        self.account = account
        keys = account.store.keys_above_zero(account.client_id, STOCK, "stock")
        self.keys = [k for k in keys if k.endswith(f":{FBO_WAREHOUSE}") == fbo]

    def pick(
        self, rng: random.Random, warehouse: int | None = None, but: int = 0
    ) -> tuple[dict[str, Any], ProductDoc] | None:
        """A (stock document, product) on sale chosen by `rng`, on `warehouse` if given, not of
        product `but`; None when there is none."""
        keys = [k for k in self.keys if (warehouse is None or k.endswith(f":{warehouse}"))]
        keys = [k for k in keys if not k.startswith(f"{but}:")]
        while keys:
            key = rng.choice(keys)
            stock = self.account.get(STOCK, key)
            product = get_product(self.account, stock["product_id"]) if stock else None
            if stock and stock["stock"] > 0 and product is not None and visible(product, "VISIBLE"):
                return stock, product
            keys.remove(key)
            self.keys.remove(key)
        return None


def buyer(rng: random.Random, account: Account) -> dict[str, Any]:
    """A buyer: a city picked by weight, a name, an address, a phone."""
    table = tables()
    places = cities()
    city = rng.choices(places, weights=[c["weight"] for c in places])[0]
    name = f"{rng.choice(table['first_names'])} {rng.choice(table['last_initials'])}."
    return {
        "customer_id": account.next_id("customer_id", 70_000_001),
        "name": name,
        "phone": f"+7 9{rng.randrange(10**8, 10**9):09d}"[:15],
        "city": city["name"],
        "region": city["region"],
        "zip": city["zip"],
        "lat": round(city["lat"] + rng.uniform(-0.05, 0.05), 6),
        "lon": round(city["lon"] + rng.uniform(-0.05, 0.05), 6),
        "address_tail": (
            f"{rng.choice(table['streets'])}, д. {rng.randrange(1, 120)}, кв. {rng.randrange(1, 300)}"
        ),
        "days": city["days"],
    }


def _lines(rng: random.Random, offers: Offers) -> tuple[int, list[dict[str, Any]]] | None:
    """The warehouse and one or two lines of an order (None: nothing on sale)."""
    first = offers.pick(rng)
    if first is None:
        return None
    stock, product = first
    picks = [first]
    if rng.random() < 0.15:
        second = offers.pick(rng, stock["warehouse_id"], but=product["id"])
        if second is not None:
            picks.append(second)
    lines = []
    for s, p in picks:
        want = rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
        price = float(p.get("price") or 0)
        lines.append(
            {
                "product_id": p["id"],
                "sku": p["sku"],
                "offer_id": p["offer_id"],
                "name": p["name"],
                "quantity": min(want, int(s["stock"])),
                "price": f"{price:.2f}",
                "old_price": float(p.get("old_price") or 0) or price,
                "currency_code": p.get("currency_code") or "RUB",
                "commission_percent": commission_percent(p.get("description_category_id") or 0),
                "category_id": p.get("description_category_id") or 0,
            }
        )
    return int(stock["warehouse_id"]), lines


def place_order(account: Account, cfg: dict[str, Any], k: int) -> bool:
    """The k-th buyer orders (False when there is nothing on sale to order)."""
    rng = random.Random(f"{cfg['seed']}:order:{k}")
    fbo = rng.random() < float(cfg.get("fbo_share") or 0)
    chosen = _lines(rng, Offers(account, fbo))
    if chosen is None:
        return False
    warehouse_id, lines = chosen
    who = buyer(rng, account)
    order_id = account.next_id("order_id", 30_000_000_001)
    order_number = f"{order_id % 10**8:08d}-{k % 9999 + 1:04d}"
    if fbo:
        from oint.sandbox.model import fbo_orders

        fbo_orders.create(account, order_id, order_number, lines, who, str(cfg["seed"]), rng)
    else:
        _fbs_posting(account, rng, cfg, order_id, order_number, warehouse_id, lines, who)
    return True


def delivery_method(warehouse: dict[str, Any], code: str) -> dict[str, Any]:
    """A delivery method of a seller's warehouse, with its stable id."""
    table = tables()
    methods = [table["rfbs_delivery_method"]] if warehouse.get("is_rfbs") else table["delivery_methods"]
    index = next((i for i, m in enumerate(methods) if m["code"] == code), 0)
    m = methods[index]
    return {
        "id": method_id(int(warehouse["warehouse_id"]), index),
        "name": m["name"],
        "tpl_provider": m["tpl_provider"],
        "tpl_provider_id": m["tpl_provider_id"],
        "warehouse": warehouse["name"],
        "warehouse_id": warehouse["warehouse_id"],
    }


def delivery_methods(warehouse: dict[str, Any]) -> list[dict[str, Any]]:
    table = tables()
    methods = [table["rfbs_delivery_method"]] if warehouse.get("is_rfbs") else table["delivery_methods"]
    return [delivery_method(warehouse, m["code"]) for m in methods]


def method_id(warehouse_id: int, index: int) -> int:
    """Delivery method ids: derived from the warehouse id, stable."""
    return 20_000_000_000_000 + (warehouse_id % 10**12) * 10 + index + 1


def _fbs_posting(
    account: Account,
    rng: random.Random,
    cfg: dict[str, Any],
    order_id: int,
    order_number: str,
    warehouse_id: int,
    lines: list[dict[str, Any]],
    who: dict[str, Any],
) -> None:
    from oint.sandbox.model import postings_fbs

    warehouse = get_warehouse(account, warehouse_id) or {"warehouse_id": warehouse_id, "name": ""}
    rfbs = bool(warehouse.get("is_rfbs"))
    table = tables()
    if rfbs:
        code, kind, express = "seller", table["rfbs_delivery_method"]["delivery_type"], False
    else:
        m = rng.choices(table["delivery_methods"], weights=[m["share"] for m in table["delivery_methods"]])[0]
        code, kind, express = m["code"], m["delivery_type"], bool(m.get("express"))
    created = account.now
    hours = 3 if express else 24
    shipment = (created // 3600 + hours + 1) * 3600
    number = f"{order_number}-1"
    digits = "".join(ch for ch in number if ch.isdigit())
    doc = {
        "posting_number": number,
        "order_id": order_id,
        "order_number": order_number,
        "scheme": "rfbs" if rfbs else "fbs",
        "seed": str(cfg["seed"]),
        "created_at": account.iso(),
        "in_process_at": account.iso(created + 60),
        "shipment_date": account.iso(shipment),
        "warehouse_id": warehouse_id,
        "delivery_method": delivery_method(warehouse, code),
        "delivery_type": kind,
        "is_express": express,
        "is_premium": rng.random() < 0.2,
        "products": lines,
        "customer": who,
        "barcodes": {
            "upper_barcode": f"%{digits[-9:]}%{order_id % 1000:03d}",
            "lower_barcode": f"2{digits[-12:]:0>12}",
        },
        "marks_required": [ln["sku"] for ln in lines if needs_mark(ln["sku"])],
        "exemplars": {},
        "tracking_number": "",
        "cluster_from": "Москва, МО и Дальние регионы",
    }
    postings_fbs.create(account, doc)
    if rng.random() < float(cfg.get("cancel_share") or 0):
        reasons = [r for r in postings_fbs.cancel_reasons() if r["type_id"] == "buyer"]
        market.schedule(
            account,
            created + rng.uniform(0.3, 20.0) * 3600,
            "buyer_cancel",
            posting_number=number,
            reason_id=rng.choice(reasons)["id"],
        )


def needs_mark(sku: int) -> bool:
    """Whether units of a product carry a mandatory mark (Честный ЗНАК) the seller must scan before
    shipping: the sandbox marks every seventh SKU."""
    return int(sku) % 7 == 0


# ------------------------------------------------------------------ after delivery
@market.action("after_delivery")
def _after_delivery(account: Account, data: dict[str, Any]) -> None:
    """What a buyer does once the parcel arrived: may return it, review it, ask, write."""
    cfg = config(account)
    rng = random.Random(f"{cfg['seed']}:{data['posting_number']}:after")
    now = account.now
    plan = (
        ("return_share", "buyer_returns", (1.0, 7.0)),
        ("review_share", "buyer_reviews", (0.5, 4.0)),
        ("question_share", "buyer_asks", (0.2, 3.0)),
        ("chat_share", "buyer_writes", (0.1, 2.0)),
    )
    for share, name, days in plan:
        if rng.random() < float(cfg.get(share) or 0):
            market.schedule(account, now + rng.uniform(*days) * DAY, name, **data)


def describe(account: Account) -> dict[str, Any]:
    """The buyers' settings and counters, with the moment of the next arrival (admin route)."""
    cfg = config(account)
    nxt = cfg.get("next") or ""
    at = float(nxt.split(":", 1)[0]) if nxt else None
    moment = dt.datetime.fromtimestamp(at, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if at else ""
    return {
        **{k: cfg.get(k, v) for k, v in DEFAULTS.items()},
        "orders": cfg.get("orders", 0),
        "missed": cfg.get("missed", 0),
        "next_order_at": moment,
    }
