"""`send_raw` of the client base: the public seam the bulk jobs drive the client through (one
attempt with the client's credentials and timeout, the answer as it came, transport failures as
the client's errors)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from oint.apis.seller.client import AsyncSellerClient, SellerClient
from oint.core.errors import APIConnectionError, APITimeoutError
from oint.core.transport.base import RawResponse, TransportError, TransportTimeout


class Recorder:
    """A transport that answers from a list (or raises) and keeps what it was sent."""

    base_url = "http://127.0.0.1:9"

    def __init__(self, *answers: RawResponse | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, str, dict[str, str], bytes | None, float | None]] = []

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        self.sent.append((method, path, dict(headers), body, timeout))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self) -> None:
        pass


class AsyncRecorder(Recorder):
    async def request(  # type: ignore[override]  # the async twin of the same contract
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        return Recorder.request(self, method, path, headers, body, timeout)

    async def aclose(self) -> None:
        pass


def test_one_attempt_and_the_answer_as_it_came() -> None:
    busy = RawResponse(429, {"retry-after": "1"}, b'{"code": 8, "message": "slow down"}')
    transport = Recorder(busy)
    client = SellerClient("123", "secret-key", transport=transport, timeout=7.0)
    raw = client.send_raw("post", "/v2/products/stocks", {"stocks": [{"offer_id": "A", "stock": 1}]})
    assert raw is busy  # a 429 is returned, not raised nor retried
    [(method, path, headers, body, timeout)] = transport.sent
    assert (method, path, timeout) == ("POST", "/v2/products/stocks", 7.0)
    assert headers["Client-Id"] == "123" and headers["Api-Key"] == "secret-key"
    assert body == b'{"stocks":[{"offer_id":"A","stock":1}]}'


@pytest.mark.parametrize(
    ("failure", "error"),
    [(TransportTimeout("read timed out"), APITimeoutError), (TransportError("refused"), APIConnectionError)],
)
def test_a_transport_failure_is_the_clients_error(failure: Exception, error: type[Exception]) -> None:
    client = SellerClient("123", "secret-key", transport=Recorder(failure))
    with pytest.raises(error, match="POST /v1/product/archive: ") as raised:
        client.send_raw("POST", "/v1/product/archive", {"product_id": [1]})
    assert type(raised.value) is error and "secret-key" not in str(raised.value)


def test_the_async_twin() -> None:
    async def scenario() -> Any:
        transport = AsyncRecorder(RawResponse(200, {}, b"{}"), TransportTimeout("slow"))
        client = AsyncSellerClient("123", "secret-key", transport=transport)
        first = await client.send_raw("POST", "/v1/product/archive", {"product_id": [1]})
        with pytest.raises(APITimeoutError):
            await client.send_raw("POST", "/v1/product/archive", {"product_id": [2]})
        return first.status, len(transport.sent)

    assert asyncio.run(scenario()) == (200, 2)
