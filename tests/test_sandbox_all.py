"""The sandbox answers every operation of the Seller API (issue 7.7).

Through the library, against the served sandbox: each of the 481 current operations with a valid
body built from its request schema (no 5xx; a 2xx answer conforms to its response structure) and
with an invalid one (Ozon's 400); the iterators walk the structural answers of every paged
operation to their end; the route index is up to date and printed by `oint sandbox routes`; the
CLI calls and pages structural operations; the README's whole-API example runs on the sandbox.
One server, one client, one loop per property: a failure lists every operation that failed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from answer_conformance import problems
from conftest import (
    BEFORE_SWITCH_OFF,
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    CliResult,
    SandboxServer,
    creds,
    readme_python,
    run_example,
)
from sandbox_http import call
from tools import routes as route_index

from oint.apis.seller import spec
from oint.apis.seller.spec import Operation, operation_problem
from oint.core.errors import APIStatusError
from oint.core.validate import kind_of, resolve
from oint.ozon import AsyncOzonClient, OzonClient
from oint.ozon.types import V1PostingDigitalListRequest
from oint.sandbox import routes, structural
from oint.sandbox.core import Sandbox, account_ids
from oint.sandbox.model import load_all
from oint.sandbox.model.base import Account

ROUTES = load_all()  # every model route (the model loads lazily)
CURRENT = [op for op in spec.operations().values() if "2026-autumn" in op.sources]
STRUCTURAL_PAGED = [op for op in CURRENT if op.paging and ("POST", op.path) not in ROUTES]
POSTING_NUMBER = re.compile(r"\d{8}-\d{4}-\d")


@pytest.fixture(scope="module")
def demo_ids() -> structural.Ids:
    """The demo account's product and warehouse ids (as the served sandbox has them after a reset)."""
    sandbox = Sandbox(":memory:")
    try:
        with sandbox.store.transaction():
            return account_ids(Account(sandbox.store, DEMO_CLIENT_ID, sandbox.clock()))
    finally:
        sandbox.close()


@pytest.fixture
def client(server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[OzonClient]:
    """The demo account on the served sandbox, playing a day before Ozon switched anything off (the
    client's calendar too: no warning about a switch-off yet to come)."""
    server.set_api_date(BEFORE_SWITCH_OFF)
    monkeypatch.setenv("OINT_OZON_TODAY", BEFORE_SWITCH_OFF)
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=server.url, max_retries=0) as ozon:
        yield ozon


def send(client: OzonClient, op: Operation, body: dict[str, Any]) -> Any:
    params = {name: "sandbox-file-1" for name in op.path_params}
    return client.call(op.path, body if op.has_body else None, **params)


def ozon_error(e: APIStatusError) -> bool:
    return isinstance(e.body, dict) and set(e.body) == {"code", "message", "details"}


def wrong_type(schema: Mapping[str, Any]) -> Any:
    """A value of another JSON type than `schema` asks for (None when it takes anything)."""
    kind = kind_of(schema) or ("number" if "anyOf" in schema else None)
    return {
        "object": 7,
        "array": {"a": 1},
        "boolean": "yes",
        "integer": {"n": 1},
        "number": {"n": 1},
        "string": ["not", "a", "string"],
    }.get(kind or "")


