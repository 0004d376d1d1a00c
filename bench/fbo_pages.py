#!/usr/bin/env python3
"""`oint ozon GetFBOShipmentsList --all-pages` over a few thousand FBO postings, on the sandbox.

Since Ozon switched `/v2/posting/fbo/list` off, OInt's function reads `/v3/posting/fbo/list`:
pages of 100 by cursor, a year-long window at a time. Before commit d9c3ded each OInt page of
1000 (--offset 0, 1000, ...) walked the v3 pages before it again; now it goes on from the window
and cursor where the page before ended (`oint.compat.flows.RESUME_AT`). Steps: a sandbox file
with N postings spread evenly over 2019-01-01 .. 2020-12-30; then
`GetFBOShipmentsList --sandbox --filter {since 2019-01-01, to 2021-01-01} --all-pages` (three v3
windows: 2019, 2020 up to Dec 31, Dec 31): seconds, v3 requests, and whether its postings are the
single pages' (`--offset 0, 1000, ...`, run with this checkout) laid end to end. `--src DIR` runs
the `oint` of another checkout's `src` (e.g. `git archive d9c3ded~1 src | tar -x -C /tmp/before`),
the sandbox and the seeding always this one's.

    python bench/fbo_pages.py [--postings 5000] [--src /tmp/before/src]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import CLIENT_ID

from oint.sandbox.core import Sandbox
from oint.sandbox.model.fbo import POSTING

DAY = "2026-12-01"  # after the switch-off of /v2/posting/fbo/list (2026-08-31)
SUCCESSOR = "/v3/posting/fbo/list"
FILTER = {"since": "2019-01-01T00:00:00Z", "to": "2021-01-01T00:00:00Z"}
FIRST = dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc)


def seed(db: str, count: int) -> None:
    sandbox = Sandbox(db, api_date=DAY, rate_limits=False)
    try:
        model = sandbox.store.all(CLIENT_ID, POSTING)[0]
        step = dt.timedelta(days=729) / count
        docs = []
        for n in range(count):
            created = (FIRST + step * n).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            order = f"7{n:07d}-0001"
            doc = dict(model, order_id=900_000_000 + n, order_number=order, posting_number=f"{order}-1")
            docs.append((f"{order}-1", dict(doc, created_at=created, in_process_at=created)))
        sandbox.store.put_many(CLIENT_ID, POSTING, docs)
    finally:
        sandbox.close()


def requests_logged(db: str) -> int:
    with sqlite3.connect(db) as con:
        return int(con.execute("SELECT count(*) FROM requests WHERE path=?", (SUCCESSOR,)).fetchone()[0])


def run(args: list[str], env: dict[str, str]) -> tuple[float, Any]:
    started = time.perf_counter()
    p = subprocess.run(
        [sys.executable, "-m", "oint", "ozon", *args], env=env, capture_output=True, check=False
    )
    took = time.perf_counter() - started
    if p.returncode != 0:
        raise RuntimeError(p.stderr.decode())
    return took, p.stdout.decode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postings", type=int, default=5000)
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
        seed(db, args.postings)
        window = ["GetFBOShipmentsList", "--sandbox", "--filter", json.dumps(FILTER)]
        before = requests_logged(db)
        seconds, out = run([*window, "--all-pages"], src_env)
        sent = requests_logged(db) - before
        rows = [json.loads(line) for line in out.splitlines()]
        laid: list[Any] = []
        for offset in range(0, len(rows) + 1, 1000):
            laid += json.loads(run([*window, "--offset", str(offset)], env)[1])["result"]
    result = {
        "seeded": args.postings,
        "src": args.src or "this checkout",
        "postings": len(rows),
        "seconds": round(seconds, 2),
        "v3_requests": sent,
        "same_as_single_pages": rows == laid,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
