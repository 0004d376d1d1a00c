"""Lean HTTP/1.1 keep-alive transports: stdlib sockets (sync) and asyncio protocols (async).

Both keep a small pool of persistent connections to one origin, write each request
as a single pre-assembled buffer and parse responses with `httptools` (llhttp), so
a call costs little more than the two syscalls it needs. Bodies may be framed by
Content-Length, chunked encoding or the connection closing.

A request sent on a *reused* connection that fails before any byte of the answer
arrives (the server closed the idle connection) is sent again once on a fresh
connection; that is the usual keep-alive race and the server never saw the request.
Error messages never include request headers (they carry the Api-Key).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections import deque
from time import monotonic
from typing import Any, cast
from urllib.parse import urlsplit

from httptools import HttpParserError, HttpParserUpgrade, HttpResponseParser

from oint.ozon.transport.base import RawResponse, TransportError, TransportTimeout

__all__ = ["AsyncFastTransport", "FastTransport"]

_RECV_SIZE = 65536
_JOIN_LIMIT = 65536  # bodies up to this size are copied into the header buffer: one send
_DRIFT = 0.001  # re-arm a socket timeout only once the deadline moved this much (seconds)
_OWN_HEADERS = frozenset({"host", "content-length", "transfer-encoding"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_PARSE_ERRORS = (HttpParserError, HttpParserUpgrade)


class _Stale(TransportError):
    """The peer closed the connection before answering; safe to resend on a fresh one."""


class _StrayData(Exception):
    """A second message started after the one we wanted; the connection is not reusable."""


class _Origin:
    """The parts of a base URL every request needs, computed once."""

    __slots__ = ("block_cache", "connect_host", "host_line", "label", "port", "prefix", "tls")

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise ValueError(f"base_url must be http:// or https://, got {base_url!r}")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("base_url must not carry a query, fragment or credentials")
        host = parts.hostname
        if not host:
            raise ValueError(f"base_url has no host: {base_url!r}")
        self.tls = scheme == "https"
        default_port = 443 if self.tls else 80
        self.port = parts.port or default_port
        self.connect_host = host
        if not host.isascii():
            host = host.encode("idna").decode("ascii")
        shown = f"[{host}]" if ":" in host else host
        if self.port != default_port:
            shown = f"{shown}:{self.port}"
        self.label = shown
        self.host_line = f"Host: {shown}\r\n"
        self.prefix = parts.path.rstrip("/")
        # (copy of the caller's headers, their rendered bytes): clients pass the same dict every call
        self.block_cache: tuple[dict[str, str], bytes] | None = None

    def encode(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> list[bytes]:
        """The request as one or two buffers (the head, and a large body separately)."""
        target = self.prefix + path if path[:1] == "/" else f"{self.prefix}/{path}"
        if " " in target or "\r" in target or "\n" in target:
            raise TransportError("request path must not contain spaces or line breaks")
        cache = self.block_cache
        if cache is not None and cache[0] == headers:
            block = cache[1]
        else:
            block = self._render(headers)
            self.block_cache = (dict(headers), block)
        try:
            line = f"{method} {target} HTTP/1.1\r\n".encode("latin-1")
        except UnicodeEncodeError:
            raise TransportError("request path must be latin-1 (percent-encode it)") from None
        if body is None:
            tail = b"Content-Length: 0\r\n\r\n" if method in _BODY_METHODS else b"\r\n"
            return [b"".join((line, block, tail))]
        tail = b"Content-Length: %d\r\n\r\n" % len(body)
        if len(body) <= _JOIN_LIMIT:
            return [b"".join((line, block, tail, body))]
        return [b"".join((line, block, tail)), body]

    def _render(self, headers: dict[str, str]) -> bytes:
        lines = [self.host_line]
        lines.extend(f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() not in _OWN_HEADERS)
        text = "".join(lines)
        if text.count("\n") != len(lines) or text.count("\r") != len(lines):
            raise TransportError("header names and values must not contain line breaks")
        try:
            return text.encode("latin-1")
        except UnicodeEncodeError:
            raise TransportError("header names and values must be latin-1") from None


class _Exchange:
    """Per-connection response state fed by an httptools parser (its callback object)."""

    __slots__ = (
        "chunks",
        "complete",
        "got_bytes",
        "head",
        "headers",
        "headers_done",
        "informational",
        "keep_alive",
        "parser",
        "status",
        "until_eof",
    )

    def __init__(self) -> None:
        self.parser = HttpResponseParser(self)
        self.begin(False)

    def begin(self, head: bool) -> None:
        """Forget the previous response before sending the next request."""
        self.status = 0
        self.headers: dict[str, str] = {}
        self.chunks: list[bytes] = []
        self.headers_done = False
        self.informational = False
        self.until_eof = False
        self.complete = False
        self.keep_alive = False
        self.got_bytes = False
        self.head = head

    # httptools callbacks
    def on_message_begin(self) -> None:
        if self.complete:
            raise _StrayData

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        old = self.headers.get(key)
        self.headers[key] = text if old is None else f"{old}, {text}"

    def on_headers_complete(self) -> None:
        parser = self.parser
        status = parser.get_status_code()
        self.status = status
        if 100 <= status < 200 and status != 101:
            self.informational = True  # 1xx interim answer: the real one follows
            return
        self.headers_done = True
        h = self.headers
        self.until_eof = "content-length" not in h and "chunked" not in h.get("transfer-encoding", "").lower()
        if self.head:
            # No body follows a HEAD answer whatever its Content-Length says; llhttp can't know
            # that, so this parser is retired and the next request gets a fresh one.
            self.complete = True
            self.keep_alive = parser.should_keep_alive() and not self.until_eof
            self.parser = HttpResponseParser(self)

    def on_body(self, body: bytes) -> None:
        if not self.complete:
            self.chunks.append(body)

    def on_message_complete(self) -> None:
        if self.informational:
            self.informational = False
            self.headers = {}
            return
        if not self.complete:
            self.complete = True
            self.keep_alive = self.parser.should_keep_alive()

    # helpers
    def feed(self, data: bytes | memoryview) -> None:
        """Parse bytes; raise TransportError on malformed HTTP."""
        self.got_bytes = True
        try:
            self.parser.feed_data(data)
        except _PARSE_ERRORS as e:
            if not self.complete:
                raise TransportError(f"malformed HTTP response: {type(e).__name__} {e}") from None
            self.keep_alive = False  # junk after a complete answer

    def feed_eof(self) -> None:
        """The peer closed: finish a close-delimited body, or raise."""
        if self.complete:
            self.keep_alive = False
            return
        if self.headers_done and self.until_eof:
            self.complete = True
            self.keep_alive = False
            return
        if not self.got_bytes:
            raise _Stale("connection closed before the response")
        raise TransportError("connection closed in the middle of the response")

    def response(self) -> RawResponse:
        chunks = self.chunks
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return RawResponse(self.status, self.headers, body)


def _tls_context(ctx: ssl.SSLContext | None) -> ssl.SSLContext:
    return ctx if ctx is not None else ssl.create_default_context()


def _os_error(what: str, e: OSError) -> TransportError:
    if isinstance(e, TimeoutError):
        return TransportTimeout(f"{what}: timed out")
    return TransportError(f"{what}: {e.strerror or e}")


# ---------------------------------------------------------------------------- sync


class _SyncConn(_Exchange):
    __slots__ = ("buf", "reused", "sock", "sock_timeout", "view")

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self.sock = sock
        self.sock_timeout: float | None = sock.gettimeout()
        self.buf = bytearray(_RECV_SIZE)
        self.view = memoryview(self.buf)
        self.reused = False

    def arm(self, deadline: float | None) -> None:
        """Point the socket timeout at the deadline (skipping the syscall when it barely moved)."""
        if deadline is None:
            if self.sock_timeout is not None:
                self.sock.settimeout(None)
                self.sock_timeout = None
            return
        left = deadline - monotonic()
        if left <= 0:
            raise TransportTimeout("request timed out")
        cur = self.sock_timeout
        if cur is None or cur - left > _DRIFT or left - cur > _DRIFT:
            self.sock.settimeout(left)
            self.sock_timeout = left

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class FastTransport:
    """Synchronous keep-alive HTTP/1.1 transport over raw sockets; thread-safe."""

    def __init__(
        self,
        base_url: str,
        *,
        max_connections: int = 10,
        connect_timeout: float | None = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self._origin = _Origin(base_url)
        self._max = max_connections
        self._connect_timeout = connect_timeout
        self._ssl_context = ssl_context
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._idle: list[_SyncConn] = []
        self._open = 0  # connections in use or idle
        self._waiting = 0
        self._closed = False

    def __repr__(self) -> str:
        o = self._origin
        return f"FastTransport({'https' if o.tls else 'http'}://{o.label}{o.prefix})"

    def __enter__(self) -> FastTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        """Send one request and return the whole answer; see the module docs for retries."""
        bufs = self._origin.encode(method, path, headers, body)
        deadline = None if timeout is None else monotonic() + timeout
        conn: _SyncConn | None = self._checkout(deadline)
        keep = False
        try:
            while True:
                assert conn is not None
                try:
                    self._exchange(conn, bufs, deadline, method == "HEAD")
                except _Stale:
                    if not conn.reused:
                        raise TransportError("server closed the connection without answering") from None
                    conn.close()
                    conn = None
                    conn = self._connect(deadline)
                    continue
                keep = conn.keep_alive
                return conn.response()
        finally:
            self._checkin(conn, keep)

    def close(self) -> None:
        """Close idle connections now and busy ones as they finish; later requests fail."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._open -= len(idle)
            self._cond.notify_all()
        for conn in idle:
            conn.close()

    # internals
    def _exchange(self, conn: _SyncConn, bufs: list[bytes], deadline: float | None, head: bool) -> None:
        sock = conn.sock
        conn.begin(head)
        try:
            conn.arm(deadline)
            for buf in bufs:
                sock.sendall(buf)
            view = conn.view
            recv_into = sock.recv_into
            while not conn.complete:
                if deadline is not None:
                    conn.arm(deadline)
                n = recv_into(conn.buf)
                if n:
                    conn.feed(view[:n])
                else:
                    conn.feed_eof()
        except TimeoutError:
            raise TransportTimeout("request timed out") from None
        except (ConnectionError, ssl.SSLEOFError, ssl.SSLZeroReturnError) as e:
            if not conn.got_bytes:
                raise _Stale(f"connection lost: {e.strerror or e}") from None
            raise TransportError(
                f"connection lost in the middle of the response: {e.strerror or e}"
            ) from None
        except OSError as e:
            raise _os_error("request failed", e) from None

    def _checkout(self, deadline: float | None) -> _SyncConn:
        with self._lock:
            if self._closed:
                raise TransportError("transport is closed")
            idle = self._idle
            if idle:
                conn = idle.pop()
                conn.reused = True
                return conn
            while self._open >= self._max:
                left = None if deadline is None else deadline - monotonic()
                if left is not None and left <= 0:
                    raise TransportTimeout("timed out waiting for a free connection")
                self._waiting += 1
                try:
                    self._cond.wait(left)
                finally:
                    self._waiting -= 1
                if self._closed:
                    raise TransportError("transport is closed")
                if idle:
                    conn = idle.pop()
                    conn.reused = True
                    return conn
            self._open += 1
        try:
            return self._connect(deadline)
        except BaseException:
            self._checkin(None, False)
            raise

    def _checkin(self, conn: _SyncConn | None, keep: bool) -> None:
        """Return a connection (or just its slot, when `conn` is None or spent) to the pool."""
        with self._lock:
            if conn is not None and keep and not self._closed:
                self._idle.append(conn)
                conn = None
            else:
                self._open -= 1
            if self._waiting:
                self._cond.notify()
        if conn is not None:
            conn.close()

    def _connect(self, deadline: float | None) -> _SyncConn:
        o = self._origin
        limit = self._connect_timeout
        if deadline is not None:
            left = deadline - monotonic()
            if left <= 0:
                raise TransportTimeout("request timed out")
            limit = left if limit is None else min(limit, left)
        what = f"cannot connect to {o.label}"
        try:
            sock = socket.create_connection((o.connect_host, o.port), timeout=limit)
        except OSError as e:
            raise _os_error(what, e) from None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if o.tls:
                if self._ssl_context is None:
                    self._ssl_context = _tls_context(None)
                sock = self._ssl_context.wrap_socket(sock, server_hostname=o.connect_host)
        except OSError as e:
            sock.close()
            raise _os_error(what, e) from None
        return _SyncConn(sock)


