"""Issue 18's first "done when" at full size: three processes on one account against the served
sandbox with Ozon's limits — a reads loop (an MCP server answering an assistant), a bulk stocks job
of 20,000 rows (200 requests, 80 a minute) and a prices loop — once with `OINT_LIMITS=redis://...`
(shared windows) and once with each process's own windows.

    python bench/three_processes.py [--rows 20000]

Figures: the 429s each process drew, the sandbox's per-window counts (the most asked and the most
let through within one window, refused), and the stocks job's use of its quota: the least time
Ozon's sliding window allows for its requests (80 at once, then 80 a minute) over the time it took.
The tests run the same at 500 rows (tests/test_limits_processes.py); this takes about 5 minutes.
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
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, FBS, start_server, write_csv  # noqa: E402
from services import RedisServer  # noqa: E402

LOOP = f"""
import json, sys, time
from oint.core.errors import RateLimitError
from oint.ozon import OzonClient
url, path, body, stop_file = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
import os
calls = refused = 0
with OzonClient({DEMO_CLIENT_ID!r}, {DEMO_API_KEY!r}, base_url=url, max_retries=0) as ozon:
    while not os.path.exists(stop_file):
        try:
            ozon.call(path, body)
            calls += 1
        except RateLimitError:
            refused += 1
print(json.dumps({{"calls": calls, "refused": refused}}))
"""
READS = ("/v3/product/info/list", {"product_id": [1111588191]})
PRICES = ("/v5/product/info/prices", {"filter": {"visibility": "ALL"}, "limit": 100})
PER_MINUTE, BATCH = 80, 100


def least_seconds(requests: int) -> float:
    """The least time Ozon's 80-a-minute sliding window allows for `requests` requests."""
    return ((requests - 1) // PER_MINUTE) * 60.0


def admin(url: str, action: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        f"{url}/__sandbox/{action}", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def run(
    url: str, folder: Path, limits: str, rows: int, first: int, seconds: float | None = None
) -> dict[str, Any]:
    """The three processes with `OINT_LIMITS=limits`; the stocks job stopped after `seconds` if given."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OZON_", "OINT_"))},
        "OINT_LIMITS": limits,
        "OINT_JOBS_DIR": str(folder / f"jobs-{limits.split(':')[0]}"),
        "PYTHONPATH": str(ROOT / "src"),
    }
    lines = [[f"SEED-{i:06d}", FBS, i % 50] for i in range(first, first + rows)]
    stocks = write_csv(folder / f"stocks-{first}.csv", ["offer_id", "warehouse_id", "stock"], lines)
    stop = folder / f"stop-{first}"
    creds = ["--clientid", DEMO_CLIENT_ID, "--apikey", DEMO_API_KEY, "--base-url", url]
    loops = [
        subprocess.Popen(
            [sys.executable, "-c", LOOP, url, path, json.dumps(body), str(stop)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for path, body in (READS, PRICES)
    ]
    started = time.monotonic()
    job = subprocess.Popen(
        [sys.executable, "-m", "oint", "ozon", "bulk", "stocks", "--file", stocks, *creds],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, job_err = job.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        job.terminate()  # interrupted: the journal keeps what is left
        _, job_err = job.communicate(timeout=60)
    took = time.monotonic() - started
    stop.touch()
    counts = [json.loads(loop.communicate(timeout=60)[0]) for loop in loops]
    requests = -(-rows // BATCH)
    sent: list[tuple[float, float | None]] = []
    for journal in sorted((folder / f"jobs-{limits.split(':')[0]}").glob("*.sqlite3")):
        with sqlite3.connect(journal) as db:
            sent += db.execute("SELECT sent_at, answered_at FROM requests ORDER BY sent_at").fetchall()
    sending = None
    if len(sent) == requests:  # the job's own requests, as its journal timed them
        span = sent[-1][0] - sent[0][0]
        latencies = sorted(a - s for s, a in sent if a is not None)
        sending = {
            "first_to_last_sent_s": round(span, 1),
            "quota_use_while_sending": round(least_seconds(requests) / span, 3) if span else None,
            "answer_ms_median": round(1000 * latencies[len(latencies) // 2], 1),
            "answer_ms_max": round(1000 * latencies[-1], 1),
        }
    return {
        "limits": limits.split("://")[0],
        "job_exit": job.returncode,
        "job_seconds": round(took, 1),
        "stocks_requests": requests,
        "quota_use_end_to_end": round(least_seconds(requests) / took, 3) if took else None,
        "sending": sending,
        "reads": counts[0],
        "prices": counts[1],
        "sandbox": admin(url, "limits")["accounts"][DEMO_CLIENT_ID],
        "job_stderr_tail": job_err.strip().splitlines()[-2:],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--shared-only", action="store_true", help="only the run with Redis")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = str(folder / "sandbox.sqlite3")
        subprocess.run(
            [sys.executable, "-m", "oint", "sandbox", "seed", "--products", str(2 * args.rows), "--db", db],
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
        server = start_server(db)  # Ozon's limits on: 50/s per account, 80/min of stocks
        redis = RedisServer.start()
        try:
            shared: float | None = None
            runs = ((redis.url, 1),) if args.shared_only else ((redis.url, 1), ("local", args.rows + 1))
            for limits, first in runs:
                time.sleep(61)  # every window of the sandbox empty
                admin(server.url, "limits/clear", {})
                # without shared windows the job meets 429s and waits them out: stopped after as long
                # as the shared run took (the 429s drawn are the figure)
                figures = run(server.url, folder, limits, args.rows, first, shared)
                shared = shared or figures["job_seconds"]
                print(json.dumps(figures, indent=1), flush=True)
        finally:
            redis.stop()
            server.stop()


if __name__ == "__main__":
    main()
