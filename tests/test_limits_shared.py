"""Shared stores of Ozon's limit windows (`oint.core.limits`): a SQLite file and a real Redis.

Windows keep today's semantics (a call holds its slot from its sending until its answer, then
for the window), are shared by every store object — thread or process — of one URL, never let
more calls overlap than the window allows, and say so in one line when Redis is away (or fall
back to the process's windows when asked)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, FBS, free_port, write_csv
from services import RedisServer

from oint.core.errors import UsageError
from oint.core.limits import (
    LimitsFallbackWarning,
    LimitStore,
    LimitsUnavailableError,
    ip_account,
    open_store,
    windows,
)
from oint.core.limits.redis_store import RedisStore
from oint.core.limits.sqlite_store import SQLiteStore
from oint.core.retry import RateLimiter, acquire_all, free_in, release_all
from oint.jobs.limits import SharedItemLimiter
from oint.ozon import OzonClient

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _ozon_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OINT_TIME_SCALE", raising=False)


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/limits.db"
    url: str = request.getfixturevalue("redis_url")
    return url


def _fresh(url: str) -> LimitStore:
    """A store object of its own for `url`, as another process would open it."""
    if url.startswith("sqlite://"):
        return SQLiteStore(url[len("sqlite://") :])
    return RedisStore(url)


def test_a_window_lets_its_calls_go_at_once_then_waits(store_url: str) -> None:
    store = open_store(store_url)
    assert store is not None
    lims = store.windows("123", "*", [(3, 0.4)])
    assert [acquire_all(lims) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = acquire_all(lims)
    assert 0.39 < wait <= 0.41  # the three are in flight: not before their answers + the window


def test_a_call_holds_its_slot_until_its_answer(store_url: str) -> None:
    store = open_store(store_url)
    assert store is not None
    lims = store.windows("123", "/v2/products/stocks", [(1, 0.2)])
    assert acquire_all(lims) == 0.0
    time.sleep(0.3)  # longer than the window: still unanswered, the slot stays taken
    assert acquire_all(lims) > 0.19
    release_all(lims)
    wait = acquire_all(lims)
    assert 0.15 < wait <= 0.21  # the window runs from the answer
    time.sleep(wait)
    assert acquire_all(lims) == 0.0
    release_all(lims)


def test_store_objects_of_one_url_share_the_windows(store_url: str) -> None:
    one, other = _fresh(store_url), _fresh(store_url)
    first, second = one.windows("123", "*", [(2, 1.0)]), other.windows("123", "*", [(2, 1.0)])
    assert acquire_all(first) == 0.0 and acquire_all(first) == 0.0
    assert acquire_all(second) > 0.9  # the other "process" sees both slots taken
    assert free_in(second) > 0.9
    assert acquire_all(other.windows("456", "*", [(2, 1.0)])) == 0.0  # another account: its own


def _most_overlapping(spans: list[tuple[float, float]], per: float) -> int:
    """The most calls whose [sent, answered + per) overlap at one moment."""
    events = sorted(
        [(a, 1) for a, _ in spans] + [(b + per, -1) for _, b in spans], key=lambda e: (e[0], e[1])
    )
    most = current = 0
    for _, step in events:
        current += step
        most = max(most, current)
    return most


def test_threads_never_overlap_more_calls_than_the_window(store_url: str) -> None:
    rate, per = 4, 0.15
    store = open_store(store_url)
    assert store is not None
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def worker() -> None:
        lims = store.windows("123", "*", [(rate, per)])
        for _ in range(6):
            while (wait := acquire_all(lims)) > 0:
                time.sleep(wait)
            sent = time.time()
            time.sleep(0.005)  # the call in flight
            answered = time.time()
            release_all(lims)
            with lock:
                spans.append((sent, answered))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(spans) == 48
    assert _most_overlapping(spans, per) <= rate


WORKER = """
import json, sys, time
from oint.core.limits import open_store, windows
from oint.core.retry import acquire_all, release_all
url, start, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
lims = windows(open_store(url), "123", "*", [(4, 0.2)])
time.sleep(max(0.0, start - time.time()))
spans = []
for _ in range(8):
    while (wait := acquire_all(lims)) > 0:
        time.sleep(wait)
    sent = time.time()
    time.sleep(0.005)
    spans.append((sent, time.time()))
    release_all(lims)
with open(out, "w") as fh:
    json.dump(spans, fh)
