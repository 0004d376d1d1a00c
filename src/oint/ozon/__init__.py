"""Ozon Seller API: clients, OInt-style functions, errors.

    from oint.ozon import OzonClient, AsyncOzonClient
    import oint.ozon
    oint.ozon.update_product_images(client_id, api_key, product_id, images, color="GREEN")

Names are loaded on first use (`oint.core.lazy.exports`, PEP 562) so that the CLI starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oint.core.errors import (
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
    OzonWarning,
    PermissionDeniedError,
    RateLimitError,
    RetiredEndpointWarning,
    SuccessorWarning,
    UsageError,
)
from oint.core.hints import set_batch_hint
from oint.core.lazy import exports, load
from oint.jobs import batch_hint

set_batch_hint(batch_hint)  # a too-large batch's message names the bulk command (oint.bulk)

if TYPE_CHECKING:
    from oint.compat._api import *  # noqa: F403
    from oint.compat.client import AsyncOzonClient, InvalidResponseError, OzonClient
    from oint.compat.methods import REGISTRY
    from oint.core.retry import RetryPolicy


def _functions() -> dict[str, Any]:
    """OInt's module functions (`update_product_images`, ...), generated in `oint.compat._api`."""
    functions: dict[str, Any] = load("oint.compat._api:FUNCTIONS")
    return functions


__getattr__, __dir__ = exports(
    __name__,
    {
        "OzonClient": "oint.compat.client",
        "AsyncOzonClient": "oint.compat.client",
        "InvalidResponseError": "oint.core.client",
        "REGISTRY": "oint.compat.methods",
        "RetryPolicy": "oint.core.retry",
    },
    more=_functions,
)


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
    "OzonWarning",
    "PermissionDeniedError",
    "RateLimitError",
    "RetiredEndpointWarning",
    "RetryPolicy",
    "SuccessorWarning",
    "UsageError",
]
