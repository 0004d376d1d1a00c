"""Client resources under load: memory kept after a large answer, async throughput by pool size.

(a) memory: one 50 MB answer (Content-Length, and chunked), then the Python memory the client
    still holds once the answer itself is dropped (tracemalloc: what the idle keep-alive
    connection keeps until its next request), for oint's transports and httpx;
(b) pool: N concurrent callers looping on one AsyncFastTransport (or, with --client, on an
    AsyncOzonClient over it) against the local uvicorn server of `transport_micro.py` (httptools,
    uvloop when installed, a ~400-byte JSON answer): requests per second by `max_connections`;
    the pool sizes take turns (so machine noise hits them alike), the median of the rounds is
    printed.

    python bench/transport_load.py [--memory-mb 50] [--concurrency 10,100,300] [--pools 1,10,...]
                                   [--seconds 2] [--rounds 3] [--uvloop] [--client]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import socket
import statistics
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
for p in (SRC, HERE):
    if p.is_dir() and str(p) not in sys.path:
        sys.path.insert(0, str(p))

import transport_micro as micro  # noqa: E402  (the shared local server and request)

if TYPE_CHECKING:
    import httpx

MB = 1024 * 1024
REFERENCE_POOL = 10  # the former default pool size


# ---------------------------------------------------------------------------- (a) memory


class BigServer:
    """Answers every request with `size` bytes, framed by Content-Length or chunked (64 KB chunks)."""

    def __init__(self, size: int, chunked: bool) -> None:
        self.body = b"x" * size
        self.chunked = chunked
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        f = conn.makefile("rb")
        try:
            while True:
                length = 0
                line = f.readline()
                if not line:
                    return
                while (h := f.readline()) not in (b"\r\n", b""):
                    if h.lower().startswith(b"content-length:"):
                        length = int(h.split(b":")[1])
                f.read(length)
                if self.chunked:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                    view = memoryview(self.body)
                    for i in range(0, len(view), 65536):
                        part = view[i : i + 65536]
                        conn.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
                    conn.sendall(b"0\r\n\r\n")
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(self.body))
                    conn.sendall(self.body)
        except OSError:
            return
        finally:
            f.close()
            conn.close()

    def close(self) -> None:
        self.sock.close()


def kept(call: Callable[[], int], size: int) -> tuple[float, float]:
    """(MB kept once the answer is dropped, MB peak) around one call returning the body's length."""
    gc.collect()
    tracemalloc.start()
    try:
        got = call()
        assert got == size, got
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return current / MB, peak / MB


def memory(size: int) -> None:
    print(f"(a) Python memory kept by an idle keep-alive client after one {size // MB} MB answer")
    print(f"    {'client':34} {'framing':8} {'kept MB':>8} {'peak MB':>8}")
    for chunked in (False, True):
        srv = BigServer(size, chunked)
        try:
            _memory_of_clients(srv.url, "chunked" if chunked else "length", size)
        finally:
            srv.close()


def _memory_of_clients(url: str, framing: str, size: int) -> None:
    import httpx

    from oint.core.transport.fast import FastTransport
    from oint.core.transport.fast_async import AsyncFastTransport

    sync = FastTransport(url)
    hx = httpx.Client(base_url=url)
    loop = asyncio.new_event_loop()
    aio = AsyncFastTransport(url)
    ahx = loop.run_until_complete(_httpx_async(url))
    cases: list[tuple[str, Callable[[], int]]] = [
        ("oint FastTransport", lambda: len(sync.request("GET", "/", {}, None, 60).content)),
        (
            "oint AsyncFastTransport",
            lambda: len(loop.run_until_complete(aio.request("GET", "/", {}, None, 60)).content),
        ),
        ("httpx.Client", lambda: len(hx.get("/").content)),
        ("httpx.AsyncClient", lambda: len(loop.run_until_complete(ahx.get("/")).content)),
    ]
    for name, call in cases:
        call()  # warm: connection open, imports done
        k, p = kept(call, size)
        print(f"    {name:34} {framing:8} {k:8.2f} {p:8.1f}")
    sync.close()
    hx.close()
    loop.run_until_complete(aio.aclose())
    loop.run_until_complete(ahx.aclose())
    loop.close()


async def _httpx_async(url: str) -> httpx.AsyncClient:
    import httpx

    return httpx.AsyncClient(base_url=url)


