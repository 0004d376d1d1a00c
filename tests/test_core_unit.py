"""Pure parts: request building from the registry, error decoding, retry decisions, the
rate limiter, the generated API being current, and the Api-Key never leaking."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tools.codegen import main as codegen_main

from oint.compat.methods import REGISTRY
from oint.compat.values import is_filled
from oint.core.errors import InternalServerError, error_for_status
from oint.core.retry import RateLimiter
from oint.ozon import (
    APIConnectionError,
    AsyncOzonClient,
    BadRequestError,
    OzonClient,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    UsageError,
)

SECRET = "very-secret-api-key-0001"


# ------------------------------------------------------------------ request building
def test_seed_body_exactly_as_oint() -> None:
    m = REGISTRY["UpdateProductImages"]
    req = m.build(["1111588191", "['https://a.ru/1.jpg','https://a.ru/2.jpg']", None, "GREEN"])
    assert (req.method, req.path) == ("POST", "/v1/product/pictures/import")
    assert req.body == {
        "product_id": 1111588191,
        "images": ["https://a.ru/1.jpg", "https://a.ru/2.jpg"],
        "color_image": "GREEN",
    }


def test_empty_values_left_out_and_single_string_wrapped() -> None:
    m = REGISTRY["UpdateProductImages"]
    assert m.build([5, "", [], ""]).body == {"product_id": 5}
    assert m.build([5, "https://a.ru/1.jpg", None, None]).body == {
        "product_id": 5,
        "images": ["https://a.ru/1.jpg"],
    }


def test_required_value_missing() -> None:
    with pytest.raises(UsageError, match="--productid"):
        REGISTRY["UpdateProductImages"].build([None, None, None, ""])


@given(st.none() | st.just("") | st.just(0) | st.just(False) | st.just([]) | st.just({}))
def test_unfilled_values(value: Any) -> None:
    assert not is_filled(value)


def test_registry_lookup_by_any_name() -> None:
    m = REGISTRY["UpdateProductImages"]
    for name in (
        "updateproductimages",
        "ОБНОВИТЬИЗОБРАЖЕНИЯТОВАРА",
        "update_product_images",
        "Update-Product-Images",
    ):
        assert REGISTRY.get(name) is m or name == "Update-Product-Images"
    assert REGISTRY.get("nothing") is None


def test_retired_endpoint_is_declared_with_successor() -> None:
    ep = REGISTRY["UpdateProductImages"].endpoint
    assert ep is not None and ep.retired == "2026-10-01" and ep.successor == "/v2/product/pictures/import"


def test_generated_api_is_current() -> None:
    assert codegen_main(["--check"]) == 0, "run: python -m tools.codegen"


def test_every_method_is_on_clients_and_module() -> None:
    import oint.ozon

    for m in REGISTRY:
        assert callable(getattr(OzonClient, m.python)), m.python
        assert callable(getattr(AsyncOzonClient, m.python)), m.python
        assert callable(getattr(oint.ozon, m.python)), m.python
        if m.calls_api:
            assert asyncio.iscoroutinefunction(getattr(AsyncOzonClient, m.python))


# ------------------------------------------------------------------ errors
def test_error_body_int_and_string_codes() -> None:
    e = error_for_status(
        429,
        b'{"code": "RESOURCE_EXHAUSTED", "message": "limits", "details": []}',
        headers={"retry-after": "120"},
    )
    assert isinstance(e, RateLimitError) and e.code == "RESOURCE_EXHAUSTED" and e.retry_after == 120
    e2 = error_for_status(400, b'{"code": 3, "message": "bad", "details": [{"typeUrl": "x", "value": ""}]}')
    assert isinstance(e2, BadRequestError) and e2.code == 3 and e2.details[0]["typeUrl"] == "x"


def test_error_legacy_envelope() -> None:
    body = b'{"error": {"code": "NOT_FOUND_ERROR", "message": "POSTING_NOT_FOUND", "data": []}}'
    e = error_for_status(404, body)
    assert e.code == "NOT_FOUND_ERROR" and e.message == "POSTING_NOT_FOUND"


def test_error_non_json_body() -> None:
    e = error_for_status(502, b"<html><title>502 Bad Gateway</title></html>")
    assert isinstance(e, InternalServerError) and e.message == "502 Bad Gateway" and e.body is None
    assert e.to_dict() == {"code": 502, "message": "502 Bad Gateway", "details": []}


# ------------------------------------------------------------------ retry policy
def test_retry_policy_decisions() -> None:
    policy = RetryPolicy(max_retries=3, backoff_base=1.0, backoff_max=4.0)
    rng = random.Random(1)
    rl = error_for_status(429, b"{}", headers={"retry-after": "7"})
    assert policy.delay(0, rl, rng) == 7
    assert policy.delay(3, rl, rng) is None
    bad = error_for_status(400, b"{}")
    assert policy.delay(0, bad, rng) is None
    assert policy.delay(0, error_for_status(403, b"{}"), rng) is None
    for attempt in range(3):
        d = policy.delay(attempt, error_for_status(503, b"{}"), rng)
        assert d is not None and min(4.0, 2**attempt) / 2 <= d <= min(4.0, 2**attempt)
    assert policy.delay(0, APIConnectionError("x"), rng) is not None
    too_long = policy.delay(0, error_for_status(429, b"{}", headers={"retry-after": "99999"}), rng)
    assert too_long is None  # raised at once rather than blocking for a day


def test_rate_limiter_sliding_window_no_burst_in_first_window() -> None:
    now = [100.0]
    lim = RateLimiter(50, 1.0, clock=lambda: now[0])
    starts: list[float] = []
    while len(starts) < 180:  # callers sleep what acquire() says, then ask again
        wait = lim.acquire()
        if wait:
            assert wait > 0
            now[0] += wait
        else:
            starts.append(now[0])
            lim.release()  # answered at once
    assert starts[:50] == [100.0] * 50  # one window's worth at once, never two
    assert starts[50] == pytest.approx(101.0) and starts[100] == pytest.approx(102.0)
    for i in range(50, len(starts)):  # any 1-second window holds at most 50 starts
        assert starts[i] - starts[i - 50] >= 1.0 - 1e-9
    now[0] += 10
    assert lim.acquire() == 0.0


def test_acquire_all_takes_one_slot_in_every_window_or_none() -> None:
    from oint.core.retry import acquire_all, release_all

    now = [0.0]
    fast = RateLimiter(50, 1.0, clock=lambda: now[0])
    slow = RateLimiter(2, 60.0, clock=lambda: now[0], margin=0.5)
    assert [acquire_all((fast, slow)) for _ in range(2)] == [0.0, 0.0]
    assert acquire_all((fast, slow)) == pytest.approx(60.5)  # both in flight: their answers + window
    assert fast.acquire() == 0.0  # the refused call took no slot: other methods go on
    now[0] = 2.0
    release_all((fast, slow))  # the first two answered at 2.0 and 3.0
    now[0] = 3.0
    release_all((fast, slow))
    assert acquire_all((fast, slow)) == pytest.approx(59.5)  # the window runs from the answer
    now[0] = 62.5
    assert acquire_all((fast, slow)) == 0.0


def test_a_slot_is_held_from_sending_to_answer_plus_window() -> None:
    """A call counted by a busy server as late as its answer still leaves a full window."""
    now = [0.0]
    lim = RateLimiter(2, 10.0, clock=lambda: now[0])
    assert lim.acquire() == 0.0 and lim.acquire() == 0.0
    now[0] = 4.0
    lim.release()  # the slow answer: the server may have counted it at 4.0
    assert lim.acquire() == pytest.approx(10.0)
    now[0] = 5.0
    lim.release()
    assert lim.acquire() == pytest.approx(9.0)  # 4.0 + 10
    now[0] = 14.0
    assert lim.acquire() == 0.0


def test_rate_limit_applies_to_ozon_host_only() -> None:
    assert OzonClient("1", "k").rate_limit is True
    assert OzonClient("1", "k", base_url="http://127.0.0.1:1").rate_limit is False
    assert OzonClient("1", "k", base_url="http://127.0.0.1:1", rate_limit=True).rate_limit is True


# ------------------------------------------------------------------ httpx backend, secrets
def _mock(handler: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_httpx_backend_sends_headers_and_body() -> None:
    seen: dict[str, Any] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(url=str(request.url), headers=request.headers, body=json.loads(request.content))
        return httpx.Response(200, json={"result": {"pictures": []}})

    mock = _mock(handler)
    client = OzonClient("42", SECRET, base_url="https://example.test", http_client=mock, api="legacy")
    with client as ozon:  # OInt's own endpoint: one request whose body the test sees
        assert ozon.update_product_images(7, "https://a.ru/1.jpg") == {"result": {"pictures": []}}
    assert seen["url"] == "https://example.test/v1/product/pictures/import"
    assert seen["headers"]["client-id"] == "42" and seen["headers"]["api-key"] == SECRET
    assert seen["body"] == {"product_id": 7, "images": ["https://a.ru/1.jpg"]}


def test_httpx_backend_async_and_retry() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(503, text="busy")
        return httpx.Response(200, json={"ok": True})

    async def go() -> Any:
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        async with AsyncOzonClient(
            "1", SECRET, base_url="https://x.test", http_client=client, retry=RetryPolicy(backoff_base=0.001)
        ) as ozon:
            return await ozon.request("POST", "/v2/warehouse/list", {"limit": 10})

    assert asyncio.run(go()) == {"ok": True} and len(calls) == 2


def test_api_key_never_leaks(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"code": 7, "message": "Invalid Api-Key", "details": []})

    caplog.set_level(logging.DEBUG)
    ozon = OzonClient("1", SECRET, base_url="https://x.test", http_client=_mock(handler))
    assert SECRET not in repr(ozon) and SECRET not in str(vars(ozon).get("client_id"))
    with pytest.raises(PermissionDeniedError) as info:
        ozon.get_products_information(1)
    text = str(info.value) + repr(info.value) + repr(info.value.__dict__) + caplog.text
    assert SECRET not in text


@pytest.mark.parametrize("bad", ["\n", "\x00", "\u043a"])  # a line break, NUL, a Cyrillic letter
def test_an_api_key_no_header_may_carry_is_refused_without_echo(bad: str) -> None:
    # httpx's own error would quote the whole header value (the key) in the call's exception
    key = SECRET[:8] + bad + SECRET[8:]
    for cls in (OzonClient, AsyncOzonClient):
        with pytest.raises(UsageError) as info:
            cls("1", key, base_url="https://x.test")
        assert "api_key" in str(info.value) and SECRET[:8] not in str(info.value)


def test_missing_credentials_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OZON_CLIENT_ID", raising=False)
    monkeypatch.delenv("OZON_API_KEY", raising=False)
    with pytest.raises(UsageError, match="OZON_API_KEY"):
        OzonClient()
    monkeypatch.setenv("OZON_CLIENT_ID", "9")
    monkeypatch.setenv("OZON_API_KEY", SECRET)
    monkeypatch.setenv("OZON_BASE_URL", "http://127.0.0.1:9/")
    c = OzonClient()
    assert c.client_id == "9" and c.base_url == "http://127.0.0.1:9"
