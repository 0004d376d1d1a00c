"""The product import pipeline and product reading, end to end.

CreateUpdateProducts, CreateProductByOzonID, UpdateProductsAttributes,
GetProductCreationStatus, GetProductsRequestsLimits, GetProductList,
GetProductsAttributesData, GetProductDescription: request building (pure), the CLI and
the clients against the HTTP sandbox, and the time-dependent rules (pending tasks, daily
quotas and their reset) against an in-process sandbox whose clock the test moves.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    FILM_CATEGORY,
    FILM_TYPE,
    TNVED_FILM,
    Cli,
    Clock,
    attribute,
    film_product,
    http_client,
    single_quoted,
)

from oint.compat.methods import REGISTRY
from oint.core.errors import BadRequestError, NotFoundError, UsageError
from oint.ozon import AsyncOzonClient, OzonClient
from oint.sandbox.core import Sandbox
from oint.sandbox.model.product_import import PROCESSING_SECONDS
from oint.sandbox.transport import SandboxTransport

OTHER_SELLER_SKU = 180550365  # a card of another seller the sandbox can copy
COPY_FORBIDDEN_SKU = 1445625485
OWN_SKU = 1626044001  # the demo's own product 1111588191
ARCHIVED_OFFER, DRAFT_OFFER = "ARCH-001", "DRAFT-001"
ACTIVE_DEMO_OFFERS = {"143210609", "1432106010", "91132", DRAFT_OFFER}
MOSCOW_EVENING = 1_760_036_400.0  # 2025-10-09T19:00:00Z


def product_item(offer_id: str, *, without: tuple[int, ...] = (), **fields: Any) -> dict[str, Any]:
    """A product structure that passes Ozon's checks in category 17028922 / type 91565, with an
    empty barcode unless `fields` give one."""
    return film_product(offer_id, without=without, **{"barcode": "", **fields})


def statuses(answer: dict[str, Any]) -> dict[str, str]:
    return {i["offer_id"]: i["status"] for i in answer["result"]["items"]}


def codes(item: dict[str, Any]) -> set[str]:
    return {e["code"] for e in item["errors"]}


def settled(answer: dict[str, Any]) -> bool:
    return all(i["status"] != "pending" for i in answer["result"]["items"])


def wait_settled(ozon: OzonClient, task_id: int) -> dict[str, Any]:
    """Poll the task until no item is pending (the sandbox needs PROCESSING_SECONDS)."""
    for _ in range(40):
        answer: dict[str, Any] = ozon.get_product_creation_status(task_id)
        if settled(answer):
            return answer
        time.sleep(PROCESSING_SECONDS / 2)
    raise AssertionError(f"task {task_id} still pending")


def cli_settled(cli: Cli, task_id: int, name: str = "GetProductCreationStatus") -> dict[str, Any]:
    """Ask through the CLI until no item is pending (a CLI call outlasts PROCESSING_SECONDS)."""
    for _ in range(20):
        r = cli(name, "--taskid", str(task_id))
        assert r.code == 0, r.err
        answer: dict[str, Any] = r.json()
        if settled(answer):
            return answer
    raise AssertionError(f"task {task_id} still pending")


def assert_usage_error(r: Any) -> None:
    assert r.code == 2, (r.out, r.err)
    assert r.out == "" and r.err.startswith("oint: ") and r.err.count("\n") == 1 and "Traceback" not in r.err


def assert_ozon_error(r: Any, code: int, fragment: str = "") -> dict[str, Any]:
    assert r.code == 1, (r.out, r.err)
    doc: dict[str, Any] = r.json()
    assert set(doc) == {"code", "message", "details"} and doc["code"] == code
    assert fragment in doc["message"]
    return doc


# ------------------------------------------------------------------ an in-process sandbox with a test clock
@dataclass
class Clocked:
    ozon: OzonClient
    sandbox: Sandbox
    clock: Clock

    def advance(self, seconds: float) -> None:
        self.clock.now += seconds

    def set_limits(self, **limits: int) -> None:
        """The account's quotas (what Ozon decides per seller): daily_create, daily_update, total."""
        current = self.sandbox.store.get(DEMO_CLIENT_ID, "product_quota", "limits")
        self.sandbox.store.put(DEMO_CLIENT_ID, "product_quota", "limits", {**current, **limits})


@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[Clocked]:
    clock = Clock(MOSCOW_EVENING)
    sandbox = Sandbox(str(tmp_path / "clocked.sqlite3"), clock=clock)
    ozon = OzonClient(
        DEMO_CLIENT_ID, DEMO_API_KEY, transport=SandboxTransport(sandbox=sandbox), max_retries=0
    )
    yield Clocked(ozon, sandbox, clock)
    ozon.close()
    sandbox.close()


# ------------------------------------------------------------------ request building (pure)
def test_list_and_attribute_data_bodies() -> None:
    for name in ("GetProductList", "GetProductsAttributesData"):
        method = REGISTRY[name]
        assert method.build([None, None]).body == {"limit": "200", "filter": {}}
        assert method.build(["", 0]).body == {"limit": "200", "filter": {}}
        body = method.build(["{'visibility':'ALL','offer_id':['143210609']}", "WzEsMV0="]).body
        assert body == {
            "limit": "200",
            "filter": {"visibility": "ALL", "offer_id": ["143210609"]},
            "last_id": "WzEsMV0=",
        }
        assert method.build([{"product_id": [1]}, 12345]).body == {  # last_id is sent as a string
            "limit": "200",
            "filter": {"product_id": [1]},
            "last_id": "12345",
        }
    assert REGISTRY["GetProductList"].build([None, None]).path == "/v3/product/list"
    assert REGISTRY["GetProductsAttributesData"].build([None, None]).path == "/v4/product/info/attributes"


