#!/usr/bin/env python3
"""The sandbox's push notifications: what they cost the marketplace, and how fast they go out.

1. the hook's cost without a URL: buyers only (as `bench/living.py`), P products, R orders a day,
   D days advanced by the hour, with the model's push hooks as they are (one read of the account's
   push settings per event) and with them replaced by functions that do nothing;
2. the same with a URL set: the pushes queued (in the same transactions), then sent to a local
   receiver (a threaded `http.server` answering 200 {"result": true}) by the synchronous sender
   (`Sandbox.push_step`, one at a time) and, on a second sandbox, by the served sandbox's
   asynchronous round (`oint.sandbox.push.astep`, httpx.AsyncClient).

    python bench/sandbox_push.py [--products 200] [--orders-per-day 2000] [--days 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import httpx
from living import Market, load_products, market

from oint.sandbox import push
from oint.sandbox.model import pushes


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    count = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        type(self).count += 1
        body = b'{"result": true}'
        # one write: headers and body in two would meet the client's delayed ACK (40 ms each)
        head = f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
        self.wfile.write(head.encode() + body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/push"
    finally:
        server.shutdown()
        server.server_close()


def simulate(products: int, per_day: int, days: int, url: str | None = None) -> tuple[Market, float]:
    m = next(market())
    load_products(m, products, stock=10 * per_day * days // products + 10)
    if url:
        m.sandbox.push(url=url)
    m.admin("POST", "buyers", {"orders_per_day": per_day, "seed": 1, "cancel_share": 0.2})
    start = time.perf_counter()
    for _ in range(days * 24):
        m.advance("1h")
    return m, time.perf_counter() - start


@contextmanager
def hooks_off() -> Iterator[None]:
    saved = pushes.posting_event, pushes.stocks_changed

    def nothing(*args: Any, **kwargs: Any) -> None:
        return None

    pushes.posting_event = pushes.stocks_changed = nothing  # type: ignore[assignment]
    try:
        yield
    finally:
        pushes.posting_event, pushes.stocks_changed = saved


def queued(m: Market) -> int:
    with m.sandbox.store.transaction():
        return int(m.sandbox.store.count("2128753", pushes.PUSH))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--orders-per-day", type=int, default=2000)
    parser.add_argument("--days", type=int, default=1)
    a = parser.parse_args()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"bench/sandbox_push.py --products {a.products} --orders-per-day {a.orders_per_day} --days {a.days} "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load {load})"
    )
    with hooks_off():
        m, without = simulate(a.products, a.orders_per_day, a.days)
        m.sandbox.close()
    m, with_hooks = simulate(a.products, a.orders_per_day, a.days)
    m.sandbox.close()
    change = with_hooks / without - 1
    print(f"1. no URL: {without:.2f} s with the hooks off, {with_hooks:.2f} s with them ({change:+.1%})")

    with receiver() as url:
        m, took = simulate(a.products, a.orders_per_day, a.days, url)
        n = queued(m)
        change = took / with_hooks - 1
        print(f"2. URL set: {took:.2f} s to simulate, {n:,} pushes queued ({change:+.1%} on the above)")
        start = time.perf_counter()
        sent = m.sandbox.push_step()
        took = time.perf_counter() - start
        print(f"   Sandbox.push_step: {sent:,} pushes delivered in {took:.2f} s = {sent / took:,.0f}/s")
        m.sandbox.close()

        m, _ = simulate(a.products, a.orders_per_day, a.days, url)

        async def send() -> int:
            async with httpx.AsyncClient(trust_env=False) as client:
                return await push.astep(m.sandbox, client, m.sandbox.clock(), timeout=5.0)

        start = time.perf_counter()
        sent = asyncio.run(send())
        took = time.perf_counter() - start
        states = json.dumps(m.sandbox.push()["pushes"])
        rate = sent / took
        print(
            f"   push.astep (the served sender's round): {sent:,} in {took:.2f} s = {rate:,.0f}/s; {states}"
        )
        m.sandbox.close()


if __name__ == "__main__":
    main()
