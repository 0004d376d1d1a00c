"""Bulk jobs on a queue (issue 18): what the queue and its workers sustain on this machine.
(Not named queue.py: run as a script, this folder comes first on sys.path, and that name would hide
the standard library's `queue` from redis-py.)

    python bench/queue_jobs.py noop --jobs 2000 --workers 3 --threads 4
        jobs/s of the machinery alone: a message fetched, its job's journal opened and found done
        (nothing sent), the message acknowledged
    python bench/queue_jobs.py small --accounts 200 --workers 3 --threads 4
        jobs/s of one-row stock jobs, one per account: the whole path (lease, client, one request)
    python bench/queue_jobs.py cpu --accounts 10 --rows 20000 --scale 10
        one worker, `accounts` jobs at once at Ozon's stocks quota: the worker's CPU per account
    python bench/queue_jobs.py agency --accounts 200 --rows 2000 --workers 3 --threads 4 --scale 60
        the agency run: every account's stocks file queued, 3 workers, every row checked

Real `redis-server` (tests/services.py, on a free port), `oint sandbox serve` with Ozon's limits
on and its clock scaled (`--scale`, OINT_TIME_SCALE on both sides), workers as `python -m oint worker`
subprocesses, journals in a folder (or `--jobs postgresql://...`).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # services.py: Redis on a free port

from harness import start_sandbox  # noqa: E402
from services import RedisServer  # noqa: E402

from oint.jobs.jobs import Job, list_jobs  # noqa: E402
from oint.jobs.queue import enqueue, remaining_jobs  # noqa: E402
from oint.sandbox.core import Sandbox  # noqa: E402
from oint.sandbox.demo import add_account  # noqa: E402
from oint.sandbox.seed import seed_catalogue  # noqa: E402
from oint.sandbox.store import Store  # noqa: E402

STOCKS = "/v2/products/stocks"
FIRST = 4_000_000
QUOTA = 80 * 100  # stocks: 80 requests a minute of 100 items


def agency(folder: Path, accounts: int, rows: int) -> tuple[str, str, dict[str, str], dict[str, list[Any]]]:
    """Sandbox accounts with `rows` stock rows each: (state file, config, key variables, rows)."""
    db = str(folder / "sandbox.sqlite3")
    sandbox = Sandbox(db)
    keys: dict[str, str] = {}
    stock: dict[str, list[Any]] = {}
    profiles = []
    for n in range(accounts):
        client_id = str(FIRST + n)
        with sandbox.store.transaction():
            add_account(sandbox.store, client_id, f"key-{n}", now=sandbox.clock(), with_demo_data=True)
        products = max(1, (rows + 1) // 2)
        seed_catalogue(sandbox.store, client_id, products, now=sandbox.clock())
        houses = sorted(int(w["warehouse_id"]) for w in sandbox.store.all(client_id, "warehouse"))[:2]
        stock[f"shop{n}"] = [
            {"offer_id": f"SEED-{i:06d}", "warehouse_id": wh, "stock": (i + n) % 50}
            for i in range(1, products + 1)
            for wh in houses
        ][:rows]
        keys[f"SHOP{n}_KEY"] = f"key-{n}"
        profiles.append(f'[profiles.shop{n}]\nclient_id = "{client_id}"\napi_key_env = "SHOP{n}_KEY"\n')
    sandbox.close()
    config = folder / "config.toml"
    config.write_text("\n".join(profiles), encoding="utf-8")
    return db, str(config), keys, stock


def queue_all(url: str, target: str, store: str, stock: dict[str, list[Any]]) -> list[str]:
    ids = []
    for name, rows in stock.items():
        client_id = str(FIRST + int(name[4:]))
        job = Job.create(STOCKS, rows, client_id=client_id, target=target, directory=store)
        enqueue(url, job, name)
        ids.append(job.id)
        job.close()
    return ids


STARTED: list[subprocess.Popen[bytes]] = []  # killed at the end, whatever happens


def workers(n: int, url: str, env: dict[str, str], *args: str) -> list[subprocess.Popen[bytes]]:
    cmd = [sys.executable, "-m", "oint", "worker", "--queue", url, "--quiet", *args]
    procs = [subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL) for _ in range(n)]
    STARTED.extend(procs)
    return procs


def stop(procs: list[subprocess.Popen[bytes]]) -> float:
    """Stop workers (SIGTERM); their CPU seconds (user + system), from the kernel's accounts."""
    cpu = 0.0
    for p in procs:
        p.terminate()
    for p in procs:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = status
        cpu += usage.ru_utime + usage.ru_stime
    return cpu


