"""Reading Ozon's per-item outcomes, pure and driven by data.

Ozon reports many failures per item inside a 200 answer: `result[].updated/errors`
(stocks, prices), `status[].is_deleted/error` (delete), a task whose items end
`imported` / `skipped` / `failed` (product import, pictures v2, attributes), or one
boolean for the whole batch (archive). `READERS` says, per operation, where the items
are, how an answer entry is matched to the item sent, and which field says "applied";
`read_answer` applies that to one answer. Operations not in the table succeed or fail
as a whole with the HTTP status.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from oint.core.paging import dig

Key = tuple[str | tuple[str, ...], ...]  # fields; a tuple inside = alternatives, the first filled wins


class Reader(NamedTuple):
    """How one operation answers per item (every field optional)."""

    items: str | None = None  # dotted path of the per-item list in the answer
    key: Key = ()  # fields matching an answer entry to the item sent (else: by position)
    ok: str | None = None  # boolean field: the item was applied
    errors: str | None = None  # the item's errors: a list of {code, message} or a text
    status: str | None = None  # a status word (tasks): see DONE / FAILED / PENDING
    task: tuple[str, ...] = ()  # where the answer carries the id of a task to follow
    task_op: str | None = None  # the operation that reports the task's items
    whole: str | None = None  # boolean field for the whole batch (archive: `result`)
    unmatched: tuple[str, str] | None = None  # (answer list of values Ozon did not match, item field)
    idempotent: bool = False  # sending an item twice leaves the same state (safe to re-send)


TASK_INFO = "/v1/product/import/info"
READERS: dict[str, Reader] = {
    "/v2/products/stocks": Reader(
        items="result",
        key=(("offer_id", "product_id"), "warehouse_id"),
        ok="updated",
        errors="errors",
        idempotent=True,
    ),  # absolute quantities: sending again sets the same value
    "/v1/product/import/prices": Reader(
        items="result", key=(("offer_id", "product_id"),), ok="updated", errors="errors", idempotent=True
    ),
    "/v3/product/import": Reader(
        task=("result.task_id",), task_op=TASK_INFO, key=("offer_id",), idempotent=True
    ),  # creates or updates by offer_id
    "/v2/product/pictures/import": Reader(
        task=("task_id", "result.task_id"), task_op=TASK_INFO, key=("offer_id",), idempotent=True
    ),  # replaces all pictures
    "/v1/product/attributes/update": Reader(
        task=("task_id", "result.task_id"), task_op=TASK_INFO, key=("offer_id",), idempotent=True
    ),
    "/v1/product/import-by-sku": Reader(
        task=("result.task_id",),
        task_op=TASK_INFO,
        key=("offer_id",),
        unmatched=("result.unmatched_sku_list", "sku"),
        idempotent=True,
    ),
    "/v1/product/pictures/import": Reader(idempotent=True),
    "/v1/product/archive": Reader(whole="result", idempotent=True),
    "/v1/product/unarchive": Reader(whole="result", idempotent=True),
    "/v2/products/delete": Reader(items="status", key=("offer_id",), ok="is_deleted", errors="error"),
    "/v1/product/update/offer-id": Reader(items="errors", key=("offer_id",), errors="message"),
    TASK_INFO: Reader(items="result.items", key=("offer_id",), status="status", errors="errors"),
}
DONE = frozenset({"imported", "skipped", "processed", "success"})
FAILED = frozenset({"failed", "error"})
PENDING = frozenset({"pending", "processing", "in_progress", ""})

# Per-item errors that mean "not now": the item goes back to the queue for later.
RETRY_CODES = frozenset({"TOO_MANY_REQUESTS", "RESOURCE_EXHAUSTED", "RATE_LIMIT", "ITEM_LIMIT_EXCEEDED"})
RETRY_TEXTS = (
    "limit exceeded",
    "too frequently",
    "too many requests",
    "resourceexhausted",
    "try again later",
)


def reader(path: str) -> Reader:
    return READERS.get(path, Reader())


class Outcome(NamedTuple):
    """What became of one item. state: confirmed | failed | retry (send again later) |
    task (Ozon took it into task `task`: follow it)."""

    state: str
    result: Any = None  # Ozon's per-item answer
    error: Any = None  # Ozon's errors for this item
    task: int | None = None


CONFIRMED = Outcome("confirmed")


def key_of(key: Key, item: Any) -> str:
    """The item's key as text (`offer_id=A|warehouse_id=5`), or "" when `key` is empty."""
    if not key or not isinstance(item, dict):
        return ""
    parts = []
    for field in key:
        names = field if isinstance(field, tuple) else (field,)
        for name in names:
            value = dig(item, name)
            if value not in (None, "", 0):
                parts.append(f"{name}={value}")
                break
        else:
            parts.append(f"{names[0]}=")
    return "|".join(parts)


def _candidate_keys(key: Key, entry: dict[str, Any]) -> list[str]:
    """Every key an answer entry may match (it names the product by both ids)."""
    keys = [""]
    for field in key:
        names = field if isinstance(field, tuple) else (field,)
        options = [f"{n}={dig(entry, n)}" for n in names if dig(entry, n) not in (None, "", 0)]
        keys = [f"{k}|{o}" if k else o for k in keys for o in options or [f"{names[0]}="]]
    return keys


def is_retry_error(errors: Any) -> bool:
    """Whether an item's errors only say "not now" (a per-item limit)."""
    entries = errors if isinstance(errors, list) else [errors]
    if not entries or entries == [None]:
        return False
    for e in entries:
        code = str(e.get("code") or "") if isinstance(e, dict) else ""
        text = (str(e.get("message") or "") if isinstance(e, dict) else str(e)).lower()
        if code.upper() not in RETRY_CODES and not any(t in text for t in RETRY_TEXTS):
            return False
    return True


