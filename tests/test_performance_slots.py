"""One Performance report in preparation per account (issue 19, item 3), across threads, tasks,
event loops and processes: the leases of a shared store of limits (`oint.core.limits.lease`,
SQLite and Redis: taken, renewed, released by token only, lost after their time), processes of
one account against the served sandbox with a shared store (no 429, never two at once, every
report made), a holder killed with kill -9 whose slot goes to the next after the lease's time,
and the process's own slots shared by a sync and an async client."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import gc
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
import warnings
import weakref
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from conftest import SandboxServer, free_port
from perf_fake import CLIENT_ID, SECRET, AsyncFakeTransport, FakePerformance, FakeTransport

from oint.apis.performance.reports import PROCESS_SLOTS, StoreSlots, report_slots, set_report_slots, slot_name
from oint.core.limits import FallbackStore, LimitsFallbackWarning, LimitStore, LimitsUnavailableError
from oint.core.limits.lease import LeaseLostWarning, ahold, hold
from oint.core.limits.redis_store import RedisStore
from oint.core.limits.sqlite_store import SQLiteStore
from oint.performance import AsyncPerformanceClient, PerformanceClient, Waiting
from oint.sandbox.demo import DEMO_PERFORMANCE_CLIENT_ID, DEMO_PERFORMANCE_SECRET


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LimitStore]:
    made: LimitStore
    if request.param == "sqlite":
        made = SQLiteStore(str(tmp_path / "limits.db"))
    else:
        made = RedisStore(request.getfixturevalue("redis_url"))
    yield made
    made.close()


FAST = Waiting(first=0.0, factor=1.0, most=0.0, give_up=10.0)


# ------------------------------------------------------------------ the lease
def test_a_lease_has_one_holder_and_is_released_by_its_token_only(store: LimitStore) -> None:
    first, second = store.lease_for("oint:test:a", 30), store.lease_for("oint:test:a", 30)
    assert first.token != second.token
    assert first.acquire() is True
    assert second.acquire() is False and first.acquire() is False  # (not twice either)
    assert 29 < second.remaining() <= 30
    assert second.release() is False  # not its own: the holder keeps it
    assert second.acquire() is False
    assert second.renew() is False  # nor can another renew it
    assert first.renew() is True
    assert first.release() is True
    assert first.release() is False and first.remaining() == 0
    assert second.acquire() is True
    assert store.lease_for("oint:test:b", 30).acquire() is True  # another name: another lease


def test_a_lease_runs_out_unless_renewed(store: LimitStore) -> None:
    dead, kept = store.lease_for("oint:test:dead", 1.0), store.lease_for("oint:test:kept", 1.0)
    assert dead.acquire() and kept.acquire()
    for _ in range(8):  # 1.6 s: over the lease's time
        time.sleep(0.2)
        assert kept.renew() is True
    assert store.lease_for("oint:test:kept", 1.0).acquire() is False  # renewed: still held
    assert dead.remaining() == 0
    other = store.lease_for("oint:test:dead", 5)
    assert other.acquire() is True  # the holder stopped renewing: the next one takes it
    assert dead.renew() is False and dead.release() is False  # and the late holder cannot take it back
    assert other.remaining() > 4


def test_a_renewal_takes_a_free_lease_again(store: LimitStore) -> None:
    lease = store.lease_for("oint:test:late", 0.1)
    assert lease.acquire()
    time.sleep(0.2)
    assert lease.remaining() == 0
    assert lease.renew() is True  # ran out, nobody took it: held again
    assert store.lease_for("oint:test:late", 1).acquire() is False


def test_hold_renews_while_held_and_waits_for_the_holder(store: LimitStore) -> None:
    waits: list[float] = []
    taken = threading.Event()
    order: list[str] = []

    def second() -> None:
        taken.wait()
        with hold(store.lease_for("oint:test:held", 1.0), on_wait=waits.append):
            order.append("second")

    waiter = threading.Thread(target=second)
    waiter.start()
    with warnings.catch_warnings():
        warnings.simplefilter("error", LeaseLostWarning)
        with hold(store.lease_for("oint:test:held", 1.0)) as lease:
            taken.set()
            time.sleep(2.0)  # twice the lease: renewed by the thread meanwhile
            assert lease.renew() is True
            order.append("first")
    waiter.join(10)
    assert order == ["first", "second"]
    assert waits and max(waits) >= 1.4  # past the lease's time (it was renewed), heard of on each try
    assert store.lease_remaining("oint:test:held") == 0  # released at the end


def test_ahold_renews_from_a_task_and_releases(store: LimitStore) -> None:
    async def run() -> tuple[list[str], list[float]]:
        order: list[str] = []
        waits: list[float] = []

        async def first() -> None:
            async with ahold(store.lease_for("oint:test:async", 1.0)):
                await asyncio.sleep(2.0)
                order.append("first")

        async def second() -> None:
            await asyncio.sleep(0.1)
            async with ahold(store.lease_for("oint:test:async", 1.0), on_wait=waits.append):
                order.append("second")

        await asyncio.gather(first(), second())
        return order, waits

    order, waits = asyncio.run(run())
    assert order == ["first", "second"] and max(waits) >= 1.2
    assert store.lease_remaining("oint:test:async") == 0


class SlowTaking(SQLiteStore):
    def lease_take(self, name: str, token: str, seconds: float) -> bool:
        time.sleep(0.4)
        return super().lease_take(name, token, seconds)


def test_a_task_cancelled_while_taking_a_lease_gives_it_back(tmp_path: Path) -> None:
    store = SlowTaking(str(tmp_path / "limits.db"))

    async def run() -> None:
        async def wait_for_it() -> None:
            async with ahold(store.lease_for("oint:test:cancelled", 30)):
                raise AssertionError("cancelled before it was held")

        task = asyncio.ensure_future(wait_for_it())
        await asyncio.sleep(0.1)  # the worker thread is taking it
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())  # (the loop waits for its worker thread: the take is done)
    for _ in range(100):
        if store.lease_remaining("oint:test:cancelled") == 0:
            break
        time.sleep(0.05)
    assert store.lease_remaining("oint:test:cancelled") == 0  # given back, not held 30 s by nobody
    store.close()


def test_the_slot_is_named_by_the_client_id_never_the_secret(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "limits.db"))
    slots, account = report_slots(store, CLIENT_ID, "https://perf.test")
    assert isinstance(slots, StoreSlots) and slots.store is store and account == CLIENT_ID
    assert report_slots(store, CLIENT_ID, "x")[0] is slots  # one per store
    assert slot_name(account) == f"oint:slot:performance-report:{CLIENT_ID}"
    assert report_slots(None, CLIENT_ID, "https://perf.test") == (
        PROCESS_SLOTS,
        f"https://perf.test {CLIENT_ID}",
    )
    client = PerformanceClient(
        CLIENT_ID, SECRET, transport=FakeTransport(FakePerformance()), limits=store.url
    )
    seen: list[str] = []
    with client:
        slots, account = client._report_slots()
        assert isinstance(slots, StoreSlots)
        with slots.hold(account):
            with sqlite3.connect(store.path) as db:
                seen = [row[0] for row in db.execute("SELECT name || token FROM leases")]
    assert len(seen) == 1 and CLIENT_ID in seen[0] and SECRET not in seen[0]
    store.close()


def test_a_store_that_falls_back_keeps_the_process_slot_while_unreachable(tmp_path: Path) -> None:
    down = RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.2)
    with pytest.raises(LimitsUnavailableError), StoreSlots(down, seconds=5).hold(CLIENT_ID):
        pass  # never reached: no slot, no report
    slots = StoreSlots(FallbackStore(down), seconds=5)
    with pytest.warns(LimitsFallbackWarning), slots.hold(CLIENT_ID):
        assert PROCESS_SLOTS._lock(CLIENT_ID).locked()  # the process's slot, still one at a time
    assert not PROCESS_SLOTS._lock(CLIENT_ID).locked()


# ------------------------------------------------------------------ the process's own slots
def test_a_sync_and_an_async_client_of_one_process_take_turns() -> None:
    server = FakePerformance(polls=6)
    waiting = Waiting(0.01, 1.0, 0.01)
    found: list[int] = []

    def sync_report() -> None:
        with PerformanceClient(CLIENT_ID, SECRET, transport=FakeTransport(server)) as client:
            found.append(len(client.report(["401"], "2026-01-01", "2026-01-05", waiting=waiting)))

    async def async_report(campaign: str) -> int:
        async with AsyncPerformanceClient(CLIENT_ID, SECRET, transport=AsyncFakeTransport(server)) as client:
            return len(await client.report([campaign], "2026-01-01", "2026-01-05", waiting=waiting))

    def other_loop() -> None:
        found.append(asyncio.run(async_report("402")))

    threads = [threading.Thread(target=sync_report), threading.Thread(target=other_loop)]
    for t in threads:
        t.start()
    found.append(asyncio.run(async_report("403")))
    for t in threads:
        t.join(30)
    assert found == [5, 5, 5]
    assert server.refused == 0 and server.preparing_most == 1 and len(server.reports) == 3


def test_the_process_slots_keep_no_event_loop_alive() -> None:
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

    async def take_turns() -> list[str]:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        order: list[str] = []

        async def one(name: str) -> None:
            async with PROCESS_SLOTS.ahold("loop-test"):
                order.append(f"{name} in")
                await asyncio.sleep(0.02)
                order.append(f"{name} out")

        await asyncio.gather(one("a"), one("b"))  # (the second waits for the first)
        return order

    for _ in range(3):
        order = asyncio.run(take_turns())
        assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])
    gc.collect()
    assert [ref() for ref in loops] == [None, None, None]  # none kept by a lock bound to it


def test_the_progress_shows_the_wait_for_the_slot() -> None:
    server = FakePerformance(polls=30)
    waiting = Waiting(0.01, 1.0, 0.01)
    states: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        def seen(done: int, total: int, state: str) -> None:
            first_in.set()

        with PerformanceClient(CLIENT_ID, SECRET, transport=FakeTransport(server)) as client:
            client.report(["501"], "2026-01-01", "2026-01-02", waiting=waiting, progress=seen)

    holder = threading.Thread(target=first)
    holder.start()
    first_in.wait(10)
    with PerformanceClient(CLIENT_ID, SECRET, transport=FakeTransport(server)) as client:
        client.report(
            ["502"], "2026-01-01", "2026-01-02", waiting=waiting, progress=lambda d, t, s: states.append(s)
        )
    holder.join(10)
    assert states[0].startswith("waiting for the account's report slot")
    assert states[-1] == "OK" and any(not s.startswith("waiting") for s in states[1:])


class OwnSlots:
    """Slots of the kind `set_report_slots` took before the wait was heard of: `hold(account)`."""

    def __init__(self) -> None:
        self.held: list[str] = []

    @contextlib.contextmanager
    def hold(self, account: str) -> Iterator[None]:
        self.held.append(account)
        yield

    @contextlib.asynccontextmanager
    async def ahold(self, account: str) -> AsyncIterator[None]:
        self.held.append(account)
        yield


def test_slots_put_in_place_are_used_whatever_the_store(tmp_path: Path) -> None:
    own = OwnSlots()
    set_report_slots(own)  # type: ignore[arg-type]  # (no on_wait: still taken when no progress is asked)
    try:
        limits = f"sqlite:///{tmp_path}/limits.db"
        server = FakePerformance(polls=1)
        with PerformanceClient(CLIENT_ID, SECRET, transport=FakeTransport(server), limits=limits) as client:
            client.report(["601"], "2026-01-01", "2026-01-02", waiting=FAST)  # no progress

        async def in_a_loop() -> None:
            fake = AsyncFakeTransport(server)
            async with AsyncPerformanceClient(CLIENT_ID, SECRET, transport=fake, limits=limits) as client:
                await client.report(["602"], "2026-01-01", "2026-01-02", waiting=FAST)

        asyncio.run(in_a_loop())
    finally:
        set_report_slots(PROCESS_SLOTS)
    assert own.held == [f"{FakePerformance.base_url} {CLIENT_ID}"] * 2


# ------------------------------------------------------------------ processes on the served sandbox
REPORTER = f"""
import asyncio, json, sys, time
from oint.performance import AsyncPerformanceClient, PerformanceClient, Waiting
url, campaign, first, last, kind, slow = sys.argv[1:7]
waiting = Waiting(600.0, 1.0, 600.0) if slow == "slow" else Waiting(0.05, 1.5, 0.2)
def progress(done, total, state):
    print(json.dumps({{"state": state, "at": time.monotonic()}}), flush=True)
