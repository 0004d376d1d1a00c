"""Paging, pure: which body asks for the first page, which for the next, where the items are.

Ozon pages in four styles (the operation layer says which, `oint.core.layer.Paging`):
- `last_id` / `cursor`: the answer carries a token for the next page; the end is an empty
  page, an empty or repeated token, or `has_next: false`;
- `offset`: skip N items; the end is `has_next: false` or a page shorter than asked;
- `page`: page numbers from 1; the end is the page count, `has_next: false`, or a short page.

The clients' `iter_…` methods loop over these steps, one page in memory at a time.
"""

from __future__ import annotations

from typing import Any

from oint.core.layer import Operation, Paging

DEFAULT_PAGE_SIZE = 100  # when Ozon's document gives no maximum


def dig(doc: Any, dotted: str | None) -> Any:
    """The value at a dotted path (`result.postings`), or None."""
    if dotted is None:
        return None
    for key in dotted.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def paging_of(op: Operation) -> Paging:
    if op.paging is None:
        raise ValueError(f"{op.path} does not page")
    return op.paging


def first_body(op: Operation, body: dict[str, Any] | None) -> dict[str, Any]:
    """The body of the first page: the caller's, with the largest page size unless it set one."""
    p = paging_of(op)
    out = dict(body or {})
    if p.size is not None and p.size not in out:
        out[p.size] = p.max or DEFAULT_PAGE_SIZE
    if p.style == "page" and p.position == "page":
        out.setdefault("page", 1)
    return out


def page_items(op: Operation, answer: Any) -> list[Any]:
    """The items of one page ([] when the answer has none)."""
    items = dig(answer, paging_of(op).items)
    return items if isinstance(items, list) else []


def next_body(op: Operation, body: dict[str, Any], answer: Any) -> dict[str, Any] | None:
    """The body asking for the page after `answer` (None: that was the last page)."""
    p = paging_of(op)
    items = page_items(op, answer) if p.items else None
    has_next = dig(answer, p.has_next)
    if has_next is False or items == []:
        return None
    asked = int(body.get(p.size) or 0) if p.size is not None else 0
    short = has_next is None and items is not None and len(items) < asked
    if p.style in ("last_id", "cursor") or p.position == "next_page_number":
        if p.next is None and p.next_item and items:  # the position is the last item's id
            last = items[-1]
            token = last.get(p.next_item) if isinstance(last, dict) else None
            if short:
                return None
        else:
            token = dig(answer, p.next)
        if token in (None, "", 0) or token == body.get(p.position):
            return None
        return {**body, p.position: token}
    if p.style == "offset":
        if short or items is None:
            return None
        return {**body, p.position: int(body.get(p.position) or 0) + len(items)}
    page = int(body.get(p.position) or 1)
    pages = dig(answer, p.pages)
    unknown_end = has_next is None and pages is None and items is None
    if short or unknown_end or (isinstance(pages, int) and page >= pages):
        return None
    return {**body, p.position: page + 1}
