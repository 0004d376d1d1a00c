"""Bulk jobs on a queue (Dramatiq on a real Redis, tests/services.py): `oint ozon bulk ... --queue`,
`oint worker` as subprocesses against a served sandbox with Ozon's limits on (OINT_TIME_SCALE=60),
journals in a shared folder or in PostgreSQL, leases per account, a worker killed with kill -9
and Redis restarted mid-run."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import SandboxServer, start_server, write_csv
from services import RedisServer, ServiceMissing

from oint.core.limits.redis_store import RedisStore
from oint.jobs.jobs import Job, list_jobs
from oint.jobs.lease import Lease, account_lease_name
from oint.jobs.queue import enqueue, redis_client, remaining_jobs, wait_idle
from oint.sandbox.core import Sandbox
from oint.sandbox.demo import add_account
from oint.sandbox.seed import seed_catalogue
from oint.sandbox.store import Store

STOCKS = "/v2/products/stocks"
LEASE = 2.0  # seconds: a killed worker's jobs move on after this long
FIRST_ACCOUNT = 3_000_000
RunCli = Any


@dataclass
class Agency:
    """Sandbox accounts with their profiles (keys in environment variables) and a stocks file each."""

    db: str
    config: str
    keys: dict[str, str]  # environment variable -> key
    files: dict[str, str]  # profile -> stocks file
    rows: dict[str, list[tuple[str, int, int]]]  # profile -> (offer, warehouse, stock)
    client_ids: dict[str, str]  # profile -> Client-Id
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self, **more: str) -> dict[str, str]:
        return {**os.environ, "OINT_CONFIG": self.config, "OINT_TIME_SCALE": "60", **self.keys, **more}


def make_agency(folder: Path, accounts: int, rows: int) -> Agency:
    """`accounts` sandbox accounts, each with rows // 2 products and a file of `rows` stocks (two
    warehouses a product)."""
    db = str(folder / "sandbox.sqlite3")
    sandbox = Sandbox(db)
    keys: dict[str, str] = {}
    files: dict[str, str] = {}
    all_rows: dict[str, list[tuple[str, int, int]]] = {}
    client_ids: dict[str, str] = {}
    profiles = []
    for n in range(accounts):
        client_id, name, variable = str(FIRST_ACCOUNT + n), f"shop{n}", f"SHOP{n}_KEY"
        key = f"secret-key-{n:04d}-{os.urandom(4).hex()}"
        with sandbox.store.transaction():
            add_account(sandbox.store, client_id, key, now=sandbox.clock(), with_demo_data=True)
        seed_catalogue(sandbox.store, client_id, rows // 2, now=sandbox.clock())
        # each account's own warehouses (the demo's set under fresh ids): its first two
        houses = sorted(int(w["warehouse_id"]) for w in sandbox.store.all(client_id, "warehouse"))[:2]
        stock = [(f"SEED-{i:06d}", wh, (i * 7 + n) % 97) for i in range(1, rows // 2 + 1) for wh in houses]
        files[name] = write_csv(
            folder / f"{name}.csv", ["offer_id", "warehouse_id", "stock"], [list(r) for r in stock]
        )
        all_rows[name], keys[variable], client_ids[name] = stock, key, client_id
        profiles.append(f'[profiles.{name}]\nclient_id = "{client_id}"\napi_key_env = "{variable}"\n')
    sandbox.close()
    config = folder / "config.toml"
    config.write_text("\n".join(profiles), encoding="utf-8")
    return Agency(db, str(config), keys, files, all_rows, client_ids)


@contextlib.contextmanager
def served(tmp_path: Path, accounts: int, rows: int = 200) -> Iterator[tuple[Agency, SandboxServer]]:
    """An agency on a served sandbox with Ozon's limits on; its workers killed at the end."""
    agency = make_agency(tmp_path, accounts, rows)
    server = start_server(agency.db, env={"OINT_TIME_SCALE": "60"})  # Ozon's limits on
    failed = True
    try:
        yield agency, server
        failed = False
    finally:
        said = []
        for worker in agency.workers:
            if worker.poll() is None:
                worker.kill()
            worker.wait(10)
            if failed and worker.stderr is not None:  # what the workers said, for a failure's report
                said.append(worker.stderr.read().decode(errors="replace")[-3000:])
        server.stop()
        if said:
            sys.stderr.write("\n--- the workers said:\n" + "\n---\n".join(said))


