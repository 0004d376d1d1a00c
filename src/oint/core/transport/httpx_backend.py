"""Transports over httpx: proxies, HTTP/2, custom TLS, `httpx.MockTransport` in tests.

Pass your own `httpx.Client` / `httpx.AsyncClient` (`OzonClient(http_client=...)`), or
let oint build one; oint picks this backend itself when a proxy is configured.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from oint.core.transport.base import RawResponse, TransportError, TransportTimeout, certificate_error


def _raw(resp: httpx.Response) -> RawResponse:
    return RawResponse(resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, resp.content)


def _options(max_connections: int | None, ssl_context: ssl.SSLContext | None) -> dict[str, Any]:
    """httpx's default limits, or a pool of `max_connections` (all of them kept alive); the TLS
    context to verify servers with, when one is given."""
    options: dict[str, Any] = {}
    if max_connections is not None:
        options["limits"] = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
    if ssl_context is not None:
        options["verify"] = ssl_context
    return options


def _transport_error(e: httpx.HTTPError) -> TransportError:
    cause: BaseException | None = e
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            why = cause.verify_message or cause.reason or "verification failed"
            return certificate_error(f"{type(e).__name__}", why)
        cause = cause.__cause__ or cause.__context__
    return TransportError(f"{type(e).__name__}: {e}")


class HttpxTransport:
    def __init__(
        self,
        base_url: str,
        client: httpx.Client | None = None,
        *,
        max_connections: int | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`max_connections` sizes the pool of the client built here (not of a client passed in),
        `ssl_context` verifies its servers."""
        self.base_url = base_url.rstrip("/")
        self._own = client is None
        self._client = client or httpx.Client(trust_env=True, **_options(max_connections, ssl_context))

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        try:
            resp = self._client.request(
                method, self.base_url + path, headers=headers, content=body, timeout=timeout
            )
        except httpx.TimeoutException as e:
            raise TransportTimeout(f"timed out ({type(e).__name__})") from None
        except httpx.HTTPError as e:
            raise _transport_error(e) from None
        return _raw(resp)

    def close(self) -> None:
        if self._own:
            self._client.close()


class AsyncHttpxTransport:
    def __init__(
        self,
        base_url: str,
        client: httpx.AsyncClient | None = None,
        *,
        max_connections: int | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`max_connections` sizes the pool of the client built here (not of a client passed in),
        `ssl_context` verifies its servers."""
        self.base_url = base_url.rstrip("/")
        self._own = client is None
        self._client = client or httpx.AsyncClient(trust_env=True, **_options(max_connections, ssl_context))

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        try:
            resp = await self._client.request(
                method, self.base_url + path, headers=headers, content=body, timeout=timeout
            )
        except httpx.TimeoutException as e:
            raise TransportTimeout(f"timed out ({type(e).__name__})") from None
        except httpx.HTTPError as e:
            raise _transport_error(e) from None
        return _raw(resp)

    async def aclose(self) -> None:
        if self._own:
            await self._client.aclose()


__all__: list[Any] = ["AsyncHttpxTransport", "HttpxTransport"]
