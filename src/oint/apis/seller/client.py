"""The Seller API's clients without OInt: the client base (`oint.core.client`) over the Seller
API's operation layer, with one typed method per operation (`client.v3_posting_fbs_list(...)`,
built on first use) besides `call`, `iter_pages`, `iter_items` and `request`."""

from __future__ import annotations

from oint.apis.seller._operations import AsyncOperations, SyncOperations
from oint.apis.seller.spec import LAYER
from oint.core.client import AsyncClientBase, SyncClientBase

__all__ = ["AsyncSellerClient", "SellerClient"]


class SellerClient(SyncClientBase, SyncOperations):
    """Synchronous Seller API client (arguments: see `oint.ozon.OzonClient`)."""

    layer = LAYER


class AsyncSellerClient(AsyncClientBase, AsyncOperations):
    """Asynchronous Seller API client (arguments: see `oint.ozon.OzonClient`)."""

    layer = LAYER
