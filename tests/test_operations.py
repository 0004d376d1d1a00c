"""Typed methods for every operation: the stub mypy reads and the methods that run agree, and
they reach the sandbox; mypy --strict checks what a user writes with them."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest
from tools import codegen, codegen_ops

import oint.ozon.types
from oint.apis.seller import spec
from oint.core.operations import _bind_arguments
from oint.ozon import AsyncOzonClient, OzonClient, UsageError

ROOT = Path(__file__).resolve().parent.parent
STUB = ROOT / "src" / "oint" / "apis" / "seller" / "_operations.pyi"
TYPES = ROOT / "src" / "oint" / "apis" / "seller" / "types"


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
from oint.ozon.types import MoneyMoneyAccrued, V2ProductsStocksRequest
from oint.ozon.types.fbs import V3PostingFbsListItem, V3PostingFbsListRequest

def push(client: OzonClient) -> list[bool]:
    body: V2ProductsStocksRequest = {"stocks": [{"offer_id": "A-1", "stock": 5, "warehouse_id": 1}]}
    answer = client.v2_products_stocks(body)
    return [item.get("updated", False) for item in answer.get("result", [])]

def numbers(client: OzonClient) -> list[str]:
    body: V3PostingFbsListRequest = {"filter": {"since": "", "to": ""}, "limit": 1, "offset": 0}
    first: V3PostingFbsListItem = next(client.iter_v3_posting_fbs_list(body))
    money: MoneyMoneyAccrued = {"amount": "1.00", "currency": "RUB"}
    return [first.get("posting_number", ""), money.get("amount", "")]
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


def _types_size() -> ModuleType:
    """bench/types_size.py: reads TypedDicts from the source alone, independently of the generator."""
    found = importlib.util.spec_from_file_location("types_size", ROOT / "bench" / "types_size.py")
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    sys.modules.setdefault("types_size", module)  # its dataclasses look their module up
    found.loader.exec_module(module)
    return module


def test_identical_structures_are_emitted_once() -> None:
    size = _types_size()
    lines, classes, distinct = size.figures(TYPES)
    assert classes == distinct, "two generated TypedDicts have the same fields of the same types"
    assert lines > 0 and classes > 1000
    money = oint.ozon.types.MoneyMoney  # one class for Ozon's dozens of {amount, currency}
    assert oint.ozon.types.MoneyMoneyAccrued is money and oint.ozon.types.UtilizationMoney is money
    assert "MoneyMoneyAccrued: TypeAlias = MoneyMoney" in (TYPES / "finance.py").read_text(encoding="utf-8")


def test_every_former_name_still_imports() -> None:
    names = (ROOT / "tests" / "data" / "types-names-2026-12.txt").read_text(encoding="utf-8").split()
    assert len(names) == 2956
    missing = [name for name in names if not hasattr(oint.ozon.types, name)]
    assert not missing, missing[:20]
    assert set(names) <= set(dir(oint.ozon.types))


def test_types_are_split_by_section_and_import_only_common() -> None:
    assert codegen_ops.section("/v3/posting/fbs/list") == "fbs"
    assert codegen_ops.section("/v1/product/import/prices") == "prices_stocks"
    assert codegen_ops.section("/v3/product/info/list") == "products"
    assert codegen_ops.section("/v3/finance/transaction/list") == "finance"
    assert codegen_ops.section("/v9/something/new") == "other"
    fbs = importlib.import_module("oint.ozon.types.fbs")
    assert fbs.V3PostingFbsListRequest is oint.ozon.types.V3PostingFbsListRequest
    modules = {p.stem for p in TYPES.glob("*.py")} - {"__init__"}
    assert {"common", "fbs", "fbo", "products", "prices_stocks", "finance"} <= modules
    for module in sorted(modules):
        tree = ast.parse((TYPES / f"{module}.py").read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        ours = {m for m in imported if m.startswith("oint")}
        assert ours <= ({"oint.apis.seller.types.common"} if module != "common" else set()), (module, ours)
    stub = STUB.read_text(encoding="utf-8")
    assert "def v3_posting_fbs_list(self, body: fbs.V3PostingFbsListRequest" in stub


def test_check_fails_when_a_generated_file_is_edited_or_left_over(tmp_path: Path) -> None:
    for path, text in codegen.outputs(tmp_path).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert codegen.stale(tmp_path) == []
    seller = tmp_path / "apis" / "seller"
    fbs = seller / "types" / "fbs.py"
    fresh = fbs.read_text(encoding="utf-8")
    fbs.write_text(fresh.replace("total=False", "total=True", 1), encoding="utf-8")
    assert codegen.stale(tmp_path) == [fbs]
    fbs.write_text(fresh, encoding="utf-8")
    (seller / "types" / "gone.py").write_text("", encoding="utf-8")
    (seller / "types.py").write_text("", encoding="utf-8")
    assert codegen.stale(tmp_path) == [seller / "types" / "gone.py", seller / "types.py"]
    (seller / "_operations.pyi").unlink()
    assert seller / "_operations.pyi" in codegen.stale(tmp_path)
