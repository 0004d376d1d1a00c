"""Money: finance transactions, their totals, the cash-flow statement and the realization report,
all derived from the marketplace's events (`model/market.py`), never stored twice.

Each delivered posting is a sale (`OperationAgentDeliveredToCustomer`): the price of its items
(accruals_for_sale), the category's commission (sale_commission, negative) and the logistics of
the parcel (services: direct flow and last mile, by the tariff of `data/market.json`). Each return
gives the price back (`ClientReturnAgentOperation`: accruals negative, the commission returned,
the return logistics), an rFBS compensation pays part of it (`ClientReturnAgentOperation`
without goods). Amounts are in kopecks inside and rounded to 2 decimals outside, so that every
operation's `amount` is exactly the sum of its parts and the totals the sum of the operations.

The accruals (`/v1/finance/accrual/by-day`, one day a request; `/v1/finance/accrual/postings`;
`/v1/finance/accrual/types`), the successors of the transactions, split the same operations per
SKU and accrual type (`accrual_fees`): a day's accruals add up to the transactions' totals of
that day, kopeck for kopeck.

For the web view: `transactions(account, since, until)`, `totals(account, since, until)` and
`count(account)`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from typing import Any

from oint.sandbox.errors import invalid, rejected
from oint.sandbox.model import market
from oint.sandbox.model.base import Account, int_id, route
from oint.sandbox.model.buyers import tables
from oint.sandbox.model.fbo import parse_time
from oint.sandbox.model.products import find_by_sku

MONEY_EVENTS = ("delivered", "returned", "compensation")
MAX_PERIOD = dt.timedelta(days=32)  # /v3/finance/transaction/list and totals: one month at most
MAX_STATEMENT = dt.timedelta(days=366)  # the cash-flow statement: a year at most (the sandbox's bound)
TYPE_OF = {"delivered": "orders", "returned": "returns", "compensation": "returns"}
OPERATION = {
    "delivered": ("OperationAgentDeliveredToCustomer", "Доставка покупателю"),
    "returned": ("ClientReturnAgentOperation", "Получение возврата от покупателя"),
    "compensation": ("ClientReturnAgentOperation", "Частичная компенсация покупателю"),
}
TRANSACTION_TYPES = ("all", "orders", "returns", "services", "compensation", "transferDelivery", "other")


def _kop(value: float) -> int:
    return round(value * 100)


def _rub(kop: int) -> float:
    return round(kop / 100, 2)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def logistics(price_kop: int) -> tuple[int, int]:
    """(direct flow, last mile) of a parcel worth `price_kop`, in kopecks (charged: positive)."""
    t = tables()["logistics"]
    direct = _clamp(
        round(price_kop * t["direct_percent"] / 100), t["direct_min"] * 100, t["direct_max"] * 100
    )
    last = _clamp(
        round(price_kop * t["last_mile_percent"] / 100), t["last_mile_min"] * 100, t["last_mile_max"] * 100
    )
    return direct, last


def operation(event: dict[str, Any]) -> dict[str, Any]:
    """The finance operation of a money event, with amounts in roubles (and `_kop`: its parts in
    kopecks, for the totals)."""
    kind = event["type"]
    sale = sum(_kop(float(i["price"])) * int(i["quantity"]) for i in event["items"])
    commission = sum(
        _kop(float(i["price"]) * int(i["quantity"]) * i["commission_percent"] / 100) for i in event["items"]
    )
    services: list[tuple[str, int]] = []
    if kind == "delivered":
        accruals, fee = sale, -commission
        direct, last = logistics(sale)
        services = [
            ("MarketplaceServiceItemDirectFlowLogistic", -direct),
            ("MarketplaceServiceItemDelivToCustomer", -last),
        ]
    elif kind == "returned":
        accruals, fee = -sale, commission
        services = [("MarketplaceServiceItemReturnFlowLogistic", -tables()["logistics"]["return_flat"] * 100)]
    else:  # compensation: part of the price paid back, no goods
        accruals, fee = -_kop(float(event["amount"])), 0
    amount = accruals + fee + sum(p for _, p in services)
    name, title = OPERATION[kind]
    moment = dt.datetime.fromtimestamp(event["at"], dt.timezone.utc)
    return {
        "operation_id": 30_000_000_000 + int(event["seq"]),
        "operation_type": name,
        "operation_type_name": title,
        "operation_date": moment.strftime("%Y-%m-%d %H:%M:%S"),
        "type": TYPE_OF[kind],
        "accruals_for_sale": _rub(accruals),
        "sale_commission": _rub(fee),
        "delivery_charge": 0,
        "return_delivery_charge": 0,
        "amount": _rub(amount),
        "items": [{"name": i["name"], "sku": i["sku"]} for i in event["items"]],
        "services": [{"name": n, "price": _rub(p)} for n, p in services],
        "posting": {
            "delivery_schema": event["scheme"].upper(),
            "order_date": event["order_date"][:19].replace("T", " "),
            "posting_number": event["posting_number"],
            "warehouse_id": event["warehouse_id"],
        },
        "_kop": {
            "accruals": accruals,
            "commission": fee,
            "services": [p for _, p in services],
            "amount": amount,
            "kind": kind,
        },
    }


def transactions(
    account: Account, since: float | None = None, until: float | None = None, posting_number: str = ""
) -> list[dict[str, Any]]:
    """The finance operations of [since, until), oldest first (for the web view too)."""
    out = []
    for event in market.events(account, since, until, MONEY_EVENTS):
        if posting_number and event["posting_number"] != posting_number:
            continue
        out.append(operation(event))
    return out


def count(account: Account) -> int:
    """For the web view: how many operations `transactions` gives in all (one a money event),
    counted in SQL without deriving them."""
    by_type = account.store.count_by(account.client_id, market.EVENT, "type")
    return sum(by_type.get(t, 0) for t in MONEY_EVENTS)


def _public(op: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in op.items() if not k.startswith("_")}


def sums(ops: Iterable[dict[str, Any]]) -> dict[str, float]:
    """The totals of operations, in `/v3/finance/transaction/totals`' fields: sales, commission,
    logistics of deliveries (processing_and_delivery), returns with their logistics
    (refunds_and_cancellations). Their sum is the sum of the operations' amounts."""
    kop = {
        "accruals_for_sale": 0,
        "sale_commission": 0,
        "processing_and_delivery": 0,
        "refunds_and_cancellations": 0,
        "services_amount": 0,
        "compensation_amount": 0,
        "money_transfer": 0,
        "others_amount": 0,
    }
    for op in ops:
        k = op["_kop"]
        kop["sale_commission"] += k["commission"]
        if k["kind"] == "delivered":
            kop["accruals_for_sale"] += k["accruals"]
            kop["processing_and_delivery"] += sum(k["services"])
        else:
            kop["refunds_and_cancellations"] += k["accruals"] + sum(k["services"])
    return {name: _rub(v) for name, v in kop.items()}


