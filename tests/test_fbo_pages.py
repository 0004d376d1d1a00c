"""`--all-pages` of GetFBOShipmentsList on its current implementation (`/v3/posting/fbo/list`,
pages of 100 by cursor, a year-long window at a time): each v3 page is read once — the flow gives
`policy.page_flows` where its page ended (the window and the cursor in it, `RESUME_AT`) and goes
on from there — where walking to every `--offset` from the start read each page again for every
OInt page after it. The postings are the single pages' (`--offset 0, 1000, ...`) laid end to end,
in OInt's shape, with nothing added to the answers."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, CliResult

from oint.compat import policy
from oint.compat.flows import RESUME_AT
from oint.compat.methods import REGISTRY
from oint.compat.methods.fbo import _windows
from oint.core.errors import OzonWarning
from oint.core.flow import Request
from oint.ozon import AsyncOzonClient, OzonClient
from oint.sandbox.core import Sandbox
from oint.sandbox.model.fbo import POSTING
from oint.sandbox.store import Store
from oint.sandbox.transport import AsyncSandboxTransport, SandboxTransport

V3 = "/v3/posting/fbo/list"
AFTER_SWITCH_OFF = "2026-12-01"  # /v2/posting/fbo/list is off at Ozon from 2026-08-31
NOW = 1_790_000_000.0  # the sandbox's clock (2026-09): its demo postings lie months before it
FIRST = dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc)
SEEDED = 2550  # a posting every 7 hours from FIRST: into 2021, past the filter's end
HOURS_APART = 7
# three v3 windows: 2019 (13 pages), 2020 up to Dec 31 (a leap year: 13 pages), Dec 31 (1 page)
FILTER = {"since": "2019-01-01T00:00:00Z", "to": "2021-01-01T00:00:00Z"}
IN_FILTER = 2507  # the seeded postings created within FILTER
OINT_PAGE = 1000


@pytest.fixture(autouse=True)
def _fresh_policy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("OINT_OZON_API", raising=False)
    monkeypatch.setenv("OINT_OZON_TODAY", AFTER_SWITCH_OFF)
    policy.forget_gone()
    yield
    policy.forget_gone()


def seed_postings(store: Store) -> None:
    """SEEDED copies of a demo posting, one every HOURS_APART hours from FIRST."""
    model = store.all(DEMO_CLIENT_ID, POSTING)[0]
    docs = []
    for n in range(SEEDED):
        created = (FIRST + dt.timedelta(hours=HOURS_APART * n)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        order = f"7{n:07d}-0001"
        doc = dict(model, order_id=900_000_000 + n, order_number=order, posting_number=f"{order}-1")
        docs.append((f"{order}-1", dict(doc, created_at=created, in_process_at=created)))
    store.put_many(DEMO_CLIENT_ID, POSTING, docs)


def v3_requests(store: Store) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = store.requests(0, V3, 1_000_000)
    return found


def numbers(pages: list[Any]) -> list[str]:
    return [p["posting_number"] for page in pages for p in page["result"]]


# ------------------------------------------------------------------ the page flows, pure
def test_page_flows_resume_across_windows_without_io() -> None:
    """`policy.page_flows` driven by hand: 250 postings in the first year window, 900 in the
    second, v3 pages of 100 by cursor. OInt's first page (1000) ends 50 postings into a v3 page of
    the second window: the second OInt page takes those 50 from the position and goes on from the
    cursor, so no v3 page is asked for twice."""
    since, until = "2019-01-01T00:00:00Z", "2020-06-01T00:00:00Z"
    first, second = _windows(since, until)
    stock = {first[0]: [f"A{n}" for n in range(250)], second[0]: [f"B{n}" for n in range(900)]}
    sent: list[tuple[str, str]] = []

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        rows = stock[body["filter"]["since"]]
        start = int(body.get("cursor") or 0)
        end = min(start + body["limit"], len(rows))
        sent.append((rows[0][0], body.get("cursor", "")))
        more = end < len(rows)
        return {
            "postings": [{"posting_number": n} for n in rows[start:end]],
            "cursor": str(end) if more else "",
            "has_next": more,
        }

    method = REGISTRY["GetFBOShipmentsList"]
    pages = policy.page_flows(method, ({"since": since, "to": until}, None, 0, False), "current",
                              dt.date(2026, 12, 1))  # fmt: skip
    answers: list[Any] = []
    flow = next(pages)
    while True:
        step = next(flow)
        try:
            while True:
                assert isinstance(step, Request) and step.path == V3 and step.body is not None
                assert step.body["limit"] == 100 and RESUME_AT not in step.body
                step = flow.send(answer(step.body))
        except StopIteration as stop:
            answers.append(stop.value)
            try:
                flow = pages.send(stop.value)
            except StopIteration:
                break
    assert [len(a["result"]) for a in answers] == [1000, 150]
    assert all(a.keys() == {"result"} for a in answers)
    assert numbers(answers) == stock[first[0]] + stock[second[0]]
    cursors = [str(c) for c in range(100, 901, 100)]
    assert sent == [("A", ""), ("A", "100"), ("A", "200"), ("B", "")] + [("B", c) for c in cursors[:8]]


def test_a_single_page_keeps_its_answer_and_requests() -> None:
    """Outside --all-pages nothing changes: no position in the answer, the last v3 page asked for
    no more than the page still needs (--offset 150: 100, then 50 skipped + 1000 wanted → 100)."""
    method = REGISTRY["GetFBOShipmentsList"]
    body = method.build(
        ({"since": "2019-01-01T00:00:00Z", "to": "2019-02-01T00:00:00Z"}, None, 150, False)
    ).body
    assert body is not None and method.current is not None and RESUME_AT not in body
    flow = method.current.run(body)
    step = next(flow)
    limits = []
    try:
        for n in range(3):
            assert isinstance(step, Request) and step.body is not None
            limits.append(step.body["limit"])
            rows = [{"posting_number": f"{n}-{i}"} for i in range(80 if n == 2 else 100)]
            step = flow.send({"postings": rows, "cursor": f"c{n}", "has_next": n < 2})
        raise AssertionError("the flow asked for more than three pages")
    except StopIteration as stop:
        assert stop.value.keys() == {"result"} and len(stop.value["result"]) == 130
    assert limits == [100, 100, 100]


# ------------------------------------------------------------------ library, in process
@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """An in-memory sandbox playing Ozon's API after the switch-off, with SEEDED more postings."""
    sandbox = Sandbox(":memory:", api_date=AFTER_SWITCH_OFF, rate_limits=False, clock=lambda: NOW)
    seed_postings(sandbox.store)
    yield sandbox
    sandbox.close()