def wait_idle(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while remaining_jobs(url):
        if time.monotonic() > deadline:
            raise SystemExit("the queue did not drain")
        time.sleep(0.05)


def line(text: str) -> None:
    print(text, flush=True)


def run_noop(args: argparse.Namespace, folder: Path, redis: RedisServer) -> None:
    store = args.jobs or str(folder / "jobs")
    ids = []
    for n in range(args.jobs_count):
        job = Job.create(
            STOCKS,
            [{"offer_id": "A", "warehouse_id": 1, "stock": 1}],
            client_id=str(FIRST + n),
            target="http://127.0.0.1:9",
            directory=store,
        )
        job.journal.set(status="done")
        ids.append(job)
    env = {**os.environ}
    procs = workers(args.workers, redis.url, env, "--threads", str(args.threads))
    time.sleep(3)  # started and idle
    t0 = time.perf_counter()
    for job in ids:
        enqueue(redis.url, job, "none")
        job.close()
    enqueued = time.perf_counter() - t0
    wait_idle(redis.url, 600)
    took = time.perf_counter() - t0
    cpu = stop(procs)
    line(f"noop: {args.jobs_count} jobs, {args.workers} workers x {args.threads} threads, store {store[:40]}")
    line(f"  enqueue {args.jobs_count / enqueued:,.0f} jobs/s (one process, a connection a job)")
    line(
        f"  through the workers {args.jobs_count / took:,.0f} jobs/s; workers' CPU {cpu:.1f} s "
        f"= {cpu / args.jobs_count * 1000:.1f} ms a job"
    )


def served(args: argparse.Namespace, folder: Path, accounts: int, rows: int) -> Any:
    db, config, keys, stock = agency(folder, accounts, rows)
    env = {**os.environ, "OINT_CONFIG": config, "OINT_TIME_SCALE": str(args.scale), **keys}
    env["OINT_SANDBOX_LOG"] = "10000000"  # every request kept: each row's landing is checked
    proc, url = start_sandbox(db, env=env)
    return db, env, stock, proc, url


def run_small(args: argparse.Namespace, folder: Path, redis: RedisServer) -> None:
    _, env, stock, server, url = served(args, folder, args.accounts, 1)
    try:
        procs = workers(args.workers, redis.url, env, "--threads", str(args.threads))
        time.sleep(3)
        t0 = time.perf_counter()
        ids = queue_all(redis.url, url, args.jobs or str(folder / "jobs"), stock)
        wait_idle(redis.url, 600)
        took = time.perf_counter() - t0
        cpu = stop(procs)
        done = sum(
            1 for j in list_jobs(args.jobs or str(folder / "jobs")) if j.journal.counts["confirmed"] == 1
        )
        line(
            f"small: {len(ids)} one-row jobs (one an account), "
            f"{args.workers} workers x {args.threads} threads"
        )
        line(
            f"  {len(ids) / took:,.1f} jobs/s end to end (enqueue included); {done} confirmed; "
            f"workers' CPU {cpu / len(ids) * 1000:.0f} ms a job"
        )
    finally:
        server.terminate()


def run_cpu(args: argparse.Namespace, folder: Path, redis: RedisServer) -> None:
    _, env, stock, server, url = served(args, folder, args.accounts, args.rows)
    try:
        procs = workers(1, redis.url, env, "--threads", str(args.accounts), "--concurrency", "2")
        time.sleep(3)
        t0 = time.perf_counter()
        queue_all(redis.url, url, str(folder / "jobs"), stock)
        wait_idle(redis.url, 3600)
        took = time.perf_counter() - t0
        cpu = stop(procs)
        ozon_minutes = took * args.scale / 60
        requests = args.accounts * -(-args.rows // 100)
        # Ozon's sliding window lets the first 80 requests go at once, then 80 a minute
        least = max(0.0, (requests / args.accounts - 80) / 80)  # Ozon minutes, at best
        per_request = cpu / requests
        line(f"cpu: 1 worker, {args.accounts} accounts x {args.rows} rows at once, clock x{args.scale}")
        line(
            f"  {took:.1f} s = {ozon_minutes:.2f} Ozon min (at best {least:.2f}: "
            f"{least / ozon_minutes:.0%} of the quota used); {requests} requests"
        )
        line(
            f"  worker CPU {cpu:.1f} s (start-up included) = {per_request * 1000:.1f} ms a 100-item request "
            "-> "
            f"one account at full quota (80 a minute) costs {per_request * 80 / 60 * 100:.2f}% of a core"
        )
    finally:
        server.terminate()


def run_agency(args: argparse.Namespace, folder: Path, redis: RedisServer) -> None:
    t_setup = time.perf_counter()
    db, env, stock, server, url = served(args, folder, args.accounts, args.rows)
    store = args.jobs or str(folder / "jobs")
    try:
        setup = time.perf_counter() - t_setup
        procs = workers(args.workers, redis.url, env, "--threads", str(args.threads))
        time.sleep(3)
        t0 = time.perf_counter()
        ids = queue_all(redis.url, url, store, stock)
        queued = time.perf_counter() - t0
        wait_idle(redis.url, 7200)
        took = time.perf_counter() - t0
        cpu = stop(procs)
        rows = args.accounts * args.rows
        confirmed = failed = 0
        spans = []
        for job in list_jobs(store):
            c = job.journal.counts
            confirmed, failed = confirmed + c["confirmed"], failed + c["failed"]
            meta = job.meta
            spans.append(float(meta.get("finished_at", 0)) - float(meta.get("started_at", 0)))
            job.close()
        log = Store(db)
        try:
            requests = log.requests(0, STOCKS, 10_000_000)
        finally:
            log.close()
        applied = [
            (r["client_id"], s["offer_id"], s["warehouse_id"])
            for r in requests
            if r["status"] == 200
            for s in r["body"]["stocks"]
        ]
        s429 = sum(1 for r in requests if r["status"] == 429)
        spans.sort()
        median = spans[len(spans) // 2]
        rate = args.rows / (median * args.scale / 60) if median else 0.0
        line(
            f"agency: {args.accounts} accounts x {args.rows} rows = {rows:,} rows; {args.workers} workers x "
            f"{args.threads} threads; clock x{args.scale}; "
            f"store {'PostgreSQL' if store.startswith('postgres') else 'folder'}"
        )
        line(
            f"  set-up (accounts, catalogues) {setup:.0f} s; queued in {queued:.1f} s; "
            f"all done in {took:.1f} s "
            f"= {len(ids) / took:.2f} jobs/s, {rows / took:,.0f} rows/s"
        )
        line(
            f"  confirmed {confirmed:,}, failed {failed}; rows applied {len(set(applied)):,} of {rows:,}, "
            f"sent twice {len(applied) - len(set(applied))}; 429s {s429}"
        )
        line(
            f"  a job: median {median:.2f} s = {rate:,.0f} items/min of Ozon's time "
            f"({rate / QUOTA:.0%} of the quota, whose first window alone would take "
            f"{min(args.rows, QUOTA)} at once); "
            f"workers' CPU {cpu:.0f} s"
        )
    finally:
        server.terminate()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=("noop", "small", "cpu", "agency"))
    p.add_argument("--jobs-count", type=int, default=1000)
    p.add_argument("--accounts", type=int, default=20)
    p.add_argument("--rows", type=int, default=2000)
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--scale", type=float, default=60)
    p.add_argument("--jobs", help="a journal store (default: a folder); postgresql://... for PostgreSQL")
    args = p.parse_args()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    line(
        f"bench/queue_jobs.py {' '.join(sys.argv[1:])} "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, load {load})"
    )
    with tempfile.TemporaryDirectory(prefix="oint-queue-bench-") as tmp:
        folder = Path(tmp)
        (folder / "redis").mkdir()
        redis = RedisServer.start(folder / "redis", persistent=True)
        try:
            {"noop": run_noop, "small": run_small, "cpu": run_cpu, "agency": run_agency}[args.what](
                args, folder, redis
            )
        finally:
            for proc in STARTED:
                if proc.poll() is None:
                    proc.kill()
            redis.stop()


if __name__ == "__main__":
    main()
