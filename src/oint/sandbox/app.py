"""The sandbox over HTTP: an ASGI app that hands every request, whatever its method and path,
to `Sandbox.handle`, which decides (404, 405 with Allow, Ozon's answers), but for the pages of
the web view (GET `/__sandbox/...` HTML, `oint.sandbox.web`). Served by `oint sandbox serve`
(uvicorn).

`Sandbox.handle` is synchronous model work on SQLite: it runs on a small thread pool, never on
the event loop, so one slow request does not hold up the others (the store serialises the
transactions themselves). Injected slowness is awaited on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import re
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from oint.core.errors import UsageError
from oint.core.listen import listening_sockets, shown
from oint.sandbox import web
from oint.sandbox.compression import encode_answer
from oint.sandbox.core import Sandbox, SandboxResponse
from oint.sandbox.demo import DEMO_CLIENT_ID
from oint.sandbox.errors import ApiError, SandboxStateError, internal, invalid, too_large
from oint.sandbox.guard import HostPolicy, check, is_loopback

__all__ = ["HostPolicy", "RequestLog", "SandboxApp", "create_app", "is_loopback", "request_line", "serve"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY = 32 * 1024 * 1024  # bytes; Ozon's largest requests (1000 products) are far smaller
WORKERS = 4
log = logging.getLogger("oint.sandbox")


def _target(scope: Scope) -> str:
    """The request's path with its query string, as `Sandbox.handle` and the request log take it."""
    path = str(scope.get("path") or "/")
    query = scope.get("query_string") or b""
    return f"{path}?{query.decode('latin-1')}" if query else path


def _error(e: ApiError) -> SandboxResponse:
    body = json.dumps(e.body(), ensure_ascii=False).encode()
    return SandboxResponse(e.status, {"content-type": "application/json"}, body)


class SandboxApp:
    """ASGI application of one `Sandbox`. `hosts`: whom the admin routes and the web view answer
    (`oint.sandbox.guard`; default: a server bound to 127.0.0.1). `pushes`: a task of the app's
    lifespan sends the accounts' push notifications (`oint.sandbox.push.run`)."""

    def __init__(
        self, sandbox: Sandbox, workers: int = WORKERS, hosts: HostPolicy | None = None, pushes: bool = True
    ) -> None:
        self.sandbox = sandbox
        self.hosts = hosts or HostPolicy()
        self.pushes = pushes  # send the accounts' push notifications while the app lives (lifespan)
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="oint-sandbox")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # websockets: not part of the API
        response = await self._answer(scope, receive)
        body = response.body
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        if response.status in (204, 304):  # answers that carry no body (an injected fault may ask for them)
            body = b""
        else:
            body, extra = await encode_answer(scope.get("headers", ()), response.headers, body, self.executor)
            headers += extra
            headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, scope: Scope, receive: Receive) -> SandboxResponse:
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return _error(invalid("client disconnected"))
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                return _error(too_large(MAX_BODY))
            if not message.get("more_body"):
                break
        path = _target(scope)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = check(self.hosts, scope["method"], path, headers)
        if refusal is not None:
            log.warning(
                "refused %s %s (Host %r): %s", scope["method"], path, headers.get("host"), refusal.message
            )
            return _error(refusal)
        loop = asyncio.get_running_loop()
        try:
            if web.wants(scope["method"], path, headers):
                return await loop.run_in_executor(self.executor, web.answer, self.sandbox, path, headers)
            request: tuple[Any, ...] = (scope["method"], path, headers, bytes(body))
            peer = scope.get("client")
            if peer and getattr(self.sandbox, "limit_per_ip", False):  # the peer counts in its window
                request += (str(peer[0]),)
            response = await loop.run_in_executor(self.executor, self.sandbox.handle, *request)
        except SandboxStateError as e:
            log.error("%s", e)
            return _error(internal(str(e)))
        except Exception:  # never a traceback page: Ozon's JSON error shape
            log.exception("sandbox failure answering %s %s", scope.get("method"), path)
            return _error(internal())
        if response.delay:
            await asyncio.sleep(response.delay)
        return response

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        sender: asyncio.Task[None] | None = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.pushes:  # the push notifications' sender (oint.sandbox.push), for the app's life
                    from oint.sandbox import push

                    sender = asyncio.create_task(push.run(self.sandbox, self.executor))
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if sender is not None:
                    sender.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await sender
                self.executor.shutdown(wait=True)
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(sandbox: Sandbox, hosts: HostPolicy | None = None) -> SandboxApp:
    return SandboxApp(sandbox, hosts=hosts)


