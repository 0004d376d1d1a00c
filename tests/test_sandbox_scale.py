"""Lists and reads of large catalogues (issue 15.8): no work that grows with the catalogue.

Not a timing test (timings are in bench/sandbox-scale-RESULTS.md): SQLite counts the virtual
machine's steps a request takes (`set_progress_handler`), which are the same on every machine.
A page read from an index costs the same whatever the catalogue's size; the old code, reading
every product to filter, sort or count, took steps in proportion to it. The queries behind the
lists are checked with `EXPLAIN QUERY PLAN` to search an index, and the indexed pages against
the same lists made by brute force from every document, for every visibility group, sort order
and direction, so that the answers stay what they were.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, Clock, sqlite_steps

from oint.apis.seller import spec
from oint.sandbox.core import Sandbox
from oint.sandbox.model.base import Account
from oint.sandbox.model.products import (
    PRODUCT,
    VISIBILITIES,
    ProductDoc,
    all_products,
    get_product,
    save_product,
    visible,
)
from oint.sandbox.model.promotions import get_action
from oint.sandbox.model.stocks import put_stock, refresh_summary, stocks_of
from oint.sandbox.seed import seed_catalogue
from oint.sandbox.store import TAG_ORDERS, TAG_VERSION, Store

HEADERS = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY}
SMALL, LARGE = 150, 900  # products added to the demo's five
FBS = 1020005000050693


def catalogue(size: int, db: str = ":memory:") -> Sandbox:
    """The demo account with `size` more products in every state the visibility groups tell apart:
    stock on every third, archived every seventh (without stock), no price every eleventh, errors
    every thirteenth, no barcode every seventeenth, no SKU every nineteenth."""
    sandbox = Sandbox(db, clock=Clock(), rate_limits=False)
    seed_catalogue(sandbox.store, DEMO_CLIENT_ID, size, prefix="BIG", now=sandbox.clock())
    with sandbox.store.transaction():
        account = Account(sandbox.store, DEMO_CLIENT_ID, sandbox.clock())
        for n, p in enumerate(all_products(account)):
            if n < 5:
                continue
            if n % 3 == 0:
                put_stock(account, p["id"], FBS, "fbs", 10)
                refresh_summary(account, p)
            elif n % 7 == 0:
                p["is_archived"] = True
            if n % 11 == 0:
                p["price"] = "0"
            if n % 13 == 0:
                p["errors"] = [{"code": "ERROR", "message": "bad"}]
            if n % 17 == 0:
                p["barcodes"] = []
            if n % 19 == 0:
                p["sku"] = 0
            if n % 23 == 0:
                p["offer_id"] = f"a-{n}"  # offer ids and names that do not sort as ids do
                p["name"] = f"Ящик {1000 - n}"
            save_product(account, p)
    return sandbox


@pytest.fixture(scope="module")
def small() -> Iterator[Sandbox]:
    sandbox = catalogue(SMALL)
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="module")
def large() -> Iterator[Sandbox]:
    sandbox = catalogue(LARGE)
    yield sandbox
    sandbox.close()


def ask(sandbox: Sandbox, path: str, body: Any = None, method: str = "POST") -> Any:
    raw = b"" if body is None else json.dumps(body).encode()
    response = sandbox.handle(method, path, HEADERS, raw)
    assert response.status == 200, response.body
    return json.loads(response.body)


def steps(sandbox: Sandbox, path: str, body: Any = None, method: str = "POST") -> int:
    """SQLite's virtual machine steps (in hundreds) one request takes."""
    return sqlite_steps(sandbox.store, lambda: ask(sandbox, path, body, method), every=100)


