"""Transports over httpx: proxies, HTTP/2, custom TLS, `httpx.MockTransport` in tests.

Pass your own `httpx.Client` / `httpx.AsyncClient` (`OzonClient(http_client=...)`), or
let oint build one; oint picks this backend itself when a proxy is configured.
"""

from __future__ import annotations

from typing import Any

import httpx

from oint.ozon.transport.base import RawResponse, TransportError, TransportTimeout


def _raw(resp: httpx.Response) -> RawResponse:
    return RawResponse(resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, resp.content)


class HttpxTransport:
    def __init__(self, base_url: str, client: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._own = client is None
        self._client = client or httpx.Client(trust_env=True)

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
    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._own = client is None
        self._client = client or httpx.AsyncClient(trust_env=True)

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
