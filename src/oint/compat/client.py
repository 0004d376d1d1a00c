"""The Ozon Seller API clients: `OzonClient` (sync) and `AsyncOzonClient` (async).

Each is the Seller API's client (`oint.apis.seller.client`: the client base of `oint.core.client`
over the Seller API's layer, with its typed operations) that runs OInt's functions
(`oint.compat.base`), plus one typed method per OInt function, generated from the registry
(`oint.compat._api`).
"""

from __future__ import annotations

from oint.compat._api import AsyncMethods, SyncMethods
from oint.compat.base import AsyncOIntClient, SyncOIntClient
from oint.core.client import InvalidResponseError

__all__ = ["AsyncOzonClient", "InvalidResponseError", "OzonClient"]


class OzonClient(SyncOIntClient, SyncMethods):
    """Synchronous Ozon Seller API client.

    >>> with OzonClient(client_id="2128753", api_key="...") as ozon:
    ...     ozon.update_product_images(1111588191, ["https://example.com/1.jpg"], color="GREEN")

    Credentials come from the arguments or `OZON_CLIENT_ID` / `OZON_API_KEY`; the server
    from `base_url` or `OZON_BASE_URL`. `profile="shop1"` (or `OINT_PROFILE`) takes what the
    arguments leave out from a profile of oint's config file, before the environment
    (`oint.core.profiles`). `transport` takes any `SyncTransport` — e.g. the sandbox in-process,
    `transport=oint.sandbox.connect()`, which brings the demo account's keys and needs none —
    `http_client` any `httpx.Client`; `sandbox=True` (or a state file) is short for the sandbox's
    transport, found through the entry point `oint.transports` (`oint.core.transport.providers`).
    `timeout` (seconds), `max_retries` or `retry=RetryPolicy(...)`, and `rate_limit`
    (default: Ozon's limits against Ozon's host only) tune the behaviour. `api` ("auto",
    "legacy" or "current"; default `OINT_OZON_API`, else "auto") chooses the endpoint of the OInt
    functions whose endpoints Ozon switched off (`oint.compat.policy`). `max_connections` sizes the
    keep-alive pool (default `oint.core.transport.fast.DEFAULT_MAX_CONNECTIONS`); connections open
    only as concurrent calls need them. `ca_file` names a PEM file of CA certificates to trust
    besides the system's (a corporate proxy, a test server; a profile may set it too). `debug=True`
    logs every request and answer, the Api-Key redacted (logger "oint.ozon.http"; stderr unless
    logging is set up). `limits` keeps Ozon's windows where several processes share them:
    "sqlite:///PATH" (one machine), "redis://HOST:PORT/DB" (several), "local" (default: the process;
    or a profile's `limits`, or `OINT_LIMITS`; see `oint.core.limits`). A `transport` of your own
    that has no `base_url` attribute needs `base_url=`: the client must know whether it talks to
    Ozon (Ozon's limits, retirement warnings).
    """


class AsyncOzonClient(AsyncOIntClient, AsyncMethods):
    """Asynchronous twin of `OzonClient`: the same arguments and methods, awaitable."""
