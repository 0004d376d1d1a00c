"""A local emulator of the Ozon Seller API.

- `model/`: pure, stateful logic of seller accounts (catalogue, tasks, images, prices,
  stocks, warehouses, promotions, FBO drafts), persisted through `store.Store` (SQLite).
- `core.Sandbox.handle`: Ozon's protocol around the model — routes, auth headers,
  rate limits, injected faults, error bodies, and request bodies checked against the
  operation layer's request schemas (`oint.core.validate`, for every operation) before the
  model sees them. No sockets.
- Adapters: `app` (ASGI, served by `oint sandbox serve`) and `transport` (in-process:
  `OzonClient(transport=oint.sandbox.connect())`, `--sandbox`, `OzonClient(sandbox=True)`).

Importing this package is cheap: the core loads when a transport makes its sandbox, and a request
loads only the model module that owns its route (`oint.sandbox.model`).
"""

from oint.sandbox.transport import AsyncSandboxTransport, SandboxTransport, connect, connect_async

__all__ = ["AsyncSandboxTransport", "SandboxTransport", "connect", "connect_async"]