"""


def _three_processes(url: str, tmp_path: Path) -> list[tuple[float, float]]:
    start = time.time() + 2.0  # all three begin together, whatever their start-up takes
    outs = [tmp_path / f"spans{i}.json" for i in range(3)]
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, url, repr(start), str(out)], cwd=ROOT) for out in outs
    ]
    for p in procs:
        assert p.wait(60) == 0
    return [(float(a), float(b)) for out in outs for a, b in json.loads(out.read_text())]


def test_processes_share_one_window(store_url: str, tmp_path: Path) -> None:
    spans = _three_processes(store_url, tmp_path)
    assert len(spans) == 24
    assert _most_overlapping(spans, 0.2) <= 4


def test_processes_with_their_own_windows_overlap_too_many(tmp_path: Path) -> None:
    """The same three processes, each with in-process windows: together they break the window
    (what the shared stores prevent, and what the test above would catch)."""
    spans = _three_processes("local", tmp_path)
    assert _most_overlapping(spans, 0.2) > 4


def test_per_item_uses_are_shared(store_url: str) -> None:
    one = SharedItemLimiter(_fresh(store_url), "123:/v2/products/stocks", ((1, 30.0),), margin=0.0)
    other = SharedItemLimiter(_fresh(store_url), "123:/v2/products/stocks", ((1, 30.0),), margin=0.0)
    now = time.time()
    assert other.free_at("offer-1:22", now) == now
    one.take("offer-1:22", now)
    assert other.free_at("offer-1:22", now + 1) == pytest.approx(now + 30.0)
    assert other.free_at("offer-2:22", now + 1) == now + 1  # another item is free
    one.give_back("offer-1:22", now)  # never reached Ozon
    assert other.free_at("offer-1:22", now + 1) == now + 1
    prices = SharedItemLimiter(_fresh(store_url), "123:/v1/product/import/prices", ((2, 3600.0),), margin=0.0)
    prices.take("p", now)
    assert prices.free_at("p", now + 1) == now + 1
    prices.take("p", now + 1)
    assert prices.free_at("p", now + 2) == pytest.approx(now + 3600.0)


def test_a_batch_of_items_is_read_and_taken_at_once_with_the_same_answers(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk job chooses and sends 100 items a request: their uses are read and recorded in one
    round trip (Redis: a pipeline) or one transaction (SQLite), agreeing item by item with the
    one-at-a-time calls."""
    store = _fresh(store_url)
    one = SharedItemLimiter(store, "123:/v1/product/import/prices", ((2, 3600.0),), margin=0.0)
    other = SharedItemLimiter(_fresh(store_url), "123:/v1/product/import/prices", ((2, 3600.0),), margin=0.0)
    now = time.time()
    keys = [f"offer-{i}" for i in range(100)]
    one.take_many(keys[:60], now)
    one.take_many(keys[:30], now + 1)  # the first 30 twice: held for an hour
    expected = {key: other.free_at(key, now + 2) for key in keys}
    assert other.free_at_many(keys, now + 2) == expected
    assert {k for k, at in expected.items() if at > now + 2} == set(keys[:30])
    assert other.free_at_many([], now) == {}
    trips: list[str] = []

    def counted(name: str, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            trips.append(name)
            return real(*args, **kwargs)

        return call

    for name in ("item_times", "item_take"):  # one item at a time: not for a batch
        monkeypatch.setattr(store, name, counted("one", getattr(store, name)))
    if isinstance(store, RedisStore):
        monkeypatch.setattr(store.client, "pipeline", counted("pipeline", store.client.pipeline))
    else:
        assert isinstance(store, SQLiteStore)
        monkeypatch.setattr(store, "_transaction", counted("transaction", store._transaction))
    one.free_at_many(keys, now + 3)
    one.take_many(keys[60:], now + 3)
    assert trips == (["pipeline", "pipeline"] if isinstance(store, RedisStore) else ["transaction"]), trips
    assert other.free_at_many(keys[60:], now + 4) == {k: now + 4 for k in keys[60:]}  # one use each: free


def _closed_redis(password: str = "") -> str:
    auth = f":{password}@" if password else ""
    return f"redis://{auth}127.0.0.1:{free_port()}/0"


def test_redis_unreachable_is_one_clear_line_without_the_password() -> None:
    url = _closed_redis("s3cret-pass")
    with pytest.raises(LimitsUnavailableError) as caught:
        open_store(url)
    text = str(caught.value)
    assert "\n" not in text and "s3cret-pass" not in text
    assert text.startswith("shared limits: Redis at redis://:***@127.0.0.1:") and "unreachable" in text
    with pytest.raises(UsageError, match="unreachable"):
        OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url="https://api-seller.ozon.ru", limits=url)


def test_cli_with_redis_away_exits_2_and_sends_nothing(run_cli: object) -> None:
    port = free_port()
    with __import__("socket").socket() as listener:  # a server that would see any request
        listener.bind(("127.0.0.1", port))
        listener.listen()
        listener.settimeout(0.0)
        r = run_cli(  # type: ignore[operator]
            "ozon",
            "GetWarehousesList",
            "--clientid",
            "1",
            "--apikey",
            "key",
            "--base-url",
            f"http://127.0.0.1:{port}",
            env={"OINT_LIMITS": _closed_redis("pw123")},
        )
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing was sent
    assert r.code == 2
    assert r.err.count("\n") == 1 and "Traceback" not in r.err
    assert "unreachable" in r.err and "pw123" not in r.err


