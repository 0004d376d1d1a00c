"""The web view's seam to the model: one function per page reads what it shows from the store
(inside one transaction) and returns the plain data of `views.py`. Nothing reads a large kind
whole: the catalogue is searched in SQL (`products.search_products`), lists of returns, reviews,
questions and chats are paged newest first (`newest_page`), a posting's history comes from the
event log through an index (`market.of_posting`).

Postings and finance come from whatever models keep them: `POSTING_SOURCES` (FBO postings of
`model/fbo.py`, FBS/rFBS postings of `model/postings_fbs.py`) and `TRANSACTION_SOURCES` (the
operations `model/finance.py` derives from the marketplace's events) list the functions that read
them, `POSTING_COUNTS` and `TRANSACTION_COUNTS` those that count them for the overview without
reading them, so a new model is a line in each.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from oint.sandbox.model import chats as chats_model
from oint.sandbox.model import fbo, market, postings_fbs, pushes
from oint.sandbox.model import finance as finance_model
from oint.sandbox.model import returns as returns_model
from oint.sandbox.model import reviews as reviews_model
from oint.sandbox.model.base import Account
from oint.sandbox.model.products import (
    PRODUCT,
    SEARCH_VISIBILITIES,
    ProductDoc,
    find_by_sku,
    get_product,
    search_products,
)
from oint.sandbox.model.stocks import FBO_WAREHOUSE, SOURCES, STOCK, stocks_of
from oint.sandbox.model.warehouses import WAREHOUSE, all_warehouses
from oint.sandbox.store import ANSWER_KEPT, Store
from oint.sandbox.web.pages import epoch
from oint.sandbox.web.views import (
    AccountRef,
    ChatDetail,
    ChatRow,
    Chats,
    EventRow,
    Finance,
    MessageRow,
    Overview,
    PostingDetail,
    PostingLine,
    PostingRow,
    Postings,
    ProductDetail,
    ProductList,
    ProductQuery,
    ProductRow,
    Pushes,
    PushRow,
    QuestionRow,
    Questions,
    RequestDetail,
    RequestLog,
    RequestRow,
    ReturnRow,
    Returns,
    ReviewRow,
    Reviews,
    StockRow,
    Transaction,
)

PAGE = 50  # products per page
RECENT = 10  # products on the overview
MAX_POSTINGS = 500  # the newest postings a page lists
MAX_TRANSACTIONS = 500
LOG_PAGE = 100  # requests per page
ACTIVITY = 15  # events on the overview
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
    store: Store,
    ref: AccountRef,
    now: float,
    offset: int = 0,
    limit: int = PAGE,
    query: ProductQuery | None = None,
) -> ProductList:
    """A page of the catalogue, searched and filtered by `query` (KeyError for a visibility group
    or stock choice the search does not know)."""
    query = query or ProductQuery()
    with store.transaction():
        acct = _view(store, ref, now)
        names = _warehouse_names(acct)
        docs, total = search_products(acct, query.text, query.visibility, query.stock, offset, limit)
        rows = tuple(product_row(acct, p, names) for p in docs)
    return ProductList(ref, rows, total, offset, limit, query, tuple(SEARCH_VISIBILITIES))


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


def fbo_row(d: dict[str, Any]) -> PostingRow:
    analytics = d.get("analytics") or {}
    return _posting_row(d, "FBO", (analytics.get("warehouse_name"), analytics.get("city")))


def fbo_postings(acct: Account) -> list[PostingRow]:
    """FBO postings (`model/fbo.py`, also served by `/v3/posting/fbo/list`)."""
    return [fbo_row(d) for d in acct.all(fbo.POSTING)]


def fbs_row(acct: Account, d: dict[str, Any], names: dict[int, str]) -> PostingRow:
    scheme = "rFBS" if d.get("scheme") == "rfbs" else "FBS"
    warehouse = names.get(int(d.get("warehouse_id") or 0), "")
    return _posting_row(d, scheme, (warehouse, (d.get("customer") or {}).get("city")))


def fbs_postings(acct: Account) -> list[PostingRow]:
    """FBS and rFBS postings of the living marketplace (`model/postings_fbs.py`, also served by
    `/v4/posting/fbs/list`, and by `/v3/posting/fbs/list` until Ozon switched it off, 2026-08-31)."""
    names = _warehouse_names(acct)
    return [fbs_row(acct, d, names) for d in postings_fbs.all_postings(acct)]


def fbo_counts(acct: Account) -> dict[str, int]:
    """FBO postings by status, counted in SQL."""
    return {str(k): n for k, n in acct.store.count_by(acct.client_id, fbo.POSTING, "status").items()}


def fbs_counts(acct: Account) -> dict[str, int]:
    """FBS and rFBS postings by status, counted in SQL."""
    return {str(k): n for k, n in acct.store.count_by(acct.client_id, postings_fbs.POSTING, "status").items()}


POSTING_SOURCES: tuple[Callable[[Account], list[PostingRow]], ...] = (fbo_postings, fbs_postings)
# the same models' postings by status without reading them (the overview): one line a model too
POSTING_COUNTS: tuple[Callable[[Account], dict[str, int]], ...] = (fbo_counts, fbs_counts)
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
    return ordered_counts(counts)


def ordered_counts(counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    """Counts by status in the order loop's order, any other statuses after them."""
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    return tuple(sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def postings(store: Store, ref: AccountRef, now: float, status: str = "") -> Postings:
    with store.transaction():
        rows = all_postings(_view(store, ref, now))
    wanted = [r for r in rows if not status or r.status == status]
    return Postings(ref, status, posting_counts(rows), tuple(wanted[:MAX_POSTINGS]), len(wanted))


SCHEMES = {"fbs": "FBS", "rfbs": "rFBS", "fbo": "FBO"}


def _epoch(stamp: str) -> float | None:
    try:
        return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _cancel_text(reason_id: object, initiator: str = "") -> str:
    reason = postings_fbs.cancel_reason(int(str(reason_id))) if str(reason_id).isdigit() else None
    text = str(reason["title"]) if reason else (f"reason {reason_id}" if reason_id else "")
    return f"{text} ({initiator})" if initiator and text else text or initiator


def event_row(e: dict[str, Any]) -> EventRow:
    """An event of `model/market.py`'s log as a line of a timeline."""
    items = ", ".join(
        f"{x.get('name') or x.get('offer_id')} × {x.get('quantity')}" for x in e.get("items") or []
    )
    parts = []
    if e["type"] == "cancelled":
        parts.append(_cancel_text(e.get("reason_id"), str(e.get("initiator") or "")))
    if e.get("reason"):
        parts.append(str(e["reason"]))
    if "amount" in e:
        parts.append(f"{float(e['amount']):.2f}")
    return EventRow(
        at=str(e.get("time") or ""),
        type=str(e["type"]),
        posting=str(e.get("posting_number") or ""),
        scheme=SCHEMES.get(str(e.get("scheme") or ""), str(e.get("scheme") or "")),
        detail=" · ".join(p for p in parts if p),
        items=items,
    )


def _return_row(d: dict[str, Any]) -> ReturnRow:
    """A return (kind "return", FBS and FBO) as a row."""
    line = d.get("line") or {}
    return ReturnRow(
        id=int(d["id"]),
        kind="return",
        scheme=SCHEMES.get(str(d.get("scheme")), str(d.get("scheme") or "")),
        posting=str(d.get("posting_number") or ""),
        product=str(line.get("name") or ""),
        offer_id=str(line.get("offer_id") or ""),
        sku=int(line.get("sku") or 0),
        quantity=int(line.get("quantity") or 0),
        reason=str((d.get("reason") or {}).get("name") or ""),
        status=str(d.get("status") or ""),
        created_at=str(d.get("created_at") or ""),
        changed_at=str(d.get("status_changed_at") or ""),
    )


def _rfbs_return_row(d: dict[str, Any]) -> ReturnRow:
    """An rFBS return request (kind "rfbs_return") as a row."""
    line = d.get("line") or {}
    state = str(d.get("state") or "")
    return ReturnRow(
        id=int(d["return_id"]),
        kind="rFBS request",
        scheme="rFBS",
        posting=str(d.get("posting_number") or ""),
        product=str(line.get("name") or ""),
        offer_id=str(line.get("offer_id") or ""),
        sku=int(line.get("sku") or 0),
        quantity=int(line.get("quantity") or 0),
        reason=str((d.get("reason") or {}).get("name") or ""),
        status=returns_model.RFBS_STATES.get(state, ("", state, ""))[1] or state,
        created_at=str(d.get("created_at") or ""),
    )


def _chat_row(d: dict[str, Any]) -> ChatRow:
    messages = d.get("messages") or []
    last = _message(messages[-1]) if messages else None
    return ChatRow(
        id=str(d["chat_id"]),
        posting=str(d.get("posting_number") or ""),
        status=str(d.get("chat_status") or ""),
        created_at=str(d.get("created_at") or ""),
        messages=len(messages),
        unread=sum(1 for m in messages if not m.get("is_read")),
        last=last,
    )


def _message(m: dict[str, Any]) -> MessageRow:
    return MessageRow(
        who=str((m.get("user") or {}).get("type") or ""),
        at=str(m.get("created_at") or ""),
        text="\n".join(str(x) for x in m.get("data") or []),
        read=bool(m.get("is_read")),
    )


def posting_detail(store: Store, ref: AccountRef, now: float, number: str) -> PostingDetail | None:
    """One posting of any model (FBS/rFBS, FBO) with its ship-by moment, its history from the
    event log, its returns and its chat; None when the account has no such posting."""
    with store.transaction():
        acct = _view(store, ref, now)
        doc = postings_fbs.get_posting(acct, number)
        if doc is not None:
            row = fbs_row(acct, doc, _warehouse_names(acct))
            ship_by = str(doc.get("shipment_date") or "")
            due = _epoch(ship_by)
            extra: dict[str, Any] = {
                "ship_by": ship_by,
                "overdue": doc["status"] == "awaiting_packaging" and due is not None and due < now,
                "delivery": str((doc.get("delivery_method") or {}).get("name") or ""),
                "city": str((doc.get("customer") or {}).get("city") or ""),
                "tracking_number": str(doc.get("tracking_number") or ""),
            }
            cancelled = doc.get("cancellation") or {}
            if cancelled:
                extra["cancellation"] = _cancel_text(
                    cancelled.get("cancel_reason_id"), str(cancelled.get("cancellation_initiator") or "")
                )
        else:
            doc = acct.get(fbo.POSTING, number)
            if doc is None:
                return None
            row = fbo_row(doc)
            analytics = doc.get("analytics") or {}
            extra = {
                "delivery": str(analytics.get("delivery_type") or ""),
                "city": str(analytics.get("city") or ""),
                "cancellation": (
                    _cancel_text(doc.get("cancel_reason_id") or "") if row.status == "cancelled" else ""
                ),
            }
        history = tuple(event_row(e) for e in market.of_posting(acct, number))
        client = ref.client_id  # returns and chats of the posting through their indexes
        returned = [
            _return_row(d) for d in store.find(client, returns_model.RETURN, "posting_number", number)
        ]
        returned += [
            _rfbs_return_row(d)
            for d in store.find(client, returns_model.RFBS_RETURN, "posting_number", number)
        ]
        chat = next(iter(store.find(client, chats_model.CHAT, "posting_number", number)), None)
    return PostingDetail(
        ref,
        row,
        order_number=str(doc.get("order_number") or ""),
        history=history,
        returns=tuple(returned),
        chat_id=str(chat["chat_id"]) if chat else "",
        **extra,
    )


# ------------------------------------------------------------------ returns, reviews, questions, chats
def newest_page(store: Store, client_id: str, kind: str, offset: int, limit: int) -> tuple[list[Any], int]:
    """Documents of a kind newest first (the reverse of insertion order), `limit` from `offset`,
    and how many there are: a page read from the store, never the kind whole."""
    total = store.count(client_id, kind)
    end = max(0, total - max(0, offset))
    start = max(0, end - limit)
    return store.page(client_id, kind, start, end - start)[::-1], total


def returns(store: Store, ref: AccountRef, now: float, offset: int = 0, limit: int = PAGE) -> Returns:
    """FBS and FBO returns (`model/returns.py`, also served by `/v1/returns/list`), newest first."""
    with store.transaction():
        docs, total = newest_page(store, ref.client_id, returns_model.RETURN, offset, limit)
    return Returns(ref, tuple(_return_row(d) for d in docs), total, offset, limit)


def rfbs_returns(store: Store, ref: AccountRef, now: float, offset: int = 0, limit: int = PAGE) -> Returns:
    """rFBS return requests (`model/returns.py`, also served by `/v2/returns/rfbs/list`), newest first."""
    with store.transaction():
        docs, total = newest_page(store, ref.client_id, returns_model.RFBS_RETURN, offset, limit)
    return Returns(ref, tuple(_rfbs_return_row(d) for d in docs), total, offset, limit)


def _product_of(acct: Account, sku: int, cache: dict[int, tuple[str, int]]) -> tuple[str, int]:
    """The name and product id of a SKU of the catalogue (("", 0) when it is not there)."""
    if sku not in cache:
        p = find_by_sku(acct, sku)
        cache[sku] = (str(p.get("name") or ""), int(p["id"])) if p else ("", 0)
    return cache[sku]


def _sku(d: dict[str, Any]) -> int:
    return int(d.get("sku") or 0)


def _review_row(d: dict[str, Any], product: tuple[str, int]) -> ReviewRow:
    """A row of the reviews page; `product` is the name and id of its SKU (`_product_of`)."""
    return ReviewRow(
        id=str(d["id"]),
        sku=_sku(d),
        product=product[0],
        product_id=product[1],
        rating=int(d.get("rating") or 0),
        text=str(d.get("text") or ""),
        status=str(d.get("status") or ""),
        published_at=str(d.get("published_at") or ""),
        posting=str(d.get("posting_number") or ""),
        comments=tuple(str(c.get("text") or "") for c in d.get("comments") or []),
    )


def _question_row(d: dict[str, Any], product: tuple[str, int]) -> QuestionRow:
    """A row of the questions page; `product` is the name and id of its SKU (`_product_of`)."""
    return QuestionRow(
        id=str(d["id"]),
        sku=_sku(d),
        product=product[0],
        product_id=product[1],
        text=str(d.get("text") or ""),
        author=str(d.get("author_name") or ""),
        status=str(d.get("status") or ""),
        published_at=str(d.get("published_at") or ""),
        answers=tuple(str(a.get("text") or "") for a in d.get("answers") or []),
    )


def reviews(store: Store, ref: AccountRef, now: float, offset: int = 0, limit: int = PAGE) -> Reviews:
    """Reviews of delivered products (`model/reviews.py`, also served by `/v1/review/list`), newest first."""
    with store.transaction():
        acct = _view(store, ref, now)
        docs, total = newest_page(store, ref.client_id, reviews_model.REVIEW, offset, limit)
        cache: dict[int, tuple[str, int]] = {}
        rows = tuple(_review_row(d, _product_of(acct, _sku(d), cache)) for d in docs)
    return Reviews(ref, rows, total, offset, limit)


def questions(store: Store, ref: AccountRef, now: float, offset: int = 0, limit: int = PAGE) -> Questions:
    """Buyers' questions (`model/reviews.py`, also served by `/v1/question/list`), newest first."""
    with store.transaction():
        acct = _view(store, ref, now)
        docs, total = newest_page(store, ref.client_id, reviews_model.QUESTION, offset, limit)
        cache: dict[int, tuple[str, int]] = {}
        rows = tuple(_question_row(d, _product_of(acct, _sku(d), cache)) for d in docs)
    return Questions(ref, rows, total, offset, limit)


def chats(store: Store, ref: AccountRef, now: float, offset: int = 0, limit: int = PAGE) -> Chats:
    """Chats with buyers (`model/chats.py`, also served by `/v3/chat/list`), newest first."""
    with store.transaction():
        docs, total = newest_page(store, ref.client_id, chats_model.CHAT, offset, limit)
    return Chats(ref, tuple(_chat_row(d) for d in docs), total, offset, limit)


def chat_detail(store: Store, ref: AccountRef, now: float, chat_id: str) -> ChatDetail | None:
    with store.transaction():
        d = store.get(ref.client_id, chats_model.CHAT, chat_id)
    if d is None:
        return None
    return ChatDetail(ref, _chat_row(d), tuple(_message(m) for m in d.get("messages") or []))


# ------------------------------------------------------------------ push notifications
def _push_subject(message: dict[str, Any]) -> str:
    for field in ("posting_number", "offer_id", "chat_id"):
        if message.get(field):
            return str(message[field])
    items = message.get("items") or []
    return ", ".join(f"SKU {i.get('sku')}" for i in items[:3])


def _push_row(d: dict[str, Any]) -> PushRow:
    attempts = d.get("attempts") or []
    last, answer = "", ""
    if attempts:
        a = attempts[-1]
        if a.get("error"):
            last = f"{a['status']} " * (a.get("status") is not None) + str(a["error"])
        else:
            last = f"{a['status']} in {a['seconds']:.3f} s"
        answer = str(a.get("answer") or "")
    return PushRow(
        int(d["seq"]),
        str(d["type"]),
        str(d["url"]),
        float(d["created_at"]),
        str(d["state"]),
        _push_subject(d.get("message") or {}),
        len(attempts),
        last,
        answer,
        d.get("next_at") if d.get("state") == "pending" else None,
    )


def pushes_page(store: Store, ref: AccountRef, now: float, offset: int = 0, limit: int = PAGE) -> Pushes:
    """The account's push notifications (`model/pushes.py`): its URLs and state, the pushes newest
    first with their attempts' outcome."""
    with store.transaction():
        acct = _view(store, ref, now)
        doc = pushes.config(acct) or pushes.fresh_config(now)
        docs, total = newest_page(store, ref.client_id, pushes.PUSH, offset, limit)
        counts = store.count_by(ref.client_id, pushes.PUSH, "state")
        pruned = pushes.pruned(acct)
    return Pushes(
        ref,
        str(doc["state"]),
        float(doc["since"]),
        str(doc["reason"]),
        str(doc["details"]),
        int(doc["skipped"]),
        tuple((int(e["id"]), str(e["url"]), tuple(e["types"]), bool(e["enabled"])) for e in doc["endpoints"]),
        tuple(sorted((str(k), int(v)) for k, v in counts.items())),
        tuple(_push_row(d) for d in docs),
        total,
        offset,
        limit,
        tuple(sorted(pruned.items())),
    )


# ------------------------------------------------------------------ finance
def finance_transactions(acct: Account) -> list[Transaction]:
    """The finance operations of the living marketplace (`model/finance.py`, also served by
    `/v3/finance/transaction/list` until Ozon switched it off, 2026-09-08): sales, returns,
    compensations with their commission and logistics."""
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
# how many each source has, without deriving them (the overview)
TRANSACTION_COUNTS: tuple[Callable[[Account], int], ...] = (finance_model.count,)


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
        counts = store.kept_status_counts()  # what the log keeps, not every answer since the reset
        served = sum(store.status_counts().values())
    rows = tuple(_request_row(d) for d in found[:limit])
    older = rows[-1].seq if len(found) > limit else None
    return RequestLog(rows, kept, tuple(sorted(counts.items())), older, served)


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
        _, archived = search_products(acct, visibility="ARCHIVED", limit=0)  # counted in the index
        recent = tuple(product_row(acct, p, names) for p in store.page(ref.client_id, PRODUCT, 0, RECENT))
        counted: dict[str, int] = {}
        for source in POSTING_COUNTS:
            for status, n in source(acct).items():
                counted[status] = counted.get(status, 0) + n
        posted = ordered_counts(counted)
        transactions = sum(count(acct) for count in TRANSACTION_COUNTS)
        return Overview(
            account=ref,
            accounts=tuple(accounts(store)),
            api_date=api_date,
            now=epoch(now),
            products=total,
            archived=archived,
            warehouses=store.count(ref.client_id, WAREHOUSE),
            stock_entries=store.count(ref.client_id, STOCK),
            postings=posted,
            transactions=transactions,
            requests=store.request_count(),
            recent=recent,
            returns=store.count(ref.client_id, returns_model.RETURN)
            + store.count(ref.client_id, returns_model.RFBS_RETURN),
            reviews=store.count(ref.client_id, reviews_model.REVIEW),
            questions=store.count(ref.client_id, reviews_model.QUESTION),
            chats=store.count(ref.client_id, chats_model.CHAT),
            activity=tuple(event_row(e) for e in market.recent(acct, ACTIVITY)),
        )
