"""The client's rate limiter and the sandbox's agree: with limits on at both ends, a client
(or several concurrent tasks of one account) never meets a 429."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, SandboxServer, start_server

from oint.core.retry import RateLimiter, acquire_all, release_all
from oint.ozon import AsyncOzonClient, OzonClient

BODY = {"product_id": [1111588191]}


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[SandboxServer]:
    """A sandbox server with Ozon's limits on (the shared one runs without them)."""
    server = start_server(str(tmp_path / "limited.sqlite3"))
    yield server
    server.stop()


def _statuses(server: SandboxServer) -> dict[str, int]:
    counts: dict[str, int] = server.request_log(limit=1)["statuses"]
    return counts


def test_async_tasks_at_the_global_limit_meet_no_429(limited: SandboxServer) -> None:
    """4 concurrent tasks, 160 calls of one account: about 3.3 s at 50/s, zero 429s."""

    async def go() -> float:
        async with AsyncOzonClient(
            DEMO_CLIENT_ID, DEMO_API_KEY, base_url=limited.url, rate_limit=True, max_retries=0
        ) as ozon:

            async def task() -> None:
                for _ in range(40):
                    await ozon.call("/v3/product/info/list", BODY)

            start = time.monotonic()
            await asyncio.gather(*(task() for _ in range(4)))
            return time.monotonic() - start

    elapsed = asyncio.run(go())
    assert _statuses(limited) == {"200": 160}
    assert elapsed >= 2 * 1.0  # 160 calls at <= 50 per second: past two full windows


def test_sync_clients_in_threads_share_the_account_limit(limited: SandboxServer) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with OzonClient(
                DEMO_CLIENT_ID, DEMO_API_KEY, base_url=limited.url, rate_limit=True, max_retries=0
            ) as ozon:
                for _ in range(40):
                    ozon.call("/v3/product/info/list", BODY)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _statuses(limited) == {"200": 120}


def test_method_limit_on_a_scaled_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """stocks: 80 a minute; with OINT_TIME_SCALE=60 at both ends a minute lasts a second."""
    server = start_server(str(tmp_path / "scaled.sqlite3"), env={"OINT_TIME_SCALE": "60"})
    monkeypatch.setenv("OINT_TIME_SCALE", "60")
    try:
        body = {"stocks": [{"offer_id": "143210609", "warehouse_id": 1020005000050693, "stock": 3}]}
        with OzonClient(
            DEMO_CLIENT_ID, DEMO_API_KEY, base_url=server.url, rate_limit=True, max_retries=0
        ) as ozon:
            start = time.monotonic()
            for _ in range(200):
                ozon.call("/v2/products/stocks", body)
            elapsed = time.monotonic() - start
        counts = _statuses(server)
    finally:
        server.stop()
    assert counts == {"200": 200}
    assert 1.4 < elapsed < 6  # 80 per (scaled) minute: 200 calls span two and a half windows


def test_limiter_windows_never_hold_more_than_the_limit() -> None:
    """Randomised starts through acquire_all: every window of every limiter holds <= rate."""
    import random

    rng = random.Random(7)
    now = [0.0]
    fast = RateLimiter(50, 1.0, clock=lambda: now[0])
    slow = RateLimiter(80, 60.0, clock=lambda: now[0])
    starts: dict[str, list[float]] = {"fast": [], "both": []}
    for _ in range(2000):
        both = rng.random() < 0.3
        lims = (fast, slow) if both else (fast,)
        while wait := acquire_all(lims):
            now[0] += wait
        starts["both" if both else "fast"].append(now[0])
        now[0] += rng.choice((0.0, 0.0, 0.001, 0.05))  # the answer's latency
        release_all(lims)
    every = sorted(starts["fast"] + starts["both"])
    assert all(every[i] - every[i - 50] >= 1.0 - 1e-9 for i in range(50, len(every)))
    slow_starts = starts["both"]
    assert all(slow_starts[i] - slow_starts[i - 80] >= 60.0 - 1e-9 for i in range(80, len(slow_starts)))