def test_single_value_bodies() -> None:
    description = REGISTRY["ПолучитьОписаниеТовара"]
    assert description.build(["1111588191", None]).body == {"product_id": 1111588191}
    assert description.build([0, 143210609]).body == {"offer_id": "143210609"}
    assert description.build([None, None]).body == {}
    from oint.apps.cli.args import convert_values, parse_invocation

    values = convert_values(description, parse_invocation(description, ["--offerid", "007"]).values)
    assert description.build(values).body == {"offer_id": "007"}  # an article keeps its leading zeros
    status = REGISTRY["GetProductCreationStatus"]
    assert status.build([3109777510]).body == {"task_id": "3109777510"}
    limits = REGISTRY["GetProductsRequestsLimits"].build([])
    assert (limits.method, limits.path, limits.body) == (
        "POST",
        "/v4/product/info/limit",
        None,
    )  # POST without a body, as OInt


@pytest.mark.parametrize(
    "name", ["CreateUpdateProducts", "CreateProductByOzonID", "UpdateProductsAttributes"]
)
def test_items_bodies(name: str) -> None:
    method = REGISTRY[name]
    one = {"offer_id": "A-1", "price": "100"}
    assert method.build([one]).body == {"items": [one]}  # one structure → a one-item list
    assert method.build([[one, {"offer_id": "A-2"}]]).body == {"items": [one, {"offer_id": "A-2"}]}
    assert method.build(["{'offer_id':'A-1','price':'100'}"]).body == {"items": [one]}
    assert method.build(['[{"offer_id": "A-1", "price": "100"}]']).body == {"items": [one]}
    with pytest.raises(UsageError, match="--items"):
        method.build([[1, 2]])
    with pytest.raises(UsageError, match="missing required option --items"):
        method.build([None])


def test_catalogue_examples_parse_to_the_documented_bodies() -> None:
    from oint.apps.cli.args import convert_values, parse_invocation

    for name in ("CreateUpdateProducts", "CreateProductByOzonID", "UpdateProductsAttributes"):
        method = REGISTRY[name]
        tokens = method.example.split(" --items ", 1)[1]
        assert tokens.startswith('"') and tokens.endswith('"')
        inv = parse_invocation(method, ["--items", tokens[1:-1]])
        body = method.build(convert_values(method, inv.values)).body
        assert body is not None and len(body["items"]) == 1 and body["items"][0]["offer_id"]
    example = (
        REGISTRY["CreateProductByOzonID"]
        .build(
            [
                "{'name':'New imported product','sku':'1626044001','offer_id':'91132','price':'1100',"
                "'old_price':'1100','vat':'0.1','currency_code':'RUB'}"
            ]
        )
        .body
    )
    assert example == {
        "items": [
            {
                "name": "New imported product",
                "sku": "1626044001",
                "offer_id": "91132",
                "price": "1100",
                "old_price": "1100",
                "vat": "0.1",
                "currency_code": "RUB",
            }
        ]
    }


# ------------------------------------------------------------------ the lifecycle, with a test clock
def test_import_is_pending_then_imported_and_visible_everywhere(clocked: Clocked) -> None:
    ozon = clocked.ozon
    task_id = ozon.create_update_products(product_item("LIFE-1"))["result"]["task_id"]
    assert isinstance(task_id, int)
    pending = ozon.get_product_creation_status(task_id)
    assert pending == {
        "result": {
            "items": [{"offer_id": "LIFE-1", "product_id": 0, "status": "pending", "errors": []}],
            "total": 1,
        }
    }
    # nothing exists yet: not in the list, not readable, not counted
    assert ozon.get_product_list({"offer_id": ["LIFE-1"]})["result"]["items"] == []
    with pytest.raises(NotFoundError):
        ozon.get_product_description(offer_id="LIFE-1")
    assert ozon.get_products_requests_limits()["daily_create"]["usage"] == 0
    clocked.advance(PROCESSING_SECONDS / 2)
    assert statuses(ozon.get_product_creation_status(task_id)) == {"LIFE-1": "pending"}

    clocked.advance(PROCESSING_SECONDS)
    # the product list is read first: it already shows the processed task
    listed = ozon.get_product_list({"offer_id": ["LIFE-1"]})["result"]
    assert [i["offer_id"] for i in listed["items"]] == ["LIFE-1"] and listed["total_items"] == 1
    product_id = listed["items"][0]["product_id"]
    done = ozon.get_product_creation_status(str(task_id))["result"]
    assert done == {
        "items": [{"offer_id": "LIFE-1", "product_id": product_id, "status": "imported", "errors": []}],
        "total": 1,
    }
    info = ozon.get_products_information(offer_id="LIFE-1")["items"][0]
    assert info["sku"] > 0 and info["statuses"]["is_created"] and info["price"] == "1300.00"
    processed_at = dt.datetime.fromtimestamp(MOSCOW_EVENING + PROCESSING_SECONDS, dt.timezone.utc)
    assert info["created_at"] == processed_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # when the task was processed
    assert ozon.get_product_description(product_id)["result"] == {
        "id": product_id,
        "offer_id": "LIFE-1",
        "name": "Защитная плёнка LIFE-1",
        "description": "Описание товара LIFE-1",
    }
    limits = ozon.get_products_requests_limits()
    assert limits["daily_create"] == {"usage": 1, "limit": 1500, "reset_at": "2025-10-10T00:00:00Z"}
    assert limits["daily_update"]["usage"] == 0 and limits["total"]["usage"] == 6