def totals(account: Account, since: float | None = None, until: float | None = None) -> dict[str, float]:
    """For the web view: the totals of [since, until) (everything without bounds)."""
    return sums(transactions(account, since, until))


def _period(
    doc: dict[str, Any], name: str, request: str, required: bool = True
) -> tuple[float, float] | None:
    date = doc.get(name)
    if date is None and not required:
        return None
    if not isinstance(date, dict):
        raise rejected(f"{request}.Date", "value is required")
    since, until = parse_time(date, "from"), parse_time(date, "to")
    assert since is not None and until is not None
    if until < since:
        raise rejected(f"{request}.Date", "the end is before the start")
    return since.replace(tzinfo=dt.timezone.utc).timestamp(), until.replace(
        tzinfo=dt.timezone.utc
    ).timestamp()


def _selected(ops: list[dict[str, Any]], kind: str, types: list[str]) -> list[dict[str, Any]]:
    if kind not in TRANSACTION_TYPES:
        raise rejected("TransactionType", f"value must be one of {', '.join(TRANSACTION_TYPES)}")
    return [
        o for o in ops if (kind == "all" or o["type"] == kind) and (not types or o["operation_type"] in types)
    ]


@route("POST", "/v3/finance/transaction/list")
def transaction_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Operations of `filter.date` (one month at most) or of `filter.posting_number`, of a
    `transaction_type` and `operation_type`s; pages of `page_size` (≤1000) numbered from 1."""
    request = "FinanceTransactionListV3Request"
    flt = body.get("filter") or {}
    if not isinstance(flt, dict):
        raise rejected(f"{request}.Filter", "value must be an object")
    number = str(flt.get("posting_number") or "")
    period = _period(flt, "date", request, required=not number)
    if period and period[1] - period[0] > MAX_PERIOD.total_seconds():
        raise invalid("the period must not be longer than one month")
    page, size = int_id(body.get("page"), "page"), int_id(body.get("page_size"), "page_size")
    if page < 1:
        raise rejected(f"{request}.Page", "value must be greater than 0")
    if not 1 <= size <= 1000:
        raise rejected(f"{request}.PageSize", "value must be inside range [1, 1000]")
    since, until = period if period else (None, None)
    ops = transactions(account, since, until + 1e-6 if until is not None else None, number)
    ops = _selected(
        ops, str(flt.get("transaction_type") or "all"), [str(t) for t in flt.get("operation_type") or []]
    )
    pages = (len(ops) + size - 1) // size
    chunk = ops[(page - 1) * size : page * size]
    return {"result": {"operations": [_public(o) for o in chunk], "page_count": pages, "row_count": len(ops)}}


@route("POST", "/v3/finance/transaction/totals")
def transaction_totals(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The totals of the operations `/v3/finance/transaction/list` gives for the same filter."""
    number = str(body.get("posting_number") or "")
    period = _period(body, "date", "FinanceTransactionTotalsV3Request", required=not number)
    since, until = period if period else (None, None)
    ops = transactions(account, since, until + 1e-6 if until is not None else None, number)
    ops = _selected(ops, str(body.get("transaction_type") or "all"), [])
    return {"result": sums(ops)}


