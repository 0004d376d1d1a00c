"""Per-call overhead of HTTP transports against a local uvicorn server.

Starts uvicorn (httptools, and uvloop when installed) on a free port in a subprocess,
then times sequential POSTs of a ~100-byte JSON body answered by a ~400-byte JSON
body. Clients take turns in short batches (so machine noise hits them alike) and the
median µs per call of each is printed, with its distance from a raw-socket floor.

    python bench/transport_micro.py [--calls 2000] [--batch 100] [--before COMMIT]

`--before COMMIT` also times the fast transports as they were at that commit (their files taken
with `git show`, imported as the package `before_transport`), interleaved with today's.
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

from harness import accepting, free_port

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


def start_server() -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    if not accepting(port, proc):
        proc.kill()
        raise SystemExit("server did not start")
    return proc, port


# ---------------------------------------------------------------------------- clients
#
# Every client is a `Runner`: it keeps its connection (and, if async, its event loop) across
# batches, so the batches of all clients can be interleaved; a busy or noisy machine then
# slows every client alike instead of whichever happened to run at the wrong moment.


def check(status: int, body: bytes) -> None:
    if status != 200 or body != RESP_BODY:
        raise SystemExit(f"bad answer: {status} {body[:80]!r}")


class Runner:
    """Times `batch(n)` sequential calls; subclasses supply one call."""

    def call(self) -> None:
        raise NotImplementedError

    def batch(self, n: int) -> list[float]:
        out = []
        clock = time.perf_counter_ns
        call = self.call
        for _ in range(n):
            t0 = clock()
            call()
            out.append((clock() - t0) / 1000)
        return out

    def close(self) -> None:
        pass


class AsyncRunner(Runner):
    """Runs an async call on a private loop (asyncio's, or uvloop's) kept between batches."""

    def __init__(self, use_uvloop: bool = False) -> None:
        if use_uvloop:
            import uvloop

            self.loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        else:
            self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.setup())

    async def setup(self) -> None:
        pass

    async def acall(self) -> None:
        raise NotImplementedError

    async def abatch(self, n: int) -> list[float]:
        out = []
        clock = time.perf_counter_ns
        acall = self.acall
        for _ in range(n):
            t0 = clock()
            await acall()
            out.append((clock() - t0) / 1000)
        return out

    def batch(self, n: int) -> list[float]:
        return self.loop.run_until_complete(self.abatch(n))

    async def aclose(self) -> None:
        pass

    def close(self) -> None:
        self.loop.run_until_complete(self.aclose())
        self.loop.close()


class RawSocket(Runner):
    """The floor: one prebuilt request, read until the known end of the response."""

    def __init__(self, base: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        head = "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
        self.req = (
            f"POST {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}Content-Length: {len(REQ_BODY)}\r\n\r\n"
        ).encode() + REQ_BODY

    def call(self) -> None:
        sock = self.sock
        sock.sendall(self.req)
        data = sock.recv(65536)
        while not data.endswith(RESP_BODY):
            data += sock.recv(65536)

    def close(self) -> None:
        self.sock.close()


BEFORE_FILES = ("_http1.py", "fast.py", "fast_async.py")


def load_before(commit: str, folder: str) -> None:
    """Put the fast transports of `commit` into `folder`/before_transport and make it importable."""
    pkg = Path(folder) / "before_transport"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name in BEFORE_FILES:
        text = subprocess.run(
            ["git", "show", f"{commit}:src/oint/ozon/transport/{name}"],  # relayout: keep (an old commit)
            capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent,
        ).stdout  # fmt: skip
        text = text.replace("oint.ozon.transport._http1", "before_transport._http1")  # relayout: keep
        (pkg / name).write_text(text)
    sys.path.insert(0, folder)


class Fast(Runner):
    def __init__(self, base: str, module: str = "oint.core.transport.fast") -> None:
        import importlib

        self.t = importlib.import_module(module).FastTransport(base)

    def call(self) -> None:
        r = self.t.request("POST", PATH, HEADERS, REQ_BODY, 30.0)
        check(r.status, r.content)

    def close(self) -> None:
        self.t.close()


class AsyncFast(AsyncRunner):
    def __init__(
        self, base: str, use_uvloop: bool = False, module: str = "oint.core.transport.fast_async"
    ) -> None:
        import importlib

        self.t = importlib.import_module(module).AsyncFastTransport(base)
        super().__init__(use_uvloop)

    async def acall(self) -> None:
        r = await self.t.request("POST", PATH, HEADERS, REQ_BODY, 30.0)
        check(r.status, r.content)

    async def aclose(self) -> None:
        await self.t.aclose()


class Httpx(Runner):
    def __init__(self, base: str) -> None:
        import httpx

        self.c = httpx.Client(base_url=base, headers=HEADERS)

    def call(self) -> None:
        r = self.c.post(PATH, content=REQ_BODY, timeout=30.0)
        check(r.status_code, r.content)

    def close(self) -> None:
        self.c.close()


class AsyncHttpx(AsyncRunner):
    def __init__(self, base: str) -> None:
        self.base = base
        super().__init__()

    async def setup(self) -> None:
        import httpx

        self.c = httpx.AsyncClient(base_url=self.base, headers=HEADERS)

    async def acall(self) -> None:
        r = await self.c.post(PATH, content=REQ_BODY, timeout=30.0)
        check(r.status_code, r.content)

    async def aclose(self) -> None:
        await self.c.aclose()


class Aiohttp(AsyncRunner):
    def __init__(self, base: str, use_uvloop: bool = False) -> None:
        self.base = base
        super().__init__(use_uvloop)

    async def setup(self) -> None:
        import aiohttp

        self.s = aiohttp.ClientSession(self.base, headers=HEADERS)
        self.timeout = aiohttp.ClientTimeout(total=30.0)

    async def acall(self) -> None:
        async with self.s.post(PATH, data=REQ_BODY, timeout=self.timeout) as r:
            check(r.status, await r.read())

    async def aclose(self) -> None:
        await self.s.close()


def have(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=2000, help="timed calls per client")
    ap.add_argument("--batch", type=int, default=100, help="calls per client per turn")
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--before", metavar="COMMIT", help="also time the fast transports of COMMIT")
    args = ap.parse_args()
    if args.serve:
        serve(args.serve)
        return
    if args.before:
        import tempfile

        load_before(args.before, tempfile.mkdtemp(prefix="oint-before-"))

    uv = have("uvloop")
    cases: list[tuple[str, Callable[[str], Runner]]] = [
        ("raw socket, prebuilt request (floor)", RawSocket),
        ("oint FastTransport", Fast),
        ("oint AsyncFastTransport (asyncio)", AsyncFast),
    ]
    if uv:
        cases.append(("oint AsyncFastTransport (uvloop)", lambda b: AsyncFast(b, True)))
    if args.before:
        old_async = "before_transport.fast_async"
        cases += [
            ("before: FastTransport", lambda b: Fast(b, "before_transport.fast")),
            ("before: AsyncFastTransport (asyncio)", lambda b: AsyncFast(b, False, old_async)),
        ]
        if uv:
            cases.append(("before: AsyncFastTransport (uvloop)", lambda b: AsyncFast(b, True, old_async)))
    cases += [("httpx.Client", Httpx), ("httpx.AsyncClient", AsyncHttpx)]
    if have("aiohttp"):
        cases.append(("aiohttp ClientSession (asyncio)", Aiohttp))
        if uv:
            cases.append(("aiohttp ClientSession (uvloop)", lambda b: Aiohttp(b, True)))

    proc, port = start_server()
    base = f"http://127.0.0.1:{port}"
    print(
        f"server: uvicorn httptools{' + uvloop' if uv else ''} on {base}; {args.calls} sequential POSTs "
        f"per client in interleaved turns of {args.batch}; request {len(REQ_BODY)} B, "
        f"response {len(RESP_BODY)} B; python {sys.version.split()[0]}, pid {os.getpid()}"
    )
    runners: list[tuple[str, Runner]] = []
    try:
        for name, make in cases:
            r = make(base)
            runners.append((name, r))
            r.batch(args.warmup)
        samples: dict[str, list[float]] = {name: [] for name, _ in runners}
        done = 0
        while done < args.calls:
            n = min(args.batch, args.calls - done)
            for name, r in runners:
                samples[name] += r.batch(n)
            done += n
        floor = statistics.median(samples[runners[0][0]])
        print(f"{'client':40} {'median µs':>10} {'p90 µs':>8} {'over floor':>11}")
        for name, xs in samples.items():
            xs.sort()
            med = statistics.median(xs)
            print(f"{name:40} {med:10.1f} {xs[int(len(xs) * 0.9)]:8.1f} {med - floor:+11.1f}")
    finally:
        for _, r in runners:
            r.close()
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
