#!/usr/bin/env python3
"""Every list and read of the sandbox at 100,000 products: wall time of one in-process request.

The state: the demo account with N generated products (`oint.sandbox.seed.seed_catalogue`), FBS
stock on every fifth (so that the stock groups of the product filter are neither empty nor
everything), 100 of them archived, and a living marketplace on top: buyers ordering for a week
while the seller ships everything through the library (tests/living.py), then two more weeks for
deliveries, returns, reviews, questions and chats. It is built once into a state file in a temp
folder (or `--state FILE`, kept and reused: the same data before and after a change), and each
run times a copy of it.

Timed: every operation of the operation layer that pages (`oint.apis.seller.spec`, `paging`) — the
sandbox's model routes with a first page, a page from the middle of the data and a filtered
page; the structural ones (answers built from the schema) with a first page and the next one —
and the reads that take product ids, offer ids, SKUs, posting numbers or other ids. Each case is
`Sandbox.handle` (auth, validation, the model, the request log: what `--sandbox` and `oint
sandbox serve` run), the median of `--repeat` runs after one warm-up.

    python bench/sandbox_scale.py [--products 100000] [--orders-per-day 300] [--state FILE]
        [--repeat 3] [--only SUBSTRING] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from conftest import BEFORE_SWITCH_OFF, DEMO_API_KEY, DEMO_CLIENT_ID, Clock
from living import FBS_WAREHOUSE, START, Market, market

from oint.apis.seller import spec
from oint.apis.seller.spec import Operation
from oint.core import paging
from oint.core.validate import resolve
from oint.sandbox import structural
from oint.sandbox.core import Sandbox, account_ids, parse_api_date
from oint.sandbox.model import load_all
from oint.sandbox.model.base import Account
from oint.sandbox.model.common import encode_cursor
from oint.sandbox.model.products import PRODUCT, get_product, save_product
from oint.sandbox.model.stocks import put_stock, refresh_summary
from oint.sandbox.seed import seed_catalogue

HEADERS = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY, "Content-Type": "application/json"}
STOCK_EVERY = 5  # every fifth product has FBS stock
ARCHIVED = 100  # products archived
EVERYTHING = {"since": "2026-06-01T00:00:00Z", "to": "2027-05-31T00:00:00Z"}
MONTH = {"from": "2026-09-21T00:00:00Z", "to": "2026-10-20T00:00:00Z"}  # the build's weeks
ACT_PERIOD = {"date_from": "2026-09-01", "date_to": "2026-11-01"}
BUDGET = 0.2  # seconds: what every list and read must stay within


# ------------------------------------------------------------------ the state
def build(path: str, products: int, orders_per_day: int) -> None:
    """The state file: catalogue, stocks, archive, a week of buyers shipped, two weeks more."""
    started = time.perf_counter()
    gen = market(BASE, db=path)
    m = next(gen)
    store, clock = m.sandbox.store, m.sandbox.clock
    seed_catalogue(store, DEMO_CLIENT_ID, products, prefix="SCALE", now=clock())
    with store.transaction():
        account = Account(store, DEMO_CLIENT_ID, clock())
        ids = [int(k) for k, _ in store.items(DEMO_CLIENT_ID, PRODUCT)]
        for pid in ids[5::STOCK_EVERY]:  # (the demo's five products first)
            product = get_product(account, pid)
            assert product is not None
            put_stock(account, pid, FBS_WAREHOUSE, "fbs", 50)
            refresh_summary(account, product)
        stocked = set(ids[5::STOCK_EVERY])
        for pid in [i for i in ids if i not in stocked][-ARCHIVED:]:
            product = get_product(account, pid)
            assert product is not None and not product.get("has_stock")
            product["is_archived"] = True
            save_product(account, product)
    print(f"  catalogue of {products:,} products in {time.perf_counter() - started:.1f} s", flush=True)
    if orders_per_day:
        week(m, orders_per_day)
    print(f"  state built in {time.perf_counter() - started:.1f} s", flush=True)
    m.sandbox.close()
    gen.close()


def week(m: Market, orders_per_day: int) -> None:
    """Buyers for a week, the seller shipping every 6 hours; then two weeks without new orders."""
    m.admin(
        "POST",
        "buyers",
        {"orders_per_day": orders_per_day, "seed": 3, "fbo_share": 0.1, "cancel_share": 0.1},
    )
    for _ in range(7 * 4):
        m.advance("6h")
        m.ship_waiting()
        m.hand_over()
    m.admin("POST", "buyers", {"orders_per_day": 0})
    for _ in range(14):
        m.advance("1d")
        m.ship_waiting()
        m.hand_over()


# ------------------------------------------------------------------ requests
@dataclass
class Case:
    path: str
    kind: str  # first, middle, filtered, next, read
    body: dict[str, Any] | None
    method: str = "POST"
    note: str = ""
    spaced: float = 0.0  # seconds of sandbox time before each request (an operation limited per minute)


BASE = Clock(START)  # the base clock of the sandbox: the build's, and the timed copy's


def ask(sandbox: Sandbox, case: Case) -> tuple[int, Any]:
    BASE.now += case.spaced
    raw = b"" if case.body is None else json.dumps(case.body).encode()
    response = sandbox.handle(case.method, case.path, HEADERS, raw)
    try:
        return response.status, json.loads(response.body)
    except ValueError:
        return response.status, None


def timed(sandbox: Sandbox, case: Case, repeat: int, warmup: bool) -> tuple[float, float, int, Any]:
    """(median wall time, median CPU time of the process, status, answer) of `repeat` requests."""
    if warmup:
        ask(sandbox, case)  # imports the model module, fills caches
    times, cpu = [], []
    status, answer = 0, None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        status, answer = ask(sandbox, case)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), statistics.median(cpu), status, answer


class Data:
    """Ids the cases point at, read through the API."""

    def __init__(self, sandbox: Sandbox, products: int) -> None:
        self.sandbox = sandbox
        self.mid_offer = f"SCALE-{products // 2:06d}"
        info = self.call("/v3/product/info/list", {"offer_id": [self.mid_offer]})["items"][0]
        self.mid_id, self.mid_sku = int(info["id"]), int(info["sku"])
        listed = self.call("/v3/product/info/list", {"offer_id": [f"SCALE-{n:06d}" for n in range(1, 1001)]})
        self.skus = [int(p["sku"]) for p in listed["items"]][:100]
        self.product_ids = [int(p["id"]) for p in listed["items"]][:100]
        self.offers = [str(p["offer_id"]) for p in listed["items"]]
        postings = self.call("/v3/posting/fbs/list", {"filter": EVERYTHING, "limit": 1000, "offset": 0})
        self.postings = [p["posting_number"] for p in postings["result"]["postings"]]
        fbo = self.call("/v3/posting/fbo/list", {"filter": EVERYTHING, "limit": 100})
        self.fbo = [p["posting_number"] for p in fbo.get("postings", [])]
        returns = self.call("/v2/returns/rfbs/list", {"limit": 100})
        self.rfbs_returns = [r["return_id"] for r in returns.get("returns", [])]
        reviews = self.call("/v1/review/list", {"limit": 100})
        self.reviews = [r["id"] for r in reviews.get("reviews", [])]
        questions = self.call("/v1/question/list", {})
        self.questions = [(q["id"], q["sku"]) for q in questions.get("questions", [])]
        chats = self.call("/v3/chat/list", {"limit": 100})
        self.chats = [c["chat"]["chat_id"] for c in chats.get("chats", [])]
        acts = self.call("/v2/posting/fbs/act/list", {"filter": ACT_PERIOD, "limit": 50})
        self.acts = [a["id"] for a in acts.get("result", [])]

    def middle(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return walk_to_middle(self.sandbox, spec.operation(path), body)

    def call(self, path: str, body: Any, method: str = "POST") -> Any:
        status, answer = ask(self.sandbox, Case(path, "read", body, method))
        if status != 200:
            print(f"  (reading ids: {path} answered {status} {answer})", flush=True)
            return {}
        return answer


def walk_to_middle(sandbox: Sandbox, op: Operation, body: dict[str, Any], cap: int = 300) -> dict[str, Any]:
    """The body of the page in the middle of a list, found by walking it (at most `cap` pages)."""
    bodies = [body]
    current: dict[str, Any] | None = body
    while current is not None and len(bodies) < cap:
        status, answer = ask(sandbox, Case(op.path, "walk", current))
        if status != 200:
            break
        current = paging.next_body(op, current, answer)
        if current is not None:
            bodies.append(current)
    return bodies[len(bodies) // 2]


def model_cases(d: Data, products: int) -> Iterator[Case]:
    """The sandbox's model lists (first, middle, filtered) and reads by ids."""
    mid, mid2 = d.mid_id, [d.mid_id, d.mid_id]
    one = {"offer_id": [d.mid_offer]}
    # products
    yield Case("/v3/product/list", "first", {"filter": {"visibility": "ALL"}, "limit": 1000})
    yield Case("/v3/product/list", "middle", {"filter": {}, "limit": 1000, "last_id": encode_cursor(mid2)})
    yield Case(
        "/v3/product/list", "filtered", {"filter": {"visibility": "IN_SALE"}, "limit": 1000}, note="IN_SALE"
    )
    yield Case(
        "/v3/product/list", "filtered", {"filter": {"visibility": "ARCHIVED"}, "limit": 1000}, note="ARCHIVED"
    )
    yield Case(
        "/v3/product/list",
        "filtered",
        {"filter": {"visibility": "EMPTY_STOCK"}, "limit": 1000, "last_id": encode_cursor(mid2)},
        note="EMPTY_STOCK, middle",
    )
    yield Case("/v3/product/list", "filtered", {"filter": one, "limit": 1000}, note="one offer_id")
    yield Case("/v4/product/info/attributes", "first", {"filter": {"visibility": "ALL"}, "limit": 1000})
    yield Case(
        "/v4/product/info/attributes",
        "first",
        {"filter": {"visibility": "ALL"}, "limit": 100},
        note="limit 100",
    )
    yield Case(
        "/v4/product/info/attributes", "middle", {"filter": {}, "limit": 1000, "last_id": encode_cursor(mid2)}
    )
    yield Case("/v4/product/info/attributes", "filtered", {"filter": one, "limit": 100}, note="one offer_id")
    yield Case(
        "/v4/product/info/attributes",
        "filtered",
        {"filter": {"visibility": "IN_SALE"}, "limit": 1000},
        note="IN_SALE",
    )
    yield Case(
        "/v4/product/info/attributes",
        "filtered",
        {"filter": {"visibility": "ALL"}, "limit": 1000, "sort_by": "offer_id", "sort_dir": "desc"},
        note="sort_by offer_id desc",
    )
    for path in ("/v4/product/info/stocks", "/v5/product/info/prices"):
        yield Case(path, "first", {"filter": {"visibility": "ALL"}, "limit": 1000})
        yield Case(
            path, "middle", {"filter": {"visibility": "ALL"}, "limit": 1000, "cursor": encode_cursor([mid])}
        )
        yield Case(path, "filtered", {"filter": {"visibility": "IN_SALE"}, "limit": 1000}, note="IN_SALE")
        yield Case(path, "filtered", {"filter": one, "limit": 1000}, note="one offer_id")
    # promotions (1977747: every product may join; 2859759: two named offers)
    for path in (
        "/v1/actions/candidates",
        "/v2/actions/candidates",
        "/v1/actions/products",
        "/v2/actions/products",
    ):
        yield Case(path, "first", {"action_id": 1977747, "limit": 100})
        key = "last_id"
        yield Case(path, "middle", {"action_id": 1977747, "limit": 100, key: encode_cursor([mid])})
        yield Case(path, "filtered", {"action_id": 2859759, "limit": 100}, note="action of two offers")
    # postings, returns, finance, reviews, chats, analytics, warehouses
    yield Case("/v3/posting/fbs/list", "first", {"filter": EVERYTHING, "limit": 1000, "offset": 0})
    yield Case(
        "/v3/posting/fbs/list",
        "middle",
        {"filter": EVERYTHING, "limit": 1000, "offset": len(d.postings) // 2},
    )
    yield Case(
        "/v3/posting/fbs/list",
        "filtered",
        {"filter": {**EVERYTHING, "status": "delivered"}, "limit": 100, "offset": 0},
        note="status",
    )
    yield Case("/v4/posting/fbs/list", "first", {"filter": EVERYTHING, "limit": 100})
    yield Case(
        "/v4/posting/fbs/list",
        "middle",
        d.middle("/v4/posting/fbs/list", {"filter": EVERYTHING, "limit": 100}),
    )
    yield Case(
        "/v4/posting/fbs/list",
        "filtered",
        {"filter": {**EVERYTHING, "statuses": ["delivered"]}, "limit": 100},
        note="status",
    )
    unfulfilled = {"cutoff_from": EVERYTHING["since"], "cutoff_to": EVERYTHING["to"]}
    yield Case(
        "/v3/posting/fbs/unfulfilled/list", "first", {"filter": unfulfilled, "limit": 1000, "offset": 0}
    )
    yield Case("/v4/posting/fbs/unfulfilled/list", "first", {"filter": unfulfilled, "limit": 100})
    yield Case("/v3/posting/fbo/list", "first", {"filter": EVERYTHING, "limit": 100})
    yield Case("/v2/posting/fbo/list", "first", {"filter": EVERYTHING, "limit": 1000})
    yield Case("/v1/returns/list", "first", {"limit": 500})
    yield Case("/v1/returns/list", "middle", d.middle("/v1/returns/list", {"limit": 10}))
    yield Case("/v1/returns/list", "filtered", {"limit": 500, "filter": {"return_schema": "FBS"}}, note="FBS")
    yield Case("/v2/returns/rfbs/list", "first", {"limit": 100})
    yield Case(
        "/v3/finance/transaction/list", "first", {"filter": {"date": MONTH}, "page": 1, "page_size": 1000}
    )
    yield Case(
        "/v3/finance/transaction/list",
        "filtered",
        {"filter": {"date": MONTH, "transaction_type": "orders"}, "page": 1, "page_size": 1000},
        note="orders",
    )
    yield Case(
        "/v1/finance/cash-flow-statement/list",
        "first",
        {"date": {"from": EVERYTHING["since"], "to": EVERYTHING["to"]}, "page": 1, "page_size": 100},
    )
    yield Case("/v1/review/list", "first", {"limit": 100})
    yield Case("/v1/review/list", "middle", d.middle("/v1/review/list", {"limit": 20}))
    yield Case("/v1/review/list", "filtered", {"limit": 100, "status": "UNPROCESSED"}, note="UNPROCESSED")
    yield Case("/v1/question/list", "first", {})
    yield Case("/v1/question/list", "filtered", {"filter": {"status": "NEW"}}, note="NEW")
    if d.reviews:
        yield Case("/v1/review/comment/list", "first", {"review_id": d.reviews[0], "limit": 20})
    if d.questions:
        qid, sku = d.questions[0]
        yield Case("/v1/question/answer/list", "first", {"question_id": qid, "sku": sku})
    yield Case("/v3/chat/list", "first", {"limit": 100})
    yield Case("/v3/chat/list", "middle", d.middle("/v3/chat/list", {"limit": 10}))
    yield Case("/v3/chat/list", "filtered", {"limit": 100, "filter": {"unread_only": True}}, note="unread")
    period = {"date_from": "2026-06-01", "date_to": "2027-05-31"}
    yield Case(
        "/v1/analytics/data",
        "first",
        {**period, "metrics": ["revenue", "ordered_units"], "dimension": ["sku"], "limit": 1000, "offset": 0},
    )
    yield Case(
        "/v1/analytics/data",
        "middle",
        {**period, "metrics": ["revenue"], "dimension": ["sku"], "limit": 1000, "offset": 500},
    )
    yield Case("/v1/analytics/turnover/stocks", "first", {"limit": 1000, "offset": 0})
    yield Case(
        "/v1/analytics/turnover/stocks", "middle", {"limit": 1000, "offset": products // STOCK_EVERY // 2}
    )
    yield Case(
        "/v1/analytics/turnover/stocks",
        "filtered",
        {"limit": 1000, "offset": 0, "sku": d.skus[:10]},
        note="10 SKUs",
    )
    yield Case(
        "/v2/analytics/stock_on_warehouses", "first", {"limit": 1000, "offset": 0, "warehouse_type": "ALL"}
    )
    yield Case(
        "/v2/analytics/stock_on_warehouses",
        "middle",
        {"limit": 1000, "offset": products // STOCK_EVERY // 2, "warehouse_type": "ALL"},
    )
    yield Case("/v2/warehouse/list", "first", {"limit": 200})
    yield Case("/v1/warehouse/list", "first", {}, spaced=61.0, note="once a minute: 61 s between calls")
    yield Case(
        "/v1/delivery-method/list",
        "first",
        {"limit": 50, "offset": 0, "filter": {"warehouse_id": FBS_WAREHOUSE}},
    )
    # reads by ids
    yield Case("/v3/product/info/list", "read", {"offer_id": d.offers}, note="1000 offer ids")
    yield Case("/v3/product/info/list", "read", {"product_id": d.product_ids}, note="100 product ids")
    yield Case("/v3/product/info/list", "read", {"sku": d.skus}, note="100 SKUs")
    yield Case("/v1/product/info/description", "read", {"offer_id": d.mid_offer})
    yield Case("/v1/product/info/discounted", "read", {"discounted_skus": [d.mid_sku]})
    yield Case("/v1/product/info/subscription", "read", {"skus": d.skus})
    yield Case("/v1/product/rating-by-sku", "read", {"skus": d.skus})
    yield Case("/v1/product/related-sku/get", "read", {"sku": d.skus})
    yield Case("/v2/product/pictures/info", "read", {"product_id": d.product_ids})
    yield Case("/v4/product/info/limit", "read", {})
    yield Case("/v1/actions", "read", None, method="GET", note="the counts of every action")
    if d.postings:
        yield Case(
            "/v3/posting/fbs/get",
            "read",
            {
                "posting_number": d.postings[len(d.postings) // 2],
                "with": {"analytics_data": True, "financial_data": True},
            },
        )
        yield Case("/v1/posting/fbs/cancel-reason", "read", {"related_posting_numbers": d.postings[:50]})
    if d.fbo:
        yield Case("/v2/posting/fbo/get", "read", {"posting_number": d.fbo[len(d.fbo) // 2]})
    if d.rfbs_returns:
        yield Case("/v2/returns/rfbs/get", "read", {"return_id": d.rfbs_returns[0]})
    if d.reviews:
        yield Case("/v1/review/info", "read", {"review_id": d.reviews[0]})
    if d.questions:
        yield Case("/v1/question/info", "read", {"question_id": d.questions[0][0]})
    if d.chats:
        yield Case("/v3/chat/history", "read", {"chat_id": d.chats[0], "limit": 100})
    if d.acts:
        yield Case("/v2/posting/fbs/act/get-postings", "read", {"id": d.acts[0]})
    yield Case("/v2/posting/fbs/act/list", "read", {"filter": ACT_PERIOD, "limit": 50})
    yield Case("/v1/review/count", "read", {})
    yield Case("/v1/question/count", "read", {})
    yield Case(
        "/v3/finance/transaction/totals",
        "read",
        {"date": {"from": EVERYTHING["since"], "to": EVERYTHING["to"]}, "transaction_type": "all"},
    )
    yield Case("/v2/finance/realization", "read", {"month": 10, "year": 2026})
    yield Case("/v1/product/info/stocks-by-warehouse/fbs", "read", {"sku": d.skus[:10]}, note="structural")
    yield Case(
        "/v1/product/prices/details", "read", {"skus": [str(s) for s in d.skus[:10]]}, note="structural"
    )


def structural_cases(sandbox: Sandbox, routes: dict[tuple[str, str], Any]) -> Iterator[Case]:
    """Every paged operation without a model: its first page and the next one."""
    with sandbox.store.transaction():
        ids = account_ids(Account(sandbox.store, DEMO_CLIENT_ID, sandbox.clock()))
    for op in sorted(spec.operations().values(), key=lambda o: o.path):
        if op.paging is None or (op.method, op.path) in routes or op.path_params:
            continue
        body = paging.first_body(op, structural.request_example(op, ids))
        yield Case(op.path, "first", body, op.method)
        small = dict(body)  # pages of the smallest size, for a next page
        if op.paging.size is not None:
            field = resolve(spec.schema(op.request)["properties"][op.paging.size], spec.schemas())[0]
            small[op.paging.size] = min(field.get("enum") or [max(2, int(field.get("minimum", 1)))])
        status, answer = ask(sandbox, Case(op.path, "probe", small, op.method))
        following = paging.next_body(op, small, answer) if status == 200 else None
        if following is not None:
            yield Case(
                op.path,
                "next",
                following,
                op.method,
                note=f"{op.paging.size or ''} {small.get(op.paging.size or '', '')}",
            )


# ------------------------------------------------------------------ the run
def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--orders-per-day", type=int, default=300)
    parser.add_argument(
        "--state", help="state file: built when missing, reused when present (a copy is timed)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-warmup", action="store_true", help="no untimed request first (slow code)")
    parser.add_argument("--only", default="", help="time only the operations whose path contains this")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    for name in ("OINT_SANDBOX_RECORD", "OINT_SANDBOX_API_DATE", "OINT_TIME_SCALE"):
        os.environ.pop(name, None)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"bench/sandbox_scale.py --products {args.products} --orders-per-day {args.orders_per_day} "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load {load})",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="oint-scale-") as tmp:
        state = args.state or os.path.join(tmp, "built.sqlite3")
        if not os.path.exists(state):
            print(f"building {state}", flush=True)
            build(state, args.products, args.orders_per_day)
        timed_copy = os.path.join(tmp, "timed.sqlite3")
        shutil.copyfile(state, timed_copy)
        run(timed_copy, args)


def run(path: str, args: argparse.Namespace) -> None:
    # the base clock of the build: the sandbox's clock (kept in the state file) is three weeks on
    BASE.now = START
    sandbox = Sandbox(path, clock=BASE, rate_limits=False, api_date=parse_api_date(BEFORE_SWITCH_OFF))
    with sandbox.store.transaction():
        counts = {
            kind: sandbox.store.count(DEMO_CLIENT_ID, kind)
            for kind in (
                "product",
                "stock",
                "fbs_posting",
                "fbo_posting",
                "return",
                "rfbs_return",
                "review",
                "question",
                "chat",
                "event",
            )
        }
    print("state: " + ", ".join(f"{n:,} {k}" for k, n in counts.items()), flush=True)
    d = Data(sandbox, args.products)
    routes = load_all()
    rows = []
    cases = [*model_cases(d, args.products), *structural_cases(sandbox, routes)]
    for case in cases:
        if args.only and args.only not in case.path:
            continue
        seconds, cpu, status, answer = timed(sandbox, case, args.repeat, not args.no_warmup)
        op = spec.operation(case.path)
        items = paging.page_items(op, answer) if op.paging and isinstance(answer, dict) else None
        rows.append((case, seconds, cpu, status, None if items is None else len(items)))
        flag = "" if cpu <= BUDGET and status == 200 else "  <--"
        print(
            f"{case.method:4} {case.path:48} {case.kind:8} {seconds * 1000:8.1f} ms {cpu * 1000:8.1f} CPU  "
            f"{status}  "
            f"{'' if items is None else len(items):>5}  {case.note}{flag}",
            flush=True,
        )
    sandbox.close()
    slow = [c for c, _, cpu, _, _ in rows if cpu > BUDGET]
    failed = [(c, status) for c, _, _, status, _ in rows if status != 200]
    print(
        f"\n{len(rows)} cases, {len({c.path for c, *_ in rows})} operations; "
        f"slowest {max(r[1] for r in rows) * 1000:.1f} ms wall, {max(r[2] for r in rows) * 1000:.1f} ms CPU; "
        f"over {BUDGET * 1000:.0f} ms CPU: {len(slow)}; not 200: {len(failed)}"
    )
    for c, status in failed:
        print(f"  {status} {c.path} {c.kind} {c.note}")
    if args.markdown:
        print("\n| operation | page | wall ms | CPU ms | status | items | note |")
        print("|---|---|---:|---:|---:|---:|---|")
        for c, s, cpu, status, n in rows:
            count = "" if n is None else n
            print(
                f"| `{c.method} {c.path}` | {c.kind} | {s * 1000:.1f} | {cpu * 1000:.1f} | {status} "
                f"| {count} | {c.note} |"
            )


if __name__ == "__main__":
    main()
