"""The sandbox's web view without a browser: the pure renderers (escaping, empty states), the
seam to the store, the request log's answers, and the pages over HTTP with the admin-token
guard. The browser test is `test_sandbox_web_browser.py`."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import living
import pytest
from conftest import DEMO_CLIENT_ID, ROOT, SandboxServer, start_server
from sandbox_http import call

from oint.sandbox.core import Sandbox
from oint.sandbox.model import finance, postings_fbs
from oint.sandbox.model.base import Account
from oint.sandbox.model.products import new_product, save_product
from oint.sandbox.store import ANSWER_KEPT, Store
from oint.sandbox.web import data, pages, serve
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
            run.returncode == 1 and "1 error" in run.stdout and "CI must run the browser test" in run.stdout
        )
    else:
        assert run.returncode == 0 and "1 skipped" in run.stdout
        assert "no Chromium on this machine (apt-get install chromium chromium-driver)" in run.stdout
