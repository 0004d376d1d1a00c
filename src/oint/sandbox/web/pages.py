"""The web view's pages: pure functions from the data of `views.py` to HTML text.

Every value that comes from the state (names, offer ids, URLs, request bodies) goes through
`esc`; an image or a link is made only of an http(s) URL. No JavaScript: the pages are plain
server-rendered HTML with a little inline CSS.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable, Sequence
from urllib.parse import urlencode

from oint.sandbox.web.views import (
    AccountRef,
    Finance,
    Overview,
    PostingRow,
    Postings,
    ProductDetail,
    ProductList,
    ProductRow,
    RequestDetail,
    RequestLog,
    RequestRow,
    StockRow,
)

ROOT = "/__sandbox/"
SHOWN = 16 * 1024  # characters of a request or answer body a detail page shows
NAV = (("Overview", ""), ("Products", "products"), ("Postings", "postings"), ("Finance", "finance"))
CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:.6em 1.2em;display:flex;gap:1.2em;align-items:baseline}
header a{color:#cfe0ff;text-decoration:none}header a:hover{text-decoration:underline}
header .brand{font-weight:600;color:#fff}header .who{margin-left:auto;color:#aab}
main{padding:1em 1.2em;max-width:80em}h1{font-size:1.4em;margin:.2em 0 .6em}h2{font-size:1.1em}
table{border-collapse:collapse;background:#fff;margin:.4em 0 1em}
th,td{border:1px solid #dde;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#eef0f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
img.thumb{width:48px;height:48px;object-fit:contain;background:#eee}
img.pic{width:160px;height:120px;object-fit:contain;background:#eee;margin:.2em}
pre{background:#fff;border:1px solid #dde;padding:.6em;overflow:auto;white-space:pre-wrap;
word-break:break-all;max-height:40em}
.s2{color:#176c2c}.s4{color:#a35a00}.s5{color:#b0142a}.muted{color:#778}.empty{color:#778;font-style:italic}
.tabs a{margin-right:.8em}.tabs a.on{font-weight:600;text-decoration:none;color:#1d2330}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin-bottom:1em}
.card{background:#fff;border:1px solid #dde;padding:.6em 1em;min-width:9em;color:inherit;text-decoration:none}
.card:hover{border-color:#789}
.card b{display:block;font-size:1.5em}
"""


# ------------------------------------------------------------------ helpers
def esc(value: object) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape(str(value), quote=True)


def href(path: str, account: AccountRef | None = None, **query: object) -> str:
    """A link to a page of the view (escaped, ready for an attribute): `path` relative to ROOT;
    the account is named unless it is the default one; empty query values are left out."""
    params = {k: str(v) for k, v in query.items() if v not in (None, "")}
    if account is not None and not account.default:
        params = {"account": account.client_id, **params}
    return esc(ROOT + path + ("?" + urlencode(params) if params else ""))


