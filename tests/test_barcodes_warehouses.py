"""Barcodes and warehouses: BindBarcodes, CreateBarcodes, GetWarehousesList.

Request building (pure), end to end through the CLI and the clients against the HTTP
sandbox (effects read back through product info and stocks), and the per-minute
limits against an in-process sandbox with a controlled clock.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import (
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    DEMO_WAREHOUSES,
    V1_WAREHOUSE_KEYS,
    Cli,
    Clock,
    http_client,
)

from oint.compat.methods import REGISTRY
from oint.core.errors import BadRequestError, RateLimitError, UsageError
from oint.ozon import AsyncOzonClient, OzonClient
from oint.sandbox.core import Sandbox
from oint.sandbox.model.barcodes import ean13_check_digit, is_valid_ean13


def body(name: str, *values: Any) -> Any:
    return REGISTRY[name].build(list(values)).body


def barcodes_of(ozon: OzonClient, product_id: int) -> list[str]:
    barcodes: list[str] = ozon.get_products_information(product_id)["items"][0]["barcodes"]
    return barcodes


# ================================================================== request building
def test_build_bind_barcodes_map_to_pairs() -> None:
    pairs = [{"sku": 1626044001, "barcode": "112233"}]
    assert body("BindBarcodes", "{'1626044001':'112233'}") == {"barcodes": pairs}
    assert body("ПривязатьШтрихкоды", {"1626044001": 4600000000017, 1626044002: "A-1"}) == {
        "barcodes": [{"sku": 1626044001, "barcode": "4600000000017"}, {"sku": 1626044002, "barcode": "A-1"}]
    }
    with pytest.raises(UsageError, match="keys must be product SKUs"):
        body("BindBarcodes", {"abc": "112233"})
    with pytest.raises(UsageError, match="must be text"):
        body("BindBarcodes", {"1626044001": ["1", "2"]})
    with pytest.raises(UsageError, match="expected a JSON object"):
        body("BindBarcodes", "['112233']")
    with pytest.raises(UsageError, match="missing required option --barcodes"):
        body("BindBarcodes", {})


def test_build_create_barcodes_sends_ids_as_strings() -> None:
    assert body("CreateBarcodes", 2876547413) == {"product_ids": ["2876547413"]}
    both = {"product_ids": ["2875391939", "2876547413"]}
    assert body("СоздатьШтрихкоды", "[2875391939, '2876547413']") == both
    cli = REGISTRY["CreateBarcodes"].params[0].kind.parse_cli("2876547413", "productids")
    assert body("CreateBarcodes", cli) == {"product_ids": ["2876547413"]}


def test_declarations() -> None:
    warehouses = REGISTRY["GetWarehousesList"]
    assert warehouses.params == () and warehouses.rate_limit == (1, 60.0)
    assert warehouses.build([]).body is None  # OInt sends this POST without a body
    assert warehouses.endpoint is not None and warehouses.endpoint.retired == "2026-04-07"
    assert warehouses.endpoint.successor == "/v2/warehouse/list"
    assert REGISTRY["BindBarcodes"].rate_limit == REGISTRY["CreateBarcodes"].rate_limit == (20, 60.0)
    assert REGISTRY["ПолучитьСписокСкладов"] is warehouses


def test_ean13_check_digit() -> None:
    assert ean13_check_digit("400638133393") == "1"  # a well-known EAN-13: 4006381333931
    assert is_valid_ean13("4006381333931") and not is_valid_ean13("4006381333932")


# ================================================================== BindBarcodes
def test_bind_barcodes_cli_then_product_info(cli: Cli) -> None:
    r = cli("BindBarcodes", "--barcodes", "{'1626044001':'112233'}")
    assert r.code == 0, r.err
    assert r.json() == {"errors": []}
    info = cli("GetProductsInformation", "--sku", "1626044001").json()
    assert info["items"][0]["barcodes"] == ["112772873170", "112233"]
    again = cli("ПривязатьШтрихкоды", "--barcodes", "{'1626044001':'112233'}")
    assert again.code == 0 and again.json() == {"errors": []}  # already this product's: nothing changes
    info = cli("GetProductsInformation", "--sku", "1626044001").json()
    assert info["items"][0]["barcodes"] == ["112772873170", "112233"]


def test_bind_barcodes_per_item_errors(ozon: OzonClient) -> None:
    answer = ozon.bind_barcodes(
        {
            "1626044002": "112772873170",  # the barcode of 1626044001
            "1626044003": "4600000000017",
            "1626099999": "112233",  # not this seller's item
        }
    )
    assert answer == {
        "errors": [
            {
                "code": "barcode_already_exists",
                "error": "barcode 112772873170 is already bound to another item",
                "barcode": "112772873170",
                "sku": 1626044002,
            },
            {
                "code": "item_not_found",
                "error": "sellerID of item 1626099999 is not 2128753",
                "barcode": "112233",
                "sku": 1626099999,
            },
        ]
    }
    assert barcodes_of(ozon, 1111588193) == ["4600000000017"]
    assert barcodes_of(ozon, 1111588192) == ["112772873187"]


def test_bind_barcodes_full_product(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, _, _ = clocked
    ozon.request(
        "POST",
        "/v1/barcode/add",
        {"barcodes": [{"sku": 1626044003, "barcode": f"BD-{n:03}"} for n in range(100)]},
    )
    assert len(barcodes_of(ozon, 1111588193)) == 100
    answer = ozon.bind_barcodes({"1626044003": "ONE-MORE"})
    assert [e["code"] for e in answer["errors"]] == ["barcodes_limit_exceeded"]
    assert "ONE-MORE" not in barcodes_of(ozon, 1111588193)


def test_bind_barcodes_validation(ozon: OzonClient, cli: Cli) -> None:
    too_long = "{'1626044003':'" + "9" * 101 + "'}"
    r = cli("BindBarcodes", "--barcodes", too_long)
    assert r.code == 1
    assert r.json()["code"] == 3 and "Barcode: value length must be between 1 and 100" in r.json()["message"]
    # the client refuses a batch over Ozon's maximum before sending (issue 10) ...
    with pytest.raises(UsageError, match="at most 100 items per request"):
        ozon.bind_barcodes({str(1626044003 + n): f"B{n}" for n in range(101)})
    # ... and the sandbox refuses it as Ozon does when it is sent anyway
    too_many = [{"sku": 1626044003 + n, "barcode": f"B{n}"} for n in range(101)]
    with pytest.raises(BadRequestError, match="at most 100 item"):
        ozon.request("POST", "/v1/barcode/add", {"barcodes": too_many})
    r = cli("BindBarcodes", "--barcodes", "{'sku':'1'}")
    assert r.code == 2 and r.out == "" and "keys must be product SKUs" in r.err and "Traceback" not in r.err
    assert barcodes_of(ozon, 1111588193) == []


# ================================================================== CreateBarcodes
def test_create_barcodes_cli_then_product_info(cli: Cli) -> None:
    r = cli("CreateBarcodes", "--productids", "1111588193")
    assert r.code == 0, r.err
    assert r.json() == {"errors": []}
    info = cli("GetProductsInformation", "--productid", "1111588193").json()
    (barcode,) = info["items"][0]["barcodes"]
    assert is_valid_ean13(barcode)
    # a product with an Ozon barcode keeps it; unknown products come back per item
    r = cli("СоздатьШтрихкоды", "--productids", "['1111588193','2875391939']")
    assert r.code == 0, r.err
    assert r.json() == {
        "errors": [
            {
                "code": "item_not_found",
                "error": "product 2875391939 not found",
                "barcode": "",
                "product_id": 2875391939,
            }
        ]
    }
    info = cli("GetProductsInformation", "--productid", "1111588193").json()
    assert info["items"][0]["barcodes"] == [barcode]


def test_create_barcodes_sync_and_async(sandbox_url: str) -> None:
    with http_client(sandbox_url) as ozon:
        assert ozon.create_barcodes([1111588191, "1111588195"]) == {"errors": []}
        first = barcodes_of(ozon, 1111588191)
        assert first[0] == "112772873170" and len(first) == 2 and is_valid_ean13(first[1])
        draft = barcodes_of(ozon, 1111588195)
        assert len(draft) == 1 and draft[0] != first[1]

    async def go() -> None:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url, max_retries=0) as ozon:
            made, bound = await asyncio.gather(
                ozon.create_barcodes("1111588192"), ozon.bind_barcodes({"1626044003": "4601234567893"})
            )
            assert made == {"errors": []} and bound == {"errors": []}
            info = await ozon.get_products_information(product_id=[1111588192, 1111588193])
            barcodes = {i["id"]: i["barcodes"] for i in info["items"]}
            assert len(barcodes[1111588192]) == 2 and is_valid_ean13(barcodes[1111588192][1])
            assert barcodes[1111588193] == ["4601234567893"]

    asyncio.run(go())


def test_create_barcodes_validation(ozon: OzonClient) -> None:
    with pytest.raises(UsageError, match="--productids takes at most 100 items per request"):
        ozon.create_barcodes([str(n) for n in range(1, 102)])
    with pytest.raises(BadRequestError, match="at most 100 item"):  # sent anyway: Ozon's 400
        ozon.request("POST", "/v1/barcode/generate", {"product_ids": [str(n) for n in range(1, 102)]})
    with pytest.raises(BadRequestError, match="at least 1 item"):
        ozon.request("POST", "/v1/barcode/generate", {"product_ids": []})


def test_barcode_methods_20_requests_a_minute(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, _, clock = clocked
    for n in range(20):
        assert ozon.bind_barcodes({"1626044003": f"4600000000{n:03}"}) == {"errors": []}
    with pytest.raises(RateLimitError) as caught:
        ozon.bind_barcodes({"1626044003": "LATE"})
    assert caught.value.status == 429 and caught.value.code == 8 and caught.value.retry_after == 60
    assert ozon.create_barcodes(1111588192) == {"errors": []}  # generate counts on its own
    clock.now += 60
    assert ozon.bind_barcodes({"1626044003": "LATE"}) == {"errors": []}
    assert len(barcodes_of(ozon, 1111588193)) == 21


# ================================================================== GetWarehousesList
@pytest.mark.usefixtures("legacy_api")
def test_warehouses_cli_once_a_minute(cli: Cli) -> None:
    r = cli("GetWarehousesList")
    assert r.code == 0, r.err
    warehouses = r.json()["result"]
    assert [w["warehouse_id"] for w in warehouses] == DEMO_WAREHOUSES
    assert set(warehouses[0]) == V1_WAREHOUSE_KEYS
    assert [w["is_rfbs"] for w in warehouses] == [False, True, False]
    assert [w["is_kgt"] for w in warehouses] == [False, False, True]
    again = cli("ПолучитьСписокСкладов", "--retries", "0")
    assert again.code == 1
    error = again.json()
    assert error["code"] == 8 and error["message"] == "You have reached request rate limit per minute"


@pytest.mark.usefixtures("legacy_api")
def test_warehouses_library_429_and_stocks(ozon: OzonClient) -> None:
    warehouses = ozon.get_warehouses_list()["result"]
    with pytest.raises(RateLimitError) as caught:
        ozon.get_warehouses_list()
    assert caught.value.retry_after is not None and 1 <= caught.value.retry_after <= 60
    assert caught.value.headers.get("retry-after") == str(int(caught.value.retry_after))
    # the listed ids are the ones stocks accept
    entries = [
        {"offer_id": "1432106010", "stock": 3, "warehouse_id": w["warehouse_id"]}
        for w in warehouses
        if not w["is_kgt"]
    ]
    result = ozon.update_products_stocks(entries)["result"]
    assert [r["updated"] for r in result] == [True, True]


@pytest.mark.usefixtures("legacy_api")
def test_warehouses_async_and_window(clocked: tuple[OzonClient, Sandbox, Clock], sandbox_url: str) -> None:
    ozon, _, clock = clocked
    assert len(ozon.get_warehouses_list()["result"]) == 3
    clock.now += 59
    with pytest.raises(RateLimitError) as caught:
        ozon.get_warehouses_list()
    assert caught.value.retry_after == 1
    clock.now += 1
    page = ozon.request("POST", "/v1/warehouse/list", {"limit": 2, "offset": 1})  # Ozon's newer paging
    assert [w["warehouse_id"] for w in page["result"]] == DEMO_WAREHOUSES[1:]
    clock.now += 60
    with pytest.raises(BadRequestError, match="less than or equal to 200"):
        ozon.request("POST", "/v1/warehouse/list", {"limit": 201})

    async def go() -> None:
        async with AsyncOzonClient(
            DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url, max_retries=0
        ) as aozon:
            answer = await aozon.get_warehouses_list()
            assert [w["warehouse_id"] for w in answer["result"]] == DEMO_WAREHOUSES
            with pytest.raises(RateLimitError):
                await aozon.get_warehouses_list()

    asyncio.run(go())
