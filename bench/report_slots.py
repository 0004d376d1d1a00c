"""Issue 19's reports across processes: three processes make reports of one Performance account
against the served sandbox (each report in preparation for `--seconds` of sandbox time, a second
one refused with 429), with the account's report slot in a shared store (Redis, then SQLite) and
with each process's own slot (`OINT_LIMITS=local`).

    python bench/report_slots.py [--reports 4] [--seconds 1.0]

Figures per run: the wall time of all reports, against the least it can take (one report after
another: reports x seconds), hence the time each hand-over from one report to the next costs
(the slot's polling plus the report's own polling, 0.05-0.2 s here); and the sandbox's counts:
reports started, refused (429), the most in preparation at once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import start_server  # noqa: E402
from services import RedisServer  # noqa: E402

from oint.sandbox.demo import DEMO_PERFORMANCE_CLIENT_ID, DEMO_PERFORMANCE_SECRET  # noqa: E402

CAMPAIGN = "11000001"
PROCESSES = 3
REPORTER = f"""
import sys
from oint.core.errors import RateLimitError
from oint.performance import PerformanceClient, Waiting
url, first, last = sys.argv[1:4]
with PerformanceClient({DEMO_PERFORMANCE_CLIENT_ID!r}, {DEMO_PERFORMANCE_SECRET!r}, base_url=url) as client:
    client.report([{CAMPAIGN!r}], first, last, waiting=Waiting(0.05, 1.5, 0.2))
"""


def admin(url: str, action: str, doc: dict[str, Any] | None = None) -> Any:
    data = json.dumps(doc).encode() if doc is not None else None
    request = urllib.request.Request(
        f"{url}/__sandbox/{action}", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def run(url: str, limits: str, reports: int, seconds: float) -> dict[str, Any]:
    admin(url, "reset", {})
    admin(url, "performance", {"report_seconds": seconds})
    today = dt.datetime.fromisoformat(str(admin(url, "clock")["now"]).replace("Z", "+00:00")).date()
    first = today - dt.timedelta(days=62 * reports - 1)  # `reports` reports of 62 days each
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OZON_", "OINT_"))}
    env["OINT_LIMITS"] = limits
    start = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", REPORTER, url, first.isoformat(), today.isoformat()],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    failed = [p.communicate(timeout=600)[1].strip().splitlines()[-1:] for p in procs if p.wait() != 0]
    wall = time.monotonic() - start
    counters = admin(url, "performance")["counters"]
    least = PROCESSES * reports * seconds
    return {
        "limits": limits.split(":")[0],
        "processes": PROCESSES,
        "reports": PROCESSES * reports,
        "wall_s": round(wall, 2),
        "least_s": least,
        "per_handover_s": round((wall - least) / (PROCESSES * reports), 3),
        "started": counters["reports_started"],
        "refused_429": counters["reports_refused"],
        "most_in_preparation": counters["max_reports_in_preparation"],
        "failed_processes": failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=4, help="reports per process")
    parser.add_argument("--seconds", type=float, default=1.0, help="a report's preparation (sandbox s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(str(Path(tmp) / "sandbox.sqlite3"), "--no-rate-limit")
        redis = RedisServer.start()
        try:
            for limits in (redis.url, f"sqlite:///{tmp}/limits.db", "local"):
                print(json.dumps(run(server.url, limits, args.reports, args.seconds)), flush=True)
        finally:
            redis.stop()
            server.stop()


if __name__ == "__main__":
    main()
