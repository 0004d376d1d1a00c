"""oint's one lazy-loading mechanism: a *target* names a module and one of its names, and is imported
the first time it is needed, never before.

A target is a string `"package.module:name"` (or `"package.module"` for the module itself). Every
place that defers an import for start-up speaks it:

- `load(target)` — the object, importing its module if needed (the CLI's command table, the
  sandbox's route index and its hooks, the store's taggers, the MCP command's server);
- `exports(module_name, {name: target})` — the `__getattr__` and `__dir__` of a PEP 562 facade
  (`oint.ozon` and its `types`, `oint.bulk`): a name is loaded when first read and kept in the
  facade's namespace, so a second read costs a plain attribute lookup;
- `Loaded(target)` — a class attribute (a descriptor) holding the target's object once first read,
  as the Seller clients' `layer` is.

Nothing else in oint calls `importlib.import_module` or defines a module `__getattr__` (a test reads
the tree); an import inside a function is kept for optional dependencies (uvicorn, mcp, openpyxl,
keyring) and for the few modules the start-up path must not load (docs/DEVELOPING.md, "Lazy loading").
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar, overload

__all__ = ["Loaded", "exports", "load", "load_module"]

T = TypeVar("T")


def load_module(name: str) -> Any:
    """The module `name`, imported if it is not yet. As an import statement does, this waits while
    another thread is importing it: `__import__` (whose fast path is a look-up in `sys.modules`)
    holds the module's import lock while it runs, where a bare `sys.modules` look-up would hand out
    a half-made module."""
    __import__(name)
    return sys.modules[name]


def load(target: str) -> Any:
    """The object a target names: `"pkg.mod:name"` → `pkg.mod.name`; `"pkg.mod"` → the module."""
    module, _, name = target.partition(":")
    loaded = load_module(module)
    return getattr(loaded, name) if name else loaded


def exports(
    module_name: str, targets: Mapping[str, str], *, more: Callable[[], Mapping[str, Any]] | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__, __dir__` for the facade `module_name` (PEP 562).

    `targets` maps each public name to its target; a name whose target is a bare module name takes
    the attribute of that name from it (`{"Job": "oint.jobs.jobs"}` is `oint.jobs.jobs:Job`).
    `more`, if given, is asked for names not in `targets` (a table of names loaded as a whole, e.g.
    the generated module functions). A loaded name is stored in the facade's namespace."""

    def target_of(name: str) -> str | None:
        target = targets.get(name)
        if target is None or ":" in target:
            return target
        return f"{target}:{name}"

    def __getattr__(name: str) -> Any:
        target = target_of(name)
        if target is not None:
            value = load(target)
        else:
            table = more() if more is not None and not name.startswith("__") else {}
            if name not in table:
                raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
            value = table[name]
        vars(sys.modules[module_name])[name] = value
        return value

    def __dir__() -> list[str]:
        names: Iterable[str] = [*vars(sys.modules[module_name]), *targets, *(more() if more else {})]
        return sorted(set(names))

    return __getattr__, __dir__


class Loaded(Generic[T]):
    """A class attribute whose value is a target's object, loaded on first read and kept:

    class SellerClient(...):
        layer: Loaded[Layer] = Loaded("oint.apis.seller.spec:LAYER")
    """

    __slots__ = ("_target", "_value")

    def __init__(self, target: str) -> None:
        self._target = target
        self._value: T | None = None

    @overload
    def __get__(self, instance: None, owner: type) -> T: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> T:
        value = self._value
        if value is None:
            value = self._value = load(self._target)
        return value

    def __repr__(self) -> str:
        return f"Loaded({self._target!r})"
