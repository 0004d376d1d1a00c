"""Answers sized for a model, and errors it can act on.

A long list is cut to its first items (20 by default, fewer while the answer is still over its
size budget); the answer keeps Ozon's shape and gains an `_oint` entry naming each cut list, its
length and a token for the next items (`ozon_more`). `save=true` writes the whole answer to a file.
Errors carry Ozon's `code` and `message` and a hint of what to fix. Pure, except `save`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from oint.apis.seller.spec import Operation
from oint.core.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    OzonError,
    RateLimitError,
    UsageError,
)

MAX_CHARS = 24_000  # about 6,000 tokens: an answer larger than this is cut further
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def dumps(doc: Any) -> str:
    return _dumps(doc)


@dataclass
class Cut:
    path: str  # dotted; `items[].images` for lists inside list items
    lists: int  # how many lists at this path were cut
    total: int  # their items, all together
    shown: int


def cut_lists(doc: Any, max_items: int) -> tuple[Any, dict[str, Cut]]:
    """A copy of `doc` with every list longer than `max_items` cut to its first `max_items`."""
    cuts: dict[str, Cut] = {}

    def walk(node: Any, path: str) -> Any:
        if isinstance(node, dict):
            return {k: walk(v, f"{path}.{k}" if path else str(k)) for k, v in node.items()}
        if isinstance(node, list):
            kept = node
            if len(node) > max_items:
                kept = node[:max_items]
                c = cuts.setdefault(path, Cut(path, 0, 0, 0))
                c.lists, c.total, c.shown = c.lists + 1, c.total + len(node), c.shown + len(kept)
            return [walk(v, path + "[]") for v in kept]
        return node

    return walk(doc, ""), cuts


def fit(doc: Any, max_items: int, max_chars: int = MAX_CHARS) -> tuple[Any, dict[str, Cut]]:
    """`doc` cut to `max_items` per list, and to fewer while its JSON is over `max_chars`."""
    shaped, cuts = cut_lists(doc, max_items)
    while max_items > 1 and len(dumps(shaped)) > max_chars:
        max_items //= 2
        shaped, cuts = cut_lists(doc, max_items)
    return shaped, cuts


def dig(doc: Any, path: str) -> Any:
    for key in path.split(".") if path else ():
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc


class ListStore:
    """The whole lists of recent cut answers, by token, for `ozon_more` (the last `size` kept)."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._lists: OrderedDict[str, tuple[list[Any], int]] = OrderedDict()

    def put(self, items: list[Any], shown: int) -> str:
        token = "L" + secrets.token_urlsafe(6)
        self._lists[token] = (items, shown)
        while len(self._lists) > self.size:
            self._lists.popitem(last=False)
        return token

    def page(self, token: str, offset: int | None, limit: int) -> dict[str, Any]:
        if token not in self._lists:
            raise UsageError(f"unknown or expired token {token!r}: call the tool again to get a fresh one")
        items, shown = self._lists[token]
        start = shown if offset is None else max(0, offset)
        part = items[start : start + limit]
        end = start + len(part)
        self._lists[token] = (items, max(shown, end))
        self._lists.move_to_end(token)
        return {"total": len(items), "offset": start, "items": part, "more": end < len(items)}


def shape(
    doc: Any,
    max_items: int,
    store: ListStore | None = None,
    saved_to: str | None = None,
    max_chars: int = MAX_CHARS,
) -> Any:
    """The answer for the model: lists cut, with an `_oint` entry saying what was cut and how to get
    the rest (a token per cut top-level list; the saved file)."""
    shaped, cuts = fit(doc, max_items, max_chars)
    if not cuts and saved_to is None:
        return doc
    lists = []
    for c in cuts.values():
        entry: dict[str, Any] = {"path": c.path or "(answer)", "total": c.total, "shown": c.shown}
        if c.lists > 1:
            entry["lists"] = c.lists
        if "[]" not in c.path and store is not None:
            whole = dig(doc, c.path)
            if isinstance(whole, list):
                entry["more"] = store.put(whole, c.shown)
        lists.append(entry)
    note: dict[str, Any] = {}
    if lists:
        note["lists"] = lists
        note["note"] = "Long lists are cut: ozon_more(token) gives the next items; save=true writes all."
    if saved_to is not None:
        note["saved_to"] = saved_to
    if isinstance(shaped, dict):
        return {**shaped, "_oint": note}
    return {"answer": shaped, "_oint": note}


