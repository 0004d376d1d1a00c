"""The sandbox's answers conform to Ozon's OpenAPI document (`reference/`), except where a real
recorded answer disagrees with it (the allow-list in `answer_conformance.py`).

- every routed operation is called with representative valid requests over HTTP, and each
  answer is checked;
- every 2xx answer that the whole test suite made any sandbox give (conftest records them
  through OINT_SANDBOX_RECORD) is checked by a test that runs last;
- every allow-list entry is shown to be needed by its recording in `tests/data/oint-ozon/results/`.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from answer_conformance import (
    ALLOWED,
    MARKETPLACE_ROUTES,
    RECORDED,
    pattern,
    problems,
    raw_problems,
    value_at,
)
from conftest import (
    BRAND,
    FILM_CATEGORY,
    FILM_TYPE,
    SUITE_ANSWERS_TEST,
    SandboxServer,
    attribute,
    film_product,
)
from sandbox_http import call

from oint.sandbox.model import load_all

ROUTES = load_all()  # every model route (the model loads lazily)
SKU_1, SKU_2, OTHER_SELLER_SKU = 1626044001, 1626044002, 1626099999
FOREIGN_SKU = 180550365
FBO_MARKDOWN_SKU, FBS_MARKDOWN_PRODUCT = 1626044101, 1111588292
MOSCOW_CLUSTER = 2
FBS_WAREHOUSE = 1020005000050693
PICTURES = ["https://example.com/a.jpg", "https://example.com/b.jpg"]


def product_item(offer_id: str) -> dict[str, Any]:
    return film_product(
        offer_id,
        [attribute(BRAND, "Samsung", 5060050), attribute(9048, f"Модель {offer_id}")],
        images=PICTURES[:1],
    )


class Replay:
    """Calls the served sandbox and checks each answer against the document."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen: set[tuple[str, str]] = set()
        self.failures: list[str] = []

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        status, _, raw = call(self.url, method, path, body)
        assert status == 200, (path, body, raw[:500])
        answer = json.loads(raw)
        self.seen.add((method, path))
        self.failures += problems(method, path, answer)
        return answer

    def wait(self, method: str, path: str, body: Any, done: Callable[[Any], bool]) -> Any:
        deadline = time.monotonic() + 10
        while not done(answer := self(method, path, body)):
            assert time.monotonic() < deadline, answer
            time.sleep(0.05)
        return answer

    def calculated(self, path: str, body: Any) -> Any:
        """A supply draft's info (`path`), once Ozon has calculated it."""
        return self.wait("POST", path, body, lambda a: a["status"] != "CALCULATION_STATUS_IN_PROGRESS")


