#!/usr/bin/env python3
"""Speed of oint, in one run, against a running `oint sandbox serve`:

(a) wall time of one CLI call next to `python -c pass` (target: at most 10x);
(b) the library's time per call over N sequential calls (sync, async, and the
    in-process sandbox), wall and client CPU.

UpdateProductImages is measured on OInt's own endpoint (one request a call); bench/today.py
compares it with the current implementation.

    python bench/cli_and_calls.py [--runs 20] [--calls 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time

from harness import API_KEY, CLIENT_ID, IMAGES, PRODUCT, median_wall, start_sandbox, update_images_command


def per_call_sync(make: object, calls: int) -> tuple[float, float]:
    with make() as ozon:  # type: ignore[operator]
        for _ in range(50):
            ozon.update_product_images(PRODUCT, IMAGES, color="GREEN")
        cpu, t0 = time.process_time(), time.perf_counter()
        for _ in range(calls):
            ozon.update_product_images(PRODUCT, IMAGES, color="GREEN")
        return (time.perf_counter() - t0) / calls, (time.process_time() - cpu) / calls


def per_call_async(make: object, calls: int) -> tuple[float, float]:
    async def go() -> tuple[float, float]:
        async with make() as ozon:  # type: ignore[operator]
            for _ in range(50):
                await ozon.update_product_images(PRODUCT, IMAGES, color="GREEN")
            cpu, t0 = time.process_time(), time.perf_counter()
            for _ in range(calls):
                await ozon.update_product_images(PRODUCT, IMAGES, color="GREEN")
            return (time.perf_counter() - t0) / calls, (time.process_time() - cpu) / calls

    return asyncio.run(go())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20, help="CLI runs (median)")
    ap.add_argument("--calls", type=int, default=1000, help="sequential library calls")
    a = ap.parse_args()
    os.environ["OINT_SANDBOX_RATE_LIMITS"] = "0"  # measure oint, not Ozon's 50 requests/s
    # one request per call, as in earlier runs: OInt's own endpoint on sandboxes dated before its
    # switch-off (the current implementation's cost is measured by bench/today.py)
    os.environ["OINT_OZON_API"] = "legacy"
    os.environ["OINT_SANDBOX_API_DATE"] = "2026-09-01"

    from oint.ozon import AsyncOzonClient, OzonClient

    tmp = tempfile.mkdtemp(prefix="oint-bench-")
    server, url = start_sandbox(os.path.join(tmp, "server.sqlite3"), "--no-rate-limit")
    try:
        # as installed: bytecode cached (pip compiles on install), so drop PYTHONDONTWRITEBYTECODE
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("OZON_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        subprocess.run(
            [
                sys.executable,
                "-m",
                "compileall",
                "-q",
                os.path.dirname(os.path.dirname(__import__("oint").__file__)),
            ],
            check=False,
            stdout=subprocess.DEVNULL,
            env=env,
        )
        cli = update_images_command(url)
        baseline = median_wall([sys.executable, "-c", "pass"], a.runs, env)
        cli_time = median_wall(cli, a.runs, env)
        sandbox_env = {**env, "OINT_SANDBOX_DB": os.path.join(tmp, "embedded.sqlite3")}
        cli_sandbox = [c for c in cli if c not in ("--base-url", url)] + ["--sandbox"]
        cli_sandbox_time = median_wall(cli_sandbox, a.runs, sandbox_env)

        rows = [
            (
                "OzonClient -> oint sandbox serve",
                per_call_sync(lambda: OzonClient(CLIENT_ID, API_KEY, base_url=url), a.calls),
            ),
            (
                "AsyncOzonClient -> oint sandbox serve",
                per_call_async(lambda: AsyncOzonClient(CLIENT_ID, API_KEY, base_url=url), a.calls),
            ),
            (
                "OzonClient(sandbox=...) in-process",
                per_call_sync(lambda: OzonClient(sandbox=os.path.join(tmp, "lib.sqlite3")), a.calls),
            ),
        ]
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"(a) CLI call, median of {a.runs} runs")
    print(f"    python -c pass                          {baseline * 1000:8.1f} ms")
    print(
        f"    oint ozon UpdateProductImages (HTTP)    {cli_time * 1000:8.1f} ms   "
        f"= {cli_time / baseline:.1f}x python -c pass (target <= 10x)"
    )
    print(
        f"    oint ozon UpdateProductImages --sandbox {cli_sandbox_time * 1000:8.1f} ms   "
        f"= {cli_sandbox_time / baseline:.1f}x"
    )
    print(f"(b) library, {a.calls} sequential calls (server time included in wall)")
    for label, (w, cpu) in rows:
        print(f"    {label:<40} {w * 1e6:8.0f} us/call wall, {cpu * 1e6:6.0f} us/call client CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
