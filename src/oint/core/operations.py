"""One client method per operation of an API, made on first use from the client class's `layer`.

An API's clients mix these classes in (`oint.apis.seller.client`): `client.v3_posting_fbs_list(body)`
calls `POST /v3/posting/fbs/list`, `client.iter_v3_posting_fbs_list(body)` walks its pages. Their
types and docs are in the API's generated stub (`oint/apis/seller/_operations.pyi`, what mypy and
editors read); here each method is built from the operation layer the first time it is looked up,
then kept on the class, so that importing a client does not pay for hundreds of operations (the
methods' side of `oint.core.lazy`: the class's `layer` is a `Loaded` target, read on first use).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from oint.core.layer import Layer

__all__ = ["AsyncOperations", "SyncOperations"]


def _bind_arguments(
    path_params: tuple[str, ...], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """Positional/keyword arguments as (body, path parameters): path parameters first, then body."""
    if len(args) > len(path_params) + 1:
        raise TypeError(f"expected at most {len(path_params) + 1} positional arguments, got {len(args)}")
    values = dict(zip(path_params, args[: len(path_params)], strict=False))
    body = args[len(path_params)] if len(args) > len(path_params) else kwargs.pop("body", None)
    for name, value in kwargs.items():
        if name not in path_params or name in values:
            raise TypeError(f"unexpected argument {name!r}")
        values[name] = value
    return body, values


def _make(layer: Layer, name: str, is_async: bool) -> Callable[..., Any] | None:
    iterator = name.startswith("iter_")
    op = layer.find(name[5:] if iterator else name)
    if op is None or op.name != (name[5:] if iterator else name):
        return None
    path, params = op.path, op.path_params
    method: Callable[..., Any]
    if iterator:
        if op.paging is None or not op.paging.items or params:
            return None

        def each_item(self: Any, body: Any = None) -> Any:
            return self.iter_items(path, body)

        method, doc = each_item, f"Every item of every page of `{path}`, as large pages as Ozon allows."
    elif is_async:

        async def async_call(self: Any, *args: Any, **kwargs: Any) -> Any:
            body, values = _bind_arguments(params, args, kwargs)
            return await self.call(path, body, **values)

        method, doc = async_call, f"`{op.method} {path}`" + (f": {op.title}" if op.title else "")
    else:

        def sync_call(self: Any, *args: Any, **kwargs: Any) -> Any:
            body, values = _bind_arguments(params, args, kwargs)
            return self.call(path, body, **values)

        method, doc = sync_call, f"`{op.method} {path}`" + (f": {op.title}" if op.title else "")
    method.__name__ = name
    method.__doc__ = doc
    return method


class _Operations:
    _is_async = False
    layer: ClassVar[Layer]  # set by the API's client class

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not name[:1].isalpha():
            raise AttributeError(name)
        method = _make(type(self).layer, name, self._is_async)
        if method is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        method.__qualname__ = f"{type(self).__name__}.{name}"
        setattr(type(self), name, method)  # later lookups find it on the class
        return getattr(self, name)

    def __dir__(self) -> list[str]:
        names = set(super().__dir__())
        for op in type(self).layer.operations().values():
            names.add(op.name)
            if op.paging is not None and op.paging.items and not op.path_params:
                names.add("iter_" + op.name)
        return sorted(names)


class SyncOperations(_Operations):
    """An API's operations as methods of its synchronous client."""


class AsyncOperations(_Operations):
    """An API's operations as (async) methods of its asynchronous client."""

    _is_async = True