def is_web_url(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def image(url: str, css: str = "thumb") -> str:
    """An external image (it may never load: the page does not depend on it); "" for a non-web URL."""
    if not is_web_url(url):
        return ""
    return f'<img class="{css}" src="{esc(url)}" alt="" loading="lazy" referrerpolicy="no-referrer">'


def when(stamp: str) -> str:
    """Ozon's timestamp (2025-10-14T12:14:12.617004Z) to the second, as text."""
    return stamp.replace("T", " ")[:19] if stamp else ""


def epoch(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def money(value: object, currency: str = "", *, zero: bool = True) -> str:
    """A price as the seller reads it: 1300.00 RUB; "" when unset (or zero, with `zero=False`:
    an old price or a minimum price of 0 is no price)."""
    if value in (None, ""):
        return ""
    try:
        number = float(str(value))
    except ValueError:
        return f"{value} {currency}".strip()
    if not number and not zero:
        return ""
    return f"{number:.2f} {currency}".strip()


def status_class(status: int) -> str:
    return f"s{status // 100}" if 200 <= status < 600 else ""


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """A table of already escaped cells; `numeric`: indexes of right-aligned columns."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers) if any(headers) else ""
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=n' if i in numeric else ''}>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    head = f"<thead><tr>{head}</tr></thead>" if head else ""
    return f"<table>{head}<tbody>{body}</tbody></table>"


def empty(text: str) -> str:
    return f'<p class="empty">{esc(text)}</p>'


def layout(title: str, body: str, account: AccountRef | None = None) -> str:
    """A whole page: the navigation (links keep the account), the title and `body` (HTML)."""
    nav = "".join(f'<a href="{href(path, account)}">{esc(name)}</a>' for name, path in NAV)
    nav += f'<a href="{href("requests")}">Requests</a>'
    who = (
        f'<span class="who">{esc(account.name)} · Client-Id {esc(account.client_id)}</span>'
        if account
        else ""
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'  # no request for /favicon.ico (it would fill the API's log)
        f"<title>{esc(title)} · oint sandbox</title><style>{CSS}</style></head>"
        f'<body><header><a class="brand" href="{href("", account)}">oint sandbox</a>{nav}{who}</header>'
        f"<main><h1>{esc(title)}</h1>\n{body}\n</main></body></html>\n"
    )


def shown(text: str, size: int | None = None) -> str:
    """A body for a <pre>: JSON pretty-printed, cut at SHOWN characters, with a note of what is
    left out (`size`: bytes of the whole body when what we have is already a part of it)."""
    whole = size if size is not None else len(text.encode())
    try:
        text = json.dumps(json.loads(text), ensure_ascii=False, indent=2) if text.strip() else text
    except ValueError:
        pass
    note = ""
    if len(text) > SHOWN:
        text = text[:SHOWN]
        note = f'<p class="muted">Truncated: the first {SHOWN:,} characters of {whole:,} bytes.</p>'
    elif size is not None and len(text.encode()) < size:
        note = f'<p class="muted">Truncated: the log keeps the first part of {whole:,} bytes.</p>'
    return f"<pre>{esc(text)}</pre>{note}" if text else empty("(empty)")


# ------------------------------------------------------------------ pages
def overview(v: Overview) -> str:
    a = v.account

    def card(label: str, value: int, path: str, **query: object) -> str:
        return f'<a class="card" href="{href(path, a, **query)}"><b>{value:,}</b>{esc(label)}</a>'

    posted = sum(n for _, n in v.postings)
    cards = [
        card("products", v.products, "products"),
        card("archived", v.archived, "products"),
        card("warehouses", v.warehouses, "products"),
        card("stock entries", v.stock_entries, "products"),
        card("postings", posted, "postings"),
        card("transactions", v.transactions, "finance"),
    ]
    cards.append(f'<a class="card" href="{href("requests")}"><b>{v.requests:,}</b>requests logged</a>')
    body = f'<p class="muted">API date {esc(v.api_date)} · sandbox time {esc(v.now)} UTC</p>'
    body += '<div class="cards">' + "".join(cards) + "</div>"
    if v.postings:
        body += (
            '<h2>Postings by status</h2><p class="tabs">'
            + "".join(f'<a href="{href("postings", a, status=s)}">{esc(s)}: {n}</a>' for s, n in v.postings)
            + "</p>"
        )
    body += "<h2>Catalogue</h2>"
    if v.recent:
        body += product_table(v.recent, a)
        if v.products > len(v.recent):
            body += f'<p><a href="{href("products", a)}">All {v.products:,} products →</a></p>'
    else:
        body += empty("No products yet.")
    if len(v.accounts) > 1:
        body += "<h2>Accounts</h2>" + table(
            ("Client-Id", "name"),
            (
                (
                    f'<a href="{href("", x)}">{esc(x.client_id)}</a>',
                    esc(x.name) + (" (default)" if x.default else ""),
                )
                for x in v.accounts
            ),
        )
    return layout("Overview", body, a)


def stock_cell(stocks: Sequence[StockRow]) -> str:
    return (
        "<br>".join(f"{esc(s.warehouse)}: <b>{s.present}</b>" for s in stocks)
        or '<span class="muted">—</span>'
    )


def product_table(rows: Sequence[ProductRow], account: AccountRef) -> str:
    return table(
        ("", "product", "offer id", "SKU", "price", "old price", "stocks (present)", "status"),
        (
            (
                image(p.images[0]) if p.images else "",
                f'<a href="{href(f"products/{p.id}", account)}">{esc(p.name or "(no name)")}</a>',
                esc(p.offer_id),
                esc(p.sku or "—"),
                esc(money(p.price, p.currency)),
                esc(money(p.old_price, p.currency, zero=False)),
                stock_cell(p.stocks),
                esc(p.status) + (" · archived" if p.archived else ""),
            )
            for p in rows
        ),
        numeric=(3, 4, 5),
    )


def products(v: ProductList) -> str:
    if not v.rows:
        return layout(
            "Products", empty("No products yet." if v.total == 0 else "No products on this page."), v.account
        )
    last = v.offset + len(v.rows)
    body = f'<p class="muted">{v.offset + 1}–{last} of {v.total:,}</p>' + product_table(v.rows, v.account)
    pages = []
    if v.offset > 0:
        previous = max(0, v.offset - v.limit) or None
        pages.append(f'<a href="{href("products", v.account, offset=previous)}">← previous</a>')
    if last < v.total:
        pages.append(f'<a href="{href("products", v.account, offset=last)}">next →</a>')
    if pages:
        body += '<p class="tabs">' + "".join(pages) + "</p>"
    return layout("Products", body, v.account)


def product(v: ProductDetail) -> str:
    p = v.product
    facts = (
        ("product id", str(p.id)),
        ("offer id", p.offer_id),
        ("SKU", str(p.sku or "—")),
        ("status", p.status + (" · archived" if p.archived else "")),
        ("barcodes", ", ".join(v.barcodes) or "—"),
        ("created", when(v.created_at)),
        ("updated", when(v.updated_at)),
    )
    body = table(("", ""), ((esc(k), esc(val)) for k, val in facts))
    if v.description:
        body += f"<p>{esc(v.description)}</p>"
    body += "<h2>Images</h2>"
    pictures = [(u, "") for u in p.images] + [(u, "360°") for u in v.images360]
    pictures += [(v.color_image, "colour")] if v.color_image else []
    if pictures:
        body += table(
            ("", "URL", ""),
            (
                (
                    image(u, "pic"),
                    f'<a href="{esc(u)}" rel="noreferrer">{esc(u)}</a>' if is_web_url(u) else esc(u),
                    esc(kind or ("primary" if i == 0 else "")),
                )
                for i, (u, kind) in enumerate(pictures)
            ),
        )
    else:
        body += empty("No images.")
    body += "<h2>Prices</h2>" + table(
        ("price", "old price", "minimum price", "VAT", "currency"),
        [
            (
                esc(money(p.price)),
                esc(money(p.old_price, zero=False)),
                esc(money(p.min_price, zero=False)),
                esc(p.vat),
                esc(p.currency),
            )
        ],
        numeric=(0, 1, 2),
    )
    body += "<h2>Stocks per warehouse</h2>"
    if p.stocks:
        body += table(
            ("warehouse", "id", "type", "available", "reserved", "present", "updated"),
            (
                (
                    esc(s.warehouse),
                    esc(s.warehouse_id),
                    esc(s.source),
                    str(s.available),
                    str(s.reserved),
                    f"<b>{s.present}</b>",
                    esc(when(s.updated_at)),
                )
                for s in p.stocks
            ),
            numeric=(3, 4, 5),
        )
    else:
        body += empty("No stock on any warehouse.")
    if v.errors:
        body += "<h2>Errors</h2><ul>" + "".join(f"<li>{esc(e)}</li>" for e in v.errors) + "</ul>"
    if v.document:
        body += f"<details><summary>Stored document</summary>{shown(v.document)}</details>"
    return layout(p.name or f"Product {p.id}", body, v.account)


def posting_table(rows: Sequence[PostingRow]) -> str:
    def lines(r: PostingRow) -> str:
        return "<br>".join(
            f"{esc(x.name)} <span class=muted>({esc(x.offer_id)})</span> × {x.quantity} · "
            f"{esc(money(x.price, x.currency))}"
            for x in r.lines
        )

    return table(
        ("posting", "scheme", "status", "created", "products", "where"),
        (
            (
                esc(r.number),
                esc(r.scheme),
                esc(r.status) + (f'<br><span class="muted">{esc(r.substatus)}</span>' if r.substatus else ""),
                esc(when(r.created_at)),
                lines(r),
                esc(r.place),
            )
            for r in rows
        ),
    )


def postings(v: Postings) -> str:
    tabs = [(f'<a href="{href("postings", v.account)}"{" class=on" if not v.status else ""}>all</a>')]
    tabs += [
        f'<a href="{href("postings", v.account, status=s)}"{" class=on" if s == v.status else ""}>'
        f"{esc(s)} ({n})</a>"
        for s, n in v.counts
    ]
    body = '<p class="tabs">' + "".join(tabs) + "</p>"
    if not v.rows:
        body += empty(f"No postings with status {v.status}." if v.status else "No postings yet.")
    else:
        if v.total > len(v.rows):
            body += f'<p class="muted">The newest {len(v.rows):,} of {v.total:,}.</p>'
        body += posting_table(v.rows)
    title = f"Postings: {v.status}" if v.status else "Postings"
    return layout(title, body, v.account)


def finance(v: Finance) -> str:
    if not v.rows and not v.totals:
        return layout("Finance", empty("No transactions yet."), v.account)
    body = "<h2>Totals</h2>" + table(
        ("", "amount"),
        ((esc(name), esc(money(amount, v.currency))) for name, amount in v.totals),
        numeric=(1,),
    )
    body += "<h2>Transactions</h2>"
    if v.rows:
        if v.total > len(v.rows):
            body += f'<p class="muted">The newest {len(v.rows):,} of {v.total:,}.</p>'
        body += table(
            ("id", "date", "type", "posting", "description", "amount"),
            (
                (
                    esc(t.id),
                    esc(when(t.date)),
                    esc(t.type),
                    esc(t.posting),
                    esc(t.description),
                    f'<span class="{"s5" if t.amount < 0 else "s2"}">'
                    f"{esc(money(t.amount, t.currency))}</span>",
                )
                for t in v.rows
            ),
            numeric=(5,),
        )
    else:
        body += empty("No transactions yet.")
    return layout("Finance", body, v.account)


def request_cells(r: RequestRow) -> tuple[str, ...]:
    return (
        f'<a href="{href(f"requests/{r.seq}")}">{r.seq}</a>',
        esc(r.at),
        esc(r.client_id),
        esc(r.method),
        esc(r.path),
        f'<span class="{status_class(r.status)}">{r.status}</span>',
        f"{r.size:,}",
        f"{r.answer_size:,}",
    )


REQUEST_HEADERS = (
    "#",
    "time (UTC)",
    "Client-Id",
    "method",
    "path",
    "status",
    "request bytes",
    "answer bytes",
)


def requests(v: RequestLog) -> str:
    counts = ", ".join(f'<span class="{status_class(s)}">{s}</span>: {n}' for s, n in v.statuses)
    body = f'<p class="muted">The log keeps the newest {v.kept:,} requests to the API.'
    body += f" Answers by status: {counts}.</p>" if counts else "</p>"
    if not v.rows:
        body += empty("No requests yet." if v.kept else "The request log is off (OINT_SANDBOX_LOG=0).")
    else:
        body += table(REQUEST_HEADERS, (request_cells(r) for r in v.rows), numeric=(0, 6, 7))
        if v.older is not None:
            body += f'<p><a href="{href("requests", before=v.older)}">older →</a></p>'
    return layout("Requests", body)


def request(v: RequestDetail) -> str:
    r = v.row
    body = table(REQUEST_HEADERS, [request_cells(r)], numeric=(0, 6, 7))
    body += "<h2>Request body</h2>" + shown(v.body)
    body += f'<h2>Answer <span class="{status_class(r.status)}">{r.status}</span></h2>'
    if v.answer_type:
        body += f'<p class="muted">{esc(v.answer_type)}, {r.answer_size:,} bytes</p>'
    if v.answer or not r.answer_size:
        body += shown(v.answer, r.answer_size)
    else:
        body += empty("A file: the log keeps its type and size only.")
    return layout(f"Request {r.seq}: {r.method} {r.path}", body)


def message(title: str, text: str, account: AccountRef | None = None) -> str:
    """A page that only says something (not found, unauthorised)."""
    return layout(title, f"<p>{esc(text)}</p>", account)