def test_missing_required_attribute_imports_without_sku_until_filled(clocked: Clocked) -> None:
    ozon = clocked.ozon
    task_id = ozon.create_update_products([product_item("NOTNVED", without=(22232,))])["result"]["task_id"]
    clocked.advance(1)
    item = ozon.get_product_creation_status(task_id)["result"]["items"][0]
    assert item["status"] == "imported" and item["product_id"] > 0
    assert item["errors"] == [
        {
            "code": "error_attribute_values_empty",
            "field": "",
            "attribute_id": 22232,
            "state": "new",
            "level": "error",
            "description": "Это обязательное поле — без него нельзя продавать товар. Заполните поле и "
            "пересохраните карточку. Если редактируете через XLS-шаблон, скачайте его заново",
            "attribute_name": "ТН ВЭД коды ЕАЭС",
            "message": "Это обязательное поле — без него нельзя продавать товар. Заполните поле и "
            "пересохраните карточку. Если редактируете через XLS-шаблон, скачайте его заново",
        }
    ]
    info = ozon.get_products_information(offer_id="NOTNVED")["items"][0]
    assert info["sku"] == 0 and not info["statuses"]["is_created"]
    assert info["errors"][0]["level"] == "ERROR_LEVEL_ERROR"
    assert info["errors"][0]["texts"]["message"] == "Attribute value empty"
    failed = ozon.get_product_list({"visibility": "STATE_FAILED"})["result"]["items"]
    assert "NOTNVED" in {i["offer_id"] for i in failed}

    update = ozon.update_products_attributes(
        {"offer_id": "NOTNVED", "attributes": [attribute(22232, "", TNVED_FILM)]}
    )
    assert set(update) == {"task_id"}  # no result wrapper
    clocked.advance(1)
    assert ozon.get_product_creation_status(update["task_id"])["result"]["items"] == [
        {"offer_id": "NOTNVED", "product_id": item["product_id"], "status": "imported", "errors": []}
    ]
    info = ozon.get_products_information(offer_id="NOTNVED")["items"][0]
    assert info["sku"] > 0 and info["errors"] == []
    assert ozon.get_products_requests_limits()["daily_update"]["usage"] == 1


def test_invalid_items_fail_with_ozon_error_codes(clocked: Clocked) -> None:
    ozon = clocked.ozon
    bad = {
        "NO-TYPE": product_item("NO-TYPE", type_id=0),
        "NO-CAT": product_item("NO-CAT", description_category_id=""),
        "BAD-CAT": product_item("BAD-CAT", description_category_id=1, type_id=2),
        "NO-NAME": product_item("NO-NAME", name=""),
        "FREE": product_item("FREE", price="0"),
        "NO-PRICE": product_item("NO-PRICE", price=""),
        "CHEAPER-OLD": product_item("CHEAPER-OLD", price="1300", old_price="1000"),
        "VAT": product_item("VAT", vat="0.18"),
        "NO-WEIGHT": product_item("NO-WEIGHT", weight=0),
        "METRES": product_item("METRES", dimension_unit="m"),
        "LEAD": product_item("LEAD", weight=100, weight_unit="kg"),
        "DOLLARS": product_item("DOLLARS", currency_code="USD"),
        "BAD-BRAND": product_item("BAD-BRAND", attributes=[attribute(85, "Nope", 1)]),
        "TWO-TNVED": product_item(
            "TWO-TNVED",
            attributes=[
                {
                    "id": 22232,
                    "complex_id": 0,
                    "values": [
                        {"dictionary_value_id": TNVED_FILM, "value": ""},
                        {"dictionary_value_id": 971030002, "value": ""},
                    ],
                }
            ],
        ),
        "INT-ATTR": product_item("INT-ATTR", attributes=[attribute(7202, "много")]),
        "RICH": product_item("RICH", attributes=[attribute(11254, "{not json")]),
    }
    task_id = ozon.create_update_products(list(bad.values()))["result"]["task_id"]
    clocked.advance(1)
    result = ozon.get_product_creation_status(task_id)["result"]
    assert result["total"] == len(bad)
    by_offer = {i["offer_id"]: i for i in result["items"]}
    expected = {
        "NO-TYPE": "description_type_is_empty",
        "NO-CAT": "description_category_is_empty",
        "BAD-CAT": "description_category_invalid",
        "NO-NAME": "EMPTY_REQUIRED",
        "FREE": "price_is_negative",
        "NO-PRICE": "EMPTY_REQUIRED",
        "CHEAPER-OLD": "old_price_less_than_price",
        "VAT": "vat_invalid",
        "NO-WEIGHT": "missing_dimension",
        "METRES": "missing_dimension",
        "LEAD": "Incorrect_density",
        "DOLLARS": "currency_code_invalid",
        "BAD-BRAND": "error_attribute_values_out_of_range",
        "TWO-TNVED": "VALUE_MAX_LIMIT",
        "INT-ATTR": "error_attribute_values_out_of_range",
        "RICH": "invalid_rich_content_json",
    }
    for offer_id, code in expected.items():
        item = by_offer[offer_id]
        assert item["status"] == "failed" and item["product_id"] == 0, item
        assert code in codes(item), item
        for error in item["errors"]:
            assert set(error) == {
                "code",
                "field",
                "attribute_id",
                "state",
                "level",
                "description",
                "attribute_name",
                "message",
            }
    assert by_offer["BAD-BRAND"]["errors"][0]["attribute_id"] == 85
    assert by_offer["BAD-BRAND"]["errors"][0]["attribute_name"] == "Бренд"
    assert by_offer["VAT"]["errors"][0]["field"] == "vat"
    # nothing was created, nothing counted
    assert ozon.get_product_list({"offer_id": list(bad)})["result"]["total_items"] == 0
    assert ozon.get_products_requests_limits()["daily_create"]["usage"] == 0


