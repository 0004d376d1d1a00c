"""The Seller API's clients without OInt: the client base (`oint.core.client`) over the Seller
API's operation layer, with one typed method per operation (`client.v3_posting_fbs_list(...)`,
built on first use) besides `call`, `iter_pages`, `iter_items`, `request` and `send_raw`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oint.apis.seller._operations import AsyncOperations, SyncOperations
from oint.core.client import AsyncClientBase, SyncClientBase
from oint.core.lazy import Loaded

if TYPE_CHECKING:
    from oint.core.layer import Layer

__all__ = ["AsyncSellerClient", "SellerClient"]

# the clients' `layer`: the Seller API's operation layer, imported when first read, then kept
SELLER_LAYER: Loaded[Layer] = Loaded("oint.apis.seller.spec:LAYER")


class SellerClient(SyncClientBase, SyncOperations):
    """Synchronous Seller API client (arguments: see `oint.ozon.OzonClient`)."""

    layer = SELLER_LAYER


class AsyncSellerClient(AsyncClientBase, AsyncOperations):
    """Asynchronous Seller API client (arguments: see `oint.ozon.OzonClient`)."""

    layer = SELLER_LAYER
