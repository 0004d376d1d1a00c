"""The sandbox's web view without a browser: the pure renderers (escaping, empty states), the
seam to the store, the request log's answers, and the pages over HTTP with the admin-token
guard. The browser test is `test_sandbox_web_browser.py`."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import living
import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, FBS, ROOT, SandboxServer, start_server
from sandbox_http import call

from oint.sandbox.core import Sandbox
from oint.sandbox.model import chats as chats_model
from oint.sandbox.model import finance, market, postings_fbs
from oint.sandbox.model import returns as returns_model
from oint.sandbox.model import reviews as reviews_model
from oint.sandbox.model.base import Account
from oint.sandbox.model.products import (
    SEARCH_VISIBILITIES,
    ProductDoc,
    all_products,
    has_stock,
    new_product,
    save_product,
    search_products,
    set_fields,
    visible,
)
from oint.sandbox.seed import seed_catalogue
from oint.sandbox.store import ANSWER_KEPT, Store
from oint.sandbox.web import data, pages, serve
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

EVIL = '<script>alert("x")</script> & "quotes" \'too\''
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot; &#x27;too&#x27;"
ME = AccountRef("2128753", "Demo <b>store</b>")
HTML = {"Accept": "text/html,application/xhtml+xml"}
TOKEN = "s3cret"


def stock(present: int = 7) -> StockRow:
    return StockRow(1, "Склад <1>", "fbs", present - 2, 2, "2026-01-02T03:04:05.123Z")


def evil_product(**fields: object) -> ProductRow:
    base: dict[str, object] = {
        "id": 5,
        "offer_id": "<o>",
        "sku": 9,
        "name": EVIL,
        "images": ('https://img.example/a.jpg?x=1&y="2"', "javascript:alert(1)"),
        "price": "1300",
        "old_price": "0",
        "stocks": (stock(),),
    }
    base.update(fields)
    return ProductRow(**base)  # type: ignore[arg-type]  # the test's own keyword set


def no_raw(html: str) -> None:
    """Nothing of EVIL got into the page unescaped, and the page has no script at all."""
    assert "<script" not in html.lower() and '="javascript:' not in html.lower()  # as text at most
    assert 'alert("x")' not in html


# ================================================================== pure renderers
def test_product_names_and_every_other_value_are_escaped() -> None:
    html = pages.products(ProductList(ME, (evil_product(),), total=1))
    no_raw(html)
    assert ESCAPED in html and "Demo &lt;b&gt;store&lt;/b&gt;" in html and "&lt;o&gt;" in html
    assert "Склад &lt;1&gt;: <b>7</b>" in html  # the stock per warehouse
    assert 'src="https://img.example/a.jpg?x=1&amp;y=&quot;2&quot;"' in html  # an external image
    assert html.count("<img ") == 1  # a javascript: URL is no image
    detail = pages.product(
        ProductDetail(ME, evil_product(), description=EVIL, barcodes=(EVIL,), document=EVIL)
    )
    no_raw(detail)
    assert detail.count(ESCAPED) >= 4  # title, heading, description, barcodes, document
    assert "<title>" + ESCAPED + " · oint sandbox</title>" in detail
    assert detail.count('<a href="https://img.example') == 1  # only web URLs become links


def test_escaping_in_postings_finance_requests_and_links() -> None:
    line = PostingLine(EVIL, EVIL, 1, 2, "10")
    posting = PostingRow(EVIL, "FBO", EVIL, EVIL, "2026-01-01T00:00:00Z", (line,), EVIL)
    html = pages.postings(Postings(ME, EVIL, ((EVIL, 1),), (posting,), 1))
    no_raw(html)
    assert "status=%3Cscript%3E" in html  # a status in a link is URL-encoded (and the & escaped)
    t = Transaction(EVIL, "2026-01-01T00:00:00Z", EVIL, -5.5, "RUB", EVIL, EVIL)
    html = pages.finance(Finance(ME, (t,), ((EVIL, -5.5), ("total", -5.5))))
    no_raw(html)
    assert "-5.50 RUB" in html
    row = RequestRow(3, "2026-01-01 00:00:00", EVIL, "POST", "/v1/" + EVIL, 400, 10, 20)
    no_raw(pages.requests(RequestLog((row,), 1000, ((400, 1),))))
    no_raw(pages.request(RequestDetail(row, EVIL, json.dumps({"message": EVIL}), "application/json")))
    other = AccountRef("a&b", EVIL, default=False)
    assert 'href="/__sandbox/products?account=a%26b"' in pages.products(ProductList(other, (), 0))


def test_empty_states() -> None:
    assert "No products yet." in pages.products(ProductList(ME, (), total=0))
    assert "No products on this page." in pages.products(ProductList(ME, (), total=3, offset=50))
    assert "No postings yet." in pages.postings(Postings(ME, "", (), (), 0))
    assert "No postings with status delivered." in pages.postings(Postings(ME, "delivered", (), (), 0))
    assert "No transactions yet." in pages.finance(Finance(ME, (), ()))
    assert "No requests yet." in pages.requests(RequestLog((), 1000, ()))
    assert "request log is off" in pages.requests(RequestLog((), 0, ()))
    bare = pages.product(ProductDetail(ME, ProductRow(1, "A", 0, "")))
    assert "No images." in bare and "No stock on any warehouse." in bare and "Product 1" in bare
    view = Overview(ME, (ME,), "2026-01-01", "2026-01-01 00:00:00", 0, 0, 0, 0, (), 0, 0)
    assert "No products yet." in pages.overview(view)


def test_request_bodies_are_pretty_and_truncated() -> None:
    row = RequestRow(1, "", "1", "POST", "/v1/x", 200, 5, 100_000)
    html = pages.request(RequestDetail(row, '{"a":1}', "x" * (pages.SHOWN + 10), "application/json"))
    assert "{\n  &quot;a&quot;: 1\n}" in html  # JSON pretty-printed
    assert f"the first {pages.SHOWN:,} characters of 100,000 bytes" in html
    html = pages.request(RequestDetail(row, "", '{"b": 2', "application/json"))
    assert "the log keeps the first part of 100,000 bytes" in html and "(empty)" in html
    pdf = RequestRow(2, "", "1", "POST", "/v1/pdf", 200, 5, 1234)
    assert "keeps its type and size only" in pages.request(RequestDetail(pdf, "{}", "", "application/pdf"))


def test_paging_links_of_the_catalogue() -> None:
    rows = tuple(ProductRow(i, str(i), i, f"P{i}") for i in range(51, 101))
    html = pages.products(ProductList(ME, rows, total=230, offset=50, limit=50))
    assert "51–100 of 230" in html
    assert 'href="/__sandbox/products">← previous' in html and 'href="/__sandbox/products?offset=100"' in html


# ================================================================== the seam and the store
@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = Sandbox(str(tmp_path / "s.sqlite3"), rate_limits=False)
    yield box
    box.close()


def test_the_seam_reads_the_demo_state(sandbox: Sandbox) -> None:
    store, now = sandbox.store, sandbox.clock()
    with store.transaction():
        ref = data.account(store, None)
    assert ref is not None and ref.client_id == DEMO_CLIENT_ID and ref.default
    view = data.overview(store, ref, now, "2026-01-01")
    assert (view.products, view.archived, view.warehouses, view.transactions) == (5, 1, 3, 0)
    assert sum(n for _, n in view.postings) == 11 and view.postings[0] == ("awaiting_packaging", 1)
    listed = data.product_list(store, ref, now, offset=1, limit=2)
    assert [p.id for p in listed.rows] == [1111588192, 1111588193] and listed.total == 5
    detail = data.product_detail(store, ref, now, 1111588191)
    assert detail is not None and [s.source for s in detail.product.stocks] == ["fbs", "fbo"]
    assert data.product_detail(store, ref, now, 42) is None
    delivered = data.postings(store, ref, now, "delivered")
    assert delivered.total == 6 and {r.status for r in delivered.rows} == {"delivered"}
    assert data.finance(store, ref, now).rows == ()  # a new sandbox: no money has moved yet


def test_the_seam_shows_a_week_of_the_living_marketplace() -> None:
    """FBS/rFBS postings and finance operations of the marketplace models reach the pages."""
    for m in living.market():
        living.load_products(m, count=8, stock=20)
        living.run_week(m, orders_per_day=20, seed=5)
        store, now = m.sandbox.store, m.clock()
        with store.transaction():
            ref = data.account(store, None)
            acct = Account(store, DEMO_CLIENT_ID, now)
            grouped = postings_fbs.by_status(acct)
            totals = finance.totals(acct)
            operations = finance.transactions(acct)
        assert ref is not None and grouped and operations
        view = data.postings(store, ref, now)
        fbs_rows = [r for r in view.rows if r.scheme in ("FBS", "rFBS")]
        assert view.total < data.MAX_POSTINGS  # every posting is on the page
        assert len(fbs_rows) == sum(len(v) for v in grouped.values())
        counted = dict(view.counts)
        assert sum(counted.values()) == view.total
        for status, docs in grouped.items():
            assert counted[status] >= len(docs)  # FBO postings of the demo may share a status
        delivered = data.postings(store, ref, now, "delivered")
        assert delivered.rows and {r.status for r in delivered.rows} == {"delivered"}
        assert all(r.lines and r.place for r in fbs_rows)
        money = data.finance(store, ref, now)
        assert money.total == len(operations)
        named = dict(money.totals)
        assert named["total"] == pytest.approx(sum(totals.values()), abs=0.005)
        assert named["orders"] > 0 and named["returns"] < 0  # a week has sales and some returns
        overview = data.overview(store, ref, now, "2026-01-01")
        assert overview.transactions == len(operations)


def test_the_log_keeps_answers_cut_to_a_size(sandbox: Sandbox) -> None:
    auth = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": "7cc90d26-33e4-499b..."}
    sandbox.handle("POST", "/v2/products/stocks", auth, b'{"stocks": []}')
    with sandbox.store.transaction():
        sandbox.store.log_request(1.0, "1", "POST", "/big", 200, b"{}", 10, answer=b"\xd0\xb0" * ANSWER_KEPT)
        sandbox.store.log_request(
            2.0, "1", "POST", "/pdf", 200, b"{}", 10, answer=b"%PDF", answer_type="application/pdf"
        )
    log = data.request_log(sandbox.store, sandbox.log_size)
    assert [r.path for r in log.rows] == ["/pdf", "/big", "/v2/products/stocks"] and log.older is None
    first = data.request_detail(sandbox.store, log.rows[2].seq)
    assert first is not None and first.row.status == 400 and json.loads(first.answer)["code"] == 3
    big = data.request_detail(sandbox.store, log.rows[1].seq)
    assert big is not None and big.row.answer_size == 2 * ANSWER_KEPT
    assert big.answer == "а" * (ANSWER_KEPT // 2)  # whole characters, none cut in two
    pdf = data.request_detail(sandbox.store, log.rows[0].seq)
    assert pdf is not None and (pdf.answer, pdf.answer_type, pdf.row.answer_size) == (
        "",
        "application/pdf",
        4,
    )
    assert data.request_detail(sandbox.store, 999) is None
    assert [r.path for r in data.request_log(sandbox.store, 10, limit=1).rows] == ["/pdf"]


def test_an_older_state_file_gets_the_answer_columns(tmp_path: Path) -> None:
    path = str(tmp_path / "old.sqlite3")
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE requests (seq INTEGER PRIMARY KEY, at REAL NOT NULL, account TEXT NOT NULL, "
        "method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL)"
    )
    db.execute("INSERT INTO requests VALUES (1, 0, '1', 'POST', '/v1/x', 200, '{}')")
    db.commit()
    db.close()
    store = Store(path)
    with store.transaction():
        entry = store.log_entry(1)
        store.log_request(1.0, "1", "POST", "/v1/y", 200, b"{}", 10, answer=b"{}")
        assert [e["path"] for e in store.log_page(10)] == ["/v1/y", "/v1/x"]
    store.close()
    assert entry is not None and (entry["answer"], entry["answer_size"]) == ("", 0)


def test_products_of_another_account(sandbox: Sandbox) -> None:
    from oint.sandbox import demo

    with sandbox.store.transaction():
        demo.add_account(sandbox.store, "777", "key", "Second", now=sandbox.clock(), with_demo_data=False)
        save_product(
            Account(sandbox.store, "777", sandbox.clock()),
            new_product(Account(sandbox.store, "777", sandbox.clock()), name="Only in 777"),
        )
    status, html = serve.render(sandbox, "products", {"account": "777"})
    assert status == 200 and "Only in 777" in html and "?account=777" in html
    assert serve.render(sandbox, "products", {"account": "nope"})[0] == 404
    status, html = serve.render(sandbox, "", {})
    assert status == 200 and "Second" in html  # the accounts are listed on the overview


# ================================================================== over HTTP
def get(url: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    status, hdrs, raw = call(url, "GET", path, None, {**HTML, **(headers or {})})
    return status, hdrs, raw.decode()


def test_pages_over_http(server: SandboxServer) -> None:
    for path in (
        "/__sandbox/",
        "/__sandbox/products",
        "/__sandbox/products/1111588191",
        "/__sandbox/postings?status=delivered",
        "/__sandbox/finance",
        "/__sandbox/requests",
    ):
        status, headers, html = get(server.url, path)
        assert status == 200 and headers["content-type"] == "text/html; charset=utf-8", path
        assert "script-src" not in headers["content-security-policy"]  # default-src 'none': no script
        assert html.startswith("<!doctype html>")
    status, _, html = get(server.url, "/__sandbox/products/1")
    assert status == 404 and "No product 1" in html
    status, headers, _ = get(server.url, "/__sandbox?account=2128753")
    assert status == 303 and headers["location"] == "/__sandbox/?account=2128753"


def test_the_request_log_is_still_json_unless_html_is_asked_for(server: SandboxServer) -> None:
    call(server.url, "POST", "/v2/products/stocks", {"stocks": []})
    assert [r["status"] for r in server.requests()] == [400]  # the JSON admin route, as before
    status, _, html = get(server.url, "/__sandbox/requests")
    assert status == 200 and "/v2/products/stocks" in html
    seq = server.request_log()["requests"][0]["seq"]
    status, _, html = get(server.url, f"/__sandbox/requests/{seq}")
    assert status == 200 and 'Answer <span class="s4">400</span>' in html and "&quot;code&quot;: 3" in html
    assert call(server.url, "POST", "/__sandbox/requests", {})[0] == 405  # only GET serves pages


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = start_server(str(tmp_path_factory.mktemp("web") / "s.sqlite3"), "--admin-token", TOKEN)
    yield server.url
    server.stop()


def test_the_admin_token_guards_the_pages(guarded: str) -> None:
    status, headers, html = get(guarded, "/__sandbox/")
    assert status == 401 and headers["www-authenticate"].startswith('Basic realm="oint sandbox web view"')
    assert "?token=" in html and "<h1>Admin token needed</h1>" in html
    basic = "Basic " + base64.b64encode(f"me:{TOKEN}".encode()).decode()
    for auth in (basic, f"Bearer {TOKEN}"):
        assert get(guarded, "/__sandbox/products", {"Authorization": auth})[0] == 200
    wrong = "Basic " + base64.b64encode(b"me:nope").decode()
    assert get(guarded, "/__sandbox/products", {"Authorization": wrong})[0] == 401
    assert get(guarded, "/__sandbox/requests/1")[0] == 401  # detail pages too


def test_a_token_in_the_address_once_then_a_cookie(guarded: str) -> None:
    assert get(guarded, "/__sandbox/products?token=nope")[0] == 401
    status, headers, _ = get(guarded, "/__sandbox/products?offset=1&token=" + TOKEN)
    assert status == 303 and headers["location"] == "/__sandbox/products?offset=1"
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/__sandbox/" in cookie
    assert TOKEN not in cookie  # a digest of it
    pair = cookie.split(";", 1)[0]
    status, _, html = get(guarded, "/__sandbox/products?offset=1", {"Cookie": pair})
    assert status == 200 and "2–5 of 5" in html
    assert get(guarded, "/__sandbox/", {"Cookie": pair + "0"})[0] == 401
    # the cookie opens the read-only pages, never the admin routes that change or read state as JSON
    assert call(guarded, "POST", "/__sandbox/reset", {}, {"Cookie": pair})[0] == 401
    assert call(guarded, "GET", "/__sandbox/requests", None, {"Cookie": pair})[0] == 401


# ================================================================== the browser test's own rule
@pytest.mark.parametrize("ci", ["", "true"])
def test_without_chromium_the_browser_test_skips_except_in_ci(ci: str, tmp_path: Path) -> None:
    env = {**os.environ, "OINT_CHROMIUM": str(tmp_path / "no-chromium"), "CI": ci}
    env.pop("OINT_NO_BROWSER", None)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "tests/test_sandbox_web_browser.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if ci:
        assert (
            run.returncode == 1 and "2 errors" in run.stdout and "CI must run the browser test" in run.stdout
        )
    else:
        assert run.returncode == 0 and "2 skipped" in run.stdout
        assert "no Chromium on this machine (apt-get install chromium chromium-driver)" in run.stdout


# ================================================================== looking around (issue 15, item 24)
def test_the_new_pages_escape_every_value() -> None:
    event = EventRow("2026-01-01T00:00:00Z", EVIL, EVIL, EVIL, EVIL, EVIL)
    back = ReturnRow(1, "return", EVIL, EVIL, EVIL, EVIL, 2, 1, EVIL, EVIL, "2026-01-01T00:00:00Z")
    line = PostingLine(EVIL, EVIL, 1, 2, "10")
    row = PostingRow(EVIL, "FBS", EVIL, EVIL, "2026-01-01T00:00:00Z", (line,), EVIL)
    detail = PostingDetail(ME, row, EVIL, True, EVIL, EVIL, EVIL, EVIL, EVIL, (event,), (back,), chat_id=EVIL)
    message = MessageRow("Customer", "2026-01-01T00:00:00Z", EVIL, read=False)
    chat = ChatRow(EVIL, EVIL, EVIL, "2026-01-01T00:00:00Z", 1, 1, message)
    review = ReviewRow(EVIL, 7, EVIL, 5, 3, EVIL, EVIL, EVIL, EVIL, (EVIL,))
    question = QuestionRow(EVIL, 7, EVIL, 5, EVIL, EVIL, EVIL, EVIL, (EVIL,))
    overview = Overview(
        ME, (ME,), "2026-01-01", "2026-01-01 00:00:00", 0, 0, 0, 0, (), 0, 0, activity=(event,)
    )
    rendered = {
        "posting": pages.posting(detail),
        "returns": pages.returns(Returns(ME, (back,), 1)),
        "rfbs": pages.returns(Returns(ME, (back,), 1), rfbs=True),
        "reviews": pages.reviews(Reviews(ME, (review,), 1)),
        "questions": pages.questions(Questions(ME, (question,), 1)),
        "chats": pages.chats(Chats(ME, (chat,), 1)),
        "chat": pages.chat(ChatDetail(ME, chat, (message,))),
        "overview": pages.overview(overview),
        "search": pages.products(ProductList(ME, (evil_product(),), 1, query=ProductQuery(EVIL))),
    }
    for name, html in rendered.items():
        no_raw(html)
        assert ESCAPED in html, name
    assert 'href="/__sandbox/postings/%3Cscript%3E' in rendered["returns"]  # a number in a path, encoded
    assert '<input type="search" name="q" value="' + ESCAPED + '"' in rendered["search"]
    assert rendered["posting"].count(ESCAPED) >= 8  # lines, place, delivery, city, history, returns, ...
    assert "overdue: not shipped" in rendered["posting"]
    assert '<span class="stars" title="3 of 5">★★★☆☆</span>' in rendered["reviews"]


def test_paging_links_keep_the_search() -> None:
    rows = tuple(ProductRow(i, str(i), i, f"P{i}") for i in range(50))
    query = ProductQuery("a&b", "ARCHIVED", "none")
    html = pages.products(ProductList(ME, rows, total=120, offset=50, limit=50, query=query))
    assert "51–100 of 120 matching" in html
    assert 'href="/__sandbox/products?q=a%26b&amp;visibility=ARCHIVED&amp;stock=none">← previous' in html
    assert 'href="/__sandbox/products?q=a%26b&amp;visibility=ARCHIVED&amp;stock=none&amp;offset=100"' in html
    assert '<option value="ARCHIVED" selected>' in html and '<option value="none" selected>' in html
    assert "No product matches." in pages.products(ProductList(ME, (), 0, query=query))
    reviews = Reviews(ME, (ReviewRow("r", 1, "", 0, 5, "t", "s", "2026-01-01T00:00:00Z"),), 51, offset=50)
    html = pages.reviews(reviews)
    assert "51–51 of 51" in html and 'href="/__sandbox/reviews">← previous' in html and "next" not in html


def test_a_picture_that_cannot_load_shows_a_local_placeholder() -> None:
    """Product pictures are remote: each sits on an inline SVG (allowed by the CSP's img-src data:),
    drawn over a picture that failed (its ::after) and alone where there is no picture."""
    assert pages.PLACEHOLDER.startswith("data:image/svg+xml,")
    assert f'url("{pages.PLACEHOLDER}")' in pages.CSS and "img.thumb::after" in pages.CSS
    assert "img-src http: https: data:" in serve.HEADERS["content-security-policy"]
    html = pages.products(ProductList(ME, (evil_product(images=()),), total=1))
    assert '<span class="thumb" role="img" aria-label="no picture"></span>' in html
    assert (
        pages.image("javascript:alert(1)") == '<span class="thumb" role="img" aria-label="no picture"></span>'
    )
    assert pages.image("https://x.example/a.jpg").startswith(
        '<img class="thumb" src="https://x.example/a.jpg"'
    )


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A generated catalogue of 600 products beside the demo's five, made varied: stock on every
    third (through the API), every seventh archived, some with errors, without a barcode, not
    created, without a price, and Cyrillic names in both cases."""
    box = Sandbox(str(tmp_path_factory.mktemp("search") / "s.sqlite3"), rate_limits=False)
    seed_catalogue(box.store, DEMO_CLIENT_ID, 600, now=box.clock())
    auth = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY}
    with box.store.transaction():
        acct = Account(box.store, DEMO_CLIENT_ID, box.clock())
        seeded = [p for p in all_products(acct) if p["offer_id"].startswith("SEED-")]
    stocked = [p["id"] for p in seeded[::3]]
    for i in range(0, len(stocked), 100):
        entries = [{"product_id": pid, "stock": 5, "warehouse_id": FBS} for pid in stocked[i : i + 100]]
        answer = box.handle("POST", "/v2/products/stocks", auth, json.dumps({"stocks": entries}).encode())
        assert answer.status == 200 and all(r["updated"] for r in json.loads(answer.body)["result"])
    with box.store.transaction():
        acct = Account(box.store, DEMO_CLIENT_ID, box.clock())
        for n, p in enumerate(all_products(acct)):
            if not p["offer_id"].startswith("SEED-"):
                continue
            fields: dict[str, object] = {}
            if n % 7 == 0:
                fields["is_archived"] = True
            if n % 11 == 0:
                fields["errors"] = [{"code": "x", "message": "bad"}]
            if n % 13 == 0:
                fields["barcodes"] = []
            if n % 17 == 0:
                fields["sku"] = 0
            if n % 19 == 0:
                fields["price"] = "0"
            if n % 23 == 0:
                fields["name"] = "ЧЕХОЛ КРУПНЫЙ " + p["name"]
            if n % 29 == 0:
                fields["name"] = "чехол мелкий " + p["name"]
            if fields:
                set_fields(p, fields)
                save_product(acct, p)
    yield box
    box.close()


