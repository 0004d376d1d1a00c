"""The sandbox counts Ozon's windows per account across all its clients, optionally per client
address too, and shows what each window saw (`GET /__sandbox/limits`)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from conftest import BEFORE_SWITCH_OFF, DEMO_API_KEY, DEMO_CLIENT_ID, start_server

from oint.sandbox.core import Sandbox

READ = "/v3/product/info/list"
BODY = json.dumps({"product_id": [1111588191]}).encode()


def _headers(client_id: str = DEMO_CLIENT_ID) -> dict[str, str]:
    return {"Client-Id": client_id, "Api-Key": DEMO_API_KEY, "Content-Type": "application/json"}


def _statuses(
    sandbox: Sandbox, n: int, client_id: str = DEMO_CLIENT_ID, address: str | None = None
) -> list[int]:
    return [sandbox.handle("POST", READ, _headers(client_id), BODY, address).status for _ in range(n)]


def test_the_account_window_shows_what_it_let_through_and_refused(tmp_path: Path) -> None:
    # an Ozon second lasts 10 real ones here: the 60 requests fall in one window however slow the machine
    sandbox = Sandbox(str(tmp_path / "s.sqlite3"), time_scale=0.1)
    statuses = _statuses(sandbox, 60)
    assert statuses.count(200) == 50 and statuses.count(429) == 10
    seen = sandbox.watch.report()["accounts"][DEMO_CLIENT_ID]["*"]
    assert seen == {
        "limit": 50,
        "per_seconds": 1.0,
        "allowed": 50,
        "refused": 10,
        "most_asked_in_window": 60,
        "most_allowed_in_window": 50,
    }
    sandbox.reset()
    assert sandbox.watch.report() == {"accounts": {}, "addresses": {}}
    # a method's own window (the warehouse list: once a minute), counted by the model
    sandbox = Sandbox(str(tmp_path / "w.sqlite3"), api_date=BEFORE_SWITCH_OFF)
    for _ in range(2):
        sandbox.handle("POST", "/v1/warehouse/list", _headers(), b"{}")
    listed = sandbox.watch.report()["accounts"][DEMO_CLIENT_ID]["warehouse_list"]
    assert (listed["limit"], listed["allowed"], listed["refused"], listed["most_asked_in_window"]) == (
        1,
        1,
        1,
        2,
    )
    sandbox.reset()
    assert sandbox.watch.report() == {"accounts": {}, "addresses": {}}


def test_per_address_window_across_accounts(tmp_path: Path) -> None:
    sandbox = Sandbox(str(tmp_path / "s.sqlite3"), time_scale=0.1, limit_per_ip=True)
    first = _statuses(sandbox, 30, DEMO_CLIENT_ID, "10.0.0.7")
    other = _statuses(sandbox, 30, "999", "10.0.0.7")  # another account from the same address
    elsewhere = _statuses(sandbox, 5, "999", "10.0.0.8")
    assert first == [200] * 30
    assert other.count(429) == 10  # the address's 50 a second, though each account has sent 30
    assert elsewhere.count(429) == 0
    report = sandbox.watch.report()
    assert report["addresses"]["10.0.0.7"]["*"]["refused"] == 10
    assert report["addresses"]["10.0.0.7"]["*"]["most_allowed_in_window"] == 50
    assert report["accounts"]["999"]["*"]["allowed"] == 25  # refused by the address: counted in neither

    unlimited = Sandbox(str(tmp_path / "u.sqlite3"), time_scale=0.1)
    _statuses(unlimited, 30, DEMO_CLIENT_ID, "10.0.0.7")
    assert _statuses(unlimited, 30, "999", "10.0.0.7").count(429) == 0
    assert unlimited.watch.report()["addresses"] == {}


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def _post(url: str, doc: Any = None, headers: dict[str, str] | None = None) -> Any:
    req = urllib.request.Request(
        url,
        data=json.dumps(doc or {}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, json.loads(r.read())


def test_served_sandbox_limits_per_address_and_shows_its_windows(tmp_path: Path) -> None:
    server = start_server(str(tmp_path / "s.sqlite3"), "--limit-per-ip", env={"OINT_TIME_SCALE": "0.1"})
    try:
        assert _get(server.url + "/__sandbox/limits") == {
            "accounts": {},
            "addresses": {},
            "limit_per_ip": True,
        }
        for client_id in (DEMO_CLIENT_ID, "999"):
            for _ in range(30):
                try:
                    _post(server.url + READ, {"product_id": [1111588191]}, _headers(client_id))
                except urllib.error.HTTPError as e:
                    assert e.code in (403, 429)  # 999 is no account of the sandbox: 403 once counted
        seen = _get(server.url + "/__sandbox/limits")
        assert seen["addresses"]["127.0.0.1"]["*"]["refused"] == 10
        assert seen["accounts"][DEMO_CLIENT_ID]["*"]["allowed"] == 30
        assert _post(server.url + "/__sandbox/limits/clear")[1] == {"result": "cleared"}
        assert _get(server.url + "/__sandbox/limits")["addresses"] == {}
    finally:
        server.stop()