def test_update_by_offer_id_keeps_the_product_and_unchanged_is_skipped(clocked: Clocked) -> None:
    ozon = clocked.ozon
    first = ozon.create_update_products(product_item("UPD-1", barcode="4600000000001"))["result"]["task_id"]
    clocked.advance(1)
    product_id = ozon.get_product_creation_status(first)["result"]["items"][0]["product_id"]
    sku = ozon.get_products_information(product_id=product_id)["items"][0]["sku"]

    same = ozon.create_update_products(product_item("UPD-1", barcode="4600000000001"))["result"]["task_id"]
    changed = ozon.create_update_products(product_item("UPD-1", price="990.50", name="Новое имя"))
    clocked.advance(1)
    assert ozon.get_product_creation_status(same)["result"]["items"][0] == {
        "offer_id": "UPD-1",
        "product_id": product_id,
        "status": "skipped",
        "errors": [],
    }
    item = ozon.get_product_creation_status(changed["result"]["task_id"])["result"]["items"][0]
    assert (item["status"], item["product_id"]) == ("imported", product_id)
    info = ozon.get_products_information(offer_id="UPD-1")["items"][0]
    assert (info["id"], info["sku"], info["price"], info["name"]) == (product_id, sku, "990.50", "Новое имя")
    assert info["barcodes"] == ["4600000000001"]
    limits = ozon.get_products_requests_limits()
    assert (limits["daily_create"]["usage"], limits["daily_update"]["usage"]) == (1, 1)
    assert ozon.get_product_list({"offer_id": ["UPD-1"]})["result"]["total_items"] == 1


def test_daily_quotas_run_out_and_reset_at_moscow_three_am(clocked: Clocked) -> None:
    ozon = clocked.ozon
    clocked.set_limits(daily_create=2, daily_update=1)
    task_id = ozon.create_update_products([product_item(f"Q-{n}") for n in range(3)])["result"]["task_id"]
    clocked.advance(1)
    items = ozon.get_product_creation_status(task_id)["result"]["items"]
    assert [i["status"] for i in items] == ["imported", "imported", "failed"]
    assert codes(items[2]) == {"item_limit_exceeded"} and items[2]["product_id"] == 0
    updates = ozon.create_update_products([product_item("Q-0", price="1"), product_item("Q-1", price="2")])
    clocked.advance(1)
    items = ozon.get_product_creation_status(updates["result"]["task_id"])["result"]["items"]
    assert [i["status"] for i in items] == ["imported", "failed"] and codes(items[1]) == {
        "item_limit_exceeded"
    }
    limits = ozon.get_products_requests_limits()
    assert limits["daily_create"] == {"usage": 2, "limit": 2, "reset_at": "2025-10-10T00:00:00Z"}
    assert limits["daily_update"] == {"usage": 1, "limit": 1, "reset_at": "2025-10-10T00:00:00Z"}

    clocked.clock.now = 1_760_054_400.0  # 2025-10-10T00:00:00Z = 03:00 in Moscow
    limits = ozon.get_products_requests_limits()
    assert limits["daily_create"] == {"usage": 0, "limit": 2, "reset_at": "2025-10-11T00:00:00Z"}
    assert limits["daily_update"]["usage"] == 0
    retry = ozon.create_update_products(product_item("Q-2"))["result"]["task_id"]
    clocked.advance(1)
    assert statuses(ozon.get_product_creation_status(retry)) == {"Q-2": "imported"}


def test_assortment_total_limits_creation(clocked: Clocked) -> None:
    ozon = clocked.ozon
    clocked.set_limits(total=6)  # the demo has 5 products
    task_id = ozon.create_update_products([product_item("T-1"), product_item("T-2")])["result"]["task_id"]
    clocked.advance(1)
    items = ozon.get_product_creation_status(task_id)["result"]["items"]
    assert [i["status"] for i in items] == ["imported", "failed"] and codes(items[1]) == {
        "item_limit_exceeded"
    }
    assert ozon.get_products_requests_limits()["total"] == {"usage": 6, "limit": 6}


def test_tasks_are_processed_in_order(clocked: Clocked) -> None:
    ozon = clocked.ozon
    create = ozon.create_update_products(product_item("ORDER-1"))["result"]["task_id"]
    update = ozon.update_products_attributes(
        {"offer_id": "ORDER-1", "attributes": [attribute(10096, "", 61571)]}
    )
    clocked.advance(1)
    assert statuses(ozon.get_product_creation_status(update["task_id"])) == {"ORDER-1": "imported"}
    assert statuses(ozon.get_product_creation_status(create)) == {"ORDER-1": "imported"}
    data = ozon.get_products_attributes_data({"offer_id": ["ORDER-1"]})["result"][0]
    colour = [a for a in data["attributes"] if a["id"] == 10096]
    assert colour == [
        {"id": 10096, "complex_id": 0, "values": [{"dictionary_value_id": 61571, "value": "белый"}]}
    ]