def _errors_of(spec: Reader, entry: Any) -> Any:
    if spec.errors is None or not isinstance(entry, dict):
        return None
    errors = dig(entry, spec.errors)
    return errors if errors not in (None, "", []) else None


def _entry_outcome(spec: Reader, entry: Any) -> Outcome:
    errors = _errors_of(spec, entry)
    if spec.status is not None:
        status = str(dig(entry, spec.status) or "").lower()
        if status in PENDING:
            return Outcome("task", entry)
        if status in FAILED or (errors and status not in DONE):
            return Outcome("retry" if is_retry_error(errors) else "failed", entry, errors or status)
        return Outcome("confirmed", entry)
    ok = dig(entry, spec.ok) if spec.ok is not None and isinstance(entry, dict) else None
    if errors or ok is False:
        if errors and is_retry_error(errors):
            return Outcome("retry", entry, errors)
        return Outcome("failed", entry, errors or [{"code": "NOT_APPLIED", "message": f"{spec.ok}: false"}])
    return Outcome("confirmed", entry)


def match(spec: Reader, items: Sequence[Any], entries: list[Any]) -> list[Any]:
    """The answer entry of each item (None where Ozon's answer has none): by key, in order
    for repeated keys; by position when the operation has no key."""
    if not spec.key:
        return [entries[i] if i < len(entries) else None for i in range(len(items))]
    by_key: dict[str, deque[Any]] = defaultdict(deque)
    for entry in entries:
        if isinstance(entry, dict):
            for k in dict.fromkeys(_candidate_keys(spec.key, entry)):
                by_key[k].append(entry)
    out: list[Any] = []
    used: set[int] = set()
    for item in items:
        queue = by_key.get(key_of(spec.key, item))
        found = None
        while queue:
            entry = queue.popleft()
            if id(entry) not in used:
                used.add(id(entry))
                found = entry
                break
        out.append(found)
    return out


def task_id(spec: Reader, answer: Any) -> int | None:
    for path in spec.task:
        value = dig(answer, path)
        if value not in (None, "", 0):
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None


def read_answer(path: str, items: Sequence[Any], answer: Any) -> list[Outcome]:
    """The outcome of each item of a batch from Ozon's 2xx answer to `path`."""
    spec = reader(path)
    if spec.task:
        task = task_id(spec, answer)
        if task is None:
            missing = {"code": "NO_TASK", "message": f"no task id in the answer: {_short(answer)}"}
            return [Outcome("failed", None, missing)] * len(items)
        outcomes = [Outcome("task", None, None, task)] * len(items)
        if spec.unmatched is not None:
            listed, field = spec.unmatched
            refused = {str(v) for v in dig(answer, listed) or []}
            outcomes = [
                Outcome("failed", None, {"code": "UNMATCHED", "message": f"Ozon did not match {field}"})
                if isinstance(item, dict) and str(item.get(field)) in refused
                else o
                for item, o in zip(items, outcomes, strict=True)
            ]
        return outcomes
    if spec.whole is not None:
        value = dig(answer, spec.whole)
        if value is False:
            return [
                Outcome("failed", answer, {"code": "NOT_APPLIED", "message": f"{spec.whole}: false"})
            ] * len(items)
        return [Outcome("confirmed", answer)] * len(items)
    if spec.items is None:
        return [Outcome("confirmed", answer if len(items) == 1 else None)] * len(items)
    entries = dig(answer, spec.items)
    entries = entries if isinstance(entries, list) else []
    if spec.ok is None and spec.status is None:  # the list names the failures only
        failed = match(spec, items, entries)
        return [CONFIRMED if e is None else Outcome("failed", e, _errors_of(spec, e) or e) for e in failed]
    out = []
    for entry in match(spec, items, entries):
        if entry is None:
            out.append(Outcome("failed", None, {"code": "NO_RESULT", "message": "no result for this item"}))
        else:
            out.append(_entry_outcome(spec, entry))
    return out


def read_task(items: Sequence[Any], answer: Any, op: str = TASK_INFO) -> list[Outcome]:
    """The outcome of each item of a task from the task-info answer: `task` while pending."""
    spec = reader(op)
    entries = dig(answer, spec.items)
    entries = entries if isinstance(entries, list) else []
    out = []
    for entry in match(spec, items, entries):
        out.append(Outcome("task") if entry is None else _entry_outcome(spec, entry))
    return out


def item_errors(path: str, answer: Any) -> list[Any]:
    """The errors of the items an answer reports as not applied (single calls of the CLI):
    by the operation's reader; for other operations, entries with `updated: false`."""
    spec = READERS.get(path)
    if spec is not None:
        if spec.items is None or path == TASK_INFO:  # a task's report is a read, not a refusal
            return []
        entries = dig(answer, spec.items)
        if not isinstance(entries, list):
            return []
        if spec.ok is None and spec.status is None:  # a list of failures
            return [e for e in entries if e]
        outcomes = (_entry_outcome(spec, e) for e in entries)
        return [o.error for o in outcomes if o.state in ("failed", "retry")]
    found: list[Any] = []
    for entries in _lists(answer):
        for e in entries:
            if isinstance(e, dict) and e.get("updated") is False:
                found.append(e.get("errors") or e)
    return found


def _lists(doc: Any, depth: int = 0) -> Iterable[list[Any]]:
    if depth > 2:
        return
    if isinstance(doc, list):
        yield doc
    elif isinstance(doc, dict):
        for value in doc.values():
            yield from _lists(value, depth + 1)


def _short(doc: Any) -> str:
    text = json.dumps(doc, ensure_ascii=False)
    return text if len(text) <= 200 else text[:197] + "..."
