"""The sandbox refuses a Seller API key once its expiry has passed on the sandbox clock, as Ozon
refuses a deactivated key (facts §1.2, §10.2): in process and over HTTP, through the client and the
CLI (Ozon's JSON, exit 1); `oint sandbox advance` names the key that lapsed; `oint sandbox account
--key-expires` renews it; the admin routes and the web view are not Seller calls and still answer."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, Clock, SandboxServer, _post, creds, sandbox_client

from oint.core.errors import APIStatusError
from oint.ozon import OzonClient
from oint.sandbox.core import Sandbox
from oint.sandbox.demo import key_expiry

DEACTIVATED = {
    "code": 7,
    "message": "Api-key is deactivated, use another one or generate a new one",
    "details": [],
}
LIMIT = b'{"limit": 50}'
HEADERS = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY}


def epoch(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def stamp(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------ in process
def test_in_process_the_key_is_refused_the_moment_the_clock_passes_its_expiry() -> None:
    clock = Clock()
    sandbox = Sandbox(":memory:", clock=clock, rate_limits=False)
    expires = epoch(key_expiry(clock.now))  # the demo account's key, made now: three months on
    with sandbox_client(sandbox) as client:
        assert client.call("/v1/roles")["expires_at"] == stamp(expires)
        sandbox.change_clock(set=stamp(expires - 1), freeze=True)
        assert client.call("/v2/warehouse/list", {"limit": 50})["warehouses"]  # a second left
        sandbox.change_clock(advance="1s")
        for path, body in (("/v2/warehouse/list", {"limit": 50}), ("/v1/roles", {})):
            with pytest.raises(APIStatusError) as refused:
                client.call(path, body)
            assert (refused.value.status, refused.value.body) == (403, DEACTIVATED), path
        # a wrong key is still told apart from an expired one
        wrong = sandbox.handle("POST", "/v1/roles", {**HEADERS, "Api-Key": "nope"}, b"{}")
        assert json.loads(wrong.body)["message"].startswith("Invalid Api-Key")
        # the admin routes are not Seller calls
        assert sandbox.handle("GET", "/__sandbox/clock", {}, b"").status == 200
        doc = sandbox.store.get("*", "account", DEMO_CLIENT_ID)
        with sandbox.store.transaction():
            sandbox.store.put(
                "*", "account", DEMO_CLIENT_ID, {**doc, "key_expires_at": stamp(expires + 86400)}
            )
        assert client.call("/v1/roles")["expires_at"] == stamp(expires + 86400)  # renewed
    sandbox.close()


def test_a_key_without_an_expiry_never_expires() -> None:
    """A state file made before keys expired has accounts without `key_expires_at`."""
    clock = Clock()
    sandbox = Sandbox(":memory:", clock=clock, rate_limits=False)
    doc = sandbox.store.get("*", "account", DEMO_CLIENT_ID)
    with sandbox.store.transaction():
        sandbox.store.put(
            "*", "account", DEMO_CLIENT_ID, {k: v for k, v in doc.items() if k != "key_expires_at"}
        )
    sandbox.change_clock(advance="400d")
    assert sandbox.handle("POST", "/v1/roles", HEADERS, b"{}").status == 200
    sandbox.close()


# ------------------------------------------------------------------ the CLI on a state file
def test_cli_advance_past_the_expiry_refuses_names_it_and_key_expires_renews(
    sandbox_db: str, run_cli: Any
) -> None:
    call = ("ozon", "GetWarehousesList", "--sandbox")
    assert run_cli(*call).code == 0  # creates the state file, the demo key made now
    frozen = run_cli("sandbox", "clock", "--freeze").json()["epoch"]
    shown = run_cli("sandbox", "account").out
    expires_at = next(line.split(": ", 1)[1] for line in shown.splitlines() if "key expires" in line)
    left = epoch(expires_at) - frozen
    assert 89 * 86400 < left < 93 * 86400  # three calendar months
    moved = run_cli("sandbox", "advance", str(left - 1))
    assert moved.code == 0 and "expired" not in moved.err
    assert run_cli(*call).code == 0
    moved = run_cli("sandbox", "advance", "1s")
    assert moved.code == 0
    assert f"the key of account {DEMO_CLIENT_ID} expired at {expires_at}" in moved.err
    assert f"oint sandbox account --clientid {DEMO_CLIENT_ID} --key-expires DATE" in moved.err
    refused = run_cli(*call)
    assert refused.code == 1 and refused.json() == DEACTIVATED, refused.out + refused.err
    assert "Traceback" not in refused.err and DEMO_API_KEY not in refused.out + refused.err
    renewed = run_cli("sandbox", "account", "--clientid", DEMO_CLIENT_ID, "--key-expires", "2099-01-01")
    assert renewed.code == 0, renewed.err
    assert run_cli(*call).code == 0


def test_cli_clock_set_past_the_expiry_says_so(sandbox_db: str, run_cli: Any) -> None:
    assert (
        run_cli("sandbox", "account", "--clientid", DEMO_CLIENT_ID, "--key-expires", "2030-01-01").code == 0
    )
    r = run_cli("sandbox", "clock", "--set", "2030-01-02T00:00:00Z")
    assert r.code == 0 and f"the key of account {DEMO_CLIENT_ID} expired at 2030-01-01T00:00:00Z" in r.err
    r = run_cli("sandbox", "clock", "--set", "2030-01-03T00:00:00Z")  # already expired: said once
    assert r.code == 0 and "expired" not in r.err


# ------------------------------------------------------------------ over HTTP
def _raw(url: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"{}") -> tuple[int, Any]:
    request = urllib.request.Request(
        url + path, data=body, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_over_http_refused_after_the_expiry_and_renewed(server: SandboxServer, run_cli: Any) -> None:
    status, roles = _raw(server.url, "/v1/roles", HEADERS)
    assert status == 200
    expires = epoch(roles["expires_at"])
    _post(f"{server.url}/__sandbox/clock", {"set": stamp(expires - 1), "freeze": True})
    assert _raw(server.url, "/v2/warehouse/list", HEADERS, LIMIT)[0] == 200
    _post(f"{server.url}/__sandbox/clock", {"advance": "1s"})
    assert _raw(server.url, "/v2/warehouse/list", HEADERS, LIMIT) == (403, DEACTIVATED)
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=server.url, max_retries=0) as client:
        with pytest.raises(APIStatusError) as refused:
            client.call("/v1/roles")
    assert (refused.value.status, refused.value.body) == (403, DEACTIVATED)
    r = run_cli("ozon", "GetWarehousesList", *creds(server.url))
    assert r.code == 1 and r.json() == DEACTIVATED, r.out + r.err
    # the web view and the admin routes are not Seller API calls
    page = urllib.request.Request(server.url + "/__sandbox/", headers={"Accept": "text/html"})
    with urllib.request.urlopen(page, timeout=10) as answer:
        assert answer.status == 200 and b"<html" in answer.read().lower()
    renew = ("sandbox", "account", "--clientid", DEMO_CLIENT_ID, "--key-expires", stamp(expires + 86400))
    assert run_cli(*renew, "--db", server.db).code == 0
    assert _raw(server.url, "/v1/roles", HEADERS) == (200, {**roles, "expires_at": stamp(expires + 86400)})
