"""OInt-style module functions: credentials first, one call, the parsed JSON back.

`oint.ozon.update_product_images(client_id, api_key, product_id, images, ...)` keeps one
client (and its keep-alive connections) per credentials and server for the process.
Keyword options: `base_url=...`, `sandbox=True|path`, `timeout=...`, `max_retries=...`.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

from oint.compat.registry import Method

_CLIENTS: dict[tuple[Any, ...], Any] = {}
_LOCK = threading.Lock()


def call(
    method: Method, client_id: Any, api_key: Any, values: tuple[Any, ...], options: dict[str, Any]
) -> Any:
    from oint.compat.base import SyncOIntClient

    key = (str(client_id), str(api_key), tuple(sorted((k, str(v)) for k, v in options.items())))
    with _LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            client = _CLIENTS[key] = SyncOIntClient(client_id, api_key, **options)
    return client._call(method, values)


@atexit.register
def close_all() -> None:
    """Close the cached clients (also run at exit)."""
    with _LOCK:
        for c in _CLIENTS.values():
            c.close()
        _CLIENTS.clear()