def request_line(when: float, method: str, path: str, status: int, seconds: float) -> str:
    """One line of the served sandbox's request log: time (UTC), method, path, status, duration.
    A `token=` in the query (the web view's admin token) is masked."""
    moment = dt.datetime.fromtimestamp(when, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = re.sub(r"(?i)([?&]token=)[^&]*", r"\1***", path)
    return f"{moment} {method} {path} {status} {seconds * 1000:.1f} ms"


class RequestLog:
    """ASGI middleware: one `request_line` a request, written to `write`."""

    def __init__(self, app: Any, write: Callable[[str], None]) -> None:
        self.app = app
        self.write = write

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        started, began = time.time(), time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message.get("type") == "http.response.start":
                status = int(message.get("status", 0))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.write(
                request_line(
                    started, scope.get("method", ""), _target(scope), status, time.perf_counter() - began
                )
            )


def serve(
    host: str = "127.0.0.1",
    port: int = 8080,
    db_path: str | None = None,
    *,
    rate_limits: bool | None = None,
    limit_per_ip: bool | None = None,
    api_date: str | None = None,
    admin_token: str | None = None,
    allowed_hosts: tuple[str, ...] = (),
    push_hosts: tuple[str, ...] = (),
    log_request: Callable[[str], None] | None = None,
    on_listening: Callable[[str, str, str | None], None] | None = None,
) -> None:
    """Run the sandbox server until interrupted. Raises `SandboxStateError` when the state file
    cannot be used, before listening. `allowed_hosts`: names besides localhost and `host` that
    the admin routes and the web view answer to (`oint.sandbox.guard`); `push_hosts`: names besides
    loopback addresses that pushes may be sent to (`Sandbox.push_hosts`); `log_request` gets one
    line a request (`request_line`); `on_listening(url, state file, the demo account's key or
    None)` is called once the server listens (on the port it really got, for port 0). Needs
    uvicorn (the `serve` extra): without it, a `UsageError` saying how to install it."""
    try:
        import uvicorn
    except ImportError:
        raise UsageError(
            "oint sandbox serve needs uvicorn, which a client install leaves out: pip install 'oint[serve]' "
            "(the embedded sandbox, --sandbox, needs nothing)"
        ) from None

    sandbox = Sandbox(
        db_path,
        rate_limits=rate_limits,
        limit_per_ip=limit_per_ip,
        api_date=api_date,
        admin_token=admin_token,
    )
    sandbox.push_hosts = frozenset(name.lower().strip("[]") for name in push_hosts)
    logging.basicConfig(stream=sys.stderr, format="oint sandbox: %(message)s")
    app: Any = create_app(sandbox, HostPolicy.of(host, allowed_hosts))
    if log_request is not None:
        app = RequestLog(app, log_request)

    def listening(addresses: list[tuple[str, int]]) -> None:
        if on_listening is None:
            return
        bound_host, bound_port = addresses[0] if addresses else (host, port)
        account = sandbox.store.get("*", "account", DEMO_CLIENT_ID)
        on_listening(
            f"http://{shown(bound_host, bound_port)}",
            sandbox.store.path,
            str(account["api_key"]) if account else None,
        )

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if not self.should_exit:
                found = [sock.getsockname()[:2] for server in self.servers for sock in server.sockets or ()]
                listening(found)

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    try:
        Server(config).run(sockets=listening_sockets(host, port))  # a busy port: one line, exit 2
    finally:
        sandbox.close()