def save(doc: Any, out_dir: str, name: str) -> str:
    """Write a whole answer (JSON, or the bytes of a file such as a PDF label) under `out_dir`."""
    os.makedirs(out_dir, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = os.path.join(out_dir, f"{name}-{stamp}-{secrets.token_hex(2)}")
    if isinstance(doc, (bytes, bytearray)):
        path = base + _extension(bytes(doc))
        with open(path, "wb") as fh:
            fh.write(doc)
        return path
    path = base + ".json"
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1, default=str)
    return path


def _extension(data: bytes) -> str:
    for magic, ext in ((b"%PDF", ".pdf"), (b"\x89PNG", ".png"), (b"PK", ".zip")):
        if data.startswith(magic):
            return ext
    return ".bin"


# ------------------------------------------------------------------ errors
def error(e: Exception, op: Operation | None = None) -> dict[str, Any]:
    """An error for the model: Ozon's code and message (or oint's), and a hint."""
    if isinstance(e, APIStatusError):
        body: dict[str, Any] = {"status": e.status, "code": e.code, "message": e.message}
        if e.details:
            body["details"] = e.details[:5]
        return {"error": body, "hint": status_hint(e, op)}
    if isinstance(e, APITimeoutError):
        return {
            "error": {"message": str(e)},
            "hint": "No answer in time: try again, or with a smaller request.",
        }
    if isinstance(e, APIConnectionError):
        return {
            "error": {"message": str(e)},
            "hint": "The server could not be reached: check the network and the base URL, then try again.",
        }
    if isinstance(e, UsageError):
        return {
            "error": {"message": str(e)},
            "hint": "Fix the argument it names (the tool's schema lists them).",
        }
    if isinstance(e, OzonError):
        return {"error": {"message": str(e)}}
    raise e


def status_hint(e: APIStatusError, op: Operation | None) -> str:
    status = e.status
    if status == 400:
        named = _named_fields(e.message + " " + dumps(e.details), op)
        which = f" Check {', '.join(named)}." if named else ""
        return (
            "Ozon refused the request as invalid: the message names what to fix." + which + " "
            "ozon_api_describe lists the fields, their types and allowed values."
        )
    if status == 401:
        return (
            "Client-Id or Api-Key missing: configure the profile (client_id, api_key_env) or "
            "OZON_CLIENT_ID/OZON_API_KEY."
        )
    if status == 403:
        return (
            "The Api-Key is wrong, revoked, or its role lacks this method: check the key in Ozon's seller "
            "portal (Settings -> Seller API) and the profile's key source; do not retry with the same key."
        )
    if status == 404:
        return "Not found: check the identifiers (product_id, sku and offer_id are different numbers)."
    if status == 409:
        return "Conflict with the current state: read the object again, then retry with fresh values."
    if status == 410:
        successor = f" Use {op.successor} instead." if op is not None and op.successor else ""
        return "Ozon has switched this method off." + successor
    if status == 429:
        wait = e.retry_after if isinstance(e, RateLimitError) else None
        when = f"{wait:g} s" if wait is not None else "a few seconds"
        return f"Rate limit: wait {when} before calling this method again; do not retry in a loop."
    if status >= 500:
        return "Ozon's side failed: try again later; if it persists, send smaller batches."
    return "Ozon refused the request: read the message."


def _named_fields(text: str, op: Operation | None) -> list[str]:
    """Request fields of `op` that an error message names."""
    if op is None or not op.request:
        return []
    from oint.apps.catalog import fields

    lowered = text.lower()
    out: list[str] = []
    for f in fields(op.request, max_depth=3):
        leaf = f.path.rsplit(".", 1)[-1].replace("[]", "")
        if len(leaf) > 2 and leaf.lower() in lowered and f.path not in out:
            out.append(f.path)
    return out[:5]


def redact(text: str, secrets_: Iterable[str]) -> str:
    """`text` with every given secret (an Api-Key) replaced by ***."""
    for s in secrets_:
        if s and len(s) >= 6:
            text = text.replace(s, "***")
    return text