def invalid_body(op: Operation, valid: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A body Ozon refuses: a required field of the wrong type, else an unknown field."""
    if op.request:
        top = spec.schema(op.request)
        for field in top.get("required") or ():
            value = wrong_type(resolve(top["properties"][field], spec.schemas())[0])
            if value is not None:
                return {**valid, field: value}, field
    return {**valid, "oint_no_such_field": 1}, "oint_no_such_field"


# ------------------------------------------------------------------ every operation
def test_every_current_operation_answers_valid_and_invalid_bodies(
    client: OzonClient, demo_ids: structural.Ids
) -> None:
    assert len(CURRENT) == 481
    failures: list[str] = []
    answered = {"2xx": 0, "4xx from a model": 0, "400 for an invalid body": 0}
    for op in CURRENT:
        modelled = (op.method, op.path) in ROUTES
        body = structural.request_example(op, demo_ids)
        try:
            answer = send(client, op, body)
        except APIStatusError as e:
            if e.status >= 500 or not modelled or not ozon_error(e):
                failures.append(f"{op} valid body {json.dumps(body)[:120]}: {e.status} {e.raw[:160]!r}")
            else:
                answered["4xx from a model"] += 1
        else:
            answered["2xx"] += 1
            if op.file:
                if not (isinstance(answer, bytes) and answer[:4] in (b"%PDF", b"\x89PNG")):
                    failures.append(f"{op}: not a file: {answer!r:.80}")
            else:
                failures += problems(op.method, op.path, answer)
        if not op.has_body:
            continue  # a GET takes no body
        bad, field = invalid_body(op, body)
        try:
            send(client, op, bad)
            failures.append(f"{op} invalid body ({field}): answered 2xx")
        except APIStatusError as e:
            if e.status != 400 or not ozon_error(e) or e.code != 3 or field not in e.message:
                failures.append(f"{op} invalid body ({field}): {e.status} {e.raw[:160]!r}")
            else:
                answered["400 for an invalid body"] += 1
    assert not failures, f"{len(failures)} failure(s) ({answered}):\n" + "\n".join(failures)
    # models answer 4xx for the ids a generated body names (no such posting, review, chat, ...)
    # (carriages and accruals need a delivery method, a carriage, a day or postings: 4xx from a model;
    # so do a push URL's id and /v1/posting/cutoff/set's posting)
    assert answered["2xx"] >= 404 and answered["400 for an invalid body"] == 475, answered


def test_switched_off_operations_answer_410_from_their_date(server: SandboxServer) -> None:
    today = dt.datetime.now(dt.timezone.utc).date()
    failures = []
    for op in spec.operations().values():
        if op.retired is None or op.path_params:
            continue
        status, _, raw = call(server.url, op.method, op.path, {} if op.has_body else None)
        expected = 410 if op.retired_on(today) else None
        if expected and (status, json.loads(raw).get("code")) != (410, 12):
            failures.append(f"{op} (off {op.retired}): {status} {raw[:100]!r}")
        if (expected is None and status in (404, 405, 410)) or status >= 500:
            failures.append(f"{op} (off {op.retired}, still on): {status} {raw[:100]!r}")
    assert not failures, "\n".join(failures)


# ------------------------------------------------------------------ structural answers
def _body(op: Operation, ids: structural.Ids, size: int | None) -> dict[str, Any]:
    """A valid first-page body: the position left to the iterator, the page size `size`."""
    p = op.paging
    assert p is not None
    body = structural.request_example(op, ids)
    body.pop(p.position, None)
    if p.position in (spec.schema(op.request).get("required") or ()):  # the first page's position
        field = resolve(spec.schema(op.request)["properties"][p.position], spec.schemas())[0]
        first = {"offset": 0, "page": 1}.get(p.style, "" if kind_of(field) == "string" else 0)
        body[p.position] = first
    if p.size is not None and size is not None:
        field = resolve(spec.schema(op.request)["properties"][p.size], spec.schemas())[0]
        body[p.size] = min(field.get("enum") or [max(size, int(field.get("minimum", 1)))])
    return body


def _can_page(op: Operation) -> bool:
    """Whether the answer tells the next position (a token, or offsets and page numbers)."""
    p = op.paging
    assert p is not None
    return p.next is not None or p.next_item is not None or p.style == "offset" or p.position == "page"


def test_iterators_walk_every_paged_structural_operation_to_its_end(
    client: OzonClient, demo_ids: structural.Ids
) -> None:
    """Small pages: several per list, each item once, the same items as one large page."""
    styles: dict[str, int] = {}
    failures = []
    for op in STRUCTURAL_PAGED:
        assert op.paging is not None
        pages = list(client.iter_pages(op.path, _body(op, demo_ids, 2)))
        items = list(client.iter_items(op.path, _body(op, demo_ids, 2)))
        whole = list(client.iter_items(op.path, _body(op, demo_ids, None)))  # the largest pages
        if not _can_page(op):  # Ozon's answer names no next position: the iterator stops after a page
            if len(pages) != 1 or (op.paging.items and not whole):
                failures.append(f"{op} ({op.paging.style}): {len(pages)} pages, {len(whole)} items")
            continue
        if op.paging.items and (items != whole or not items or len(pages) > 10):
            failures.append(
                f"{op} ({op.paging.style}): {len(pages)} pages, {len(items)} vs {len(whole)} items"
            )
        asked = int(_body(op, demo_ids, 2).get(op.paging.size or "", 2))  # an enum of sizes may not have 2
        if op.paging.items and op.paging.size and len(items) > asked and len(pages) < 2:
            failures.append(f"{op} ({op.paging.style}): one page of {len(items)} items at size {asked}")
        styles[op.paging.style] = styles.get(op.paging.style, 0) + 1
    assert not failures, "\n".join(failures)
    assert set(styles) == {"last_id", "cursor", "offset", "page"}, styles


def test_async_iterator_walks_a_cursor_list(server: SandboxServer, demo_ids: structural.Ids) -> None:
    op = next(o for o in STRUCTURAL_PAGED if o.paging and o.paging.style == "cursor" and o.paging.size)

    async def walk() -> list[Any]:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=server.url, max_retries=0) as ozon:
            return [item async for item in ozon.iter_items(op.path, _body(op, demo_ids, 1))]

    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=server.url, max_retries=0) as ozon:
        expected = list(ozon.iter_items(op.path, _body(op, demo_ids, None)))
    assert asyncio.run(walk()) == expected and len(expected) >= 3


def test_structural_answers_are_deterministic_and_use_the_accounts_ids(client: OzonClient) -> None:
    body: V1PostingDigitalListRequest = {
        "filter": {"since": "2026-11-01T00:00:00Z", "to": "2026-11-08T00:00:00Z"},
        "limit": 10,
        "offset": 0,
    }
    first = client.v1_posting_digital_list(body)
    assert client.v1_posting_digital_list(body) == first  # the same request, the same answer
    postings = first["result"]
    demo = client.v3_product_list({"filter": {"visibility": "ALL"}, "limit": 100})["result"]["items"]
    offers = {p["offer_id"] for p in demo}
    for posting in postings:
        assert POSTING_NUMBER.fullmatch(posting["posting_number"]), posting["posting_number"]
        assert "2026-11-01" <= posting["in_process_at"][:10] <= "2026-11-08"  # inside the period asked
        assert {p["offer_id"] for p in posting["products"]} <= offers
    skus = [
        p["sku"]
        for p in client.call("/v3/product/info/list", {"product_id": [p["product_id"] for p in demo]})[
            "items"
        ]
    ]
    sku = next(s for s in skus if s)
    stocks = client.call("/v1/product/info/stocks-by-warehouse/fbs", {"sku": [sku]})
    assert {item["sku"] for item in stocks["result"]} == {sku}  # the SKU asked for


def test_a_file_operation_answers_a_pdf(server: SandboxServer, client: OzonClient) -> None:
    pdf = client.call("/v1/cargoes-label/file/{file_guid}", file_guid="8a7e0fd5")
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF-1.") and pdf.rstrip().endswith(b"%%EOF")
    status, headers, raw = call(server.url, "GET", "/v1/cargoes-label/file/8a7e0fd5")
    assert status == 200 and headers["content-type"] == "application/pdf" and raw == pdf
    png = client.call("/v1/return/giveout/get-png", {})
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG\r\n\x1a\n")


# ------------------------------------------------------------------ route index
def test_route_index_is_up_to_date() -> None:
    assert route_index.main(["--check"]) == 0, "run: python -m tools.routes --write"
    index = {r.path: r for r in routes.load()}
    assert set(index) == set(spec.operations())
    assert {r.path for r in index.values() if r.kind == "stateful"} == {path for _, path in ROUTES}
    assert all(r.retired for r in index.values() if r.kind == "retired")


def test_sandbox_routes_command(run_cli: Any) -> None:
    everything = run_cli("sandbox", "routes")
    counts = json.loads((Path(routes.__file__).parent / "data" / "routes.json").read_text())["counts"]
    assert everything.code == 0 and everything.out.count("\n") == 509 + 1
    summary = f"509 operations: {counts['stateful']} stateful, {counts['structural']} structural, "
    assert everything.out.splitlines()[-1] == summary + f"{counts['retired']} retired"
    stateful = run_cli("sandbox", "routes", "stateful")
    assert "POST /v2/products/stocks" in stateful.out
    assert all(" stateful" in line for line in stateful.out.splitlines()[:-1])
    fbs = run_cli("sandbox", "routes", "posting/fbs/list").out.splitlines()
    assert fbs[0].split()[:6] == ["POST", "/v3/posting/fbs/list", "stateful,", "410", "from", "2026-08-31"]
    digital = run_cli("sandbox", "routes", "posting/digital/list").out.splitlines()
    assert digital[0].split()[:3] == ["POST", "/v1/posting/digital/list", "structural"]
    pictures = run_cli("sandbox", "routes", "/v1/product/pictures/import").out
    assert "stateful, 410 from 2026-10-01" in pictures


# ------------------------------------------------------------------ the command line
def test_cli_calls_and_pages_a_structural_operation(run_cli: Any, sandbox_db: str) -> None:
    body = (
        "{'filter': {'since': '2026-11-01T00:00:00Z', 'to': '2026-11-28T00:00:00Z'}, 'limit': 2, 'offset': 0}"
    )
    lines: list[str] = run_cli(
        "ozon", "v1_posting_digital_list", "--body", body, "--sandbox", "--all-pages"
    ).out.splitlines()
    whole: CliResult = run_cli(
        "ozon", "/v1/posting/digital/list", "--body", body.replace("'limit': 2", "'limit': 1000"), "--sandbox"
    )
    assert whole.code == 0, whole.err
    postings = whole.json()["result"]
    assert [json.loads(line) for line in lines] == postings and len(postings) >= 3
    assert all(POSTING_NUMBER.fullmatch(p["posting_number"]) for p in postings)
    by_option = run_cli("ozon", "v1_return_giveout_list", "--limit", "5", "--sandbox")
    assert by_option.code == 0, by_option.err
    assert by_option.json()["giveouts"]
    refused = run_cli(
        "ozon", "v1_return_giveout_list", "--body", "{'limit': 5, 'no_such_field': 1}", "--sandbox"
    )
    assert refused.code == 1 and '"code": 3' in refused.out and "no_such_field" in refused.out


def test_cli_reaches_the_served_sandbox(run_cli: Any, sandbox_url: str) -> None:
    r = run_cli("ozon", "v1_supplier_available_warehouses", *creds(sandbox_url))
    assert r.code == 0, r.err


# ------------------------------------------------------------------ the README
def test_readme_whole_api_example_runs_on_the_sandbox(tmp_path: Path) -> None:
    r = run_example(readme_python("The whole Seller API"), tmp_path)
    assert r.returncode == 0, r.stderr
    printed = r.stdout.splitlines()
    assert printed and all(POSTING_NUMBER.fullmatch(line) for line in printed), r.stdout
    assert (tmp_path / "sandbox.sqlite3").exists()


# ------------------------------------------------------------------ the pure parts
def test_validator_refuses_unknown_fields_and_checks_number_lists() -> None:
    period = {"since": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"}
    valid: dict[str, Any] = {"filter": period, "limit": 1, "offset": 0}
    assert operation_problem("/v3/posting/fbs/list", valid) is None
    assert operation_problem("/v3/posting/fbs/list", {**valid, "colour": "red"}) == (
        'invalid GetFbsPostingListRequest: unknown field "colour"'
    )
    nested = {**valid, "filter": {**period, "colour": "red"}}
    assert 'GetFbsPostingListRequest.filter: unknown field "colour"' in str(
        operation_problem("/v3/posting/fbs/list", nested)
    )
    assert operation_problem("/v2/actions/discounts-task/list", {"limit": 7}) == (
        "Request validation error: invalid GetDiscountTaskListV2Request.Limit: "
        "value must be in list [5 10 15 20 30 50]"
    )
    assert operation_problem("/v1/warehouse/list", {}) is None  # OInt's empty body (a fact)
    assert (
        operation_problem("/v4/product/info/limit", {"x": 1})
        == 'invalid GetUploadQuotaRequest: unknown field "x"'
    )


def test_structural_answers_are_pure() -> None:
    op = spec.operation("/v3/posting/fbs/list")
    ids = structural.Ids((structural.Product(7, "A-7", 70), structural.Product(8, "A-8", 0)), (5,))
    body = {
        "filter": {"since": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"},
        "limit": 2,
        "offset": 0,
    }
    first = structural.answer(op, body, ids)
    assert structural.answer(op, body, ids) == first
    postings = first["result"]["postings"]
    assert len(postings) == 2 and first["result"]["has_next"] is True
    assert {p["offer_id"] for posting in postings for p in posting["products"]} == {"A-7"}  # on sale only
    last = structural.answer(op, {**body, "offset": 2, "limit": 100}, ids)["result"]
    assert last["has_next"] is False and last["postings"][0] != postings[0]


def test_files_are_well_formed() -> None:
    pdf = structural.pdf_document("labels (1)")
    offsets = re.findall(rb"^(\d{10}) 00000 n $", pdf, flags=re.M)
    assert offsets and all(pdf[int(o) :].startswith(b"%d 0 obj" % (i + 1)) for i, o in enumerate(offsets))
    start = int(pdf.rsplit(b"startxref\n", 1)[1].split()[0])
    assert pdf[start:].startswith(b"xref")
    png = structural.png_image()
    assert png[12:16] == b"IHDR" and png.endswith(b"IEND\xaeB`\x82")
