"""What every model module uses: the `Account` view of the store and the route table.

A route is a pure function `(account, body) -> answer`: Ozon's JSON request in, Ozon's
JSON answer out, `ApiError` for error answers. It never sees HTTP.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from oint.sandbox.errors import invalid, rate_limited, rejected
from oint.sandbox.store import Store

Handler = Callable[["Account", dict[str, Any]], Any]
# the routes of the model modules imported so far (`oint.sandbox.model.load_all()`: all of them)
ROUTES: dict[tuple[str, str], Handler] = {}
FileMaker = Callable[["Account", str], "FileAnswer | None"]
FILES: dict[str, FileMaker] = {}


def file_maker(kind: str) -> Callable[[FileMaker], FileMaker]:
    """Register `fn(account, name)` as the maker of the account's files `<kind>-<name>` (the
    `file_url` of answers: `GET /__sandbox/files/<client id>/<kind>-<name>`); None: no such file."""

    def deco(fn: FileMaker) -> FileMaker:
        FILES[kind] = fn
        return fn

    return deco


def route(http_method: str, path: str) -> Callable[[Handler], Handler]:
    """Register a model function as the handler of an Ozon endpoint."""

    def deco(fn: Handler) -> Handler:
        key = (http_method, path)
        if key in ROUTES:
            raise ValueError(f"route {http_method} {path} registered twice")
        ROUTES[key] = fn
        return fn

    return deco


@dataclass(frozen=True, slots=True)
class FileAnswer:
    """What a route returns for an answer that is a file (a PDF label, an act): the core sends
    `content` as is with `media` as its content type."""

    media: str
    content: bytes


@dataclass
class Account:
    """One seller account's state, as seen by one request at time `now` (epoch seconds)."""

    store: Store
    client_id: str
    now: float
    origin: str = "sandbox:"  # how clients reach this sandbox (http://host:port), for file URLs

    def file_url(self, kind: str, name: str) -> str:
        """Where a client downloads a file this account made (see `file_maker`)."""
        return f"{self.origin}/__sandbox/files/{self.client_id}/{kind}-{name}"

    # documents of this account
    def get(self, kind: str, key: Any) -> Any:
        return self.store.get(self.client_id, kind, key)

    def put(self, kind: str, key: Any, doc: Any) -> None:
        self.store.put(self.client_id, kind, key, doc)

    def delete(self, kind: str, key: Any) -> bool:
        return self.store.delete(self.client_id, kind, key)

    def all(self, kind: str) -> list[Any]:
        return self.store.all(self.client_id, kind)

    def next_id(self, name: str, start: int) -> int:
        """Ids are global across accounts, as Ozon's are."""
        return self.store.next_id(name, start)

    def limit(self, scope: str, limit: int, per: float, message: str, weight: int = 1) -> None:
        """Count a use of `scope`; answer 429 with Retry-After when over `limit` per `per` s."""
        wait = self.store.hit(self.client_id, scope, limit, per, self.now, weight)
        watch = self.store.watch
        if watch is not None:
            watch.seen("accounts", self.client_id, scope, limit, per, self.now, per, wait is None, weight)
        if wait is not None:
            raise rate_limited(message, wait)

    def try_limit(self, scope: str, limit: int, per: float) -> bool:
        """Like `limit` but for per-item limits reported inside a 200 answer: True when allowed."""
        return self.store.hit(self.client_id, scope, limit, per, self.now) is None

    def currency(self) -> str:
        """The account's currency (`currency_code` of its account document; RUB by default)."""
        doc = self.store.get("*", "account", self.client_id) or {}
        return str(doc.get("currency_code") or "RUB")

    def iso(self, ts: float | None = None) -> str:
        """Ozon's timestamp form: 2025-10-14T12:14:12.617004Z."""
        t = dt.datetime.fromtimestamp(self.now if ts is None else ts, dt.timezone.utc)
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ------------------------------------------------------------------ request field helpers
def as_int(value: Any) -> int | None:
    """An integer as protojson reads one (a JSON number without fraction or a string of digits);
    None when `value` is not one (booleans are not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def int_id(value: Any, field: str) -> int:
    """An int64 id that Ozon accepts as a JSON number or a string of digits."""
    number = as_int(value)
    if number is None:
        raise invalid(f"invalid {field}: value must be an integer")
    return number


def id_list(
    body: dict[str, Any], field: str, *, required: bool = True, max_items: int | None = None
) -> list[int]:
    value = body.get(field)
    if value is None or value == []:
        if required:
            raise rejected(field, "value must contain at least 1 item(s)")
        return []
    if not isinstance(value, list):
        value = [value]
    if max_items is not None and len(value) > max_items:
        raise rejected(field, f"value must contain at most {max_items} item(s)")
    return [int_id(v, field) for v in value]


def item_list(body: dict[str, Any], field: str, subject: str, max_items: int) -> list[Any]:
    """A request's array `field` of 1..max_items elements, refused in protoc-gen-validate's words
    about `subject` (e.g. "ProductsStocksRequest.Stocks")."""
    value = body.get(field)
    if value is None or value == []:
        raise rejected(subject, "value must contain at least 1 item(s)")
    if not isinstance(value, list):
        raise rejected(subject, "value must be an array")
    if len(value) > max_items:
        raise rejected(subject, f"value must contain at most {max_items} item(s)")
    return value


def str_list(body: dict[str, Any], field: str) -> list[str]:
    value = body.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    return [str(v) for v in value]
