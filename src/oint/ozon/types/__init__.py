"""The Seller API's generated types (`TypedDict`s), under their public name: `oint.ozon.types.X`.
They live in `oint.apis.seller.types`; this module re-exports them, loading them on first use
(PEP 562), as `oint.ozon` does its names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oint.apis.seller.types import *  # noqa: F403


def __getattr__(name: str) -> Any:
    import importlib

    value = getattr(importlib.import_module("oint.apis.seller.types"), name)
    globals()[name] = value
    return value
