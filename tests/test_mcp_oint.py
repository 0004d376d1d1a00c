"""OInt's MCP interface (`oint mcp start`, `oint mcp config`): the server in its own process, driven by
the official SDK's client over stdio, as a set-up made for OpenIntegrations starts it. The seed call
runs through OInt's five tools with credentials that come from the config's @@variables; the key
(a canary account's, not the demo key the server knows) appears in no answer, stderr or log line;
writes are refused without --allow-write and outside its scopes; bad input is one line, exit 2."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, CliResult
from mcp import Client
from mcp.types import CallToolResult
from test_mcp_stdio import over_stdio, server_env, text
from test_seed_example import PICTURE, PICTURE2, assert_seed_shape

from oint.apps.mcp.access import WritePolicy
from oint.apps.mcp.oint_tools import (
    CallLog,
    OIntToolService,
    Target,
    load_vars,
    method_parameters,
    oint_tools,
    service_methods,
)
from oint.compat.methods import REGISTRY

CANARY_ID = DEMO_CLIENT_ID  # the demo account, its key replaced by the canary
CANARY_KEY = "canary-5f3a9c1e-key-never-shown"
SEED_PARAMETERS = {
    "clientid": "@@ClientId",
    "apikey": "@@ApiKey",
    "productid": "1111588191",
    "images": f"['{PICTURE}','{PICTURE2}']",
    "color": "GREEN",
}
FIVE = ["get_services", "get_variables", "get_service_methods", "get_method_parameters", "execute_method"]


def canary_setup(tmp_path: Path, run_cli: Any) -> tuple[dict[str, str], Path]:
    """A sandbox state whose demo account has the canary for its key (a key the server does not
    know beforehand, unlike the demo key), and a config whose vars hold that account's credentials."""
    env = server_env(tmp_path)
    added: CliResult = run_cli(
        "sandbox", "account", "--clientid", CANARY_ID, "--apikey", CANARY_KEY, "--rotate-key", env=env
    )
    assert added.code == 0, added.err
    config = tmp_path / "oint-mcp.json"
    config.write_text(json.dumps({"vars": {"ClientId": CANARY_ID, "ApiKey": CANARY_KEY}}), encoding="utf-8")
    return env, config


def execution(result: CallToolResult) -> Any:
    """The `execution_result` of execute_method, parsed (the text the CLI prints is JSON)."""
    assert not result.is_error, text(result)
    return json.loads(json.loads(text(result))["execution_result"])


def test_seed_through_oints_tools(tmp_path: Path, run_cli: Any) -> None:
    env, config = canary_setup(tmp_path, run_cli)
    log = tmp_path / "oint-mcp.log"

    async def script(client: Client) -> dict[str, Any]:
        listed = await client.list_tools()
        services = json.loads(text(await client.call_tool("get_services", {})))
        methods = json.loads(text(await client.call_tool("get_service_methods", {"service": "ozon"})))
        params = json.loads(
            text(
                await client.call_tool(
                    "get_method_parameters", {"service": "ozon", "method": "UpdateProductImages"}
                )
            )
        )
        variables = json.loads(text(await client.call_tool("get_variables", {})))
        seed = await client.call_tool(
            "execute_method",
            {"service": "ozon", "method": "UpdateProductImages", "parameters": SEED_PARAMETERS},
        )
        check = await client.call_tool(
            "execute_method",
            {
                "service": "ozon",
                "method": "GetProductsInformation",
                "parameters": {"clientid": "@@ClientId", "apikey": "@@ApiKey", "productid": "1111588191"},
            },
        )
        wrong_key = await client.call_tool(
            "execute_method",
            {
                "service": "ozon",
                "method": "GetProductsInformation",
                "parameters": {"clientid": "@@ClientId", "apikey": "@@NoSuchVariable", "productid": "1"},
            },
        )
        return {
            "tools": listed.tools,
            "services": services,
            "methods": methods,
            "params": params,
            "variables": variables,
            "seed": seed,
            "check": check,
            "wrong_key": wrong_key,
        }

    args = ["start", "--config", str(config), "--log", str(log), "--sandbox", "--allow-write"]
    out, stderr = over_stdio(tmp_path, args, script, env)
    assert [t.name for t in out["tools"]] == FIVE
    assert {"name": "ozon", "title": "Ozon"} in out["services"]["services"]
    names = [m["name"] for m in out["methods"]["methods"]]
    assert len(names) == len(REGISTRY) == 53 and "UpdateProductImages" in names
    rows = {p["name"]: p for p in out["params"]["parameters"]}
    assert list(rows) == ["clientid", "apikey", "productid", "images", "images360", "color"]
    assert rows["images"]["types"] == "Array Of String" and rows["images"]["default_value"] == "Empty value"
    assert out["variables"] == {"vars": ["@@ClientId", "@@ApiKey"]}
    assert_seed_shape(execution(out["seed"]))
    product = execution(out["check"])["items"][0]  # the change is in the sandbox's state
    assert product["images"] == [PICTURE, PICTURE2] and product["color_image"] == ["GREEN"]
    # an unknown variable is left as written (OInt's rule): the sandbox refuses that key
    assert out["wrong_key"].is_error and '"code": 7' in json.loads(text(out["wrong_key"]))["execution_result"]
    everything = json.dumps([t.model_dump(mode="json") for t in out["tools"]])
    everything += json.dumps([text(v) for k, v in out.items() if k in ("seed", "check", "wrong_key")])
    everything += json.dumps(out["variables"]) + stderr
    logged = log.read_text(encoding="utf-8")
    assert "UpdateProductImages" in logged and "@@ApiKey" in logged
    for where in (everything, logged):
        assert CANARY_KEY not in where and CANARY_KEY[:12] not in where


