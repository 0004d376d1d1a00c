"""Sums of money the sandbox refuses and reads safely (issue 15.13): a price of 1e308 or with three
decimals is Ozon's 400, and a bad value already stored never makes a read fail."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import DEMO_CLIENT_ID, Clock

from oint.core.errors import BadRequestError
from oint.ozon import OzonClient
from oint.sandbox.core import Sandbox
from oint.sandbox.model.base import Account
from oint.sandbox.model.product_items import price_errors
from oint.sandbox.model.products import find_by_offer, save_product


def demo_offer(ozon: OzonClient) -> str:
    items = ozon.call("/v3/product/list", {"filter": {"visibility": "ALL"}, "limit": 1})["result"]["items"]
    offer: str = items[0]["offer_id"]
    return offer


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", "1e308"),
        ("price", "1000000000"),
        ("price", "12.345"),
        ("old_price", "1e400"),
        ("min_price", "0.001"),
    ],
)
def test_a_sum_ozon_cannot_hold_is_a_400(
    clocked: tuple[OzonClient, Sandbox, Clock], field: str, value: str
) -> None:
    ozon, _, _ = clocked
    offer = demo_offer(ozon)
    before = ozon.call("/v5/product/info/prices", {"filter": {"offer_id": [offer]}, "limit": 1})
    item: dict[str, Any] = {"offer_id": offer, "price": "1000", field: value}
    with pytest.raises(BadRequestError) as refused:
        ozon.call("/v1/product/import/prices", {"prices": [item]})
    assert refused.value.code == 3
    assert "ProductImportPricesRequest.Prices[0]: embedded message failed validation" in refused.value.message
    assert value in refused.value.message
    after = ozon.call("/v5/product/info/prices", {"filter": {"offer_id": [offer]}, "limit": 1})
    assert after == before  # nothing stored


def test_a_sum_with_two_decimals_below_a_billion_is_taken(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, _, _ = clocked
    offer = demo_offer(ozon)
    item = {"offer_id": offer, "price": "999999999.99", "old_price": "0", "min_price": "600000000.5"}
    answer = ozon.call("/v1/product/import/prices", {"prices": [item]})
    assert answer["result"][0]["updated"] is True, answer
    price = ozon.call("/v5/product/info/prices", {"filter": {"offer_id": [offer]}, "limit": 1})["items"][0]
    assert price["price"]["price"] == 999999999.99 and price["price"]["min_price"] == 600000000.5


@pytest.mark.parametrize("stored", ["1e308", "1e400", "-1e30", "NaN-ish"])
def test_a_bad_price_stored_earlier_never_breaks_a_read(
    clocked: tuple[OzonClient, Sandbox, Clock], stored: str
) -> None:
    ozon, sandbox, clock = clocked
    offer = demo_offer(ozon)
    with sandbox.store.transaction():
        account = Account(sandbox.store, DEMO_CLIENT_ID, clock())
        product = find_by_offer(account, offer)
        assert product is not None
        product["price"] = product["old_price"] = product["min_price"] = stored
        save_product(account, product)
    prices = ozon.call("/v5/product/info/prices", {"filter": {"visibility": "ALL"}, "limit": 1000})["items"]
    mine = next(p for p in prices if p["offer_id"] == offer)
    assert mine["price"]["price"] == 0 and mine["acquiring"] == 0
    info = ozon.call("/v3/product/info/list", {"offer_id": [offer]})
    assert info["items"][0]["offer_id"] == offer
    for action in ozon.call("/v1/actions", None)["result"][:2]:  # promotions price the products
        ozon.call("/v1/actions/candidates", {"action_id": action["id"], "limit": 100})
        ozon.call("/v2/actions/candidates", {"action_id": action["id"], "limit": 100})


def test_the_cli_refuses_1e308_and_later_reads_work(run_cli: Any, sandbox_db: str) -> None:
    listed = run_cli("ozon", "/v3/product/list", "--body", "{'filter': {}, 'limit': 1}", "--sandbox")
    offer = listed.json()["result"]["items"][0]["offer_id"]
    prices = "[{'offer_id':'" + offer + "','price':'1e308','old_price':'0'}]"
    refused = run_cli("ozon", "UpdateProductsPrices", "--sandbox", "--prices", prices)
    assert refused.code == 1 and refused.json()["code"] == 3, (refused.out, refused.err)
    assert "Traceback" not in refused.err
    read = run_cli("ozon", "GetProductsPrices", "--sandbox", "--filter", "{'offer_id': ['" + offer + "']}")
    assert read.code == 0 and "Traceback" not in read.err, read.err


@pytest.mark.parametrize("price", ["1e308", "99.999", "1000000000"])
def test_product_import_reports_a_price_out_of_range(
    clocked: tuple[OzonClient, Sandbox, Clock], price: str
) -> None:
    _, sandbox, clock = clocked
    with sandbox.store.transaction():
        account = Account(sandbox.store, DEMO_CLIENT_ID, clock())
        item = {"price": price, "old_price": "", "vat": "0.2", "currency_code": "RUB"}
        errors = price_errors(account, item)
    assert [e["code"] for e in errors] == ["price_out_of_range"], errors
