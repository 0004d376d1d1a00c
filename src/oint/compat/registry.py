"""The method registry: every OInt Ozon function declared once.

A `Method` holds the EN and RU names, group, Python name, typed parameters with
their CLI options, the endpoint and how arguments become the JSON body. The sync
and async clients, the OInt-style module functions, the CLI, its help pages and
the docs are all derived from `REGISTRY`.

Building a request is pure: `method.build(values)` returns a `Request`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from oint.compat.values import Kind, is_filled
from oint.core.errors import UsageError
from oint.core.flow import Request

if TYPE_CHECKING:
    from oint.apis.seller.spec import Operation
    from oint.compat.flows import Current

GROUPS: dict[str, tuple[str, str]] = {
    # slug: (English title, Russian title) as in OInt's documentation folders
    "Attributes-and-features": ("Attributes and features", "Атрибуты и характеристики"),
    "Uploading-and-updating-products": ("Uploading and updating products", "Загрузка и обновление товаров"),
    "Barcodes": ("Barcodes", "Штрихкоды"),
    "Prices-and-stocks": ("Prices and stocks", "Цены и остатки"),
    "Promotions-management": ("Promotions management", "Управление акциями"),
    "Warehouses-management": ("Warehouses management", "Управление складами"),
    "Fbo-scheme": ("FBO scheme", "Схема FBO"),
}


class Param(NamedTuple):
    """One parameter: Python name, CLI option, OInt names, kind, and where it goes in the body.

    `field` is the body key (None: not sent directly). `convert` shapes a filled value for
    the body (applied to each item of an array kind when `per_item` is true). Values that
    are not "filled" (OInt's rule: "", 0, False, empty) are left out, unless `empty` gives
    a value to send instead.
    """

    name: str
    cli: str
    kind: Kind
    ru: str
    en: str
    doc: str
    type_doc: str
    required: bool = False
    default: Any = None
    field: str | None = None
    convert: Callable[[Any], Any] | None = None
    per_item: bool = False
    empty: Any = None


class Method(NamedTuple):
    """One OInt function. API methods name their `operation` (a path of the operation layer,
    `oint.apis.seller.spec`, which knows its verb, limits and retirement); local helpers have a
    `local` callable instead. Where Ozon switched the operation off, `current` is the function
    built on its successors (a flow, `oint.compat.flows`); `oint.compat.policy` chooses between them."""

    name_en: str
    name_ru: str
    group: str
    python: str
    summary: str
    params: tuple[Param, ...]
    operation: str | None = None
    local: Callable[..., Any] | None = None
    fixed: dict[str, Any] | None = None  # constant body fields, e.g. {"limit": "200"}
    notes: tuple[str, ...] = ()
    example: str = ""
    send_body: bool = True  # False: OInt sends this POST without a body
    current: Current | None = None  # the current implementation, where Ozon switched `operation` off

    @property
    def calls_api(self) -> bool:
        return self.operation is not None

    @property
    def endpoint(self) -> Operation | None:
        """The operation this method calls (None for a local helper); read on first use."""
        if self.operation is None:
            return None
        from oint.apis.seller.spec import operation

        return operation(self.operation)

    @property
    def rate_limit(self) -> tuple[int, float] | None:
        """Ozon's tightest-window limit of the operation per account (calls, seconds), if any."""
        op = self.endpoint
        return op.rate_limits[0] if op is not None and op.rate_limits else None

    def normalise(self, values: Sequence[Any]) -> list[Any]:
        """Check required values and normalise each by its kind (raises UsageError)."""
        out = []
        for p, v in zip(self.params, values, strict=True):
            v = p.kind.normalise(v, p.cli)
            if p.required and self._missing(v):
                raise UsageError(f"{self.name_en}: missing required option --{p.cli}")
            out.append(v)
        return out

    def _missing(self, value: Any) -> bool:
        """A required value is missing when not given or an empty list; an empty object {}
        counts as missing for API calls (Ozon would refuse it), not for local helpers."""
        if value is None or value == "" or value == []:
            return True
        return self.calls_api and isinstance(value, dict) and not value

    def build(self, values: Sequence[Any]) -> Request:
        """The request for these parameter values (in `params` order). Pure."""
        op = self.endpoint
        assert op is not None, f"{self.name_en} is a local helper"
        body: dict[str, Any] = dict(self.fixed) if self.fixed else {}
        for p, v in zip(self.params, self.normalise(values), strict=True):
            if p.field is None:
                continue
            if is_filled(v):
                if p.convert is not None:
                    v = [p.convert(x) for x in v] if p.per_item else p.convert(v)
                if is_filled(v):
                    body[p.field] = v
                    continue
            if p.empty is not None:
                body[p.field] = p.empty() if callable(p.empty) else p.empty
        count = op.over_batch(body)
        if count is not None:
            assert op.batch is not None
            param = next((p for p in self.params if p.field == op.batch.field), None)
            option = f"--{param.cli}" if param is not None else op.batch.field
            raise UsageError(f"{self.name_en}: {op.batch_error(option, count)}")
        has_body = self.send_body and op.method != "GET"
        return Request(op.method, op.path, body if has_body else None)

    def run_local(self, values: Sequence[Any]) -> Any:
        assert self.local is not None
        return self.local(*self.normalise(values))

    def bind(self, args: Sequence[Any], kwargs: dict[str, Any]) -> list[Any]:
        """Positional and keyword Python arguments to a values list (for dynamic callers)."""
        if len(args) > len(self.params):
            raise UsageError(f"{self.name_en}() takes {len(self.params)} arguments, got {len(args)}")
        values = list(args) + [p.default for p in self.params[len(args) :]]
        names = {p.name: i for i, p in enumerate(self.params)}
        for k, v in kwargs.items():
            if k not in names:
                raise UsageError(f"{self.name_en}() got an unexpected argument {k!r}")
            values[names[k]] = v
        return values


class Registry:
    """All methods, looked up by Python name or, case-insensitively, by EN or RU name."""

    def __init__(self) -> None:
        self._methods: list[Method] = []
        self._by_key: dict[str, Method] = {}

    def add(self, *methods: Method) -> None:
        for m in methods:
            for key in (m.name_en.casefold(), m.name_ru.casefold(), m.python.casefold()):
                if key in self._by_key and self._by_key[key] is not m:
                    raise ValueError(f"duplicate method name {key!r}")
                self._by_key[key] = m
            self._methods.append(m)

    def get(self, name: str) -> Method | None:
        return self._by_key.get(name.casefold().replace("-", "_") if "-" in name else name.casefold())

    def __getitem__(self, name: str) -> Method:
        m = self.get(name)
        if m is None:
            raise KeyError(name)
        return m

    def __iter__(self) -> Iterator[Method]:
        return iter(self._methods)

    def __len__(self) -> int:
        return len(self._methods)

    def by_endpoint(self, path: str) -> Method | None:
        for m in self._methods:
            if m.operation == path:
                return m
        return None


def P(
    name: str,
    cli: str,
    kind: Kind,
    *,
    ru: str,
    en: str,
    doc: str,
    type_doc: str,
    required: bool = False,
    default: Any = None,
    field: str | None = None,
    convert: Callable[[Any], Any] | None = None,
    per_item: bool = False,
    empty: Any = None,
) -> Param:
    """Shorthand for declaring a `Param`."""
    return Param(name, cli, kind, ru, en, doc, type_doc, required, default, field, convert, per_item, empty)