# ------------------------------------------------------------------ CLI and clients over HTTP
def test_cli_create_check_read_and_update(cli: Cli, sandbox_url: str) -> None:
    item = product_item("CLI-1", barcode="4600000000018")
    r = cli("CreateUpdateProducts", "--items", single_quoted(item))
    assert r.code == 0, r.err
    task_id = r.json()["result"]["task_id"]
    assert r.out.startswith('{\n "result": {\n  "task_id": ')
    item_status = cli_settled(cli, task_id, "ПолучитьСтатусДобавленияТовара")["result"]["items"][0]
    assert item_status["status"] == "imported" and item_status["errors"] == []
    product_id = item_status["product_id"]

    listed = cli("GetProductList", "--filter", "{'offer_id':['CLI-1']}")
    assert listed.json()["result"]["items"] == [
        {
            "product_id": product_id,
            "offer_id": "CLI-1",
            "has_fbo_stocks": False,
            "has_fbs_stocks": False,
            "archived": False,
            "is_discounted": False,
            "quants": [],
        }
    ]
    description = cli("GetProductDescription", "--offerid", "CLI-1")
    assert description.json() == {
        "result": {
            "id": product_id,
            "offer_id": "CLI-1",
            "name": "Защитная плёнка CLI-1",
            "description": "Описание товара CLI-1",
        }
    }
    data = cli(
        "ПолучитьОписанияХарактеристикТоваров", "--filter", "{'visibility':'ALL','offer_id':['CLI-1']}"
    ).json()
    assert data["total"] == 1 and data["last_id"] == ""
    card = data["result"][0]
    assert set(card) == {
        "id",
        "barcode",
        "name",
        "offer_id",
        "height",
        "depth",
        "width",
        "dimension_unit",
        "weight",
        "weight_unit",
        "description_category_id",
        "type_id",
        "primary_image",
        "model_info",
        "images",
        "pdf_list",
        "attributes",
        "complex_attributes",
        "color_image",
        "sku",
        "barcodes",
        "attributes_with_defaults",
    }
    assert (card["id"], card["barcode"], card["barcodes"]) == (product_id, "4600000000018", ["4600000000018"])
    assert card["sku"] > 0 and card["model_info"] == {"model_id": product_id, "count": 1}
    values = {a["id"]: a["values"][0] for a in card["attributes"]}
    assert values[10096] == {"dictionary_value_id": 61576, "value": "серый"}  # the dictionary's text
    assert values[4180]["value"] == "Защитная плёнка CLI-1" and values[9024]["value"] == "CLI-1"
    assert values[4191]["value"] == "Описание товара CLI-1" and 8229 not in values

    # an import with the same offer_id updates the product (RU name of the function)
    changed = single_quoted(product_item("CLI-1", price="1450", barcode="4600000000018"))
    r = cli("СоздатьОбновитьТовары", "--items", f"[{changed}]")
    update = cli_settled(cli, r.json()["result"]["task_id"])["result"]["items"][0]
    with http_client(sandbox_url) as ozon:
        assert (update["status"], update["product_id"]) == ("imported", product_id)
        assert ozon.get_products_information(offer_id="CLI-1")["items"][0]["price"] == "1450.00"
        limits = ozon.get_products_requests_limits()
        assert (limits["daily_create"]["usage"], limits["daily_update"]["usage"]) == (1, 1)


def test_cli_documentation_example_updates_the_demo_product(cli: Cli, sandbox_url: str) -> None:
    example = REGISTRY["CreateUpdateProducts"].example
    items = example.split(" --items ", 1)[1][1:-1]
    r = cli("CreateUpdateProducts", "--items", items)
    assert r.code == 0, r.err
    item = cli_settled(cli, r.json()["result"]["task_id"])["result"]["items"][0]
    with http_client(sandbox_url) as ozon:
        # OInt's example predates Ozon making type_id required
        assert item["status"] == "failed" and codes(item) == {"description_type_is_empty"}
        assert item["product_id"] == 1111588191
        with_type = items.replace(
            "'description_category_id':17028922,", "'description_category_id':17028922,'type_id':91565,"
        )
        r = cli("CreateUpdateProducts", "--items", with_type)
        item = cli_settled(cli, r.json()["result"]["task_id"])["result"]["items"][0]
        # as in Ozon's recording: imported, with the ТН ВЭД attribute reported empty
        assert item["status"] == "imported" and item["product_id"] == 1111588191
        assert [(e["code"], e["attribute_id"]) for e in item["errors"]] == [
            ("error_attribute_values_empty", 22232)
        ]
        card = ozon.get_products_attributes_data({"offer_id": ["143210609"]})["result"][0]
        assert card["name"] == "Protective film set for X3 NFC. Dark cotton"
        assert {a["id"] for a in card["complex_attributes"]} == {21837, 21841}
        assert {a["id"] for a in card["attributes"]} >= {85, 10096, 9048, 5076, 4180, 9024}
        assert card["sku"] == OWN_SKU  # an existing product keeps its SKU


def test_paging_through_the_product_list(cli: Cli, sandbox_url: str, tmp_path: Path) -> None:
    with http_client(sandbox_url) as ozon:
        tasks = [
            ozon.create_update_products([product_item(f"PAGE-{b}-{n:03}") for n in range(size)])
            for b, size in enumerate((100, 100, 100, 100, 50))
        ]
        for task in tasks:
            result = wait_settled(ozon, task["result"]["task_id"])["result"]
            assert {i["status"] for i in result["items"]} == {"imported"}
    expected_total = 450 + len(ACTIVE_DEMO_OFFERS)

    seen: list[int] = []
    pages: list[int] = []
    last = ""
    for _ in range(6):
        args = ["--last", last] if last else []
        r = cli("GetProductList", *args)
        assert r.code == 0, r.err
        result = r.json()["result"]
        assert result["total_items"] == expected_total and "total" not in result  # off since 2026-11-23
        pages.append(len(result["items"]))
        seen += [i["product_id"] for i in result["items"]]
        if not result["items"]:
            assert result["last_id"] == ""
            break
        last = result["last_id"]
        assert json.loads(base64.b64decode(last)) == [seen[-1], seen[-1]]  # Ozon's opaque form
    assert pages == [200, 200, expected_total - 400, 0]
    assert seen == sorted(seen) and len(set(seen)) == expected_total

    with http_client(sandbox_url) as ozon:
        data_pages, cursor, ids = [], None, []
        while True:
            answer = ozon.get_products_attributes_data({"visibility": "ALL"}, cursor)
            data_pages.append(len(answer["result"]))
            ids += [p["id"] for p in answer["result"]]
            assert answer["total"] == expected_total
            if not answer["last_id"]:
                break
            cursor = answer["last_id"]
        assert data_pages == [200, 200, expected_total - 400] and ids == seen


