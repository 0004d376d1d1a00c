"""Declarations of the OInt Ozon functions, one module per documentation group.

`REGISTRY` is filled here, in OInt's catalogue order within each group.
"""

from __future__ import annotations

from oint.ozon.registry import Registry

REGISTRY = Registry()


def _load() -> None:
    from oint.ozon.methods import products

    for module in (products,):
        REGISTRY.add(*module.METHODS)


_load()
