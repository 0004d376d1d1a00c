"""What the sandbox's model modules share, written once: numbers and VAT rates, cursors and pages,
page sizes, the product filter, the product document's declared fields, and the data files."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from conftest import Clock

from oint.ozon import OzonClient
from oint.sandbox.core import Sandbox
from oint.sandbox.errors import ApiError
from oint.sandbox.model.base import Account
from oint.sandbox.model.common import (
    VAT_RATES,
    amount,
    data_file,
    decimal,
    decode_cursor,
    encode_cursor,
    page_after,
    page_size,
    vat_rates_text,
)
from oint.sandbox.model.products import (
    PRODUCT,
    PRODUCT_FIELDS,
    ProductDoc,
    ProductFilter,
    all_products,
    new_product,
    set_fields,
)


def test_numbers() -> None:
    assert decimal("1300.50") == Decimal("1300.50") and decimal(" 7 ") == 7 and decimal(12) == 12
    assert decimal("1300,5") is None and decimal("1300,5", comma=True) == Decimal("1300.5")
    for junk in (None, True, "", "abc", "NaN", "Infinity", [1]):
        assert decimal(junk) is None
    assert amount("1299.5") == 1299.5 and amount(None) == 0.0 and amount("x") == 0.0
    assert Decimal("0.10") in VAT_RATES and Decimal("0.15") not in VAT_RATES
    assert vat_rates_text() == "0, 0.05, 0.07, 0.1, 0.2, 0.22"
    assert vat_rates_text(" или ").endswith("0.2 или 0.22")


def test_cursors_and_pages() -> None:
    assert encode_cursor([1111588192]) == "WzExMTE1ODgxOTJd"
    assert decode_cursor(encode_cursor(["2026-01-01", "0001-1"])) == ["2026-01-01", "0001-1"]
    for junk in (None, 5, "", "!!", "e30=", "W10=", "bm90IGpzb24="):  # {} and [] are no cursors
        assert decode_cursor(junk) is None
    items = list(range(1, 8))
    assert page_after(items, lambda x: x, None, 3) == ([1, 2, 3], True)
    assert page_after(items, lambda x: x, 5, 3) == ([6, 7], False)
    assert page_after(items[::-1], lambda x: x, 5, 3, descending=True) == ([4, 3, 2], True)
    assert page_size({}, "R", 100, 20) == 20 and page_size({"limit": "7"}, "R", 100) == 7
    for body, text in (({}, r"\[1, 100\]"), ({"limit": 101}, r"\[1, 100\]"), ({"limit": "x"}, "integer")):
        with pytest.raises(ApiError, match=rf"R\.Limit: value must .*{text}"):
            page_size(body, "R", 100)


def test_data_files_are_read_once() -> None:
    assert data_file("categories.json") is data_file("categories.json")


# ---------------------------------------------------------------------------- products
@pytest.fixture
def account() -> Iterator[Account]:
    sandbox = Sandbox(":memory:", clock=Clock())
    yield Account(sandbox.store, "2128753", sandbox.clock())
    sandbox.close()


def ids(products: list[ProductDoc]) -> list[str]:
    return [p["offer_id"] for p in products]


def test_product_filter(account: Account) -> None:
    everything = ProductFilter.parse({}, "R").select(account)
    assert ids(everything) == ["143210609", "1432106010", "91132", "DRAFT-001"]  # ALL: not the archive
    archived = ProductFilter.parse({"filter": {"visibility": "archived"}}, "R")
    assert ids(archived.select(account)) == ["ARCH-001"]
    named = ProductFilter.parse(
        {"filter": {"offer_id": ["91132", ""], "product_id": [1111588194, 0], "sku": ["1626044001"]}},
        "R",
        with_sku=True,
    )  # identifiers select whatever the visibility; OInt's empty template entries are no filter
    assert ids(named.select(account)) == ["143210609", "91132", "ARCH-001"]
    page, more, total = ProductFilter().page(account, 0, 2)
    assert (ids(page), more, total) == (["143210609", "1432106010"], True, 4)
    for body, rule in (
        ({"filter": []}, "Filter: value must be an object"),
        ({"filter": {"visibility": "SOMETIMES"}}, "Filter.Visibility: value must be one of"),
        (
            {"filter": {"offer_id": [str(i) for i in range(1001)]}},
            "Filter.OfferId: value must contain at most",
        ),
    ):
        with pytest.raises(ApiError, match=rule):
            ProductFilter.parse(body, "R")
    with pytest.raises(ApiError, match=r"R\.Filter: value is required"):
        ProductFilter.parse({}, "R", required=True)


def test_the_product_document_is_declared_once(account: Account) -> None:
    product = new_product(account, offer_id="X-1", price="100")
    assert set(product) <= PRODUCT_FIELDS
    with pytest.raises(KeyError, match="not fields of a product document: prise"):
        new_product(account, prise="100")
    with pytest.raises(KeyError, match="colour"):
        set_fields(product, {"colour": "red"})


def test_every_stored_product_has_only_declared_fields(tmp_path: Any) -> None:
    """After the demo seed and writes of every module that adds fields to products."""
    clock = Clock()
    sandbox = Sandbox(str(tmp_path / "s.sqlite3"), clock=clock, rate_limits=False)
    with OzonClient(transport=_transport(sandbox), max_retries=0) as ozon:
        ozon.request(
            "POST",
            "/v2/products/stocks",
            {"stocks": [{"offer_id": "91132", "stock": 3, "warehouse_id": 1020005000050693}]},
        )
        ozon.request(
            "POST",
            "/v1/product/import/prices",
            {
                "prices": [
                    {
                        "offer_id": "91132",
                        "price": "880",
                        "net_price": "500",
                        "auto_action_enabled": "DISABLED",
                    }
                ]
            },
        )
        ozon.request("POST", "/v1/barcode/generate", {"product_ids": [1111588193]})
        ozon.request(
            "POST", "/v1/product/digital/stocks/import", {"stocks": [{"offer_id": "91132", "stock": 2}]}
        )
        ozon.request(
            "POST",
            "/v3/product/import",
            {
                "items": [
                    {
                        "offer_id": "NEW-1",
                        "name": "Плёнка",
                        "description_category_id": 17028922,
                        "type_id": 91565,
                        "price": "500",
                        "vat": "0.2",
                        "height": 100,
                        "width": 100,
                        "depth": 5,
                        "weight": 30,
                        "dimension_unit": "mm",
                        "weight_unit": "g",
                        "attributes": [{"id": 85, "values": [{"dictionary_value_id": 5060050}]}],
                    }
                ]
            },
        )
        clock.now += 1  # the import task's time has come
        ozon.request("POST", "/v3/product/list", {"filter": {}, "limit": 10})  # settles the task
    with sandbox.store.transaction():
        products = all_products(Account(sandbox.store, "2128753", sandbox.clock()))
        stray = {p["offer_id"]: sorted(set(p) - PRODUCT_FIELDS) for p in products if set(p) - PRODUCT_FIELDS}
        assert "NEW-1" in [p["offer_id"] for p in products]
        assert sandbox.store.count("2128753", PRODUCT) == len(products)
    assert stray == {}
    sandbox.close()


def _transport(sandbox: Sandbox) -> Any:
    from oint.sandbox.transport import SandboxTransport

    return SandboxTransport(sandbox=sandbox)