def test_visibility_filters(sandbox_url: str) -> None:
    with http_client(sandbox_url) as ozon:
        task = ozon.create_update_products(
            [product_item("VIS-OK"), product_item("VIS-EMPTY", without=(22232,))]
        )
        wait_settled(ozon, task["result"]["task_id"])

        def offers(visibility: str) -> set[str]:
            return {
                i["offer_id"] for i in ozon.get_product_list({"visibility": visibility})["result"]["items"]
            }

        info = {
            p["offer_id"]: p
            for p in ozon.get_products_information(
                offer_id=[*ACTIVE_DEMO_OFFERS, ARCHIVED_OFFER, "VIS-OK", "VIS-EMPTY"]
            )["items"]
        }
        active = ACTIVE_DEMO_OFFERS | {"VIS-OK", "VIS-EMPTY"}
        in_stock = {o for o in active if info[o]["stocks"]["has_stock"]}
        created = {o for o in active if info[o]["sku"]}
        assert offers("ALL") == active and ARCHIVED_OFFER not in offers("ALL")
        assert offers("ARCHIVED") == {ARCHIVED_OFFER}
        assert created == active - {DRAFT_OFFER, "VIS-EMPTY"}
        assert offers("VISIBLE") == created and offers("INVISIBLE") == {DRAFT_OFFER, "VIS-EMPTY"}
        assert offers("STATE_FAILED") == {DRAFT_OFFER, "VIS-EMPTY"}
        assert offers("VALIDATION_STATE_FAIL") == {"VIS-EMPTY"}
        assert in_stock and offers("IN_SALE") == in_stock & created
        assert offers("EMPTY_STOCK") == active - in_stock and "VIS-OK" in offers("EMPTY_STOCK")
        assert offers("QUARANTINE") == set()
        # stock flags of the list follow the stocks per source
        checked_flags = 0
        for listed in ozon.get_product_list({"visibility": "ALL"})["result"]["items"]:
            sources = {s["source"] for s in info[listed["offer_id"]]["stocks"]["stocks"] if s["present"] > 0}
            assert listed["has_fbo_stocks"] == ("fbo" in sources), listed
            assert listed["has_fbs_stocks"] == bool(sources & {"fbs", "rfbs"}), listed
            checked_flags += int(listed["has_fbo_stocks"] or listed["has_fbs_stocks"])
        assert checked_flags  # the demo has stock somewhere: the check above is not vacuous
        # identifiers select products whatever their visibility
        by_id = ozon.get_product_list({"visibility": "VISIBLE", "offer_id": [ARCHIVED_OFFER]})["result"][
            "items"
        ]
        assert [(i["offer_id"], i["archived"]) for i in by_id] == [(ARCHIVED_OFFER, True)]
        by_product = ozon.get_product_list({"product_id": ["1111588194", 1111588195]})["result"]["items"]
        assert [i["product_id"] for i in by_product] == [1111588194, 1111588195]
        # attribute data: ALL is everything but the archive
        data = ozon.get_products_attributes_data({"visibility": "ALL"})["result"]
        assert {p["offer_id"] for p in data} == active
        archived = ozon.get_products_attributes_data({"visibility": "ARCHIVED"})["result"]
        assert [p["offer_id"] for p in archived] == [ARCHIVED_OFFER]
        with pytest.raises(BadRequestError, match="Visibility"):
            ozon.get_product_list({"visibility": "SOMETIMES"})


def test_attribute_data_sorting_and_its_cursor(sandbox_url: str) -> None:
    with http_client(sandbox_url) as ozon:
        body = {"filter": {"visibility": "ALL"}, "limit": 2, "sort_by": "offer_id", "sort_dir": "desc"}
        first = ozon.request("POST", "/v4/product/info/attributes", body)
        assert [p["offer_id"] for p in first["result"]] == ["DRAFT-001", "91132"] and first["last_id"]
        rest = ozon.request("POST", "/v4/product/info/attributes", {**body, "last_id": first["last_id"]})
        assert [p["offer_id"] for p in rest["result"]] == ["143210609", "1432106010"]
        assert rest["last_id"] == "" and rest["total"] == 4
        with pytest.raises(BadRequestError, match="SortBy"):
            ozon.request("POST", "/v4/product/info/attributes", {**body, "sort_by": "price"})
        with pytest.raises(BadRequestError, match="Limit"):
            ozon.request("POST", "/v3/product/list", {"filter": {}, "limit": 1001})
        small = ozon.request("POST", "/v3/product/list", {"filter": {}, "limit": "3"})["result"]
        assert len(small["items"]) == 3 and small["total_items"] == 4