def test_fallback_keeps_in_process_windows_with_one_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OINT_LIMITS_FALLBACK", "local")
    store = open_store(_closed_redis())
    assert store is not None
    lims = store.windows("123", "*", [(2, 1.0)])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert acquire_all(lims) == 0.0
        assert acquire_all(lims) == 0.0
        assert acquire_all(lims) > 0.9  # the windows are still kept, in the process
        release_all(lims)
        release_all(lims)
    fallbacks = [w for w in seen if issubclass(w.category, LimitsFallbackWarning)]
    assert len(fallbacks) == 1
    assert "unreachable" in str(fallbacks[0].message)


def test_fallback_goes_back_to_redis_once_it_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OINT_LIMITS_FALLBACK", "local")
    server = RedisServer.start(tmp_path)
    try:
        store = open_store(server.url + "?fallback=local")
        assert store is not None
        lims = store.windows("123", "*", [(5, 1.0)])
        server.kill()
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            assert acquire_all(lims) == 0.0  # in the process
            release_all(lims)
        server.revive()
        store.down_until = 0.0  # type: ignore[attr-defined]  # rather than waiting the retry delay
        assert acquire_all(lims) == 0.0
        import redis

        assert redis.Redis.from_url(server.url).zcard(lims[0].key + ":flight") == 1  # type: ignore[attr-defined]
        release_all(lims)
    finally:
        server.stop()


def test_redis_down_then_restarted_recovers(tmp_path: Path) -> None:
    server = RedisServer.start(tmp_path)
    try:
        store = RedisStore(server.url)
        lims = store.windows("123", "*", [(5, 1.0)])
        assert acquire_all(lims) == 0.0
        release_all(lims)
        server.restart()  # the kept connection is dead and the script cache empty
        assert acquire_all(lims) == 0.0
        release_all(lims)
        server.kill()
        with pytest.raises(LimitsUnavailableError, match="unreachable"):
            acquire_all(lims)
        server.revive()
        assert acquire_all(lims) == 0.0
        release_all(lims)
    finally:
        server.stop()


def test_client_keys_name_the_account_by_client_id_never_the_key(redis_url: str, tmp_path: Path) -> None:
    import redis

    with OzonClient(sandbox=str(tmp_path / "s.sqlite3"), limits=redis_url) as ozon:
        assert ozon.rate_limit  # an explicit store keeps Ozon's limits on any host
        ozon.call("/v3/product/info/list", {"product_id": [1111588191]})
    keys = [k.decode() if isinstance(k, bytes) else k for k in redis.Redis.from_url(redis_url).keys("*")]
    assert keys and all(f":{DEMO_CLIENT_ID}:" in k for k in keys)
    assert not any(DEMO_API_KEY in k for k in keys)


def test_profile_sets_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def config(limits: str) -> None:
        path = tmp_path / "config.toml"
        path.write_text(f'[profiles.shop]\nclient_id = "77"\napi_key_env = "SHOP_KEY"\nlimits = {limits}\n')
        monkeypatch.setenv("OINT_CONFIG", str(path))

    monkeypatch.setenv("SHOP_KEY", "k")
    config(f'"sqlite://{tmp_path}/p.db"')
    client = OzonClient(profile="shop", base_url="http://127.0.0.1:9")
    assert client.limit_store is not None and client.limit_store.name == "sqlite" and client.rate_limit
    assert OzonClient(profile="shop", base_url="http://127.0.0.1:9", limits="local").limit_store is None
    config('"ftp://x"')
    with pytest.raises(UsageError, match="profile: limits: expected local"):
        OzonClient(profile="shop", base_url="http://127.0.0.1:9")
    config("5")
    with pytest.raises(UsageError, match="limits must be a URL"):
        OzonClient(profile="shop", base_url="http://127.0.0.1:9")


def test_without_a_choice_the_limits_stay_in_the_process() -> None:
    client = OzonClient("1", "k", base_url="https://api-seller.ozon.ru")
    assert client.limit_store is None and client.rate_limit
    assert all(type(lim) is RateLimiter for lim in client._global)
    local = OzonClient("1", "k", base_url="http://127.0.0.1:9")
    assert not local.rate_limit  # Ozon's limits are kept against Ozon only, unless asked


