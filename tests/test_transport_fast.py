"""FastTransport / AsyncFastTransport against real local servers.

Two kinds of server run in background threads: uvicorn with a tiny raw ASGI app (the
normal, well-behaved peer), and a scripted socket server for the awkward cases (stale
keep-alive connections, close-delimited bodies, HTTP/1.0, malformed answers).
Every behaviour is checked for both transports (the async one on asyncio's loop and, if
installed, uvloop's); async-only tests use `asyncio.run`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import parse_qs

import pytest
import uvicorn

from oint.core.transport._http1 import _Origin
from oint.core.transport.base import (
    AsyncTransport,
    RawResponse,
    SyncTransport,
    TransportError,
    TransportTimeout,
)
from oint.core.transport.fast import FastTransport
from oint.core.transport.fast_async import AsyncFastTransport

uvloop: Any
try:
    import uvloop
except ImportError:  # optional: the async transport is also checked on uvloop when present
    uvloop = None

SECRET = "SECRET-API-KEY-0123456789"
HEADERS = {"Client-Id": "42", "Api-Key": SECRET, "Content-Type": "application/json"}


# ---------------------------------------------------------------------------- servers


def free_port(host: str = "127.0.0.1") -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Echo and misbehave on demand: /echo, /chunked, /close, /sleep?s=, /big?n=, ?status=."""
    if scope["type"] != "http":
        return
    body = b""
    while True:
        msg = await receive()
        body += msg.get("body", b"")
        if not msg.get("more_body"):
            break
    path: str = scope["path"]
    query = parse_qs(scope["query_string"].decode())
    if path.endswith("/sleep"):
        await asyncio.sleep(float(query["s"][0]))
    if path.endswith("/chunked"):
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        for part in (b"alpha-", b"beta-", b"gamma"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    if path.endswith("/big"):
        payload = b"x" * int(query["n"][0])
    else:
        payload = json.dumps(
            {
                "method": scope["method"],
                "path": path,
                "query": scope["query_string"].decode(),
                "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
                "body": body.decode(),
                "body_len": len(body),
                "port": scope["client"][1],
            }
        ).encode()
    headers = [
        (b"Content-Type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"X-Test", b"yes"),
        (b"x-multi", b"a"),
        (b"x-multi", b"b"),
    ]
    if path.endswith("/close"):
        headers.append((b"connection", b"close"))
    status = int(query.get("status", ["200"])[0])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class UvicornThread:
    """uvicorn serving `asgi_app` from a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", **config: Any) -> None:
        self.host = host
        self.port = free_port(host)
        cfg = uvicorn.Config(
            asgi_app,
            host=host,
            port=self.port,
            loop="asyncio",
            http="httptools",
            lifespan="off",
            log_level="error",
            access_log=False,
            **config,
        )
        self.server = uvicorn.Server(cfg)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def server() -> Iterator[UvicornThread]:
    srv = UvicornThread()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def base(server: UvicornThread) -> str:
    return f"http://127.0.0.1:{server.port}"


def read_request(f: BinaryIO) -> tuple[bytes, dict[bytes, bytes], bytes] | None:
    """One request from a socket file, or None when the client closed."""
    line = f.readline()
    if not line:
        return None
    headers: dict[bytes, bytes] = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.partition(b":")
        headers[k.strip().lower()] = v.strip()
    body = f.read(int(headers.get(b"content-length", b"0")))
    return line, headers, body


def answer(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


Handler = Callable[[socket.socket, BinaryIO, int], None]


class ScriptServer:
    """Accepts connections and runs `handler(sock, file, index)` for each in its own thread."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1") -> None:
        self.handler = handler
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(32)
        self.sock.settimeout(0.1)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self.requests = 0
        self.lock = threading.Lock()
        self.stopping = False
        self.threads: list[threading.Thread] = []
        self.conns: list[socket.socket] = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def _accept(self) -> None:
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with self.lock:
                index = self.connections
                self.connections += 1
            self.conns.append(conn)
            t = threading.Thread(target=self._serve, args=(conn, index), daemon=True)
            self.threads.append(t)
            t.start()

    def _serve(self, conn: socket.socket, index: int) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = conn.makefile("rb")
        try:
            self.handler(conn, f, index)
        except OSError:
            pass
        finally:
            f.close()
            conn.close()

    def read(self, f: BinaryIO) -> tuple[bytes, dict[bytes, bytes], bytes] | None:
        req = read_request(f)
        if req is not None:
            with self.lock:
                self.requests += 1
        return req

    def __enter__(self) -> ScriptServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping = True
        self.acceptor.join(5)
        self.sock.close()
        for conn in self.conns:  # wake handlers blocked reading from clients still connected
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in self.threads:
            t.join(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


# ---------------------------------------------------------------------------- helpers


class Both:
    """Drive either transport through one synchronous interface, so each test runs twice."""

    def __init__(self, kind: str, base_url: str, **kw: Any) -> None:
        self.kind = kind
        if kind == "sync":
            self.sync: FastTransport | None = FastTransport(base_url, **kw)
            self.aio: AsyncFastTransport | None = None
        else:
            self.sync = None
            self.aio = AsyncFastTransport(base_url, **kw)
            self.loop = uvloop.new_event_loop() if kind == "uvloop" else asyncio.new_event_loop()

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        timeout: float | None = 5.0,
        headers: dict[str, str] | None = None,
    ) -> RawResponse:
        h = HEADERS if headers is None else headers
        if self.sync is not None:
            return self.sync.request(method, path, h, body, timeout)
        assert self.aio is not None
        return self.loop.run_until_complete(self.aio.request(method, path, h, body, timeout))

    def run(self, coro: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(coro)

    @property
    def pool(self) -> FastTransport | AsyncFastTransport:
        t = self.sync or self.aio
        assert t is not None
        return t

    def close(self) -> None:
        if self.sync is not None:
            self.sync.close()
        elif not self.loop.is_closed():
            assert self.aio is not None
            self.loop.run_until_complete(self.aio.aclose())
            self.loop.close()


@pytest.fixture(
    params=[
        "sync",
        "async",
        pytest.param("uvloop", marks=pytest.mark.skipif(uvloop is None, reason="uvloop not installed")),
    ]
)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make(kind: str) -> Iterator[Callable[..., Both]]:
    made: list[Both] = []

    def factory(base_url: str, **kw: Any) -> Both:
        b = Both(kind, base_url, **kw)
        made.append(b)
        return b

    yield factory
    for b in made:
        b.close()


def echo(resp: RawResponse) -> dict[str, Any]:
    assert resp.status == 200, resp
    data: dict[str, Any] = json.loads(resp.content)
    return data


# ---------------------------------------------------------------------------- basics


def test_protocols() -> None:
    assert isinstance(FastTransport("http://127.0.0.1:1"), SyncTransport)
    assert isinstance(AsyncFastTransport("http://127.0.0.1:1"), AsyncTransport)


def test_origin_parsing() -> None:
    o = _Origin("http://[::1]:8080")
    assert (o.connect_host, o.port, o.host_line, o.prefix) == ("::1", 8080, "Host: [::1]:8080\r\n", "")
    o = _Origin("https://api-seller.ozon.ru")
    assert (o.connect_host, o.port, o.host_line, o.tls) == (
        "api-seller.ozon.ru",
        443,
        "Host: api-seller.ozon.ru\r\n",
        True,
    )
    o = _Origin("http://host:1/prefix/")
    assert o.prefix == "/prefix"
    assert o.encode("POST", "/v1/x?a=1", {}, b"{}")[0].startswith(
        b"POST /prefix/v1/x?a=1 HTTP/1.1\r\nHost: host:1\r\n"
    )
    for bad in ("ftp://x", "http://", "http://h/p?q=1", "http://u:p@h"):
        with pytest.raises(ValueError):
            _Origin(bad)


def test_json_round_trip(make: Callable[..., Both], base: str) -> None:
    t = make(base)
    body = json.dumps({"filter": {"visibility": "ALL"}, "limit": 100}).encode()
    r = t.request("POST", "/v3/product/list?x=1", body)
    assert r.status == 200
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-test"] == "yes"
    assert r.headers["x-multi"] == "a, b"
    assert all(k == k.lower() for k in r.headers)
    seen = echo(r)
    assert seen["method"] == "POST"
    assert seen["path"] == "/v3/product/list"
    assert seen["query"] == "x=1"
    assert seen["body"] == body.decode()
    host, port = base.removeprefix("http://").split(":")
    assert seen["headers"]["host"] == f"{host}:{port}"
    assert seen["headers"]["api-key"] == SECRET
    assert seen["headers"]["client-id"] == "42"
    assert seen["headers"]["content-length"] == str(len(body))


def test_status_and_methods(make: Callable[..., Both], base: str) -> None:
    t = make(base)
    r = t.request("POST", "/echo?status=404", b"{}")
    assert r.status == 404 and json.loads(r.content)["body"] == "{}"
    seen = echo(t.request("GET", "/echo", None))
    assert seen["method"] == "GET" and "content-length" not in seen["headers"]
    seen = echo(t.request("POST", "/echo", None))
    assert seen["headers"]["content-length"] == "0"
    # HEAD: headers (with a Content-Length) but no body; the connection stays usable
    r = t.request("HEAD", "/echo", None)
    assert r.status == 200 and r.content == b"" and int(r.headers["content-length"]) > 0
    assert echo(t.request("POST", "/echo", b"{}"))["body"] == "{}"


def test_transport_owns_host_and_length(make: Callable[..., Both], base: str) -> None:
    t = make(base)
    seen = echo(
        t.request("POST", "/echo", b"abc", headers={"Host": "evil", "content-length": "99", "X-A": "1"})
    )
    assert seen["headers"]["content-length"] == "3"
    assert seen["headers"]["host"] != "evil"
    assert seen["headers"]["x-a"] == "1"


def test_connection_reuse(make: Callable[..., Both], base: str) -> None:
    t = make(base)
    ports = {echo(t.request("POST", "/echo", b'{"i": %d}' % i))["port"] for i in range(50)}
    assert len(ports) == 1
    assert t.pool._open == 1


def test_headers_change_between_calls(make: Callable[..., Both], base: str) -> None:
    t = make(base)
    h = dict(HEADERS)
    assert echo(t.request("POST", "/echo", b"{}", headers=h))["headers"]["client-id"] == "42"
    h["Client-Id"] = "43"  # the rendered-header cache must notice in-place changes
    assert echo(t.request("POST", "/echo", b"{}", headers=h))["headers"]["client-id"] == "43"


def test_chunked_response(make: Callable[..., Both], base: str) -> None:
    t = make(base)
    for _ in range(3):
        r = t.request("POST", "/chunked", b"{}")
        assert r.status == 200
        assert r.headers["transfer-encoding"] == "chunked"
        assert r.content == b"alpha-beta-gamma"
    assert t.pool._open == 1


def test_large_bodies(make: Callable[..., Both], base: str) -> None:
    t = make(base)
    big = b'"' + b"y" * 300_000 + b'"'
    assert echo(t.request("POST", "/echo", big))["body_len"] == len(big)
    r = t.request("GET", "/big?n=2000000", None)
    assert r.content == b"x" * 2_000_000


def test_idle_connection_keeps_no_large_buffer(make: Callable[..., Both]) -> None:
    """After a large answer the idle keep-alive connection holds only its small fixed buffers."""
    size = 20_000_000
    big = answer(b"x" * size)  # made before tracing: the server allocates nothing while traced

    def handler(sock: socket.socket, f: BinaryIO, i: int) -> None:
        while (req := srv.read(f)) is not None:
            sock.sendall(big if req[0].startswith(b"GET") else answer(b"{}"))

    with ScriptServer(handler) as srv:
        t = make(srv.url)
        assert t.request("POST", "/", b"{}").content == b"{}"  # connection open, caches warm
        gc.collect()
        tracemalloc.start()
        try:
            r = t.request("GET", "/big", None)
            assert len(r.content) == size
            del r
            gc.collect()
            kept, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak > size  # the answer was there
        assert kept < 1_000_000, f"{kept} bytes kept after the answer was dropped"
        (conn,) = t.pool._idle
        assert conn.chunks == [] and len(getattr(conn, "buf", b"")) <= 65536
        assert t.request("POST", "/", b"{}").content == b"{}"  # and the connection is reused
        assert srv.connections == 1


def test_base_url_with_prefix(make: Callable[..., Both], server: UvicornThread) -> None:
    for prefix in ("/api/v1", "/api/v1/"):
        t = make(f"http://127.0.0.1:{server.port}{prefix}")
        seen = echo(t.request("POST", "/echo?a=b", b"{}"))
        assert seen["path"] == "/api/v1/echo" and seen["query"] == "a=b"
        assert echo(t.request("POST", "echo", b"{}"))["path"] == "/api/v1/echo"


# ---------------------------------------------------------------------------- connection lifecycle


def test_connection_close_response(make: Callable[..., Both], base: str) -> None:
    t = make(base)
    ports = set()
    for _ in range(3):
        r = t.request("POST", "/close", b"{}")
        assert r.headers["connection"] == "close"
        ports.add(echo(r)["port"])
    assert len(ports) == 3
    assert t.pool._open == 0 and not t.pool._idle
    assert echo(t.request("POST", "/echo", b"{}"))["body"] == "{}"


def test_server_closes_idle_connection(make: Callable[..., Both]) -> None:
    def handler(sock: socket.socket, f: BinaryIO, i: int) -> None:
        while srv.read(f) is not None:
            sock.sendall(answer(b"conn%d" % i))
            if i == 0:
                return  # close right after the first answer, as an idle timeout would

    with ScriptServer(handler) as srv:
        t = make(srv.url)
        assert t.request("POST", "/", b"{}").content == b"conn0"
        time.sleep(0.2)
        assert t.request("POST", "/", b"{}").content == b"conn1"
        assert t.request("POST", "/", b"{}").content == b"conn1"
        assert srv.connections == 2


def test_uvicorn_keep_alive_timeout(make: Callable[..., Both]) -> None:
    srv = UvicornThread(timeout_keep_alive=1)
    try:
        t = make(f"http://127.0.0.1:{srv.port}")
        first = echo(t.request("POST", "/echo", b"{}"))["port"]
        time.sleep(1.5)
        second = echo(t.request("POST", "/echo", b"{}"))["port"]
        assert first != second
    finally:
        srv.stop()


def test_stale_connection_is_retried_once(make: Callable[..., Both]) -> None:
    def handler(sock: socket.socket, f: BinaryIO, i: int) -> None:
        n = 0
        while srv.read(f) is not None:
            n += 1
            if i == 0 and n == 2:
                return  # the keep-alive race: the request arrives as the server hangs up
            sock.sendall(answer(b"conn%d" % i))

    with ScriptServer(handler) as srv:
        t = make(srv.url)
        assert t.request("POST", "/", b"{}").content == b"conn0"
        assert t.request("POST", "/", b"{}").content == b"conn1"
        assert srv.connections == 2 and srv.requests == 3


def test_fresh_connection_closed_is_an_error(make: Callable[..., Both]) -> None:
    def handler(sock: socket.socket, f: BinaryIO, i: int) -> None:
        n = 0
        while srv.read(f) is not None:
            n += 1
            if i > 0 or n == 2:
                return
            sock.sendall(answer(b"ok"))

    with ScriptServer(handler) as srv:
        t = make(srv.url)
        assert t.request("POST", "/", b"{}").content == b"ok"
        with pytest.raises(TransportError) as ei:  # reused conn dies, then the fresh one too
            t.request("POST", "/", b"{}")
        assert type(ei.value) is TransportError
        assert srv.connections == 2
        with pytest.raises(TransportError):
            t.request("POST", "/", b"{}")
        assert srv.connections == 3  # a fresh connection is never retried
        assert t.pool._open == 0


def test_close_delimited_body(make: Callable[..., Both]) -> None:
    def handler(sock: socket.socket, f: BinaryIO, i: int) -> None:
        if srv.read(f) is not None:
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello ")
            time.sleep(0.02)
            sock.sendall(b"world %d" % i)

    with ScriptServer(handler) as srv:
        t = make(srv.url)
        assert t.request("GET", "/", None).content == b"hello world 0"
        assert t.request("GET", "/", None).content == b"hello world 1"
        assert t.pool._open == 0


def test_http10_without_keep_alive_is_not_reused(make: Callable[..., Both]) -> None:
    def handler(sock: socket.socket, f: BinaryIO, i: int) -> None:
        while srv.read(f) is not None:
            sock.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")

    with ScriptServer(handler) as srv:
        t = make(srv.url)
        for _ in range(3):
            assert t.request("POST", "/", b"{}").content == b"ok"
        assert srv.connections == 3


def test_interim_1xx_and_dribbled_chunks(make: Callable[..., Both]) -> None:
    def handler(sock: socket.socket, f: BinaryIO, i: int) -> None:
        while srv.read(f) is not None:
            sock.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
            raw = (
                b"HTTP/1.1 201 Created\r\nX-Dup: 1\r\nTransfer-Encoding: chunked\r\nX-Dup: 2\r\n\r\n"
                b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            )
            for k in range(0, len(raw), 7):
                sock.sendall(raw[k : k + 7])
                time.sleep(0.001)

    with ScriptServer(handler) as srv:
        t = make(srv.url)
        for _ in range(2):
            r = t.request("POST", "/", b"{}")
            assert (r.status, r.content) == (201, b"hello world")
            assert r.headers["x-dup"] == "1, 2" and "link" not in r.headers
        assert srv.connections == 1


@pytest.mark.parametrize(
    "reply",
    [b"NOT HTTP AT ALL\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"],
    ids=["garbage", "truncated"],
)
def test_bad_answers(make: Callable[..., Both], reply: bytes) -> None:
    def handler(sock: socket.socket, f: BinaryIO, i: int) -> None:
        if srv.read(f) is not None:
            sock.sendall(reply)

    with ScriptServer(handler) as srv:
        t = make(srv.url)
        with pytest.raises(TransportError) as ei:
            t.request("POST", "/", b"{}")
        assert not isinstance(ei.value, TransportTimeout)
        assert t.pool._open == 0


# ---------------------------------------------------------------------------- failures and timeouts


def test_timeout(make: Callable[..., Both], base: str) -> None:
    t = make(base)
    echo(t.request("POST", "/echo", b"{}"))
    t0 = time.monotonic()
    with pytest.raises(TransportTimeout):
        t.request("POST", "/sleep?s=2", b"{}", timeout=0.3)
    assert 0.25 < time.monotonic() - t0 < 1.5
    assert echo(t.request("POST", "/echo", b"{}"))["body"] == "{}"
    assert t.pool._open == 1


def test_timeout_mid_body(make: Callable[..., Both]) -> None:
    def handler(sock: socket.socket, f: BinaryIO, i: int) -> None:
        if srv.read(f) is not None:
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
            time.sleep(1.0)

    with ScriptServer(handler) as srv:
        t = make(srv.url)
        t0 = time.monotonic()
        with pytest.raises(TransportTimeout):
            t.request("POST", "/", b"{}", timeout=0.3)
        assert time.monotonic() - t0 < 0.9


def test_unresolvable_host(make: Callable[..., Both]) -> None:
    """A DNS failure says so (getaddrinfo's codes are no errno: not "Unknown error -2")."""
    t = make("http://no-such-host.invalid")  # .invalid never resolves (RFC 6761): fails fast offline
    with pytest.raises(TransportError) as ei:
        t.request("POST", "/echo", b"{}")
    text = str(ei.value)
    assert not isinstance(ei.value, TransportTimeout)
    assert text.startswith("cannot connect to no-such-host.invalid: name not resolved"), text
    assert "Unknown error" not in text and SECRET not in text
    assert t.pool._open == 0


def test_client_reports_unresolvable_host() -> None:
    from oint.ozon import APIConnectionError, OzonClient

    with OzonClient("1", "k", base_url="http://no-such-host.invalid", max_retries=0) as ozon:
        with pytest.raises(APIConnectionError, match="name not resolved"):
            ozon.request("POST", "/v2/warehouse/list", {})


def test_socket_error_texts() -> None:
    """Other socket errors keep a readable text, whatever their errno."""
    from oint.core.transport._http1 import _os_error

    assert str(_os_error("x", ConnectionRefusedError(111, "Connection refused"))) == "x: Connection refused"
    assert str(_os_error("x", OSError(-5, "odd failure"))) == "x: odd failure"
    assert str(_os_error("x", OSError("no errno"))) == "x: no errno"
    assert str(_os_error("x", OSError())) == "x: OSError"
    assert "name not resolved" in str(_os_error("x", socket.gaierror(socket.EAI_AGAIN, "Try again")))
    assert isinstance(_os_error("x", TimeoutError()), TransportTimeout)


def test_connection_refused(make: Callable[..., Both]) -> None:
    t = make(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(TransportError) as ei:
        t.request("POST", "/echo", b"{}")
    assert not isinstance(ei.value, TransportTimeout)
    assert "refused" in str(ei.value).lower()
    assert SECRET not in str(ei.value)
    assert t.pool._open == 0


def test_bad_request_parts_are_refused(make: Callable[..., Both], base: str) -> None:
    t = make(base)
    with pytest.raises(TransportError) as ei:
        t.request("POST", "/echo", b"{}", headers={"Api-Key": SECRET + "\r\nX-Evil: 1"})
    assert SECRET not in str(ei.value)
    for path in ("/a b", "/a\r\nX: 1", "/\u0434"):
        with pytest.raises(TransportError):
            t.request("POST", path, b"{}")
    assert echo(t.request("POST", "/echo", b"{}"))["body"] == "{}"


def test_closed_transport(make: Callable[..., Both], base: str) -> None:
    t = make(base)
    echo(t.request("POST", "/echo", b"{}"))
    if t.sync is not None:
        t.sync.close()
    else:
        assert t.aio is not None
        t.run(t.aio.aclose())
    with pytest.raises(TransportError):
        t.request("POST", "/echo", b"{}")


# ---------------------------------------------------------------------------- concurrency


def test_sync_threads(base: str) -> None:
    with FastTransport(base, max_connections=5) as t:

        def one(i: int) -> int:
            r = t.request("POST", "/sleep?s=0.02", HEADERS, b'{"i": %d}' % i, 10.0)
            seen = echo(r)
            assert seen["body"] == f'{{"i": {i}}}'
            return int(seen["port"])

        with concurrent.futures.ThreadPoolExecutor(max_workers=12) as ex:
            ports = set(ex.map(one, range(60)))
        assert 1 <= len(ports) <= 5
        assert t._open <= 5 and len(t._idle) == t._open


def test_sync_pool_wait_timeout(base: str) -> None:
    with FastTransport(base, max_connections=1) as t:
        slow = threading.Thread(target=t.request, args=("POST", "/sleep?s=1", HEADERS, b"{}", 5.0))
        slow.start()
        time.sleep(0.2)
        with pytest.raises(TransportTimeout, match="free connection"):
            t.request("POST", "/echo", HEADERS, b"{}", 0.2)
        slow.join()
        echo(t.request("POST", "/echo", HEADERS, b"{}", 5.0))
        assert t._open == 1


def test_async_gather(base: str) -> None:
    async def main() -> None:
        async with AsyncFastTransport(base, max_connections=5) as t:
            rs = await asyncio.gather(
                *(t.request("POST", "/sleep?s=0.02", HEADERS, b'{"i": %d}' % i, 10.0) for i in range(20))
            )
            assert [echo(r)["body"] for r in rs] == [f'{{"i": {i}}}' for i in range(20)]
            assert 1 <= len({echo(r)["port"] for r in rs}) <= 5
            assert t._open <= 5 and len(t._idle) == t._open
            # and again, now from the warm pool
            rs = await asyncio.gather(*(t.request("POST", "/echo", HEADERS, b"{}", 10.0) for i in range(20)))
            assert all(r.status == 200 for r in rs) and t._open <= 5

    asyncio.run(main())


def test_client_pool_size_argument(base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`max_connections=` of the clients sizes the pool of the transport they build."""
    from oint.core.transport.fast import DEFAULT_MAX_CONNECTIONS
    from oint.core.transport.httpx_backend import AsyncHttpxTransport, HttpxTransport
    from oint.ozon import AsyncOzonClient, OzonClient, UsageError

    for cls in (OzonClient, AsyncOzonClient):
        for given, size in ((None, DEFAULT_MAX_CONNECTIONS), (3, 3)):
            t = cls("1", "k", base_url=base, max_connections=given)._transport
            assert isinstance(t, (FastTransport, AsyncFastTransport)) and t._max == size
        with pytest.raises(UsageError, match="max_connections"):
            cls("1", "k", base_url=base, max_connections=0)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # a proxy: httpx builds the pool
    sync = OzonClient("1", "k", base_url=base, max_connections=7)
    assert isinstance(sync._transport, HttpxTransport)
    aio = AsyncOzonClient("1", "k", base_url=base, max_connections=7)
    assert isinstance(aio._transport, AsyncHttpxTransport)
    for t in (sync._transport, aio._transport):
        pool = cast(Any, t._client)._transport._pool  # httpcore's pool behind httpx's transport
        assert pool._max_connections == 7 and pool._max_keepalive_connections == 7
    sync.close()


def test_client_pool_size_bounds_connections(base: str) -> None:
    from oint.ozon import AsyncOzonClient

    async def ports(n: int) -> set[int]:
        async with AsyncOzonClient("1", "k", base_url=base, max_connections=n) as ozon:
            answers = await asyncio.gather(*(ozon.request("POST", "/sleep?s=0.05", {}) for _ in range(30)))
        return {a["port"] for a in answers}

    assert 1 <= len(asyncio.run(ports(2))) <= 2
    assert 2 < len(asyncio.run(ports(30))) <= 30


def test_async_pool_wait_timeout_and_cancel(base: str) -> None:
    async def main() -> None:
        t = AsyncFastTransport(base, max_connections=1)
        slow = asyncio.ensure_future(t.request("POST", "/sleep?s=1", HEADERS, b"{}", 5.0))
        await asyncio.sleep(0.1)
        with pytest.raises(TransportTimeout, match="free connection"):
            await t.request("POST", "/echo", HEADERS, b"{}", 0.2)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        assert t._open == 0  # the cancelled request gave its connection up
        echo(await t.request("POST", "/echo", HEADERS, b"{}", 5.0))
        assert t._open == 1
        await t.aclose()

    asyncio.run(main())


def test_async_transport_moves_to_a_new_loop(base: str) -> None:
    t = AsyncFastTransport(base)
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        r = first.run_until_complete(t.request("POST", "/echo", HEADERS, b"{}", 5.0))
        port = echo(r)["port"]
        # the connection made on `first` is dropped; `second` gets its own
        r = second.run_until_complete(t.request("POST", "/echo", HEADERS, b"{}", 5.0))
        assert echo(r)["port"] != port
        assert t._open == 1
        second.run_until_complete(t.aclose())
        first.run_until_complete(asyncio.sleep(0))  # let the dropped transport finish closing
    finally:
        first.close()
        second.close()


def test_async_timeout_none_and_many_timeouts(base: str) -> None:
    async def main() -> None:
        async with AsyncFastTransport(base) as t:
            assert (await t.request("POST", "/echo", HEADERS, b"{}", None)).status == 200
            for _ in range(3):  # the shared watchdog keeps firing correctly
                with pytest.raises(TransportTimeout):
                    await t.request("POST", "/sleep?s=1", HEADERS, b"{}", 0.1)
            assert (await t.request("POST", "/echo", HEADERS, b"{}", 0.5)).status == 200

    asyncio.run(main())


# ---------------------------------------------------------------------------- IPv6 and TLS


def _has_ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _has_ipv6(), reason="no IPv6 loopback")
def test_ipv6_literal(make: Callable[..., Both]) -> None:
    def handler(sock: socket.socket, f: BinaryIO, i: int) -> None:
        while (req := srv.read(f)) is not None:
            sock.sendall(answer(req[1][b"host"]))

    with ScriptServer(handler, host="::1") as srv:
        t = make(f"http://[::1]:{srv.port}")
        assert t.request("POST", "/", b"{}").content == f"[::1]:{srv.port}".encode()


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl not available")
    d = tmp_path_factory.mktemp("tls")
    key, cert = d / "key.pem", d / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return key, cert


def test_https(make: Callable[..., Both], tls_files: tuple[Path, Path]) -> None:
    key, cert = tls_files
    srv = UvicornThread(ssl_keyfile=str(key), ssl_certfile=str(cert))
    try:
        url = f"https://127.0.0.1:{srv.port}"
        t = make(url, ssl_context=ssl.create_default_context(cafile=str(cert)))
        ports = {echo(t.request("POST", "/echo", b'{"a": 1}'))["port"] for _ in range(5)}
        assert len(ports) == 1
        assert t.request("POST", "/chunked", b"{}").content == b"alpha-beta-gamma"
        untrusted = make(url)  # the default context does not know the self-signed cert
        with pytest.raises(TransportError) as ei:
            untrusted.request("POST", "/echo", b"{}")
        assert "cert" in str(ei.value).lower()
        t.close()  # before the server stops: it would wait for the TLS connections to go
        untrusted.close()
    finally:
        srv.stop()