def test_every_routed_operation_answers_as_documented(server: SandboxServer, legacy_api: str) -> None:
    """OInt's own operations on a day before Ozon switched them off (`legacy_api`), and their
    successors (served at any date)."""
    r = Replay(server.url)
    now = dt.datetime.now(dt.timezone.utc)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    # categories
    r("POST", "/v1/description-category/tree", {"language": "DEFAULT"})
    films = {"description_category_id": FILM_CATEGORY, "type_id": FILM_TYPE}
    r("POST", "/v1/description-category/attribute", films)
    values = {"attribute_id": BRAND, **films}
    r("POST", "/v1/description-category/attribute/values", {**values, "limit": 50})
    r("POST", "/v1/description-category/attribute/values/search", {**values, "limit": 10, "value": "Sam"})
    # products: reading
    r("POST", "/v4/product/info/limit", {})
    r("POST", "/v3/product/list", {"filter": {"visibility": "ALL"}, "limit": 100})
    r("POST", "/v3/product/info/list", {"product_id": ["1111588191"], "offer_id": ["DRAFT-001"]})
    r("POST", "/v4/product/info/attributes", {"filter": {"visibility": "ALL"}, "limit": 100})
    r("POST", "/v1/product/info/description", {"product_id": 1111588191})
    r("POST", "/v1/product/rating-by-sku", {"skus": [str(SKU_1), str(SKU_2)]})
    r("POST", "/v1/product/info/subscription", {"skus": [str(SKU_1)]})
    r("POST", "/v1/product/related-sku/get", {"sku": [str(SKU_1), str(OTHER_SELLER_SKU)]})
    # products: writing
    task = r("POST", "/v3/product/import", {"items": [product_item("CONF-NEW")]})["result"]["task_id"]
    r.wait(
        "POST",
        "/v1/product/import/info",
        {"task_id": task},
        lambda a: a["result"]["items"][0]["status"] != "pending",
    )
    by_sku = {"items": [{"sku": FOREIGN_SKU, "offer_id": "CONF-COPY", "price": "700", "vat": "0.2"}]}
    task = r("POST", "/v1/product/import-by-sku", by_sku)["result"]["task_id"]
    r("POST", "/v1/product/import/info", {"task_id": str(task)})
    update = {"items": [{"offer_id": "143210609", "attributes": [attribute(10097, "графит")]}]}
    task = r("POST", "/v1/product/attributes/update", update)["task_id"]
    r("POST", "/v1/product/import/info", {"task_id": task})
    r(
        "POST",
        "/v1/product/pictures/import",
        {"product_id": 1111588191, "images": PICTURES, "color_image": "RED"},
    )
    r("POST", "/v2/product/pictures/info", {"product_id": ["1111588191"]})
    r(
        "POST",
        "/v1/product/update/offer-id",
        {"update_offer_id": [{"offer_id": "91132", "new_offer_id": "91132-C"}]},
    )
    r("POST", "/v1/product/archive", {"product_id": [1111588195]})
    r("POST", "/v1/product/unarchive", {"product_id": [1111588194]})
    r("POST", "/v2/products/delete", {"products": [{"offer_id": "DRAFT-001"}]})
    codes = r("POST", "/v1/product/upload_digital_codes", {"product_id": 1111588192, "digital_codes": ["11"]})
    r("POST", "/v1/product/upload_digital_codes/info", {"task_id": codes["result"]["task_id"]})
    # barcodes
    r("POST", "/v1/barcode/add", {"barcodes": [{"barcode": "112233", "sku": OTHER_SELLER_SKU}]})
    r("POST", "/v1/barcode/generate", {"product_ids": ["1111588193"]})
    # prices and stocks
    r("POST", "/v5/product/info/prices", {"filter": {"visibility": "ALL"}, "limit": 100})
    r("POST", "/v4/product/info/stocks", {"filter": {"visibility": "ALL"}, "limit": 100})
    r("POST", "/v2/product/info/stocks-by-warehouse/fbs", {"offer_id": ["143210609", "91132"], "limit": 1})
    r("POST", "/v1/product/info/discounted", {"discounted_skus": [str(FBO_MARKDOWN_SKU)]})
    r("POST", "/v1/product/update/discount", {"product_id": FBS_MARKDOWN_PRODUCT, "discount": 30})
    r(
        "POST",
        "/v1/product/import/prices",
        {"prices": [{"offer_id": "143210609", "price": "1200", "old_price": "1500"}]},
    )
    stocks = [
        {"offer_id": "143210609", "stock": 5, "warehouse_id": FBS_WAREHOUSE},
        {"product_id": 1, "stock": 1, "warehouse_id": 1},
    ]
    r("POST", "/v2/products/stocks", {"stocks": stocks})
    # promotions
    actions = r("GET", "/v1/actions")["result"]
    for action in actions:
        r("POST", "/v1/actions/candidates", {"action_id": action["id"], "limit": 1})
        r("POST", "/v1/actions/products", {"action_id": action["id"]})
    # warehouses, FBO
    r("POST", "/v1/warehouse/list", {"limit": 200})
    r("POST", "/v1/cluster/list", {"cluster_type": "CLUSTER_TYPE_OZON"})
    r(
        "POST",
        "/v1/warehouse/fbo/list",
        {"filter_by_supply_type": ["CREATE_TYPE_CROSSDOCK"], "search": "ТВЕРЬ"},
    )
    window = {"since": (now - dt.timedelta(days=360)).strftime(stamp), "to": now.strftime(stamp)}
    r("POST", "/v2/posting/fbo/list", {"filter": window, "limit": 1000})
    rich = {"analytics_data": True, "financial_data": True, "legal_info": True}
    r("POST", "/v2/posting/fbo/list", {"filter": window, "limit": 1000, "with": rich})
    draft = {
        "type": "CREATE_TYPE_DIRECT",
        "cluster_ids": [str(MOSCOW_CLUSTER)],
        "items": [{"sku": SKU_1, "quantity": 5}],
    }
    operation = r("POST", "/v1/draft/create", draft)["operation_id"]
    calculated = r.calculated("/v1/draft/create/info", {"operation_id": operation})
    warehouses = [
        str(w["supply_warehouse"]["warehouse_id"])
        for c in calculated["clusters"]
        for w in c["warehouses"]
        if w["status"]["is_available"]
    ]
    slots = {
        "draft_id": calculated["draft_id"],
        "warehouse_ids": warehouses[:2],
        "date_from": now.strftime(stamp),
        "date_to": (now + dt.timedelta(days=3)).strftime(stamp),
    }
    r("POST", "/v1/draft/timeslot/info", slots)
    # successors of the operations Ozon switched off
    r("POST", "/v1/product/digital/stocks/import", {"stocks": [{"offer_id": "143210609", "stock": 3}]})
    r("POST", "/v2/product/pictures/import", {"items": [{"offer_id": "143210609", "images": PICTURES}]})
    r("POST", "/v2/warehouse/list", {"limit": 200})
    window3 = {**window, "statuses": ["delivered"]}
    r("POST", "/v3/posting/fbo/list", {"filter": window3, "limit": 100, "with": rich})
    r("POST", "/v3/posting/fbo/list", {"filter": window, "limit": 1})
    for action in actions:
        r("POST", "/v2/actions/candidates", {"action_id": action["id"], "limit": 1})
        r("POST", "/v2/actions/products", {"action_id": action["id"]})
    items = [{"sku": SKU_1, "quantity": 5}]
    cluster = {"macrolocal_cluster_id": MOSCOW_CLUSTER, "items": items}
    r(
        "POST",
        "/v1/draft/crossdock/create",
        {
            "cluster_info": cluster,
            "delivery_info": {"drop_off_warehouse": {"warehouse_id": 1020000089925000}},
        },
    )
    r("POST", "/v1/draft/multi-cluster/create", {"clusters_info": [cluster]})
    draft_id = r("POST", "/v1/draft/direct/create", {"cluster_info": cluster})["draft_id"]
    info = r.calculated("/v2/draft/create/info", {"draft_id": draft_id})
    picks = [
        {
            "macrolocal_cluster_id": c["macrolocal_cluster_id"],
            "storage_warehouse_id": w["storage_warehouse"]["warehouse_id"],
        }
        for c in info["clusters"]
        for w in c["warehouses"]
        if w["availability_status"]["state"] != "WAREHOUSE_SCORING_STATUS_NOT_AVAILABLE"
    ]
    slots2 = {**slots, "draft_id": draft_id, "selected_cluster_warehouses": picks[:1]}
    del slots2["warehouse_ids"]
    r("POST", "/v2/draft/timeslot/info", slots2)
    r("POST", "/v1/roles", {})  # the key's roles and expiry (oint doctor)

    expected = set(ROUTES) - MARKETPLACE_ROUTES  # the marketplace's: test_living_marketplace.py
    assert r.seen == expected, f"operations not replayed: {sorted(expected - r.seen)}"
    assert not r.failures, "answers that differ from Ozon's document:\n" + "\n".join(r.failures)


