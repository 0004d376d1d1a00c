"""The receiver: a pure ASGI application that answers Ozon's pushes as Ozon's contract asks
(reference/ozon-api-facts.md §10.3) and keeps every event in the inbox before it answers.

- `TYPE_PING` -> 200 `{"version", "name", "time"}`;
- any other type -> 200 `{"result": true}` once the event is committed to the inbox (a duplicate
  too: it is counted, and never delivered a second time);
- a body that is not a push -> 400 `{"error": {"code": "ERROR_PARAMETER_VALUE_MISSED", ...}}`;
- a source outside the allowed networks (Ozon's three by default) -> 403, logged;
- the inbox failing -> 500 `ERROR_UNKNOWN` (Ozon sends the push again later).

Ozon does not sign its pushes: the source address is the only check. Behind a reverse proxy the
peer is the proxy; `trusted_proxies` names the proxies whose `X-Forwarded-For` is believed (the
client is the nearest address in it that is not a trusted proxy). Delivery (`Deliverer`) runs in
threads woken after the answer, so a slow handler never delays one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from typing import Any, Final

from oint import __version__
from oint.apis.webhooks.delivery import Deliverer
from oint.apis.webhooks.events import PING, Event, MalformedPush, parse
from oint.apis.webhooks.inbox import Inbox
from oint.core.errors import UsageError

log = logging.getLogger("oint.webhooks")

OZON_NETWORKS: Final = ("195.34.21.0/24", "185.73.192.0/22", "91.223.93.0/24")
MAX_BODY: Final = 1 << 20  # a push is a few hundred bytes; a larger body is refused (413)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def networks(values: Iterable[str], option: str = "--allow-from") -> tuple[Network, ...]:
    """CIDRs (or single addresses) -> networks; UsageError naming the option on a bad one."""
    found: list[Network] = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        try:
            found.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise UsageError(
                f"{option}: {text!r} is not an address or a network (e.g. 127.0.0.1/32)"
            ) from None
    return tuple(found)


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class SourceCheck:
    """Which source addresses may push (see the module's docstring)."""

    def __init__(self, allow: Sequence[str] = OZON_NETWORKS, trusted_proxies: Sequence[str] = ()) -> None:
        self.allow = networks(allow, "--allow-from")
        self.trusted = networks(trusted_proxies, "--trusted-proxy")

    def _trusted(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in net for net in self.trusted)

    def client(self, peer: str | None, forwarded_for: str | None) -> str | None:
        """The address the push came from: the peer, or, when the peer is a trusted proxy, the
        nearest address of `X-Forwarded-For` that is not one."""
        address = _address(peer)
        if address is None or not forwarded_for or not self._trusted(address):
            return None if address is None else str(address)
        for hop in reversed(forwarded_for.split(",")):
            hop_address = _address(hop)
            if hop_address is None:
                return None  # an unreadable hop: nothing before it can be believed
            if not self._trusted(hop_address):
                return str(hop_address)
        return str(address)

    def allowed(self, client: str | None) -> bool:
        address = _address(client)
        return address is not None and any(address in net for net in self.allow)


def error_body(code: str, message: str) -> dict[str, Any]:
    """Ozon's error body for a push (§10.3)."""
    return {"error": {"code": code, "message": message, "details": None}}


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class GroupCommit:
    """One writer thread that stores the pushes that arrive together in one transaction: each
    push still waits for the commit that holds it, but 200 pushes at once cost one commit (one
    fsync), not 200. A failed transaction fails every push in it (they are answered 500 and Ozon
    sends them again)."""

    MAX_BATCH: Final = 500

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self._queue: list[tuple[Event, asyncio.Future[bool], asyncio.AbstractEventLoop]] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False

    async def put(self, event: Event) -> bool:
        """Store `event`; True when new, False for a duplicate; raises what the store raised."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        with self._ready:
            if self._thread is None:
                self._closing = False
                self._thread = threading.Thread(target=self._write, name="oint-webhooks-writer", daemon=True)
                self._thread.start()
            self._queue.append((event, future, loop))
            self._ready.notify()
        return await future

    def close(self) -> None:
        with self._ready:
            self._closing = True
            self._ready.notify()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(10)

    def _write(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._closing:
                    self._ready.wait()
                if not self._queue:
                    return
                batch, self._queue = self._queue[: self.MAX_BATCH], self._queue[self.MAX_BATCH :]
            try:
                results: list[bool] | BaseException = self.inbox.put_many([event for event, _, _ in batch])
            except Exception as e:
                results = e
            for n, (_, future, loop) in enumerate(batch):
                result = results if isinstance(results, BaseException) else results[n]
                try:
                    loop.call_soon_threadsafe(_settle, future, result)
                except RuntimeError:  # that request's loop is closed: nobody waits for it
                    pass


def _settle(future: asyncio.Future[bool], result: bool | BaseException) -> None:
    if future.done():  # the request went away
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


class Receiver:
    """The ASGI application (see the module's docstring). Its lifespan starts and stops the
    deliverer and the `background` loops; mounted where lifespan events do not come, they start
    with the first request. `stats` counts what came."""

    def __init__(
        self,
        inbox: Inbox,
        deliverer: Deliverer | None = None,
        *,
        source: SourceCheck | None = None,
        name: str = "oint",
        version: str | None = None,
        background: Sequence[Callable[[threading.Event], None]] = (),
    ) -> None:
        if version is None:
            version = __version__
        self.inbox = inbox
        self.deliverer = deliverer
        self.source = source or SourceCheck()
        self.name = name
        self.version = version
        self.background = tuple(background)
        self.stats = {"received": 0, "stored": 0, "duplicates": 0, "pings": 0, "malformed": 0, "refused": 0}
        self.writer = GroupCommit(inbox)
        self._started = False
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- lifecycle
    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._stopping.clear()
        if self.deliverer is not None:
            self.deliverer.start()
        for loop in self.background:
            thread = threading.Thread(
                target=loop, args=(self._stopping,), daemon=True, name="oint-webhooks-bg"
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        self.writer.close()
        if self.deliverer is not None:
            self.deliverer.stop()
        for thread in self._threads:
            thread.join(10)
        self._threads.clear()
        self._started = False

    # -- ASGI
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            self.start()
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    self.start()
                except Exception as e:
                    await send({"type": "lifespan.startup.failed", "message": str(e)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.to_thread(self.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        peer = scope.get("client")
        client = self.source.client(peer[0] if peer else None, headers.get("x-forwarded-for"))
        if not self.source.allowed(client):
            self.stats["refused"] += 1
            log.warning("refused a push from %s (not an allowed network)", client or "an unknown address")
            await _answer(send, 403, error_body("ERROR_UNKNOWN", "the source address is not allowed"))
            return
        if scope.get("method") != "POST":
            await _answer(send, 405, error_body("ERROR_UNKNOWN", "pushes are POSTed"), allow="POST")
            return
        body = await _read_body(receive, MAX_BODY)
        if body is None:
            await _answer(send, 413, error_body("ERROR_UNKNOWN", f"the body is over {MAX_BODY} bytes"))
            return
        self.stats["received"] += 1
        try:
            event = parse(body)
        except MalformedPush as e:
            self.stats["malformed"] += 1
            log.info("malformed push from %s: %s", client, e)
            await _answer(send, 400, error_body(e.code, str(e)))
            return
        if event.message_type == PING:
            self.stats["pings"] += 1
            await _answer(send, 200, {"version": self.version, "name": self.name, "time": utc_now()})
            return
        try:
            new = await self.writer.put(event)
        except Exception as e:
            log.error("could not store a %s push: %s: %s", event.message_type, e.__class__.__name__, e)
            await _answer(send, 500, error_body("ERROR_UNKNOWN", "the event could not be stored"))
            return
        if new:
            self.stats["stored"] += 1
            if self.deliverer is not None:
                self.deliverer.wake()
        else:
            self.stats["duplicates"] += 1
        await _answer(send, 200, {"result": True})


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request's body, or None when it is over `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _answer(send: Send, status: int, doc: Any, **extra: str) -> None:
    body = json.dumps(doc, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(name.encode(), value.encode()) for name, value in extra.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
