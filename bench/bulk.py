#!/usr/bin/env python3
"""Bulk jobs at Ozon's quota, against `oint sandbox serve` enforcing Ozon's limits.

Ozon's time runs faster (or slower) on both sides with OINT_TIME_SCALE, so that hours of
quota take seconds; every rate below is in Ozon's time. Steps:

1. seed N products (`oint sandbox seed`), serve them with limits on;
2. stocks: N rows from CSV, `oint ozon bulk stocks` (quota: 80 requests a minute of 100
   pairs = 8,000 items a minute), at OINT_TIME_SCALE = --stocks-scale;
3. prices: N rows from CSV, `oint ozon bulk prices` (quota: 50 requests a second of 1,000
   = 3,000,000 items a minute; the sandbox cannot serve that on this machine, so Ozon's
   clock runs slower, --prices-scale < 1, until the quota is what the sandbox can serve);
4. stocks again with new values, the CLI killed with SIGKILL at 50 %, then `oint bulk
   resume`: final state equal to the file, no confirmed item sent twice.

For each: the sustained rate (requests after the first window, from the sandbox's request
log, in Ozon's time) as a fraction of the quota, 429s met, items lost (the sandbox's final
state against the file), the client's peak RSS. `--million`: the engine and journal alone
on 1,000,000 items against an instant fake Ozon (peak RSS against 100,000: flat memory).

    python bench/bulk.py [--rows 100000] [--stocks-scale 10] [--prices-scale 0.02] [--million]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from harness import API_KEY, CLIENT_ID, start_sandbox

FBS = 1020005000050693
CLIENT = ["--clientid", CLIENT_ID, "--apikey", API_KEY]


def post(url: str, doc: Any) -> Any:
    req = urllib.request.Request(url, json.dumps(doc).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


class Server:
    def __init__(self, db: str, scale: float) -> None:
        env = {**os.environ, "OINT_TIME_SCALE": str(scale), "OINT_SANDBOX_LOG": "20000"}
        self.proc, self.url = start_sandbox(db, env=env, stderr=subprocess.DEVNULL)

    def log(self, path: str, since: int = 0) -> dict[str, Any]:
        out: dict[str, Any] = post(
            self.url + "/__sandbox/requests/log", {"since": since, "path": path, "limit": 100000}
        )
        return out

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a running process (its own peak; ru_maxrss would include the parent's at fork)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(cmd: list[str], env: dict[str, str], kill_at: float | None = None, jobs: str = "") -> dict[str, Any]:
    """Run an oint command; with `kill_at`, SIGKILL it once that share of its job is confirmed."""
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "oint", *cmd], env=env, stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def watch() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], peak_rss_mb(proc.pid))
            time.sleep(0.05)

    import threading

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    killed = False
    if kill_at is not None:
        while proc.poll() is None:
            found = list(Path(jobs).glob("*.sqlite3"))
            if found:
                try:
                    with sqlite3.connect(found[0]) as db:
                        done, total = db.execute(
                            "SELECT SUM(state='confirmed'), COUNT(*) FROM items"
                        ).fetchone()
                except sqlite3.OperationalError:
                    done, total = 0, 0
                if total and (done or 0) >= kill_at * total:
                    os.kill(proc.pid, signal.SIGKILL)
                    killed = True
                    break
            time.sleep(0.05)
    err = proc.stderr.read() if proc.stderr else ""
    code = proc.wait()
    watcher.join()
    return {
        "seconds": time.monotonic() - start,
        "code": code,
        "rss_mb": peak[0],
        "killed": killed,
        "err": err,
    }


def sustained(log: list[dict[str, Any]], window_calls: int, field: str) -> tuple[float, int, int]:
    """Items per Ozon minute kept up over whole windows, 429s met, requests answered 200.

    Over whole windows: from the first request to the first one of the last window begun
    (m = a multiple of the window's calls), m requests went: the rate that can be kept up,
    without the first window's head start nor a last partial window."""
    ok = sorted((r for r in log if r["status"] == 200), key=lambda r: r["at"])
    statuses_429 = sum(1 for r in log if r["status"] == 429)
    m = (len(ok) - 1) // window_calls * window_calls
    if m < window_calls:
        return 0.0, statuses_429, len(ok)
    items = sum(len(r["body"][field]) for r in ok[:m])
    span = ok[m]["at"] - ok[0]["at"]
    return items / span * 60, statuses_429, len(ok)


def offer_ids(db: str) -> dict[str, int]:
    with sqlite3.connect(db) as c:
        rows = c.execute(
            "SELECT json_extract(data,'$.offer_id'), CAST(key AS INTEGER) FROM docs WHERE kind='product'"
        ).fetchall()
    return {o: p for o, p in rows}


def lost_stocks(db: str, wanted: dict[str, int]) -> int:
    ids = offer_ids(db)
    with sqlite3.connect(db) as c:
        have = dict(
            c.execute("SELECT key, json_extract(data,'$.stock') FROM docs WHERE kind='stock'").fetchall()
        )
    return sum(1 for offer, stock in wanted.items() if have.get(f"{ids[offer]}:{FBS}") != stock)


def lost_prices(db: str, wanted: dict[str, str]) -> int:
    with sqlite3.connect(db) as c:
        rows = c.execute(
            "SELECT json_extract(data,'$.offer_id'), json_extract(data,'$.price') "
            "FROM docs WHERE kind='product'"
        )
        have = dict(rows.fetchall())
    return sum(1 for offer, price in wanted.items() if have.get(offer) != price)


def write(path: Path, header: list[str], rows: list[list[Any]]) -> str:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


def job_env(scale: float, jobs: str) -> dict[str, str]:
    """The environment of an `oint` run: Ozon's clock `scale` times faster, the jobs' journals in
    `jobs`, a progress line every 30 s."""
    return {**os.environ, "OINT_TIME_SCALE": str(scale), "OINT_JOBS_DIR": jobs, "OINT_PROGRESS_EVERY": "30"}


def million(tmp: Path, n: int) -> dict[str, float]:
    """The engine and its journal alone: n stock items against an instant fake Ozon, in a child
    process (its peak RSS is the figure)."""
    code = f"""
import json, os, time
os.environ["OINT_TIME_SCALE"] = "100000"
from oint import bulk
from oint.ozon import OzonClient
from oint.core.transport.base import RawResponse

class Instant:
    def request(self, method, path, headers, body, timeout):
        stocks = json.loads(body)["stocks"]
        result = [dict(s, product_id=1, updated=True, errors=[]) for s in stocks]
        return RawResponse(200, {{}}, json.dumps({{"result": result}}).encode())
    def close(self):
        pass

items = ({{"offer_id": f"P{{i}}", "warehouse_id": 1, "stock": i % 100}} for i in range({n}))
start = time.monotonic()
with OzonClient("1", "k", transport=Instant()) as ozon:
    s = bulk.run(ozon, "/v2/products/stocks", items, directory={str(tmp / "jobs-m")!r})
took = time.monotonic() - start
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
print(json.dumps({{"confirmed": s.confirmed, "seconds": took, "rss_mb": int(hwm) / 1024}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--stocks-scale", type=float, default=10.0)
    ap.add_argument("--prices-scale", type=float, default=0.02)
    ap.add_argument("--million", action="store_true")
    args = ap.parse_args()
    n = args.rows
    tmp = Path(tempfile.mkdtemp(prefix="oint-bulk-bench-"))
    db = str(tmp / "sandbox.sqlite3")
    lines = [
        f"bench/bulk.py --rows {n} --stocks-scale {args.stocks_scale:g} --prices-scale {args.prices_scale:g}"
        f" ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, load {' '.join(f'{x:.2f}' for x in os.getloadavg())})",
    ]
    try:
        t0 = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "oint", "sandbox", "seed", "--products", str(n), "--db", db],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        lines.append(f"seed: {n:,} products in {time.monotonic() - t0:.1f} s")
        offers = [f"SEED-{i:06d}" for i in range(1, n + 1)]

        # stocks
        scale = args.stocks_scale
        server = Server(db, scale)
        jobs = str(tmp / "jobs-stocks")
        env = job_env(scale, jobs)
        wanted = {o: (i * 7) % 500 for i, o in enumerate(offers)}
        path = write(
            tmp / "stocks.csv",
            ["offer_id", "warehouse_id", "stock"],
            [[o, FBS, s] for o, s in wanted.items()],
        )
        r = run(["ozon", "bulk", "stocks", "--file", path, "--base-url", server.url, *CLIENT], env)
        log = server.log("/v2/products/stocks")
        rate, n429, calls = sustained(log["requests"], 80, "stocks")
        quota = 80 * 100
        lost = lost_stocks(db, wanted)
        ozon_minutes = r["seconds"] * scale / 60
        lines += [
            f"stocks: {n:,} rows, exit {r['code']}, {r['seconds']:.1f} s real = {ozon_minutes:.1f} Ozon min;"
            f" {calls} requests",
            f"  sustained {rate:,.0f} items/min = {rate / quota:.1%} of the quota (8,000/min);"
            f" overall {n / ozon_minutes:,.0f}/min = {n / ozon_minutes / quota:.1%} (first window included)",
            f"  429s: {n429}; items lost: {lost}; client peak RSS {r['rss_mb']:.1f} MB",
        ]
        server.stop()

        # prices
        scale = args.prices_scale
        server = Server(db, scale)
        jobs = str(tmp / "jobs-prices")
        env = job_env(scale, jobs)
        prices = {o: str(300 + (i * 13) % 9000) for i, o in enumerate(offers)}
        path = write(
            tmp / "prices.csv", ["offer_id", "price", "old_price"], [[o, p, "0"] for o, p in prices.items()]
        )
        r = run(["ozon", "bulk", "prices", "--file", path, "--base-url", server.url, *CLIENT], env)
        log = server.log("/v1/product/import/prices")
        rate, n429, calls = sustained(log["requests"], 50, "prices")
        quota = 50 * 60 * 1000
        lost = lost_prices(db, prices)
        ozon_minutes = r["seconds"] * scale / 60
        lines += [
            f"prices: {n:,} rows, exit {r['code']}, {r['seconds']:.1f} s real = {ozon_minutes:.2f} Ozon min"
            f" (scale {scale:g}); {calls} requests",
            f"  sustained {rate:,.0f} items/min = {rate / quota:.1%} of the quota (3,000,000/min);"
            f" overall {n / ozon_minutes:,.0f}/min = {n / ozon_minutes / quota:.1%}",
            f"  429s: {n429}; items lost: {lost}; client peak RSS {r['rss_mb']:.1f} MB",
        ]
        server.stop()

        # stocks again, killed at 50 % and resumed
        scale = args.stocks_scale
        server = Server(db, scale)
        since = max((x["seq"] for x in server.log("/v2/products/stocks", 0)["requests"]), default=0)
        jobs = str(tmp / "jobs-resume")
        env = job_env(scale, jobs)
        wanted = {o: (i * 11 + 3) % 500 for i, o in enumerate(offers)}
        path = write(
            tmp / "stocks2.csv",
            ["offer_id", "warehouse_id", "stock"],
            [[o, FBS, s] for o, s in wanted.items()],
        )
        first = run(
            ["ozon", "bulk", "stocks", "--file", path, "--base-url", server.url, *CLIENT], env, 0.5, jobs
        )
        job = next(Path(jobs).glob("*.sqlite3"))
        with sqlite3.connect(job) as c:
            confirmed = {
                json.loads(b)["offer_id"]
                for (b,) in c.execute("SELECT body FROM items WHERE state='confirmed'")
            }
        at_kill = max((x["seq"] for x in server.log("/v2/products/stocks", since)["requests"]), default=since)
        second = run(["bulk", "resume", job.name.removesuffix(".sqlite3"), *CLIENT], env)
        if second["code"]:
            print(second["err"], file=sys.stderr)
        after = server.log("/v2/products/stocks", at_kill)["requests"]
        resent = {s["offer_id"] for x in after if x["status"] == 200 for s in x["body"]["stocks"]}
        n429 = sum(1 for x in server.log("/v2/products/stocks", since)["requests"] if x["status"] == 429)
        lost = lost_stocks(db, wanted)
        lines += [
            f"resume: killed (SIGKILL) at {len(confirmed):,}/{n:,} confirmed after {first['seconds']:.1f} s;"
            f" resumed, exit {second['code']}, {second['seconds']:.1f} s",
            f"  confirmed items sent again: {len(resent & confirmed)}; in flight at the kill, sent again:"
            f" {len(resent) + len(confirmed) - n}; items lost: {lost}; 429s: {n429};"
            f" peak RSS {first['rss_mb']:.1f} / {second['rss_mb']:.1f} MB",
        ]
        server.stop()

        if args.million:
            for count in (100_000, 1_000_000):
                m = million(tmp, count)
                lines.append(
                    f"engine alone, instant fake Ozon: {count:,} items in {m['seconds']:.0f} s,"
                    f" peak RSS {m['rss_mb']:.1f} MB"
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