def test_cli_create_by_ozon_id(cli: Cli, sandbox_url: str) -> None:
    items = [
        {
            "name": "Копия матовой плёнки",
            "sku": str(OTHER_SELLER_SKU),
            "offer_id": "COPY-1",
            "price": "650",
            "old_price": "700",
            "vat": "0.2",
            "currency_code": "RUB",
        },
        {"sku": OWN_SKU, "offer_id": "COPY-OWN", "price": "1100", "vat": "0.1"},
        {"sku": 999999, "offer_id": "COPY-UNKNOWN", "price": "100", "vat": "0.1"},
        {"sku": COPY_FORBIDDEN_SKU, "offer_id": "COPY-FORBIDDEN", "price": "300", "vat": "0.2"},
        {"sku": OTHER_SELLER_SKU, "offer_id": "91132", "price": "300", "vat": "0.2"},
        {"sku": OTHER_SELLER_SKU, "offer_id": "COPY-VAT", "price": "300", "vat": "0.3"},
    ]
    r = cli("CreateProductByOzonID", "--items", json.dumps(items))
    assert r.code == 0, r.err
    result = r.json()["result"]
    assert result["unmatched_sku_list"] == [999999]
    by_offer = {i["offer_id"]: i for i in cli_settled(cli, result["task_id"])["result"]["items"]}
    with http_client(sandbox_url) as ozon:
        assert set(by_offer) == {"COPY-1", "COPY-OWN", "COPY-FORBIDDEN", "91132", "COPY-VAT"}
        assert by_offer["COPY-1"]["status"] == "imported"
        assert codes(by_offer["COPY-OWN"]) == {"sku_belongs_to_seller"}
        assert codes(by_offer["COPY-FORBIDDEN"]) == {"copy_forbidden"}
        assert codes(by_offer["91132"]) == {"OFFER_ID_ALREADY_EXISTS"}  # create only, never update
        assert codes(by_offer["COPY-VAT"]) == {"vat_invalid"}
        assert all(by_offer[o]["status"] == "failed" for o in by_offer if o != "COPY-1")
        card = ozon.get_products_attributes_data({"offer_id": ["COPY-1"]})["result"][0]
        assert card["name"] == "Копия матовой плёнки" and card["id"] == by_offer["COPY-1"]["product_id"]
        assert (card["description_category_id"], card["type_id"], card["weight"]) == (
            FILM_CATEGORY,
            FILM_TYPE,
            40,
        )
        assert card["sku"] > 0 and card["sku"] != OTHER_SELLER_SKU
        assert ozon.get_products_information(offer_id="COPY-1")["items"][0]["price"] == "650.00"
        assert ozon.get_product_description(offer_id="COPY-1")["result"]["description"].startswith("Матовая")
        assert ozon.get_products_requests_limits()["daily_create"]["usage"] == 1
    # OInt's documentation example copies the demo's own SKU: Ozon refuses
    example = REGISTRY["CreateProductByOzonID"].example.split(" --items ", 1)[1][1:-1]
    r = cli("СоздатьТоварыПоOzonID", "--items", example)
    assert r.code == 0 and r.json()["result"]["unmatched_sku_list"] == []
    item = cli_settled(cli, r.json()["result"]["task_id"])["result"]["items"][0]
    assert item["status"] == "failed" and "sku_belongs_to_seller" in codes(item)


def test_cli_update_attributes_reflected_in_attribute_data(cli: Cli, sandbox_url: str) -> None:
    example = REGISTRY["UpdateProductsAttributes"].example.split(" --items ", 1)[1][1:-1]
    r = cli("UpdateProductsAttributes", "--items", example)
    assert r.code == 0, r.err
    assert list(r.json()) == ["task_id"]
    task_id = r.json()["task_id"]
    assert cli_settled(cli, task_id)["result"]["items"] == [
        {"offer_id": "143210609", "product_id": 1111588191, "status": "imported", "errors": []}
    ]
    data = cli("GetProductsAttributesData", "--filter", "{'offer_id':['143210609']}").json()["result"][0]
    values = {a["id"]: a["values"] for a in data["attributes"]}
    assert values[5076] == [{"dictionary_value_id": 971082156, "value": "Стойка для акустической системы"}]
    assert values[85] == [{"dictionary_value_id": 5060050, "value": "Samsung"}]
    assert 22232 in values and 9048 in values  # attributes not listed are kept

    items = [
        {
            "offer_id": "143210609",
            "attributes": [attribute(4191, "Новое описание"), attribute(10097, "графит")],
        },
        {"offer_id": "NO-SUCH-OFFER", "attributes": [attribute(10097, "синий")]},
        {"offer_id": "1432106010", "attributes": [attribute(10096, "", 1)]},
    ]
    r = cli("ОбновитьХарактеристикиТоваров", "--items", json.dumps(items))
    result = {i["offer_id"]: i for i in cli_settled(cli, r.json()["task_id"])["result"]["items"]}
    with http_client(sandbox_url) as ozon:
        assert result["143210609"]["status"] == "imported"
        assert result["NO-SUCH-OFFER"]["status"] == "failed"
        assert codes(result["NO-SUCH-OFFER"]) == {"offer_id_not_found"}
        assert codes(result["1432106010"]) == {"error_attribute_values_out_of_range"}
        assert ozon.get_product_description(1111588191)["result"]["description"] == "Новое описание"
        card = ozon.get_products_attributes_data({"offer_id": ["143210609", "1432106010"]})["result"]
        first = {a["id"]: a["values"][0]["value"] for a in card[0]["attributes"]}
        assert first[10097] == "графит" and first[4191] == "Новое описание"
        second = {a["id"]: a["values"][0] for a in card[1]["attributes"]}
        assert second[10096]["dictionary_value_id"] == 61571  # the failed item changed nothing
        assert ozon.get_products_requests_limits()["daily_update"]["usage"] == 2


