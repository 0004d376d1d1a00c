"""Paging, pure and end to end: every style walks all items once and stops at the end."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oint.apis.seller import spec
from oint.apis.seller.spec import Operation, Paging
from oint.core import paging
from oint.ozon import AsyncOzonClient, OzonClient
from oint.ozon.types import V3ProductListRequest, V4ProductInfoStocksRequest


def fake(style: str, **paging_fields: Any) -> Operation:
    base = spec.operation("/v3/product/list")
    p = Paging(
        style=style,
        items=paging_fields.get("items", "items"),
        position=paging_fields.get("position", style),
        size=paging_fields.get("size", "limit"),
        max=paging_fields.get("max", 10),
        next=paging_fields.get("next"),
        has_next=paging_fields.get("has_next"),
        pages=paging_fields.get("pages"),
    )
    return base._replace(paging=p)


def serve(op: Operation, data: list[int], body: dict[str, Any], flavour: str) -> dict[str, Any]:
    """A server holding `data`, answering one page in the style of `op`."""
    p = op.paging
    assert p is not None
    size = int(body[p.size]) if p.size else 10
    if p.style == "offset":
        start = int(body.get("offset") or 0)
    elif p.style == "page":
        start = (int(body.get("page") or 1) - 1) * size
    else:
        token = body.get(p.position) or ""
        start = json.loads(base64.b64decode(token)) if token else 0
    chunk = data[start : start + size]
    end = start + len(chunk)
    answer: dict[str, Any] = {"items": chunk}
    if p.next:
        # Ozon's habit differs by method: an empty token at the end, or the same token again
        last = flavour == "empty-token" and end >= len(data)
        answer[p.next] = "" if last else base64.b64encode(json.dumps(end).encode()).decode()
    if p.has_next:
        answer[p.has_next] = end < len(data)
    if p.pages:
        answer[p.pages] = max(1, -(-len(data) // size))
    return answer


def walk(op: Operation, data: list[int], flavour: str, page_size: int) -> tuple[list[int], int]:
    assert op.paging is not None and op.paging.size is not None
    body: dict[str, Any] | None = paging.first_body(op, {op.paging.size: page_size})
    got: list[int] = []
    calls = 0
    while body is not None:
        calls += 1
        assert calls < 1000, "paging does not end"
        answer = serve(op, data, body, flavour)
        got += paging.page_items(op, answer)
        body = paging.next_body(op, body, answer)
    return got, calls


STYLES = [
    fake("last_id", next="last_id"),
    fake("cursor", next="cursor", has_next="has_next"),
    fake("cursor", next="cursor"),
    fake("offset"),
    fake("offset", has_next="has_next"),
    fake("page", pages="page_count"),
    fake("page", has_next="has_next"),
    fake("page"),
]


@settings(max_examples=60, deadline=None)
@given(
    style=st.sampled_from(range(len(STYLES))),
    count=st.integers(0, 57),
    page_size=st.integers(1, 12),
    flavour=st.sampled_from(["empty-token", "repeat-token"]),
)
def test_every_style_yields_every_item_once(style: int, count: int, page_size: int, flavour: str) -> None:
    data = list(range(count))
    got, calls = walk(STYLES[style], data, flavour, page_size)
    assert got == data
    # no more than one extra request to learn that the data has ended
    assert calls <= count // page_size + 2


def test_first_body_asks_for_the_largest_page() -> None:
    op = spec.operation("/v3/product/list")
    assert paging.first_body(op, {"filter": {}}) == {"filter": {}, "limit": 1000}
    assert paging.first_body(op, {"limit": 5})["limit"] == 5
    unknown = spec.operation("/v1/review/list")
    assert unknown.paging is not None and unknown.paging.max is None
    assert paging.first_body(unknown, None)["limit"] == paging.DEFAULT_PAGE_SIZE
    page = spec.operation("/v3/finance/transaction/list")
    assert paging.first_body(page, {})["page"] == 1
    with pytest.raises(ValueError):
        paging.first_body(spec.operation("/v2/products/stocks"), {})


def test_end_conditions() -> None:
    op = spec.operation("/v3/product/list")  # last_id under result
    body = {"filter": {}, "limit": 2, "last_id": ""}
    page = {"result": {"items": [1, 2], "last_id": "abc"}}
    assert paging.next_body(op, body, page) == {**body, "last_id": "abc"}
    assert paging.next_body(op, {**body, "last_id": "abc"}, page) is None  # token repeated
    assert paging.next_body(op, body, {"result": {"items": [], "last_id": "x"}}) is None
    assert paging.next_body(op, body, {"result": {"items": [1], "last_id": ""}}) is None
    fbs = spec.operation("/v3/posting/fbs/list")  # offset with has_next
    fbs_body = {"limit": 2, "offset": 4}
    assert paging.next_body(fbs, fbs_body, {"result": {"postings": [1], "has_next": True}}) == {
        "limit": 2,
        "offset": 5,
    }
    assert paging.next_body(fbs, fbs_body, {"result": {"postings": [1, 2], "has_next": False}}) is None
    assert paging.dig({"a": {"b": [1]}}, "a.b") == [1] and paging.dig({"a": 1}, "a.b") is None


def test_typed_iterators_walk_the_sandbox(ozon: OzonClient) -> None:
    body: V3ProductListRequest = {"filter": {"visibility": "ALL"}, "limit": 1}
    listed = [i["product_id"] for i in ozon.iter_v3_product_list(body)]
    total = ozon.v3_product_list({"filter": {"visibility": "ALL"}, "limit": 1000})
    assert listed == [i["product_id"] for i in total["result"]["items"]] and len(listed) > 1
    one_by_one: V4ProductInfoStocksRequest = {"filter": {"visibility": "ALL"}, "limit": 1}
    stocks = list(ozon.iter_v4_product_info_stocks(one_by_one))
    assert {s["product_id"] for s in stocks} == set(listed)
    pages = list(ozon.iter_pages("/v5/product/info/prices", {"filter": {"visibility": "ALL"}, "limit": 1}))
    assert len(pages) >= len(listed)  # one product per page, then possibly an empty last page


def test_async_iterators_walk_the_sandbox(sandbox_url: str) -> None:
    async def main() -> list[int]:
        async with AsyncOzonClient("2128753", "7cc90d26-33e4-499b...", base_url=sandbox_url) as client:
            body: V3ProductListRequest = {"filter": {"visibility": "ALL"}, "limit": 1}
            return [item["product_id"] async for item in client.iter_v3_product_list(body)]

    with OzonClient("2128753", "7cc90d26-33e4-499b...", base_url=sandbox_url) as sync:
        expected = [
            i["product_id"] for i in sync.iter_items("v3_product_list", {"filter": {"visibility": "ALL"}})
        ]
    assert asyncio.run(main()) == expected


@pytest.mark.parametrize("has_next", [None, "has_next"])
def test_last_item_id_as_the_next_position(has_next: str | None) -> None:
    """Some last_id lists carry no token: the next page starts after the last item's id."""
    op = fake("last_id", next=None, has_next=has_next)._replace()
    assert op.paging is not None
    op = op._replace(paging=op.paging._replace(next_item="id"))
    data = [{"id": 100 + i} for i in range(23)]

    def page(body: dict[str, Any]) -> dict[str, Any]:
        after = body.get("last_id")
        start = next((i + 1 for i, d in enumerate(data) if d["id"] == after), 0)
        chunk = data[start : start + int(body["limit"])]
        answer: dict[str, Any] = {"items": chunk}
        if has_next:
            answer["has_next"] = start + len(chunk) < len(data)
        return answer

    body: dict[str, Any] | None = paging.first_body(op, {"limit": 5})
    got: list[Any] = []
    while body is not None:
        answer = page(body)
        got += paging.page_items(op, answer)
        body = paging.next_body(op, body, answer)
    assert got == data
    assert spec.operation("/v1/returns/list").paging == spec.Paging(
        "last_id", "returns", "last_id", "limit", None, None, "has_next", None, "id"
    )
