"""The operation layer (`oint.apis.seller.spec`): generated from reference/, complete, consistent."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from oint.apis.seller import spec
from oint.compat.methods import REGISTRY
from oint.core import layer

ROOT = Path(__file__).resolve().parent.parent


def test_generated_spec_is_up_to_date() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_operations.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr


def test_schemas_are_parsed_one_at_a_time_as_the_file_holds_them() -> None:
    text = (ROOT / "src" / "oint" / "apis" / "seller" / "data" / "schemas.json").read_text(encoding="utf-8")
    whole = json.loads(text)
    table = layer._Schemas(text)
    assert table._parsed == {}  # nothing parsed until read
    assert table["ProductImportPictures"] == whole["schemas"]["ProductImportPictures"]
    assert list(table._parsed) == ["ProductImportPictures"]
    assert list(table) == list(whole["schemas"]) and len(table) == len(whole["schemas"])
    assert dict(table.items()) == whole["schemas"]
    assert "ProductImportPictures" in table and "NoSuchSchema" not in table
    with pytest.raises(KeyError):
        table["NoSuchSchema"]
    other_layout = layer._Schemas(json.dumps(whole))  # any valid file reads the same
    assert dict(other_layout.items()) == whole["schemas"]


def test_every_current_operation_is_declared_once() -> None:
    current = json.loads((ROOT / "reference" / "operations.json").read_text(encoding="utf-8"))
    paths = {o["path"] for o in current["operations"]}
    ops = spec.operations()
    assert len(paths) == 481 and paths <= set(ops)
    assert sum("2026-autumn" in op.sources for op in ops.values()) == 481
    names = [op.name for op in ops.values()]
    assert len(names) == len(set(names))
    for op in ops.values():
        assert spec.operation(op.name) is op and spec.operation(op.path) is op


def test_names_follow_the_path() -> None:
    assert spec.operation("/v3/posting/fbs/list").name == "v3_posting_fbs_list"
    assert spec.operation("/v1/product/update/offer-id").name == "v1_product_update_offer_id"
    label = spec.operation("v1_cargoes_label_file")
    assert label.path == "/v1/cargoes-label/file/{file_guid}" and label.method == "GET"
    assert label.url_path({"file_guid": "ab-1"}) == "/v1/cargoes-label/file/ab-1"
    with pytest.raises(KeyError):
        label.url_path()
    with pytest.raises(KeyError):
        spec.operation("/v9/nothing")
    assert spec.find("v9_nothing") is None


def test_every_oint_method_names_a_declared_operation() -> None:
    for m in REGISTRY:
        if m.calls_api:
            assert m.endpoint is not None and m.endpoint.path == m.operation


def test_retirements_and_successors() -> None:
    pictures = spec.operation("/v1/product/pictures/import")
    assert pictures.retired == "2026-10-01" and pictures.successor == "/v2/product/pictures/import"
    assert not pictures.retired_on(dt.date(2026, 9, 30)) and pictures.retired_on(dt.date(2026, 10, 1))
    assert "off at Ozon from 2026-10-01; successor /v2/product/pictures/import" == pictures.retirement()
    retired = [m.name_en for m in REGISTRY if m.endpoint is not None and m.endpoint.retired]
    assert len(retired) == 10  # the OInt functions whose endpoints Ozon switched off
    for op in spec.operations().values():
        if op.successor:
            assert op.successor in spec.operations(), op.path
    assert spec.operation("/v1/product/upload_digital_codes").sources == ("facts",)


def test_the_layer_lists_the_paths_that_retire() -> None:
    # the client's per-call check of a switched-off endpoint is a look-up in this set
    retiring = spec.LAYER.retiring()
    assert retiring == {op.path for op in spec.operations().values() if op.retired}
    assert "/v1/product/pictures/import" in retiring and "/v3/product/list" not in retiring


def test_paging_is_described_for_every_paged_operation() -> None:
    paged = [op for op in spec.operations().values() if op.paging is not None]
    assert len(paged) == 92
    styles = {op.paging.style for op in paged if op.paging}
    assert styles == {"last_id", "cursor", "offset", "page"}
    fbs = spec.operation("/v3/posting/fbs/list").paging
    assert fbs is not None
    assert (fbs.style, fbs.items, fbs.position, fbs.size, fbs.has_next) == (
        "offset",
        "result.postings",
        "offset",
        "limit",
        "result.has_next",
    )
    products = spec.operation("/v3/product/list").paging
    assert products is not None and (products.next, products.max) == ("result.last_id", 1000)
    warehouses = spec.operation("/v2/warehouse/list").paging
    assert warehouses is not None and (warehouses.next, warehouses.has_next) == ("cursor", "has_next")
    for op in paged:
        assert op.paging is not None
        fields = spec.schema(op.request).get("properties", {})
        assert op.paging.position in fields, op.path
        assert op.paging.size is None or op.paging.size in fields, op.path


def test_batches_limits_and_schemas() -> None:
    stocks = spec.operation("/v2/products/stocks")
    assert stocks.batch == spec.Batch("stocks", 100)
    assert stocks.rate_limits == ((80, 60.0),)
    assert spec.operation("/v1/product/import/prices").batch == spec.Batch("prices", 1000)
    assert spec.operation("/v1/draft/create").rate_limits == ((2, 60.0), (50, 3600.0), (500, 86400.0))
    assert spec.global_rate_limits() == ((50, 1.0),)
    request = spec.schema(stocks.request)
    assert request["required"] == ["stocks"]
    item = spec.resolve(request["properties"]["stocks"]["items"])
    assert set(item["required"]) == {"stock", "warehouse_id"}  # product_id or offer_id (facts §6.1)
    for op in spec.operations().values():
        for name in (op.request, op.response):
            if name:
                assert name in spec.schemas(), (op.path, name)


def test_registry_methods_keep_their_limits() -> None:
    assert REGISTRY["UpdateProductsStocks"].rate_limit == (80, 60.0)
    assert REGISTRY["GetProductList"].rate_limit is None
    assert REGISTRY["GetProductStructure"].endpoint is None


def test_the_clients_keep_their_layer_once_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # a call reads `client.layer` several times: after the first, no import statement runs again
    import types

    from oint.apis.seller.client import AsyncSellerClient, SellerClient

    assert SellerClient.layer is spec.LAYER and AsyncSellerClient.layer is spec.LAYER
    monkeypatch.setitem(sys.modules, "oint.apis.seller.spec", types.ModuleType("no_layer_here"))
    assert SellerClient.layer is spec.LAYER and AsyncSellerClient.layer is spec.LAYER