def test_async_client_pipeline(sandbox_url: str) -> None:
    async def go() -> None:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url, max_retries=0) as ozon:
            tasks = await asyncio.gather(
                *(ozon.create_update_products(product_item(f"ASYNC-{n}")) for n in range(3))
            )
            task_ids = [t["result"]["task_id"] for t in tasks]
            assert len(set(task_ids)) == 3
            await asyncio.sleep(PROCESSING_SECONDS)
            answers = await asyncio.gather(*(ozon.get_product_creation_status(t) for t in task_ids))
            assert [statuses(a) for a in answers] == [{f"ASYNC-{n}": "imported"} for n in range(3)]
            listed = await ozon.get_product_list({"offer_id": [f"ASYNC-{n}" for n in range(3)]})
            assert listed["result"]["total_items"] == 3
            description = await ozon.get_product_description(offer_id="ASYNC-1")
            assert description["result"]["name"] == "Защитная плёнка ASYNC-1"
            limits = await ozon.get_products_requests_limits()
            assert limits["daily_create"]["usage"] == 3 and limits["total"]["usage"] == 8
            data = await ozon.get_products_attributes_data({"offer_id": ["ASYNC-2"]}, None)
            assert data["result"][0]["offer_id"] == "ASYNC-2"
            copied = await ozon.create_product_by_ozon_id(
                {"sku": OTHER_SELLER_SKU, "offer_id": "ASYNC-COPY", "price": "700", "vat": "0.2"}
            )
            attributes = await ozon.update_products_attributes(
                {"offer_id": "ASYNC-0", "attributes": [attribute(10097, "графит")]}
            )
            assert copied["result"]["unmatched_sku_list"] == [] and attributes["task_id"]

    asyncio.run(go())


def test_demo_tasks_and_limits_from_the_documentation(cli: Cli) -> None:
    r = cli("GetProductCreationStatus", "--taskid", "3109777510")
    assert r.code == 0, r.err
    assert r.json()["result"] == {
        "items": [{"offer_id": "143210609", "product_id": 1111588191, "status": "imported", "errors": []}],
        "total": 1,
    }
    r = cli("ПолучитьЛимитыРаботыСТоварами")
    assert r.code == 0, r.err
    limits = r.json()
    assert list(limits) == ["daily_create", "daily_update", "total"]
    assert list(limits["daily_create"]) == ["usage", "limit", "reset_at"]
    assert limits["daily_create"]["limit"] == 1500 and limits["daily_update"]["limit"] == 5000
    assert limits["total"] == {"usage": 5, "limit": 252500}
    assert limits["daily_create"]["reset_at"].endswith("T00:00:00Z")
    r = cli("GetProductDescription", "--offerid", "143210609")
    assert r.json()["result"]["id"] == 1111588191 and r.json()["result"]["description"]


# ------------------------------------------------------------------ errors
def test_cli_usage_errors(cli: Cli) -> None:
    assert_usage_error(cli("CreateUpdateProducts", "--items", "{'offer_id':"))
    assert_usage_error(cli("CreateUpdateProducts", "--items", "[1, 2]"))
    assert_usage_error(cli("CreateProductByOzonID", "--taskid", "1"))
    assert_usage_error(cli("GetProductCreationStatus"))
    assert_usage_error(cli("GetProductList", "--filter", "[1]"))
    assert_usage_error(cli("GetProductsAttributesData", "--filter", "visible"))


def test_cli_ozon_errors(cli: Cli, sandbox_url: str, tmp_path: Path) -> None:
    too_many = tmp_path / "items.json"
    too_many.write_text(json.dumps([product_item(f"MANY-{n}") for n in range(101)]), encoding="utf-8")
    refused = cli("CreateUpdateProducts", "--items", str(too_many))
    assert refused.code == 2 and "--items takes at most 100 items per request, got 101" in refused.err
    long_offer = single_quoted(product_item("X" * 51))
    assert_ozon_error(cli("CreateUpdateProducts", "--items", long_offer), 3, "offer_id")
    numeric_price = single_quoted(product_item("NUM-PRICE", price=1300))
    assert_ozon_error(
        cli("CreateUpdateProducts", "--items", numeric_price),
        3,
        "price: value must be a string",
    )
    many_images = single_quoted(product_item("IMG", images=[f"https://e.x/{n}.jpg" for n in range(51)]))
    assert_ozon_error(cli("CreateUpdateProducts", "--items", many_images), 3, "at most 50")
    assert_ozon_error(cli("GetProductCreationStatus", "--taskid", "42"), 5, "not found")
    assert_ozon_error(cli("GetProductDescription", "--offerid", "NOPE"), 5)
    assert_ozon_error(cli("GetProductDescription"), 3, "offer_id or product_id")
    assert_ozon_error(cli("GetProductList", "--last", "not-a-cursor"), 3, "last_id")
    assert_ozon_error(
        cli("UpdateProductsAttributes", "--items", "{'attributes':[]}"),
        3,
        "offer_id",
    )
    assert_ozon_error(
        cli("CreateProductByOzonID", "--items", "{'offer_id':'NO-SKU'}"),
        3,
        "sku",
    )
    # nothing of the rejected requests was stored
    with http_client(sandbox_url) as ozon:
        rejected = ozon.get_product_list({"offer_id": ["MANY-0", "NUM-PRICE", "IMG"]})
        assert rejected["result"]["total_items"] == 0


def test_library_errors_are_typed(sandbox_url: str) -> None:
    with http_client(sandbox_url) as ozon:
        with pytest.raises(NotFoundError) as missing:
            ozon.get_product_description(999)
        assert missing.value.code == 5
        with pytest.raises(BadRequestError) as bad:
            ozon.get_products_attributes_data(None, "WzEsMV0")  # not valid base64
        assert bad.value.code == 3 and "last_id" in bad.value.message
        with pytest.raises(BadRequestError, match="between 1 and 100 items"):
            ozon.request("POST", "/v3/product/import", {"items": []})
        with pytest.raises(UsageError, match="--items"):
            ozon.create_update_products([])  # caught before sending: the option is required
