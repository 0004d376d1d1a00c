#!/usr/bin/env python3
"""What the current implementation of UpdateProductImages costs next to OInt's own endpoint.

Against one `oint sandbox serve` over HTTP (its request log counts the requests): OInt's
`/v1/product/pictures/import` (`api="legacy"`, the sandbox dated 2026-09-01, before Ozon switched
it off) and the current implementation (`api="current"`, the sandbox dated today: product info,
pictures import v2, the import task followed, the pictures read back). For each: requests per
call, and the median time per call of the library (OzonClient, AsyncOzonClient) and of the CLI,
with the part of it the flow spends waiting for the task.

    python bench/today.py [--calls 100] [--runs 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from harness import API_KEY, CLIENT_ID, IMAGES, PRODUCT, median_wall, start_sandbox, update_images_command

BEFORE = "2026-09-01"  # OInt's endpoint still on at Ozon


def admin(url: str, action: str, doc: Any = None) -> Any:
    if doc is None and action == "requests":
        with urllib.request.urlopen(f"{url}/__sandbox/{action}", timeout=10) as r:
            return json.loads(r.read())
    req = urllib.request.Request(
        f"{url}/__sandbox/{action}", data=json.dumps(doc or {}).encode(), method="POST"
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def requests_per_call(url: str, one_call: Callable[[], Any], calls: int = 10) -> float:
    admin(url, "requests/clear")
    for _ in range(calls):
        one_call()
    return len(admin(url, "requests")["requests"]) / calls


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def library(url: str, api: str, calls: int) -> dict[str, float]:
    from oint.core import client as base_client
    from oint.ozon import AsyncOzonClient, OzonClient

    waited: list[float] = []
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:  # the flow's waits (the client sleeps nowhere else here)
        waited.append(seconds)
        real_sleep(seconds)

    with OzonClient(CLIENT_ID, API_KEY, base_url=url, api=api, max_retries=0) as ozon:

        def one() -> Any:
            return ozon.update_product_images(PRODUCT, IMAGES, color="GREEN")

        for _ in range(10):
            one()
        n_requests = requests_per_call(url, one)
        times = []
        base_client.time.sleep = sleep  # type: ignore[attr-defined]
        try:
            for _ in range(calls):
                t0 = time.perf_counter()
                one()
                times.append(time.perf_counter() - t0)
        finally:
            base_client.time.sleep = real_sleep  # type: ignore[attr-defined]

    async def go() -> list[float]:
        async with AsyncOzonClient(CLIENT_ID, API_KEY, base_url=url, api=api, max_retries=0) as aozon:
            for _ in range(10):
                await aozon.update_product_images(PRODUCT, IMAGES, color="GREEN")
            out = []
            for _ in range(calls):
                t0 = time.perf_counter()
                await aozon.update_product_images(PRODUCT, IMAGES, color="GREEN")
                out.append(time.perf_counter() - t0)
            return out

    async_times = asyncio.run(go())
    return {
        "requests": n_requests,
        "sync_ms": median_ms(times),
        "waited_ms": sum(waited) / calls * 1000,
        "async_ms": median_ms(async_times),
    }


def cli(url: str, api: str, runs: int, env: dict[str, str]) -> float:
    return median_wall(update_images_command(url, "--api", api), runs, env) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=100, help="library calls per client (median)")
    ap.add_argument("--runs", type=int, default=50, help="CLI runs (median)")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="oint-bench-today-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OZON_", "OINT_"))}
    server, url = start_sandbox(os.path.join(tmp, "server.sqlite3"), "--no-rate-limit", env=env)
    try:
        rows = {}
        for api, day in (("legacy", BEFORE), ("current", None)):
            admin(url, "api-date", {"date": day})
            rows[api] = library(url, api, a.calls)
            rows[api]["cli_ms"] = cli(url, api, a.runs, env)
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)

    legacy, current = rows["legacy"], rows["current"]
    print(
        "UpdateProductImages against oint sandbox serve (HTTP): "
        f"median of {a.calls} library calls, {a.runs} CLI runs"
    )
    print(f"{'':34} {'legacy (v1)':>12} {'current':>12} {'extra':>10}")
    for key, label, unit in (
        ("requests", "requests per call", ""),
        ("sync_ms", "OzonClient, per call", " ms"),
        ("waited_ms", "  of which waiting for the task", " ms"),
        ("async_ms", "AsyncOzonClient, per call", " ms"),
        ("cli_ms", "oint ozon (a whole process)", " ms"),
    ):
        extra = current[key] - legacy[key]
        print(f"{label:<34} {legacy[key]:>10.1f}{unit:<3}{current[key]:>9.1f}{unit:<3}{extra:>+7.1f}{unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
