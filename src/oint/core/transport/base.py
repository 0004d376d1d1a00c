"""The transport contract: send one HTTP request, return status, headers and body bytes.

A transport knows nothing of Ozon: no auth, no retries, no JSON. The client
(`oint.core.client`) does those once for every transport. Implementations:

- `oint.core.transport.fast`: lean HTTP/1.1 keep-alive pools (stdlib sockets,
  asyncio) with httptools parsing; the default.
- `oint.core.transport.httpx_backend`: any `httpx.Client` / `httpx.AsyncClient`
  (proxies, HTTP/2, mock transports, custom TLS).
- transports of other packages, e.g. the sandbox in-process (`oint.sandbox.connect()`), no
  sockets at all; `OzonClient(sandbox=True)` finds it by name (`providers`).

Two optional attributes the client reads from any transport: `base_url` (where it sends; the
client takes it as its own, e.g. "sandbox:", which keeps Ozon's rate limits off) and
`default_credentials` (client id and key used when the caller gives none, e.g. the sandbox's
demo account). An API with other credentials reads its own attribute instead (the client class's
`default_credentials_attribute`): the Performance API's clients read `default_performance_credentials`
(its client id and client secret).

An optional method read by the exports: `server_time()`, the server's notion of now in epoch
seconds, for a server that plays its own time (the sandbox's clock); without it, the machine's.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class RawResponse:
    """What came back: status, headers with lower-case names, and the body bytes."""

    __slots__ = ("content", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str] | None = None, content: bytes = b"") -> None:
        self.status = status
        self.headers = headers if headers is not None else {}
        self.content = content

    def __repr__(self) -> str:
        return f"RawResponse(status={self.status}, headers={self.headers!r}, content={self.content[:200]!r})"


class TransportError(Exception):
    """The request could not be completed (connection refused, reset, bad HTTP)."""


class TransportTimeout(TransportError):
    """Connecting, sending or reading took longer than the timeout."""


class TransportCertificateError(TransportError):
    """The server's TLS certificate was not trusted (no use trying again)."""


CA_HINT = "to trust a private CA: ca_file= (CLI: --ca-file FILE) or SSL_CERT_FILE"


def certificate_error(what: str, reason: str) -> TransportCertificateError:
    """The one-line error of an untrusted certificate: what failed, why, and how to trust a CA."""
    return TransportCertificateError(f"{what}: TLS certificate not trusted ({reason}); {CA_HINT}")


@runtime_checkable
class SyncTransport(Protocol):
    """Sends requests to one base URL; `path` includes any query string."""

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse: ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncTransport(Protocol):
    """The async twin of `SyncTransport`."""

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse: ...

    async def aclose(self) -> None: ...
