"""The journal's two stores, one interface: SQLite files in a folder and PostgreSQL
(`OINT_JOBS=postgresql://...`). Every test runs on both; PostgreSQL is the real server of
tests/services.py (`postgres_url`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DEMO_CLIENT_ID, FBS, RFBS, sandbox_client

from oint.jobs.jobs import Job, list_jobs
from oint.jobs.journal import Change, FolderStore, PostgresStore, job_store, without_password
from oint.sandbox.core import Sandbox
from oint.sandbox.seed import seed_catalogue

STOCKS = "/v2/products/stocks"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the journals go: a folder of SQLite files, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "jobs")
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_the_store_is_chosen_by_oint_jobs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OINT_JOBS_DIR", str(tmp_path / "dir"))
    monkeypatch.delenv("OINT_JOBS", raising=False)
    assert isinstance(job_store(), FolderStore) and str(job_store()) == str(tmp_path / "dir")
    monkeypatch.setenv("OINT_JOBS", "postgresql://u:secret@db.example/jobs")
    chosen = job_store()
    assert isinstance(chosen, PostgresStore) and "secret" not in str(chosen)
    assert (
        without_password("postgresql://u:secret@db.example:5432/jobs")
        == "postgresql://u@db.example:5432/jobs"
    )
    monkeypatch.setenv("OINT_JOBS", f"sqlite://{tmp_path}/shared")
    assert job_store().url == str(tmp_path / "shared")


def test_every_step_of_the_journal_reads_back_the_same_on_both_stores(store: str) -> None:
    stock = [{"offer_id": f"A{i}", "warehouse_id": FBS, "stock": i} for i in range(1, 6)]
    job = Job.create(STOCKS, stock, client_id="42", target="http://x", directory=store, kind="stocks")
    journal = job.journal
    assert journal.total == 5 and journal.get("kind") == "stocks" and journal.get("missing", 7) == 7
    ready = journal.ready(0.0, 3)
    assert [r.seq for r in ready] == [1, 2, 3] and ready[0].body == stock[0] and ready[0].row == 1
    request = journal.start_request(STOCKS, 10.0, [1, 2, 3])
    assert journal.counts == {"pending": 2, "sent": 3, "confirmed": 0, "failed": 0}
    journal.note_answer(request, 11.5)
    journal.apply(
        [
            Change(1, "confirmed", result={"updated": True}),
            Change(2, "failed", error={"code": "X"}),
            Change(3, "pending", not_before=50.0),  # a retry, later
        ],
        tasks=[(777, 20.0)],
    )
    assert journal.recent_requests() == [(STOCKS, 11.5)]
    assert [r.seq for r in journal.ready(40.0, 10)] == [4, 5] and journal.next_due() == 0.0
    assert journal.has_ready(0.0) and journal.due_task(19.0) is None and journal.due_task(20.0) == (777, 0)
    journal.apply([], tasks=[(777, 30.0)])  # polled once more
    assert journal.due_task(30.0) == (777, 1) and journal.next_poll() == 30.0
    journal.postpone_task(777, 35.0)
    assert journal.next_poll() == 35.0 and journal.has_tasks()
    journal.start_request(STOCKS, 60.0, [4])  # ... and the process dies
    journal.delay([(5, 99.0)])
    assert not journal.has_ready(45.0) and journal.has_ready(50.0) and journal.next_due() == 50.0
    job.close()

    again = Job.open(job.id, store)  # a fresh connection: only what was committed
    journal = again.journal
    assert journal.counts == {"pending": 2, "sent": 1, "confirmed": 1, "failed": 1}
    assert journal.recover(True, 70.0) == (1, 0)
    assert journal.counts == {"pending": 3, "sent": 0, "confirmed": 1, "failed": 1}
    assert journal.next_poll() == 70.0
    journal.apply([], done_tasks=[777])
    assert not journal.has_tasks()
    outcomes = list(journal.outcomes())
    assert [o["state"] for o in outcomes] == ["confirmed", "failed", "pending", "pending", "pending"]
    assert outcomes[0]["result"] == {"updated": True} and outcomes[1]["error"] == {"code": "X"}
    assert [o["row"] for o in journal.outcomes(["failed", "confirmed"])] == [1, 2]
    assert outcomes[3]["attempts"] == 1 and outcomes[0]["item"] == stock[0]
    again.close()


def test_an_item_in_flight_of_a_non_idempotent_job_fails_as_unknown(store: str) -> None:
    job = Job.create("/v2/products/delete", [{"offer_id": "A"}], client_id="1", directory=store)
    job.journal.start_request("/v2/products/delete", 1.0, [1])
    assert job.journal.recover(False, 2.0) == (0, 1)
    assert next(job.outcomes())["error"]["code"] == "UNKNOWN_AFTER_INTERRUPTION"
    job.close()


def test_jobs_of_one_store_are_apart_listed_found_and_deleted(store: str) -> None:
    first = Job.create(
        STOCKS, [{"offer_id": "A", "warehouse_id": 1, "stock": 1}], client_id="1", directory=store
    )
    time.sleep(0.01)
    second = Job.create(
        STOCKS,
        [{"offer_id": f"B{i}", "warehouse_id": 1, "stock": 1} for i in range(3)],
        client_id="2",
        directory=store,
        label="other",
    )
    assert (first.journal.total, second.journal.total) == (1, 3)
    listed = list_jobs(store)
    assert [j.id for j in listed] == [first.id, second.id]
    for j in listed:
        j.close()
    found = Job.open(second.id[-8:], store)  # a unique part of the id
    assert found.id == second.id and found.journal.get("client_id") == "2"
    found.close()
    second.delete()
    assert [j.id for j in list_jobs(store)] == [first.id]
    with pytest.raises(Exception, match="no bulk job"):
        Job.open(second.id, store)
    first.close()


def test_one_runner_at_a_time_and_a_killed_runner_lets_go(store: str, tmp_path: Path) -> None:
    job = Job.create(
        STOCKS, [{"offer_id": "A", "warehouse_id": 1, "stock": 1}], client_id="1", directory=store
    )
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from oint.jobs.jobs import Job\n"
            f"job = Job.open({job.id!r}, {store!r})\n"
            "assert job.journal.lock()\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
        assert job.journal.locked_elsewhere() and job.status() == "ready"
        assert not job.journal.lock()
        os.kill(holder.pid, signal.SIGKILL)  # kill -9: no clean-up of its own
        holder.wait(10)
        deadline = time.monotonic() + 5
        while not job.journal.lock():  # PostgreSQL notices the dead connection at once, or nearly
            assert time.monotonic() < deadline, "the killed runner's lock was never released"
            time.sleep(0.05)
        assert not job.journal.locked_elsewhere()
    finally:
        holder.kill()
        holder.wait(10)
        job.close()


def test_a_job_runs_and_resumes_through_the_engine_on_both_stores(store: str, tmp_path: Path) -> None:
    sandbox = Sandbox(str(tmp_path / "sandbox.sqlite3"))
    seed_catalogue(sandbox.store, DEMO_CLIENT_ID, 250, now=sandbox.clock())
    # the other store's run took these stocks' per-item windows (30 s, per process): another warehouse
    warehouse = FBS if store.startswith("postgresql") else RFBS
    stock = [{"offer_id": f"SEED-{i:06d}", "warehouse_id": warehouse, "stock": i % 9} for i in range(1, 251)]
    with sandbox_client(sandbox) as client:
        job = Job.create(STOCKS, stock, client_id=client.client_id, target="sandbox:", directory=store)
        job.journal.start_request(STOCKS, time.time(), [1, 2])  # an earlier run died with two in flight
        summary = job.run(client)
        assert (summary.confirmed, summary.failed, summary.finished) == (250, 0, True)
        assert job.status() == "done" and job.store in (store, str(Path(store).absolute()))
        job.close()
    sandbox.close()


def test_a_postgresql_jobs_store_is_named_without_its_password(postgres_url: str) -> None:
    with_password = postgres_url.replace("postgres@", "postgres:sekrit@")  # trust: the server ignores it
    job = Job.create(
        STOCKS, [{"offer_id": "A", "warehouse_id": 1, "stock": 1}], client_id="1", directory=with_password
    )
    try:
        assert job.store == postgres_url and "sekrit" not in job.store  # what a queued job's message carries
        reopened = Job.open(job.id, job.store)
        assert reopened.journal.total == 1
        reopened.close()
    finally:
        job.close()


def test_listing_the_jobs_of_a_postgresql_store_uses_one_connection(postgres_url: str) -> None:
    """`oint bulk list` / `bulk_list` of many jobs: one connection for the whole listing, not one a
    job (PostgreSQL's default allows 100 in all), closed when the last listed job is."""
    import psycopg

    made = [
        Job.create(
            STOCKS,
            [{"offer_id": f"A{n}", "warehouse_id": 1, "stock": n}],
            client_id="1",
            directory=postgres_url,
        )
        for n in range(30)
    ]
    for job in made:
        job.close()

    def connections(watch: psycopg.Connection) -> int:
        row = watch.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname=current_database() AND pid<>pg_backend_pid()"
        ).fetchone()
        return int(row[0]) if row else -1

    def settled(watch: psycopg.Connection, count: int) -> None:
        deadline = time.monotonic() + 10
        while connections(watch) != count:  # a session ends a moment after its client closes it
            assert time.monotonic() < deadline, f"{connections(watch)} connections, not {count}"
            time.sleep(0.05)

    with psycopg.connect(postgres_url, autocommit=True) as watch:
        settled(watch, 0)  # the sessions that made the jobs are gone
        listed = list_jobs(postgres_url)
        assert [j.id for j in listed] == [j.id for j in made]
        assert [j.journal.total for j in listed] == [1] * 30
        settled(watch, 1)  # one for the whole listing (the ids' short query's session ended)
        for job in listed[:-1]:
            job.close()
        assert listed[-1].journal.get("client_id") == "1"
        settled(watch, 1)
        listed[-1].close()
        settled(watch, 0)  # the listing's connection closed with its last job
