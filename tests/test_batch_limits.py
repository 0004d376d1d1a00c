"""Items per request: a batch above Ozon's documented maximum is refused before anything is sent,
naming the option, the limit and the count (issue 10)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import SandboxServer, creds

from oint.apis.seller import spec
from oint.ozon import OzonClient, UsageError


def stocks(n: int) -> list[dict[str, Any]]:
    return [{"offer_id": f"A-{i}", "stock": 1, "warehouse_id": 22142605386000} for i in range(n)]


@pytest.mark.parametrize(
    ("method", "option", "items", "limit", "bulk"),
    [
        ("UpdateProductsStocks", "stocks", stocks(101), 100, "stocks"),
        (
            "UpdateProductsPrices",
            "prices",
            [{"offer_id": f"A-{i}", "price": "100"} for i in range(1001)],
            1000,
            "prices",
        ),
        ("ArchiveProducts", "products", list(range(1, 102)), 100, "archive"),
        ("BindBarcodes", "barcodes", {str(i): f"B{i}" for i in range(101)}, 100, "v1_barcode_add"),
    ],
)
def test_cli_refuses_a_batch_over_the_limit(
    run_cli: Any,
    server: SandboxServer,
    sandbox_url: str,
    method: str,
    option: str,
    items: Any,
    limit: int,
    bulk: str,
) -> None:
    server.clear_requests()
    r = run_cli("ozon", method, f"--{option}", json.dumps(items), *creds(sandbox_url))
    assert r.code == 2, r.err
    assert f"--{option} takes at most {limit} items per request" in r.err
    assert f"got {len(items)}" in r.err and f"'oint ozon bulk {bulk} --file FILE'" in r.err
    assert len(r.err.strip().splitlines()) == 1
    assert server.requests() == []  # nothing sent


def test_a_full_batch_is_sent(run_cli: Any, sandbox_url: str) -> None:
    r = run_cli(
        "ozon",
        "UpdateProductsStocks",
        "--stocks",
        json.dumps(stocks(100)),
        *creds(sandbox_url),
        "--allow-item-errors",
    )
    assert r.code == 0, r.err
    assert len(r.json()["result"]) == 100


def test_library_and_generic_calls_check_it_too(ozon: OzonClient, run_cli: Any, sandbox_url: str) -> None:
    with pytest.raises(UsageError, match="at most 100 items per request"):
        ozon.update_products_stocks(stocks(101))
    with pytest.raises(UsageError, match="v2_products_stocks: stocks takes at most 100") as refused:
        ozon.call("/v2/products/stocks", {"stocks": stocks(101)})
    assert "'oint ozon bulk stocks --file FILE'" in str(refused.value)
    r = run_cli(
        "ozon", "v2_products_stocks", "--body", json.dumps({"stocks": stocks(101)}), *creds(sandbox_url)
    )
    assert r.code == 2 and "got 101" in r.err
    assert spec.operation("/v2/products/stocks").over_batch({"stocks": stocks(100)}) is None


def test_the_message_names_the_bulk_command_of_each_batched_operation() -> None:
    from oint.jobs.kinds import KINDS, bulk_command, bulk_operation, kind_of

    for name, kind in KINDS.items():
        op = spec.operation(kind.op)
        assert op.batch is not None and kind_of(op.path) == name
        assert bulk_command(op) == f"oint ozon bulk {name} --file FILE"
        assert bulk_operation(name) == bulk_operation(op.path) == bulk_operation(op.name) == (op, name)
    barcodes = spec.operation("/v1/barcode/add")
    assert kind_of(barcodes.path) is None
    assert bulk_command(barcodes) == "oint ozon bulk v1_barcode_add --file FILE"
    assert bulk_operation("v1_barcode_add") == (barcodes, None)
    with pytest.raises(UsageError, match="takes no batch of items"):
        bulk_operation("/v3/product/list")
