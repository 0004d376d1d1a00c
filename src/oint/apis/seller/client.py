"""The Seller API's clients without OInt: the client base (`oint.core.client`) over the Seller
API's operation layer, with one typed method per operation (`client.v3_posting_fbs_list(...)`,
built on first use) besides `call`, `iter_pages`, `iter_items`, `request` and `send_raw`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oint.apis.seller._operations import AsyncOperations, SyncOperations
from oint.core.client import AsyncClientBase, SyncClientBase

if TYPE_CHECKING:
    from oint.core.layer import Layer

__all__ = ["AsyncSellerClient", "SellerClient"]


class _SellerLayer:
    """`layer` of the Seller API's clients: `oint.apis.seller.spec.LAYER`, imported when first asked
    for, so that importing a client does not load the operation layer's module; kept from then on
    (a call reads `layer` several times: an import statement each time cost ~0.7 µs)."""

    _layer: Layer | None = None

    def __get__(self, client: object, owner: type | None = None) -> Layer:
        layer = self._layer
        if layer is None:
            from oint.apis.seller.spec import LAYER

            layer = self._layer = LAYER
        return layer


class SellerClient(SyncClientBase, SyncOperations):
    """Synchronous Seller API client (arguments: see `oint.ozon.OzonClient`)."""

    layer = _SellerLayer()  # a descriptor that gives the Layer


class AsyncSellerClient(AsyncClientBase, AsyncOperations):
    """Asynchronous Seller API client (arguments: see `oint.ozon.OzonClient`)."""

    layer = _SellerLayer()  # a descriptor that gives the Layer
