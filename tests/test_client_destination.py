"""Where a client sends (issue 15, item 11): it takes the base URL from the transport it is given,
so that Ozon's rate limits and the warnings about switched-off endpoints apply against Ozon only;
a transport that does not say where it sends needs `base_url=`, else a clear refusal."""

from __future__ import annotations

import asyncio
import socket
import warnings
from typing import Any, BinaryIO

import pytest
from test_transport_fast import ScriptServer, answer

from oint.apis.seller.spec import operations
from oint.compat.policy import today
from oint.core.client import OZON_BASE_URL
from oint.core.errors import RetiredEndpointWarning
from oint.core.transport.base import RawResponse
from oint.core.transport.fast import FastTransport
from oint.core.transport.fast_async import AsyncFastTransport
from oint.ozon import AsyncOzonClient, OzonClient, UsageError


class Unnamed:
    """A transport of the user's that does not tell where it sends."""

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        return RawResponse(200, {"content-type": "application/json"}, b"{}")

    def close(self) -> None:
        pass


@pytest.fixture(autouse=True)
def _no_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OZON_BASE_URL", raising=False)


def test_the_client_sends_where_the_fast_transport_does() -> None:
    with OzonClient("1", "key", transport=FastTransport("http://127.0.0.1:9/prefix/")) as local:
        assert local.base_url == "http://127.0.0.1:9/prefix"
        assert local.rate_limit is False and local._at_ozon is False
    with OzonClient("1", "key", transport=FastTransport(OZON_BASE_URL)) as ozon:
        assert ozon.base_url == OZON_BASE_URL
        assert ozon.rate_limit is True and ozon._at_ozon is True


def test_the_async_client_sends_where_its_transport_does() -> None:
    async def main() -> None:
        async with AsyncOzonClient("1", "key", transport=AsyncFastTransport("http://[::1]:9")) as local:
            assert local.base_url == "http://[::1]:9"
            assert local.rate_limit is False and local._at_ozon is False

    asyncio.run(main())


def test_a_retirement_warning_on_any_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16: a switched-off operation warns wherever the client sends it, not only at Ozon's
    host (a proxy, a mirror, a test server answer as Ozon does), with its date and successor."""
    import oint.core.client as base_client

    monkeypatch.setattr(base_client, "_WARNED_RETIRED", set())
    monkeypatch.setenv("OINT_OZON_TODAY", "2026-12-07")  # a fixed day, not this machine's clock
    day = today()
    retired = next(
        op for op in operations().values() if op.retired_on(day) and op.successor and op.method == "POST"
    )

    def handler(sock: socket.socket, f: BinaryIO, i: int) -> None:
        while srv.read(f) is not None:
            sock.sendall(answer(b"{}", b"Content-Type: application/json\r\n"))

    with ScriptServer(handler) as srv, OzonClient("1", "key", transport=FastTransport(srv.url)) as ozon:
        with pytest.warns(RetiredEndpointWarning) as caught:
            assert ozon.request("POST", retired.path, {}) == {}
        assert [str(w.message) for w in caught] == [
            f"{retired} was switched off by Ozon on {retired.retired}; its successor is {retired.successor}"
        ]
        with warnings.catch_warnings():
            warnings.simplefilter("error", RetiredEndpointWarning)
            assert ozon.request("POST", retired.path, {}) == {}  # once per process


def test_a_transport_without_base_url_needs_one(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError) as ei:
        OzonClient("1", "key", transport=Unnamed())
    text = str(ei.value)
    assert "Unnamed does not say where it sends" in text and "pass base_url=" in text
    with pytest.raises(UsageError, match="does not say where it sends"):
        AsyncOzonClient("1", "key", transport=Unnamed())
    told = OzonClient("1", "key", transport=Unnamed(), base_url="http://127.0.0.1:9")
    assert (told.base_url, told.rate_limit) == ("http://127.0.0.1:9", False)
    at_ozon = OzonClient("1", "key", transport=Unnamed(), base_url=OZON_BASE_URL)
    assert at_ozon.rate_limit is True  # said so: Ozon's limits apply
    monkeypatch.setenv("OZON_BASE_URL", "http://127.0.0.1:8")
    from_env: Any = OzonClient("1", "key", transport=Unnamed())
    assert from_env.base_url == "http://127.0.0.1:8"