def client(sandbox: Sandbox, api: str) -> OzonClient:
    transport = SandboxTransport(sandbox=sandbox)
    return OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url="http://sandbox.invalid", rate_limit=False,
                      transport=transport, max_retries=0, api=api)  # fmt: skip


def one_pass(ozon: OzonClient) -> tuple[list[str], int]:
    """The postings of FILTER by the generic operation, window by window, and its page count."""
    found: list[str] = []
    pages = 0
    for since, until in _windows(FILTER["since"], FILTER["to"]):
        for page in ozon.iter_pages(V3, {"filter": {"since": since, "to": until}, "limit": 100}):
            pages += 1
            found += [p["posting_number"] for p in page["postings"]]
    return found, pages


def single_pages(ozon: OzonClient, count: int) -> list[str]:
    """Today's single pages (--offset 0, 1000, ...) laid end to end."""
    found: list[str] = []
    for offset in range(0, count, OINT_PAGE):
        found += [p["posting_number"] for p in ozon.get_fbo_shipments_list(FILTER, None, offset)["result"]]
    return found


@pytest.mark.parametrize("api", ["current", "auto"])
def test_iter_method_pages_one_request_a_v3_page(sandbox: Sandbox, api: str) -> None:
    """In auto mode after the switch-off day the successor is used from the first page on."""
    with client(sandbox, api) as ozon:
        expected, v3_pages = one_pass(ozon)
        assert len(expected) == IN_FILTER and v3_pages == 13 + 13 + 1  # three windows
        before = len(v3_requests(sandbox.store))
        pages = list(ozon.iter_method_pages("GetFBOShipmentsList", (FILTER, None, 0, False)))
        sent = len(v3_requests(sandbox.store)) - before
        laid = single_pages(ozon, IN_FILTER) if api == "current" else expected
    assert [len(page["result"]) for page in pages] == [1000, 1000, 507]
    assert numbers(pages) == expected == laid
    assert sent == v3_pages  # walking to each offset from the start sent 10 + 21 + 27 = 58
    assert all(page.keys() == {"result"} for page in pages)


def test_iter_method_pages_same_postings_as_single_pages(sandbox: Sandbox) -> None:
    """With `with` blocks and a status filter: the very postings (v2's shape, every field) of the
    single pages, in their order."""
    flt = dict(FILTER, status="delivered")
    extra = {"analytics_data": True, "financial_data": True}
    with client(sandbox, "current") as ozon:
        pages = list(ozon.iter_method_pages("GetFBOShipmentsList", (flt, extra, 0, True)))
        rows = [p for page in pages for p in page["result"]]
        laid: list[Any] = []
        for offset in range(0, len(rows) + 1, OINT_PAGE):
            laid += ozon.get_fbo_shipments_list(flt, extra, offset, True)["result"]
    assert len(rows) == IN_FILTER and rows == laid
    assert rows[0]["financial_data"]["products"] and rows[0]["analytics_data"]


