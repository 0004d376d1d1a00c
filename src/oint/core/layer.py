"""The operation layer of one API, loaded from its data folder: every operation declared once, as data.

A `Layer` reads `operations.json` and `schemas.json` of a folder (the Seller API's are in
`oint/apis/seller/data/`, generated from `reference/` by `tools/gen_operations.py`) on first use.
Each operation has its path, verb, a Python name (the path with underscores:
`/v3/posting/fbs/list` -> `v3_posting_fbs_list`), Ozon's short title, request and response schema
names, paging, batch field, rate limits, and retirement (date and successor). Everything above the
kernel (the OInt registry, the typed client methods, the CLI, the docs, the sandbox's route index)
is derived from a layer; an API's package holds its instance (`oint.apis.seller.spec.LAYER`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

TODAY_ENV = "OINT_OZON_TODAY"  # the day switch-off dates are compared with (tests, previews)


class Paging(NamedTuple):
    """How an operation pages. `style`: last_id, cursor, offset or page. Paths are dotted
    (`result.postings`); `position` and `size` are request fields."""

    style: str
    items: str | None
    position: str
    size: str | None
    max: int | None
    next: str | None  # where the answer carries the next last_id / cursor
    has_next: str | None
    pages: str | None  # page count, for the page style
    next_item: str | None = None  # no token in the answer: this field of the last item is the next position


class Batch(NamedTuple):
    """The request field that carries a batch of items, and its documented maximum."""

    field: str
    max: int | None


class Operation(NamedTuple):
    path: str
    method: str
    name: str
    title: str
    section: str
    request: str | None  # schema name
    response: str | None
    has_body: bool
    path_params: tuple[str, ...]
    paging: Paging | None
    items: str | None  # for unpaged operations that answer a list
    batch: Batch | None
    rate_limits: tuple[tuple[int, float], ...]
    item_limits: dict[str, Any] | None
    retired: str | None  # ISO date Ozon switches it off (or did)
    successor: str | None
    deprecated: bool
    sources: tuple[str, ...]
    file: str | None = None  # media type of an answer that is a file (application/pdf), not JSON
    form: bool = False  # the request is a multipart/form-data form (text fields and files), not JSON
    query: tuple[str, ...] = ()  # request fields sent in the query string (a GET's), not in the body
    key: str = ""  # the layer's key: the path, or "VERB path" where two verbs share the path

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def retired_on(self, day: dt.date) -> bool:
        """True when Ozon has switched this operation off by `day`."""
        return self.retired is not None and dt.date.fromisoformat(self.retired) <= day

    def retirement(self) -> str:
        """'' for a current operation, else e.g. 'off at Ozon from 2026-10-01; successor /v2/...'."""
        if not (self.retired or self.successor or self.deprecated):
            return ""
        text = f"off at Ozon from {self.retired}" if self.retired else "deprecated by Ozon"
        return text + (f"; successor {self.successor}" if self.successor else "")

    def over_batch(self, body: Any) -> int | None:
        """How many items a body puts in the batch field beyond the documented maximum (None
        when within it or when the operation has no known maximum)."""
        if self.batch is None or not self.batch.max or not isinstance(body, dict):
            return None
        items = body.get(self.batch.field)
        if isinstance(items, list) and len(items) > self.batch.max:
            return len(items)
        return None

    def batch_error(self, option: str, count: int) -> str:
        """One line saying the batch is too large, and what to do instead (the application's
        hint, `oint.core.hints.set_batch_hint`, names the command that sends any number of items)."""
        assert self.batch is not None
        from oint.core import hints

        hint = hints.batch_hint(self) if hints.batch_hint is not None else "a bulk job (oint.bulk)"
        return (
            f"{option} takes at most {self.batch.max} items per request, got {count} ({self.path}): "
            f"send them in several calls, or let {hint} split them at Ozon's limits"
        )

    def url_path(self, path_params: dict[str, Any] | None = None) -> str:
        """The path with its `{name}` parameters filled in."""
        path = self.path
        for name in self.path_params:
            if not path_params or name not in path_params:
                raise KeyError(f"{self.path}: path parameter {name!r} is required")
            path = path.replace("{" + name + "}", str(path_params[name]))
        return path


def _operation(key: str, d: dict[str, Any]) -> Operation:
    p = d.get("paging")
    paging = None
    if p is not None:
        paging = Paging(
            p["style"],
            p.get("items"),
            p["position"],
            p.get("size"),
            p.get("max"),
            p.get("next"),
            p.get("has_next"),
            p.get("pages"),
            p.get("next_item"),
        )
    b = d.get("batch")
    return Operation(
        path=d.get("path", key),
        method=d["method"],
        name=d["name"],
        title=d.get("title", ""),
        section=d.get("section", ""),
        request=d.get("request"),
        response=d.get("response"),
        has_body=d.get("body") != "none",
        path_params=tuple(d.get("path_params", ())),
        paging=paging,
        items=d.get("items") or (paging.items if paging else None),
        batch=Batch(b["field"], b.get("max")) if b else None,
        rate_limits=tuple((int(n), float(s)) for n, s in d.get("rate_limits", ())),
        item_limits=d.get("item_limits"),
        retired=d.get("retired"),
        successor=d.get("successor"),
        deprecated=bool(d.get("deprecated")),
        sources=tuple(d.get("sources", ())),
        file=d.get("file"),
        form=bool(d.get("form")),
        query=tuple(d.get("query", ())),
        key=key,
    )


class _Schemas(Mapping[str, dict[str, Any]]):
    """The schemas by name, each parsed the first time it is read: `schemas.json` holds one a line
    (`"NAME":{...},`, names without quotes or backslashes), so that a call parses the few it needs,
    not the whole file."""

    def __init__(self, text: str) -> None:
        self._lines = text.split("\n")
        self._parsed: dict[str, dict[str, Any]] = {}
        self._line: dict[str, int] = {}
        if not self._lines[0].endswith('"schemas":{') or self._lines[-2:] != ["}}", ""]:
            self._parsed = json.loads(text)["schemas"]  # any other layout: parsed whole
            return
        self._line = {line[1 : line.index('":', 1)]: i for i, line in enumerate(self._lines[1:-2], 1)}

    def __getitem__(self, name: str) -> dict[str, Any]:
        found = self._parsed.get(name)
        if found is None:
            line = self._lines[self._line[name]]
            found = self._parsed[name] = json.loads(line[line.index('":', 1) + 2 :].rstrip(","))
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._line or name in self._parsed

    def __iter__(self) -> Iterator[str]:
        return iter(self._line or self._parsed)

    def __len__(self) -> int:
        return len(self._line or self._parsed)


class Layer:
    """The operations and schemas of one API, read from `folder` on first use (`operations.json`,
    `schemas.json`, written by the API's generator). Cheap to make: nothing is read before a
    question is asked, and a call builds only the operations it uses."""

    def __init__(self, folder: str, name: str = "") -> None:
        self.folder = folder  # os.path, not pathlib: this is on the CLI's start path
        self.name = name
        self._declarations: dict[str, Any] | None = None
        self._operations: dict[str, Operation] | None = None
        self._built: dict[str, Operation] = {}  # operations made so far, by path: a call needs only its own
        self._names: dict[str, str] | None = None
        self._retiring: frozenset[str] | None = None
        self._schemas: _Schemas | None = None

    def __repr__(self) -> str:
        return f"Layer({self.name or self.folder!r})"

    def _read(self, name: str) -> bytes:
        with open(os.path.join(self.folder, name), "rb") as fh:
            return fh.read()

    def declarations(self) -> dict[str, Any]:
        if self._declarations is None:
            self._declarations = json.loads(self._read("operations.json"))
        return self._declarations

    def operations(self) -> dict[str, Operation]:
        """Every operation by path, in path order."""
        if self._operations is None:
            self._operations = {path: self._build(path) for path in self.declarations()["operations"]}
        return self._operations

    def _build(self, path: str) -> Operation:
        op = self._built.get(path)
        if op is None:
            op = self._built[path] = _operation(path, self.declarations()["operations"][path])
        return op

    def operation(self, key: str) -> Operation:
        """An operation by path (`/v3/posting/fbs/list`), name (`v3_posting_fbs_list`), or verb and
        path (`PUT /api/client/campaign/{campaignId}/products`: where two verbs share a path, the
        layer's key is that)."""
        declared = self.declarations()["operations"]
        if key in declared:
            return self._build(key)
        if self._names is None:
            self._names = {d["name"]: path for path, d in declared.items()}
        found = self._names.get(key.replace("-", "_").lower()) if not key.startswith("/") else None
        if found is None and "/" in key:
            found = self._by_path(key)
        if found is None:
            raise KeyError(f"no {self.name or 'API'} operation {key!r}")
        return self._build(found)

    def _by_path(self, key: str) -> str | None:
        """The layer's key of "VERB path" or of a path shared by several verbs (KeyError when a path
        alone does not tell which)."""
        verb, _, path = key.rpartition(" ")
        keys = [k for k, d in self.declarations()["operations"].items() if d.get("path", k) == path]
        if verb:
            keys = [k for k in keys if self.declarations()["operations"][k]["method"] == verb.upper()]
        if len(keys) > 1:
            verbs = " or ".join(self.declarations()["operations"][k]["method"] for k in keys)
            raise KeyError(f"{path} is {verbs}: name the verb, e.g. {keys[-1]!r}")
        return keys[0] if keys else None

    def retiring(self) -> frozenset[str]:
        """The paths of the operations Ozon switches off (or did) on some day: a call to any other
        path needs no look-up of its operation to know it warns of nothing."""
        if self._retiring is None:
            ops = self.declarations()["operations"]
            self._retiring = frozenset(path for path, d in ops.items() if d.get("retired"))
        return self._retiring

    def find(self, key: str) -> Operation | None:
        try:
            return self.operation(key)
        except KeyError:
            return None

    def global_rate_limits(self) -> tuple[tuple[int, float], ...]:
        """The API's limit per account over all its methods."""
        return tuple((int(n), float(s)) for n, s in self.declarations()["global_rate_limits"])

    def schemas(self) -> Mapping[str, dict[str, Any]]:
        """The request and response schemas (a JSON Schema subset; refs are `#/schemas/NAME`), each
        parsed when it is first read."""
        if self._schemas is None:
            self._schemas = _Schemas(self._read("schemas.json").decode("utf-8"))
        return self._schemas

    def resolve(self, node: dict[str, Any] | None) -> dict[str, Any]:
        """`node` with `$ref`s followed ({} for None)."""
        table = self.schemas()
        while node and "$ref" in node:
            node = table[node["$ref"].rsplit("/", 1)[1]]
        return node or {}

    def schema(self, name: str | None) -> dict[str, Any]:
        return self.schemas()[name] if name else {}


def today() -> dt.date:
    """The day switch-off dates are compared with: `OINT_OZON_TODAY` (YYYY-MM-DD), else today (UTC)."""
    text = os.environ.get(TODAY_ENV)
    if text:
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            from oint.core.errors import UsageError

            raise UsageError(f"{TODAY_ENV}: expected a date YYYY-MM-DD, got {text!r}") from None
    return dt.datetime.now(dt.timezone.utc).date()
