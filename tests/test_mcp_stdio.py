"""`oint mcp` as an assistant meets it: the server in its own process, driven with the official
SDK's client over stdio (and streamable HTTP). The tool list it serves is the one generated from
the registry and the operation layer; the seed example runs through it; writes are refused
without --allow-write; an operation found by search is described and called; the Api-Key is never
in an answer or the server's log."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, SandboxServer, free_port, listening
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult, Tool
from test_seed_example import PICTURE, PICTURE2, assert_seed_shape

from oint.apps.mcp.cli import parse, settings_from
from oint.apps.mcp.server import sdk_tool
from oint.apps.mcp.service import Service

T = TypeVar("T")
SEED = {"product_id": 1111588191, "images": [PICTURE, PICTURE2], "color": "GREEN"}


def server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OZON_", "OINT_"))}
    env.update(
        OINT_SANDBOX_DB=str(tmp_path / "sandbox.sqlite3"),
        OINT_CONFIG=str(tmp_path / "no-config.toml"),
        XDG_STATE_HOME=str(tmp_path / "state"),
    )
    env.update(extra)
    return env


def over_stdio(
    tmp_path: Path,
    args: list[str],
    script: Callable[[Client], Awaitable[T]],
    env: dict[str, str] | None = None,
) -> tuple[T, str]:
    """Run `oint mcp ARGS` and `script` against it with the SDK's client: its result, the server's stderr."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "oint", "mcp", *args], env=env or server_env(tmp_path)
    )
    log = tmp_path / "server-stderr.txt"

    async def main() -> T:
        with open(log, "w", encoding="utf-8") as errlog:
            async with Client(stdio_client(params, errlog=errlog)) as client:
                return await script(client)

    result = asyncio.run(main())
    return result, log.read_text(encoding="utf-8")


def text(result: CallToolResult) -> str:
    (block,) = result.content
    assert block.type == "text"
    return block.text


def answer(result: CallToolResult) -> Any:
    assert not result.is_error, text(result)
    return json.loads(text(result))


def dumped(tools: list[Tool]) -> list[dict[str, Any]]:
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]


def expected_tools(args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Tool]:
    """The tools `oint mcp ARGS` should serve, generated here from the registry and the spec."""
    for name, value in server_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    for name in [n for n in os.environ if n.startswith("OZON_")]:
        monkeypatch.delenv(name)
    settings, profiles, secrets, env_credentials = settings_from(parse(args))
    service = Service(settings, profiles=profiles, secrets=secrets, env_credentials=env_credentials)
    return [sdk_tool(t) for t in service.tools()]


def test_read_only_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def script(client: Client) -> dict[str, Any]:
        listed = await client.list_tools()
        refused = await client.call_tool("UpdateProductImages", SEED)
        rows = [{"offer_id": "91132", "warehouse_id": 1020005000050693, "stock": 1}]
        bulk = await client.call_tool("bulk_start", {"kind": "stocks", "rows": rows})
        jobs = answer(await client.call_tool("bulk_list", {}))
        found = answer(await client.call_tool("ozon_api_search", {"query": "product list", "limit": 3}))
        first = found["found"][0]["operation"]
        described = answer(await client.call_tool("ozon_api_describe", {"operation": first}))
        called = answer(
            await client.call_tool("ozon_api_call", {"operation": first, "body": {"filter": {}, "limit": 2}})
        )
        info = answer(await client.call_tool("GetProductsInformation", {"product_id": [1111588191]}))
        return {
            "tools": listed.tools,
            "refused": refused,
            "bulk": bulk,
            "jobs": jobs,
            "first": first,
            "described": described,
            "called": called,
            "info": info,
        }

    out, log = over_stdio(tmp_path, ["--sandbox"], script)
    served = dumped(out["tools"])
    assert len(served) == 62
    assert served == dumped(expected_tools(["--sandbox"], monkeypatch, tmp_path))
    seed_tool = next(t for t in served if t["name"] == "UpdateProductImages")
    assert "ОбновитьИзображенияТовара" in seed_tool["description"]
    assert seed_tool["inputSchema"]["required"] == ["product_id"]
    assert seed_tool["annotations"]["readOnlyHint"] is False

    refused = out["refused"]
    assert refused.is_error
    message = json.loads(text(refused))["error"]["message"]
    assert "read-only" in message and "--allow-write" in message and "Nothing was sent" in message
    assert out["bulk"].is_error and "read-only" in text(out["bulk"]) and "confirm" not in text(out["bulk"])
    assert out["jobs"]["jobs"] == []  # no job was made

    assert out["first"] == "v3_product_list"
    assert "filter.visibility" in json.dumps(out["described"]["request"])
    assert len(out["called"]["result"]["items"]) == 2
    assert out["info"]["items"][0]["images"] != [PICTURE, PICTURE2]  # the refused write changed nothing
    assert DEMO_API_KEY[:8] not in log


