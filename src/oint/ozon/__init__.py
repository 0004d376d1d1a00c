"""Ozon Seller API: clients, OInt-style functions, errors.

    from oint.ozon import OzonClient, AsyncOzonClient
    import oint.ozon
    oint.ozon.update_product_images(client_id, api_key, product_id, images, color="GREEN")

Names are loaded on first use (PEP 562) so that the CLI starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oint.ozon.errors import (
    APICertificateError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GoneError,
    InternalServerError,
    NotFoundError,
    OzonError,
    PermissionDeniedError,
    RateLimitError,
    UsageError,
)

if TYPE_CHECKING:
    from oint.ozon._api import *  # noqa: F403
    from oint.ozon.client import AsyncOzonClient, InvalidResponseError, OzonClient
    from oint.ozon.methods import REGISTRY
    from oint.ozon.retry import RetryPolicy

_LAZY = {
    "OzonClient": "oint.ozon.client",
    "AsyncOzonClient": "oint.ozon.client",
    "InvalidResponseError": "oint.ozon.base_client",
    "REGISTRY": "oint.ozon.methods",
    "RetryPolicy": "oint.ozon.retry",
}


def __getattr__(name: str) -> Any:
    import importlib

    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    else:
        from oint.ozon._api import FUNCTIONS

        if name not in FUNCTIONS:
            raise AttributeError(f"module 'oint.ozon' has no attribute {name!r}")
        value = FUNCTIONS[name]
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    from oint.ozon._api import FUNCTIONS

    return sorted([*globals(), *_LAZY, *FUNCTIONS])


__all__ = [
    "REGISTRY",
    "APICertificateError",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncOzonClient",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "GoneError",
    "InternalServerError",
    "InvalidResponseError",
    "NotFoundError",
    "OzonClient",
    "OzonError",
    "PermissionDeniedError",
    "RateLimitError",
    "RetryPolicy",
    "UsageError",
]
