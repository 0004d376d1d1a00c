"""Lean HTTP/1.1 keep-alive transport over stdlib sockets (sync); the async twin is `fast_async`.

Both keep a small pool of persistent connections to one origin, write each request
as a single pre-assembled buffer and parse responses with `httptools` (llhttp), so
a call costs little more than the two syscalls it needs. Bodies may be framed by
Content-Length, chunked encoding or the connection closing. The HTTP/1.1 part of both
(request encoding, response parsing, error texts) is one module, `_http1`.

A request sent on a *reused* connection that fails before any byte of the answer
arrives (the server closed the idle connection) is sent again once on a fresh
connection; that is the usual keep-alive race and the server never saw the request.
Error messages never include request headers (they carry the Api-Key).
An idle connection keeps only its fixed 64 KB read buffer, whatever the size of the
last answer.
"""

from __future__ import annotations

import socket
import ssl
import threading
from time import monotonic

from oint.core.transport._http1 import (
    _PARSE_ERRORS,
    DEFAULT_MAX_CONNECTIONS,
    _Exchange,
    _Origin,
    _os_error,
    _Stale,
)
from oint.core.transport.base import RawResponse, TransportError, TransportTimeout

__all__ = ["DEFAULT_MAX_CONNECTIONS", "FastTransport"]

_RECV_SIZE = 65536
_DRIFT = 0.001  # re-arm a socket timeout (a syscall) only once the deadline moved this much (s)


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

    def arm(self, deadline: float) -> None:
        """Point the socket timeout at the deadline (skipping the syscall when it barely moved)."""
        left = deadline - monotonic()
        if left <= 0:
            raise TransportTimeout("request timed out")
        cur = self.sock_timeout
        if cur is None or cur - left > _DRIFT or left - cur > _DRIFT:
            self.sock.settimeout(left)
            self.sock_timeout = left

    def disarm(self) -> None:
        self.sock.settimeout(None)
        self.sock_timeout = None

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
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        connect_timeout: float | None = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self._origin = _Origin(base_url)
        self.base_url = self._origin.url  # the client takes it as its own (Ozon's limits, warnings)
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
        return f"FastTransport({self.base_url})"

    def __enter__(self) -> FastTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        """Send one request and return the whole answer; see the module docs for retries."""
        data, rest = self._origin.encode(method, path, headers, body)
        deadline = None if timeout is None else monotonic() + timeout
        conn: _SyncConn | None = self._checkout(deadline)
        keep = False
        try:
            while True:
                assert conn is not None
                try:
                    self._exchange(conn, data, rest, deadline, method == "HEAD")
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
    def _exchange(
        self, conn: _SyncConn, data: bytes, rest: bytes, deadline: float | None, head: bool
    ) -> None:
        sock = conn.sock
        conn.begin(head)
        try:
            if deadline is not None:
                conn.arm(deadline)
            elif conn.sock_timeout is not None:
                conn.disarm()
            sock.sendall(data)
            if rest:
                sock.sendall(rest)
            feed = conn.parser.feed_data
            while not conn.complete:
                if deadline is not None:
                    conn.arm(deadline)
                n = sock.recv_into(conn.buf)
                if not n:
                    conn.feed_eof()
                    break
                conn.got_bytes = True
                try:
                    feed(conn.view[:n])
                except _PARSE_ERRORS as e:
                    err = conn.parse_error(e)
                    if err is not None:
                        raise err from None
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
            if keep and conn is not None and not self._closed:
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
                    self._ssl_context = ssl.create_default_context()
                sock = self._ssl_context.wrap_socket(sock, server_hostname=o.connect_host)
        except OSError as e:
            sock.close()
            raise _os_error(what, e) from None
        return _SyncConn(sock)
