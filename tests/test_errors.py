"""Error paths end to end against the sandbox over HTTP: bad key, missing headers,
429 with Retry-After then success, 5xx then success, non-JSON 502, timeouts,
connection refused — through the CLI, the sync and the async client."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, creds, free_port

from oint.ozon import (
    APIConnectionError,
    APITimeoutError,
    AsyncOzonClient,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    OzonClient,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
)

PATH = "/v1/product/pictures/import"  # OInt's endpoint of UpdateProductImages: tests faulting it use it
FAST_RETRY = RetryPolicy(max_retries=3, backoff_base=0.01, backoff_max=0.05)


def client(url: str, **kw: Any) -> OzonClient:
    kw.setdefault("retry", FAST_RETRY)
    return OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=url, **kw)


def test_wrong_key_cli_prints_ozon_403_and_exits_1(run_cli: Any, sandbox_url: str) -> None:
    secret = "wrong-secret-key-123"
    r = run_cli(
        "ozon",
        "UpdateProductImages",
        "--clientid",
        DEMO_CLIENT_ID,
        "--apikey",
        secret,
        "--base-url",
        sandbox_url,
        "--productid",
        "1111588191",
        "--images",
        "['https://x.ru/a.jpg']",
    )
    assert r.code == 1
    assert r.json() == {
        "code": 7,
        "message": "Invalid Api-Key, please check the key and try again",
        "details": [],
    }
    assert secret not in r.out + r.err and "Traceback" not in r.err


def test_wrong_key_library_raises_permission_denied(sandbox_url: str) -> None:
    with OzonClient(DEMO_CLIENT_ID, "wrong-secret-key-123", base_url=sandbox_url) as ozon:
        with pytest.raises(PermissionDeniedError) as info:
            ozon.get_products_information(1111588191)
    e = info.value
    assert (e.status, e.code) == (403, 7) and "Invalid Api-Key" in e.message
    assert e.details == [] and json.loads(e.raw) == e.body
    assert "wrong-secret-key-123" not in str(e) + repr(e)


def test_missing_headers_401(sandbox_url: str) -> None:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(sandbox_url + PATH, data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 401
    assert json.loads(info.value.read()) == {
        "code": 16,
        "message": "Client-Id and Api-Key headers are required",
        "details": [],
    }


def test_unknown_product_404(sandbox_url: str) -> None:
    with client(sandbox_url) as ozon, pytest.raises(NotFoundError) as info:
        ozon.update_product_images(999, ["https://x.ru/a.jpg"])
    assert info.value.code == 5


def test_validation_400_not_retried(server: Any) -> None:
    with client(server.url) as ozon, pytest.raises(BadRequestError) as info:
        ozon.update_product_images(1111588191, ["not a url"])
    assert info.value.code == 3 and "valid URI" in info.value.message


@pytest.mark.usefixtures("legacy_api")  # faults on OInt's own endpoint (PATH)
def test_429_with_retry_after_then_success(server: Any) -> None:
    server.fault(path=PATH, status=429, times=2, retry_after=1)
    with client(server.url) as ozon:
        t0 = time.monotonic()
        result = ozon.update_product_images(1111588191, ["https://x.ru/a.jpg"])
        elapsed = time.monotonic() - t0
    assert result["result"]["pictures"][0]["is_primary"] is True
    assert elapsed >= 1.9  # Retry-After: 1 honoured twice, not the 10 ms backoff


@pytest.mark.usefixtures("legacy_api")  # faults on OInt's own endpoint (PATH)
def test_429_exhausted_raises_rate_limit_error(server: Any) -> None:
    server.fault(path=PATH, status=429, times=5, retry_after=0)
    with client(server.url, max_retries=0, retry=None) as ozon, pytest.raises(RateLimitError) as info:
        ozon.update_product_images(1111588191, ["https://x.ru/a.jpg"])
    assert info.value.retry_after == 0 and info.value.code == 8


@pytest.mark.usefixtures("legacy_api")  # faults on OInt's own endpoint (PATH)
def test_5xx_then_success(server: Any) -> None:
    server.fault(path=PATH, status=503, times=2)
    with client(server.url) as ozon:
        assert ozon.update_product_images(1111588191, ["https://x.ru/a.jpg"])["result"]["pictures"]


@pytest.mark.usefixtures("legacy_api")  # faults on OInt's own endpoint (PATH)
def test_5xx_exhausted(server: Any) -> None:
    server.fault(path=PATH, status=500, times=10)
    with client(server.url) as ozon, pytest.raises(InternalServerError) as info:
        ozon.update_product_images(1111588191, ["https://x.ru/a.jpg"])
    assert info.value.status == 500 and info.value.code == 13


@pytest.mark.usefixtures("legacy_api")  # faults on OInt's own endpoint (PATH)
def test_non_json_502(server: Any, run_cli: Any) -> None:
    html = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"
    server.fault(path=PATH, status=502, times=10, body=html)
    with client(server.url, retry=RetryPolicy(max_retries=1, backoff_base=0.01)) as ozon:
        with pytest.raises(InternalServerError) as info:
            ozon.update_product_images(1111588191, ["https://x.ru/a.jpg"])
    e = info.value
    assert e.status == 502 and e.body is None and e.message == "502 Bad Gateway" and "nginx" in e.text
    r = run_cli(
        "ozon", "UpdateProductImages", *creds(server.url), "--productid", "1111588191", "--retries", "0"
    )
    assert r.code == 1 and r.json() == {"code": 502, "message": "502 Bad Gateway", "details": []}
    assert "Traceback" not in r.err


@pytest.mark.usefixtures("legacy_api")  # faults on OInt's own endpoint (PATH)
def test_timeout_then_success_and_timeout_exhausted(server: Any) -> None:
    server.fault(path=PATH, status=0, times=1, delay=1.0)  # slow once
    with client(server.url, timeout=0.3) as ozon:
        assert ozon.update_product_images(1111588191, ["https://x.ru/a.jpg"])["result"]
    server.fault(path=PATH, status=0, times=5, delay=1.0)
    with client(server.url, timeout=0.2, retry=RetryPolicy(max_retries=1, backoff_base=0.01)) as ozon:
        with pytest.raises(APITimeoutError):
            ozon.update_product_images(1111588191, ["https://x.ru/a.jpg"])


def test_connection_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with client(url, retry=RetryPolicy(max_retries=2, backoff_base=0.01)) as ozon:
        with pytest.raises(APIConnectionError) as info:
            ozon.get_products_information(1)
    assert DEMO_API_KEY not in str(info.value)


def test_connection_refused_cli(run_cli: Any) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    r = run_cli("ozon", "GetProductsInformation", *creds(url), "--productid", "1", "--retries", "0")
    assert r.code == 1 and r.err.startswith("oint: ") and r.err.count("\n") == 1
    assert DEMO_API_KEY not in r.err + r.out


@pytest.mark.usefixtures("legacy_api")  # faults on OInt's own endpoint (PATH)
def test_async_error_paths(server: Any) -> None:
    server.fault(path=PATH, status=429, times=1, retry_after=0)
    server.fault(path=PATH, status=500, times=1)

    async def go() -> None:
        async with AsyncOzonClient(
            DEMO_CLIENT_ID, DEMO_API_KEY, base_url=server.url, retry=FAST_RETRY
        ) as ozon:
            assert (await ozon.update_product_images(1111588191, ["https://x.ru/a.jpg"]))["result"]
        async with AsyncOzonClient(DEMO_CLIENT_ID, "bad-key-xyz", base_url=server.url) as ozon:
            with pytest.raises(PermissionDeniedError):
                await ozon.get_products_information(1111588191)
        server.fault(path=PATH, status=0, times=5, delay=1.0)
        async with AsyncOzonClient(
            DEMO_CLIENT_ID, DEMO_API_KEY, base_url=server.url, timeout=0.2, retry=RetryPolicy(max_retries=0)
        ) as ozon:
            with pytest.raises(APITimeoutError):
                await ozon.update_product_images(1111588191, ["https://x.ru/a.jpg"])

    asyncio.run(go())


def test_missing_credentials_cli(run_cli: Any, sandbox_url: str) -> None:
    r = run_cli("ozon", "GetProductsInformation", "--base-url", sandbox_url, "--productid", "1")
    assert r.code == 2 and "OZON_CLIENT_ID" in r.err and "Traceback" not in r.err


def test_credentials_from_environment(run_cli: Any, sandbox_url: str) -> None:
    r = run_cli(
        "ozon",
        "GetProductsInformation",
        "--productid",
        "1111588191",
        env={"OZON_CLIENT_ID": DEMO_CLIENT_ID, "OZON_API_KEY": DEMO_API_KEY, "OZON_BASE_URL": sandbox_url},
    )
    assert r.code == 0, r.err
    assert r.json()["items"][0]["id"] == 1111588191


def test_in_process_sandbox_faults_and_wrong_key(run_cli: Any, sandbox_db: str) -> None:
    env = {"OINT_SANDBOX_DB": sandbox_db}
    r = run_cli(
        "ozon",
        "UpdateProductImages",
        "--clientid",
        DEMO_CLIENT_ID,
        "--apikey",
        "nope",
        "--productid",
        "1111588191",
        "--sandbox",
        env=env,
    )
    assert r.code == 1 and r.json()["code"] == 7
    assert run_cli("sandbox", "fault", "--status", "503", "--times", "1", env=env).code == 0
    update = ["ozon", "UpdateProductImages", "--productid", "1111588191", "--images", "https://x.ru/a.jpg"]
    r = run_cli(*update, "--sandbox", "--retries", "0", env=env)
    assert r.code == 1 and r.json()["code"] == 14
    r = run_cli(*update, "--sandbox", env=env)
    assert r.code == 0, r.err


def test_sandbox_global_rate_limit_50_per_second(tmp_path: Any) -> None:
    from oint.sandbox.core import Sandbox

    sandbox = Sandbox(str(tmp_path / "s.sqlite3"), rate_limits=True)
    headers = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY}
    body = b'{"product_id": [1111588191]}'
    statuses = [sandbox.handle("POST", "/v3/product/info/list", headers, body).status for _ in range(60)]
    assert statuses.count(200) == 50 and statuses[50:] == [429] * 10
    over = sandbox.handle("POST", "/v3/product/info/list", headers, body)
    assert over.headers["retry-after"] == "1"
    assert json.loads(over.body) == {
        "code": 8,
        "message": "You have reached request rate limit per second",
        "details": [],
    }
    time.sleep(1.05)
    assert sandbox.handle("POST", "/v3/product/info/list", headers, body).status == 200
    sandbox.close()
