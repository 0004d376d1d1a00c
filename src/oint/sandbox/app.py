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
import ipaddress
import json
import logging
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from oint.listen import listening_sockets, shown
from oint.sandbox import web
from oint.sandbox.compression import encode_answer
from oint.sandbox.core import Sandbox, SandboxResponse
from oint.sandbox.errors import ApiError, SandboxStateError, internal, invalid, too_large

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY = 32 * 1024 * 1024  # bytes; Ozon's largest requests (1000 products) are far smaller
WORKERS = 4
log = logging.getLogger("oint.sandbox")


def _error(e: ApiError) -> SandboxResponse:
    body = json.dumps(e.body(), ensure_ascii=False).encode()
    return SandboxResponse(e.status, {"content-type": "application/json"}, body)


class SandboxApp:
    """ASGI application of one `Sandbox`."""

    def __init__(self, sandbox: Sandbox, workers: int = WORKERS) -> None:
        self.sandbox = sandbox
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
        path = scope.get("path") or "/"
        query = scope.get("query_string") or b""
        if query:
            path += "?" + query.decode("latin-1")
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        loop = asyncio.get_running_loop()
        try:
            if web.wants(scope["method"], path, headers):
                return await loop.run_in_executor(self.executor, web.answer, self.sandbox, path, headers)
            response = await loop.run_in_executor(
                self.executor, self.sandbox.handle, scope["method"], path, headers, bytes(body)
            )
        except SandboxStateError as e:
            log.error("%s", e)
            return _error(internal(str(e)))
        except Exception as e:  # never a traceback page: Ozon's JSON error shape
            log.exception("sandbox failure answering %s %s", scope.get("method"), path)
            return _error(internal(f"Internal error: {type(e).__name__}"))
        if response.delay:
            await asyncio.sleep(response.delay)
        return response

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.executor.shutdown(wait=True)
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(sandbox: Sandbox) -> SandboxApp:
    return SandboxApp(sandbox)


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    host: str = "127.0.0.1",
    port: int = 8080,
    db_path: str | None = None,
    *,
    log_level: str = "info",
    rate_limits: bool | None = None,
    api_date: str | None = None,
    admin_token: str | None = None,
) -> None:
    """Run the sandbox server until interrupted. Raises `SandboxStateError` when the state file
    cannot be used, before listening."""
    import uvicorn

    sandbox = Sandbox(db_path, rate_limits=rate_limits, api_date=api_date, admin_token=admin_token)
    logging.basicConfig(stream=sys.stderr, format="oint sandbox: %(message)s")
    config = uvicorn.Config(
        create_app(sandbox), host=host, port=port, log_level=log_level, access_log=log_level == "debug"
    )
    server = uvicorn.Server(config)
    try:
        sockets = listening_sockets(host, port)  # a busy port: one line, exit 2
        where = shown(host, sockets[0].getsockname()[1])  # uvicorn names it only when it binds itself
        logging.getLogger("uvicorn.error").info("Uvicorn running on http://%s (Press CTRL+C to quit)", where)
        server.run(sockets=sockets)
    finally:
        sandbox.close()