def test_writes_obey_allow_write(tmp_path: Path, run_cli: Any) -> None:
    env, config = canary_setup(tmp_path, run_cli)
    seed = {"service": "ozon", "method": "UpdateProductImages", "parameters": SEED_PARAMETERS}
    stocks = {
        "service": "ozon_api",
        "method": "/v2/products/stocks",
        "parameters": {"clientid": "@@ClientId", "apikey": "@@ApiKey", "stocks": "[]"},
    }

    async def script(client: Client) -> list[CallToolResult]:
        return [
            await client.call_tool("execute_method", seed),
            await client.call_tool("execute_method", stocks),
        ]

    refused, stderr = over_stdio(tmp_path, ["start", "-c", str(config), "--sandbox"], script, env)
    for result in refused:
        assert result.is_error
        said = json.loads(text(result))["execution_result"]
        assert "read-only" in said and "Nothing was sent" in said
    scoped, _ = over_stdio(
        tmp_path, ["start", "-c", str(config), "--sandbox", "--allow-write", "prices"], script, env
    )
    assert all("outside the allowed writes" in text(r) for r in scoped)
    # nothing was sent: the product still has the demo's images
    info = run_cli(
        "ozon", "GetProductsInformation", "--productid", "1111588191", "--clientid", CANARY_ID,
        "--apikey", CANARY_KEY, "--sandbox", env=env,
    )  # fmt: skip
    assert info.code == 0, info.err
    assert info.json()["items"][0]["color_image"] != ["GREEN"]
    assert CANARY_KEY not in stderr


def test_config_template(run_cli: Any) -> None:
    empty = run_cli("mcp", "config")
    assert empty.code == 0 and empty.json() == {"vars": {}}
    assert run_cli("mcp", "config", "--empty", "true").json() == {"vars": {}}
    full = run_cli("mcp", "config", "-e", "false")
    assert full.code == 0 and {"ClientId", "ApiKey"} <= set(full.json()["vars"])
    bad = run_cli("mcp", "config", "--empty", "maybe")
    assert bad.code == 2 and bad.out == "" and bad.err.count("\n") == 1 and "true or false" in bad.err


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "cannot read the file"),
        ("{not json", "not valid JSON"),
        ('["a"]', "expected a JSON object"),
        ('{"vars": ["a"]}', '"vars" must be an object'),
    ],
)
def test_bad_config_is_one_line(tmp_path: Path, run_cli: Any, content: str | None, said: str) -> None:
    config = tmp_path / "cfg.json"
    if content is not None:
        config.write_text(content, encoding="utf-8")
    r = run_cli("mcp", "start", "--config", str(config), "--sandbox", env=server_env(tmp_path))
    assert r.code == 2 and r.out == "" and r.err.count("\n") == 1 and said in r.err, r.err
    assert "Traceback" not in r.err


