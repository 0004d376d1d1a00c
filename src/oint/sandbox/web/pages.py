"""The web view's pages: pure functions from the data of `views.py` to HTML text.

Every value that comes from the state (names, offer ids, URLs, request bodies) goes through
`esc`; an image or a link is made only of an http(s) URL. No JavaScript: the pages are plain
server-rendered HTML with a little inline CSS. The catalogue's pictures are remote: each sits on
a local placeholder (an inline SVG, `PLACEHOLDER`), which is what shows when the picture cannot
load (offline) or there is none.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable, Sequence
from urllib.parse import quote, urlencode

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
    PostingRow,
    Postings,
    ProductDetail,
    ProductList,
    ProductRow,
    Pushes,
    Questions,
    RequestDetail,
    RequestLog,
    RequestRow,
    ReturnRow,
    Returns,
    Reviews,
    StockRow,
)

ROOT = "/__sandbox/"
SHOWN = 16 * 1024  # characters of a request or answer body a detail page shows
NAV = (
    ("Overview", ""),
    ("Products", "products"),
    ("Postings", "postings"),
    ("Returns", "returns"),
    ("Reviews", "reviews"),
    ("Questions", "questions"),
    ("Chats", "chats"),
    ("Finance", "finance"),
    ("Pushes", "pushes"),
)
# a picture frame drawn inline (the CSP allows data: images): the background of every product
# picture and, over a picture that could not load (offline), its ::after (a browser draws that
# only for a broken image), so the page shows this, never a broken image
PLACEHOLDER = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 48 48'%3E"
    "%3Crect width='48' height='48' fill='%23e6e9ef'/%3E"
    "%3Ccircle cx='17' cy='17' r='5' fill='%23a9b1bf'/%3E"
    "%3Cpath d='M6 40l12-14 8 9 6-6 10 11z' fill='%23a9b1bf'/%3E%3C/svg%3E"
)
# the catalogue search's visibility groups as the page names them (Ozon's name in brackets)
VISIBILITY_NAMES = {
    "EVERY": "every product, archived too",
    "ALL": "all but archived (ALL)",
    "VISIBLE": "visible: created, priced (VISIBLE)",
    "IN_SALE": "on sale: created, in stock (IN_SALE)",
    "EMPTY_STOCK": "no stock (EMPTY_STOCK)",
    "MODERATED": "created at Ozon (MODERATED)",
    "NOT_MODERATED": "not created (NOT_MODERATED)",
    "VALIDATION_STATE_FAIL": "with errors (VALIDATION_STATE_FAIL)",
    "EMPTY_BARCODE": "without barcode (EMPTY_BARCODE)",
    "BARCODE_EXISTS": "with barcode (BARCODE_EXISTS)",
    "ARCHIVED": "archived (ARCHIVED)",
}
STOCK_NAMES = {"": "any stock", "present": "stock present", "none": "no stock"}
CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:.6em 1.2em;display:flex;gap:1.2em;align-items:baseline}
header a{color:#cfe0ff;text-decoration:none}header a:hover{text-decoration:underline}
header .brand{font-weight:600;color:#fff}header .who{margin-left:auto;color:#aab}
main{padding:1em 1.2em;max-width:80em}h1{font-size:1.4em;margin:.2em 0 .6em}h2{font-size:1.1em}
table{border-collapse:collapse;background:#fff;margin:.4em 0 1em}
th,td{border:1px solid #dde;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#eef0f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
img.thumb,.thumb{width:48px;height:48px;object-fit:contain;display:inline-block}
img.pic,.pic{width:160px;height:120px;object-fit:contain;margin:.2em;display:inline-block}
.thumb,.pic{background:#e6e9ef url("%PLACEHOLDER%") center/contain no-repeat;position:relative}
img.thumb::after,img.pic::after{content:"";position:absolute;inset:0;
background:#e6e9ef url("%PLACEHOLDER%") center/contain no-repeat}
form.search{display:flex;flex-wrap:wrap;gap:.5em;align-items:center;margin:.2em 0 .8em}
form.search input[type=search]{min-width:22em;padding:.3em .5em}
.late{color:#b0142a;font-weight:600}.nw{white-space:nowrap}.stars{color:#c78a00;letter-spacing:.1em}
ol.timeline{list-style:none;padding:0;margin:.4em 0 1em}
ol.timeline li{background:#fff;border:1px solid #dde;border-left:4px solid #789;
padding:.3em .6em;margin:.2em 0}
.chat{max-width:44em}.msg{background:#fff;border:1px solid #dde;padding:.4em .7em;margin:.4em 0;
max-width:34em;white-space:pre-wrap}.msg.Seller{margin-left:8em;background:#eef5ff}.msg .muted{display:block}
pre{background:#fff;border:1px solid #dde;padding:.6em;overflow:auto;white-space:pre-wrap;
word-break:break-all;max-height:40em}
.s2{color:#176c2c}.s4{color:#a35a00}.s5{color:#b0142a}.muted{color:#778}.empty{color:#778;font-style:italic}
.tabs a{margin-right:.8em}.tabs a.on{font-weight:600;text-decoration:none;color:#1d2330}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin-bottom:1em}
.card{background:#fff;border:1px solid #dde;padding:.6em 1em;min-width:9em;color:inherit;text-decoration:none}
.card:hover{border-color:#789}
.card b{display:block;font-size:1.5em}
""".replace("%PLACEHOLDER%", PLACEHOLDER)