@pytest.fixture
def agency_server(tmp_path: Path) -> Iterator[tuple[Agency, SandboxServer]]:
    with served(tmp_path, 20) as pair:
        yield pair


def start_worker(agency: Agency, queue: str, *args: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "oint", "worker", "--queue", queue, "--lease", str(LEASE), *args],
        env=agency.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    agency.workers.append(proc)
    return proc


def queue_jobs(agency: Agency, server: SandboxServer, queue: str, store: str) -> dict[str, str]:
    """A job per account, taken into the journal store and queued: profile -> job id."""
    jobs: dict[str, str] = {}
    for name, stock in agency.rows.items():
        items = ({"offer_id": o, "warehouse_id": w, "stock": s} for o, w, s in stock)
        job = Job.create(STOCKS, items, client_id=agency.client_ids[name], target=server.url, directory=store)
        enqueue(queue, job, name)
        jobs[name] = job.id
        job.close()
    return jobs


def wait_done(store: str, ids: list[str], seconds: float) -> dict[str, dict[str, Any]]:
    """The meta and counts of every job once all are done (fails after `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        status = {}
        for job in list_jobs(store):
            status[job.id] = job.journal.get("status")
            job.close()
        if all(status.get(i) == "done" for i in ids):
            break
        assert time.monotonic() < deadline, {i: status.get(i) for i in ids}
        time.sleep(0.2)
    metas = {}
    for job in list_jobs(store):  # opened after the end: counts and meta of the finished journal
        metas[job.id] = {**job.meta, "counts": dict(job.journal.counts)}
        job.close()
    return metas


def applied(db: str) -> list[tuple[str, str, int, int]]:
    """(Client-Id, offer, warehouse, stock) of every entry of every stocks request answered 200."""
    store = Store(db)
    try:
        log = store.requests(0, STOCKS, 1_000_000)
    finally:
        store.close()
    return [
        (r["client_id"], s["offer_id"], int(s["warehouse_id"]), int(s["stock"]))
        for r in log
        if r["status"] == 200
        for s in r["body"]["stocks"]
    ]


def statuses(db: str) -> set[int]:
    store = Store(db)
    try:
        return {int(r["status"]) for r in store.requests(0, STOCKS, 1_000_000)}
    finally:
        store.close()


# ------------------------------------------------------------------ the CLI, end to end
def test_a_queued_job_carries_no_key_and_a_worker_runs_it_with_its_own_profile(
    run_cli: RunCli, redis_url: str, tmp_path: Path
) -> None:
    agency = make_agency(tmp_path, 2, 200)
    server = start_server(agency.db, env={"OINT_TIME_SCALE": "60"})
    jobs = str(tmp_path / "jobs")
    env = {**agency.env(OINT_JOBS=jobs), "OINT_CONFIG": agency.config}
    try:
        queued = run_cli(
            "ozon",
            "bulk",
            "stocks",
            "--file",
            agency.files["shop0"],
            "--profile",
            "shop0",
            "--base-url",
            server.url,
            "--queue",
            redis_url,
            env=env,
        )
        assert queued.code == 0, queued.err
        job_id = queued.out.strip()
        assert "queued on" in queued.err and job_id in queued.err
        # the queue holds the job's id, the profile and the store, never the key nor the rows
        dump = b" ".join(v for k in redis_client(redis_url).keys("*") for v in _values(redis_url, k))
        assert job_id.encode() in dump and b"shop0" in dump
        for key in agency.keys.values():
            assert key.encode() not in dump
        assert b"SEED-000001" not in dump
        listed = run_cli("bulk", "list", env=env)
        assert listed.code == 0 and job_id in listed.out and "queued" in listed.out, listed.out
        shown = run_cli("bulk", "show", job_id, env=env)
        assert "queue      redis://127.0.0.1" in shown.out and "(profile shop0)" in shown.out, shown.out

        worker = start_worker(agency, redis_url, "--threads", "1")
        metas = wait_done(jobs, [job_id], 30)
        assert metas[job_id]["counts"]["confirmed"] == 200
        shown = run_cli("bulk", "show", job_id, env=env)
        assert "status     done" in shown.out and "worker     " in shown.out
        again = run_cli("bulk", "resume", job_id, "--queue", redis_url, env=env)
        assert again.code == 0 and "is done: nothing to resume" in again.err
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(20) == 0
        err = worker.stderr.read().decode() if worker.stderr else ""
        assert f"job {job_id}: 200 confirmed, 0 failed" in err and "stopped" in err, err
        for key in agency.keys.values():
            assert key not in err
    finally:
        for w in agency.workers:
            if w.poll() is None:
                w.kill()
        server.stop()


def _values(url: str, key: bytes) -> list[bytes]:
    """Every value under a Redis key, whatever its type."""
    client = redis_client(url)
    kind = client.type(key).decode()
    if kind == "string":
        return [client.get(key) or b""]
    if kind == "hash":
        return [b for pair in client.hgetall(key).items() for b in pair]
    if kind == "list":
        return list(client.lrange(key, 0, -1))
    if kind == "set":
        return list(client.smembers(key))
    if kind == "zset":
        return list(client.zrange(key, 0, -1))
    return []


# ------------------------------------------------------------------ the agency run
def worker_of(meta: dict[str, Any]) -> int | None:
    """The pid of the worker a job's journal names (host:pid)."""
    where = str(meta.get("worker") or "")
    return int(where.rsplit(":", 1)[1]) if ":" in where else None


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_agency_run_every_row_lands_once_and_a_killed_workers_jobs_finish_on_the_others(
    kind: str,
    agency_server: tuple[Agency, SandboxServer],
    redis_url: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    agency, server = agency_server
    store = str(tmp_path / "jobs") if kind == "sqlite" else str(request.getfixturevalue("postgres_url"))
    server.fault(path=STOCKS, status=0, delay=0.25, times=100_000)  # answers take a while: a job lasts ~1 s
    jobs = queue_jobs(agency, server, redis_url, store)
    # a second job of shop0, other values: one account's jobs run one at a time, under its lease
    second = Job.create(
        STOCKS,
        ({"offer_id": o, "warehouse_id": w, "stock": s + 1000} for o, w, s in agency.rows["shop0"]),
        client_id=agency.client_ids["shop0"],
        target=server.url,
        directory=store,
    )
    enqueue(redis_url, second, "shop0")
    second.close()
    workers = [start_worker(agency, redis_url, "--threads", "2", "--concurrency", "1") for _ in range(3)]

    victim: subprocess.Popen[bytes] | None = None
    deadline = time.monotonic() + 30
    while victim is None:  # once every job was taken, kill -9 a worker running one
        assert time.monotonic() < deadline, "no worker ever ran a job"
        seen = []
        for job in list_jobs(store):
            seen.append(job.meta)
            job.close()
        if any(meta.get("status") == "queued" for meta in seen):
            time.sleep(0.05)
            continue
        for meta in seen:
            owner = next(
                (w for w in workers if meta.get("status") == "running" and worker_of(meta) == w.pid), None
            )
            if owner is not None:
                os.kill(owner.pid, signal.SIGKILL)
                killed_at = time.time()
                victim = owner
                break
        time.sleep(0.05)
    held = []  # the jobs the killed worker was running (not those it finished before)
    for job in list_jobs(store):
        if job.journal.get("status") == "running" and worker_of(job.meta) == victim.pid:
            held.append(job.id)
        job.close()
    assert held
    assert victim.wait(10) == -signal.SIGKILL

    ids = [*jobs.values(), second.id]
    metas = wait_done(store, ids, 60)
    for job_id in ids:
        meta = metas[job_id]
        assert meta["counts"] == {"pending": 0, "sent": 0, "confirmed": 200, "failed": 0}, (job_id, meta)
        if job_id in held:
            assert worker_of(meta) != victim.pid  # finished on a live worker
    resumed = max(metas[i]["started_at"] for i in held)  # the last run of each: on another worker
    assert resumed - killed_at < LEASE + 3  # within the lease's time (and a worker's pick-up)

    entries = applied(agency.db)
    wanted = {
        (agency.client_ids[name], o, w, s) for name, rows in agency.rows.items() for o, w, s in rows
    } | {(agency.client_ids["shop0"], o, w, s + 1000) for o, w, s in agency.rows["shop0"]}
    assert set(entries) == wanted  # every row of every file landed
    resent = len(entries) - len(set(entries))
    assert resent <= 2 * 100  # sent twice: at most the killed worker's requests in flight (2 threads)
    assert statuses(agency.db) == {200}  # Ozon's limits on at both ends: never a 429


def persistent_redis(tmp_path: Path) -> RedisServer:
    """A Redis of the test's own with its append-only file, as a queue's Redis must be: a restart
    keeps its data."""
    try:
        (tmp_path / "redis").mkdir()
        return RedisServer.start(tmp_path / "redis", persistent=True)
    except ServiceMissing as e:
        if os.environ.get("CI"):
            pytest.fail(f"{e}; CI must install it (.ci/run)")
        pytest.skip(str(e))


def test_redis_restarted_mid_run_the_workers_reconnect_and_finish(tmp_path: Path) -> None:
    redis = persistent_redis(tmp_path)
    try:
        with served(tmp_path, 8) as (agency, server):
            store = str(tmp_path / "jobs")
            server.fault(path=STOCKS, status=0, delay=0.25, times=100_000)
            jobs = queue_jobs(agency, server, redis.url, store)
            for _ in range(2):
                start_worker(agency, redis.url, "--threads", "2", "--concurrency", "1")
            deadline = time.monotonic() + 30
            while True:  # restart Redis once the first job is done and others are still to run
                states = []
                for job in list_jobs(store):
                    states.append(job.journal.get("status"))
                    job.close()
                if "done" in states:
                    break
                assert time.monotonic() < deadline, states
                time.sleep(0.05)
            assert "queued" in states or "running" in states
            redis.restart()
            metas = wait_done(store, list(jobs.values()), 60)
            assert all(m["counts"]["confirmed"] == 200 for m in metas.values())
            assert all(w.poll() is None for w in agency.workers)  # they lived through it
            wanted = {(agency.client_ids[n], o, w, s) for n, rows in agency.rows.items() for o, w, s in rows}
            entries = applied(agency.db)
            assert set(entries) == wanted and len(entries) - len(wanted) <= 4 * 100
            assert statuses(agency.db) == {200}
            # every message acknowledged: an acknowledgement that met the restart is tried again
            # by Dramatiq every 5 s, so the last one may land a few seconds after its job's end
            assert wait_idle(redis.url, 20), remaining_jobs(redis.url)
    finally:
        redis.stop()


def test_a_job_waiting_for_its_accounts_lease_survives_a_redis_restart(tmp_path: Path) -> None:
    """The second job of an account waits on the queue as a delayed message held by the worker;
    Dramatiq forgets such messages when its connection breaks (they stay Redis-side, claimed by a
    worker that lives on): the worker takes them back when it reconnects."""
    redis = persistent_redis(tmp_path)
    try:
        with served(tmp_path, 1) as (agency, server):
            store = str(tmp_path / "jobs")
            server.fault(path=STOCKS, status=0, delay=1.5, times=100_000)  # the first job: 3 s or more
            ids = []
            for n in range(2):
                items = (
                    {"offer_id": o, "warehouse_id": w, "stock": n * 1000 + s}
                    for o, w, s in agency.rows["shop0"]
                )
                job = Job.create(
                    STOCKS, items, client_id=agency.client_ids["shop0"], target=server.url, directory=store
                )
                enqueue(redis.url, job, "shop0")
                ids.append(job.id)
                job.close()
            start_worker(agency, redis.url, "--threads", "2", "--concurrency", "1")
            client, deadline = redis_client(redis.url), time.monotonic() + 30
            # one job runs under the account's lease, the other waits as a delayed message the
            # worker holds (Dramatiq's claim on it in Redis)
            while not (
                client.exists(account_lease_name(agency.client_ids["shop0"]))
                and client.keys("dramatiq:__acks__.*.oint-bulk.DQ")
            ):
                assert time.monotonic() < deadline, "the waiting job never became a delayed message"
                time.sleep(0.05)
            client.close()
            redis.kill()
            time.sleep(3)  # long enough for every consumer of the worker to find Redis away
            redis.revive()
            metas = wait_done(store, ids, 60)
            assert all(m["counts"]["confirmed"] == 200 for m in metas.values())
            assert wait_idle(redis.url, 20), remaining_jobs(redis.url)
    finally:
        redis.stop()


def test_one_accounts_jobs_run_one_at_a_time(redis_url: str, tmp_path: Path) -> None:
    with served(tmp_path, 1) as (agency, server):
        store = str(tmp_path / "jobs")
        server.fault(path=STOCKS, status=0, delay=0.1, times=100_000)
        ids = []
        for n in range(3):  # three jobs of one account, told apart by their stocks
            items = (
                {"offer_id": o, "warehouse_id": w, "stock": 1000 * n + s} for o, w, s in agency.rows["shop0"]
            )
            job = Job.create(
                STOCKS, items, client_id=agency.client_ids["shop0"], target=server.url, directory=store
            )
            enqueue(redis_url, job, "shop0")
            ids.append(job.id)
            job.close()
        for _ in range(2):
            start_worker(agency, redis_url, "--threads", "2")
        wait_done(store, ids, 60)
        sandbox = Store(agency.db)
        try:
            log = sandbox.requests(0, STOCKS, 1_000_000)
        finally:
            sandbox.close()
        order = [int(r["body"]["stocks"][0]["stock"]) // 1000 for r in sorted(log, key=lambda r: r["seq"])]
        runs = [n for i, n in enumerate(order) if i == 0 or order[i - 1] != n]
        assert sorted(runs) == [0, 1, 2], order  # each job's requests together: never two at once


def test_a_lease_is_held_by_one_token_renewed_released_and_lost_when_not_renewed(redis_url: str) -> None:
    client, store = redis_client(redis_url), RedisStore(redis_url)  # the worker's leases: over a store
    name = account_lease_name("123")
    first, second = Lease(store, name, 0.5), Lease(RedisStore(redis_url), name, 0.5)
    assert first.acquire() and not second.acquire()
    assert 0 < second.remaining() <= 0.5
    assert not second.release() and first.renew() is True  # another holder's release changes nothing
    assert second.renew() is False  # nor can it renew what it does not hold
    time.sleep(0.7)  # not renewed: it runs out
    assert second.acquire() and first.renew() is False
    assert second.release() and client.get(name) is None
    client.delete(name)
    assert first.acquire()
    client.flushall()  # as a Redis restarted without its data: the holder takes it again
    assert first.renew() is True and client.get(name) == first.token.encode()
    broken = Lease(RedisStore("redis://127.0.0.1:1/0", timeout=0.5), name, 1)
    assert broken.renew() is None and broken.release() is False and broken.remaining() == 0.0


# ------------------------------------------------------------------ what is refused, what is said
def test_bad_queue_options_are_one_line_exit_2_and_nothing_is_queued(
    run_cli: RunCli, redis_url: str, tmp_path: Path
) -> None:
    agency = make_agency(tmp_path, 1, 10)
    env = agency.env(OINT_JOBS=str(tmp_path / "jobs"))
    stocks = ["ozon", "bulk", "stocks", "--file", agency.files["shop0"]]
    cases = [
        ([*stocks, "--queue", redis_url], "--queue needs --profile NAME"),
        ([*stocks, "--profile", "shop0", "--apikey", "k", "--queue", redis_url], "no key travels"),
        ([*stocks, "--profile", "shop0", "--queue", "http://127.0.0.1:6379"], "expected a Redis URL"),
        ([*stocks, "--profile", "shop0", "--report", "r.csv", "--queue", redis_url], "--report does not go"),
        ([*stocks, "--profile", "nobody", "--queue", redis_url], "unknown profile 'nobody'"),
        (["worker"], "oint worker needs --queue"),
        (["worker", "--queue", "localhost:6379"], "expected a Redis URL"),
        (["worker", "--queue", redis_url, "--threads", "0"], "--threads"),
        (["bulk", "resume", "nope", "--queue", redis_url, "--concurrency", "2"], "--concurrency does not go"),
    ]
    for args, said in cases:
        r = run_cli(*args, env=env)
        assert r.code == 2 and said in r.err and len(r.err.strip().splitlines()) == 1, (args, r.err)
        assert "Traceback" not in r.err and r.out == ""
    assert redis_client(redis_url).keys("*") == []  # nothing queued
    assert not (tmp_path / "jobs").exists() or list_jobs(str(tmp_path / "jobs")) == []


def test_an_unreachable_queue_keeps_the_job_and_says_how_to_queue_it(
    run_cli: RunCli, redis_url: str, tmp_path: Path
) -> None:
    agency = make_agency(tmp_path, 1, 10)
    env = agency.env(OINT_JOBS=str(tmp_path / "jobs"))
    r = run_cli(
        "ozon",
        "bulk",
        "stocks",
        "--file",
        agency.files["shop0"],
        "--profile",
        "shop0",
        "--base-url",
        "http://127.0.0.1:9",
        "--queue",
        "redis://:pw@127.0.0.1:1/0",
        env=env,
    )
    assert r.code == 1 and "cannot reach the queue redis://:***@127.0.0.1:1/0" in r.err, r.err
    assert "pw" not in r.err.replace("resume", "")
    (job,) = list_jobs(str(tmp_path / "jobs"))
    assert job.journal.total == 10 and f"oint bulk resume {job.id} --queue URL" in r.err
    job.close()
    again = run_cli("bulk", "resume", job.id, "--queue", redis_url, env=env)
    assert again.code == 0 and again.out.strip() == job.id and "queued again, 10 of 10" in again.err
    assert remaining_jobs(redis_url) == 1


def test_a_worker_without_the_key_stops_the_job_saying_where_the_key_should_be(
    run_cli: RunCli, redis_url: str, tmp_path: Path
) -> None:
    with served(tmp_path, 1, 20) as (agency, server):
        store = str(tmp_path / "jobs")
        (job_id,) = queue_jobs(agency, server, redis_url, store).values()
        variable, key = next(iter(agency.keys.items()))
        worker = subprocess.Popen(
            [sys.executable, "-m", "oint", "worker", "--queue", redis_url, "--lease", str(LEASE)],
            env={k: v for k, v in agency.env().items() if k != variable},  # this machine lacks the key
            stderr=subprocess.PIPE,
        )
        agency.workers.append(worker)
        deadline = time.monotonic() + 30
        while True:
            job = Job.open(job_id, store)
            status, stopped = job.status(), job.journal.get("stopped")
            job.close()
            if status == "stopped":
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
        assert f"environment variable {variable}" in str(stopped) and key not in str(stopped)
        worker.send_signal(signal.SIGTERM)
        worker.wait(20)
        err = worker.stderr.read().decode() if worker.stderr else ""
        assert f"job {job_id} stopped" in err and key not in err
        env = agency.env(OINT_JOBS=store)
        again = run_cli("bulk", "resume", job_id, "--queue", redis_url, env=env)  # queued again
        assert again.code == 0, again.err
        start_worker(agency, redis_url)  # with the key
        assert wait_done(store, [job_id], 30)[job_id]["counts"]["confirmed"] == 20


def test_a_stopped_worker_hands_its_running_job_back_to_the_queue(redis_url: str, tmp_path: Path) -> None:
    with served(tmp_path, 1, 400) as (agency, server):
        store = str(tmp_path / "jobs")
        server.fault(path=STOCKS, status=0, delay=0.5, times=100_000)
        (job_id,) = queue_jobs(agency, server, redis_url, store).values()
        first = start_worker(agency, redis_url, "--concurrency", "1")
        deadline = time.monotonic() + 30
        while True:
            job = Job.open(job_id, store)
            status, confirmed = job.journal.get("status"), job.journal.counts["confirmed"]
            job.close()
            if status == "running" and confirmed >= 100:
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.05)
        first.send_signal(signal.SIGTERM)  # Ctrl-C or a deployment: the job goes back, resumable
        assert first.wait(20) == 0
        job = Job.open(job_id, store)
        assert job.status() == "queued" and 100 <= job.journal.counts["confirmed"] < 400
        job.close()
        second = start_worker(agency, redis_url)
        metas = wait_done(store, [job_id], 30)
        assert metas[job_id]["counts"]["confirmed"] == 400 and worker_of(metas[job_id]) == second.pid
        entries = applied(agency.db)
        assert len(entries) == len(set(entries)) == 400  # stopped between requests: nothing sent twice