# ---------------------------------------------------------------------------- async


def _expire(fut: asyncio.Future[Any], what: str) -> None:
    if not fut.done():
        fut.set_exception(TransportTimeout(what))


class _AsyncConn(_Exchange, asyncio.Protocol):
    __slots__ = ("lost", "pool", "reused", "transport", "waiter")

    def __init__(self, pool: AsyncFastTransport) -> None:
        super().__init__()
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.lost = False
        self.reused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except (OSError, AttributeError):
                pass

    def data_received(self, data: bytes) -> None:
        w = self.waiter
        if w is None:  # nothing was asked: the connection is out of step, drop it
            self.keep_alive = False
            self.abort()
            return
        try:
            self.feed(data)
        except TransportError as e:
            self.waiter = None
            if not w.done():
                w.set_exception(e)
            return
        if self.complete:
            self.waiter = None
            if not w.done():
                w.set_result(None)

    def eof_received(self) -> bool | None:
        w = self.waiter
        if w is not None:
            self.waiter = None
            try:
                self.feed_eof()
            except TransportError as e:
                if not w.done():
                    w.set_exception(e)
            else:
                if not w.done():
                    w.set_result(None)
        return None  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        w = self.waiter
        if w is not None:
            self.waiter = None
            if not w.done():
                why = f": {exc}" if exc is not None else ""
                if self.got_bytes:
                    w.set_exception(TransportError(f"connection lost in the middle of the response{why}"))
                else:
                    w.set_exception(_Stale(f"connection lost before the response{why}"))
        else:
            self.pool._forget(self)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