args = ([campaign], first, last)
options = dict(waiting=waiting, progress=progress)
creds = ({DEMO_PERFORMANCE_CLIENT_ID!r}, {DEMO_PERFORMANCE_SECRET!r})
if kind == "async":
    async def run():
        async with AsyncPerformanceClient(*creds, base_url=url) as client:
            return await client.report(*args, **options)
    found = asyncio.run(run())
else:
    with PerformanceClient(*creds, base_url=url) as client:
        found = client.report(*args, **options)
print(json.dumps({{"rows": len(found)}}), flush=True)
"""


CAMPAIGN = "11000001"  # a running campaign of the demo account


def _admin(server: SandboxServer, action: str, doc: dict[str, Any] | None = None) -> Any:
    data = json.dumps(doc).encode() if doc is not None else None
    request = urllib.request.Request(
        f"{server.url}/__sandbox/{action}", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def _today(server: SandboxServer) -> dt.date:
    moment = str(_admin(server, "clock")["now"]).replace("Z", "+00:00")
    return dt.datetime.fromisoformat(moment).date()


def _reporter(
    server: SandboxServer, limits: str, first: dt.date, last: dt.date, kind: str = "sync", slow: bool = False
) -> subprocess.Popen[str]:
    """A process making reports of the demo's campaign: the client (`kind` sync or async), or the
    CLI (`kind` a file the report is written to)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OZON_", "OINT_LIMITS", "OINT_PROFILE"))}
    env.update(OINT_LIMITS=limits, OINT_TIME_SCALE="15")  # the slot's lease: 30 Ozon s = 2 s here
    args = [server.url, CAMPAIGN, first.isoformat(), last.isoformat(), kind, "slow" if slow else "fast"]
    command = [sys.executable, "-c", REPORTER, *args]
    if kind not in ("sync", "async"):
        env.update(
            OZON_PERFORMANCE_CLIENT_ID=DEMO_PERFORMANCE_CLIENT_ID,
            OZON_PERFORMANCE_CLIENT_SECRET=DEMO_PERFORMANCE_SECRET,
        )
        period = ["--from", first.isoformat(), "--to", last.isoformat()]
        report = ["performance", "report", "--campaigns", CAMPAIGN, *period, "--out", kind]
        command = [sys.executable, "-m", "oint", *report, "--base-url", server.url]
    return subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _shared(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return str(request.getfixturevalue("redis_url")) if kind == "redis" else f"sqlite:///{tmp_path}/limits.db"


def _next_line(stream: IO[str] | None, deadline: float) -> dict[str, Any]:
    assert stream is not None
    while time.monotonic() < deadline:
        line = stream.readline()
        if line.strip():
            found: dict[str, Any] = json.loads(line)
            return found
    raise AssertionError("no line from the reporter in time")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", ["redis", "sqlite"])
def test_three_processes_of_one_account_make_their_reports_one_at_a_time(
    server: SandboxServer, kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    _admin(server, "performance", {"report_seconds": 0.4})
    limits = _shared(kind, request, tmp_path)
    last = _today(server)
    first = last - dt.timedelta(days=69)  # 70 days: two reports each
    out_file = tmp_path / "report.csv"
    kinds = ("sync", "async", str(out_file))  # the clients and `oint performance report`
    procs = [_reporter(server, limits, first, last, kind=k) for k in kinds]
    for proc in procs[:2]:
        out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err
        lines = _lines(out)
        assert lines[-1]["rows"] > 0 and lines[-2]["state"] == "OK"
    out, err = procs[2].communicate(timeout=90)
    assert procs[2].returncode == 0, err
    with open(out_file, encoding="utf-8", newline="") as fh:
        assert len(list(csv.DictReader(fh))) > 0
    counters = _admin(server, "performance")["counters"]
    assert counters["reports_started"] == 6  # every report made
    assert counters["reports_refused"] == 0  # no 429
    assert counters["max_reports_in_preparation"] == 1  # never two at once


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", ["redis", "sqlite"])
def test_a_holder_killed_lets_the_next_one_go_after_the_lease(
    server: SandboxServer, kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    _admin(server, "performance", {"report_seconds": 0.2})
    limits = _shared(kind, request, tmp_path)
    day = _today(server)
    holder = _reporter(server, limits, day, day, slow=True)  # polls once, then sleeps 40 s holding
    nxt: subprocess.Popen[str] | None = None
    try:
        deadline = time.monotonic() + 60
        assert _next_line(holder.stdout, deadline)["state"]  # submitted: it holds the slot
        nxt = _reporter(server, limits, day, day)
        assert _next_line(nxt.stdout, deadline)["state"].startswith("waiting for the account's report slot")
        time.sleep(0.5)
        killed_at = time.monotonic()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        out, err = nxt.communicate(timeout=60)
        assert nxt.returncode == 0, err
        lines = _lines(out)
        went = next(
            line["at"] for line in lines if "state" in line and not line["state"].startswith("waiting")
        )
        # renewed every 2/3 s while alive: at least 4/3 s of its 2 s left when killed
        assert 1.0 <= went - killed_at < 10, went - killed_at
        assert lines[-1]["rows"] > 0
    finally:
        for proc in (holder, nxt):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.communicate()
    counters = _admin(server, "performance")["counters"]
    assert counters["reports_started"] == 2 and counters["reports_refused"] == 0
