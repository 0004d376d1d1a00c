"""The Seller API's generated types (`TypedDict`s), under their public name: `oint.ozon.types.X`.
They live in `oint.apis.seller.types`; this module re-exports them, loading them on first use
(`oint.core.lazy.exports`, PEP 562), as `oint.ozon` does its names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oint.core.lazy import exports, load

if TYPE_CHECKING:
    from oint.apis.seller.types import *  # noqa: F403


def _types() -> dict[str, Any]:
    types: dict[str, Any] = vars(load("oint.apis.seller.types"))
    return types


__getattr__, __dir__ = exports(__name__, {}, more=_types)
