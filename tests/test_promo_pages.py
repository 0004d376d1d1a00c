"""`--all-pages` of GetAvailablePromoProducts and GetCurrentPromoProducts on their current
implementation (`/v2/actions/candidates` and `/v2/actions/products`, paged by last_id): each v2
page is read once (`oint.compat.policy.page_flows`), where walking to every `--offset` from the
start read n²/2 pages; the rows are the generic operation's, in its order, in OInt's shape."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, CliResult

from oint.compat import policy
from oint.compat.methods import REGISTRY
from oint.core.errors import OzonWarning
from oint.core.flow import Request
from oint.ozon import AsyncOzonClient, OzonClient
from oint.sandbox.core import Sandbox
from oint.sandbox.seed import seed_catalogue
from oint.sandbox.store import Store
from oint.sandbox.transport import AsyncSandboxTransport, SandboxTransport

ELASTIC = 1977747  # demo action: every product on sale is a candidate but 1111588191, which takes part
CANDIDATES = "/v2/actions/candidates"
PAGE = 100  # OInt's page of candidates
SEEDED = 650  # products added to the demo's: 652 candidates of ELASTIC, 7 pages
AFTER_SWITCH_OFF = "2026-12-01"  # /v1/actions/candidates is off at Ozon from 2026-10-13
NOW = 1_790_000_000.0  # the sandbox's clock for the seeded products (2026-09)


@pytest.fixture(autouse=True)
def _fresh_policy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("OINT_OZON_API", raising=False)
    monkeypatch.setenv("OINT_OZON_TODAY", AFTER_SWITCH_OFF)
    policy.forget_gone()
    yield
    policy.forget_gone()


def v2_requests(store: Store, path: str = CANDIDATES) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = store.requests(0, path, 1_000_000)
    return found


def one_pass(count: int) -> int:
    """The requests of one pass over `count` items, 100 a page."""
    return math.ceil(count / PAGE)


# ------------------------------------------------------------------ the page flows, pure
def test_page_flows_send_one_request_a_page_without_io() -> None:
    """`policy.page_flows` driven by hand against a list of 250 candidates paged by last_id."""
    catalogue = list(range(1, 251))
    sent: list[dict[str, Any]] = []

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        start = int(body.get("last_id") or 0)
        chunk = catalogue[start : start + body["limit"]]
        end = start + len(chunk)
        products = [{"id": i, "price": {"amount": "10.00", "currency": "RUB"}} for i in chunk]
        return {
            "products": products,
            "total": len(catalogue),
            "last_id": str(end) if end < len(catalogue) else "",
        }

    method = REGISTRY["GetAvailablePromoProducts"]
    pages = policy.page_flows(method, (ELASTIC, None), "current", dt.date(2026, 12, 1))
    ids: list[int] = []
    flow = next(pages)
    while True:
        step = next(flow)
        try:
            while True:
                assert isinstance(step, Request) and step.path == CANDIDATES and step.body is not None
                sent.append(step.body)
                step = flow.send(answer(step.body))
        except StopIteration as stop:
            ids += [p["id"] for p in stop.value["result"]["products"]]
            try:
                flow = pages.send(stop.value)
            except StopIteration:
                break
    assert ids == catalogue
    assert sent == [
        {"action_id": ELASTIC, "limit": PAGE},
        {"action_id": ELASTIC, "limit": PAGE, "last_id": "100"},
        {"action_id": ELASTIC, "limit": PAGE, "last_id": "200"},
    ]


# ------------------------------------------------------------------ CLI, against the sandbox's file
@pytest.fixture
def seeded(run_cli: Any, sandbox_db: str) -> dict[str, str]:
    env = {"OINT_OZON_TODAY": AFTER_SWITCH_OFF, "OINT_SANDBOX_API_DATE": AFTER_SWITCH_OFF}
    r = run_cli("sandbox", "seed", "--products", str(SEEDED), env=env)
    assert r.code == 0, r.err
    return env


def _lines(r: CliResult) -> list[Any]:
    assert r.code == 0, r.err
    return [json.loads(line) for line in r.out.splitlines()]


def test_cli_all_pages_reads_each_page_once(run_cli: Any, sandbox_db: str, seeded: dict[str, str]) -> None:
    generic = _lines(run_cli("ozon", "v2_actions_candidates", "--sandbox", "--action_id", str(ELASTIC),
                             "--all-pages", env=seeded))  # fmt: skip
    count = len(generic)
    assert count == SEEDED + 2 and len({row["id"] for row in generic}) == count
    store = Store(sandbox_db)
    try:
        before = len(v2_requests(store))
        rows = _lines(run_cli("ozon", "GetAvailablePromoProducts", "--sandbox", "--actionid", str(ELASTIC),
                              "--all-pages", env=seeded))  # fmt: skip
        sent = v2_requests(store)[before:]
    finally:
        store.close()
    # one pass: 7 pages (walking to each offset from the start sent 1 + 2 + ... + 7 = 28)
    assert len(sent) == one_pass(count)
    assert [r["body"].get("last_id", "") != "" for r in sent] == [False] + [True] * (len(sent) - 1)
    # the generic operation's rows, in its order, in v1's shape
    assert [row["id"] for row in rows] == [row["id"] for row in generic]
    assert rows[0].keys() == {
        "id",
        "price",
        "action_price",
        "max_action_price",
        "add_mode",
        "min_stock",
        "stock",
    }
    assert [row["price"] for row in rows] == [float(row["price"]["amount"]) for row in generic]
    # and today's single pages (--offset 0, 100, ...), laid end to end
    pages: list[Any] = []
    for offset in range(0, count, PAGE):
        page = run_cli("ozon", "GetAvailablePromoProducts", "--sandbox", "--actionid", str(ELASTIC),
                       "--offset", str(offset), env=seeded)  # fmt: skip
        assert page.code == 0, page.err
        pages += page.json()["result"]["products"]
    assert rows == pages


def test_cli_all_pages_from_an_offset(run_cli: Any, sandbox_db: str, seeded: dict[str, str]) -> None:
    """--offset 150 --all-pages: the first page walks to 150 once, the rest go on by last_id."""
    whole = _lines(run_cli("ozon", "GetAvailablePromoProducts", "--sandbox", "--actionid", str(ELASTIC),
                           "--all-pages", env=seeded))  # fmt: skip
    store = Store(sandbox_db)
    try:
        before = len(v2_requests(store))
        rest = _lines(run_cli("ozon", "GetAvailablePromoProducts", "--sandbox", "--actionid", str(ELASTIC),
                              "--offset", "150", "--all-pages", env=seeded))  # fmt: skip
        sent = v2_requests(store)[before:]
    finally:
        store.close()
    assert rest == whole[150:]
    walk = [100, 50]  # the pages skipped before the first page
    assert [r["body"]["limit"] for r in sent[:2]] == walk
    assert len(sent) == len(walk) + one_pass(len(whole) - 150)


# ------------------------------------------------------------------ library, in process
@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """An in-memory sandbox playing Ozon's API after the switch-off, with SEEDED more products."""
    sandbox = Sandbox(":memory:", api_date=AFTER_SWITCH_OFF, rate_limits=False)
    seed_catalogue(sandbox.store, DEMO_CLIENT_ID, SEEDED, now=NOW)
    yield sandbox
    sandbox.close()


