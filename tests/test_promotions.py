"""Promotions management: GetPromotionsList, GetAvailablePromoProducts, GetCurrentPromoProducts.

Request building (pure), end to end through the CLI and the clients against the HTTP sandbox,
and the model's consistency rules (counts = lists, catalogue changes) in an in-process sandbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, Cli, sandbox_client

from oint.compat.methods import REGISTRY
from oint.core.errors import BadRequestError, NotFoundError, UsageError
from oint.ozon import AsyncOzonClient, OzonClient
from oint.sandbox.core import Sandbox
from oint.sandbox.demo import add_account
from oint.sandbox.model.base import Account
from oint.sandbox.model.products import find_by_offer, save_product

ELASTIC = 1977747  # demo action: any product; 143210609 takes part
MAX_BOOST = 2840538  # demo action: any product, nobody takes part
BOOST_PLUS = 2859759  # demo action: two offers only; 1432106010 takes part, 143210609 banned
NO_CANDIDATES = 1177259  # demo action nobody may join
VOUCHER = 1139903  # demo voucher action; 91132 takes part
ON_SALE = [1111588191, 1111588192, 1111588193]  # demo products with an SKU, not archived


def ids(page: dict[str, Any]) -> list[int]:
    return [p["id"] for p in page["result"]["products"]]


# ------------------------------------------------------------------ request building (pure)
def test_promotions_list_is_a_get_without_body() -> None:
    req = REGISTRY["GetPromotionsList"].build([])
    assert (req.method, req.path, req.body) == ("GET", "/v1/actions", None)


@pytest.mark.parametrize("name", ["GetAvailablePromoProducts", "GetCurrentPromoProducts"])
def test_promo_products_body(name: str) -> None:
    method = REGISTRY[name]
    assert method.build([111111111, 0]).body == {"limit": 100, "action_id": 111111111}
    assert method.build(["111111111", "200"]).body == {"limit": 100, "action_id": 111111111, "offset": 200}
    assert method.build([111111111, None]).body == {"limit": 100, "action_id": 111111111}
    with pytest.raises(UsageError, match="--actionid"):
        method.build(["promo", 0])
    with pytest.raises(UsageError, match="missing required option --actionid"):
        method.build([None, 0])


def test_promo_endpoints_are_marked_retired() -> None:
    for name, successor in (
        ("GetAvailablePromoProducts", "/v2/actions/candidates"),
        ("GetCurrentPromoProducts", "/v2/actions/products"),
    ):
        endpoint = REGISTRY[name].endpoint
        assert endpoint is not None
        assert (endpoint.retired, endpoint.successor) == ("2026-10-13", successor)
    assert REGISTRY["ПолучитьУчаствующиеТоварыАкции"] is REGISTRY["GetCurrentPromoProducts"]


# ------------------------------------------------------------------ CLI, end to end
def test_cli_promotions_list_counts_match_the_product_lists(cli: Cli) -> None:
    r = cli("ПолучитьСписокАкций")
    assert r.code == 0, r.err
    actions = {a["id"]: a for a in r.json()["result"]}
    assert {ELASTIC, MAX_BOOST, BOOST_PLUS, NO_CANDIDATES, VOUCHER} <= set(actions)
    first = actions[ELASTIC]
    assert set(first) == {
        "id",
        "title",
        "action_type",
        "description",
        "date_start",
        "date_end",
        "freeze_date",
        "potential_products_count",
        "participating_products_count",
        "is_participating",
        "is_voucher_action",
        "banned_products_count",
        "with_targeting",
        "order_amount",
        "discount_type",
        "discount_value",
    }
    assert first["date_start"] < first["date_end"] and first["date_end"].endswith("Z")
    for action_id in (ELASTIC, BOOST_PLUS, VOUCHER):
        cand = cli("GetAvailablePromoProducts", "--actionid", str(action_id))
        part = cli("GetCurrentPromoProducts", "--actionid", str(action_id))
        assert cand.code == 0 and part.code == 0, cand.err + part.err
        action = actions[action_id]
        assert cand.json()["result"]["total"] == action["potential_products_count"]
        assert part.json()["result"]["total"] == action["participating_products_count"]
        assert action["is_participating"] == (action["participating_products_count"] > 0)
    assert actions[BOOST_PLUS]["banned_products_count"] == 1
    assert actions[NO_CANDIDATES]["potential_products_count"] == 0
    assert actions[VOUCHER]["is_voucher_action"] is True and actions[VOUCHER]["discount_type"] == "PERCENT"


def test_cli_candidates_and_participants_pages(cli: Cli) -> None:
    r = cli("GetAvailablePromoProducts", "--actionid", str(MAX_BOOST))
    assert r.code == 0, r.err
    result = r.json()["result"]
    assert result["total"] == 3 and ids(r.json()) == ON_SALE
    product = result["products"][0]
    assert set(product) == {
        "id",
        "price",
        "action_price",
        "max_action_price",
        "add_mode",
        "min_stock",
        "stock",
    }
    assert product["price"] == 1300 and product["action_price"] == 0 and product["add_mode"] == "NOT_SET"
    assert product["max_action_price"] < product["price"]

    second = cli("GetAvailablePromoProducts", "--actionid", str(MAX_BOOST), "--offset", "1")
    assert ids(second.json()) == ON_SALE[1:] and second.json()["result"]["total"] == 3
    past_end = cli("ПолучитьДоступныеТоварыАкции", "--actionid", str(MAX_BOOST), "--offset", "100")
    assert past_end.json()["result"]["products"] == [] and past_end.json()["result"]["total"] == 3

    part = cli("ПолучитьУчаствующиеТоварыАкции", "--actionid", str(ELASTIC))
    assert part.code == 0, part.err
    taking_part = part.json()["result"]["products"]
    assert [p["id"] for p in taking_part] == [1111588191]
    assert taking_part[0]["action_price"] == 1150 and taking_part[0]["add_mode"] == "MANUAL"
    # a participant is not a candidate of the same action
    cand = cli("GetAvailablePromoProducts", "--actionid", str(ELASTIC))
    assert 1111588191 not in ids(cand.json()) and ids(cand.json()) == ON_SALE[1:]


def test_cli_unknown_action_is_ozons_not_found(cli: Cli) -> None:
    for name in ("GetAvailablePromoProducts", "GetCurrentPromoProducts"):
        r = cli(name, "--actionid", "111111111")
        assert r.code == 1
        assert r.json() == {"code": 5, "message": "Resource not found", "details": []}  # OInt's recording


def test_cli_bad_input_is_a_usage_error(cli: Cli) -> None:
    for args in ([], ["--actionid", "promo"], ["--actionid", str(ELASTIC), "--offset", "many"]):
        r = cli("GetAvailablePromoProducts", *args)
        assert r.code == 2, (args, r.out)
        assert r.out == "" and len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err


# ------------------------------------------------------------------ library, end to end
@pytest.mark.usefixtures("legacy_api")  # Ozon's v1 lists, called directly too
def test_library_lists_and_last_id_paging(ozon: OzonClient) -> None:
    actions = ozon.get_promotions_list()["result"]
    voucher = next(a for a in actions if a["id"] == VOUCHER)
    assert voucher["participating_products_count"] == 1
    assert ids(ozon.get_current_promo_products(VOUCHER)) == [1111588193]
    assert ids(ozon.get_available_promo_products(str(VOUCHER), offset=1)) == [1111588192]

    # Ozon's last_id paging (what replaced offset) with a smaller page
    seen: list[int] = []
    body: dict[str, Any] = {"action_id": MAX_BOOST, "limit": 1}
    while True:
        page = ozon.request("POST", "/v1/actions/candidates", body)["result"]
        seen += [p["id"] for p in page["products"]]
        if not page["last_id"]:
            break
        body["last_id"] = page["last_id"]
    assert seen == ON_SALE

    with pytest.raises(BadRequestError, match="Limit"):
        ozon.request("POST", "/v1/actions/products", {"action_id": ELASTIC, "limit": 101})
    with pytest.raises(BadRequestError, match="ActionId"):
        ozon.request("POST", "/v1/actions/candidates", {"limit": 100})
    with pytest.raises(BadRequestError, match="last_id"):
        ozon.request("POST", "/v1/actions/candidates", {"action_id": ELASTIC, "last_id": "not base64!"})
    with pytest.raises(NotFoundError) as e:
        ozon.get_current_promo_products(1)
    assert e.value.code == 5


def test_async_client_reads_all_three_at_once(sandbox_url: str) -> None:
    async def go() -> None:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url, max_retries=0) as ozon:
            listing, cand, part = await asyncio.gather(
                ozon.get_promotions_list(),
                ozon.get_available_promo_products(BOOST_PLUS),
                ozon.get_current_promo_products(BOOST_PLUS),
            )
            action = next(a for a in listing["result"] if a["id"] == BOOST_PLUS)
            assert cand["result"] == {"products": [], "total": 0, "last_id": ""}
            assert action["potential_products_count"] == 0
            assert ids(part) == [1111588192] and part["result"]["products"][0]["add_mode"] == "AUTO"

    asyncio.run(go())


# ------------------------------------------------------------------ model rules, in process
@pytest.fixture
def in_process() -> Iterator[tuple[OzonClient, Sandbox]]:
    """An in-memory in-process sandbox on the real clock, and a client on it."""
    sandbox = Sandbox(":memory:")
    with sandbox_client(sandbox) as client:
        yield client, sandbox
    sandbox.close()


def test_catalogue_changes_move_products_out_of_the_lists(in_process: tuple[OzonClient, Sandbox]) -> None:
    ozon, sandbox = in_process
    with sandbox.store.transaction():
        account = Account(sandbox.store, DEMO_CLIENT_ID, sandbox.clock())
        for offer_id in ("143210609", "1432106010"):  # archive a participant and a candidate
            product = find_by_offer(account, offer_id)
            assert product is not None
            product["is_archived"] = True
            save_product(account, product)
    assert ids(ozon.get_current_promo_products(ELASTIC)) == []
    assert ids(ozon.get_available_promo_products(ELASTIC)) == [1111588193]
    elastic = next(a for a in ozon.get_promotions_list()["result"] if a["id"] == ELASTIC)
    assert (elastic["potential_products_count"], elastic["participating_products_count"]) == (1, 0)
    assert elastic["is_participating"] is False


def test_other_accounts_see_the_same_actions(in_process: tuple[OzonClient, Sandbox]) -> None:
    """Actions are the marketplace's; each account's lists hold its own products."""
    _, sandbox = in_process
    with sandbox.store.transaction():
        add_account(sandbox.store, "777", "key-777", now=sandbox.clock(), with_demo_data=True)
    with sandbox_client(sandbox, "777", "key-777") as other:
        own_ids = {p["id"] for p in other.get_available_promo_products(MAX_BOOST)["result"]["products"]}
        assert len(own_ids) == 3 and not own_ids & set(ON_SALE)
        assert {a["id"] for a in other.get_promotions_list()["result"]} >= {ELASTIC, VOUCHER}
