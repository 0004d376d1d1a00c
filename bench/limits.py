"""What keeping Ozon's limits costs per call, by store: in the process (the default), a SQLite
file, Redis (`oint.core.limits`).

    python bench/limits.py              # every figure (starts a redis-server on a free port)
    python bench/limits.py --call-only  # only client.call on a do-nothing transport (compare trees
                                        # with PYTHONPATH=<other tree>/src)

Figures, median of rounds:
- `client.call` on a transport that answers `{}` at once, to a local host (Ozon's limits off:
  the default path a shared store must not slow): the least CPU time per call of 21 rounds;
- one call's limiter work: `acquire_all` + `release_all` over the two windows a call of
  /v2/products/stocks takes (the account's 50/s, the method's 80/min), over 400 accounts so
  that no window fills (no waiting in the figure), in one process, median of 7 rounds;
- the same from 4 processes at once on one store: calls' limiter work a second all together
  (what one SQLite file or one Redis sustains here, client CPU included).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from multiprocessing import get_context
from typing import Any

ROUNDS, CALLS = 7, 3000
ACCOUNTS = 400  # the accounts one process's calls go round (each used ROUNDS times)
PARALLEL_ACCOUNTS = 4000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Nothing:
    """A transport that answers 200 `{}` at once."""

    base_url = "http://127.0.0.1:9"

    def __init__(self) -> None:
        from oint.core.transport.base import RawResponse

        self.answer = RawResponse(200, {"content-type": "application/json"}, b"{}")

    def request(self, method: str, path: str, headers: Any, body: Any, timeout: Any) -> Any:
        return self.answer

    def close(self) -> None:
        pass


def call_cost() -> float:
    """Least CPU µs per `client.call` over rounds, on the do-nothing transport (limits off)."""
    from oint.ozon import OzonClient

    client = OzonClient("2128753", "key", transport=_Nothing())  # type: ignore[arg-type]
    body = {"product_id": [1]}
    client.call("/v3/product/info/list", body)
    rounds = []
    for _ in range(ROUNDS * 3):
        start = time.process_time()  # CPU time: the machine's other work counts less than in wall time
        for _ in range(CALLS):
            client.call("/v3/product/info/list", body)
        rounds.append((time.process_time() - start) / CALLS * 1e6)
    return min(rounds)


def _windows(url: str | None, account: str) -> list[Any]:
    """A stocks call's two windows: the account's 50 a second, the method's 80 a minute."""
    if url is None:  # the process's own, as before shared stores existed (runs on older trees too)
        from oint.core.retry import shared_limiter

        return [
            shared_limiter(account, "*", 50, 1.0),
            shared_limiter(account, "/v2/products/stocks", 80, 60.0),
        ]
    from oint.core.limits import open_store

    store = open_store(url)
    assert store is not None
    return store.windows(account, "*", [(50, 1.0)]) + store.windows(
        account, "/v2/products/stocks", [(80, 60.0)]
    )


def pair_cost(url: str | None) -> float:
    """Median µs (wall) of acquire_all + release_all over one call's two windows in `url`'s store
    (None: in-process). Calls go round `ACCOUNTS` accounts, each used a few times: no window
    fills, so the figure holds no waiting."""
    from oint.core.retry import acquire_all, release_all

    run = os.urandom(3).hex()
    accounts = [_windows(url, f"bench-{run}-{i}") for i in range(ACCOUNTS)]
    rounds = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for lims in accounts:
            if acquire_all(lims) > 0:
                raise RuntimeError("a window filled up: the figure would include waiting")
            release_all(lims)
        rounds.append((time.perf_counter() - start) / len(accounts) * 1e6)
    return statistics.median(rounds)


def _hammer(url: str, start_at: float, seconds: float) -> int:
    from oint.core.retry import acquire_all, release_all

    run = os.urandom(3).hex()
    accounts = [_windows(url, f"parallel-{run}-{i}") for i in range(PARALLEL_ACCOUNTS)]
    time.sleep(max(0.0, start_at - time.time()))
    done, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        lims = accounts[done % len(accounts)]
        if acquire_all(lims) == 0.0:
            release_all(lims)
            done += 1
    return done


def parallel_rate(url: str, processes: int = 4, seconds: float = 3.0) -> float:
    """Calls' limiter work a second from `processes` processes on one store, all together."""
    start_at = time.time() + 2.0
    with get_context("spawn").Pool(processes) as pool:
        counts = pool.starmap(_hammer, [(url, start_at, seconds)] * processes)
    return sum(counts) / seconds


def _redis() -> tuple[subprocess.Popen[bytes], str, str]:
    folder = tempfile.mkdtemp(prefix="oint-bench-redis-")
    port = _free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", folder],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0", folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--call-only", action="store_true")
    args = parser.parse_args()
    print(f"client.call, do-nothing transport, limits off: {call_cost():.2f} µs/call")
    if args.call_only:
        print(f"in-process limiter work of one call: {pair_cost(None):.2f} µs")
        return
    folder = tempfile.mkdtemp(prefix="oint-bench-limits-")
    sqlite_url = f"sqlite://{folder}/limits.db"
    proc, redis_url, redis_folder = _redis()
    try:
        print("limiter work of one call (acquire_all + release_all, two windows), one process:")
        for name, url in (("in-process", None), ("SQLite", sqlite_url), ("Redis", redis_url)):
            print(f"  {name:10} {pair_cost(url):8.1f} µs")
        print("4 processes at once on one store (pairs/s all together):")
        for name, url in (("SQLite", sqlite_url), ("Redis", redis_url)):
            print(f"  {name:10} {parallel_rate(url):8.0f} /s")
        import redis

        stats = redis.Redis.from_url(redis_url).info("commandstats").get("cmdstat_evalsha", {})
        print(f"Redis's own CPU per script (acquire or release): {stats.get('usec_per_call', 0):.1f} µs")
        print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    finally:
        proc.kill()
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(redis_folder, ignore_errors=True)


if __name__ == "__main__":
    main()
