"""The sandbox over HTTP: a Starlette app whose one route hands every request to
`Sandbox.handle`. Served by `oint sandbox serve` (uvicorn)."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from oint.sandbox.core import Sandbox


def create_app(sandbox: Sandbox) -> Starlette:
    async def endpoint(request: Request) -> Response:
        body = await request.body()
        path = request.url.path
        if request.url.query:
            path += "?" + request.url.query
        resp = sandbox.handle(request.method, path, request.headers, body)
        if resp.delay:
            await asyncio.sleep(resp.delay)
        return Response(resp.body, status_code=resp.status, headers=resp.headers)

    methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=methods)])
    app.state.sandbox = sandbox
    return app


def serve(
    host: str = "127.0.0.1",
    port: int = 8080,
    db_path: str | None = None,
    *,
    log_level: str = "info",
    rate_limits: bool | None = None,
    api_date: str | None = None,
) -> None:
    """Run the sandbox server until interrupted; prints the address it listens on."""
    import uvicorn

    sandbox = Sandbox(db_path, rate_limits=rate_limits, api_date=api_date)
    config = uvicorn.Config(
        create_app(sandbox), host=host, port=port, log_level=log_level, access_log=log_level == "debug"
    )
    server = uvicorn.Server(config)
    try:
        server.run()
    finally:
        sandbox.close()