# ------------------------------------------------------------------ cash flow, realization
def half_months(since: dt.datetime, until: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Ozon's payment periods (1st-15th, 16th-end of month) that meet [since, until]."""
    out = []
    day = dt.datetime(since.year, since.month, 1 if since.day <= 15 else 16)
    while day <= until:
        last = calendar.monthrange(day.year, day.month)[1]
        end = (
            day.replace(day=15, hour=23, minute=59, second=59)
            if day.day == 1
            else day.replace(day=last, hour=23, minute=59, second=59)
        )
        out.append((day, end))
        day = end + dt.timedelta(seconds=1)
    return out


@route("POST", "/v1/finance/cash-flow-statement/list")
def cash_flow(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Per payment period of [date.from, date.to]: sales, returns, commission, logistics; pages."""
    request = "FinanceCashFlowStatementListRequest"
    period = _period(body, "date", request)
    assert period is not None
    page, size = int_id(body.get("page"), "page"), int_id(body.get("page_size"), "page_size")
    if page < 1 or not 1 <= size <= 1000:
        raise rejected(f"{request}.PageSize", "page from 1, page_size inside range [1, 1000]")
    if period[1] - period[0] > MAX_STATEMENT.total_seconds():
        raise invalid("the period must not be longer than a year")
    utc = dt.timezone.utc
    periods = half_months(
        dt.datetime.fromtimestamp(period[0], utc).replace(tzinfo=None),
        dt.datetime.fromtimestamp(period[1], utc).replace(tzinfo=None),
    )
    flows = []
    for begin, end in periods:
        ops = transactions(
            account, begin.replace(tzinfo=utc).timestamp(), end.replace(tzinfo=utc).timestamp() + 1
        )
        total = sums(ops)
        returns = sum(o["accruals_for_sale"] for o in ops if o["type"] == "returns")
        flows.append(
            {
                "period": {
                    "id": int(begin.strftime("%Y%m%d")),
                    "begin": begin.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
                "orders_amount": total["accruals_for_sale"],
                "returns_amount": round(returns, 2),
                "commission_amount": total["sale_commission"],
                "services_amount": 0,
                "item_delivery_and_return_amount": round(
                    total["processing_and_delivery"] + total["refunds_and_cancellations"] - returns, 2
                ),
                "currency_code": "RUB",
            }
        )
    pages = (len(flows) + size - 1) // size
    result: dict[str, Any] = {"cash_flows": flows[(page - 1) * size : page * size], "page_count": pages}
    if body.get("with_details") and flows:
        first = flows[0]
        result["details"] = {
            "period": first["period"],
            "payments": {"currency_code": "RUB", "payment": 0},
            "begin_balance_amount": 0,
            "end_balance_amount": round(
                sum(
                    f["orders_amount"]
                    + f["returns_amount"]
                    + f["commission_amount"]
                    + f["item_delivery_and_return_amount"]
                    for f in flows
                ),
                2,
            ),
            "delivery": {"total": first["orders_amount"], "amount": first["orders_amount"]},
            "return": {"total": first["returns_amount"], "amount": first["returns_amount"]},
        }
    return {"result": result}


@route("POST", "/v2/finance/realization")
def realization(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The month's realization report: per SKU, what was delivered and returned, with commission."""
    month, year = int_id(body.get("month"), "month"), int_id(body.get("year"), "year")
    if not 1 <= month <= 12:
        raise rejected("GetRealizationReportRequestV2.Month", "value must be inside range [1, 12]")
    if not 2000 <= year <= 2100:
        raise rejected("GetRealizationReportRequestV2.Year", "value must be inside range [2000, 2100]")
    begin = dt.datetime(year, month, 1, tzinfo=dt.timezone.utc)
    end = (begin + dt.timedelta(days=32)).replace(day=1)
    rows: dict[int, dict[str, Any]] = {}
    for event in market.events(account, begin.timestamp(), end.timestamp(), ("delivered", "returned")):
        part = "delivery_commission" if event["type"] == "delivered" else "return_commission"
        for item in event["items"]:
            row = rows.setdefault(
                item["sku"], {"item": item, "delivery_commission": [0, 0, 0], "return_commission": [0, 0, 0]}
            )
            q = int(item["quantity"])
            amount = _kop(float(item["price"])) * q
            commission = _kop(float(item["price"]) * q * item["commission_percent"] / 100)
            acc = row[part]
            acc[0], acc[1], acc[2] = acc[0] + q, acc[1] + amount, acc[2] + commission
    out = []
    for n, (sku, row) in enumerate(sorted(rows.items()), 1):
        item = row["item"]
        product = find_by_sku(account, sku)

        def block(acc: list[int], item: dict[str, Any] = item) -> dict[str, Any]:
            return {
                "quantity": acc[0],
                "amount": _rub(acc[1]),
                "commission": _rub(acc[2]),
                "price_per_instance": round(float(item["price"]), 2),
                "total": _rub(acc[1] - acc[2]),
                "standard_fee": _rub(acc[2]),
                "bonus": 0,
                "bank_coinvestment": 0,
                "compensation": 0,
                "stars": 0,
            }

        out.append(
            {
                "rowNumber": n,
                "item": {
                    "sku": sku,
                    "offer_id": item["offer_id"],
                    "name": item["name"],
                    "barcode": (product or {}).get("barcodes", [""])[0]
                    if product and product.get("barcodes")
                    else "",
                },
                "commission_ratio": round(item["commission_percent"] / 100, 4),
                "seller_price_per_instance": round(float(item["price"]), 2),
                "delivery_commission": block(row["delivery_commission"]),
                "return_commission": block(row["return_commission"]),
            }
        )
    last = end - dt.timedelta(days=1)
    return {
        "result": {
            "header": {
                "number": f"{year}{month:02d}-{account.client_id}",
                "doc_date": last.strftime("%Y-%m-%d"),
                "start_date": begin.strftime("%Y-%m-%d"),
                "stop_date": last.strftime("%Y-%m-%d"),
                "contract_number": f"ИР-{account.client_id}",
                "contract_date": "2024-01-01",
                "currency_sys_name": "RUB",
                "payer_name": "Ozon (песочница oint)",
                "payer_inn": "",
                "payer_kpp": "",
                "receiver_name": f"Продавец {account.client_id}",
                "receiver_inn": "",
                "receiver_kpp": "",
            },
            "rows": out,
        }
    }


# ------------------------------------------------------------------ accruals (successors of the transactions)
ACCRUAL_PAGE = 100  # accruals per page of /v1/finance/accrual/by-day (the sandbox's bound)
# the accrual types, `/v1/finance/accrual/types`: (id, name, the operation's part it takes)
ACCRUAL_TYPES: tuple[tuple[int, str, str], ...] = (
    (1, "Выручка за товар", "sale"),
    (2, "Вознаграждение за продажу", "commission"),
    (3, "Логистика: магистраль", "MarketplaceServiceItemDirectFlowLogistic"),
    (4, "Логистика: последняя миля", "MarketplaceServiceItemDelivToCustomer"),
    (5, "Возврат выручки за товар", "refund"),
    (6, "Возврат вознаграждения за продажу", "commission_back"),
    (7, "Обратная логистика", "MarketplaceServiceItemReturnFlowLogistic"),
    (8, "Компенсация покупателю", "compensation"),
)
TYPE_ID = {part: type_id for type_id, _, part in ACCRUAL_TYPES}
LOGISTICS = (
    "MarketplaceServiceItemDirectFlowLogistic",
    "MarketplaceServiceItemDelivToCustomer",
    "MarketplaceServiceItemReturnFlowLogistic",
)
CATEGORY = {"delivered": "ORDER", "returned": "RETURN", "compensation": "COMPENSATION"}


def _money(kop: int) -> dict[str, str]:
    return {"amount": f"{kop / 100:.2f}", "currency": "RUB"}


def _shares(total: int, weights: list[int]) -> list[int]:
    """`total` kopecks split in proportion to `weights`, the rounding left on the last share, so
    that the shares add up to `total` exactly."""
    whole = sum(weights)
    if not weights:
        return []
    shares = [total * w // whole if whole else 0 for w in weights[:-1]]
    return [*shares, total - sum(shares)]


def accrual_fees(event: dict[str, Any]) -> list[tuple[int, int, int, int, int]]:
    """The accruals of a money event, one per SKU and accrual type: (sku, type id, kopecks,
    quantity, seller's price in kopecks). They add up to the operation's `amount` of
    `/v3/finance/transaction/list`, part by part (the parcel's logistics shared out by price)."""
    op = operation(event)["_kop"]
    items = event["items"]
    if event["type"] == "compensation":
        first = items[0] if items else {"sku": 0, "quantity": 0, "price": 0}
        return [(int(first["sku"]), TYPE_ID["compensation"], op["accruals"], 0, _kop(float(first["price"])))]
    prices = [_kop(float(i["price"])) * int(i["quantity"]) for i in items]
    commissions = [
        _kop(float(i["price"]) * int(i["quantity"]) * i["commission_percent"] / 100) for i in items
    ]
    sign = 1 if event["type"] == "delivered" else -1
    sale_type = TYPE_ID["sale" if sign > 0 else "refund"]
    commission_type = TYPE_ID["commission" if sign > 0 else "commission_back"]
    names = (
        ["MarketplaceServiceItemDirectFlowLogistic", "MarketplaceServiceItemDelivToCustomer"]
        if sign > 0
        else ["MarketplaceServiceItemReturnFlowLogistic"]
    )
    services = [_shares(charge, prices) for charge in op["services"]]
    out = []
    for n, item in enumerate(items):
        sku, quantity, price = int(item["sku"]), int(item["quantity"]), _kop(float(item["price"]))
        out.append((sku, sale_type, sign * prices[n], quantity, price))
        out.append((sku, commission_type, -sign * commissions[n], quantity, price))
        for name, shares in zip(names, services, strict=True):
            out.append((sku, TYPE_ID[name], shares[n], quantity, price))
    return out


def _accrual_id(event: dict[str, Any]) -> int:
    return 30_000_000_000 + int(event["seq"])


def accrual(event: dict[str, Any]) -> dict[str, Any]:
    """The accrual of `/v1/finance/accrual/by-day` for a money event: fees per SKU, the posting's
    products with their commission and delivery, the total."""
    fees = accrual_fees(event)
    by_sku: dict[int, list[tuple[int, int, int, int, int]]] = {}
    for fee in fees:
        by_sku.setdefault(fee[0], []).append(fee)
    logistic = {TYPE_ID[n] for n in LOGISTICS}
    products = []
    for sku, own in by_sku.items():
        price = own[0][4]
        sale = sum(f[2] for f in own if f[1] in (TYPE_ID["sale"], TYPE_ID["refund"], TYPE_ID["compensation"]))
        commission = sum(f[2] for f in own if f[1] in (TYPE_ID["commission"], TYPE_ID["commission_back"]))
        delivery = [f for f in own if f[1] in logistic]
        products.append(
            {
                "sku": sku,
                "commission": {
                    "sale_amount": _money(sale),
                    "sale_price": _money(price),
                    "seller_price": _money(price),
                    "sale_commission": _money(commission),
                    "commission": _money(commission),
                    "commission_ratio": f"{abs(commission) / abs(sale):.4f}" if sale else "0",
                    "bonus": _money(0),
                    "coinvestment": _money(0),
                },
                "delivery": {
                    "services": [{"type_id": f[1], "accrued": _money(f[2])} for f in delivery],
                    "total_accrued": _money(sum(f[2] for f in delivery)),
                },
            }
        )
    moment = dt.datetime.fromtimestamp(event["at"], dt.timezone.utc)
    answer: dict[str, Any] = {
        "accrual_id": _accrual_id(event),
        "accrued_category": CATEGORY[event["type"]],
        "date": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "unit_number": event["posting_number"],
        "posting": {"delivery_schema": event["scheme"].upper(), "delivery_speed": 0, "products": products},
        "item_fees": {
            "fees": [
                {"sku": sku, "fees": [{"type_id": f[1], "accrued": _money(f[2])} for f in own]}
                for sku, own in by_sku.items()
            ]
        },
        "total_amount": _money(sum(f[2] for f in fees)),
    }
    return answer


@route("POST", "/v1/finance/accrual/types")
def accrual_types(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The accrual types the accruals name by `type_id`."""
    return {"accrual_types": [{"id": type_id, "name": name} for type_id, name, _ in ACCRUAL_TYPES]}


@route("POST", "/v1/finance/accrual/by-day")
def accrual_by_day(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The accruals of one day (`date`, YYYY-MM-DD, UTC), one per money event, oldest first; pages of
    `ACCRUAL_PAGE` after `last_id` (the last accrual's id; "" on the last page)."""
    text = str(body.get("date") or "")
    try:
        day = dt.datetime.strptime(text[:10], "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise rejected("GetFinanceAccrualByDayRequest.Date", "value must be a date YYYY-MM-DD") from None
    after = str(body.get("last_id") or "")
    if after and not after.isdigit():
        raise rejected("GetFinanceAccrualByDayRequest.LastId", "not an id of this list")
    since = day.timestamp()
    events = market.events(account, since, since + 86_400, MONEY_EVENTS)
    if after:
        events = [e for e in events if _accrual_id(e) > int(after)]
    page = [accrual(e) for e in events[:ACCRUAL_PAGE]]  # only the page's accruals are built
    more = len(events) > ACCRUAL_PAGE
    return {"accruals": page, "last_id": str(page[-1]["accrual_id"]) if more else ""}


@route("POST", "/v1/finance/accrual/postings")
def accrual_postings(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Every accrual of the postings named (at most 100), per SKU and type, oldest first."""
    numbers = [str(n) for n in body.get("posting_numbers") or []]
    if not numbers:
        raise rejected(
            "GetFinanceAccrualPostingsRequest.PostingNumbers", "value must contain at least 1 item(s)"
        )
    if len(numbers) > 100:
        raise rejected(
            "GetFinanceAccrualPostingsRequest.PostingNumbers", "value must contain at most 100 item(s)"
        )
    out = []
    for number in dict.fromkeys(numbers):
        accruals = []
        for event in market.of_posting(account, number):
            if event["type"] not in MONEY_EVENTS:
                continue
            moment = dt.datetime.fromtimestamp(event["at"], dt.timezone.utc)
            for sku, type_id, kop, quantity, price in accrual_fees(event):
                accruals.append(
                    {
                        "accrual_date": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "sku": sku,
                        "type_id": type_id,
                        "quantity": quantity,
                        "seller_price": _money(price),
                        "accrued": _money(kop),
                    }
                )
        out.append({"posting_number": number, "accruals": accruals})
    return {"posting_accruals": out}
