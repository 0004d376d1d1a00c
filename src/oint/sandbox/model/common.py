"""What several model modules need, written once: decimal numbers and VAT rates, Ozon's opaque
cursors, pages after a cursor, page sizes, offsets and sort directions, and the read-only data
files of `sandbox/data/`.

Nothing here knows a document kind; the product filter and product pages are in `products.py`.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar

from oint.sandbox.errors import rejected
from oint.sandbox.model.base import as_int, int_id

T = TypeVar("T")

# ------------------------------------------------------------------ numbers
VAT_RATES: tuple[Decimal, ...] = tuple(Decimal(v) for v in ("0", "0.05", "0.07", "0.1", "0.2", "0.22"))


def vat_rates_text(last: str = ", ") -> str:
    """The VAT rates Ozon accepts, for messages: "0, 0.05, 0.07, 0.1, 0.2, 0.22" (`last` before the
    last one, e.g. " или ")."""
    texts = [format(rate, "f") for rate in VAT_RATES]
    return ", ".join(texts[:-1]) + last + texts[-1]


def decimal(value: Any, *, comma: bool = False) -> Decimal | None:
    """A finite decimal number from a string (or a number), None when it is not one. `comma`: a
    decimal comma counts as the point (product import takes "1300,50"; the price API does not)."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if comma:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


MAX_MONEY = Decimal(1_000_000_000)  # prices and costs are below a billion (in the account's currency)
CENT = Decimal("0.01")


def money(value: Any, *, comma: bool = False) -> Decimal | None:
    """A sum of money from text: a finite decimal below `MAX_MONEY` in size with at most two
    digits after the point ("1299.5", "0"); None otherwise ("1e308", "0.001", "abc")."""
    number = decimal(value, comma=comma)
    if number is None or abs(number) >= MAX_MONEY or number != number.quantize(CENT):
        return None
    return number


def amount(value: Any) -> float:
    """A stored price (a string such as "1300" or "1299.5") as a float; 0.0 when unset, not a
    number, or no sum of money at all (a value stored before it was checked, such as "1e308")."""
    number = decimal(value)
    return float(number) if number is not None and abs(number) < MAX_MONEY else 0.0


# ------------------------------------------------------------------ cursors and pages
def encode_cursor(values: Sequence[Any]) -> str:
    """Ozon's opaque cursor: base64 of a compact JSON array ([1111588192] -> "WzExMTE1ODgxOTJd")."""
    text = json.dumps(list(values), separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(text.encode()).decode()


def decode_cursor(text: Any, kinds: tuple[type, ...] | None = None) -> list[Any] | None:
    """The values of a cursor of `encode_cursor`; None when `text` is not one (each caller answers
    that with its own 400). With `kinds`, also None unless the values are exactly that many, of
    those types (a bool is not an int): a well-formed cursor of another list never reaches a
    comparison of unlike values."""
    if not isinstance(text, str):
        return None
    try:
        values = json.loads(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(values, list) or not values:
        return None
    if kinds is not None and (
        len(values) != len(kinds)
        or not all(
            type(v) is k or (k is float and type(v) is int) for v, k in zip(values, kinds, strict=True)
        )
    ):
        return None
    return values


def page_after(
    ordered: Sequence[T], key: Callable[[T], Any], mark: Any, limit: int, *, descending: bool = False
) -> tuple[list[T], bool]:
    """One page of `ordered` (sorted by `key`, descending when asked): at most `limit` items whose key
    comes after `mark` (from the first when `mark` is None), and whether more items follow."""
    if mark is None:
        rest: Sequence[T] = ordered
    elif descending:
        rest = [item for item in ordered if key(item) < mark]
    else:
        rest = [item for item in ordered if key(item) > mark]
    return list(rest[:limit]), len(rest) > limit


def page_after_item(
    ordered: Sequence[T], key: Callable[[T], Any], mark: Any, limit: int
) -> tuple[list[T], bool]:
    """One page of `ordered` (in any order, e.g. newest first): at most `limit` items after the one
    whose key is `mark` (from the first when `mark` is empty, none when no item has it), and
    whether more items follow."""
    rest: Sequence[T] = ordered
    if mark:
        keys = [key(item) for item in ordered]
        rest = ordered[keys.index(mark) + 1 :] if mark in keys else []
    return list(rest[:limit]), len(rest) > limit


def page_size(
    body: dict[str, Any], request: str, maximum: int, default: int | None = None, *, minimum: int = 1
) -> int:
    """`limit` of a paged request: minimum..maximum (`default` when absent, else it is required)."""
    raw = body.get("limit")
    if raw in (None, "") and default is not None:
        return default
    size = 0 if raw in (None, "") else as_int(raw)
    if size is None:
        raise rejected(f"{request}.Limit", "value must be an integer")
    if not minimum <= size <= maximum:
        raise rejected(f"{request}.Limit", f"value must be inside range [{minimum}, {maximum}]")
    return size


def page_offset(body: dict[str, Any], request: str) -> int:
    """`offset` of a paged request: 0 when absent, never negative."""
    offset = int_id(body.get("offset") or 0, "offset")
    if offset < 0:
        raise rejected(f"{request}.Offset", "value must be greater than or equal to 0")
    return offset


def sort_descending(value: Any, subject: str) -> bool:
    """A sort direction, ASC (the default) or DESC in any case: True for DESC; anything else is
    refused about `subject` (e.g. "PostingFbsListRequest.SortDir")."""
    direction = str(value or "ASC").upper()
    if direction not in ("ASC", "DESC"):
        raise rejected(subject, "value must be ASC or DESC")
    return direction == "DESC"


# ------------------------------------------------------------------ data files
@cache
def data_file(name: str) -> Any:
    """A JSON file of `oint/sandbox/data/`, read once per process: read-only reference data, shared
    by every account (callers copy what they change)."""
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", name)
    with open(path, encoding="utf-8") as fh:  # a path, as the operation layer reads its files
        return json.load(fh)
