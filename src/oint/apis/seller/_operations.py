"""One client method per Seller API operation, made on first use.

`OzonClient` / `AsyncOzonClient` mix these classes in: `client.v3_posting_fbs_list(body)` calls
`POST /v3/posting/fbs/list`, `client.iter_v3_posting_fbs_list(body)` walks its pages. Their
types and docs are in the generated stub `_operations.pyi` (what mypy and editors read); here
each method is built from the operation layer the first time it is looked up, then kept on the
class, so that importing the client does not pay for ~500 operations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


def _make(name: str, is_async: bool) -> Callable[..., Any] | None:
    from oint.apis.seller.spec import find

    iterator = name.startswith("iter_")
    op = find(name[5:] if iterator else name)
    if op is None or op.name != (name[5:] if iterator else name):
        return None
    path, params = op.path, op.path_params
    if iterator:
        if op.paging is None or not op.paging.items or params:
            return None

        def method(self: Any, body: Any = None) -> Any:
            return self.iter_items(path, body)

        doc = f"Every item of every page of `{path}`, as large pages as Ozon allows."
    elif is_async:

        async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            body, values = _bind_arguments(params, args, kwargs)
            return await self.call(path, body, **values)

        doc = f"`{op.method} {path}`" + (f": {op.title}" if op.title else "")
    else:

        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            body, values = _bind_arguments(params, args, kwargs)
            return self.call(path, body, **values)

        doc = f"`{op.method} {path}`" + (f": {op.title}" if op.title else "")
    method.__name__ = name
    method.__doc__ = doc
    return method


class _Operations:
    _is_async = False

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not name[:1].isalpha():
            raise AttributeError(name)
        method = _make(name, self._is_async)
        if method is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        method.__qualname__ = f"{type(self).__name__}.{name}"
        setattr(type(self), name, method)  # later lookups find it on the class
        return getattr(self, name)

    def __dir__(self) -> list[str]:
        from oint.apis.seller.spec import operations

        names = set(super().__dir__())
        for op in operations().values():
            names.add(op.name)
            if op.paging is not None and op.paging.items and not op.path_params:
                names.add("iter_" + op.name)
        return sorted(names)


class SyncOperations(_Operations):
    """The Seller API's operations as methods of OzonClient (typed in `_operations.pyi`)."""


class AsyncOperations(_Operations):
    """The Seller API's operations as methods of AsyncOzonClient (typed in `_operations.pyi`)."""

    _is_async = True
