"""Prices, stocks and markdowns: GetProductsStocks, GetProductsPrices, GetDiscountInformation,
UpdateProductsStocks, UpdateProductsPrices, SetProductDiscount.

Request building (pure), end to end through the CLI and the clients against the HTTP
sandbox (effects read back), and the time- and quota-dependent rules against an
in-process sandbox with a controlled clock.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, Cli, Clock, http_client

from oint.compat.methods import REGISTRY
from oint.core.errors import BadRequestError, NotFoundError, RateLimitError, UsageError
from oint.ozon import AsyncOzonClient, OzonClient
from oint.sandbox.core import Sandbox
from oint.sandbox.model.base import Account
from oint.sandbox.model.prices import get_markdown
from oint.sandbox.model.products import after_product, get_product, new_product, product_cursor, save_product

FBS = 1020005000050693  # demo FBS warehouse
RFBS = 1020005000050694  # demo rFBS warehouse
KGT = 1020005000113280  # demo warehouse for bulky goods
FBO_MARKDOWN_SKU, FBS_MARKDOWN_SKU, FBS_MARKDOWN_PRODUCT = 1626044101, 1626044102, 1111588292


def account(sandbox: Sandbox, clock: Clock) -> Account:
    return Account(sandbox.store, DEMO_CLIENT_ID, clock())


def body(name: str, *values: Any) -> Any:
    return REGISTRY[name].build(list(values)).body


def stocks_by_type(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["type"]: s for s in item["stocks"]}


def one_stock(ozon: OzonClient, offer_id: str) -> dict[str, dict[str, Any]]:
    items = ozon.get_products_stocks({"offer_id": [offer_id]})["items"]
    assert [i["offer_id"] for i in items] == [offer_id]
    return stocks_by_type(items[0])


def one_price(ozon: OzonClient, offer_id: str) -> dict[str, Any]:
    items = ozon.get_products_prices({"offer_id": [offer_id]})["items"]
    assert [i["offer_id"] for i in items] == [offer_id]
    price: dict[str, Any] = items[0]["price"]
    return price


# ================================================================== request building
def test_build_reads_send_fixed_limit_empty_filter_and_the_cursor_as_string() -> None:
    # OInt sent --last as last_id; the v4/v5 reads page by cursor, so oint sends it as cursor
    assert body("GetProductsStocks", None, None) == {"limit": "100", "filter": {}}
    assert body("ПолучитьКоличествоТоваров", "", 0) == {"limit": "100", "filter": {}}
    assert body("GetProductsPrices", None, None) == {"limit": "300", "filter": {}}
    assert body("GetProductsStocks", "{'visibility':'ALL','offer_id':['143210608']}", "WzEyXQ==") == {
        "limit": "100",
        "filter": {"visibility": "ALL", "offer_id": ["143210608"]},
        "cursor": "WzEyXQ==",
    }
    assert body("ПолучитьЦеныТоваров", {"product_id": [1111588191]}, 1111588191) == {
        "limit": "300",
        "filter": {"product_id": [1111588191]},
        "cursor": "1111588191",
    }
    first, second = body("GetProductsStocks", None, None), body("GetProductsStocks", None, None)
    first["filter"]["x"] = 1
    assert second["filter"] == {}  # a fresh {} per request
    cli = REGISTRY["GetProductsStocks"].params[1].kind.parse_cli("123", "last")
    assert body("GetProductsStocks", None, cli)["cursor"] == "123"
    with pytest.raises(UsageError, match="--filter: expected a JSON object"):
        body("GetProductsStocks", "['a']", None)


def test_build_updates_wrap_a_single_structure() -> None:
    entry = {"offer_id": "143210610", "product_id": 1307198983, "stock": 20, "warehouse_id": 1}
    text = "{'offer_id':'143210610','product_id':1307198983,'stock':20,'warehouse_id':1}"
    assert body("UpdateProductsStocks", text) == {"stocks": [entry]}
    assert body("ОбновитьКоличествоТоваров", entry) == {"stocks": [entry]}
    assert body("UpdateProductsStocks", [entry, entry]) == {"stocks": [entry, entry]}
    price = {"offer_id": "143210609", "price": "1300", "old_price": "1500"}
    assert body("UpdateProductsPrices", price) == {"prices": [price]}
    assert body("ОбновитьЦеныТоваров", json.dumps([price, price])) == {"prices": [price, price]}
    with pytest.raises(UsageError, match="missing required option --stocks"):
        body("UpdateProductsStocks", None)
    with pytest.raises(UsageError, match="--prices: malformed JSON"):
        body("UpdateProductsPrices", "[{'price': ")


def test_build_discount_methods_send_numbers() -> None:
    assert body("SetProductDiscount", "1156646653", "10") == {"product_id": 1156646653, "discount": 10}
    same = body("УстановитьСкидкуНаУцененныйТовар", 1156646653, 10)
    assert same == {"product_id": 1156646653, "discount": 10}
    with pytest.raises(UsageError, match="--discount: expected a number"):
        body("SetProductDiscount", 1, "ten")
    assert body("GetDiscountInformation", "1626044101") == {"discounted_skus": [1626044101]}
    assert body("ПолучитьИнформациюОбУценке", [1626044101, "1626044102"]) == {
        "discounted_skus": [1626044101, 1626044102]
    }


def test_declarations() -> None:
    assert REGISTRY["UpdateProductsStocks"].rate_limit == (80, 60.0)
    for name in ("GetProductsStocks", "GetProductsPrices", "UpdateProductsPrices", "SetProductDiscount"):
        assert REGISTRY[name].group == "Prices-and-stocks"
    assert [p.cli for p in REGISTRY["GetProductsPrices"].params] == ["filter", "last"]


def test_cursor_is_opaque_base64_and_accepts_plain_ids() -> None:
    assert product_cursor(1111588192) == "WzExMTE1ODgxOTJd"
    assert after_product("WzExMTE1ODgxOTJd", "R") == 1111588192
    assert after_product("1111588192", "R") == 1111588192


# ================================================================== prices end to end
def test_prices_cli_set_then_read_back(cli: Cli) -> None:
    prices = "{'offer_id':'143210609','price':'1190.50','old_price':'1400','min_price':'1000','vat':'0.2'}"
    r = cli("UpdateProductsPrices", "--prices", prices)
    assert r.code == 0, r.err
    assert r.json() == {
        "result": [{"product_id": 1111588191, "offer_id": "143210609", "updated": True, "errors": []}]
    }
    read = cli("ПолучитьЦеныТоваров", "--filter", "{'offer_id':['143210609']}")
    assert read.code == 0, read.err
    answer = read.json()
    assert answer["total_items"] == 1 and answer["cursor"] == ""
    item = answer["items"][0]
    assert item["product_id"] == 1111588191
    assert item["price"]["price"] == 1190.5 and item["price"]["old_price"] == 1400
    assert item["price"]["min_price"] == 1000 and item["price"]["vat"] == 0.2
    assert item["price"]["currency_code"] == "RUB"
    # product info shows the same prices as strings
    info = cli("GetProductsInformation", "--offerid", "143210609").json()
    assert info["items"][0]["price"] == "1190.50" and info["items"][0]["old_price"] == "1400.00"


def test_prices_read_shape_follows_the_recording(ozon: OzonClient) -> None:
    answer = ozon.get_products_prices()
    assert set(answer) >= {"items", "cursor", "total_items"} and "total" not in answer  # off since 2026-11-23
    assert answer["total_items"] == 4  # all but the archived product
    item = answer["items"][0]
    assert set(item) == {
        "acquiring",
        "offer_id",
        "product_id",
        "volume_weight",
        "commissions",
        "marketing_actions",
        "price",
        "price_indexes",
    }
    assert set(item["price"]) == {
        "auto_action_enabled",
        "currency_code",
        "marketing_price",
        "marketing_seller_price",
        "min_price",
        "old_price",
        "price",
        "retail_price",
        "vat",
        "auto_add_to_ozon_actions_list_enabled",
        "net_price",
    }
    assert isinstance(item["price"]["price"], (int, float)) and item["price"]["auto_action_enabled"] is False
    assert item["price_indexes"]["color_index"] == "WITHOUT_INDEX"
    archived = ozon.get_products_prices({"visibility": "ARCHIVED"})["items"]
    assert [i["offer_id"] for i in archived] == ["ARCH-001"]


def test_prices_invalid_items_are_reported_per_item(cli: Cli, sandbox_url: str) -> None:
    prices = json.dumps(
        [
            {"offer_id": "143210609", "price": "1300", "old_price": "1310"},  # 0.8 % discount
            {"offer_id": "91132", "price": "900", "old_price": "1000"},  # fine
            {"offer_id": "NO-SUCH", "price": "100"},
            {"product_id": 1111588192, "price": "1300", "min_price": "500"},  # below half the price
        ]
    )
    r = cli("UpdateProductsPrices", "--prices", prices)
    assert r.code == 1 and "did not apply 3 item(s)" in r.err  # items refused: exit 1, answer printed
    result = r.json()["result"]
    assert [x["updated"] for x in result] == [False, True, False, False]
    assert [e["code"] for e in result[0]["errors"]] == ["discount_for_average_price_is_too_small"]
    assert result[2] == {
        "product_id": 0,
        "offer_id": "NO-SUCH",
        "updated": False,
        "errors": [{"code": "NOT_FOUND_ERROR", "message": "product not found"}],
    }
    assert [e["code"] for e in result[3]["errors"]] == ["min_auto_price_too_small"]
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url) as ozon:
        assert one_price(ozon, "143210609")["price"] == 1300  # unchanged
        assert one_price(ozon, "143210609")["old_price"] == 1500
        assert one_price(ozon, "91132")["old_price"] == 1000


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ({"price": "300", "old_price": "310"}, "discount_for_low_price_is_too_small"),
        ({"price": "300", "old_price": "320"}, None),
        ({"price": "2000", "old_price": "2080"}, "discount_for_average_price_is_too_small"),
        ({"price": "2000", "old_price": "2110"}, None),
        ({"price": "20000", "old_price": "20400"}, "discount_for_top_price_is_too_small"),
        ({"price": "20000", "old_price": "20500"}, None),
        ({"price": "100", "old_price": "1000"}, "discount_too_big"),
        ({"price": "1300", "old_price": "1200"}, "old_price_less_than_price"),
        ({"price": "1300", "old_price": "0"}, None),
        ({"price": "0"}, "price_negative"),
        ({"price": "-5"}, "price_negative"),
        ({"price": "abc"}, "invalid_price"),
        ({"price": "1300", "old_price": "0", "min_price": "1400"}, "min_auto_price_too_big"),
        ({"price": "1300", "old_price": "1400", "min_price": "1300"}, None),  # OInt's documented example
        ({"price": "1300", "old_price": "0", "currency_code": "USD"}, "currency_code_mismatch"),
        ({"price": "1300", "old_price": "0", "vat": "0.3"}, "vat_invalid"),
        (
            {"price": "1300", "old_price": "0", "auto_action_enabled": "ENABLED"},
            "action_price_enabled_min_price_missing",
        ),
    ],
)
def test_price_rules(
    clocked: tuple[OzonClient, Sandbox, Clock], item: dict[str, Any], code: str | None
) -> None:
    ozon, _, _ = clocked
    result = ozon.update_products_prices({"offer_id": "143210609", **item})["result"][0]
    assert result["updated"] is (code is None)
    assert [e["code"] for e in result["errors"]] == ([code] if code else [])


def test_prices_ten_updates_an_hour_per_product(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, _, clock = clocked
    prices = [{"offer_id": "143210609", "price": str(1000 + i), "old_price": "0"} for i in range(11)]
    prices.append({"offer_id": "91132", "price": "800"})  # another product is not affected
    result = ozon.update_products_prices(prices)["result"]
    assert [r["updated"] for r in result] == [True] * 10 + [False, True]
    error = result[10]["errors"][0]
    assert error["code"] == "RESOURCE_EXHAUSTED"
    assert "error limiting: acquire limit per item: items limit: limit exceeded" in error["message"]
    assert one_price(ozon, "143210609")["price"] == 1009
    clock.now += 3600
    assert ozon.update_products_prices({"offer_id": "143210609", "price": "999"})["result"][0]["updated"]
    assert one_price(ozon, "143210609")["price"] == 999


def test_prices_request_validation(ozon: OzonClient, cli: Cli) -> None:
    with pytest.raises(UsageError, match="--prices takes at most 1000 items per request"):
        ozon.update_products_prices([{"offer_id": "143210609", "price": "1000"}] * 1001)
    with pytest.raises(BadRequestError, match="at most 1000 item"):  # sent anyway: Ozon's 400
        ozon.request(
            "POST", "/v1/product/import/prices", {"prices": [{"offer_id": "1", "price": "1"}] * 1001}
        )
    with pytest.raises(BadRequestError, match="auto_action_enabled"):
        ozon.update_products_prices({"offer_id": "143210609", "price": "1000", "auto_action_enabled": "YES"})
    r = cli("UpdateProductsPrices", "--prices", "[]")
    assert r.code == 2 and "missing required option --prices" in r.err and "Traceback" not in r.err
    r = cli("UpdateProductsPrices", "--prices", "not json")
    assert r.code == 2 and r.err.count("\n") == 1 and "Traceback" not in r.err


def test_prices_cursor_paging_and_last_alias(ozon: OzonClient, cli: Cli) -> None:
    first = ozon.request("POST", "/v5/product/info/prices", {"filter": {}, "limit": 3})
    assert [i["offer_id"] for i in first["items"]] == ["143210609", "1432106010", "91132"]
    assert first["cursor"] and first["total_items"] == 4
    rest = ozon.request(
        "POST", "/v5/product/info/prices", {"filter": {}, "limit": 3, "cursor": first["cursor"]}
    )
    assert [i["offer_id"] for i in rest["items"]] == ["DRAFT-001"] and rest["cursor"] == ""
    # OInt's --last (sent as last_id) continues after the cursor too
    r = cli("GetProductsPrices", "--last", first["cursor"])
    assert r.code == 0, r.err
    assert [i["offer_id"] for i in r.json()["items"]] == ["DRAFT-001"]
    with pytest.raises(BadRequestError, match="Limit"):
        ozon.request("POST", "/v5/product/info/prices", {"filter": {}, "limit": 1001})
    with pytest.raises(BadRequestError, match="Filter: value is required"):
        ozon.request("POST", "/v5/product/info/prices", {"limit": 10})
    with pytest.raises(BadRequestError, match="Cursor"):
        ozon.request("POST", "/v5/product/info/prices", {"filter": {}, "limit": 10, "cursor": "???"})
    with pytest.raises(BadRequestError, match="Visibility"):
        ozon.get_products_prices({"visibility": "SOMETIMES"})


def test_prices_async_client(sandbox_url: str) -> None:
    async def go() -> None:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url, max_retries=0) as ozon:
            result = await ozon.update_products_prices(
                "[{'offer_id':'1432106010','price':'1250','old_price':'1500'},"
                "{'product_id':'1111588193','price':'850','old_price':'0'}]"
            )
            assert [r["updated"] for r in result["result"]] == [True, True]
            answer = await ozon.get_products_prices({"product_id": ["1111588192", 1111588193]})
            got = {i["product_id"]: i["price"]["price"] for i in answer["items"]}
            assert got == {1111588192: 1250, 1111588193: 850}

    asyncio.run(go())


# ================================================================== stocks end to end
def test_stocks_cli_write_then_read_back(cli: Cli) -> None:
    stocks = f"{{'offer_id':'1432106010','stock':20,'warehouse_id':{FBS}}}"
    r = cli("UpdateProductsStocks", "--stocks", stocks)
    assert r.code == 0, r.err
    assert r.json() == {
        "result": [
            {
                "warehouse_id": FBS,
                "product_id": 1111588192,
                "offer_id": "1432106010",
                "updated": True,
                "errors": [],
            }
        ]
    }
    read = cli("GetProductsStocks", "--filter", "{'offer_id':['1432106010']}")
    assert read.code == 0, read.err
    item = read.json()["items"][0]
    assert item["stocks"] == [
        {
            "present": 20,
            "reserved": 0,
            "shipment_type": "SHIPMENT_TYPE_GENERAL",
            "sku": 1626044002,
            "type": "fbs",
            "warehouse_ids": [FBS],
        }
    ]
    info = cli("GetProductsInformation", "--offerid", "1432106010").json()
    assert info["items"][0]["stocks"] == {
        "has_stock": True,
        "stocks": [{"present": 20, "reserved": 0, "sku": 1626044002, "source": "fbs"}],
    }


def test_stocks_filter_from_a_json_file(cli: Cli, run_cli: Any, tmp_path: Any) -> None:
    template = run_cli("ozon", "GetProductsFilterStructure", "--empty", "true")
    assert template.code == 0, template.err
    data = tmp_path / "data.json"  # OInt's RU example passes --filter "data.json"
    data.write_text(template.out, encoding="utf-8")
    r = cli("ПолучитьКоличествоТоваров", "--filter", str(data))
    assert r.code == 0, r.err
    assert [i["offer_id"] for i in r.json()["items"]] == ["143210609", "1432106010", "91132", "DRAFT-001"]
    data.write_text('{"offer_id": ["91132", ""], "product_id": "", "visibility": ""}', encoding="utf-8")
    r = cli("GetProductsStocks", "--filter", str(data))
    assert r.code == 0, r.err
    assert [i["offer_id"] for i in r.json()["items"]] == ["91132"]


def test_stocks_present_includes_reserved_and_types(ozon: OzonClient) -> None:
    before = one_stock(ozon, "143210609")
    assert before["fbs"]["present"] == 17 and before["fbs"]["reserved"] == 2
    assert before["fbo"] == {
        "present": 12,
        "reserved": 0,
        "shipment_type": "SHIPMENT_TYPE_GENERAL",
        "sku": 1626044001,
        "type": "fbo",
        "warehouse_ids": [],
    }
    result = ozon.update_products_stocks(
        [
            {"offer_id": "143210609", "stock": 5, "warehouse_id": FBS},
            {"product_id": "1111588191", "stock": "4", "warehouse_id": str(RFBS)},  # ids as strings too
        ]
    )["result"]
    assert [r["updated"] for r in result] == [True, True]
    after = one_stock(ozon, "143210609")
    assert after["fbs"]["present"] == 7 and after["fbs"]["reserved"] == 2  # 5 available + 2 reserved
    assert after["rfbs"]["present"] == 4 and after["rfbs"]["warehouse_ids"] == [RFBS]
    assert after["fbo"]["present"] == 12
    # stock 0 on every seller warehouse: the product is still in stock at Ozon (FBO)
    ozon.update_products_stocks({"offer_id": "1432106010", "stock": 0, "warehouse_id": FBS})
    item = ozon.get_products_information(offer_id="1432106010")["items"][0]
    assert item["stocks"]["has_stock"] is False and item["stocks"]["stocks"][0]["present"] == 0


def test_stocks_pair_once_per_30_seconds(ozon: OzonClient) -> None:
    entry = {"offer_id": "91132", "stock": 8, "warehouse_id": RFBS}
    assert ozon.update_products_stocks(entry)["result"][0]["updated"] is True
    again = ozon.update_products_stocks([{**entry, "stock": 9}, {**entry, "warehouse_id": FBS, "stock": 1}])
    first, other_pair = again["result"]
    assert first["updated"] is False
    assert first["errors"] == [{"code": "TOO_MANY_REQUESTS", "message": "Stock is updated too frequently"}]
    assert other_pair["updated"] is True  # another warehouse of the same product is a different pair
    assert one_stock(ozon, "91132")["rfbs"]["present"] == 9  # 8 + 1 reserved: the second write was refused


def test_stocks_pair_limit_frees_after_30_seconds(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, _, clock = clocked
    entry = {"offer_id": "91132", "stock": 8, "warehouse_id": RFBS}
    assert ozon.update_products_stocks(entry)["result"][0]["updated"]
    clock.now += 29
    assert not ozon.update_products_stocks(entry)["result"][0]["updated"]
    clock.now += 1.5
    assert ozon.update_products_stocks({**entry, "stock": 2})["result"][0]["updated"]
    assert one_stock(ozon, "91132")["rfbs"]["present"] == 3


def test_stocks_per_item_errors(cli: Cli, sandbox_url: str) -> None:
    stocks = json.dumps(
        [
            {
                "offer_id": "143210610",
                "product_id": 1307198983,
                "stock": 20,
                "warehouse_id": 1,
            },  # OInt's example
            {"offer_id": "ARCH-001", "stock": 1, "warehouse_id": FBS},
            {"offer_id": "DRAFT-001", "stock": 1, "warehouse_id": FBS},
            {"product_id": 999, "stock": 1, "warehouse_id": FBS},
            {"offer_id": "91132", "stock": 1_000_000, "warehouse_id": FBS},
            {"offer_id": "91132", "stock": 1, "warehouse_id": KGT},
            {"offer_id": "91132", "product_id": 1111588191, "stock": 2, "warehouse_id": FBS},  # offer_id wins
        ]
    )
    r = cli("ОбновитьКоличествоТоваров", "--stocks", stocks, "--allow-item-errors")
    assert r.code == 0, r.err
    result = r.json()["result"]
    codes = [[e["code"] for e in x["errors"]] for x in result]
    assert codes == [
        ["offer_id_not_found", "WAREHOUSE_NOT_FOUND"],
        ["PRODUCT_IS_ARCHIVED"],
        ["product_is_not_created"],
        ["NOT_FOUND_ERROR"],
        ["STOCK_TOO_BIG"],
        ["NON_KGT_ON_KGT_WAREHOUSE"],
        [],
    ]
    assert result[0]["errors"][1]["message"] == "warehouse has wrong id: 1"  # as Ozon recorded it
    assert result[0]["product_id"] == 0 and result[0]["offer_id"] == "143210610"
    assert result[6]["product_id"] == 1111588193 and result[6]["updated"] is True
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url) as ozon:
        assert one_stock(ozon, "91132")["fbs"]["present"] == 2
        assert "fbs" not in one_stock(ozon, "DRAFT-001")


def test_stocks_need_a_price(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, sandbox, clock = clocked
    with sandbox.store.transaction():
        acct = account(sandbox, clock)
        save_product(acct, new_product(acct, offer_id="NO-PRICE", sku=1626049999, price="0", name="x"))
    entry = {"offer_id": "NO-PRICE", "stock": 1, "warehouse_id": FBS}
    result = ozon.update_products_stocks(entry)["result"][0]
    assert [e["code"] for e in result["errors"]] == ["PRICE_IS_NOT_SENT"]
    ozon.update_products_prices({"offer_id": "NO-PRICE", "price": "500"})
    assert ozon.update_products_stocks(entry)["result"][0]["updated"]


def test_stocks_request_validation(ozon: OzonClient, cli: Cli) -> None:
    r = cli("UpdateProductsStocks", "--stocks", "{'offer_id':'91132','stock':1}")
    assert r.code == 1
    error = r.json()
    assert error["code"] == 3 and error["details"] == []
    assert error["message"] == (
        "Request validation error: invalid ProductsStocksRequest.Stocks[0]: embedded message failed "
        "validation | caused by: invalid ProductsStocksRequest_Stock.WarehouseId: "
        "value must be greater than 0"
    )
    too_many = [{"offer_id": "91132", "stock": 1, "warehouse_id": FBS}] * 101
    with pytest.raises(UsageError, match="--stocks takes at most 100 items per request"):
        ozon.update_products_stocks(too_many)
    with pytest.raises(BadRequestError, match="at most 100 item"):  # sent anyway: Ozon's 400
        ozon.request("POST", "/v2/products/stocks", {"stocks": too_many})
    with pytest.raises(BadRequestError, match="Stock: value must be greater than or equal to 0"):
        ozon.update_products_stocks({"offer_id": "91132", "stock": -1, "warehouse_id": FBS})
    assert one_stock(ozon, "91132")["rfbs"]["present"] == 4  # nothing changed


def test_stocks_80_requests_a_minute(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, sandbox, clock = clocked
    with sandbox.store.transaction():  # 79 earlier requests in this minute
        for _ in range(79):
            assert sandbox.store.hit(DEMO_CLIENT_ID, "products_stocks", 80, 60.0, clock()) is None
    entry = {"offer_id": "91132", "stock": 1, "warehouse_id": FBS}
    assert ozon.update_products_stocks(entry)["result"][0]["updated"]  # the 80th
    with pytest.raises(RateLimitError) as caught:
        ozon.update_products_stocks({**entry, "warehouse_id": RFBS})
    assert caught.value.code == 8 and caught.value.retry_after == 60
    clock.now += 60
    assert ozon.update_products_stocks({**entry, "warehouse_id": RFBS})["result"][0]["updated"]


def test_stocks_cursor_paging_with_last(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, sandbox, clock = clocked
    with sandbox.store.transaction():
        acct = account(sandbox, clock)
        for n in range(120):
            save_product(acct, new_product(acct, offer_id=f"BULK-{n:03}", sku=1700100000 + n, price="100"))
    first = ozon.get_products_stocks()
    assert len(first["items"]) == 100 and first["total_items"] == 124
    assert first["cursor"]
    second = ozon.get_products_stocks(last_id=first["cursor"])
    assert len(second["items"]) == 24 and second["cursor"] == ""
    ids = [i["product_id"] for i in first["items"] + second["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 124
    raw = ozon.request(
        "POST",
        "/v4/product/info/stocks",
        {"filter": {"visibility": "ALL"}, "limit": "100", "cursor": first["cursor"]},
    )
    assert raw["items"] == second["items"]


def test_stocks_visibility_and_async_client(sandbox_url: str) -> None:
    async def go() -> None:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url, max_retries=0) as ozon:
            result = await ozon.update_products_stocks(
                [
                    {"offer_id": "1432106010", "stock": 0, "warehouse_id": FBS},
                    {"offer_id": "91132", "stock": 6, "warehouse_id": RFBS},
                ]
            )
            assert all(r["updated"] for r in result["result"])
            in_sale = await ozon.get_products_stocks("{'visibility':'IN_SALE'}")
            assert [i["offer_id"] for i in in_sale["items"]] == ["143210609", "91132"]
            empty = await ozon.get_products_stocks({"visibility": "EMPTY_STOCK"})
            assert [i["offer_id"] for i in empty["items"]] == ["1432106010", "DRAFT-001"]
            archived = await ozon.get_products_stocks({"offer_id": ["ARCH-001"]})  # by id: any visibility
            assert [i["offer_id"] for i in archived["items"]] == ["ARCH-001"]

    asyncio.run(go())


# ================================================================== markdowns
def test_discount_information_cli(cli: Cli) -> None:
    r = cli("GetDiscountInformation", "--sku", "1626044001")
    assert r.code == 0, r.err
    assert r.json() == {"items": []}  # a main product's SKU, as in OInt's recording
    r = cli("ПолучитьИнформациюОбУценке", "--sku", f"[{FBO_MARKDOWN_SKU}, {FBS_MARKDOWN_SKU}, 1]")
    assert r.code == 0, r.err
    items = r.json()["items"]
    assert [(i["discounted_sku"], i["sku"]) for i in items] == [(FBO_MARKDOWN_SKU, 1626044001)]
    assert set(items[0]) == {
        "discounted_sku",
        "sku",
        "condition_estimation",
        "condition",
        "defects",
        "mechanical_damage",
        "package_damage",
        "packaging_violation",
        "reason_damaged",
        "comment_reason_damaged",
        "repair",
        "shortage",
        "warranty_type",
    }
    r = cli("GetDiscountInformation")
    assert r.code == 2 and r.err == "oint: GetDiscountInformation: missing required option --sku\n"


def test_set_discount_cli_and_errors(cli: Cli) -> None:
    r = cli("SetProductDiscount", "--productid", str(FBS_MARKDOWN_PRODUCT), "--discount", "25")
    assert r.code == 0, r.err
    assert r.json() == {"result": True}
    # OInt's example product is not a markdown of this account: Ozon's recorded error
    r = cli("УстановитьСкидкуНаУцененныйТовар", "--productid", "1156646653", "--discount", "10")
    assert r.code == 1
    assert r.json() == {"code": 5, "message": "item discount not found", "details": []}
    r = cli("SetProductDiscount", "--productid", "1111588291", "--discount", "10")
    assert r.code == 1 and r.json()["code"] == 5  # an FBO markdown: Ozon sets its price
    r = cli("SetProductDiscount", "--productid", str(FBS_MARKDOWN_PRODUCT), "--discount", "2")
    assert r.code == 1 and "range [3, 99]" in r.json()["message"]
    r = cli("SetProductDiscount", "--productid", "1", "--discount", "ten")
    assert r.code == 2 and r.out == "" and "--discount" in r.err and "Traceback" not in r.err


def test_set_discount_library_effect(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, sandbox, clock = clocked
    assert ozon.set_product_discount(str(FBS_MARKDOWN_PRODUCT), "40") == {"result": True}
    markdown = get_markdown(account(sandbox, clock), FBS_MARKDOWN_SKU)
    assert markdown is not None and markdown["discount"] == 40
    with pytest.raises(NotFoundError, match="item discount not found"):
        ozon.set_product_discount(1111588191, 10)  # a main product, not a markdown
    with pytest.raises(BadRequestError):
        ozon.set_product_discount(FBS_MARKDOWN_PRODUCT, 12.5)
    markdown = get_markdown(account(sandbox, clock), FBS_MARKDOWN_SKU)
    assert markdown is not None and markdown["discount"] == 40


def test_markdown_library_sync_and_async(sandbox_url: str) -> None:
    with http_client(sandbox_url) as ozon:
        assert ozon.get_discount_information(FBO_MARKDOWN_SKU)["items"][0]["sku"] == 1626044001
        assert ozon.set_product_discount(FBS_MARKDOWN_PRODUCT, 30) == {"result": True}

    async def go() -> None:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url, max_retries=0) as ozon:
            info, done = await asyncio.gather(
                ozon.get_discount_information([str(FBO_MARKDOWN_SKU)]),
                ozon.set_product_discount(FBS_MARKDOWN_PRODUCT, 99),
            )
            assert info["items"][0]["discounted_sku"] == FBO_MARKDOWN_SKU and done == {"result": True}

    asyncio.run(go())


def test_demo_data_is_consistent(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    _, sandbox, clock = clocked
    acct = account(sandbox, clock)
    for markdown_sku in (FBO_MARKDOWN_SKU, FBS_MARKDOWN_SKU):
        markdown = get_markdown(acct, markdown_sku)
        assert markdown is not None
        main = get_product(acct, 1111588191 if markdown_sku == FBO_MARKDOWN_SKU else 1111588192)
        assert main is not None and main["sku"] == markdown["sku"]
    archived = get_product(acct, 1111588194)
    assert archived is not None and not archived.get("has_stock")
