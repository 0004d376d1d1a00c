"""A new seller's first session with the `oint` CLI, end to end against the HTTP sandbox.

One scenario, only through `python -m oint ozon ...` (OInt's options, arrays and objects as
JSON with single quotes or as paths to JSON files), every step checked by reading the state
back through the CLI:

 1. category tree -> attributes of 17028922 / 91565 -> pages of a dictionary attribute;
 2. product structure -> two products (Russian method name), follow the task, learn from its
    errors which required attributes are missing, complete one product so it gets an SKU;
 3. prices and FBS stocks (the product without SKU is refused stock, as the sandbox says);
 4. images; 5. barcodes; 6. a new offer id; 7. archive / unarchive (the product without
    stock); 8. deleting the archived product without SKU; 9. promotions and warehouses;
 10. an FBO supply draft and its timeslots.

Rate limits kept: the warehouse list is read once, barcodes twice, every stock pair once;
the sleeps are short polls (a few tenths of a second in all).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CliResult, creds

CATEGORY, TYPE = 17028922, 91565
BRAND, TYPE_ATTR, MODEL_NAME, TNVED, COLOR = 85, 8229, 9048, 22232, 10096
OFFER_A, OFFER_B, OFFER_A_NEW = "SCN-FILM-A", "SCN-FILM-B", "SCN-FILM-A-V2"
POLL_STEP, POLL_TRIES = 0.1, 8  # at most 0.8 s of sleep per poll
IMAGES = [
    "https://example.com/scenario/front.jpg",
    "https://example.com/scenario/back.png",
]
IMAGE_WEBP = "https://example.com/scenario/side.webp"
IMAGE_360 = "https://example.com/scenario/spin-1.jpg"
BOUND_BARCODE = "4601234567893"

Ozon = Callable[..., Any]


# ------------------------------------------------------------------ helpers
def oint_json(value: Any) -> str:
    """JSON the way OInt's examples write it on the command line: single quotes."""
    text = json.dumps(value, ensure_ascii=False)
    assert "'" not in text, "single-quoted JSON cannot hold an apostrophe here"
    return text.replace('"', "'")


def write_json(path: Path, value: Any) -> str:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return str(path)


def find_node(nodes: list[dict[str, Any]], category_id: int) -> dict[str, Any] | None:
    """The category node `category_id` anywhere in the description-category tree."""
    for node in nodes:
        if node.get("description_category_id") == category_id:
            return node
        found = find_node(node.get("children") or [], category_id)
        if found is not None:
            return found
    return None


def by_offer(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["offer_id"]: item for item in items}


def ean13_ok(code: str) -> bool:
    if len(code) != 13 or not code.isdigit():
        return False
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code[:12]))
    return (10 - total % 10) % 10 == int(code[12])


def poll(call: Callable[[], Any], done: Callable[[Any], bool], what: str) -> Any:
    """Call until `done(answer)`, sleeping POLL_STEP between tries (bounded)."""
    answer = call()
    for _ in range(POLL_TRIES):
        if done(answer):
            return answer
        time.sleep(POLL_STEP)
        answer = call()
    raise AssertionError(f"{what} did not finish: {answer}")


class Session:
    """`ozon("Method", "--opt", value)` for the demo account; `local(...)` for helpers without HTTP."""

    def __init__(self, run_cli: Callable[..., CliResult], url: str) -> None:
        self.run_cli = run_cli
        self.url = url
        self.calls: list[str] = []

    def _run(self, args: list[str]) -> Any:
        self.calls.append(args[1])
        r = self.run_cli(*args)
        assert r.code == 0, f"oint {' '.join(args[:2])} exited {r.code}: {r.err or r.out}"
        assert r.err == "", r.err
        return r.json()

    def ozon(self, method: str, *args: Any) -> Any:
        return self._run(["ozon", method, *creds(self.url), *map(str, args)])

    def local(self, method: str, *args: Any) -> Any:
        return self._run(["ozon", method, *map(str, args)])


