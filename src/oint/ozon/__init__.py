"""Ozon Seller API: clients, OInt-style functions, errors.

    from oint.ozon import OzonClient, AsyncOzonClient
    import oint.ozon
    oint.ozon.update_product_images(client_id, api_key, product_id, images, color="GREEN")
"""

from __future__ import annotations

from oint.ozon._api import *  # noqa: F403  (OInt-style module functions, generated)
from oint.ozon._api import FUNCTIONS
from oint.ozon.client import AsyncOzonClient, InvalidResponseError, OzonClient
from oint.ozon.errors import (
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
from oint.ozon.methods import REGISTRY
from oint.ozon.retry import RetryPolicy

globals().update(FUNCTIONS)

__all__ = [
    "REGISTRY",
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
    *FUNCTIONS,
]
