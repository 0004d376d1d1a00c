"""Bytes and time per large answer, with and without gzip, over `oint sandbox serve`.

A fresh state file gets 1,000 extra products (`oint sandbox seed`) with stock and a day of 1,500
buyers' orders (`oint sandbox buyers` + `advance`); the server compresses JSON answers of 1 KiB
and more when the request accepts gzip (`oint.sandbox.compression`). Each large answer is fetched with oint's
`FastTransport` as it was before (no Accept-Encoding: the server answers plain JSON) and as it is
now (`Accept-Encoding: gzip, deflate`, decoded by the transport), and with httpx for reference.
Reported per answer: bytes of the body on the wire, the decoded size, and the median time of the
whole call on loopback (request, answer, decoding, JSON parsing) — loopback has no bandwidth
limit, so the time a slower link adds is also computed from the bytes (not measured).

    python bench/compression.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import API_KEY, CLIENT_ID, start_sandbox

SRC = Path(__file__).resolve().parent.parent / "src"
if SRC.is_dir() and str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

HEADERS = {"Client-Id": CLIENT_ID, "Api-Key": API_KEY, "Content-Type": "application/json"}
WITH = {"analytics_data": True, "financial_data": True}
LINKS = {"100 Mbit/s": 100e6, "10 Mbit/s": 10e6}


def oint(*args: str, db: str) -> None:
    subprocess.run([sys.executable, "-m", "oint", *args, "--db", db], check=True, stdout=subprocess.DEVNULL)


FBS_WAREHOUSE = 1020005000050693  # the demo's


def prepare(db: str) -> None:
    """1,000 more products, each with 1,000 in stock, and a day of 1,500 orders (FBS postings)."""
    from oint.ozon import OzonClient

    oint("sandbox", "reset", db=db)
    oint("sandbox", "seed", "--products", "1000", db=db)
    with OzonClient(sandbox=db) as ozon:
        products = list(ozon.iter_items("/v3/product/list", {"filter": {"visibility": "ALL"}}))
        for i in range(0, len(products), 100):
            stocks = [
                {"offer_id": p["offer_id"], "product_id": p["product_id"], "stock": 1000,
                 "warehouse_id": FBS_WAREHOUSE}
                for p in products[i : i + 100]
            ]  # fmt: skip
            ozon.call("/v2/products/stocks", {"stocks": stocks})
    oint("sandbox", "buyers", "--orders-per-day", "1500", "--seed", "1", db=db)
    oint("sandbox", "advance", "1d", db=db)


def answers(url: str) -> list[tuple[str, str, bytes]]:
    """(name, path, request body) of the large answers measured."""
    from oint.core.transport.fast import FastTransport

    with FastTransport(url) as t:
        raw = t.request(
            "POST", "/v3/product/list", HEADERS, b'{"filter":{"visibility":"ALL"},"limit":1000}', 30
        )
        ids = [item["product_id"] for item in json.loads(raw.content)["result"]["items"]]
    since = {"since": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}
    return [
        ("product info list, 1000 ids", "/v3/product/info/list", json.dumps({"product_id": ids}).encode()),
        (
            "product attributes, 1000",
            "/v4/product/info/attributes",
            b'{"filter":{"visibility":"ALL"},"limit":1000}',
        ),
        (
            "FBS postings list, 1000",
            "/v3/posting/fbs/list",
            json.dumps({"filter": since, "limit": 1000, "offset": 0, "with": WITH}).encode(),
        ),
        ("product list, 1000", "/v3/product/list", b'{"filter":{"visibility":"ALL"},"limit":1000}'),
    ]


def timed(calls: list[Callable[[], tuple[int, int]]], runs: int) -> list[tuple[float, int, int]]:
    """Per call: the median ms (after a warm-up; the calls take turns, so that the server's and the
    machine's moods hit them alike), with the wire and decoded sizes it reports."""
    sizes = [call() for call in calls]
    times: list[list[float]] = [[] for _ in calls]
    for _ in range(runs):
        for call, out in zip(calls, times, strict=True):
            t0 = time.perf_counter()
            call()
            out.append((time.perf_counter() - t0) * 1000)
    return [(statistics.median(ts), *size) for ts, size in zip(times, sizes, strict=True)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    import httpx

    from oint.core.transport.fast import FastTransport
    from oint.sandbox.compression import LEVEL, gzip_bytes

    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.sqlite3")
        prepare(db)
        proc, url = start_sandbox(db, "--no-rate-limit")
        try:
            cases = answers(url)
            plain = FastTransport(url)
            packed = FastTransport(url)
            hx = httpx.Client(base_url=url, headers=HEADERS)
            identity = {**HEADERS, "Accept-Encoding": "identity"}

            def fast(t: FastTransport, headers: dict[str, str], path: str, body: bytes) -> tuple[int, int]:
                r = t.request("POST", path, headers, body, 60)
                assert r.status == 200, r
                json.loads(r.content)
                return int(r.headers["content-length"]), len(r.content)

            def via_httpx(path: str, body: bytes) -> tuple[int, int]:
                r = hx.post(path, content=body, timeout=60)
                assert r.status_code == 200, r
                r.json()
                return int(r.headers["content-length"]), len(r.content)

            print(f"python {sys.version.split()[0]}; {args.runs} runs per row, median; server {url}")
            head = f"{'answer':30} {'client':34} {'wire bytes':>11} {'decoded':>9} {'ms':>7}"
            head += "".join(f" {'+' + name:>12}" for name in LINKS)
            print(head)
            for name, path, body in cases:
                rows: list[tuple[str, Any]] = [
                    ("before: FastTransport, plain", lambda p=path, b=body: fast(plain, identity, p, b)),
                    ("after: FastTransport, gzip", lambda p=path, b=body: fast(packed, HEADERS, p, b)),
                    ("httpx.Client (gzip)", lambda p=path, b=body: via_httpx(p, b)),
                ]
                measured = timed([call for _, call in rows], args.runs)
                for (client, _), (ms, wire, size) in zip(rows, measured, strict=True):
                    link = "".join(f" {ms + wire * 8 / bps * 1000:>10.1f}ms" for bps in LINKS.values())
                    print(f"{name:30} {client:34} {wire:>11,} {size:>9,} {ms:>7.1f}{link}")
            print(f"\nzlib levels on the same answers (the server's: {LEVEL}): bytes, ms to pack, to unpack")
            for name, path, body in cases:
                raw = plain.request("POST", path, identity, body, 60).content
                cells = []
                for level in (1, 3, 5, 6):
                    t0 = time.perf_counter()
                    packed_body = gzip_bytes(raw, level)
                    t1 = time.perf_counter()
                    zlib.decompress(packed_body, 31)
                    t2 = time.perf_counter()
                    ms_in, ms_out = (t1 - t0) * 1000, (t2 - t1) * 1000
                    cells.append(f"{level}: {len(packed_body):>7,} {ms_in:5.1f} {ms_out:4.1f}")
                print(f"{name:30} " + " | ".join(cells))
            plain.close()
            packed.close()
            hx.close()
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
