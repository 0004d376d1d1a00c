#!/usr/bin/env python3
"""The web view at scale: how long each page of `/__sandbox/` takes to render in-process
(`oint.sandbox.web.serve.render`: the store's reads and the HTML, no HTTP) over a catalogue of
N generated products (stock on every third, every 50th archived) and a marketplace whose buyers
ordered for some days (postings, events, cancellations), median of R runs each.

    python bench/web_view.py [--products 20000] [--orders-per-day 2000] [--days 3] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from living import FBS_WAREHOUSE, market

from oint.sandbox.model import market as market_model
from oint.sandbox.model.base import Account
from oint.sandbox.model.products import PRODUCT, all_products, save_product
from oint.sandbox.seed import seed_catalogue
from oint.sandbox.web import serve

CLIENT_ID = "2128753"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=20000)
    ap.add_argument("--orders-per-day", type=int, default=2000)
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for m in market(db=os.path.join(tmp, "web.sqlite3")):
            box = m.sandbox
            start = time.perf_counter()
            seed_catalogue(box.store, CLIENT_ID, args.products, now=box.clock())
            with box.store.transaction():
                ids = [p["id"] for p in all_products(Account(box.store, CLIENT_ID, box.clock()))]
            stocked = ids[5::3]
            for i in range(0, len(stocked), 100):
                entries = [
                    {"product_id": pid, "stock": 50, "warehouse_id": FBS_WAREHOUSE}
                    for pid in stocked[i : i + 100]
                ]
                m.client.call("/v2/products/stocks", {"stocks": entries})
            with box.store.transaction():
                acct = Account(box.store, CLIENT_ID, box.clock())
                for pid in ids[5::50]:
                    doc = box.store.get(CLIENT_ID, PRODUCT, pid)
                    if doc is not None and not doc.get("has_stock"):
                        doc["is_archived"] = True
                        save_product(acct, doc)
            m.admin("POST", "buyers", {"orders_per_day": args.orders_per_day, "seed": 3, "fbo_share": 0.1})
            m.advance(f"{args.days}d")
            m.admin("POST", "buyers", {"orders_per_day": 0})
            with box.store.transaction():
                events = box.store.count(CLIENT_ID, market_model.EVENT)
                postings = box.store.count(CLIENT_ID, "fbs_posting")
                middle = box.store.page(CLIENT_ID, "fbs_posting", postings // 2, 1)[0]["posting_number"]
            setup = time.perf_counter() - start
            pages = [
                ("overview", "", {}),
                ("products, first page", "products", {}),
                ("products, last page", "products", {"offset": str(args.products - 45)}),
                ("search offer id 'seed-01234'", "products", {"q": "seed-01234"}),
                ("search name 'ЧЕХОЛ' (Cyrillic, any case)", "products", {"q": "ЧЕХОЛ"}),
                ("search 'seed', page 100", "products", {"q": "seed", "offset": "4950"}),
                ("visibility IN_SALE", "products", {"visibility": "IN_SALE"}),
                ("visibility ARCHIVED", "products", {"visibility": "ARCHIVED"}),
                (
                    "stock none + ALL + 'кабель'",
                    "products",
                    {"q": "кабель", "visibility": "ALL", "stock": "none"},
                ),
                (f"posting page (history of {events:,} events)", f"postings/{middle}", {}),
                ("returns", "returns", {}),
                ("reviews", "reviews", {}),
                ("chats", "chats", {}),
            ]
            rows = []
            for name, page, params in pages:
                times = []
                for _ in range(args.runs):
                    t = time.perf_counter()
                    status, html = serve.render(box, page, params)
                    times.append((time.perf_counter() - t) * 1000)
                    assert status == 200, (page, params, html[:500])
                rows.append((name, statistics.median(times), max(times)))
            print(
                f"## bench/web_view.py ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
                f"{os.cpu_count()} cores, load {' '.join(f'{x:.1f}' for x in os.getloadavg())}, "
                f"python {platform.python_version()})\n"
            )
            print(
                f"{args.products:,} generated products (+ the demo's 5), stock on every third, every 50th "
                f"of the others archived; buyers {args.orders_per_day:,} orders/day for {args.days} days: "
                f"{postings:,} FBS postings, {events:,} events (set up in {setup:.0f} s). "
                f"In-process render, median of {args.runs}.\n"
            )
            print("| page | median ms | max ms |\n|---|---:|---:|")
            for name, median, worst in rows:
                print(f"| {name} | {median:.1f} | {worst:.1f} |")
            print(json.dumps({name: round(median, 1) for name, median, _ in rows}), file=sys.stderr)


if __name__ == "__main__":
    main()
