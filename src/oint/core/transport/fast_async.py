"""The async twin of `FastTransport`: an `asyncio.Protocol` per connection feeding an
httptools parser, a keep-alive pool, one watchdog timer for timeouts.

Kept apart from `fast` so that the sync client and the CLI never import asyncio; the
HTTP/1.1 part (encoding, parsing, error texts) is shared with it in `_http1`.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import deque
from math import inf
from typing import Any, cast

from oint.core.transport._http1 import (
    _PARSE_ERRORS,
    DEFAULT_MAX_CONNECTIONS,
    _Exchange,
    _Origin,
    _os_error,
    _Stale,
)
from oint.core.transport.base import RawResponse, TransportError, TransportTimeout

__all__ = ["DEFAULT_MAX_CONNECTIONS", "AsyncFastTransport"]

_SLACK = 0.001  # the watchdog treats deadlines this close as reached (timer granularity)


def _expire(fut: asyncio.Future[Any], what: str) -> None:
    if not fut.done():
        fut.set_exception(TransportTimeout(what))


class _AsyncConn(_Exchange, asyncio.Protocol):
    __slots__ = ("deadline", "lost", "pool", "reused", "transport", "waiter")

    def __init__(self, pool: AsyncFastTransport) -> None:
        super().__init__()
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.deadline = 0.0
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
        self.got_bytes = True
        try:
            self.parser.feed_data(data)
        except _PARSE_ERRORS as e:
            err = self.parse_error(e)
            if err is not None:
                self.waiter = None
                if not w.done():
                    w.set_exception(err)
                return
        if self.complete:
            self.waiter = None
            if not w.done():
                w.set_result(None)

    def eof_received(self) -> bool | None:
        w = self.waiter
        if w is None:  # the server closed an idle connection
            self.lost = True
            self.pool._forget(self)
            return None
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
        if w is None:
            self.pool._forget(self)
            return
        self.waiter = None
        if not w.done():
            why = f": {exc}" if exc is not None else ""
            if self.got_bytes:
                w.set_exception(TransportError(f"connection lost in the middle of the response{why}"))
            else:
                w.set_exception(_Stale(f"connection lost before the response{why}"))

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


class AsyncFastTransport:
    """Asyncio keep-alive HTTP/1.1 transport (protocol callbacks, no streams).

    Binds to the running loop on first use; used from another loop later, it drops the
    connections it had and starts afresh. Request timeouts share one watchdog timer.
    """

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
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: list[_AsyncConn] = []
        self._open = 0  # connections in use, idle or being opened
        self._waiters: deque[asyncio.Future[_AsyncConn | None]] = deque()
        self._closed = False
        self._timed: set[_AsyncConn] = set()  # connections awaiting an answer with a deadline
        self._watch: asyncio.TimerHandle | None = None
        self._watch_at = inf

    def __repr__(self) -> str:
        return f"AsyncFastTransport({self.base_url})"

    async def __aenter__(self) -> AsyncFastTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        """Send one request and return the whole answer; see the module docs for retries."""
        data, rest = self._origin.encode(method, path, headers, body)
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
                if tr is not None and not conn.lost and not tr.is_closing():
                    fut: asyncio.Future[None] = loop.create_future()
                    conn.begin(head)
                    conn.waiter = fut
                    tr.write(data)
                    if rest:
                        tr.write(rest)
                    if deadline is not None:
                        conn.deadline = deadline
                        self._timed.add(conn)
                        if deadline < self._watch_at:
                            self._arm_watch(loop, deadline)
                    try:
                        await fut
                        keep = conn.keep_alive and not conn.lost
                        return conn.response()
                    except _Stale:
                        if not conn.reused:
                            raise TransportError("server closed the connection without answering") from None
                    finally:
                        if deadline is not None:
                            self._timed.discard(conn)
                elif not conn.reused:
                    raise TransportError("server closed the connection without answering")
                conn.abort()  # a stale keep-alive connection: once more on a fresh one
                conn = None
                conn = await self._connect(loop, deadline)
        finally:
            if conn is not None:
                conn.waiter = None
            self._checkin(conn, keep)

    async def aclose(self) -> None:
        """Close idle connections now and busy ones as they finish; later requests fail."""
        if self._loop is not None and asyncio.get_running_loop() is not self._loop:
            self._bind(asyncio.get_running_loop())  # those connections belong to another loop
        self._closed = True
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
            self._watch_at = inf
        idle, self._idle = self._idle, []
        self._open -= len(idle)
        for conn in idle:
            conn.abort()
        while self._waiters:
            w = self._waiters.popleft()
            if not w.done():
                w.set_exception(TransportError("transport is closed"))
        await asyncio.sleep(0)  # let aborted transports run connection_lost and close their sockets

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
        self._timed = set()
        self._watch = None
        self._watch_at = inf
        self._loop = loop

    def _arm_watch(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        if self._watch is not None:
            self._watch.cancel()
        self._watch = loop.call_at(when, self._on_watch, loop)
        self._watch_at = when

    def _on_watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Fail the requests whose deadline passed; sleep until the next earliest one."""
        self._watch = None
        self._watch_at = inf
        now = loop.time() + _SLACK
        nearest = inf
        for conn in list(self._timed):
            if conn.deadline <= now:
                self._timed.discard(conn)
                w = conn.waiter
                if w is not None and not w.done():
                    w.set_exception(TransportTimeout("request timed out"))
            elif conn.deadline < nearest:
                nearest = conn.deadline
        if nearest < inf:
            self._arm_watch(loop, nearest)

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
                self._ssl_context = ssl.create_default_context()
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
