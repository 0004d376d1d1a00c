"""Transports over httpx: proxies, HTTP/2, custom TLS, `httpx.MockTransport` in tests.

Pass your own `httpx.Client` / `httpx.AsyncClient` (`OzonClient(http_client=...)`), or
let oint build one; oint picks this backend itself when a proxy is configured.
"""

from __future__ import annotations

from typing import Any

import httpx

from oint.core.transport.base import RawResponse, TransportError, TransportTimeout


def _raw(resp: httpx.Response) -> RawResponse:
    return RawResponse(resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, resp.content)


def _limits(max_connections: int | None) -> dict[str, Any]:
    """httpx's default limits, or a pool of `max_connections` (all of them kept alive)."""
    if max_connections is None:
        return {}
    return {
        "limits": httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    }


class HttpxTransport:
    def __init__(
        self, base_url: str, client: httpx.Client | None = None, *, max_connections: int | None = None
    ) -> None:
        """`max_connections` sizes the pool of the client built here (not of a client passed in)."""
        self.base_url = base_url.rstrip("/")
        self._own = client is None
        self._client = client or httpx.Client(trust_env=True, **_limits(max_connections))

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
            raise TransportError(f"{type(e).__name__}: {e}") from None
        return _raw(resp)

    def close(self) -> None:
        if self._own:
            self._client.close()


class AsyncHttpxTransport:
    def __init__(
        self, base_url: str, client: httpx.AsyncClient | None = None, *, max_connections: int | None = None
    ) -> None:
        """`max_connections` sizes the pool of the client built here (not of a client passed in)."""
        self.base_url = base_url.rstrip("/")
        self._own = client is None
        self._client = client or httpx.AsyncClient(trust_env=True, **_limits(max_connections))

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
            raise TransportError(f"{type(e).__name__}: {e}") from None
        return _raw(resp)

    async def aclose(self) -> None:
        if self._own:
            await self._client.aclose()


__all__: list[Any] = ["AsyncHttpxTransport", "HttpxTransport"]
