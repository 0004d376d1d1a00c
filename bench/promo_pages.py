#!/usr/bin/env python3
"""`oint ozon GetAvailablePromoProducts --all-pages` over ~2,500 candidates, on the sandbox.

Since Ozon switched `/v1/actions/candidates` off, OInt's function reads `/v2/actions/candidates`,
paged by last_id. Before commit 64d51ad each OInt page (--offset 0, 100, ...) walked the v2 pages
before it again, so --all-pages sent n(n+1)/2 requests for n pages; now it goes on from each
page's last_id (`oint.compat.policy.page_flows`), n requests. Steps:

1. seed --products N (the demo action 1977747 then has N + 2 candidates);
2. the generic `oint ozon v2_actions_candidates --all-pages`: its rows, seconds, requests;
3. `oint ozon GetAvailablePromoProducts --all-pages`: seconds, requests, and whether its ids are
   the generic rows' in their order;

each on the embedded sandbox (`--sandbox`) and on `oint sandbox serve` over HTTP (Ozon's limits
on). `--src DIR` runs the `oint` of another checkout's `src` (e.g. `git archive 64d51ad~1 src | tar
-x -C /tmp/before` for the figures before), the sandbox always this one's.

    python bench/promo_pages.py [--products 2500] [--src /tmp/before/src]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import API_KEY, CLIENT_ID, start_sandbox

ACTION = 1977747
DAY = "2026-12-01"  # after the switch-off of /v1/actions/candidates (2026-10-13)
SUCCESSOR = "/v2/actions/candidates"


def requests_logged(db: str) -> int:
    with sqlite3.connect(db) as con:
        return int(con.execute("SELECT count(*) FROM requests WHERE path=?", (SUCCESSOR,)).fetchone()[0])


def run(args: list[str], env: dict[str, str]) -> tuple[float, list[Any]]:
    started = time.perf_counter()
    p = subprocess.run(
        [sys.executable, "-m", "oint", "ozon", *args], env=env, capture_output=True, check=False
    )
    took = time.perf_counter() - started
    if p.returncode != 0:
        raise RuntimeError(p.stderr.decode())
    return took, [json.loads(line) for line in p.stdout.decode().splitlines()]


def measure(where: list[str], db: str, env: dict[str, str], src_env: dict[str, str]) -> dict[str, Any]:
    before = requests_logged(db)
    generic_s, generic = run(
        ["v2_actions_candidates", *where, "--action_id", str(ACTION), "--all-pages"], env
    )
    middle = requests_logged(db)
    oint_s, rows = run(
        ["GetAvailablePromoProducts", *where, "--actionid", str(ACTION), "--all-pages"], src_env
    )
    return {
        "rows": len(rows),
        "generic_s": round(generic_s, 2),
        "generic_requests": middle - before,
        "oint_s": round(oint_s, 2),
        "oint_requests": requests_logged(db) - middle,
        "same_ids_in_order": [r["id"] for r in rows] == [r["id"] for r in generic],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=2500)
    parser.add_argument("--src", help="the src folder of the oint to measure (default: this one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "sandbox.sqlite3")
        env = {
            **os.environ,
            "OINT_SANDBOX_DB": db,
            "OINT_SANDBOX_LOG": "1000000",
            "OINT_OZON_TODAY": DAY,
            "OINT_SANDBOX_API_DATE": DAY,
        }
        env.pop("PYTHONPATH", None)
        src_env = {**env, "PYTHONPATH": args.src} if args.src else env
        seed = [sys.executable, "-m", "oint", "sandbox", "seed", "--products", str(args.products)]
        subprocess.run(seed, env=env, check=True, capture_output=True)
        results = {"embedded": measure(["--sandbox"], db, env, src_env)}
        proc, url = start_sandbox(db, env=env, stderr=subprocess.DEVNULL)
        try:
            served = ["--clientid", CLIENT_ID, "--apikey", API_KEY, "--base-url", url]
            results["served"] = measure(served, db, env, src_env)
        finally:
            proc.terminate()
            proc.wait(10)
    print(json.dumps({"products": args.products, "src": args.src or "this checkout", **results}, indent=2))


if __name__ == "__main__":
    main()
