"""Typed methods for every operation: the stub mypy reads and the methods that run agree, and
they reach the sandbox; mypy --strict checks what a user writes with them."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from oint.apis.seller import spec
from oint.apis.seller._operations import _bind_arguments  # type: ignore[attr-defined]  # private: not in the stub
from oint.ozon import AsyncOzonClient, OzonClient, UsageError

ROOT = Path(__file__).resolve().parent.parent
STUB = ROOT / "src" / "oint" / "apis" / "seller" / "_operations.pyi"


def stub_methods(cls: str) -> set[str]:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls:
            return {f.name for f in node.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)}
    raise AssertionError(cls)


@pytest.mark.parametrize(
    ("cls", "client"), [("SyncOperations", OzonClient), ("AsyncOperations", AsyncOzonClient)]
)
def test_stub_and_runtime_have_the_same_methods(cls: str, client: type) -> None:
    typed = stub_methods(cls) - {"call", "iter_items"}
    ops = spec.operations().values()
    assert {op.name for op in ops} <= typed
    assert {n for n in typed if n.startswith("iter_")} == {
        "iter_" + op.name for op in ops if op.paging and op.paging.items and not op.path_params
    }
    instance = client("1", "k", base_url="http://127.0.0.1:9")
    for name in sorted(typed):
        assert callable(getattr(instance, name)), name
    assert set(dir(instance)) >= typed
    with pytest.raises(AttributeError):
        instance.v9_no_such_operation  # noqa: B018
    with pytest.raises(AttributeError):
        instance.iter_v2_products_stocks  # noqa: B018  (not paged)


def test_bind_arguments() -> None:
    assert _bind_arguments((), ({"a": 1},), {}) == ({"a": 1}, {})
    assert _bind_arguments((), (), {"body": {"a": 1}}) == ({"a": 1}, {})
    assert _bind_arguments(("guid",), ("x",), {}) == (None, {"guid": "x"})
    assert _bind_arguments(("guid",), (), {"guid": "x", "body": {}}) == ({}, {"guid": "x"})
    with pytest.raises(TypeError):
        _bind_arguments((), ({}, {}), {})
    with pytest.raises(TypeError):
        _bind_arguments(("guid",), ("x",), {"guid": "y"})


def test_typed_methods_call_the_sandbox(ozon: OzonClient) -> None:
    answer = ozon.v3_product_info_list({"product_id": ["1111588191"]})  # Ozon's schema: ids as strings
    assert answer["items"][0]["id"] == 1111588191
    assert ozon.call("v3_product_info_list", {"product_id": [1111588191]}) == answer
    assert ozon.call("/v3/product/info/list", {"product_id": ["1111588191"]}) == answer
    with pytest.raises(UsageError, match="no Seller API operation"):
        ozon.call("/v9/nothing", {})
    with pytest.raises(UsageError, match="file_guid"):
        ozon.call("/v1/cargoes-label/file/{file_guid}")


TYPED_USE = """
from oint.ozon import OzonClient
from oint.ozon.types import V2ProductsStocksRequest

def push(client: OzonClient) -> list[bool]:
    body: V2ProductsStocksRequest = {"stocks": [{"offer_id": "A-1", "stock": 5, "warehouse_id": 1}]}
    answer = client.v2_products_stocks(body)
    return [item.get("updated", False) for item in answer.get("result", [])]
"""

MISTAKES = """
from oint.ozon import OzonClient

def push(client: OzonClient) -> None:
    client.v2_products_stocks({"stock": []})
    client.v3_product_list({"filter": {"visibility": "SIDEWAYS"}})
    for posting in client.iter_v3_posting_fbs_list({"filter": {}, "limit": 10, "offset": 0}):
        posting["no_such_field"]
"""


def test_mypy_strict_checks_typed_calls(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    (tmp_path / "good.py").write_text(textwrap.dedent(TYPED_USE), encoding="utf-8")
    (tmp_path / "bad.py").write_text(textwrap.dedent(MISTAKES), encoding="utf-8")
    flags = ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache")]
    out, _, status = api.run([*flags, str(tmp_path / "good.py")])
    assert status == 0, out
    out, _, status = api.run([*flags, str(tmp_path / "bad.py")])
    assert status == 1
    assert 'Extra key "stock"' in out  # a misspelt field
    assert 'Missing keys ("since", "to")' in out  # a required field left out
    assert '"v3_product_list"' in out  # a value outside the enum ("SIDEWAYS")
    assert 'has no key "no_such_field"' in out  # an answer field that does not exist