def client(sandbox: Sandbox, api: str) -> OzonClient:
    transport = SandboxTransport(sandbox=sandbox)
    return OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url="http://sandbox.invalid", rate_limit=False,
                      transport=transport, max_retries=0, api=api)  # fmt: skip


def generic_ids(ozon: OzonClient, path: str = CANDIDATES) -> list[int]:
    return [row["id"] for row in ozon.iter_items(path, {"action_id": ELASTIC})]


@pytest.mark.parametrize("name", ["GetAvailablePromoProducts", "GetCurrentPromoProducts"])
def test_iter_method_pages_one_request_a_page(sandbox: Sandbox, name: str) -> None:
    method = REGISTRY[name]
    successor = method.current.uses[0] if method.current else ""
    with client(sandbox, "current") as ozon:
        expected = generic_ids(ozon, successor)
        before = len(v2_requests(sandbox.store, successor))
        pages = list(ozon.iter_method_pages(name, (ELASTIC, None)))
        sent = len(v2_requests(sandbox.store, successor)) - before
    ids = [p["id"] for page in pages for p in page["result"]["products"]]
    assert ids == expected and len(pages) == max(1, one_pass(len(ids)))
    assert sent == len(pages)


def test_auto_mode_switches_to_the_successor_midway(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the switch-off day by the client's reckoning, OInt's endpoint is tried first and
    answers as switched off; the first page is completed by the successor, the second walks to
    its offset once (the first page's position is v1's for all the policy knew), then by last_id."""
    monkeypatch.setenv("OINT_OZON_TODAY", "2026-06-01")
    with client(sandbox, "auto") as ozon:
        expected = generic_ids(ozon)
        before = len(v2_requests(sandbox.store))
        with pytest.warns(OzonWarning) as said:  # switched off, and the successor used instead
            pages = list(ozon.iter_method_pages("GetAvailablePromoProducts", (ELASTIC, None)))
        sent = len(v2_requests(sandbox.store)) - before
    ids = [p["id"] for page in pages for p in page["result"]["products"]]
    assert ids == expected and policy.gone("/v1/actions/candidates")
    assert any("using /v2/actions/candidates instead" in str(w.message) for w in said)
    assert sent == one_pass(len(ids)) + 1


def test_legacy_mode_pages_by_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    """OInt's own endpoint (before the switch-off) pages by --offset as before, one request a page."""
    sandbox = Sandbox(":memory:", api_date="2026-06-01", rate_limits=False)
    try:
        seed_catalogue(sandbox.store, DEMO_CLIENT_ID, SEEDED, now=NOW)
        with client(sandbox, "legacy") as ozon:
            pages = list(ozon.iter_method_pages("GetAvailablePromoProducts", (ELASTIC, None)))
        sent = v2_requests(sandbox.store, "/v1/actions/candidates")
        assert v2_requests(sandbox.store) == []
    finally:
        sandbox.close()
    assert [r["body"].get("offset", 0) for r in sent] == [PAGE * i for i in range(len(pages))]
    assert sum(len(page["result"]["products"]) for page in pages) == SEEDED + 2


def test_async_iter_method_pages_one_request_a_page(sandbox: Sandbox) -> None:
    async def read() -> list[Any]:
        transport = AsyncSandboxTransport(sandbox=sandbox)
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url="http://sandbox.invalid",
                                   rate_limit=False, transport=transport, max_retries=0,
                                   api="current") as ozon:  # fmt: skip
            return [page async for page in ozon.iter_method_pages("GetAvailablePromoProducts", (ELASTIC, 0))]

    pages = asyncio.run(read())
    ids = [p["id"] for page in pages for p in page["result"]["products"]]
    assert len(ids) == SEEDED + 2 and len(set(ids)) == len(ids)
    assert len(v2_requests(sandbox.store)) == len(pages) == one_pass(len(ids))
