"""The client does not depend on the sandbox: the sandbox is a transport it is given.

- no source file of the client (`oint.core`, `oint.apis`, `oint.compat`, `oint.ozon`) imports
  `oint.sandbox` (nor names it for a dynamic import);
- importing `oint.ozon` and calling a real URL (sync, async, OInt-style) never loads `oint.sandbox`;
- `OzonClient(transport=oint.sandbox.connect())` works without keys (the transport's default
  credentials), as does `sandbox=` through the `oint.transports` entry point.
"""

from __future__ import annotations

import ast
import asyncio
import json
import subprocess
import sys

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, ROOT

import oint.sandbox
from oint.core.transport.providers import GROUP, provider
from oint.ozon import AsyncOzonClient, OzonClient, UsageError

CLIENT_PACKAGES = ("core", "apis", "compat", "ozon")  # the client and its public facade


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes of a module and its classes and functions."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _sandbox_references(text: str) -> list[str]:
    tree = ast.parse(text)
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[:2] == ["oint", "sandbox"]]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.split(".")[:2] == ["oint", "sandbox"] or (
                module == "oint" and any(a.name == "sandbox" for a in node.names)
            ):
                found.append(f"from {module} import ...")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and node.value.startswith("oint.sandbox")
        ):
            found.append(repr(node.value))
    return found


def test_no_source_file_of_the_client_imports_the_sandbox() -> None:
    files = sorted(f for name in CLIENT_PACKAGES for f in (ROOT / "src" / "oint" / name).rglob("*.py"))
    assert len(files) > 20
    found = {
        str(f.relative_to(ROOT)): refs
        for f in files
        if (refs := _sandbox_references(f.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_check_finds_an_import() -> None:
    sample = (
        '"""Docs may name oint.sandbox."""\nimport oint.sandbox.core\nfrom oint import sandbox\n'
        'from oint.sandbox.transport import connect\nNAME = "oint.sandbox.transport"\n'
    )
    assert len(_sandbox_references(sample)) == 4


CLIENT_ONLY = """
import asyncio, json, sys
import oint.ozon
from oint.ozon import AsyncOzonClient, OzonClient

url, client_id, api_key = sys.argv[1:4]
with OzonClient(client_id, api_key, base_url=url, max_retries=0) as ozon:
    sync_answer = ozon.get_products_information(product_id=[1111588191])
    ozon.request("POST", "/v3/product/info/list", {"product_id": [1111588191]})

async def main():
    async with AsyncOzonClient(client_id, api_key, base_url=url, max_retries=0) as ozon:
        return await ozon.get_product_description(product_id=1111588191)

async_answer = asyncio.run(main())
oint_style = oint.ozon.get_product_description(client_id, api_key, 1111588191, base_url=url)
print(json.dumps({
    "offer_id": sync_answer["items"][0]["offer_id"],
    "async": async_answer["result"]["id"],
    "oint_style": oint_style["result"]["id"],
    "sandbox_modules": sorted(m for m in sys.modules if m == "oint.sandbox" or m.startswith("oint.sandbox.")),
}))
"""


def test_a_client_of_a_real_url_never_loads_the_sandbox(sandbox_url: str) -> None:
    """The server is a separate process (`oint sandbox serve`): this process only runs the client."""
    p = subprocess.run(
        [sys.executable, "-c", CLIENT_ONLY, sandbox_url, DEMO_CLIENT_ID, DEMO_API_KEY],
        capture_output=True,
        timeout=60,
        cwd=ROOT,
    )
    assert p.returncode == 0, p.stderr.decode()
    report = json.loads(p.stdout)
    assert report == {
        "offer_id": "143210609",
        "async": 1111588191,
        "oint_style": 1111588191,
        "sandbox_modules": [],
    }


# ---------------------------------------------------------------------------- the sandbox as a transport
def test_connect_needs_no_keys() -> None:
    with OzonClient(transport=oint.sandbox.connect(":memory:")) as ozon:
        assert (ozon.client_id, ozon._api_key) == (DEMO_CLIENT_ID, DEMO_API_KEY)
        assert ozon.base_url == "sandbox::memory:"  # where it sends: the sandbox and its state file
        assert not ozon.rate_limit  # Ozon's own limits apply to Ozon's host only
        answer = ozon.get_products_information(product_id=[1111588191])
        assert answer["items"][0]["offer_id"] == "143210609"


def test_connect_async_needs_no_keys() -> None:
    async def main() -> str:
        async with AsyncOzonClient(transport=oint.sandbox.connect_async(":memory:")) as ozon:
            answer = await ozon.get_product_description(product_id=1111588191)
            return str(answer["result"]["offer_id"])

    assert asyncio.run(main()) == "143210609"


def test_given_keys_win_over_the_transports() -> None:
    with OzonClient("999", "unknown-key", transport=oint.sandbox.connect(":memory:"), max_retries=0) as ozon:
        assert ozon.client_id == "999"
        with pytest.raises(Exception, match="Invalid Api-Key"):
            ozon.get_product_description(product_id=1111588191)


def test_sandbox_keyword_through_the_entry_point() -> None:
    assert provider("sandbox").__module__ == "oint.sandbox.transport"
    with OzonClient(sandbox=":memory:") as ozon:
        assert isinstance(ozon._transport, oint.sandbox.SandboxTransport)
        assert ozon.get_product_description(product_id=1111588191)["result"]["offer_id"] == "143210609"
    given = oint.sandbox.connect(":memory:")
    with pytest.raises(UsageError, match="exclude each other"):
        OzonClient(sandbox=":memory:", transport=given)
    given.close()


def test_an_unknown_provider_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=rf"no transport provider 'nowhere' is installed .*{GROUP}"):
        provider("nowhere")