def every_page(box: Sandbox, limit: int, **query: str) -> tuple[list[ProductDoc], int]:
    """The whole result of a search, read a page at a time; totals of every page must agree."""
    out: list[ProductDoc] = []
    totals = set()
    with box.store.transaction():
        acct = Account(box.store, DEMO_CLIENT_ID, box.clock())
        while True:
            page, total = search_products(acct, offset=len(out), limit=limit, **query)
            totals.add(total)
            out += page
            if not page:
                break
    assert len(totals) == 1
    return out, totals.pop()


def test_catalogue_search_and_filters_match_the_models_rules(catalogue: Sandbox) -> None:
    """Every visibility group and stock choice of the search gives exactly the products Ozon's rules
    (`products.visible`, `products.has_stock`) select, in the catalogue's order, paged without a
    gap or a repeat; text matches offer id, name or SKU case-insensitively, Cyrillic too."""
    with catalogue.store.transaction():
        everything = all_products(Account(catalogue.store, DEMO_CLIENT_ID, catalogue.clock()))
    assert len(everything) == 605
    stock_rule: dict[str, Callable[[ProductDoc], bool]] = {
        "": lambda p: True,
        "present": has_stock,
        "none": lambda p: not has_stock(p),
    }
    sizes = {}
    for visibility in SEARCH_VISIBILITIES:
        for stock, rule in stock_rule.items():
            expected = [
                p["id"] for p in everything if (visibility == "EVERY" or visible(p, visibility)) and rule(p)
            ]
            found, total = every_page(catalogue, 37, visibility=visibility, stock=stock)
            assert [p["id"] for p in found] == expected, (visibility, stock)
            assert total == len(expected)
            sizes[visibility, stock] = total
    # the catalogue is varied enough that each group means something
    assert all(sizes[v, ""] > 0 for v in SEARCH_VISIBILITIES), sizes
    assert 0 < sizes["ALL", "present"] < sizes["ALL", ""]
    for text in ("чехол", "ЧЕХОЛ", "Seed-0001", "17000001", "SEED-000600", "zzz", "плёнок"):
        needle = text.casefold()
        expected = [
            p["id"]
            for p in everything
            if needle in p["offer_id"].casefold() or needle in p["name"].casefold() or needle in str(p["sku"])
        ]
        found, total = every_page(catalogue, 50, text=text)
        assert [p["id"] for p in found] == expected and total == len(expected), text
    assert len(every_page(catalogue, 50, text="чехол")[0]) >= 600 // 23  # both cases found
    found, total = every_page(catalogue, 10, text="seed", visibility="ARCHIVED", stock="present")
    assert total == len([p for p in everything if p["is_archived"] and has_stock(p)]) > 0