def middle(sandbox: Sandbox) -> int:
    """The id of a product in the middle of the catalogue."""
    with sandbox.store.transaction():
        keys = [int(k) for k, _ in sandbox.store.items(DEMO_CLIENT_ID, PRODUCT)]
    return sorted(keys)[len(keys) // 2]


def cursor(*values: Any) -> str:
    from oint.sandbox.model.common import encode_cursor

    return encode_cursor(list(values))


REQUESTS: list[tuple[str, str, Any]] = [
    ("/v3/product/list", "POST", {"filter": {"visibility": "IN_SALE"}, "limit": 20}),
    ("/v3/product/list", "POST", {"filter": {"visibility": "VISIBLE"}, "limit": 20, "last_id": "MIDDLE2"}),
    ("/v3/product/list", "POST", {"filter": {"visibility": "ALL"}, "limit": 20}),
    ("/v3/product/list", "POST", {"filter": {"visibility": "VALIDATION_STATE_FAIL"}, "limit": 20}),
    ("/v4/product/info/attributes", "POST", {"filter": {"visibility": "ALL"}, "limit": 20}),
    ("/v4/product/info/attributes", "POST", {"filter": {}, "limit": 20, "last_id": "MIDDLE2"}),
    ("/v4/product/info/attributes", "POST", {"filter": {"offer_id": ["BIG-000042"]}, "limit": 20}),
    (
        "/v4/product/info/attributes",
        "POST",
        {"filter": {"visibility": "IN_SALE"}, "limit": 20, "sort_by": "offer_id", "sort_dir": "desc"},
    ),
    ("/v4/product/info/attributes", "POST", {"filter": {}, "limit": 20, "sort_by": "title"}),
    (
        "/v4/product/info/attributes",
        "POST",
        {"filter": {}, "limit": 20, "sort_by": "sku", "sort_dir": "desc"},
    ),
    ("/v4/product/info/stocks", "POST", {"filter": {"visibility": "IN_SALE"}, "limit": 20}),
    (
        "/v5/product/info/prices",
        "POST",
        {"filter": {"visibility": "VISIBLE"}, "limit": 20, "cursor": "MIDDLE1"},
    ),
    ("/v1/actions/candidates", "POST", {"action_id": 1977747, "limit": 20}),
    ("/v1/actions/candidates", "POST", {"action_id": 1977747, "limit": 20, "offset": 40}),
    ("/v2/actions/candidates", "POST", {"action_id": 1977747, "limit": 20, "last_id": "MIDDLE1"}),
    ("/v1/actions", "GET", None),
    ("/v4/product/info/limit", "POST", {}),
    ("/v1/product/info/stocks-by-warehouse/fbs", "POST", {"sku": [1626044001]}),  # structural: account ids
    ("/v1/analytics/turnover/stocks", "POST", {"limit": 20}),
    ("/v1/analytics/turnover/stocks", "POST", {"limit": 20, "offset": 10}),
]


def _body(sandbox: Sandbox, body: Any) -> Any:
    """`body` with its MIDDLE1 / MIDDLE2 placeholders as cursors to the middle of the catalogue."""
    if body is None:
        return None
    text = json.dumps(body)
    mid = middle(sandbox)
    return json.loads(
        text.replace('"MIDDLE1"', json.dumps(cursor(mid))).replace('"MIDDLE2"', json.dumps(cursor(mid, mid)))
    )


@pytest.mark.parametrize(
    ("path", "method", "body"), REQUESTS, ids=[f"{p} {json.dumps(b)}" for p, _, b in REQUESTS]
)
def test_a_page_takes_the_same_work_whatever_the_catalogue(
    small: Sandbox, large: Sandbox, path: str, method: str, body: Any
) -> None:
    """Six times the products, not more work: the old code read every product (over 5x)."""
    few = steps(small, path, _body(small, body), method)
    many = steps(large, path, _body(large, body), method)
    assert many <= few * 1.5 + 20, (
        f"{path}: {few} -> {many} (x100 SQLite steps) for {SMALL} -> {LARGE} products"
    )


# ------------------------------------------------------------------ the queries use indexes
def plans(store: Store, sql: str, args: tuple[Any, ...]) -> list[str]:
    return [row[3] for row in store._db.execute("EXPLAIN QUERY PLAN " + sql, args)]


def test_the_queries_behind_the_lists_search_an_index(small: Sandbox) -> None:
    store = small.store
    seen: list[tuple[str, tuple[Any, ...]]] = []
    db = store._db

    class Spy:
        """The store's connection, noting every statement with its arguments."""

        def execute(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
            seen.append((sql, tuple(args)))
            return db.execute(sql, args)

        def __getattr__(self, name: str) -> Any:
            return getattr(db, name)

    store._db = Spy()  # type: ignore[assignment]  # (a stand-in for the connection, reads only)
    try:
        with store.transaction():
            for order in TAG_ORDERS:
                for descending in (False, True):
                    after = (1111588191, 1111588191) if order in ("id", "sku") else ("M", 1111588191)
                    store.tagged_keys(
                        DEMO_CLIENT_ID,
                        PRODUCT,
                        (2, 18, 26),
                        10,
                        order=order,
                        after=after,
                        descending=descending,
                    )
            store.tagged_count(DEMO_CLIENT_ID, PRODUCT, (2, 18, 26))
            store.find(DEMO_CLIENT_ID, PRODUCT, "model_id", 7)
    finally:
        store._db = db
    with store.transaction():
        queries = [(sql, args) for sql, args in seen if sql.startswith("SELECT")]
        assert len(queries) == 2 * len(TAG_ORDERS) * 3 + 2  # (three tags a page)
        for sql, args in queries:
            plan = " | ".join(plans(store, sql, args))
            assert "SCAN" not in plan, (sql, plan)
            assert any(
                index in plan
                for index in ("INDEX docs_tag_", "INDEX docs_model_id", "tag_counts USING PRIMARY KEY")
            ), (sql, plan)


# ------------------------------------------------------------------ the same answers as before
def walk(sandbox: Sandbox, path: str, body: dict[str, Any], items: str, token: str) -> list[Any]:
    """Every item of a list, page after page."""
    out: list[Any] = []
    body = dict(body)
    while True:
        answer = ask(sandbox, path, body)
        page = answer
        for part in items.split("."):
            page = page[part]
        out += page
        following = answer
        for part in token.split("."):
            following = following[part]
        if not page or not following:
            return out
        body[token.split(".")[-1]] = following


def everything(sandbox: Sandbox) -> list[ProductDoc]:
    with sandbox.store.transaction():
        return all_products(Account(sandbox.store, DEMO_CLIENT_ID, sandbox.clock()))


def filter_visibilities(path: str) -> set[str]:
    """The visibility values an operation's product filter takes (Ozon's enum in the layer)."""
    schemas = spec.schemas()

    def resolved(x: Any) -> Any:
        x = schemas[x] if isinstance(x, str) else x
        while isinstance(x, dict) and "$ref" in x:
            x = schemas[x["$ref"].rsplit("/", 1)[-1]]
        return x

    product_filter = resolved(resolved(spec.operation(path).request)["properties"]["filter"])
    return set(resolved(product_filter["properties"]["visibility"])["enum"])


LISTED_VISIBILITIES = sorted(
    VISIBILITIES & filter_visibilities("/v3/product/list") & filter_visibilities("/v5/product/info/prices")
)


@pytest.mark.parametrize("visibility", LISTED_VISIBILITIES)
def test_every_visibility_group_lists_what_the_filter_says(small: Sandbox, visibility: str) -> None:
    expected = sorted(p["id"] for p in everything(small) if visible(p, visibility))
    body = {"filter": {"visibility": visibility}, "limit": 7}
    listed = walk(small, "/v3/product/list", body, "result.items", "result.last_id")
    assert [p["product_id"] for p in listed] == expected
    assert ask(small, "/v3/product/list", body)["result"]["total_items"] == len(expected)
    prices = walk(small, "/v5/product/info/prices", body, "items", "cursor")
    assert [p["product_id"] for p in prices] == expected


@pytest.mark.parametrize("sort_by", ["id", "sku", "offer_id", "title"])
@pytest.mark.parametrize("sort_dir", ["asc", "desc"])
@pytest.mark.parametrize("visibility", ["ALL", "IN_SALE", "ARCHIVED", "EMPTY_BARCODE"])
def test_attribute_pages_sort_and_count_as_a_sort_of_every_product(
    small: Sandbox, sort_by: str, sort_dir: str, visibility: str
) -> None:
    field = {"id": "id", "sku": "sku", "offer_id": "offer_id", "title": "name"}[sort_by]
    matching: list[dict[str, Any]] = [dict(p) for p in everything(small) if visible(p, visibility)]
    expected = [
        p["id"] for p in sorted(matching, key=lambda p: (p[field], p["id"]), reverse=sort_dir == "desc")
    ]
    body = {"filter": {"visibility": visibility}, "limit": 9, "sort_by": sort_by, "sort_dir": sort_dir}
    listed = walk(small, "/v4/product/info/attributes", body, "result", "last_id")
    assert [p["id"] for p in listed] == expected
    assert ask(small, "/v4/product/info/attributes", body)["total"] == len(expected)


def test_attribute_cursor_of_two_different_ids_reads_as_a_pair(small: Sandbox) -> None:
    ids = sorted(p["id"] for p in everything(small) if visible(p, "ALL"))
    a = ids[10]
    for pair, desc, first in (
        ((a, a - 5), False, a),  # (id, id) > (a, a-5): a itself is after the mark
        ((a, a + 5), False, ids[11]),
        ((a, a + 5), True, a),
        ((a, a - 5), True, ids[9]),
    ):
        body = {"filter": {}, "limit": 1, "last_id": cursor(*pair), "sort_dir": "desc" if desc else "asc"}
        assert ask(small, "/v4/product/info/attributes", body)["result"][0]["id"] == first


def test_candidates_are_every_eligible_product_but_the_banned_and_the_taking_part(small: Sandbox) -> None:
    with small.store.transaction():
        account = Account(small.store, DEMO_CLIENT_ID, small.clock())
        action = get_action(account, 1977747)
        assert action is not None
        some = [p["id"] for p in everything(small) if p["sku"] and not p["is_archived"]][20:24]
        action["banned"] = some[:2]
        action["participants"][str(some[2])] = {"action_price": 1, "add_mode": "MANUAL"}
        account.put("action", 1977747, action)
        left_out = {int(i) for i in action["banned"]} | {int(i) for i in action["participants"]}
    expected = sorted(
        p["id"] for p in everything(small) if p["sku"] and not p["is_archived"] and p["id"] not in left_out
    )
    v2 = walk(small, "/v2/actions/candidates", {"action_id": 1977747, "limit": 13}, "products", "last_id")
    assert [p["id"] for p in v2] == expected
    v1 = walk(
        small,
        "/v1/actions/candidates",
        {"action_id": 1977747, "limit": 13},
        "result.products",
        "result.last_id",
    )
    assert [p["id"] for p in v1] == expected
    by_offset = ask(small, "/v1/actions/candidates", {"action_id": 1977747, "limit": 13, "offset": 26})[
        "result"
    ]
    assert [p["id"] for p in by_offset["products"]] == expected[26:39] and by_offset["total"] == len(expected)
    listed = {a["id"]: a for a in ask(small, "/v1/actions", method="GET")["result"]}
    assert listed[1977747]["potential_products_count"] == len(expected)


def test_a_product_written_is_tagged_again(small: Sandbox) -> None:
    """A product that loses its stock leaves IN_SALE at once (the tag follows every write)."""
    in_sale = ask(small, "/v3/product/list", {"filter": {"visibility": "IN_SALE"}, "limit": 1000})["result"]
    first = next(p["product_id"] for p in in_sale["items"] if p["offer_id"].startswith("BIG-"))
    answer = ask(
        small, "/v2/products/stocks", {"stocks": [{"product_id": first, "stock": 0, "warehouse_id": FBS}]}
    )
    assert answer["result"][0]["updated"], answer
    after = ask(small, "/v3/product/list", {"filter": {"visibility": "IN_SALE"}, "limit": 1000})["result"]
    assert after["total_items"] == in_sale["total_items"] - 1
    assert first not in [p["product_id"] for p in after["items"]]
    with small.store.transaction():
        product = get_product(Account(small.store, DEMO_CLIENT_ID, small.clock()), first)
    assert product is not None and not visible(product, "IN_SALE")


# ------------------------------------------------------------------ state files of before
def test_a_state_file_of_before_is_tagged_when_opened(tmp_path: Path) -> None:
    """A file written before products had tags (no column, no indexes) gets them on opening, once."""
    path = str(tmp_path / "old.sqlite3")
    catalogue(40, path).close()
    expected = ask_once(path, {"filter": {"visibility": "IN_SALE"}, "limit": 1000})
    db = sqlite3.connect(path)
    for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type='index' AND name LIKE 'docs_tag_%'"
    ).fetchall():
        db.execute(f"DROP INDEX {name}")
    db.execute("DROP TABLE tag_counts")
    db.execute("ALTER TABLE docs DROP COLUMN tag")
    db.execute("DELETE FROM meta WHERE name='tags'")
    db.commit()
    db.close()
    assert ask_once(path, {"filter": {"visibility": "IN_SALE"}, "limit": 1000}) == expected
    store = Store(path)
    try:
        assert store.get_meta("tags") == TAG_VERSION
        untagged = store._db.execute(
            "SELECT COUNT(*) FROM docs WHERE kind='product' AND tag IS NULL"
        ).fetchone()
        assert untagged == (0,)
        counted = store._db.execute("SELECT SUM(n) FROM tag_counts").fetchone()
        assert counted == store._db.execute("SELECT COUNT(*) FROM docs WHERE kind='product'").fetchone()
    finally:
        store.close()


def ask_once(path: str, body: Any) -> Any:
    sandbox = Sandbox(path, clock=Clock(), rate_limits=False)
    try:
        return ask(sandbox, "/v3/product/list", body)
    finally:
        sandbox.close()


def test_turnover_lists_the_skus_with_stock_or_sales_in_sku_order(small: Sandbox) -> None:
    """Paged from the products' tag index (SKU order) merged with the SKUs sold: the same list as
    reading every product's stock would give."""
    with small.store.transaction():
        account = Account(small.store, DEMO_CLIENT_ID, small.clock())
        expected = []
        for p in all_products(account):
            units = stocks_of(account, p["id"])
            stock = sum(max(0, s["stock"]) + s["reserved"] for s in units)
            if p.get("sku") and stock:
                expected.append((p["sku"], stock))
    expected.sort()
    listed: list[tuple[int, int]] = []
    for offset in range(0, len(expected) + 7, 7):
        page = ask(small, "/v1/analytics/turnover/stocks", {"limit": 7, "offset": offset})["items"]
        listed += [(item["sku"], item["current_stock"]) for item in page]
    assert listed == expected and expected
    sku, stock = expected[len(expected) // 2]
    asked = ask(small, "/v1/analytics/turnover/stocks", {"sku": [str(sku), "1"], "limit": 5})["items"]
    assert [(item["sku"], item["current_stock"]) for item in asked] == [(sku, stock)]


def test_the_product_count_comes_from_the_tag_counts_and_agrees_with_the_documents() -> None:
    """`Store.count` of products sums `tag_counts` (constant work): it must equal the documents,
    after a delete too."""
    sandbox = catalogue(SMALL)
    try:
        store = sandbox.store
        with store.transaction():
            documents = sum(1 for _ in store.items(DEMO_CLIENT_ID, PRODUCT))
            assert documents >= SMALL and store.count(DEMO_CLIENT_ID, PRODUCT) == documents
            first = next(iter(store.items(DEMO_CLIENT_ID, PRODUCT)))[0]
            store.delete(DEMO_CLIENT_ID, PRODUCT, first)
            assert store.count(DEMO_CLIENT_ID, PRODUCT) == documents - 1
    finally:
        sandbox.close()
