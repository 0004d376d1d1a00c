"""The MCP server's engine in-process (no SDK): tools on the embedded sandbox, the write guard
(read-only, scopes, previews and confirm tokens), answers sized for a model, errors, and the
Api-Key never in an answer."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, SandboxServer

from oint.apps.mcp.access import WritePolicy
from oint.apps.mcp.service import Reply, Service, Settings
from oint.apps.mcp.tools import CALL, DESCRIBE, MORE, SEARCH
from oint.sandbox.core import Sandbox
from oint.sandbox.model.base import Account
from oint.sandbox.model.products import new_product, save_product

PRICE = {"offer_id": "143210609", "price": "1500", "old_price": "0"}


class Session:
    """A Service and the texts of every answer it gave (to check no secret ever leaks)."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.texts: list[str] = []

    def call(self, name: str, **arguments: Any) -> Reply:
        reply = asyncio.run(self.service.call(name, arguments))
        self.texts.append(self.service.text(reply))
        return reply

    def ok(self, name: str, **arguments: Any) -> Any:
        reply = self.call(name, **arguments)
        assert not reply.is_error, self.texts[-1]
        return json.loads(self.texts[-1])

    def fail(self, name: str, **arguments: Any) -> Any:
        reply = self.call(name, **arguments)
        assert reply.is_error, self.texts[-1]
        return json.loads(self.texts[-1])

    def close(self) -> None:
        asyncio.run(self.service.aclose())


def make(tmp_path: Path, allow: str | None = None, **settings: Any) -> Session:
    db = str(tmp_path / "sandbox.sqlite3")
    base: dict[str, Any] = {
        "sandbox": db,
        "policy": WritePolicy.parse(allow),
        "out_dir": str(tmp_path / "out"),
    }
    base.update(settings)
    return Session(Service(Settings(**base), secrets=[DEMO_API_KEY]))


@pytest.fixture
def ro(tmp_path: Path) -> Iterator[Session]:
    s = make(tmp_path)
    yield s
    s.close()


@pytest.fixture
def rw(tmp_path: Path) -> Iterator[Session]:
    s = make(tmp_path, "")
    yield s
    s.close()


def prices_of(s: Session) -> dict[str, Any]:
    items = s.ok("GetProductsPrices", filter={"offer_id": ["143210609", "1432106010"]})["items"]
    return {i["offer_id"]: i["price"]["price"] for i in items}


# ------------------------------------------------------------------ reads and local helpers
def test_read_tools_and_local_helpers(ro: Session) -> None:
    listed = ro.ok("GetProductList")
    assert any(i["product_id"] == 1111588191 for i in listed["result"]["items"])
    info = ro.ok("GetProductsInformation", product_id=[1111588191])
    assert info["items"][0]["offer_id"] == "143210609"
    structure = ro.ok("GetProductPriceStructure")
    assert "offer_id" in structure
    assert ro.ok("GetProductsStocks")["items"]


def test_argument_errors_name_the_argument(ro: Session, rw: Session) -> None:
    missing = rw.fail("UpdateProductImages")
    assert missing["error"]["message"] == "UpdateProductImages: missing required option product_id"
    unknown = ro.fail("GetProductList", page=2)
    assert "unknown argument(s) page" in unknown["error"]["message"]
    wrong = ro.fail("GetProductsInformation", product_id=[{"x": 1}])
    assert "product_id" in wrong["error"]["message"] and "--" not in wrong["error"]["message"]
    assert "hint" in wrong
    assert ro.fail("NoSuchTool")["error"]["message"] == "unknown tool 'NoSuchTool'"


def test_ozon_errors_come_with_code_message_and_hint(ro: Session) -> None:
    out = ro.fail(CALL, operation="v3_product_info_list", body={"product_id": ["x"]})
    assert out["error"]["status"] == 400 and out["error"]["code"] == 3 and out["error"]["message"]
    assert "ozon_api_describe" in out["hint"]


# ------------------------------------------------------------------ the write guard
def test_writes_are_refused_when_read_only(ro: Session) -> None:
    before = prices_of(ro)
    out = ro.fail("UpdateProductsPrices", prices=[PRICE])
    assert out["refused"] is True
    message = out["error"]["message"]
    assert "read-only" in message and "--allow-write" in message and "Nothing was sent" in message
    out = ro.fail(CALL, operation="/v1/product/import/prices", body={"prices": [PRICE]})
    assert out["refused"] is True
    assert prices_of(ro) == before