def test_a_search_parses_only_the_page_it_shows(catalogue: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Filtering happens in SQL: of a 605-product catalogue a page of 20 parses 20 documents."""
    parsed = []
    real = json.loads

    def counting(text: str | bytes) -> object:
        parsed.append(1)
        return real(text)

    monkeypatch.setattr(json, "loads", counting)  # the store's json, the same module
    with catalogue.store.transaction():
        acct = Account(catalogue.store, DEMO_CLIENT_ID, catalogue.clock())
        page, total = search_products(acct, "seed", "ALL", "none", offset=40, limit=20)
    assert len(page) == 20 and total > 300 and len(parsed) == 20


def test_a_search_reads_the_catalogues_covering_index(catalogue: Sandbox) -> None:
    """The search's one pass reads `docs_product_search` (a partial index holding the fields it
    tests), not the product documents, whatever the filters and text."""
    statements: list[str] = []
    store = catalogue.store
    store._db.set_trace_callback(statements.append)
    try:
        with store.transaction():
            acct = Account(store, DEMO_CLIENT_ID, catalogue.clock())
            search_products(acct, "seed-0001", "IN_SALE", "present", limit=5)
            search_products(acct, "чехол", "VALIDATION_STATE_FAIL", "none", limit=5)
            search_products(acct, "", "EMPTY_BARCODE", "", limit=5)
    finally:
        store._db.set_trace_callback(None)
    passes = [s for s in statements if s.startswith("SELECT seq FROM")]
    assert len(passes) == 3
    with store.transaction():
        for sql in passes:
            plan = str(store._db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
            assert "docs_product_search" in plan, plan


def test_the_catalogue_page_over_its_query(catalogue: Sandbox) -> None:
    status, html = serve.render(catalogue, "products", {"q": "SEED-00012", "stock": "present"})
    # SEED-000120..129 with stock: the fixture stocked SEED-000001 and every third after it
    assert status == 200 and "1–3 of 3 matching" in html and "SEED-000124" in html
    status, html = serve.render(catalogue, "products", {"visibility": "nope"})
    assert status == 400 and "Unknown filter" in html
    assert serve.render(catalogue, "products", {"stock": "some"})[0] == 400
    status, html = serve.render(catalogue, "products", {"offset": "600"})
    assert status == 200 and "601–605 of 605" in html and "next →" not in html


@pytest.fixture(scope="module")
def week() -> Iterator[living.Market]:
    """A week of the living marketplace (shipped through the library), then two more days of orders
    nobody ships: postings past their ship-by moment."""
    for m in living.market():
        living.load_products(m, count=8, stock=20)
        living.run_week(m, orders_per_day=20, seed=5)
        m.admin("POST", "buyers", {"orders_per_day": 20, "seed": 6, "fbo_share": 0})
        m.advance("2d")
        m.admin("POST", "buyers", {"orders_per_day": 0})
        yield m


def test_a_posting_page_shows_ship_by_and_its_history_from_the_event_log(week: living.Market) -> None:
    store, now = week.sandbox.store, week.sandbox.clock()
    ref = AccountRef(DEMO_CLIENT_ID, "demo")
    with store.transaction():
        acct = Account(store, DEMO_CLIENT_ID, now)
        log = market.events(acct)
        docs = postings_fbs.all_postings(acct)
    returned = next(e["posting_number"] for e in log if e["type"] == "returned" and e["scheme"] == "fbs")
    detail = data.posting_detail(store, ref, now, returned)
    assert detail is not None and detail.row.number == returned
    expected = [e["type"] for e in log if e.get("posting_number") == returned]
    assert [e.type for e in detail.history] == expected
    assert expected[:4] == ["order_created", "shipped", "delivering", "delivered"] and "returned" in expected
    assert detail.returns and {r.posting for r in detail.returns} == {returned}
    doc = next(d for d in docs if d["posting_number"] == returned)
    assert detail.ship_by == doc["shipment_date"] and not detail.overdue
    late = [d for d in docs if d["status"] == "awaiting_packaging"]
    assert late  # the last two days' orders wait
    for d in late:
        waiting = data.posting_detail(store, ref, now, d["posting_number"])
        assert waiting is not None
        due = dt.datetime.fromisoformat(d["shipment_date"].replace("Z", "+00:00")).timestamp()
        assert waiting.overdue == (due < now)
    assert any(data.posting_detail(store, ref, now, d["posting_number"]).overdue for d in late)  # type: ignore[union-attr]
    status, html = serve.render(week.sandbox, f"postings/{returned}", {})
    assert status == 200 and "<h2>History</h2>" in html and "<h2>Returns</h2>" in html
    assert serve.render(week.sandbox, "postings/00000000-0000-1", {})[0] == 404
    fbo_number = next(e["posting_number"] for e in log if e["scheme"] == "fbo")
    fbo_detail = data.posting_detail(store, ref, now, fbo_number)
    assert fbo_detail is not None and fbo_detail.row.scheme == "FBO" and fbo_detail.history


def test_a_postings_events_returns_and_chat_are_found_through_indexes(week: living.Market) -> None:
    store = week.sandbox.store
    with store.transaction():
        for kind, index in (
            ("event", "docs_event_posting"),
            ("return", "docs_return_posting"),
            ("rfbs_return", "docs_rfbs_return_posting"),
            ("chat", "docs_chat_posting"),
        ):
            plan = store._db.execute(  # the query `find` makes for a posting's documents of a kind
                f"EXPLAIN QUERY PLAN SELECT seq, data FROM docs WHERE account=? AND kind='{kind}' "
                "AND json_extract(data, '$.posting_number')=?",
                (DEMO_CLIENT_ID, "x"),
            ).fetchall()
            assert index in str(plan), (kind, plan)
        with pytest.raises(ValueError):
            store.find(DEMO_CLIENT_ID, "product", "posting_number", "x")  # indexed for those kinds only
    store_now, ref = week.sandbox.clock(), AccountRef(DEMO_CLIENT_ID, "demo")
    with store.transaction():
        chats = chats_model.chats(Account(store, DEMO_CLIENT_ID, store_now))
    for chat in chats:
        detail = data.posting_detail(store, ref, store_now, chat["posting_number"])
        assert detail is not None and detail.chat_id == chat["chat_id"]


def test_returns_reviews_questions_chats_and_the_activity(week: living.Market) -> None:
    store, now = week.sandbox.store, week.sandbox.clock()
    ref = AccountRef(DEMO_CLIENT_ID, "demo")
    with store.transaction():
        acct = Account(store, DEMO_CLIENT_ID, now)
        all_reviews = reviews_model.reviews(acct)
        all_questions = reviews_model.questions(acct)
        all_chats = chats_model.chats(acct)
        all_returns = returns_model.all_returns(acct)
        newest = market.events(acct)[-data.ACTIVITY :]
    assert all_reviews and all_questions and all_chats and all_returns
    got = data.reviews(store, ref, now, limit=7)
    assert got.total == len(all_reviews) and [r.id for r in got.rows] == [
        d["id"] for d in all_reviews[::-1][:7]
    ]
    assert all(r.product and r.product_id for r in got.rows)  # the catalogue's own products
    pages_of = [data.reviews(store, ref, now, offset=o, limit=7).rows for o in range(0, got.total, 7)]
    assert [r.id for page in pages_of for r in page] == [d["id"] for d in all_reviews[::-1]]
    asked = data.questions(store, ref, now).rows
    assert [q.id for q in asked] == [d["id"] for d in all_questions[::-1]][:50]
    assert all(q.product and q.product_id for q in asked)  # the catalogue's own products
    chats = data.chats(store, ref, now)
    assert chats.total == len(all_chats) and chats.rows[0].id == all_chats[-1]["chat_id"]
    one = data.chat_detail(store, ref, now, chats.rows[0].id)
    assert one is not None and [m.text for m in one.messages] == [
        "\n".join(m["data"]) for m in all_chats[-1]["messages"]
    ]
    assert data.chat_detail(store, ref, now, "nope") is None
    back = data.returns(store, ref, now)
    assert back.total == len(all_returns) and back.rows[0].id == all_returns[-1]["id"]
    overview = data.overview(store, ref, now, "2026-01-01")
    assert [(e.type, e.posting) for e in overview.activity] == [
        (e["type"], e["posting_number"]) for e in newest[::-1]
    ]
    assert (overview.reviews, overview.questions, overview.chats) == (
        len(all_reviews),
        len(all_questions),
        len(all_chats),
    )
    for page in ("", "returns", "reviews", "questions", "chats", f"chats/{chats.rows[0].id}"):
        status, html = serve.render(week.sandbox, page, {"kind": "rfbs"} if page == "returns" else {})
        assert status == 200 and html.startswith("<!doctype html>"), page
    status, html = serve.render(week.sandbox, "", {})
    assert "<h2>Activity</h2>" in html and html.count("<li>") >= data.ACTIVITY


def test_the_request_log_counts_what_it_keeps(tmp_path: Path) -> None:
    """The log keeps 10 of 25 requests: its counts by status add up to 10, and the 25 answered
    since the reset are said to be that."""
    store = Store(str(tmp_path / "log.sqlite3"))
    with store.transaction():
        for n in range(25):
            store.log_request(float(n), "1", "POST", "/v1/x", 400 if n % 5 == 0 else 200, b"{}", 10)
    log = data.request_log(store, 10)
    store.close()
    assert len(log.rows) == 10 and sum(n for _, n in log.statuses) == 10
    assert dict(log.statuses) == {200: 8, 400: 2} and log.served == 25
    html = pages.requests(log)
    assert "keeps the newest 10 requests to the API; it holds 10." in html
    assert "200</span>: 8" in html and "Since the last reset the sandbox answered 25 requests in all." in html


def test_the_new_pages_over_http_behind_the_token(guarded: str) -> None:
    for path in ("/__sandbox/returns", "/__sandbox/reviews", "/__sandbox/questions", "/__sandbox/chats"):
        assert get(guarded, path)[0] == 401, path
        status, headers, _ = get(guarded, path, {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200 and "form-action 'self'" in headers["content-security-policy"], path
        assert "script-src" not in headers["content-security-policy"]
    assert get(guarded, "/__sandbox/postings/1-2-3")[0] == 401
    assert get(guarded, "/__sandbox/postings/1-2-3", {"Authorization": f"Bearer {TOKEN}"})[0] == 404
    assert get(guarded, "/__sandbox/postings/a%3Cb", {"Authorization": f"Bearer {TOKEN}"})[0] != 200