class AsyncFastTransport:
    """Asyncio keep-alive HTTP/1.1 transport (protocol callbacks, no streams).

    Binds to the running loop on first use; used from another loop later, it drops the
    connections it had and starts afresh.
    """

    def __init__(
        self,
        base_url: str,
        *,
        max_connections: int = 10,
        connect_timeout: float | None = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self._origin = _Origin(base_url)
        self._max = max_connections
        self._connect_timeout = connect_timeout
        self._ssl_context = ssl_context
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: list[_AsyncConn] = []
        self._open = 0  # connections in use, idle or being opened
        self._waiters: deque[asyncio.Future[_AsyncConn | None]] = deque()
        self._closed = False

    def __repr__(self) -> str:
        o = self._origin
        return f"AsyncFastTransport({'https' if o.tls else 'http'}://{o.label}{o.prefix})"

    async def __aenter__(self) -> AsyncFastTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        """Send one request and return the whole answer; see the module docs for retries."""
        bufs = self._origin.encode(method, path, headers, body)
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._bind(loop)
        deadline = None if timeout is None else loop.time() + timeout
        idle = self._idle
        conn: _AsyncConn | None
        if idle and not self._closed:
            conn = idle.pop()
            conn.reused = True
        else:
            conn = await self._checkout(loop, deadline)
        keep = False
        head = method == "HEAD"
        try:
            while True:
                assert conn is not None
                tr = conn.transport
                stale = True
                if tr is not None and not conn.lost and not tr.is_closing():
                    fut: asyncio.Future[None] = loop.create_future()
                    conn.begin(head)
                    conn.waiter = fut
                    for buf in bufs:
                        tr.write(buf)
                    timer = (
                        None
                        if deadline is None
                        else loop.call_at(deadline, _expire, fut, "request timed out")
                    )
                    try:
                        await fut
                        stale = False
                    except _Stale:
                        if not conn.reused:
                            raise TransportError("server closed the connection without answering") from None
                    finally:
                        if timer is not None:
                            timer.cancel()
                elif not conn.reused:
                    raise TransportError("server closed the connection without answering")
                if not stale:
                    keep = conn.keep_alive and not conn.lost
                    return conn.response()
                conn.abort()
                conn = None
                conn = await self._connect(loop, deadline)
        finally:
            if conn is not None:
                conn.waiter = None
            self._checkin(conn, keep)

    async def aclose(self) -> None:
        """Close idle connections now and busy ones as they finish; later requests fail."""
        self._closed = True
        idle, self._idle = self._idle, []
        self._open -= len(idle)
        for conn in idle:
            conn.abort()
        while self._waiters:
            w = self._waiters.popleft()
            if not w.done():
                w.set_exception(TransportError("transport is closed"))
        if idle:
            await asyncio.sleep(0)  # let the transports finish closing their sockets

    # internals
    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Adopt `loop`; connections made on an earlier loop can't be used from this one."""
        for conn in self._idle:
            try:
                conn.abort()
            except RuntimeError:  # that loop is closed
                pass
        self._idle = []
        self._open = 0
        self._waiters = deque()
        self._loop = loop

    async def _checkout(self, loop: asyncio.AbstractEventLoop, deadline: float | None) -> _AsyncConn:
        while True:
            if self._closed:
                raise TransportError("transport is closed")
            if self._idle:
                conn = self._idle.pop()
                conn.reused = True
                return conn
            if self._open < self._max:
                self._open += 1
                try:
                    return await self._connect(loop, deadline)
                except BaseException:
                    self._free_slot()
                    raise
            w: asyncio.Future[_AsyncConn | None] = loop.create_future()
            self._waiters.append(w)
            timer = None
            if deadline is not None:
                timer = loop.call_at(deadline, _expire, w, "timed out waiting for a free connection")
            try:
                got = await w
            except BaseException:
                try:
                    self._waiters.remove(w)
                except ValueError:
                    pass
                if w.done() and not w.cancelled() and w.exception() is None:
                    handed = w.result()  # handed over just as we gave up: pass it on
                    if handed is None:
                        self._free_slot()
                    else:
                        self._checkin(handed, True)
                raise
            finally:
                if timer is not None:
                    timer.cancel()
            if got is not None:
                got.reused = True
                return got
            try:  # we were handed a free slot
                return await self._connect(loop, deadline)
            except BaseException:
                self._free_slot()
                raise

    def _checkin(self, conn: _AsyncConn | None, keep: bool) -> None:
        """Return a connection (or just its slot, when `conn` is None or spent) to the pool."""
        if conn is None or not keep or self._closed or conn.lost:
            if conn is not None:
                conn.abort()
            self._free_slot()
            return
        waiters = self._waiters
        while waiters:
            w = waiters.popleft()
            if not w.done():
                w.set_result(conn)
                return
        self._idle.append(conn)

    def _free_slot(self) -> None:
        waiters = self._waiters
        while waiters:
            w = waiters.popleft()
            if not w.done():
                w.set_result(None)
                return
        self._open -= 1

    def _forget(self, conn: _AsyncConn) -> None:
        """An idle connection was closed by the server: drop it and free its slot."""
        try:
            self._idle.remove(conn)
        except ValueError:
            return
        self._free_slot()

    async def _connect(self, loop: asyncio.AbstractEventLoop, deadline: float | None) -> _AsyncConn:
        o = self._origin
        limit = self._connect_timeout
        if deadline is not None:
            left = deadline - loop.time()
            if left <= 0:
                raise TransportTimeout("request timed out")
            limit = left if limit is None else min(limit, left)
        ctx: ssl.SSLContext | None = None
        if o.tls:
            if self._ssl_context is None:
                self._ssl_context = _tls_context(None)
            ctx = self._ssl_context
        conn = _AsyncConn(self)
        what = f"cannot connect to {o.label}"
        made = loop.create_connection(
            lambda: conn, o.connect_host, o.port, ssl=ctx, server_hostname=o.connect_host if ctx else None
        )
        try:
            if limit is None:
                await made
            else:
                await asyncio.wait_for(made, limit)
        except asyncio.TimeoutError:
            conn.abort()
            raise TransportTimeout(f"{what}: timed out") from None
        except OSError as e:
            conn.abort()
            raise _os_error(what, e) from None
        return conn