def test_scoped_writes(tmp_path: Path) -> None:
    s = make(tmp_path, "prices")
    try:
        assert s.ok("UpdateProductsPrices", prices=[PRICE])["result"][0]["updated"] is True
        out = s.fail(
            "UpdateProductsStocks", stocks=[{"offer_id": "143210609", "stock": 3, "warehouse_id": 1}]
        )
        assert out["refused"] and "outside the allowed writes" in out["error"]["message"]
    finally:
        s.close()


def test_one_item_writes_go_through_and_bulk_ones_need_a_confirmation(rw: Session) -> None:
    assert rw.ok("UpdateProductsPrices", prices=[PRICE])["result"][0]["updated"] is True
    assert prices_of(rw)["143210609"] == 1500
    bulk = [{**PRICE, "price": "1600"}, {"offer_id": "1432106010", "price": "2600", "old_price": "0"}]
    preview = rw.ok("UpdateProductsPrices", prices=bulk)
    assert preview["preview"]["call"] == "POST /v1/product/import/prices"
    assert preview["preview"]["body"] == {"prices": bulk} and preview["preview"]["items"] == 2
    assert preview["preview"]["account"] == "sandbox demo account"
    token = preview["confirm"]
    assert "Nothing was sent" in preview["next"] and token in preview["next"]
    assert prices_of(rw)["143210609"] == 1500  # nothing sent yet
    other = [{**bulk[0], "price": "1"}, bulk[1]]
    assert (
        "differ from the preview"
        in rw.fail("UpdateProductsPrices", prices=other, confirm=token)["error"]["message"]
    )
    # a refused confirmation keeps nothing: ask again
    token = rw.ok("UpdateProductsPrices", prices=bulk)["confirm"]
    sent = rw.ok("UpdateProductsPrices", confirm=token)  # the arguments may be left out
    assert [r["updated"] for r in sent["result"]] == [True, True]
    assert prices_of(rw) == {"143210609": 1600, "1432106010": 2600}
    again = rw.fail("UpdateProductsPrices", prices=bulk, confirm=token)  # one use
    assert "unknown or expired" in again["error"]["message"]


def test_dry_run_previews_any_write(rw: Session) -> None:
    preview = rw.ok("UpdateProductsPrices", prices=[PRICE], dry_run=True)
    assert preview["preview"]["items"] == 1 and preview["confirm"].startswith("C")
    assert prices_of(rw)["143210609"] != 1500
    assert rw.ok("UpdateProductsPrices", prices=[PRICE], confirm=preview["confirm"])["result"][0]["updated"]
    assert prices_of(rw)["143210609"] == 1500


def test_confirm_over_setting(tmp_path: Path) -> None:
    s = make(tmp_path, "", confirm_over=0)
    try:
        assert "confirm" in s.ok("UpdateProductsPrices", prices=[PRICE])
    finally:
        s.close()


# ------------------------------------------------------------------ the whole API
def test_search_describe_call(rw: Session) -> None:
    found = rw.ok(SEARCH, query="список складов")["found"]
    assert found[0]["operation"] == "v2_warehouse_list" or any(
        f["operation"] == "v1_warehouse_list" for f in found
    )
    described = rw.ok(DESCRIBE, operation="v1_warehouse_list")
    assert described["access"] == "read" and described["call"] == "POST /v1/warehouse/list"
    gone = rw.fail(CALL, operation="v1_warehouse_list", body={})  # switched off by Ozon (sandbox dated today)
    assert gone["error"]["status"] == 410 and "/v2/warehouse/list" in gone["hint"]
    warehouses = rw.ok(CALL, operation="v2_warehouse_list", body={"limit": 50})
    assert warehouses["warehouses"]
    assert (
        "no Seller or Performance API operation"
        in rw.fail(DESCRIBE, operation="v9_nothing")["error"]["message"]
    )
    notes = rw.ok(DESCRIBE, operation="ОбновитьИзображенияТовара")
    assert notes["tool"] == "UpdateProductImages" and len(notes["notes"]) > 1
    assert notes["operation"]["call"] == "POST /v1/product/pictures/import"
    assert rw.ok(DESCRIBE, operation="GetProductStructure")["access"] == "local"
    preview = rw.ok(CALL, operation="/v1/product/import/prices", body={"prices": [PRICE, PRICE]})
    assert preview["preview"]["items"] == 2
    sent = rw.ok(CALL, operation="/v1/product/import/prices", confirm=preview["confirm"])
    assert len(sent["result"]) == 2
    one = rw.ok(CALL, operation="/v1/product/import/prices", body={"prices": [PRICE]})
    assert one["result"][0]["updated"] is True


