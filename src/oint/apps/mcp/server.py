"""The glue to the official MCP Python SDK (`pip install 'oint[mcp]'`): a low-level `Server` whose
tool list is `Service.tools()` as generated, and whose calls go to `Service.call`. Served over
stdio, or streamable HTTP. The only module of oint that imports the SDK (absolute imports: the
top-level `mcp` package, not `oint.apps.mcp`)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import mcp.types as types
import uvicorn
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

from oint import __version__
from oint.apps.mcp.tools import ToolSpec


class ToolService(Protocol):
    """What the server serves: our tools (`service.Service`) or OInt's (`oint_tools.OIntToolService`)."""

    def tools(self) -> list[ToolSpec]: ...

    def instructions(self) -> str: ...

    def text(self, reply: Any) -> str: ...

    async def call(self, name: str, arguments: Any) -> Any: ...

    async def aclose(self) -> None: ...


def sdk_tool(tool: ToolSpec) -> types.Tool:
    return types.Tool(
        name=tool.name,
        title=tool.title,
        description=tool.description,
        input_schema=tool.input_schema,
        annotations=types.ToolAnnotations.model_validate(tool.annotations),
    )


def build_server(service: ToolService) -> Server[Any]:
    tools = [sdk_tool(t) for t in service.tools()]

    async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        reply = await service.call(params.name, params.arguments)
        return types.CallToolResult(
            content=[types.TextContent(text=service.text(reply))],
            is_error=reply.is_error,
        )

    @asynccontextmanager
    async def lifespan(server: Server[Any]) -> AsyncIterator[dict[str, Any]]:
        try:
            yield {}
        finally:
            await service.aclose()

    return Server(
        getattr(service, "server_name", "oint"),
        version=__version__,
        title="oint: Ozon Seller API",
        instructions=service.instructions(),
        lifespan=lifespan,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


async def serve_stdio(service: ToolService) -> None:
    server = build_server(service)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def serve_http(
    service: ToolService, host: str, port: int, sockets: list[socket.socket] | None = None
) -> None:
    """Streamable HTTP at http://HOST:PORT/mcp (uvicorn), on `sockets` when they are given
    (`oint.core.listen.listening_sockets`: the address checked first)."""

    app = build_server(service).streamable_http_app(host=host)
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).run(sockets=sockets)
