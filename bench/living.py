#!/usr/bin/env python3
"""The living marketplace's speed: simulated events per second of wall time, in-process.

1. buyers only: P products with stock on the FBS warehouse, buyers ordering R a day, the clock
   advanced D days an hour at a time; nobody ships, so the events are orders and buyers'
   cancellations (and the queue's arrivals);
2. the whole order loop through the library: the same, and every 6 hours of sandbox time the seller
   lists what waits (`/v4/posting/fbs/list`), sets marks, ships it (`/v4/posting/fbs/ship`), prints
   labels (a `/v3/posting/fbs/package-label/create` task, its PDF) and hands it over by carriages
   (`/v1/carriage/create` -> `/v1/carriage/approve`, the act's PDF), on today's API; then two more
   weeks for the last parcels, returns, reviews and chats.

Events are the entries of the event log (order created, shipped, handed over, delivered,
cancelled, returned); actions are the queue's items applied (arrivals, handovers, deliveries,
returns, reviews, ...). Each run starts from a fresh in-memory sandbox on a test clock.

    python bench/living.py [--products 200] [--orders-per-day 2000] [--days 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from living import Market, load_products, market

from oint.sandbox.model import market as events_log
from oint.sandbox.model.base import Account


def counts(m: Market) -> tuple[int, int, Counter[str]]:
    store = m.sandbox.store
    with store.transaction():
        account = Account(store, "2128753", m.sandbox.clock())
        kinds = Counter(e["type"] for e in events_log.events(account))
        applied = store.next_id("due_seq", 1) - 1 - len(events_log.pending(account))
    return sum(kinds.values()), applied, kinds


def buyers_only(products: int, per_day: int, days: int) -> str:
    m = next(market())
    load_products(m, products, stock=10 * per_day * days // products + 10)
    m.admin("POST", "buyers", {"orders_per_day": per_day, "seed": 1, "cancel_share": 0.2})
    start = time.perf_counter()
    for _ in range(days * 24):
        m.advance("1h")
    took = time.perf_counter() - start
    events, applied, kinds = counts(m)
    m.sandbox.close()
    return (
        f"buyers only: {products} products, {per_day} orders/day, {days} days advanced by the hour\n"
        f"  {events:,} events ({dict(kinds)}), {applied:,} actions applied, in {took:.2f} s\n"
        f"  = {events / took:,.0f} events/s, {applied / took:,.0f} actions/s"
    )


def order_loop(products: int, per_day: int, days: int) -> str:
    m = next(market())
    load_products(m, products, stock=2 * per_day * days // products + 10)
    m.admin("POST", "buyers", {"orders_per_day": per_day, "seed": 1, "fbo_share": 0.1})
    requests_before = len(m.sandbox.requests)
    start = time.perf_counter()
    for _ in range(days * 4):
        m.advance("6h")
        m.ship_waiting()
        m.hand_over()
    m.admin("POST", "buyers", {"orders_per_day": 0})
    for _ in range(14):
        m.advance("1d")
        m.ship_waiting()
        m.hand_over()
    took = time.perf_counter() - start
    events, applied, kinds = counts(m)
    with m.sandbox.store.transaction():
        requests = m.sandbox.store.status_counts()
    served = sum(requests.values())
    m.sandbox.close()
    return (
        f"order loop through the library: {products} products, {per_day} orders/day for {days} days, "
        f"then 14 days\n"
        f"  {served:,} requests served ({requests_before} before), {len(m.shipped):,} postings shipped, "
        f"{len(m.labels)} label files, {len(m.acts)} acts\n"
        f"  {events:,} events ({dict(kinds)}), {applied:,} actions applied, in {took:.2f} s\n"
        f"  = {events / took:,.0f} events/s, {served / took:,.0f} requests/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--orders-per-day", type=int, default=2000)
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    os.environ.pop("OINT_SANDBOX_RECORD", None)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"bench/living.py --products {args.products} --orders-per-day {args.orders_per_day} "
        f"--days {args.days} "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load {load})"
    )
    print(buyers_only(args.products, args.orders_per_day, args.days))
    print(order_loop(args.products, args.orders_per_day // 10, args.days))


if __name__ == "__main__":
    main()