# ------------------------------------------------------------------ helpers
def esc(value: object) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape(str(value), quote=True)


def href(path: str, account: AccountRef | None = None, **query: object) -> str:
    """A link to a page of the view (escaped, ready for an attribute): `path` relative to ROOT
    (URL-encoded: a posting number or a chat id in it stays one segment);
    the account is named unless it is the default one; empty query values are left out."""
    params = {k: str(v) for k, v in query.items() if v not in (None, "")}
    if account is not None and not account.default:
        params = {"account": account.client_id, **params}
    return esc(ROOT + quote(path, safe="/") + ("?" + urlencode(params) if params else ""))


def is_web_url(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def image(url: str, css: str = "thumb") -> str:
    """An external image on the local placeholder (it may never load: then the placeholder shows);
    the placeholder alone for no URL or a non-web one."""
    if not is_web_url(url):
        return f'<span class="{css}" role="img" aria-label="no picture"></span>'
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


def page_range(offset: int, shown: int, total: int) -> str:
    """ "51–100 of 230" ("" for an empty page)."""
    return f'<p class="muted">{offset + 1:,}–{offset + shown:,} of {total:,}</p>' if shown else ""


def page_links(
    path: str, account: AccountRef | None, offset: int, limit: int, shown: int, total: int, **query: object
) -> str:
    """The links to the previous and the next page of a list (its query kept); "" when it has one page."""
    links = []
    if offset > 0:
        previous = max(0, offset - limit) or None
        links.append(f'<a href="{href(path, account, **query, offset=previous)}">← previous</a>')
    if offset + shown < total and shown:
        links.append(f'<a href="{href(path, account, **query, offset=offset + shown)}">next →</a>')
    return '<p class="tabs">' + "".join(links) + "</p>" if links else ""


def posting_link(number: str, account: AccountRef | None) -> str:
    return f'<a class="nw" href="{href(f"postings/{number}", account)}">{esc(number)}</a>' if number else ""


def stars(rating: int) -> str:
    n = max(0, min(5, rating))
    return f'<span class="stars" title="{n} of 5">{"★" * n}{"☆" * (5 - n)}</span>'


# events about a part of a posting: its page names the lines (the others are about all of them)
PARTIAL_EVENTS = frozenset({"cancelled", "returned", "compensation"})


def timeline(events: Sequence[EventRow], account: AccountRef | None, *, with_posting: bool = True) -> str:
    """Events as a list, each with its time, type, posting (linked) and details; on a posting's
    own page (`with_posting=False`) the lines only of events about a part of it."""
    out = []
    for e in events:
        where = f" · {esc(e.scheme)} {posting_link(e.posting, account)}" if with_posting and e.posting else ""
        items = e.items if with_posting or e.type in PARTIAL_EVENTS else ""
        detail = " · ".join(x for x in (e.detail, items) if x)
        detail = f'<br><span class="muted">{esc(detail)}</span>' if detail else ""
        out.append(f"<li>{esc(when(e.at))} · <b>{esc(e.type)}</b>{where}{detail}</li>")
    return '<ol class="timeline">' + "".join(out) + "</ol>"


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
        card("archived", v.archived, "products", visibility="ARCHIVED"),
        card("warehouses", v.warehouses, "products"),
        card("stock entries", v.stock_entries, "products", stock="present"),
        card("postings", posted, "postings"),
        card("returns", v.returns, "returns"),
        card("reviews", v.reviews, "reviews"),
        card("questions", v.questions, "questions"),
        card("chats", v.chats, "chats"),
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
    body += "<h2>Activity</h2>"
    if v.activity:
        body += '<p class="muted">The newest events of the marketplace, newest first.</p>'
        body += timeline(v.activity, a)
    else:
        body += empty("Nothing has happened yet: no orders, shipments, deliveries or returns.")
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
                image(p.images[0] if p.images else ""),
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


def search_form(v: ProductList) -> str:
    """The catalogue's search: a GET form back to the page (no script)."""
    q = v.query
    hidden = (
        f'<input type="hidden" name="account" value="{esc(v.account.client_id)}">'
        if not v.account.default
        else ""
    )

    def options(names: dict[str, str], chosen: str) -> str:
        return "".join(
            f'<option value="{esc(k)}"{" selected" if k == chosen else ""}>{esc(label)}</option>'
            for k, label in names.items()
        )

    groups = {k: VISIBILITY_NAMES.get(k, k) for k in v.visibilities or VISIBILITY_NAMES}
    return (
        f'<form class="search" method="get" action="{href("products")}">{hidden}'
        f'<input type="search" name="q" value="{esc(q.text)}" placeholder="offer id, name or SKU" '
        'aria-label="offer id, name or SKU" maxlength="200">'
        f'<select name="visibility" aria-label="visibility">{options(groups, q.visibility)}</select>'
        f'<select name="stock" aria-label="stock">{options(STOCK_NAMES, q.stock)}</select>'
        '<button type="submit">Search</button>'
        + (f' <a href="{href("products", v.account)}">clear</a>' if q.narrowed else "")
        + "</form>"
    )


def products(v: ProductList) -> str:
    q = v.query
    query = {
        "q": q.text.strip(),
        "visibility": q.visibility if q.visibility != "EVERY" else "",
        "stock": q.stock,
    }
    body = search_form(v)
    if not v.rows:
        if q.narrowed and v.total == 0:
            body += empty("No product matches.")
        else:
            body += empty("No products yet." if v.total == 0 else "No products on this page.")
        return layout("Products", body, v.account)
    body += page_range(v.offset, len(v.rows), v.total).replace(
        "</p>", " matching</p>" if q.narrowed else "</p>"
    )
    body += product_table(v.rows, v.account)
    body += page_links("products", v.account, v.offset, v.limit, len(v.rows), v.total, **query)
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


def posting_table(rows: Sequence[PostingRow], account: AccountRef | None = None) -> str:
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
                posting_link(r.number, account),
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
        body += posting_table(v.rows, v.account)
    title = f"Postings: {v.status}" if v.status else "Postings"
    return layout(title, body, v.account)


def posting(v: PostingDetail) -> str:
    r, a = v.row, v.account
    ship_by = esc(when(v.ship_by)) if v.ship_by else "—"
    if v.overdue:
        ship_by += ' <span class="late">overdue: not shipped</span>'
    facts = [
        ("scheme", esc(r.scheme)),
        (
            "status",
            esc(r.status) + (f' <span class="muted">{esc(r.substatus)}</span>' if r.substatus else ""),
        ),
        ("order", esc(v.order_number)),
        ("created", esc(when(r.created_at))),
        ("ship by", ship_by),
        ("warehouse, city", esc(r.place)),
        ("delivery", esc(v.delivery)),
        ("tracking number", esc(v.tracking_number or "—")),
    ]
    if v.cancellation:
        facts.append(("cancelled", esc(v.cancellation)))
    if v.chat_id:
        facts.append(("chat", f'<a href="{href(f"chats/{v.chat_id}", a)}">with the buyer</a>'))
    body = table(("", ""), ((esc(k), val) for k, val in facts))
    body += "<h2>Products</h2>" + table(
        ("product", "offer id", "SKU", "quantity", "price"),
        (
            (
                esc(x.name),
                esc(x.offer_id),
                esc(x.sku or "—"),
                str(x.quantity),
                esc(money(x.price, x.currency)),
            )
            for x in r.lines
        ),
        numeric=(2, 3, 4),
    )
    body += "<h2>History</h2>"
    if v.history:
        body += '<p class="muted">From the marketplace\'s event log, oldest first.</p>'
        body += timeline(v.history, a, with_posting=False)
    else:
        body += empty("No events recorded for this posting (the demo's own postings have none).")
    if v.returns:
        body += "<h2>Returns</h2>" + return_table(v.returns, a)
    return layout(f"Posting {r.number}", body, a)


def return_table(rows: Sequence[ReturnRow], account: AccountRef | None) -> str:
    return table(
        ("id", "posting", "product", "quantity", "reason", "status", "created", "changed"),
        (
            (
                esc(x.id),
                f"{esc(x.scheme)} {posting_link(x.posting, account)}",
                f'{esc(x.product)} <span class="muted">({esc(x.offer_id)})</span>',
                str(x.quantity),
                esc(x.reason),
                esc(x.status),
                esc(when(x.created_at)),
                esc(when(x.changed_at)),
            )
            for x in rows
        ),
        numeric=(3,),
    )


def returns(v: Returns, rfbs: bool = False) -> str:
    a = v.account
    on, off = ' class="on"', ""
    tabs = (
        f'<p class="tabs"><a href="{href("returns", a)}"{off if rfbs else on}>FBS and FBO returns</a>'
        f'<a href="{href("returns", a, kind="rfbs")}"{on if rfbs else off}>rFBS return requests</a></p>'
    )
    title = "rFBS return requests" if rfbs else "Returns"
    if not v.rows:
        return layout(
            title, tabs + empty("No returns yet." if not v.total else "No returns on this page."), a
        )
    body = tabs + page_range(v.offset, len(v.rows), v.total) + return_table(v.rows, a)
    body += page_links("returns", a, v.offset, v.limit, len(v.rows), v.total, kind="rfbs" if rfbs else "")
    return layout(title, body, a)


def product_cell(name: str, product_id: int, sku: int, account: AccountRef) -> str:
    """A product named by a review or a question: linked when it is in the catalogue."""
    label = esc(name or f"SKU {sku}")
    if product_id:
        label = f'<a href="{href(f"products/{product_id}", account)}">{label}</a>'
    return f'{label}<br><span class="muted">SKU {esc(sku)}</span>'


def replies(texts: Sequence[str]) -> str:
    return "".join(f'<br><span class="muted">↳ {esc(t)}</span>' for t in texts)


def reviews(v: Reviews) -> str:
    a = v.account
    if not v.rows:
        return layout("Reviews", empty("No reviews yet." if not v.total else "No reviews on this page."), a)
    body = page_range(v.offset, len(v.rows), v.total)
    body += table(
        ("published", "product", "rating", "review and the seller's comments", "status", "posting"),
        (
            (
                esc(when(x.published_at)),
                product_cell(x.product, x.product_id, x.sku, a),
                stars(x.rating),
                esc(x.text) + replies(x.comments),
                esc(x.status),
                posting_link(x.posting, a),
            )
            for x in v.rows
        ),
    )
    body += page_links("reviews", a, v.offset, v.limit, len(v.rows), v.total)
    return layout("Reviews", body, a)


def questions(v: Questions) -> str:
    a = v.account
    if not v.rows:
        return layout(
            "Questions", empty("No questions yet." if not v.total else "No questions on this page."), a
        )
    body = page_range(v.offset, len(v.rows), v.total)
    body += table(
        ("published", "product", "question and the answers", "author", "status"),
        (
            (
                esc(when(x.published_at)),
                product_cell(x.product, x.product_id, x.sku, a),
                esc(x.text) + replies(x.answers),
                esc(x.author),
                esc(x.status),
            )
            for x in v.rows
        ),
    )
    body += page_links("questions", a, v.offset, v.limit, len(v.rows), v.total)
    return layout("Questions", body, a)


def chat_cells(c: ChatRow, a: AccountRef) -> tuple[str, ...]:
    last = c.last
    said = f"{esc(last.who)}: {esc(last.text)}" if last else ""
    return (
        f'<a href="{href(f"chats/{c.id}", a)}">{esc(c.id)}</a>',
        posting_link(c.posting, a),
        esc(c.status),
        esc(when(c.created_at)),
        str(c.messages),
        f"<b>{c.unread}</b>" if c.unread else "0",
        said,
        esc(when(last.at)) if last else "",
    )


CHAT_HEADERS = ("chat", "posting", "status", "started", "messages", "unread", "last message", "at")


def chats(v: Chats) -> str:
    a = v.account
    if not v.rows:
        return layout("Chats", empty("No chats yet." if not v.total else "No chats on this page."), a)
    body = page_range(v.offset, len(v.rows), v.total)
    body += table(CHAT_HEADERS, (chat_cells(c, a) for c in v.rows), numeric=(4, 5))
    body += page_links("chats", a, v.offset, v.limit, len(v.rows), v.total)
    return layout("Chats", body, a)


def message_block(m: MessageRow) -> str:
    unread = "" if m.read else " · unread"
    return (
        f'<div class="msg {"Seller" if m.who == "Seller" else "Customer"}">'
        f'<span class="muted">{esc(m.who)} · {esc(when(m.at))}{unread}</span>{esc(m.text)}</div>'
    )


def chat(v: ChatDetail) -> str:
    a = v.account
    body = table(CHAT_HEADERS, [chat_cells(v.row, a)], numeric=(4, 5))
    body += '<div class="chat">' + "".join(message_block(m) for m in v.messages) + "</div>"
    if not v.messages:
        body += empty("No messages yet.")
    return layout(f"Chat about {v.row.posting}" if v.row.posting else "Chat", body, a)


PUSH_HEADERS = ("#", "Made", "Type", "About", "State", "Attempts", "Last answer", "Body", "Next try")


def pushes(v: Pushes) -> str:
    """The push notifications: the URLs, active or suspended (since when, why), the pushes."""
    a = v.account
    if v.state == "active":
        state = f'<p>Pushes are <b class="s2">active</b> since {esc(epoch(v.since))}.</p>'
    else:
        state = (
            f'<p>Pushes are <b class="s5">suspended</b> since {esc(epoch(v.since))}: {esc(v.details)} '
            f"({esc(v.reason)}). Confirming the URL again resumes them"
            f" ({v.skipped:,} not sent meanwhile).</p>"
        )
    if v.endpoints:
        body = state + table(
            ("Id", "URL", "Types", "On"),
            [
                (str(i), esc(url), esc(", ".join(types)), "yes" if on else "no")
                for i, url, types, on in v.endpoints
            ],
        )
    else:
        body = empty("No push URL: set one with oint sandbox push --url URL or /v1/notification/set.")
    if v.counts:
        body += "<p>" + " · ".join(f"{esc(k)}: {n:,}" for k, n in v.counts) + "</p>"
    if v.pruned:
        body += (
            '<p class="muted">Finished pushes pruned after their retention: '
            + " · ".join(f"{esc(k)}: {n:,}" for k, n in v.pruned)
            + "</p>"
        )
    if not v.rows:
        return layout("Push notifications", body + empty("No pushes yet."), a)
    body += page_range(v.offset, len(v.rows), v.total)
    rows = [
        (
            str(r.seq),
            esc(epoch(r.created)),
            esc(r.type),
            posting_link(r.subject, a) if "-" in r.subject and r.subject[:1].isdigit() else esc(r.subject),
            f'<span class="{"s2" if r.state == "delivered" else "s5" if r.state != "pending" else ""}">'
            f"{esc(r.state)}</span>",
            str(r.attempts),
            esc(r.last),
            f'<span class="muted">{esc(r.answer[:120])}</span>',
            esc(epoch(r.next_at)) if r.next_at is not None else "",
        )
        for r in v.rows
    ]
    body += table(PUSH_HEADERS, rows, numeric=(0, 5))
    body += page_links("pushes", a, v.offset, v.limit, len(v.rows), v.total)
    return layout("Push notifications", body, a)


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
    counts = ", ".join(f'<span class="{status_class(s)}">{s}</span>: {n:,}' for s, n in v.statuses)
    logged = sum(n for _, n in v.statuses)
    body = f'<p class="muted">The log keeps the newest {v.kept:,} requests to the API; it holds {logged:,}.'
    body += f" Of these, by status: {counts}." if counts else ""
    if v.served > logged:
        body += f" Since the last reset the sandbox answered {v.served:,} requests in all."
    body += "</p>"
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
