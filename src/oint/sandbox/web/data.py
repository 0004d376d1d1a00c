"""The web view's seam to the model: one function per page reads what it shows from the store
(inside one transaction) and returns the plain data of `views.py`.

Postings and finance come from whatever models keep them: `POSTING_SOURCES` (FBO postings of
`model/fbo.py`, FBS/rFBS postings of `model/postings_fbs.py`) and `TRANSACTION_SOURCES` (the
operations `model/finance.py` derives from the marketplace's events) list the functions that read
them, so a new model is one line here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from oint.sandbox.model import fbo, postings_fbs
from oint.sandbox.model import finance as finance_model
from oint.sandbox.model.base import Account
from oint.sandbox.model.products import PRODUCT, ProductDoc, get_product
from oint.sandbox.model.stocks import FBO_WAREHOUSE, SOURCES, STOCK, stocks_of
from oint.sandbox.model.warehouses import WAREHOUSE, all_warehouses
from oint.sandbox.store import ANSWER_KEPT, Store
from oint.sandbox.web.pages import epoch
from oint.sandbox.web.views import (
    AccountRef,
    Finance,
    Overview,
    PostingLine,
    PostingRow,
    Postings,
    ProductDetail,
    ProductList,
    ProductRow,
    RequestDetail,
    RequestLog,
    RequestRow,
    StockRow,
    Transaction,
)

PAGE = 50  # products per page
RECENT = 10  # products on the overview
MAX_POSTINGS = 500  # the newest postings a page lists
MAX_TRANSACTIONS = 500
LOG_PAGE = 100  # requests per page
FBO_NAME = "Ozon (FBO)"


# ------------------------------------------------------------------ accounts
def accounts(store: Store) -> list[AccountRef]:
    """Every seller account; the first one (the demo account of a new sandbox) is the default."""
    docs = store.all("*", "account")
    return [
        AccountRef(str(d["client_id"]), str(d.get("name") or d["client_id"]), default=i == 0)
        for i, d in enumerate(docs)
    ]


def account(store: Store, client_id: str | None) -> AccountRef | None:
    """The account a page names (`?account=`), the default one when it names none; None when
    there is no such account."""
    found = accounts(store)
    if not client_id:
        return found[0] if found else None
    return next((a for a in found if a.client_id == client_id), None)


def _view(store: Store, ref: AccountRef, now: float) -> Account:
    return Account(store, ref.client_id, now)


# ------------------------------------------------------------------ products
def _warehouse_names(acct: Account) -> dict[int, str]:
    names = {int(w["warehouse_id"]): str(w.get("name") or w["warehouse_id"]) for w in all_warehouses(acct)}
    names[FBO_WAREHOUSE] = FBO_NAME
    return names


def _stocks(acct: Account, product_id: int, names: dict[int, str]) -> tuple[StockRow, ...]:
    rows = [
        StockRow(
            warehouse_id=int(s["warehouse_id"]),
            warehouse=names.get(int(s["warehouse_id"]), str(s["warehouse_id"])),
            source=str(s.get("type") or ""),
            available=int(s.get("stock") or 0),
            reserved=int(s.get("reserved") or 0),
            updated_at=str(s.get("updated_at") or ""),
        )
        for s in stocks_of(acct, product_id)
    ]
    order = {t: i for i, t in enumerate(SOURCES)}
    return tuple(sorted(rows, key=lambda s: (order.get(s.source, len(order)), s.warehouse)))


def _status(p: ProductDoc) -> str:
    if not p.get("sku"):
        return "not created"
    return "on sale" if p.get("has_stock") else "not on sale"


def product_row(acct: Account, p: ProductDoc, names: dict[int, str]) -> ProductRow:
    primary = str(p.get("primary_image") or "")
    images = [str(u) for u in p.get("images") or []]
    if primary and primary not in images:
        images.insert(0, primary)
    return ProductRow(
        id=int(p["id"]),
        offer_id=str(p.get("offer_id") or ""),
        sku=int(p.get("sku") or 0),
        name=str(p.get("name") or ""),
        images=tuple(images),
        price=str(p.get("price") or ""),
        old_price=str(p.get("old_price") or ""),
        min_price=str(p.get("min_price") or ""),
        currency=str(p.get("currency_code") or "RUB"),
        vat=str(p.get("vat") or ""),
        archived=bool(p.get("is_archived")),
        status=_status(p),
        stocks=_stocks(acct, int(p["id"]), names),
    )


def product_list(
    store: Store, ref: AccountRef, now: float, offset: int = 0, limit: int = PAGE
) -> ProductList:
    with store.transaction():
        acct = _view(store, ref, now)
        names = _warehouse_names(acct)
        docs = store.page(ref.client_id, PRODUCT, offset, limit)
        rows = tuple(product_row(acct, p, names) for p in docs)
        return ProductList(ref, rows, store.count(ref.client_id, PRODUCT), offset, limit)


def product_detail(store: Store, ref: AccountRef, now: float, product_id: int) -> ProductDetail | None:
    with store.transaction():
        acct = _view(store, ref, now)
        p = get_product(acct, product_id)
        if p is None:
            return None
        row = product_row(acct, p, _warehouse_names(acct))
    errors = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in p.get("errors") or []]
    errors += [f"{e.get('message', '')}: {e.get('url', '')}" for e in p.get("image_errors") or []]
    return ProductDetail(
        ref,
        row,
        description=str(p.get("description") or ""),
        barcodes=tuple(str(b) for b in p.get("barcodes") or []),
        images360=tuple(str(u) for u in p.get("images360") or []),
        color_image=str(p.get("color_image") or ""),
        created_at=str(p.get("created_at") or ""),
        updated_at=str(p.get("updated_at") or ""),
        errors=tuple(errors),
        document=json.dumps(p, ensure_ascii=False, indent=2),
    )


# ------------------------------------------------------------------ postings
def _posting_row(d: dict[str, Any], scheme: str, place: tuple[Any, ...]) -> PostingRow:
    """A posting document of either model (both keep Ozon's posting fields) as a row of the page."""
    lines = tuple(
        PostingLine(
            name=str(x.get("name") or ""),
            offer_id=str(x.get("offer_id") or ""),
            sku=int(x.get("sku") or 0),
            quantity=int(x.get("quantity") or 0),
            price=str(x.get("price") or ""),
            currency=str(x.get("currency_code") or "RUB"),
        )
        for x in d.get("products") or []
    )
    return PostingRow(
        number=str(d["posting_number"]),
        scheme=scheme,
        status=str(d.get("status") or ""),
        substatus=str(d.get("substatus") or ""),
        created_at=str(d.get("created_at") or ""),
        lines=lines,
        place=", ".join(str(x) for x in place if x),
    )


def fbo_postings(acct: Account) -> list[PostingRow]:
    """FBO postings (`model/fbo.py`, also served by `/v3/posting/fbo/list`)."""
    out = []
    for d in acct.all(fbo.POSTING):
        analytics = d.get("analytics") or {}
        out.append(_posting_row(d, "FBO", (analytics.get("warehouse_name"), analytics.get("city"))))
    return out


def fbs_postings(acct: Account) -> list[PostingRow]:
    """FBS and rFBS postings of the living marketplace (`model/postings_fbs.py`, also served by
    `/v3/posting/fbs/list` and `/v4/posting/fbs/list`)."""
    names = _warehouse_names(acct)
    out = []
    for d in postings_fbs.all_postings(acct):
        scheme = "rFBS" if d.get("scheme") == "rfbs" else "FBS"
        warehouse = names.get(int(d.get("warehouse_id") or 0), "")
        out.append(_posting_row(d, scheme, (warehouse, (d.get("customer") or {}).get("city"))))
    return out


POSTING_SOURCES: tuple[Callable[[Account], list[PostingRow]], ...] = (fbo_postings, fbs_postings)
# statuses first in this order (the order loop's), any others after them
STATUS_ORDER = tuple(
    dict.fromkeys((*postings_fbs.UNFULFILLED, "arbitration", "driver_pickup", *fbo.POSTING_STATUSES))
)


def all_postings(acct: Account) -> list[PostingRow]:
    """Every posting of the account, of every model that keeps them, newest first."""
    rows = [row for source in POSTING_SOURCES for row in source(acct)]
    return sorted(rows, key=lambda r: (r.created_at, r.number), reverse=True)


def posting_counts(rows: list[PostingRow]) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    return tuple(sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def postings(store: Store, ref: AccountRef, now: float, status: str = "") -> Postings:
    with store.transaction():
        rows = all_postings(_view(store, ref, now))
    wanted = [r for r in rows if not status or r.status == status]
    return Postings(ref, status, posting_counts(rows), tuple(wanted[:MAX_POSTINGS]), len(wanted))


# ------------------------------------------------------------------ finance
def finance_transactions(acct: Account) -> list[Transaction]:
    """The finance operations of the living marketplace (`model/finance.py`, also served by
    `/v3/finance/transaction/list`): sales, returns, compensations with their commission and logistics."""
    return [
        Transaction(
            id=str(op["operation_id"]),
            date=str(op["operation_date"]),
            type=str(op["type"]),
            amount=float(op["amount"]),
            posting=str(op["posting"]["posting_number"]),
            description=str(op["operation_type_name"]),
        )
        for op in finance_model.transactions(acct)
    ]


TRANSACTION_SOURCES: tuple[Callable[[Account], list[Transaction]], ...] = (finance_transactions,)


def finance(store: Store, ref: AccountRef, now: float) -> Finance:
    with store.transaction():
        acct = _view(store, ref, now)
        rows = sorted(
            (t for source in TRANSACTION_SOURCES for t in source(acct)),
            key=lambda t: (t.date, t.id),
            reverse=True,
        )
    kopecks: dict[str, int] = {}  # summed in kopecks: no float drift over thousands of rows
    for t in rows:
        kopecks[t.type] = kopecks.get(t.type, 0) + round(t.amount * 100)
    totals = {name: k / 100 for name, k in sorted(kopecks.items())}
    named = [*totals.items(), ("total", sum(kopecks.values()) / 100)] if rows else []
    currency = rows[0].currency if rows else "RUB"
    return Finance(ref, tuple(rows[:MAX_TRANSACTIONS]), tuple(named), currency, len(rows))


# ------------------------------------------------------------------ requests
def _request_row(d: dict[str, Any]) -> RequestRow:
    return RequestRow(
        seq=int(d["seq"]),
        at=epoch(float(d["at"])),
        client_id=str(d["client_id"]),
        method=str(d["method"]),
        path=str(d["path"]),
        status=int(d["status"]),
        size=int(d.get("size") or 0),
        answer_size=int(d.get("answer_size") or 0),
    )


def request_log(store: Store, kept: int, before: int | None = None, limit: int = LOG_PAGE) -> RequestLog:
    with store.transaction():
        found = store.log_page(limit + 1, before)
        counts = store.status_counts()
    rows = tuple(_request_row(d) for d in found[:limit])
    older = rows[-1].seq if len(found) > limit else None
    statuses = tuple(sorted((int(s), n) for s, n in counts.items() if s.isdigit()))
    return RequestLog(rows, kept, statuses, older)


def request_detail(store: Store, seq: int) -> RequestDetail | None:
    with store.transaction():
        d = store.log_entry(seq)
    if d is None:
        return None
    return RequestDetail(
        _request_row(d), str(d["body"]), str(d["answer"]), str(d["answer_type"]), ANSWER_KEPT
    )


# ------------------------------------------------------------------ overview
def overview(store: Store, ref: AccountRef, now: float, api_date: str) -> Overview:
    with store.transaction():
        acct = _view(store, ref, now)
        names = _warehouse_names(acct)
        total = store.count(ref.client_id, PRODUCT)
        _, unarchived = store.unarchived_page(ref.client_id, PRODUCT, 0, 0)
        recent = tuple(product_row(acct, p, names) for p in store.page(ref.client_id, PRODUCT, 0, RECENT))
        posted = posting_counts(all_postings(acct))
        transactions = sum(len(source(acct)) for source in TRANSACTION_SOURCES)
        return Overview(
            account=ref,
            accounts=tuple(accounts(store)),
            api_date=api_date,
            now=epoch(now),
            products=total,
            archived=total - unarchived,
            warehouses=store.count(ref.client_id, WAREHOUSE),
            stock_entries=store.count(ref.client_id, STOCK),
            postings=posted,
            transactions=transactions,
            requests=store.request_count(),
            recent=recent,
        )