def seed_products(db: str, n: int) -> None:
    sandbox = Sandbox(db)
    with sandbox.store.transaction():
        acct = Account(sandbox.store, DEMO_CLIENT_ID, time.time())
        for i in range(n):
            product = new_product(acct, offer_id=f"BULK-{i:04}", sku=1800000000 + i, name=f"Товар {i}")
            save_product(acct, product)
    sandbox.close()


def test_long_answers_are_cut_saved_and_paged(tmp_path: Path) -> None:
    s = make(tmp_path)
    try:
        s.ok("GetProductList")  # creates the demo state
        seed_products(str(tmp_path / "sandbox.sqlite3"), 200)
        listed = s.ok("GetProductList", save=True)
        items = listed["result"]["items"]
        assert len(items) == 20 and listed["result"]["total_items"] >= 200
        (cut,) = listed["_oint"]["lists"]
        assert cut == {
            "path": "result.items",
            "total": 200,
            "shown": 20,
            "more": cut["more"],
        }  # a page of 200
        saved = listed["_oint"]["saved_to"]
        assert saved.startswith(str(tmp_path / "out"))
        with open(saved, encoding="utf-8") as fh:
            assert len(json.load(fh)["result"]["items"]) == 200
        more = s.ok(MORE, token=cut["more"])
        assert more["offset"] == 20 and len(more["items"]) == 20 and more["more"] is True
        assert more["items"][0] != items[0]
        pages = s.ok(CALL, operation="v3_product_list", body={"filter": {}, "limit": 50}, all_pages=True)
        assert pages["total"] == listed["result"]["total_items"] and len(pages["items"]) == 20
    finally:
        s.close()


# ------------------------------------------------------------------ secrets and accounts
def test_the_api_key_never_appears(rw: Session, tmp_path: Path) -> None:
    rw.ok("GetProductList")
    rw.ok(SEARCH, query="api key")
    rw.ok(DESCRIBE, operation="v3_product_list")
    rw.ok("UpdateProductsPrices", prices=[PRICE, PRICE])
    rw.fail(CALL, operation="v3_product_info_list", body={"product_id": ["x"]})
    rw.fail("UpdateProductImages", product_id="x")
    rw.ok("GetProductList", save=True)
    assert rw.texts and all(DEMO_API_KEY[:8] not in t for t in rw.texts)
    saved = list((tmp_path / "out").glob("*.json"))
    assert saved and all(DEMO_API_KEY[:8] not in p.read_text(encoding="utf-8") for p in saved)


def test_live_mode_with_environment_credentials(
    server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OZON_CLIENT_ID", DEMO_CLIENT_ID)
    monkeypatch.setenv("OZON_API_KEY", DEMO_API_KEY)
    s = make(tmp_path, sandbox=False, base_url=server.url, max_retries=0)
    try:
        assert "LIVE" in s.service.instructions()
        assert s.ok("GetProductList")["result"]["items"]
        assert s.ok("GetProductList")["result"]["items"]
        server.fault(path="/v3/product/list", status=429, times=5, retry_after=3)
        limited = s.fail("GetProductList")
        assert limited["error"]["status"] == 429 and "wait 3 s" in limited["hint"]
        server.clear_faults()
        out = s.fail("GetProductList", profile="shop1")
        assert "profile" in out["error"]["message"]
    finally:
        s.close()
    monkeypatch.setenv("OZON_API_KEY", "wrong-key-123456")
    s = Session(Service(Settings(sandbox=False, base_url=server.url), secrets=["wrong-key-123456"]))
    try:
        denied = s.fail("GetProductList")
        assert denied["error"]["status"] == 403 and "Api-Key" in denied["hint"]
        assert all("wrong-key-123456" not in t for t in s.texts)
    finally:
        s.close()
    assert os.environ["OZON_API_KEY"] == "wrong-key-123456"