def test_all_pages_from_an_offset(sandbox: Sandbox) -> None:
    """--offset 1250 --all-pages: the first page walks to 1250 once, reading whole v3 pages, so
    the whole list costs what one pass over it does."""
    with client(sandbox, "current") as ozon:
        expected, v3_pages = one_pass(ozon)
        before = len(v3_requests(sandbox.store))
        pages = list(ozon.iter_method_pages("GetFBOShipmentsList", (FILTER, None, 1250, False)))
        sent = len(v3_requests(sandbox.store)) - before
    assert numbers(pages) == expected[1250:]
    assert sent == v3_pages


def test_auto_mode_switches_to_the_successor_midway(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the switch-off day by the client's reckoning, OInt's endpoint is tried first and
    answers as switched off: the first page is completed by the successor as a single page (no
    position asked for), the second walks to offset 1000 once, then each page goes on from the
    one before."""
    monkeypatch.setenv("OINT_OZON_TODAY", "2026-06-01")
    with client(sandbox, "auto") as ozon:
        expected, v3_pages = one_pass(ozon)
        before = len(v3_requests(sandbox.store))
        with pytest.warns(OzonWarning) as said:
            pages = list(ozon.iter_method_pages("GetFBOShipmentsList", (FILTER, None, 0, False)))
        sent = len(v3_requests(sandbox.store)) - before
    assert numbers(pages) == expected and policy.gone("/v2/posting/fbo/list")
    assert any("using /v3/posting/fbo/list instead" in str(w.message) for w in said)
    assert sent == v3_pages + OINT_PAGE // 100  # the walk to 1000, once


def test_legacy_mode_pages_by_offset() -> None:
    """OInt's own endpoint (before the switch-off) pages by --offset as before, one request a page."""
    sandbox = Sandbox(":memory:", api_date="2026-06-01", rate_limits=False, clock=lambda: NOW)
    try:
        seed_postings(sandbox.store)
        with client(sandbox, "legacy") as ozon:
            pages = list(ozon.iter_method_pages("GetFBOShipmentsList", (FILTER, None, 0, False)))
        sent = sandbox.store.requests(0, "/v2/posting/fbo/list", 1000)
        assert v3_requests(sandbox.store) == []
    finally:
        sandbox.close()
    assert [r["body"].get("offset", 0) for r in sent] == [0, 1000, 2000]
    assert len(numbers(pages)) == IN_FILTER


def test_async_iter_method_pages_one_request_a_v3_page(sandbox: Sandbox) -> None:
    with client(sandbox, "current") as ozon:
        expected, v3_pages = one_pass(ozon)
    before = len(v3_requests(sandbox.store))

    async def read() -> list[Any]:
        transport = AsyncSandboxTransport(sandbox=sandbox)
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url="http://sandbox.invalid",
                                   rate_limit=False, transport=transport, max_retries=0,
                                   api="current") as ozon:  # fmt: skip
            return [
                page async for page in ozon.iter_method_pages("GetFBOShipmentsList", (FILTER, None, 0, False))
            ]

    pages = asyncio.run(read())
    assert numbers(pages) == expected
    assert len(v3_requests(sandbox.store)) - before == v3_pages


# ------------------------------------------------------------------ CLI, against the sandbox's file
def _lines(r: CliResult) -> list[Any]:
    assert r.code == 0, r.err
    return [json.loads(line) for line in r.out.splitlines()]


def test_cli_all_pages_reads_each_v3_page_once(run_cli: Any, sandbox_db: str) -> None:
    made = Sandbox(sandbox_db, api_date=AFTER_SWITCH_OFF, rate_limits=False, clock=lambda: NOW)
    try:
        seed_postings(made.store)
    finally:
        made.close()
    served = Sandbox(sandbox_db)  # the CLI's sandbox goes on from NOW, whatever the machine's date
    try:
        served.clock.change(set=NOW)
    finally:
        served.close()
    env = {"OINT_OZON_TODAY": AFTER_SWITCH_OFF, "OINT_SANDBOX_API_DATE": AFTER_SWITCH_OFF}
    window = json.dumps(FILTER)
    store = Store(sandbox_db)
    try:
        before = len(v3_requests(store))
        rows = _lines(run_cli("ozon", "GetFBOShipmentsList", "--sandbox", "--filter", window, "--all-pages",
                              env=env))  # fmt: skip
        sent = len(v3_requests(store)) - before
    finally:
        store.close()
    assert len(rows) == IN_FILTER and sent == 13 + 13 + 1
    laid: list[Any] = []
    for offset in range(0, IN_FILTER, OINT_PAGE):
        page = run_cli("ozon", "GetFBOShipmentsList", "--sandbox", "--filter", window,
                       "--offset", str(offset), env=env)  # fmt: skip
        assert page.code == 0, page.err
        laid += page.json()["result"]
    assert rows == laid