@pytest.mark.parametrize(
    "entry", [a for a in ALLOWED if a.recording], ids=lambda a: f"{a.paths[0]}{a.pointer}"
)
def test_each_allowed_difference_is_what_ozon_recorded(entry: Any) -> None:
    """The recording breaks the document exactly there, with a value the entry admits: the entry
    is needed, and no broader than the evidence."""
    recorded = json.loads((RECORDED / entry.recording).read_text(encoding="utf-8"))
    found = [
        p
        for p in raw_problems("POST", entry.paths[0], recorded)
        if pattern(p.pointer) == entry.pointer and entry.admits(value_at(recorded, p.pointer))
    ]
    assert found, f"{entry.recording} does not show {entry.paths[0]} {entry.pointer}: drop the entry"


def test_allow_list_entries_have_reasons() -> None:
    assert len(ALLOWED) <= 15  # small, on purpose
    for entry in ALLOWED:
        assert entry.reason and all(p.startswith("/") for p in entry.paths) and entry.pointer.startswith("/")
        assert entry.recording is None or (RECORDED / entry.recording).is_file()


def test_checker_names_path_pointer_and_problem() -> None:
    answer = {"clusters": [{"id": "7", "name": "x", "type": "MARS", "logistic_clusters": []}]}
    found = problems("POST", "/v1/cluster/list", answer)
    assert found == [
        "POST /v1/cluster/list /clusters/0/id: value must be an integer, got '7'",
        "POST /v1/cluster/list /clusters/0/type: value is not one of the document's enum values, got 'MARS'",
    ]


def test_every_answer_of_the_suite_conforms(sandbox_answers: Path) -> None:
    """Runs last (conftest): every 2xx answer any sandbox gave during this session."""
    assert SUITE_ANSWERS_TEST == "test_every_answer_of_the_suite_conforms"
    failures: dict[str, int] = {}
    checked = 0
    seen: set[int] = set()
    with sandbox_answers.open("rb") as fh:
        for line in fh:
            key = hash(line)
            if key in seen:
                continue
            seen.add(key)
            record = json.loads(line)
            checked += 1
            for failure in problems(record["method"], record["path"], record["body"], record["status"]):
                failures[failure] = failures.get(failure, 0) + 1
    report = "\n".join(f"{text} (x{n})" for text, n in sorted(failures.items())[:40])
    assert not failures, f"{len(failures)} difference(s) from Ozon's document in {checked} answers:\n{report}"
