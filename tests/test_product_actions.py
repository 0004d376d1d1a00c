"""Product actions: UpdateProductsArticles, ArchiveProducts, UnarchiveProducts,
DeleteProductsWithoutSKU, UploadProductActivationCodes, GetCodesUploadStatus,
GetProductSubscribersCount, GetRelatedSKUs, GetProductsContentRating.

Request building (pure), end to end through the CLI and the clients against the HTTP
sandbox (effects read back), and the model's time- and quota-dependent rules against an
in-process sandbox with a controlled clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import BEFORE_SWITCH_OFF, DEMO_API_KEY, DEMO_CLIENT_ID, Cli, Clock

from oint.compat.methods import REGISTRY
from oint.core.errors import BadRequestError, NotFoundError, RateLimitError, UsageError
from oint.ozon import AsyncOzonClient, OzonClient
from oint.sandbox.core import Sandbox
from oint.sandbox.model import product_actions as model
from oint.sandbox.model.base import Account
from oint.sandbox.model.products import get_product, new_product, save_product

DATA = Path(__file__).parent / "data"
PICTURE = "https://openintegrations.dev/test_data/picture{}.jpg"


def info(ozon: OzonClient, **ids: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ozon.get_products_information(**ids)["items"]
    return items


# ================================================================== request building
def body(name: str, *values: Any) -> Any:
    return REGISTRY[name].build(list(values)).body


def test_build_update_articles() -> None:
    pairs = [{"offer_id": "143210609", "new_offer_id": "143210612"}]
    assert body("UpdateProductsArticles", "{'143210609':'143210612'}") == {"update_offer_id": pairs}
    assert body("ИзменитьАртикулыТоваров", {"143210609": 143210612}) == {"update_offer_id": pairs}
    two = body("UpdateProductsArticles", {"a": "b", "c": "d"})["update_offer_id"]
    assert two == [{"offer_id": "a", "new_offer_id": "b"}, {"offer_id": "c", "new_offer_id": "d"}]
    assert REGISTRY["UpdateProductsArticles"].build([{"a": "b"}]).path == "/v1/product/update/offer-id"


@pytest.mark.parametrize("bad", ["['143210609','143210612']", [{"a": "b"}], ("a", "b")])
def test_build_update_articles_refuses_arrays(bad: Any) -> None:
    with pytest.raises(UsageError, match="Ошибка типа значения соответствия артикулов"):
        body("UpdateProductsArticles", bad)


def test_build_update_articles_other_bad_input() -> None:
    with pytest.raises(UsageError, match="missing required option --offers"):
        body("UpdateProductsArticles", {})
    with pytest.raises(UsageError, match="malformed JSON"):
        body("UpdateProductsArticles", "{'a': ")
    with pytest.raises(UsageError, match="must be text or a number"):
        body("UpdateProductsArticles", {"a": ["b"]})


def test_build_archive_unarchive() -> None:
    for name in ("ArchiveProducts", "АрхивироватьТовары", "UnarchiveProducts", "РазархивироватьТовары"):
        assert body(name, 2831623175) == {"product_id": [2831623175]}
        assert body(name, "[2831623175, '2831623176']") == {"product_id": [2831623175, "2831623176"]}
    cli = REGISTRY["ArchiveProducts"].params[0].kind.parse_cli("2831623175", "products")
    assert body("ArchiveProducts", cli) == {"product_id": [2831623175]}
    with pytest.raises(UsageError, match="missing required option --products"):
        body("ArchiveProducts", [])


def test_build_delete_sends_articles_as_strings() -> None:
    assert body("DeleteProductsWithoutSKU", "143210609") == {"products": [{"offer_id": "143210609"}]}
    assert body("УдалитьТоварыБезSKU", [143210609, "ARCH-001"]) == {
        "products": [{"offer_id": "143210609"}, {"offer_id": "ARCH-001"}]
    }
    cli = REGISTRY["DeleteProductsWithoutSKU"].params[0].kind.parse_cli("007", "articles")
    assert body("DeleteProductsWithoutSKU", cli) == {"products": [{"offer_id": "007"}]}  # leading zeros kept


def test_build_digital_codes() -> None:
    assert body("UploadProductActivationCodes", 1235207802, "['11111111','22222222']") == {
        "product_id": 1235207802,
        "digital_codes": ["11111111", "22222222"],
    }
    assert body("ЗагрузитьКодыАктивацииТовара", "1235207802", "X-1") == {
        "product_id": 1235207802,
        "digital_codes": ["X-1"],
    }
    with pytest.raises(UsageError, match="--productid: expected a number"):
        body("UploadProductActivationCodes", "abc", "X-1")
    assert body("GetCodesUploadStatus", 1) == {"task_id": "1"}
    assert body("ПолучитьСтатусДобавленияКодов", "3300000001") == {"task_id": "3300000001"}
    for name in ("UploadProductActivationCodes", "GetCodesUploadStatus"):
        endpoint = REGISTRY[name].endpoint
        assert endpoint is not None and endpoint.retired == "2025-07-01"
        assert endpoint.successor == "/v1/product/digital/stocks/import"


def test_build_sku_methods() -> None:
    assert body("GetProductSubscribersCount", "1626044001") == {"skus": [1626044001]}
    assert body("ПолучитьКоличествоПодписчиковТоваров", [1626044001, "1626044002"]) == {
        "skus": [1626044001, 1626044002]
    }
    assert body("GetRelatedSKUs", 1626044001) == {"sku": [1626044001]}
    assert body("ПолучитьСвязанныеSKU", "[1626044001]") == {"sku": [1626044001]}
    assert body("GetProductsContentRating", 1626044001) == {"skus": [1626044001]}
    assert body("ПолучитьКонтентРейтингТоваров", ["1626044001"]) == {"skus": [1626044001]}


# ================================================================== offer_id renames
def test_rename_article_cli(cli: Cli, ozon: OzonClient) -> None:
    r = cli("UpdateProductsArticles", "--offers", "{'143210609':'143210612'}")
    assert r.code == 0, r.err
    assert r.json() == {"errors": []}
    assert [p["id"] for p in info(ozon, offer_id="143210612")] == [1111588191]
    assert info(ozon, offer_id="143210609") == []
    # the product keeps its identity: by product_id it shows the new article
    assert info(ozon, product_id=1111588191)[0]["offer_id"] == "143210612"


def test_rename_article_from_json_file_ru_name(cli: Cli, ozon: OzonClient, tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"91132": "CASE-BLACK", "1432106010": "FILM-LIGHT"}), encoding="utf-8")
    r = cli("ИзменитьАртикулыТоваров", "--offers", str(data))
    assert r.code == 0, r.err
    assert r.json() == {"errors": []}
    assert info(ozon, product_id=1111588192)[0]["offer_id"] == "FILM-LIGHT"
    renamed = info(ozon, offer_id=["CASE-BLACK", "FILM-LIGHT"])
    assert [p["offer_id"] for p in renamed] == ["CASE-BLACK", "FILM-LIGHT"]


def test_rename_conflicts_are_reported_per_item(ozon: OzonClient) -> None:
    result = ozon.update_products_articles(
        {
            "1432106010": "91132",  # taken by another product
            "NO-SUCH": "NEW-1",  # unknown article
            "ARCH-001": "ARCH-002",  # fine, even archived
        }
    )
    assert result == {
        "errors": [
            {"offer_id": "1432106010", "message": 'Product with the "91132" identifier already exists.'},
            {"offer_id": "NO-SUCH", "message": 'Product with the "NO-SUCH" identifier not found.'},
        ]
    }
    assert info(ozon, product_id=1111588192)[0]["offer_id"] == "1432106010"  # unchanged
    assert info(ozon, offer_id="91132")[0]["id"] == 1111588193
    assert info(ozon, offer_id="ARCH-002")[0]["id"] == 1111588194
    assert info(ozon, offer_id="NEW-1") == []


def test_rename_array_is_a_usage_error(cli: Cli) -> None:
    r = cli("UpdateProductsArticles", "--offers", "['143210609','143210612']")
    assert r.code == 2 and r.out == ""
    assert "Ошибка типа значения соответствия артикулов" in r.err
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err


def test_rename_validation_errors(cli: Cli, ozon: OzonClient) -> None:
    too_many = json.dumps({f"A-{i}": f"B-{i}" for i in range(26)})
    r = cli("UpdateProductsArticles", "--offers", too_many)
    assert r.code == 2 and "--offers takes at most 25 items per request, got 26" in r.err  # nothing sent
    with pytest.raises(BadRequestError) as sent:  # sent anyway: Ozon's 400
        pairs = [{"offer_id": f"A-{i}", "new_offer_id": f"B-{i}"} for i in range(26)]
        ozon.request("POST", "/v1/product/update/offer-id", {"update_offer_id": pairs})
    assert sent.value.code == 3 and "between 1 and 25 items" in sent.value.message
    assert set(sent.value.to_dict()) == {"code", "message", "details"}

    with pytest.raises(BadRequestError) as e:
        ozon.update_products_articles({"143210609": "X" * 51})
    assert e.value.code == 3 and "NewOfferId" in e.value.message and "50 runes" in e.value.message
    assert info(ozon, product_id=1111588191)[0]["offer_id"] == "143210609"
    ozon.update_products_articles({"143210609": "X" * 50})  # exactly 50 is fine
    assert info(ozon, product_id=1111588191)[0]["offer_id"] == "X" * 50


def test_rename_item_limit_per_minute(cli: Cli, ozon: OzonClient) -> None:
    batch = {f"UNKNOWN-{i}": f"NEW-{i}" for i in range(model.MAX_OFFER_ID_PAIRS)}
    for _ in range(model.OFFER_ID_ITEMS_PER_MINUTE // model.MAX_OFFER_ID_PAIRS):
        assert len(ozon.update_products_articles(batch)["errors"]) == model.MAX_OFFER_ID_PAIRS
    with pytest.raises(RateLimitError) as e:
        ozon.update_products_articles({"143210609": "AFTER-LIMIT"})
    err = e.value
    assert err.code == "RESOURCE_EXHAUSTED" and "operation items limits" in err.message
    assert err.retry_after is not None and 1 <= err.retry_after <= 60
    assert err.headers["item-retry-after"] == "1" and err.headers["item-rate-limit-remaining"] == "0"
    assert info(ozon, product_id=1111588191)[0]["offer_id"] == "143210609"  # not renamed

    r = cli("UpdateProductsArticles", "--offers", "{'91132':'X'}", "--retries", "0")
    assert r.code == 1 and r.json()["code"] == "RESOURCE_EXHAUSTED"


# ================================================================== archive / unarchive
def test_unarchive_and_archive_cli(cli: Cli, ozon: OzonClient) -> None:
    assert info(ozon, product_id=1111588194)[0]["is_archived"] is True  # ARCH-001
    r = cli("РазархивироватьТовары", "--products", "1111588194")
    assert r.code == 0, r.err
    assert r.json() == {"result": True}
    item = info(ozon, product_id=1111588194)[0]
    assert item["is_archived"] is False and item["statuses"]["status_name"] != "Архив"

    r = cli("ArchiveProducts", "--products", "[1111588194, '1111588195']")
    assert r.code == 0, r.err
    assert r.json() == {"result": True}
    items = info(ozon, product_id=[1111588194, 1111588195])
    assert [(p["is_archived"], p["is_autoarchived"]) for p in items] == [(True, False), (True, False)]
    assert items[0]["statuses"]["status_name"] == "Архив"


def test_archive_library_ids_as_numbers_and_strings(ozon: OzonClient) -> None:
    assert ozon.archive_products([1111588195, "1111588194"]) == {"result": True}
    assert ozon.archive_products(1111588195) == {"result": True}  # archiving twice is fine
    assert all(p["is_archived"] for p in info(ozon, product_id=[1111588194, 1111588195]))
    assert ozon.unarchive_products(["1111588195", 1111588194]) == {"result": True}
    assert not any(p["is_archived"] for p in info(ozon, product_id=[1111588194, 1111588195]))


def test_archive_errors(cli: Cli, ozon: OzonClient) -> None:
    r = cli("ArchiveProducts", "--products", "[1111588195, 999]")
    assert r.code == 1
    assert r.json() == {"code": 5, "message": "products not found: 999", "details": []}
    assert info(ozon, product_id=1111588195)[0]["is_archived"] is False  # all or nothing

    with pytest.raises(UsageError, match="at most 100 items per request"):
        ozon.unarchive_products(list(range(1, model.MAX_ARCHIVE_IDS + 2)))
    with pytest.raises(BadRequestError) as e:  # sent anyway: Ozon's 400
        ozon.request(
            "POST", "/v1/product/unarchive", {"product_id": list(range(1, model.MAX_ARCHIVE_IDS + 2))}
        )
    assert e.value.code == 3 and "at most 100 item(s)" in e.value.message
    with pytest.raises(NotFoundError):
        ozon.unarchive_products(999)

    r = cli("ArchiveProducts")
    assert r.code == 2 and r.out == "" and "missing required option --products" in r.err
    r = cli("ArchiveProducts", "--products", "[1,")
    assert r.code == 2 and r.out == "" and "malformed JSON" in r.err and "Traceback" not in r.err


def test_archive_demo_product_with_stock_is_refused(cli: Cli, ozon: OzonClient) -> None:
    # the demo account has stock of 143210609 on its own warehouse (model/stocks.py)
    assert info(ozon, product_id=1111588191)[0]["stocks"]["has_stock"] is True
    r = cli("ArchiveProducts", "--products", "[1111588195, 1111588191]")
    assert r.code == 1
    error = r.json()
    assert error["code"] == 9 and "zero stocks" in error["message"] and "1111588191" in error["message"]
    assert not any(p["is_archived"] for p in info(ozon, product_id=[1111588191, 1111588195]))


def set_stocks(sandbox: Sandbox, now: float, product_id: int, summary: list[dict[str, Any]]) -> None:
    with sandbox.store.transaction():
        account = Account(sandbox.store, DEMO_CLIENT_ID, now)
        product = get_product(account, product_id)
        assert product is not None
        product["stocks_summary"] = summary
        save_product(account, product)


def test_archive_needs_zero_seller_stock(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, sandbox, clock = clocked
    set_stocks(
        sandbox,
        clock.now,
        1111588192,
        [
            {"present": 7, "reserved": 0, "sku": 1626044002, "source": "fbs"},
        ],
    )
    with pytest.raises(BadRequestError) as e:
        ozon.archive_products([1111588195, 1111588192])
    assert e.value.code == 9 and "1111588192" in e.value.message
    assert not any(p["is_archived"] for p in ozon.get_products_information([1111588192, 1111588195])["items"])

    # stock set to zero: only reserved units and FBO stock are left, which the seller cannot zero
    set_stocks(
        sandbox,
        clock.now,
        1111588192,
        [
            {"present": 2, "reserved": 2, "sku": 1626044002, "source": "fbs"},
            {"present": 12, "reserved": 0, "sku": 1626044002, "source": "fbo"},
        ],
    )
    assert ozon.archive_products([1111588195, 1111588192]) == {"result": True}
    assert all(p["is_archived"] for p in ozon.get_products_information([1111588192, 1111588195])["items"])


def add_autoarchived(sandbox: Sandbox, now: float, count: int) -> list[int]:
    with sandbox.store.transaction():
        account = Account(sandbox.store, DEMO_CLIENT_ID, now)
        ids = []
        for i in range(count):
            doc = new_product(
                account,
                offer_id=f"AUTO-{i}",
                name=f"Auto-archived {i}",
                is_archived=True,
                is_autoarchived=True,
            )
            save_product(account, doc)
            ids.append(doc["id"])
    return ids


def test_unarchive_restore_limit_for_autoarchived(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, sandbox, clock = clocked
    limit = model.AUTO_ARCHIVE_RESTORES_PER_DAY
    ids = add_autoarchived(sandbox, clock.now, limit + 2)
    assert ozon.unarchive_products(ids[:limit]) == {"result": True}
    # manually archived products are not limited
    ozon.archive_products(1111588195)
    assert ozon.unarchive_products(1111588195) == {"result": True}
    with pytest.raises(BadRequestError) as e:
        ozon.unarchive_products([1111588194, ids[limit]])  # ARCH-001 is archived manually
    assert e.value.to_dict() == {"code": 9, "message": "restore limit exceeded", "details": []}
    archived = ozon.get_products_information([ids[limit], 1111588194])["items"]
    assert [p["is_archived"] for p in archived] == [True, True]  # nothing restored
    assert archived[0]["is_autoarchived"] is True

    clock.now += 24 * 3600  # the limit is per day
    assert ozon.unarchive_products(ids[limit:]) == {"result": True}
    restored = ozon.get_products_information(ids[limit:])["items"]
    assert [(p["is_archived"], p["is_autoarchived"]) for p in restored] == [(False, False)] * 2


# ================================================================== delete
def test_delete_archived_product_without_sku(cli: Cli, ozon: OzonClient) -> None:
    r = cli("DeleteProductsWithoutSKU", "--articles", "DRAFT-001")
    assert r.code == 1, r.err  # the item was not applied
    assert r.json() == {
        "status": [{"offer_id": "DRAFT-001", "is_deleted": False, "error": "product is not archived"}]
    }
    assert len(info(ozon, offer_id="DRAFT-001")) == 1

    assert ozon.archive_products(1111588195) == {"result": True}
    r = cli("УдалитьТоварыБезSKU", "--articles", "['DRAFT-001']")
    assert r.code == 0, r.err
    assert r.json() == {"status": [{"offer_id": "DRAFT-001", "is_deleted": True, "error": ""}]}
    assert info(ozon, offer_id="DRAFT-001") == []
    assert info(ozon, product_id=1111588195) == []
    with pytest.raises(NotFoundError):
        ozon.archive_products(1111588195)  # gone from everything
    # deleting again: the article is unknown now
    again = ozon.delete_products_without_sku("DRAFT-001")
    assert again == {"status": [{"offer_id": "DRAFT-001", "is_deleted": False, "error": "product not found"}]}


def test_delete_products_with_sku_fail_per_item(ozon: OzonClient) -> None:
    async def go() -> dict[str, Any]:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=ozon.base_url) as client:
            articles = ["ARCH-001", "143210609", "NOPE"]
            result: dict[str, Any] = await client.delete_products_without_sku(articles)
            return result

    status = asyncio.run(go())["status"]
    assert status == [
        {"offer_id": "ARCH-001", "is_deleted": False, "error": "product has sku"},
        {"offer_id": "143210609", "is_deleted": False, "error": "product has sku"},
        {"offer_id": "NOPE", "is_deleted": False, "error": "product not found"},
    ]
    assert len(info(ozon, offer_id=["ARCH-001", "143210609"])) == 2


def test_delete_limits(cli: Cli, ozon: OzonClient) -> None:
    many = json.dumps([f"A-{i}" for i in range(model.MAX_DELETE_ITEMS + 1)])
    r = cli("DeleteProductsWithoutSKU", "--articles", many)
    assert r.code == 2 and "--articles takes at most 500 items per request, got 501" in r.err
    with pytest.raises(BadRequestError) as sent:  # sent anyway: Ozon's 400
        products = [{"offer_id": f"A-{i}"} for i in range(model.MAX_DELETE_ITEMS + 1)]
        ozon.request("POST", "/v2/products/delete", {"products": products})
    assert sent.value.code == 3 and "between 1 and 500 items" in sent.value.message
    result = ozon.delete_products_without_sku([f"A-{i}" for i in range(model.MAX_DELETE_ITEMS)])
    assert len(result["status"]) == model.MAX_DELETE_ITEMS
    with pytest.raises(BadRequestError) as e:
        ozon.request("POST", "/v2/products/delete", {"products": [{"offer_id": ""}]})
    assert "OfferId: value length must be at least 1 runes" in e.value.message


# ================================================================== digital activation codes
@pytest.mark.usefixtures("legacy_api")
def test_activation_codes_tasks(cli: Cli, sandbox_url: str, ozon: OzonClient) -> None:
    r = cli("UploadProductActivationCodes", "--productid", "1111588191", "--codes", "['11111111','22222222']")
    assert r.code == 0, r.err
    good = r.json()["result"]["task_id"]
    unknown_product = ozon.upload_product_activation_codes(999, ["33333333"])["result"]["task_id"]
    repeated = ozon.upload_product_activation_codes(1111588192, ["44", "44"])["result"]["task_id"]
    blank = ozon.upload_product_activation_codes("1111588192", ["55", " "])["result"]["task_id"]
    tasks = [good, unknown_product, repeated, blank]
    assert len(set(tasks)) == 4 and all(isinstance(t, int) for t in tasks)
    assert ozon.get_codes_upload_status(blank) == {"result": {"status": "pending"}}

    time.sleep(model.DIGITAL_CODES_PENDING_SECONDS + 0.1)
    r = cli("ПолучитьСтатусДобавленияКодов", "--taskid", str(good))
    assert r.code == 0, r.err
    assert r.json() == {"result": {"status": "imported"}}

    async def statuses() -> list[str]:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url) as client:
            answers = await asyncio.gather(*(client.get_codes_upload_status(str(t)) for t in tasks))
            return [a["result"]["status"] for a in answers]

    assert asyncio.run(statuses()) == ["imported", "failed", "failed", "failed"]


@pytest.mark.usefixtures("legacy_api")
def test_activation_code_errors(cli: Cli, ozon: OzonClient) -> None:
    r = cli("GetCodesUploadStatus", "--taskid", "1")
    assert r.code == 1
    assert r.json() == {"code": 5, "message": "task 1 not found", "details": []}
    r = cli("UploadProductActivationCodes", "--productid", "1111588191")
    assert r.code == 2 and "missing required option --codes" in r.err and "Traceback" not in r.err
    with pytest.raises(BadRequestError) as e:
        ozon.request("POST", "/v1/product/upload_digital_codes", {"product_id": 1111588191})
    assert e.value.code == 3 and "DigitalCodes" in e.value.message


@pytest.mark.usefixtures("legacy_api")
def test_activation_codes_pending_then_final_by_clock(clocked: tuple[OzonClient, Sandbox, Clock]) -> None:
    ozon, sandbox, clock = clocked
    sandbox.api_date = dt.date.fromisoformat(BEFORE_SWITCH_OFF)  # the clock's day is after 2025-07-01
    first = ozon.upload_product_activation_codes(1111588191, ["A1", "A2"])["result"]["task_id"]
    assert ozon.get_codes_upload_status(first)["result"]["status"] == "pending"
    clock.now += model.DIGITAL_CODES_PENDING_SECONDS
    assert ozon.get_codes_upload_status(first)["result"]["status"] == "imported"
    # a code the product already has makes the next upload fail
    second = ozon.upload_product_activation_codes(1111588191, ["A2", "A3"])["result"]["task_id"]
    assert ozon.get_codes_upload_status(second)["result"]["status"] == "pending"
    clock.now += model.DIGITAL_CODES_PENDING_SECONDS
    assert ozon.get_codes_upload_status(second)["result"]["status"] == "failed"


# ================================================================== subscribers, related SKUs
def test_subscribers_cli(cli: Cli) -> None:
    r = cli("ПолучитьКоличествоПодписчиковТоваров", "--sku", "1626044001")
    assert r.code == 0, r.err
    assert r.json() == {"result": [{"sku": 1626044001, "count": 1}]}


def test_subscribers_library_stable(ozon: OzonClient) -> None:
    skus: list[int | str] = [1626044001, "1626044002", 1626044004, 999]
    first = ozon.get_product_subscribers_count(skus)["result"]
    assert [r["sku"] for r in first] == [1626044001, 1626044002, 1626044004, 999]
    assert all(isinstance(r["count"], int) and r["count"] >= 0 for r in first)
    assert first[-1]["count"] == 0
    assert ozon.get_product_subscribers_count(skus)["result"] == first
    with pytest.raises(BadRequestError):
        ozon.request("POST", "/v1/product/info/subscription", {"skus": []})


def test_related_skus(cli: Cli, ozon: OzonClient) -> None:
    r = cli("GetRelatedSKUs", "--sku", "1626044001")
    assert r.code == 0, r.err
    assert r.json() == {
        "items": [
            {
                "delivery_schema": "SDS",
                "sku": 1626044001,
                "product_id": 1111588191,
                "availability": "AVAILABLE",
                "deleted_at": None,
            }
        ],
        "errors": [],
    }
    result = ozon.get_related_skus([1626044001, "1626044004", 5])
    assert [(i["sku"], i["product_id"], i["availability"]) for i in result["items"]] == [
        (1626044001, 1111588191, "AVAILABLE"),
        (1626044004, 1111588194, "HIDDEN"),  # ARCH-001 is archived
    ]
    ozon.unarchive_products(1111588194)
    assert ozon.get_related_skus(1626044004)["items"][0]["availability"] == "AVAILABLE"
    assert result["errors"] == [{"code": "SKU_NOT_FOUND", "sku": 5, "message": "sku 5 not found"}]

    r = cli("ПолучитьСвязанныеSKU", "--sku", json.dumps(list(range(1, model.MAX_RELATED_SKUS + 2))))
    assert r.code == 2 and "--sku takes at most 200 items per request, got 201" in r.err


# ================================================================== content rating
def test_content_rating_cli_shape(cli: Cli) -> None:
    r = cli("GetProductsContentRating", "--sku", "1626044001")
    assert r.code == 0, r.err
    products = r.json()["products"]
    assert len(products) == 1 and products[0]["sku"] == 1626044001
    recorded = json.loads((DATA / "product_actions_rating_recorded.json").read_text(encoding="utf-8"))
    expected_group = recorded["products"][0]["groups"][0]
    assert set(products[0]) == {"sku", "rating", "groups"}
    assert [g["key"] for g in products[0]["groups"]] == [g["key"] for g in recorded["products"][0]["groups"]]
    for group in products[0]["groups"]:
        assert set(group) == set(expected_group)
        assert all(set(c) == {"key", "description", "fulfilled", "cost"} for c in group["conditions"])
    groups = {g["key"]: g for g in products[0]["groups"]}
    assert products[0]["rating"] == sum(g["rating"] * g["weight"] for g in groups.values()) / 100
    assert sum(g["weight"] for g in groups.values()) == 100
    for group in groups.values():
        fulfilled = sum(c["cost"] for c in group["conditions"] if c["fulfilled"])
        assert group["rating"] == min(100, fulfilled)
        if group["rating"] == 100:
            assert group["improve_attributes"] == [] and group["improve_at_least"] == 0
        else:
            assert 1 <= group["improve_at_least"] <= max(1, len(group["improve_attributes"]))


def test_content_rating_uses_the_category_attributes() -> None:
    from oint.sandbox.model.categories import attributes_for

    listed = {a["id"]: a for a in attributes_for(17028922, 91565)}
    product = {
        "sku": 1626044001,
        "offer_id": "143210609",
        "name": "Плёнка",
        "description_category_id": 17028922,
        "type_id": 91565,
        "images": [],
        "description": "",
        "attributes": [
            {"id": 85, "complex_id": 0, "values": [{"dictionary_value_id": 5060050, "value": "Samsung"}]},
            {"id": 9048, "complex_id": 0, "values": [{"value": "X3 NFC"}]},
        ],
    }
    groups = {g["key"]: g for g in model.content_rating(product)["groups"]}
    important = groups["important_attributes"]
    to_fill = {a["id"] for a in important["improve_attributes"]}
    assert {8229, 10096} <= to_fill and not {85, 9048} & to_fill
    assert all(listed[i]["is_required"] or listed[i]["is_aspect"] for i in to_fill)
    assert all(a["name"] == listed[a["id"]]["name"] for a in important["improve_attributes"])
    assert important["rating"] == 50 and important["improve_at_least"] >= 1
    other = groups["other_attributes"]  # name and offer_id count as filled
    assert {4180, 9024}.isdisjoint(a["id"] for a in other["improve_attributes"])
    assert other["rating"] == 50
    assert all(not listed[a["id"]]["is_required"] for a in other["improve_attributes"])


def test_more_images_raise_the_rating(ozon: OzonClient) -> None:
    before = ozon.get_products_content_rating(1626044001)["products"][0]
    ozon.update_product_images(1111588191, [PICTURE.format(i) for i in range(1, 4)])

    async def rating_after() -> dict[str, Any]:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=ozon.base_url) as client:
            answer: dict[str, Any] = await client.get_products_content_rating(["1626044001", 999])
            return answer

    after = asyncio.run(rating_after())["products"]
    assert [p["sku"] for p in after] == [1626044001]  # SKUs that are not the account's are left out
    media = {g["key"]: g for g in after[0]["groups"]}["media"]
    assert {c["key"]: c["fulfilled"] for c in media["conditions"]}["media_images_3"] is True
    assert media["rating"] == 20
    assert after[0]["rating"] == before["rating"] + 5


def test_content_rating_reproduces_the_recorded_answer() -> None:
    recorded = json.loads((DATA / "product_actions_rating_recorded.json").read_text(encoding="utf-8"))
    product = {
        "sku": 1626044001,
        "offer_id": "143210609",
        "name": "Комплект защитных плёнок для X3 NFC. Темный хлопок",
        "description": "Плёнка " * 80,  # 640 characters
        "images": [PICTURE.format(i) for i in range(3)],
        "attributes": [
            {"id": 85, "complex_id": 0, "values": [{"dictionary_value_id": 5060050, "value": "Samsung"}]},
            {"id": "9048", "complex_id": "0", "values": [{"value": "X3 NFC"}]},
            {"id": 10096, "complex_id": 0, "values": [{"dictionary_value_id": 61576, "value": "серый"}]},
            {"id": 6548, "complex_id": 0, "values": [{"value": "Полиуретан"}]},
            {"id": 4385, "complex_id": 0, "values": [{"value": ""}]},  # empty value: not filled
        ],
        "complex_attributes": [],
    }
    assert model.content_rating(product) == recorded["products"][0]


def test_content_rating_counts_videos_and_rich_content() -> None:
    product = {
        "sku": 1,
        "name": "n",
        "offer_id": "o",
        "description": "",
        "images": [],
        "attributes": [{"id": 11254, "values": [{"value": '{"content": []}'}]}],
        "complex_attributes": [
            {
                "attributes": [
                    {"id": 21841, "complex_id": 100001, "values": [{"value": "https://rutube.ru/video/1/"}]},
                    {"id": 21845, "complex_id": 100002, "values": [{"value": "https://rutube.ru/video/2/"}]},
                ]
            }
        ],
    }
    groups = {g["key"]: g for g in model.content_rating(product)["groups"]}
    assert groups["text"]["rating"] == 100 and groups["text"]["improve_attributes"] == []
    assert groups["media"]["rating"] == 80 and groups["media"]["improve_at_least"] == 0
    assert groups["important_attributes"]["improve_at_least"] == 3
    assert [a["id"] for a in groups["important_attributes"]["improve_attributes"]] == [85, 8229, 9048, 10096]