def test_an_outgoing_address_window_is_shared_by_accounts(redis_url: str) -> None:
    one = OzonClient("1", "k", base_url="http://127.0.0.1:9", limits=redis_url, limits_ip="203.0.113.5")
    two = OzonClient("2", "k", base_url="http://127.0.0.1:9", limits=redis_url, limits_ip="203.0.113.5")
    alone = OzonClient("3", "k", base_url="http://127.0.0.1:9", limits=redis_url)
    assert [w.key for w in one.address_windows] == [w.key for w in two.address_windows]  # type: ignore[attr-defined]
    assert ip_account("203.0.113.5") in one.address_windows[0].key  # type: ignore[attr-defined]
    for _ in range(50):
        assert acquire_all(one._global) == 0.0
    assert acquire_all(two._global) > 0  # account 2 has its own 50/s, but not the address
    assert acquire_all(alone._global) == 0.0  # no address configured: only its account's window
    assert windows(None, "x", "*", [(1, 1.0)])[0].store is None


def test_a_bulk_job_keeps_its_windows_and_item_uses_in_the_shared_file(run_cli: Any, tmp_path: Path) -> None:
    env = {
        "OINT_JOBS_DIR": str(tmp_path / "jobs"),
        "OINT_SANDBOX_DB": str(tmp_path / "sandbox.sqlite3"),
        "OINT_LIMITS": f"sqlite://{tmp_path}/limits.db",
    }
    assert run_cli("sandbox", "seed", "--products", "30", env=env).code == 0
    rows = [[f"SEED-{i:06d}", FBS, i] for i in range(1, 31)]
    stocks = write_csv(tmp_path / "stocks.csv", ["offer_id", "warehouse_id", "stock"], rows)
    r = run_cli("ozon", "bulk", "stocks", "--file", stocks, "--sandbox", env=env)
    assert r.code == 0, r.err
    with sqlite3.connect(tmp_path / "limits.db") as db:
        items = db.execute("SELECT space, key FROM items").fetchall()
        windows_used = {w for (w,) in db.execute("SELECT DISTINCT win FROM done")}
    assert {space for space, _ in items} == {f"{DEMO_CLIENT_ID}:/v2/products/stocks"}
    assert len(items) == 30  # each item's use, for every process of the file to see
    assert windows_used == {
        f"oint:limits:{DEMO_CLIENT_ID}:*:50:1",
        f"oint:limits:{DEMO_CLIENT_ID}:/v2/products/stocks:80:60",
    }


def test_async_client_takes_its_slots_in_the_shared_store(tmp_path: Path) -> None:
    import asyncio

    from oint.ozon import AsyncOzonClient

    url = f"sqlite://{tmp_path}/limits.db"

    async def go() -> None:
        async with AsyncOzonClient(sandbox=str(tmp_path / "s.sqlite3"), limits=url) as ozon:
            await asyncio.gather(
                *(ozon.call("/v3/product/info/list", {"product_id": [1111588191]}) for _ in range(3))
            )

    asyncio.run(go())
    with sqlite3.connect(tmp_path / "limits.db") as db:
        answered = db.execute(
            "SELECT count(*) FROM done WHERE win=?", (f"oint:limits:{DEMO_CLIENT_ID}:*:50:1",)
        )
        assert answered.fetchone()[0] == 3
        assert db.execute("SELECT count(*) FROM flight").fetchone()[0] == 0  # every slot released


def test_async_client_waits_for_the_shared_store_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow store (Redis far away, a busy SQLite file) slows the calls, never the event loop."""
    import asyncio

    from oint.ozon import AsyncOzonClient

    slow_acquire, slow_release = SQLiteStore._acquire, SQLiteStore._release

    def acquire(self: SQLiteStore, *args: Any) -> float:
        time.sleep(0.4)
        return slow_acquire(self, *args)

    def release(self: SQLiteStore, *args: Any) -> None:
        time.sleep(0.4)
        slow_release(self, *args)

    monkeypatch.setattr(SQLiteStore, "_acquire", acquire)
    monkeypatch.setattr(SQLiteStore, "_release", release)
    gaps: list[float] = []

    async def ticker(stop: asyncio.Event) -> None:
        last = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    async def go() -> None:
        stop = asyncio.Event()
        ticks = asyncio.ensure_future(ticker(stop))
        await asyncio.sleep(0.05)  # the ticker runs
        async with AsyncOzonClient(
            sandbox=str(tmp_path / "s.sqlite3"), limits=f"sqlite://{tmp_path}/l.db"
        ) as ozon:
            started = time.monotonic()
            await ozon.call("/v3/product/info/list", {"product_id": [1111588191]})
            assert time.monotonic() - started >= 0.8  # the store's calls were made (and slow)
        stop.set()
        await ticks

    asyncio.run(go())
    assert len(gaps) > 20 and max(gaps) < 0.2, max(gaps)  # the loop kept ticking meanwhile