def test_seed_example_with_allow_write(tmp_path: Path) -> None:
    async def script(client: Client) -> tuple[Any, Any]:
        updated = answer(await client.call_tool("UpdateProductImages", SEED))
        info = answer(await client.call_tool("GetProductsInformation", {"product_id": [1111588191]}))
        return updated, info

    (updated, info), log = over_stdio(tmp_path, ["--sandbox", "--allow-write"], script)
    assert_seed_shape(updated)
    assert info["items"][0]["images"] == [PICTURE, PICTURE2] and info["items"][0]["color_image"] == ["GREEN"]
    assert DEMO_API_KEY[:8] not in log and DEMO_API_KEY[:8] not in json.dumps([updated, info])


def test_streamable_http(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "oint", "mcp", "--sandbox", "--http", f"127.0.0.1:{port}"],
        env=server_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert listening(port, proc), "the HTTP server did not start"

        async def main() -> tuple[int, Any]:
            async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                listed = await client.list_tools()
                listed_products = answer(await client.call_tool("GetProductList", {}))
                return len(listed.tools), listed_products

        count, products = asyncio.run(main())
        assert count == 62 and products["result"]["items"]
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def test_without_the_extra_a_clear_one_line_error(tmp_path: Path) -> None:
    hide_sdk = (  # as if the SDK were not installed: `import mcp` fails
        "import sys\n"
        "sys.modules['mcp'] = None\n"
        "from oint.apps.cli.main import main\n"
        "raise SystemExit(main(['mcp', '--sandbox']))\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", hide_sdk], env=server_env(tmp_path), capture_output=True, timeout=60, text=True
    )
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "pip install 'oint[mcp]'" in p.stderr, p.stderr
    assert p.stdout == ""


def test_usage_errors(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    for args, expected in (
        (["--bogus"], "unknown option --bogus"),
        (["--sandbox", "--base-url", "http://x"], "exclude each other"),
        (["--base-url", "ftp://x"], "--base-url: "),
        (["--http", "nowhere"], "HOST:PORT"),
        (["--max-items", "many"], "whole number"),
    ):
        p = subprocess.run(
            [sys.executable, "-m", "oint", "mcp", *args], env=env, capture_output=True, timeout=60, text=True
        )
        assert p.returncode == 2 and expected in p.stderr and p.stderr.count("\n") == 1, (args, p.stderr)
    help_run = subprocess.run(
        [sys.executable, "-m", "oint", "mcp", "--help"], env=env, capture_output=True, timeout=60, text=True
    )
    assert help_run.returncode == 0 and "--allow-write" in help_run.stdout


def test_profiles_select_the_seller_account(tmp_path: Path, server: SandboxServer) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[profiles.shop1]\n"
        f'client_id = "{DEMO_CLIENT_ID}"\n'
        'api_key_env = "SHOP1_KEY"\n'
        f'base_url = "{server.url}"\n'
        "[profiles.shop2]\n"
        'client_id = "3000001"\n'
        'api_key_env = "SHOP2_KEY"\n'
        f'base_url = "{server.url}"\n',
        encoding="utf-8",
    )
    env = server_env(tmp_path, OINT_CONFIG=str(config), SHOP1_KEY=DEMO_API_KEY, SHOP2_KEY="shop2-secret-key")

    async def script(client: Client) -> tuple[list[Tool], Any, CallToolResult, CallToolResult]:
        listed = await client.list_tools()
        shop1 = answer(await client.call_tool("GetProductList", {"profile": "shop1"}))
        shop2 = await client.call_tool("GetProductList", {"profile": "shop2"})
        nobody = await client.call_tool("GetProductList", {})
        return listed.tools, shop1, shop2, nobody

    (tools, shop1, shop2, nobody), log = over_stdio(tmp_path, [], script, env)
    schema = next(t for t in tools if t.name == "GetProductList").input_schema
    assert schema["properties"]["profile"]["enum"] == ["shop1", "shop2"]
    assert shop1["result"]["items"]
    assert shop2.is_error and json.loads(text(shop2))["error"]["status"] == 403
    assert nobody.is_error and "shop1, shop2" in text(nobody)
    everything = text(shop2) + text(nobody) + json.dumps(shop1) + log
    assert "shop2-secret-key" not in everything and DEMO_API_KEY[:8] not in everything