def test_bad_start_options(tmp_path: Path, run_cli: Any) -> None:
    env = server_env(tmp_path)
    for args, said in [
        (["--nope"], "unknown option --nope"),
        (["--sandbox", "--base-url", "http://127.0.0.1:9"], "exclude each other"),
        (["--db", "x.sqlite3"], "goes with --sandbox"),
        (["--log", str(tmp_path / "no" / "such" / "dir.log"), "--sandbox"], "--log: cannot write"),
    ]:
        r = run_cli("mcp", "start", *args, env=env)
        assert r.code == 2 and r.err.count("\n") == 1 and said in r.err, (args, r.err)


def test_default_config_lives_in_oints_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OINT_CONFIG", str(tmp_path / "config.toml"))
    assert load_vars("default") == {}  # no mcp.json: OInt's empty default
    (tmp_path / "mcp.json").write_text('{"vars": {"ApiKey": "k-123456", "Limit": 5}}', encoding="utf-8")
    assert load_vars("default") == {"ApiKey": "k-123456", "Limit": "5"}
    assert load_vars('{"vars": {"A": "b"}}') == {"A": "b"}  # OInt also takes the JSON itself


def service(tmp_path: Path, **variables: str) -> OIntToolService:
    target = Target(sandbox=str(tmp_path / "sandbox.sqlite3"), policy=WritePolicy.parse(None))
    return OIntToolService(target, variables, log=CallLog(str(tmp_path / "log.txt")))


def test_catalogue_in_oints_shapes(tmp_path: Path) -> None:
    assert [t.name for t in oint_tools()] == FIVE
    operations = service_methods("ozon_api")
    assert len(operations) > 400 and all(set(m) == {"name", "description"} for m in operations)
    assert service_methods("telegram") == [] and method_parameters("ozon", "NoSuchMethod") == []
    listed = {p["name"]: p for p in method_parameters("ozon_api", "/v3/product/list")}
    assert {"clientid", "apikey", "filter", "last_id", "limit"} <= set(listed)
    # a local helper takes no credentials
    local = next(m for m in REGISTRY if m.endpoint is None)
    assert all(p["name"] not in ("clientid", "apikey") for p in method_parameters("ozon", local.name_en))


def test_operations_and_secrets_in_process(tmp_path: Path) -> None:
    svc = service(tmp_path, ClientId=DEMO_CLIENT_ID, SellerToken=DEMO_API_KEY, Plain="visible-value")

    async def run() -> list[Any]:
        try:
            listed = await svc.call(
                "execute_method",
                {
                    "service": "ozon_api",
                    "method": "v3_product_list",
                    "parameters": {
                        "clientid": "@@ClientId",
                        "apikey": "@@SellerToken",
                        "filter": "{'visibility': 'ALL'}",
                        "limit": "2",
                    },
                },
            )
            unknown = await svc.call(
                "execute_method",
                {"service": "ozon", "method": "UpdateProductImages", "parameters": {"x": "1"}},
            )
            bad_value = await svc.call(
                "execute_method",
                {
                    "service": "ozon",
                    "method": "GetProductsInformation",
                    "parameters": {"productid": "@@SellerToken"},
                },
            )
            raw_key = await svc.call(
                "execute_method",
                {
                    "service": "ozon",
                    "method": "GetProductsInformation",
                    "parameters": {"apikey": "raw-key-typed-into-the-chat", "productid": "1111588191"},
                },
            )
            assert raw_key.is_error  # the sandbox does not know that key (403)
            return [listed, unknown, bad_value]
        finally:
            await svc.aclose()

    listed, unknown, bad_value = asyncio.run(run())
    assert not listed.is_error, svc.text(listed)
    assert len(json.loads(listed.payload["execution_result"])["result"]["items"]) == 2
    assert unknown.is_error and "unknown parameter(s) x" in svc.text(unknown)
    assert bad_value.is_error  # the key given where a product id goes: refused, and not echoed
    for reply in (listed, unknown, bad_value):
        assert DEMO_API_KEY not in svc.text(reply)
    logged = (tmp_path / "log.txt").read_text(encoding="utf-8")
    assert DEMO_API_KEY not in logged and "@@SellerToken" in logged
    assert "raw-key-typed-into-the-chat" not in logged and "GetProductsInformation" in logged
    assert os.path.exists(tmp_path / "log.txt")