# ---------------------------------------------------------------------------- (b) pool size


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process so far, from /proc (Linux); nan elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _throughput(
    url: str, pool: int, concurrency: int, seconds: float, client: bool, server_pid: int
) -> tuple[float, float, float]:
    """Requests per second of `concurrency` callers looping on one transport (or AsyncOzonClient),
    and the CPU µs per request of the client (this process) and of the server."""
    from oint.core.transport.fast_async import AsyncFastTransport
    from oint.ozon import AsyncOzonClient

    t = AsyncFastTransport(url, max_connections=pool)
    ozon = AsyncOzonClient("123456", "key", base_url=url, transport=t, max_retries=0)
    body = json.loads(micro.REQ_BODY)
    done = 0
    stop = False

    async def worker() -> None:
        nonlocal done
        while not stop:
            if client:
                await ozon.request("POST", micro.PATH, body)
            else:
                r = await t.request("POST", micro.PATH, micro.HEADERS, micro.REQ_BODY, 30.0)
                if r.status != 200:
                    raise SystemExit(f"bad answer {r.status}")
            done += 1

    workers = [asyncio.ensure_future(worker()) for _ in range(concurrency)]
    await asyncio.sleep(min(0.5, seconds / 4))  # warm: the pool opens, the server settles
    start, t0, c0, s0 = done, time.perf_counter(), time.process_time(), cpu_seconds(server_pid)
    await asyncio.sleep(seconds)
    n = done - start
    rate = n / (time.perf_counter() - t0)
    client_us = (time.process_time() - c0) / n * 1e6
    server_us = (cpu_seconds(server_pid) - s0) / n * 1e6
    stop = True
    await asyncio.gather(*workers)
    await ozon.aclose()
    return rate, client_us, server_us


def pools(
    pool_sizes: list[int], concurrencies: list[int], seconds: float, rounds: int, uvloop_: bool, client: bool
) -> None:
    proc, port = micro.start_server()
    url = f"http://127.0.0.1:{port}"
    who = "AsyncOzonClient.request" if client else "AsyncFastTransport.request"
    print(
        f"(b) {who} ({'uvloop' if uvloop_ else 'asyncio'} loop) -> uvicorn httptools"
        f"{' + uvloop' if micro.have('uvloop') else ''}, 1 process; req/s over {seconds:g} s, "
        f"median of {rounds} interleaved rounds (in brackets: median ratio to pool size {REFERENCE_POOL} "
        "within a round)"
    )
    try:
        for conc in concurrencies:
            rates: dict[int, list[float]] = {p: [] for p in pool_sizes}
            cpu: dict[int, list[tuple[float, float]]] = {p: [] for p in pool_sizes}
            for _ in range(rounds):
                for p in pool_sizes:
                    if uvloop_:
                        import uvloop

                        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
                    else:
                        loop = asyncio.new_event_loop()
                    try:
                        rate, client_us, server_us = loop.run_until_complete(
                            _throughput(url, p, conc, seconds, client, proc.pid)
                        )
                        rates[p].append(rate)
                        cpu[p].append((client_us, server_us))
                    finally:
                        loop.close()
            # each round runs every pool size back to back: the ratio to the reference size within a
            # round cancels most of the drift of a shared machine
            ref = REFERENCE_POOL if REFERENCE_POOL in rates else pool_sizes[0]
            cells = []
            for p in pool_sizes:
                ratio = statistics.median([a / b for a, b in zip(rates[p], rates[ref], strict=True)])
                cells.append(f"{p:>3}: {statistics.median(rates[p]):6.0f} ({ratio:4.2f}x)")
            print(f"    {conc:>4} concurrent calls, pool size -> " + "  ".join(cells), flush=True)
            cells = []
            for p in pool_sizes:
                client_us = statistics.median([c for c, _ in cpu[p]])
                server_us = statistics.median([s for _, s in cpu[p]])
                cells.append(f"{p:>3}: {client_us:3.0f}+{server_us:3.0f}")
            print("         CPU µs per request, client+server -> " + "    ".join(cells), flush=True)
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--memory-mb", type=int, default=50)
    ap.add_argument("--concurrency", default="10,100,300")
    ap.add_argument("--pools", default="1,5,10,20,50,100,200")
    ap.add_argument("--seconds", type=float, default=2.0, help="measured time per throughput run")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--uvloop", action="store_true", help="run the client on uvloop too")
    ap.add_argument("--client", action="store_true", help="through AsyncOzonClient too (JSON both ways)")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--skip-pool", action="store_true")
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    if not args.skip_memory:
        memory(args.memory_mb * MB)
    if not args.skip_pool:
        sizes = [int(x) for x in args.pools.split(",")]
        concs = [int(x) for x in args.concurrency.split(",")]
        loops = [False] + ([True] if args.uvloop and micro.have("uvloop") else [])
        for client in [False] + ([True] if args.client else []):
            for uv in loops:
                pools(sizes, concs, args.seconds, args.rounds, uv, client)


if __name__ == "__main__":
    main()
