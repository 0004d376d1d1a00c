"""Per-call overhead of HTTP transports against a local uvicorn server.

Starts uvicorn (httptools, and uvloop when installed) on a free port in a subprocess,
then times sequential POSTs of a ~100-byte JSON body answered by a ~400-byte JSON
body, one client at a time, and prints the median µs per call.

    python bench/transport_micro.py [--calls 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
if SRC.is_dir() and str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

PATH = "/v3/product/list"
REQ_BODY = json.dumps(
    {"filter": {"visibility": "ALL", "offer_id": ["SKU-1", "SKU-2"]}, "last_id": "", "limit": 100}
).encode()
RESP_BODY = json.dumps(
    {
        "result": {
            "items": [
                {"product_id": 100000 + i, "offer_id": f"SKU-{i}", "archived": False, "has_fbo_stocks": True}
                for i in range(4)
            ],
            "total": 4,
            "last_id": "WzEwMDAwMywxMDAwMDNd",
        }
    }
).encode()
HEADERS = {
    "Client-Id": "123456",
    "Api-Key": "00000000-0000-0000-0000-000000000000",
    "Content-Type": "application/json",
    "User-Agent": "oint-bench/0",
}


# ---------------------------------------------------------------------------- server


async def app(
    scope: dict[str, object],
    receive: Callable[[], Awaitable[dict[str, object]]],
    send: Callable[[dict[str, object]], Awaitable[None]],
) -> None:
    """A raw ASGI app: drain the request, answer the fixed JSON."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(RESP_BODY))],
        }
    )
    await send({"type": "http.response.body", "body": RESP_BODY})


def serve(port: int) -> None:
    import uvicorn

    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    uvicorn.run(
        app, host="127.0.0.1", port=port, loop=loop, http="httptools", log_level="warning", access_log=False
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("server did not start")


# ---------------------------------------------------------------------------- clients


def time_sync(call: Callable[[], object], n: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    out = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t0 = clock()
        call()
        out.append((clock() - t0) / 1000)
    return out


async def time_async(call: Callable[[], Awaitable[object]], n: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        await call()
    out = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t0 = clock()
        await call()
        out.append((clock() - t0) / 1000)
    return out


def check(status: int, body: bytes) -> None:
    if status != 200 or body != RESP_BODY:
        raise SystemExit(f"bad answer: {status} {body[:80]!r}")


def bench_raw_socket(base: str, n: int, warmup: int) -> list[float]:
    """The floor: one prebuilt request, read until the known response length."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    head = "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
    req = (
        f"POST {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}Content-Length: {len(REQ_BODY)}\r\n\r\n"
    ).encode() + REQ_BODY
    tail = b"\r\n\r\n" + RESP_BODY

    def call() -> None:
        sock.sendall(req)
        data = sock.recv(65536)
        while not data.endswith(tail):
            data += sock.recv(65536)

    try:
        return time_sync(call, n, warmup)
    finally:
        sock.close()


def bench_fast(base: str, n: int, warmup: int) -> list[float]:
    from oint.ozon.transport.fast import FastTransport

    t = FastTransport(base)

    def call() -> None:
        r = t.request("POST", PATH, HEADERS, REQ_BODY, 30.0)
        check(r.status, r.content)

    try:
        return time_sync(call, n, warmup)
    finally:
        t.close()


def bench_async_fast(base: str, n: int, warmup: int, use_uvloop: bool = False) -> list[float]:
    from oint.ozon.transport.fast import AsyncFastTransport

    async def main() -> list[float]:
        t = AsyncFastTransport(base)

        async def call() -> None:
            r = await t.request("POST", PATH, HEADERS, REQ_BODY, 30.0)
            check(r.status, r.content)

        try:
            return await time_async(call, n, warmup)
        finally:
            await t.aclose()

    return run(main(), use_uvloop)


def bench_httpx(base: str, n: int, warmup: int) -> list[float]:
    import httpx

    c = httpx.Client(base_url=base, headers=HEADERS)

    def call() -> None:
        r = c.post(PATH, content=REQ_BODY, timeout=30.0)
        check(r.status_code, r.content)

    try:
        return time_sync(call, n, warmup)
    finally:
        c.close()


def bench_httpx_async(base: str, n: int, warmup: int) -> list[float]:
    import httpx

    async def main() -> list[float]:
        async with httpx.AsyncClient(base_url=base, headers=HEADERS) as c:

            async def call() -> None:
                r = await c.post(PATH, content=REQ_BODY, timeout=30.0)
                check(r.status_code, r.content)

            return await time_async(call, n, warmup)

    return run(main())


def bench_aiohttp(base: str, n: int, warmup: int, use_uvloop: bool = False) -> list[float]:
    import aiohttp

    async def main() -> list[float]:
        async with aiohttp.ClientSession(base, headers=HEADERS) as s:
            timeout = aiohttp.ClientTimeout(total=30.0)

            async def call() -> None:
                async with s.post(PATH, data=REQ_BODY, timeout=timeout) as r:
                    check(r.status, await r.read())

            return await time_async(call, n, warmup)

    return run(main(), use_uvloop)


def run(coro: Awaitable[list[float]], use_uvloop: bool = False) -> list[float]:
    async def wrap() -> list[float]:
        return await coro

    if use_uvloop:
        import uvloop

        return uvloop.run(wrap())
    return asyncio.run(wrap())


def have(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="each client runs this many times (interleaved); the best median is shown",
    )
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve)
        return

    cases: list[tuple[str, Callable[[str, int, int], list[float]]]] = [
        ("raw socket, prebuilt request (floor)", bench_raw_socket),
        ("oint FastTransport", bench_fast),
        ("oint AsyncFastTransport (asyncio)", bench_async_fast),
    ]
    if have("uvloop"):
        cases.append(("oint AsyncFastTransport (uvloop)", lambda b, n, w: bench_async_fast(b, n, w, True)))
    cases += [("httpx.Client", bench_httpx), ("httpx.AsyncClient", bench_httpx_async)]
    if have("aiohttp"):
        cases.append(("aiohttp ClientSession (asyncio)", bench_aiohttp))
        if have("uvloop"):
            cases.append(("aiohttp ClientSession (uvloop)", lambda b, n, w: bench_aiohttp(b, n, w, True)))

    proc, port = start_server()
    base = f"http://127.0.0.1:{port}"
    print(
        f"server: uvicorn httptools{' + uvloop' if have('uvloop') else ''} on {base}; "
        f"{args.calls} sequential POSTs x {args.rounds} rounds; request {len(REQ_BODY)} B, "
        f"response {len(RESP_BODY)} B; python {sys.version.split()[0]}, pid {os.getpid()}"
    )
    print(f"{'client':40} {'median µs':>10} {'p90 µs':>8}")
    results: dict[str, list[list[float]]] = {name: [] for name, _ in cases}
    try:
        # Rounds go round-robin over the clients so that drift on a busy machine hits all alike.
        for _ in range(args.rounds):
            for name, fn in cases:
                results[name].append(sorted(fn(base, args.calls, args.warmup)))
        for name, rounds in results.items():
            best = min(rounds, key=statistics.median)
            p90 = best[int(len(best) * 0.9)]
            print(f"{name:40} {statistics.median(best):10.1f} {p90:8.1f}", flush=True)
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