class ScenarioInfo:
    """Reading products and tasks back through the CLI."""

    def __init__(self, ozon: Ozon) -> None:
        self.ozon = ozon

    def products(self, *args: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.ozon("GetProductsInformation", *args)["items"]
        return items

    def product(self, product_id: int) -> dict[str, Any]:
        [item] = self.products("--productid", product_id)
        assert item["id"] == product_id
        return item

    def wait_task(self, task_id: int) -> list[dict[str, Any]]:
        answer = poll(
            lambda: self.ozon("GetProductCreationStatus", "--taskid", task_id),
            lambda a: all(i["status"] != "pending" for i in a["result"]["items"]),
            f"import task {task_id}",
        )
        items: list[dict[str, Any]] = answer["result"]["items"]
        assert answer["result"]["total"] == len(items)
        return items


# ------------------------------------------------------------------ the scenario
# OInt's own endpoints (360° images, v1 warehouses and drafts), on a sandbox dated before Ozon switched
# them off; the current implementations have their scenario in test_today.py.
@pytest.mark.usefixtures("legacy_api")
def test_new_seller_scenario(run_cli: Any, sandbox_url: str, tmp_path: Path) -> None:
    s = Session(run_cli, sandbox_url)
    ozon, local = s.ozon, s.local
    info = ScenarioInfo(ozon)

    # 1. categories, attributes, dictionary values -------------------------------------------
    tree = ozon("GetCategoriesAndProductTypesTree")
    node = find_node(tree["result"], CATEGORY)
    assert node is not None and node["disabled"] is False
    types = {child.get("type_id"): child for child in node["children"]}
    assert TYPE in types, f"type {TYPE} is not in category {CATEGORY}"
    assert all("type_id" in child and child["children"] == [] for child in node["children"])  # last level
    assert types[TYPE]["disabled"] is False
    assert types[TYPE]["type_name"] == "Защитная пленка и стекло для смартфона"
    tree_en = ozon("ПолучитьДеревоКатегорийИТиповТоваров", "--lang", "EN")
    node_en = find_node(tree_en["result"], CATEGORY)
    assert node_en is not None and node_en["category_name"] != node["category_name"]
    assert [c["type_id"] for c in node_en["children"]] == [c["type_id"] for c in node["children"]]

    attributes = ozon("GetCategoryAttributes", "--categoryid", CATEGORY, "--typeid", TYPE)["result"]
    by_id = {a["id"]: a for a in attributes}
    required = {a["id"] for a in attributes if a["is_required"]}
    assert {BRAND, TYPE_ATTR, MODEL_NAME, TNVED, COLOR} <= required
    required_dictionary = sorted(i for i in required if by_id[i]["dictionary_id"])
    assert BRAND in required_dictionary and by_id[MODEL_NAME]["dictionary_id"] == 0

    # the brand dictionary is long: page through it as the help says (--start = last id + 1)
    brands = ozon("GetAttributeValues", "--categoryid", CATEGORY, "--typeid", TYPE, "--attributeid", BRAND)
    assert len(brands["result"]) == 200 and brands["has_next"] is True
    brand_ids = [v["id"] for v in brands["result"]]
    assert brand_ids == sorted(brand_ids)
    next_page = ozon(
        "GetAttributeValues",
        "--categoryid",
        CATEGORY,
        "--typeid",
        TYPE,
        "--attributeid",
        BRAND,
        "--start",
        brand_ids[-1] + 1,
    )
    assert next_page["result"] and next_page["result"][0]["id"] > brand_ids[-1]
    samsung = next(v for v in brands["result"] if v["value"] == "Samsung")

    def first_value(attribute_id: int, contains: str) -> dict[str, Any]:
        page = ozon(
            "ПолучитьЗначенияХарактеристики",
            "--categoryid",
            CATEGORY,
            "--typeid",
            TYPE,
            "--attributeid",
            attribute_id,
        )
        assert page["has_next"] is False
        return next(v for v in page["result"] if contains in v["value"])

    tnved = first_value(TNVED, "3919900000")
    grey = first_value(COLOR, "серый")

    # 2. product structure -> products -> task -> products ---------------------------------
    template = local("GetProductStructure", "--empty", "true")
    assert set(template) >= {"description_category_id", "name", "offer_id", "price", "vat", "images"}
    assert all(v == "" for v in template.values())
    # Ozon wants arrays for images / images360: the empty template holds "" there (see report)
    base = {
        **template,
        "description_category_id": CATEGORY,
        "type_id": TYPE,
        "price": "1000",
        "old_price": "1200",
        "vat": "0.2",
        "height": 200,
        "width": 100,
        "depth": 5,
        "dimension_unit": "mm",
        "weight": 30,
        "weight_unit": "g",
        "images": [],
        "images360": [],
    }
    base.pop("barcode")
    base.pop("color_image")
    item_a = {**base, "offer_id": OFFER_A, "name": "Защитная плёнка Scenario A"}
    item_b = {
        **base,
        "offer_id": OFFER_B,
        "name": "Защитная плёнка Scenario B",
        "price": "500",
        "old_price": "0",
    }
    task = ozon("СоздатьОбновитьТовары", "--items", write_json(tmp_path / "products.json", [item_a, item_b]))
    task_id = task["result"]["task_id"]
    status = info.wait_task(task_id)
    assert [i["offer_id"] for i in status] == [OFFER_A, OFFER_B]
    assert all(i["status"] == "imported" and i["product_id"] > 0 for i in status)
    # imported, but not sellable: the errors name the required attributes still empty
    missing = {e["attribute_id"] for e in status[0]["errors"] if e["code"] == "error_attribute_values_empty"}
    assert missing == required - {TYPE_ATTR}  # 8229 (type) follows type_id
    id_a, id_b = status[0]["product_id"], status[1]["product_id"]

    # fill the missing attributes with CompleteComplexAttribute (the object as a file, then as text)
    values = {
        BRAND: {"dictionary_value_id": samsung["id"], "value": samsung["value"]},
        MODEL_NAME: "Scenario film",
        TNVED: {"dictionary_value_id": tnved["id"], "value": tnved["value"]},
        COLOR: [{"dictionary_value_id": grey["id"], "value": grey["value"]}],
    }
    assert set(values) == missing
    item_a_full: dict[str, Any] = item_a
    for n, (attribute_id, value) in enumerate(values.items()):
        source = write_json(tmp_path / "item_a.json", item_a_full) if n == 0 else oint_json(item_a_full)
        item_a_full = local(
            "ДополнитьКомплексныйАтрибут",
            "--object",
            source,
            "--attributeid",
            attribute_id,
            "--complexid",
            0,
            "--values",
            value if isinstance(value, str) else oint_json(value),
        )
    assert [a["id"] for a in item_a_full["attributes"]] == list(values)
    assert item_a_full["attributes"][1] == {
        "id": MODEL_NAME,
        "complex_id": 0,
        "values": [{"value": "Scenario film"}],
    }
    task2 = ozon("CreateUpdateProducts", "--items", oint_json(item_a_full))["result"]["task_id"]
    assert task2 != task_id
    status2 = info.wait_task(task2)
    assert status2 == [{"offer_id": OFFER_A, "product_id": id_a, "status": "imported", "errors": []}]

    listed = ozon("GetProductList", "--filter", oint_json({"offer_id": [OFFER_A, OFFER_B]}))["result"]
    assert [(i["product_id"], i["offer_id"], i["archived"]) for i in listed["items"]] == [
        (id_a, OFFER_A, False),
        (id_b, OFFER_B, False),
    ]
    assert listed["total_items"] == 2
    products = by_offer(info.products("--productid", oint_json([id_a, id_b])))
    a, b = products[OFFER_A], products[OFFER_B]
    sku_a = a["sku"]
    assert sku_a > 0 and a["statuses"]["is_created"] is True and a["errors"] == []
    assert (a["description_category_id"], a["type_id"], a["name"]) == (CATEGORY, TYPE, item_a["name"])
    assert b["sku"] == 0 and b["statuses"]["is_created"] is False
    assert {e["attribute_id"] for e in b["errors"]} == missing

    # 3. prices and stocks -------------------------------------------------------------------
    price_template = local("GetProductPriceStructure", "--empty", "true")
    prices = [
        {
            **price_template,
            "offer_id": OFFER_A,
            "product_id": id_a,
            "price": "990",
            "old_price": "1100",
            "min_price": "900",
            "currency_code": "RUB",
            "auto_action_enabled": "DISABLED",
            "price_strategy_enabled": "DISABLED",
        },
        {"offer_id": OFFER_B, "price": "450", "old_price": "0"},
    ]
    answer = ozon("UpdateProductsPrices", "--prices", oint_json(prices))
    assert [(r["offer_id"], r["updated"], r["errors"]) for r in answer["result"]] == [
        (OFFER_A, True, []),
        (OFFER_B, True, []),
    ]
    read = by_offer(
        ozon(
            "GetProductsPrices", "--filter", oint_json({"offer_id": [OFFER_A, OFFER_B], "visibility": "ALL"})
        )["items"]
    )
    assert {k: read[OFFER_A]["price"][k] for k in ("price", "old_price", "min_price", "currency_code")} == {
        "price": 990,
        "old_price": 1100,
        "min_price": 900,
        "currency_code": "RUB",
    }
    assert (read[OFFER_B]["price"]["price"], read[OFFER_B]["price"]["old_price"]) == (450, 0)
    assert read[OFFER_A]["product_id"] == id_a
    assert info.product(id_a)["price"] == "990.00"  # product info prints prices as text

    warehouses = ozon("GetWarehousesList")["result"]  # once a minute: the only call of the scenario
    fbs = next(w for w in warehouses if not w["is_rfbs"] and not w["is_kgt"] and w["status"] == "created")
    wh = fbs["warehouse_id"]
    stocks_file = write_json(
        tmp_path / "stocks.json",
        [
            {"offer_id": OFFER_A, "stock": 25, "warehouse_id": wh},
            {"offer_id": OFFER_B, "stock": 5, "warehouse_id": wh},
        ],
    )
    answer = ozon("ОбновитьКоличествоТоваров", "--stocks", stocks_file, "--allow-item-errors")
    result = by_offer(answer["result"])
    assert (result[OFFER_A]["updated"], result[OFFER_A]["errors"], result[OFFER_A]["product_id"]) == (
        True,
        [],
        id_a,
    )
    # B has no SKU yet: the sandbox says so per entry (and nothing is stored)
    assert result[OFFER_B]["updated"] is False
    assert [e["code"] for e in result[OFFER_B]["errors"]] == ["product_is_not_created"]
    stock_filter = oint_json({"offer_id": [OFFER_A, OFFER_B]})
    stocks = by_offer(ozon("GetProductsStocks", "--filter", stock_filter)["items"])
    assert stocks[OFFER_A]["stocks"] == [
        {
            "present": 25,
            "reserved": 0,
            "sku": sku_a,
            "type": "fbs",
            "shipment_type": "SHIPMENT_TYPE_GENERAL",
            "warehouse_ids": [wh],
        }
    ]
    assert stocks[OFFER_B]["stocks"] == []
    a = info.product(id_a)
    assert a["stocks"]["has_stock"] is True
    assert a["visibility_details"] == {"has_price": True, "has_stock": True}
    assert a["statuses"]["status_name"] == "Продается"

    # 4. images ---------------------------------------------------------------------------
    answer = ozon(
        "UpdateProductImages",
        "--productid",
        id_a,
        "--images",
        oint_json([*IMAGES, IMAGE_WEBP]),
        "--images360",
        IMAGE_360,
        "--color",
        "GREEN",
    )
    pictures = answer["result"]["pictures"]
    assert [(p["url"], p["is_primary"], p["is_360"], p["is_color"]) for p in pictures] == [
        (IMAGES[0], True, False, False),
        (IMAGES[1], False, False, False),
        (IMAGE_WEBP, False, False, False),
        (IMAGE_360, False, True, False),
        ("GREEN", False, False, True),
    ]
    assert {(p["product_id"], p["state"]) for p in pictures} == {(id_a, "imported")}
    checked = ozon("CheckProductsImagesUpload", "--products", oint_json([id_a]))["items"]
    assert len(checked) == 1 and checked[0]["product_id"] == id_a
    assert checked[0]["photo"] == IMAGES and checked[0]["photo_360"] == [IMAGE_360]
    assert checked[0]["color_photo"] == ["GREEN"]
    assert [e["url"] for e in checked[0]["errors"]] == [IMAGE_WEBP]  # WEBP is refused: JPG or PNG only
    # every call replaces all images: send the good ones again, without the WEBP
    ozon(
        "ОбновитьИзображенияТовара",
        "--productid",
        id_a,
        "--images",
        oint_json(IMAGES),
        "--images360",
        oint_json([IMAGE_360]),
        "--color",
        "GREEN",
    )
    checked = ozon("CheckProductsImagesUpload", "--products", id_a)["items"][0]
    assert checked["photo"] == IMAGES and checked["errors"] == []
    a = info.product(id_a)
    assert (a["images"], a["images360"], a["color_image"]) == (IMAGES, [IMAGE_360], ["GREEN"])

    # 5. barcodes (20 calls a minute: one of each) ------------------------------------------
    assert a["barcodes"] == []
    answer = ozon("BindBarcodes", "--barcodes", oint_json({str(sku_a): BOUND_BARCODE}))
    assert answer == {"errors": []}
    answer = ozon("CreateBarcodes", "--productids", oint_json([str(id_a)]))
    assert answer == {"errors": []}
    barcodes = info.product(id_a)["barcodes"]
    assert barcodes[0] == BOUND_BARCODE and len(barcodes) == 2
    generated = barcodes[1]
    assert ean13_ok(generated) and generated != BOUND_BARCODE

    # 6. a new offer id -----------------------------------------------------------------
    answer = ozon(
        "UpdateProductsArticles", "--offers", write_json(tmp_path / "offers.json", {OFFER_A: OFFER_A_NEW})
    )
    assert answer == {"errors": []}
    renamed = info.products("--offerid", OFFER_A_NEW)
    assert [(p["id"], p["offer_id"], p["sku"]) for p in renamed] == [(id_a, OFFER_A_NEW, sku_a)]
    assert info.products("--offerid", OFFER_A) == []
    assert renamed[0]["barcodes"] == [BOUND_BARCODE, generated]  # the product kept its data
    stocks = ozon("GetProductsStocks", "--filter", oint_json({"offer_id": [OFFER_A_NEW]}))["items"]
    assert [(s["product_id"], s["stocks"][0]["present"]) for s in stocks] == [(id_a, 25)]

    # 7. archive / unarchive the product without stock (A has FBS stock: Ozon refuses it) -----
    assert info.product(id_b)["stocks"]["has_stock"] is False
    assert ozon("ArchiveProducts", "--products", id_b) == {"result": True}
    b = info.product(id_b)
    assert b["is_archived"] is True and b["statuses"]["status_name"] == "Архив"
    archived = ozon("GetProductList", "--filter", oint_json({"visibility": "ARCHIVED"}))["result"]["items"]
    assert id_b in [i["product_id"] for i in archived]
    live = ozon("GetProductList", "--filter", oint_json({"visibility": "ALL"}))["result"]["items"]
    assert id_b not in [i["product_id"] for i in live] and id_a in [i["product_id"] for i in live]
    assert ozon("UnarchiveProducts", "--products", oint_json([id_b])) == {"result": True}
    assert info.product(id_b)["is_archived"] is False
    assert info.product(id_a)["is_archived"] is False
    assert ozon("АрхивироватьТовары", "--products", oint_json([str(id_b)])) == {"result": True}
    assert info.product(id_b)["is_archived"] is True

    # 8. delete the archived product without SKU ---------------------------------------
    answer = ozon("DeleteProductsWithoutSKU", "--articles", oint_json([OFFER_B]))
    assert answer == {"status": [{"offer_id": OFFER_B, "is_deleted": True, "error": ""}]}
    assert info.products("--productid", id_b) == []
    assert info.products("--offerid", OFFER_B) == []
    gone = ozon("GetProductList", "--filter", oint_json({"offer_id": [OFFER_B]}))["result"]
    assert gone["items"] == [] and gone["total_items"] == 0
    archived = ozon("GetProductList", "--filter", oint_json({"visibility": "ARCHIVED"}))["result"]["items"]
    assert id_b not in [i["product_id"] for i in archived]

    # 9. promotions and warehouses ------------------------------------------------------
    promotions = ozon("GetPromotionsList")["result"]
    assert promotions, "the demo account has promotions"
    now_text = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for action in promotions:
        assert action["id"] > 0 and action["title"] and action["action_type"]
        assert action["date_start"] < action["date_end"] and action["date_end"] >= now_text
        assert action["is_participating"] is (action["participating_products_count"] > 0)
    # the new product (SKU, price, stock) may join the actions open to any product
    offers = []
    for action in (a for a in promotions if a["potential_products_count"] > 0):
        page = ozon("GetAvailablePromoProducts", "--actionid", action["id"])["result"]
        assert page["total"] == action["potential_products_count"]
        offers += [(action["id"], p) for p in page["products"] if p["id"] == id_a]
    assert offers, "product A should be a candidate of some promotion"
    for _, candidate in offers:
        assert candidate["price"] == 990 and 0 < candidate["max_action_price"] < 990
    assert len({w["warehouse_id"] for w in warehouses}) == len(warehouses) >= 2
    assert {w["is_rfbs"] for w in warehouses} == {False, True}  # FBS and rFBS warehouses
    assert wh in [w["warehouse_id"] for w in warehouses]

    # 10. an FBO supply draft and its timeslots ---------------------------------------------
    clusters = ozon("GetClustersList")["clusters"]
    assert {c["type"] for c in clusters} == {"OZON"}
    cluster = next(c for c in clusters if c["logistic_clusters"][0]["warehouses"])
    operation = ozon(
        "CreateFBODraft", "--clusters", oint_json([cluster["id"]]), "--items", oint_json({str(sku_a): 10})
    )["operation_id"]
    assert operation
    draft = poll(
        lambda: ozon("GetFBODraft", "--oper", operation),
        lambda d: d["status"] != "CALCULATION_STATUS_IN_PROGRESS",
        "the FBO draft",
    )
    assert draft["status"] == "CALCULATION_STATUS_SUCCESS", draft
    assert draft["draft_id"] > 0 and draft["errors"] == []
    assert [c["cluster_id"] for c in draft["clusters"]] == [cluster["id"]]
    cluster_warehouses = {w["warehouse_id"] for w in cluster["logistic_clusters"][0]["warehouses"]}
    supply = [w for w in draft["clusters"][0]["warehouses"] if w["status"]["is_available"]]
    assert supply and {w["supply_warehouse"]["warehouse_id"] for w in supply} <= cluster_warehouses
    assert [w["total_rank"] for w in supply] == list(range(1, len(supply) + 1))
    target = supply[0]["supply_warehouse"]["warehouse_id"]

    today = dt.datetime.now(dt.timezone.utc).date()
    date_from = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    date_to = dt.datetime.combine(today + dt.timedelta(days=7), dt.time(23, 0))
    slots = ozon(
        "GetFBOTimeslots",
        "--from",
        date_from.isoformat(),
        "--to",
        date_to.isoformat(),
        "--draft",
        draft["draft_id"],
        "--whs",
        oint_json([target]),
    )
    assert slots["requested_date_from"] == date_from.isoformat() + "Z"
    assert slots["requested_date_to"] == date_to.isoformat() + "Z"
    [at_warehouse] = slots["drop_off_warehouse_timeslots"]
    assert at_warehouse["drop_off_warehouse_id"] == target and at_warehouse["warehouse_timezone"]
    days = at_warehouse["days"]
    assert days, "a week ahead should have free slots"
    for day in days:
        assert date_from.isoformat() <= day["date_in_timezone"][:19] <= date_to.isoformat()
        assert day["timeslots"]
        for slot in day["timeslots"]:
            assert slot["from_in_timezone"] < slot["to_in_timezone"]
            assert slot["from_in_timezone"][:10] == day["date_in_timezone"][:10]

    # the whole session went through the CLI, English and Russian names alike
    assert sum(1 for c in s.calls if not c.isascii()) >= 5
    assert len(s.calls) >= 50
