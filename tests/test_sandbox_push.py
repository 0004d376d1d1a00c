"""The sandbox pushes as Ozon does (issue 17, part 3): marketplace events become pushes of Ozon's
shapes, POSTed to a receiver (a small HTTP server in the test), resent on Ozon's schedule on the
sandbox clock, suspended by Ozon's rules and resumed when the URL is confirmed again; faults drop
or delay pushes; the served sandbox sends them itself and keeps them across restarts."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from answer_conformance import problems
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, SandboxServer, start_server
from living import FBS_WAREHOUSE, Market, load_products, market

from oint.core.dates import parse_datetime
from oint.sandbox.model import pushes
from oint.sandbox.model.base import Account

PING = "TYPE_PING"


class Receiver:
    """A seller's service on a free local port: keeps every push it gets (with the time it came),
    answers a PING as Ozon's contract says and anything else with `status` after `delay` seconds
    (`answer(message) -> (status, body)` decides instead when set)."""

    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []
        self.status = 200
        self.delay = 0.0
        self.answer: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]] | None = None
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("content-length") or 0)
                message = json.loads(self.rfile.read(size))
                with receiver.lock:
                    receiver.got.append(message)
                status, body = receiver.reply(message)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the sandbox gave up waiting
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/ozon/push"

    def reply(self, message: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if message.get("message_type") == PING:
            return 200, {"version": "1.0", "name": "test receiver", "time": message["time"]}
        if self.answer is not None:
            return self.answer(message)
        if self.delay:
            time.sleep(self.delay)
        if self.status == 200:
            return 200, {"result": True}
        return self.status, {"error": {"code": "ERROR_UNKNOWN", "message": "down", "details": None}}

    def messages(self, kind: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.got if kind is None or m["message_type"] == kind]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def m() -> Iterator[Market]:
    yield from market()


def status(m: Market) -> dict[str, Any]:
    return m.sandbox.push()


def push_docs(m: Market, kind: str | None = None) -> list[dict[str, Any]]:
    """Every push of the demo account, oldest first."""
    with m.sandbox.store.transaction():
        docs = [d for _, d in m.sandbox.store.key_range(DEMO_CLIENT_ID, pushes.PUSH)]
    return [d for d in docs if kind is None or d["type"] == kind]


def one_event(m: Market) -> None:
    """A stock change of the demo's FBS warehouse: one TYPE_STOCKS_CHANGED."""
    m.client.call(
        "/v2/products/stocks", {"stocks": [{"offer_id": "91132", "stock": 7, "warehouse_id": FBS_WAREHOUSE}]}
    )


# ------------------------------------------------------------------ the pure rules
def test_resending_schedule_is_ozons_about_an_hour() -> None:
    gaps = [pushes.next_gap(n) for n in range(1, 12)]
    assert gaps[:5] == [5.0, 15.0, 45.0, 135.0, 405.0]  # a few seconds, growing
    assert gaps[5:10] == [600.0] * 5  # then five more every 10 minutes
    assert gaps[10] is None  # then given up
    assert 3300 <= sum(g for g in gaps if g) <= 3900  # about an hour


def test_suspension_rules() -> None:
    now = 1_790_000_000.0
    hour = str(int(now // 3600 * 3600))

    def doc(failing_since: float | None = None, **counts: int) -> dict[str, Any]:
        row = {"delivered": 0, "given_up": 0, "attempts": 0, "timeouts": 0, **counts}
        return {"failing_since": failing_since, "hours": {hour: row}}

    assert pushes.verdict(doc(), now) is None
    assert pushes.verdict(doc(now - 86399), now) is None
    assert pushes.verdict(doc(now - 86400), now) == "ERRORS_24H"
    assert pushes.verdict(doc(delivered=4, given_up=5), now) is None  # too few finished to judge
    assert pushes.verdict(doc(delivered=5, given_up=5), now) is None  # half: not fewer
    assert pushes.verdict(doc(delivered=4, given_up=6), now) == "LOW_SUCCESS_RATE"
    assert pushes.verdict(doc(timeouts=2), now) is None
    assert pushes.verdict(doc(timeouts=3), now) == "SLOW_ANSWERS"
    old = {
        "failing_since": None,
        "hours": {
            str(int(now // 3600 * 3600) - 86400): {
                "delivered": 0,
                "given_up": 10,
                "attempts": 10,
                "timeouts": 3,
            }
        },
    }
    assert pushes.verdict(old, now) is None  # older than 24 hours: forgotten


def test_ping_answer_checked_as_ozons_connection_check() -> None:
    good = json.dumps({"version": "1", "name": "x", "time": "2026-12-07T10:00:00Z"})
    check = pushes.ping_check
    assert check(pushes.Outcome(200, 0.1, answer=good)) == {"is_active": True, "errors": []}
    assert check(pushes.Outcome(200, 0.1, answer=""))["errors"] == [{"type": "EMPTY_BODY"}]
    assert check(pushes.Outcome(200, 0.1, answer="{"))["errors"] == [{"type": "INVALID_JSON"}]
    assert check(pushes.Outcome(200, 0.1, answer='{"result": true}'))["errors"] == [
        {"type": "WRONG_RESULT_FIELD"}
    ]
    bad_time = json.dumps({"version": "1", "name": "x", "time": "yesterday"})
    assert check(pushes.Outcome(200, 0.1, answer=bad_time))["errors"] == [{"type": "WRONG_RESULT_TIME_FIELD"}]
    assert check(pushes.Outcome(503, 0.1))["errors"] == [{"type": "SERVER_FAULT"}]
    assert check(pushes.Outcome(404, 0.1))["errors"] == [{"type": "STATUS_CODE_NOT_OK"}]
    assert check(pushes.Outcome(None, 5.0, "timeout"))["errors"] == [{"type": "REQUEST_TIMEOUT"}]
    assert check(pushes.Outcome(None, 0.0, "ConnectError"))["errors"] == [{"type": "REQUEST_ERROR"}]


# ------------------------------------------------------------------ events become pushes of Ozon's shapes
def test_marketplace_events_are_pushed_in_ozons_shapes(m: Market, receiver: Receiver) -> None:
    load_products(m, 10, 30)
    assert m.sandbox.push_step() == 0  # no URL: nothing queued, nothing sent
    state = m.sandbox.push(url=receiver.url)
    assert state["state"] == "active" and state["endpoints"][0]["url"] == receiver.url
    m.sandbox.push_step()
    ping = receiver.messages(PING)
    assert len(ping) == 1 and set(ping[0]) == {"message_type", "time"}

    m.admin("POST", "buyers", {"orders_per_day": 200, "seed": 5, "cancel_share": 0.3, "chat_share": 1.0})
    m.advance("6h")
    m.sandbox.push_step()
    postings = {p["posting_number"]: p for p in m.postings()}
    new = receiver.messages("TYPE_NEW_POSTING")
    assert new and {n["posting_number"] for n in new} == set(postings)
    first = new[0]
    posting = postings[first["posting_number"]]
    assert (
        first["seller_id"] == int(DEMO_CLIENT_ID)
        and first["warehouse_id"] == posting["delivery_method"]["warehouse_id"]
    )
    assert [(p["sku"], p["quantity"]) for p in first["products"]] == [
        (p["sku"], p["quantity"]) for p in posting["products"]
    ]
    assert parse_datetime(first["shipment_date"]) == parse_datetime(posting["shipment_date"])
    assert first["in_process_at"].endswith("Z") and isinstance(first["is_express"], bool)
    stocks = receiver.messages("TYPE_STOCKS_CHANGED")
    assert stocks, "reserving an order's units changes the warehouse's stock"
    item = stocks[-1]["items"][0]
    assert set(item) == {"product_id", "sku", "updated_at", "stocks"}
    assert {"warehouse_id", "present", "reserved"} == set(item["stocks"][0])

    # the seller ships what waits: status changes; buyers cancel some: their cancellations
    m.ship_waiting()
    m.advance("2d")  # handed over hours after the shipment date
    m.sandbox.push_step()
    states: dict[str, list[str]] = {}
    for s in receiver.messages("TYPE_STATE_CHANGED"):
        states.setdefault(s["posting_number"], []).append(s["new_state"])
        assert set(s) == {
            "message_type",
            "posting_number",
            "new_state",
            "changed_state_date",
            "warehouse_id",
            "seller_id",
        }
    fbs = [n for n, p in postings.items() if p["delivery_method"]["warehouse_id"] == FBS_WAREHOUSE]
    assert any(
        states.get(n, [])[:2] == ["posting_transferring_to_delivery", "posting_on_way_to_city"] for n in fbs
    )
    for number, seen in states.items():  # each as the posting went, each status once
        history = m.client.call("/v3/posting/fbs/get", {"posting_number": number})["result"]
        assert seen[-1] == history["substatus"] or history["status"] == "cancelled", (number, seen)
    cancelled = receiver.messages("TYPE_POSTING_CANCELLED")
    assert cancelled, "a third of the buyers cancel"
    c = cancelled[0]
    assert c["new_state"] == "posting_canceled" and c["old_state"].startswith("posting_")
    assert c["reason"]["id"] > 0 and c["reason"]["message"]
    assert (
        m.client.call("/v3/posting/fbs/get", {"posting_number": c["posting_number"]})["result"]["status"]
        == "cancelled"
    )

    m.advance("4d")  # delivered: buyers write to the seller
    m.sandbox.push_step()
    chat = receiver.messages("TYPE_NEW_MESSAGE")
    assert (
        chat
        and chat[0]["user"]["type"] == "Customer"
        and chat[0]["data"]
        and chat[0]["chat_type"] == "Buyer_Seller"
    )

    # a product import: created (or failed) products
    from conftest import film_product

    m.client.call("/v3/product/import", {"items": [film_product("PUSH-NEW")]})
    m.advance("10s")
    m.sandbox.push_step()
    items = receiver.messages("TYPE_CREATE_OR_UPDATE_ITEM")
    assert [i["offer_id"] for i in items] == ["PUSH-NEW"] and items[0]["product_id"] > 0
    assert set(items[0]) == {"message_type", "seller_id", "offer_id", "product_id", "is_error", "changed_at"}

    # each push went once: the receiver answered 200 every time (those of six days ago are pruned)
    shown = status(m)
    assert set(shown["pushes"]) == {"delivered"} and set(shown["pruned"]) == {"delivered"}
    assert shown["pushes"]["delivered"] + shown["pruned"]["delivered"] == len(receiver.messages())


def test_a_moved_ship_by_date_is_pushed(m: Market, receiver: Receiver) -> None:
    load_products(m, 5, 30)
    m.admin("POST", "buyers", {"orders_per_day": 100, "seed": 2})
    m.advance("3h")
    number = m.postings(statuses=["awaiting_packaging"])[0]["posting_number"]
    before = m.client.call("/v3/posting/fbs/get", {"posting_number": number})["result"]["shipment_date"]
    m.sandbox.push(url=receiver.url, types=["TYPE_CUTOFF_DATE_CHANGED"])
    body = {"posting_number": number, "new_cutoff_date": "2026-09-30T10:00:00Z"}
    assert m.client.call("/v1/posting/cutoff/set", body) == {"result": True}
    m.sandbox.push_step()
    [moved] = receiver.messages("TYPE_CUTOFF_DATE_CHANGED")
    assert moved["posting_number"] == number and moved["new_cutoff_date"] == "2026-09-30T10:00:00.000Z"
    assert parse_datetime(moved["old_cutoff_date"]) == parse_datetime(before)
    after = m.client.call("/v3/posting/fbs/get", {"posting_number": number})["result"]["shipment_date"]
    assert parse_datetime(after) == parse_datetime("2026-09-30T10:00:00Z")
    m.client.call("/v2/posting/fbs/cancel", {"posting_number": number, "cancel_reason_id": 352})
    with pytest.raises(Exception, match="INVALID_POSTING_STATUS"):
        m.client.call("/v1/posting/cutoff/set", body)


def test_only_the_chosen_types_are_pushed(m: Market, receiver: Receiver) -> None:
    m.sandbox.push(url=receiver.url, types=["TYPE_NEW_POSTING"])
    load_products(m, 5, 30)  # stock changes: not chosen
    m.sandbox.push_step()
    assert {x["message_type"] for x in receiver.messages()} == {PING}


# ------------------------------------------------------------------ resending and suspension
def test_an_erring_receiver_gets_resends_on_the_schedule_then_it_is_given_up(
    m: Market, receiver: Receiver
) -> None:
    m.sandbox.push(url=receiver.url, types=["TYPE_STOCKS_CHANGED"])
    receiver.status = 500
    one_event(m)
    m.advance("2h")
    m.sandbox.push_step()
    [push] = push_docs(m, "TYPE_STOCKS_CHANGED")
    times = [a["at"] for a in push["attempts"]]
    assert len(times) == 11 and len(receiver.messages("TYPE_STOCKS_CHANGED")) == 11
    assert [round(b - a) for a, b in itertools.pairwise(times)] == [
        5,
        15,
        45,
        135,
        405,
        600,
        600,
        600,
        600,
        600,
    ]
    assert push["state"] == "given_up" and {a["status"] for a in push["attempts"]} == {500}
    assert status(m)["state"] == "active"  # one push given up is not yet fewer than half of enough


def test_fewer_than_half_answered_suspends_all_pushes_until_the_url_is_confirmed(
    m: Market, receiver: Receiver
) -> None:
    m.sandbox.push(url=receiver.url, types=["TYPE_NEW_POSTING"])
    load_products(m, 10, 30)
    receiver.status = 500
    m.admin("POST", "buyers", {"orders_per_day": 300, "seed": 3})
    m.advance("3h")
    m.sandbox.push_step()
    state = status(m)
    assert state["state"] == "suspended" and state["reason"] == "LOW_SUCCESS_RATE", state
    listed = m.client.call("/v1/notification/list", {})["urls"][0]
    assert listed["availability_status"] == "SUSPENDED" and listed["problematic_type"] == "LOW_SUCCESS_RATE"
    assert not problems("POST", "/v1/notification/list", m.client.call("/v1/notification/list", {}))
    given_up = [p for p in push_docs(m) if p["state"] == "given_up"]
    delivered = [p for p in push_docs(m) if p["state"] == "delivered"]
    assert [p["type"] for p in delivered] == [PING]
    assert (
        len(given_up) + len(delivered) == pushes.MIN_SETTLED
    )  # suspended at the first moment the rule holds
    assert all(len(p["attempts"]) == 11 for p in given_up)

    # suspended: nothing more goes out, even once the receiver is fine again
    receiver.status = 200
    sent = len(receiver.messages())
    m.advance("3h")
    m.sandbox.push_step()
    assert len(receiver.messages()) == sent
    assert status(m)["skipped_while_suspended"] > 0

    # the seller confirms the URL (Ozon's /v1/notification/set again): a PING, then pushes resume
    m.client.call("/v1/notification/set", {"url": receiver.url, "types": ["TYPE_NEW_POSTING"]})
    assert status(m)["state"] == "active"
    m.advance("2h")
    m.sandbox.push_step()
    after = receiver.messages()[sent:]
    assert after[0]["message_type"] == PING and any(
        x["message_type"] == "TYPE_NEW_POSTING" for x in after[1:]
    )
    assert status(m)["state"] == "active"


def test_a_receiver_failing_for_24_hours_is_suspended(m: Market, receiver: Receiver) -> None:
    m.sandbox.push(url=receiver.url, types=["TYPE_STOCKS_CHANGED"])
    receiver.status = 502
    for _ in range(4):  # a trickle (too few pushes for the share rule), failing 27 hours
        one_event(m)
        m.advance("9h")
        m.sandbox.push_step()
    state = status(m)
    assert state["state"] == "suspended" and state["reason"] == "ERRORS_24H", state


def test_a_slow_receiver_is_suspended(m: Market, receiver: Receiver) -> None:
    m.sandbox.push_timeout = 0.2  # Ozon waits 5 s; the test does not
    m.sandbox.push(url=receiver.url, types=["TYPE_STOCKS_CHANGED"])
    receiver.delay = 0.4
    one_event(m)
    m.advance("1m")
    m.sandbox.push_step()
    state = status(m)
    assert state["state"] == "suspended" and state["reason"] == "SLOW_ANSWERS", state
    [push] = push_docs(m, "TYPE_STOCKS_CHANGED")
    assert [a["error"] for a in push["attempts"]] == ["timeout"] * 3 and push["state"] == "suspended"
    # confirmed again (oint sandbox push --url): active, and a quick receiver gets what comes next
    receiver.delay = 0
    assert m.sandbox.push(url=receiver.url, types=["TYPE_STOCKS_CHANGED"])["state"] == "active"
    m.advance("1m")
    one_event(m)
    m.sandbox.push_step()
    assert push_docs(m, "TYPE_STOCKS_CHANGED")[-1]["state"] == "delivered"


def test_a_receiver_that_recovers_gets_the_push_on_a_resend(m: Market, receiver: Receiver) -> None:
    m.sandbox.push(url=receiver.url, types=["TYPE_STOCKS_CHANGED"])
    calls = 0

    def down_twice(message: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        nonlocal calls
        calls += 1
        return (503, {}) if calls <= 2 else (200, {"result": True})

    receiver.answer = down_twice
    one_event(m)
    m.advance("1m")
    m.sandbox.push_step()
    [push] = push_docs(m, "TYPE_STOCKS_CHANGED")
    assert [a["status"] for a in push["attempts"]] == [503, 503, 200] and push["state"] == "delivered"


def test_no_connection_is_an_error_resent_like_any(m: Market) -> None:
    from conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/nobody"
    m.sandbox.push(url=url, types=["TYPE_STOCKS_CHANGED"])
    one_event(m)
    m.sandbox.push_step()  # the first attempt only: the next is 5 s later
    [push] = push_docs(m, "TYPE_STOCKS_CHANGED")
    assert push["state"] == "pending" and push["attempts"][0]["status"] is None
    assert push["attempts"][0]["error"].startswith("ConnectError")


def test_a_sandbox_told_where_pushes_may_go_sends_none_elsewhere(m: Market, receiver: Receiver) -> None:
    m.sandbox.push_hosts = frozenset({"receiver.invalid"})  # as `oint sandbox serve` sets it
    m.sandbox.push(url="http://192.0.2.1/ozon", types=["TYPE_STOCKS_CHANGED"])  # TEST-NET-1: refused
    one_event(m)
    m.sandbox.push_step()
    [push] = push_docs(m, "TYPE_STOCKS_CHANGED")
    assert push["attempts"][0]["status"] is None
    assert push["attempts"][0]["error"].startswith("not sent: this sandbox pushes only to loopback")
    m.sandbox.push(url=receiver.url, types=["TYPE_STOCKS_CHANGED"])  # loopback: sent
    m.advance("1m")  # Ozon takes a stock once per 30 s per product and warehouse
    stock = {"stocks": [{"offer_id": "91132", "stock": 8, "warehouse_id": FBS_WAREHOUSE}]}
    m.client.call("/v2/products/stocks", stock)
    m.advance("1m")
    m.sandbox.push_step()
    assert receiver.messages("TYPE_STOCKS_CHANGED")


def test_the_served_sandbox_pushes_only_to_loopback_and_push_to_hosts(tmp_path: Path) -> None:
    server = start_server(str(tmp_path / "served.sqlite3"), "--no-rate-limit")
    try:
        _call(
            server, "/v1/notification/set", {"url": "http://192.0.2.1/ozon", "types": ["TYPE_STOCKS_CHANGED"]}
        )

        def refused() -> bool:
            state = _call(server, "/__sandbox/push", {}, admin=True)
            return any(
                a["error"].startswith("not sent:") for p in state["recent"] for a in p.get("attempts", [])
            )

        _wait(refused)
    finally:
        server.stop()


# ------------------------------------------------------------------ faults
def test_faults_drop_or_delay_pushes(m: Market, receiver: Receiver) -> None:
    m.sandbox.push(url=receiver.url, types=["TYPE_STOCKS_CHANGED"])
    m.sandbox.push_step()
    assert m.admin("POST", "faults", {"push": "drop", "times": 1})["result"]["push"] == "drop"
    one_event(m)
    m.advance("1m")
    one_event(m)
    m.sandbox.push_step()
    dropped, sent = push_docs(m, "TYPE_STOCKS_CHANGED")
    assert dropped["state"] == "dropped" and not dropped["attempts"] and sent["state"] == "delivered"
    assert len(receiver.messages("TYPE_STOCKS_CHANGED")) == 1

    m.admin("POST", "faults", {"push": "delay", "delay": 600, "types": ["TYPE_STOCKS_CHANGED"]})
    m.advance("1m")
    one_event(m)
    m.advance("5m")
    m.sandbox.push_step()
    late = push_docs(m, "TYPE_STOCKS_CHANGED")[-1]
    assert late["state"] == "pending" and not late["attempts"]  # held back 10 minutes
    m.advance("5m")
    m.sandbox.push_step()
    late = push_docs(m, "TYPE_STOCKS_CHANGED")[-1]
    assert late["state"] == "delivered" and late["attempts"][0]["at"] == late["created_at"] + 600

    for bad in (
        {"push": "lose"},
        {"push": "delay", "delay": 0},
        {"push": "drop", "times": 0},
        {"push": "drop", "what": 1},
    ):
        response = m.sandbox.handle("POST", "/__sandbox/faults", {}, json.dumps(bad).encode())
        assert response.status == 400, bad


# ------------------------------------------------------------------ Ozon's /v1/notification/* operations
def test_notification_operations_answer_as_documented(m: Market, receiver: Receiver) -> None:
    def c(path: str, body: dict[str, Any]) -> Any:
        answer = m.client.call(path, body)
        assert not problems("POST", path, answer), (path, answer)
        return answer

    c("/v1/notification/set", {"url": receiver.url, "types": ["TYPE_NEW_POSTING", "TYPE_STOCKS_CHANGED"]})
    [url] = c("/v1/notification/list", {})["urls"]
    assert url["enable"] and url["availability_status"] == "AVAILABLE"
    assert [t["type"] for t in url["types"]] == ["TYPE_NEW_POSTING", "TYPE_STOCKS_CHANGED"]
    types = {t["type"]: t for t in c("/v1/notification/push-type/list", {})["types"]}
    assert types["TYPE_NEW_POSTING"]["seller_endpoint"] == {"id": url["id"], "url": receiver.url}
    assert "seller_endpoint" not in types["TYPE_NEW_MESSAGE"]
    # the check: a PING to the URL; its outcome answers once it has been sent
    assert c("/v1/notification/check", {"url": receiver.url}) == {"is_active": False, "errors": []}
    m.sandbox.push_step()
    assert c("/v1/notification/check", {"url": receiver.url}) == {"is_active": True, "errors": []}
    c("/v1/notification/update", {"id": url["id"], "types": ["TYPE_STOCKS_CHANGED"]})
    assert c("/v1/notification/list", {})["urls"][0]["types"] == [
        {"type": "TYPE_STOCKS_CHANGED", "description": pushes.DESCRIPTIONS["TYPE_STOCKS_CHANGED"]}
    ]
    c("/v1/notification/set", {"url": receiver.url + "?2", "types": ["TYPE_CHAT_CLOSED"]})
    with pytest.raises(Exception, match="connected already"):
        m.client.call("/v1/notification/update", {"id": url["id"], "url": receiver.url + "?2"})
    second = c("/v1/notification/list", {})["urls"][1]["id"]
    c("/v1/notification/delete", {"id": second})
    c("/v1/notification/enable", {"id": url["id"], "enabled": False})
    assert c("/v1/notification/list", {})["urls"][0]["enable"] is False
    one_event(m)
    assert not push_docs(m, "TYPE_STOCKS_CHANGED")  # turned off: nothing queued
    c("/v1/notification/enable", {"id": url["id"], "enabled": True})
    c("/v1/notification/delete", {"id": url["id"]})
    assert c("/v1/notification/list", {})["urls"] == []
    with pytest.raises(Exception, match="NOTIFICATION_URL_NOT_FOUND"):
        m.client.call("/v1/notification/delete", {"id": url["id"]})
    with pytest.raises(Exception, match="valid URI"):
        m.client.call("/v1/notification/set", {"url": "ftp://x", "types": ["TYPE_NEW_POSTING"]})


# ------------------------------------------------------------------ the served sandbox
def _call(server: SandboxServer, path: str, body: dict[str, Any], admin: bool = False) -> Any:
    headers = {"Content-Type": "application/json"}
    if not admin:
        headers |= {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY}
    request = urllib.request.Request(server.url + path, json.dumps(body).encode(), headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())


def _wait(done: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_served_sandbox_sends_pushes_and_keeps_them_across_a_restart(
    tmp_path: Path, receiver: Receiver
) -> None:
    db = str(tmp_path / "served.sqlite3")
    server = start_server(db, "--no-rate-limit")
    try:
        _call(server, "/v1/notification/set", {"url": receiver.url, "types": ["TYPE_STOCKS_CHANGED"]})
        _wait(lambda: bool(receiver.messages(PING)))  # the sender of the server's lifespan
        receiver.status = 500
        stock = {"stocks": [{"offer_id": "91132", "stock": 9, "warehouse_id": FBS_WAREHOUSE}]}
        _call(server, "/v2/products/stocks", stock)
        _wait(lambda: bool(receiver.messages("TYPE_STOCKS_CHANGED")))  # tried once, failed
    finally:
        server.stop()
    receiver.status = 200
    server = start_server(db, "--no-rate-limit")
    try:
        listed = _call(server, "/v1/notification/list", {})["urls"]
        assert [u["url"] for u in listed] == [receiver.url]
        _call(server, "/__sandbox/clock", {"advance": "10s"}, admin=True)  # the resend's time comes
        _wait(lambda: len(receiver.messages("TYPE_STOCKS_CHANGED")) == 2)
        state = _call(server, "/__sandbox/push", {}, admin=True)
        [push] = [p for p in state["recent"] if p["type"] == "TYPE_STOCKS_CHANGED"]
        assert [a["status"] for a in push["attempts"]] == [500, 200] and push["state"] == "delivered"
        [fbs] = [s for s in push["message"]["items"][0]["stocks"] if s["warehouse_id"] == FBS_WAREHOUSE]
        assert fbs["present"] == 9 + fbs["reserved"]
    finally:
        server.stop()


def test_the_served_sender_does_not_burst_resends_when_the_clock_jumps(
    tmp_path: Path, receiver: Receiver
) -> None:
    """Time moved on two hours at once: the failing push is tried once now and then after its
    next gap, not ten times in a row (Sandbox.push_step replays them; a running server does not)."""
    server = start_server(str(tmp_path / "jump.sqlite3"), "--no-rate-limit")
    try:
        _call(server, "/v1/notification/set", {"url": receiver.url, "types": ["TYPE_STOCKS_CHANGED"]})
        _wait(lambda: bool(receiver.messages(PING)))
        receiver.status = 500
        stock = {"stocks": [{"offer_id": "91132", "stock": 5, "warehouse_id": FBS_WAREHOUSE}]}
        _call(server, "/v2/products/stocks", stock)
        _wait(lambda: len(receiver.messages("TYPE_STOCKS_CHANGED")) == 1)
        _call(server, "/__sandbox/clock", {"advance": "2h"}, admin=True)
        _wait(lambda: len(receiver.messages("TYPE_STOCKS_CHANGED")) == 2)
        time.sleep(1.5)  # several rounds of the sender (every 0.5 s)
        assert len(receiver.messages("TYPE_STOCKS_CHANGED")) == 2
        [push] = [p for p in _call(server, "/__sandbox/push", {}, admin=True)["recent"] if p["type"] != PING]
        first, second = push["attempts"]
        assert second["at"] - first["at"] >= 7200 and push["next_at"] == second["at"] + 15  # the next gap
        assert push["state"] == "pending"
    finally:
        server.stop()


# ------------------------------------------------------------------ the state is the store's
def test_push_state_lives_in_the_state_file(tmp_path: Path, receiver: Receiver) -> None:
    from oint.sandbox.core import Sandbox

    db = str(tmp_path / "state.sqlite3")
    first = Sandbox(db)
    first.push(url=receiver.url, types=["TYPE_NEW_POSTING"])
    first.close()
    again = Sandbox(db)
    try:
        state = again.push()
        assert state["endpoints"][0]["types"] == ["TYPE_NEW_POSTING"] and state["pushes"] == {"pending": 1}
        assert again.push_step() == 1 and receiver.messages(PING)
        with again.store.transaction():
            account = Account(again.store, DEMO_CLIENT_ID, again.clock())
            assert pushes.status(account)["pushes"] == {"delivered": 1}
        assert again.push(off=True)["endpoints"] == []
    finally:
        again.close()


# ------------------------------------------------------------------ oint sandbox push / fault --push
def test_cli_sets_shows_sends_and_stops_pushes(run_cli: Any, tmp_path: Path, receiver: Receiver) -> None:
    db = str(tmp_path / "cli.sqlite3")
    shown = run_cli("sandbox", "push", "--db", db)
    assert shown.code == 0 and shown.json()["endpoints"] == [] and shown.json()["state"] == "active"
    set_ = run_cli(
        "sandbox",
        "push",
        "--url",
        receiver.url,
        "--types",
        "type_new_posting,TYPE_STOCKS_CHANGED",
        "--db",
        db,
    )
    assert set_.code == 0, set_.err
    [endpoint] = set_.json()["endpoints"]
    assert endpoint["url"] == receiver.url and endpoint["types"] == [
        "TYPE_NEW_POSTING",
        "TYPE_STOCKS_CHANGED",
    ]
    sent = run_cli("sandbox", "push", "--send", "--db", db)
    assert sent.code == 0 and sent.json()["sent"] == 1 and sent.json()["pushes"] == {"delivered": 1}
    assert [m["message_type"] for m in receiver.messages()] == [PING]
    fault = run_cli(
        "sandbox", "fault", "--push", "drop", "--times", "2", "--types", "TYPE_STOCKS_CHANGED", "--db", db
    )
    assert fault.code == 0 and fault.json() == {
        "push": "drop",
        "times": 2,
        "delay": 0.0,
        "types": ["TYPE_STOCKS_CHANGED"],
    }
    off = run_cli("sandbox", "push", "--off", "--db", db)
    assert off.code == 0 and off.json()["endpoints"] == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("push", "--url", "ftp://example.com/x"), "--url"),
        (("push", "--url", ""), "--url"),
        (("push", "--url", "http://x.test/", "--types", "TYPE_NOPE"), "unknown push type TYPE_NOPE"),
        (("push", "--url", "http://x.test/", "--types", "TYPE_PING"), "unknown push type TYPE_PING"),
        (("push", "--types", "TYPE_NEW_POSTING"), "--types goes with --url"),
        (("push", "--off", "--url", "http://x.test/"), "one or the other"),
        (("push", "--clientid", "404", "--off"), "no sandbox account 404"),
        (("fault", "--push", "lose"), "drop or delay"),
        (("fault", "--push", "delay"), "push fault delay"),
        (("fault", "--push", "drop", "--status", "500"), "not --status"),
        (("fault", "--status", "500", "--types", "TYPE_NEW_POSTING"), "--types goes with --push"),
    ],
)
def test_cli_refuses_bad_push_options_in_one_line(
    run_cli: Any, tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    db = str(tmp_path / "bad.sqlite3")
    result = run_cli("sandbox", *args, "--db", db)
    assert result.code == 2 and result.out == "", result
    assert words in result.err and result.err.count("\n") == 1 and "Traceback" not in result.err


# ------------------------------------------------------------------ the web view
def test_the_web_view_shows_pushes_their_answers_and_the_suspension(m: Market, receiver: Receiver) -> None:
    from oint.sandbox import web

    def page() -> str:
        response = web.answer(m.sandbox, "/__sandbox/pushes", {})
        assert response.status == 200
        return response.body.decode()

    assert "No push URL" in page()
    m.sandbox.push_timeout = 0.2
    m.sandbox.push(url=receiver.url + "?<b>", types=["TYPE_STOCKS_CHANGED"])
    m.sandbox.push_step()
    receiver.delay = 0.4
    one_event(m)
    m.advance("1m")
    m.sandbox.push_step()
    text = page()
    assert "<b>" not in text and "?&lt;b&gt;" in text  # the URL as text
    assert "suspended" in text and "SLOW_ANSWERS" in text and pushes.REASONS["SLOW_ANSWERS"] in text
    assert "TYPE_PING" in text and "200 in " in text and "&quot;version&quot;" in text  # the PING's answer
    assert "TYPE_STOCKS_CHANGED" in text and "timeout" in text
    assert "delivered: 1" in text and "suspended: 1" in text
    assert 'href="/__sandbox/pushes"' in text  # in the navigation


# ------------------------------------------------------------------ the admin route
def test_the_admin_route_sets_and_reads_pushes_under_the_guards_rules(m: Market, receiver: Receiver) -> None:
    from oint.sandbox.guard import HostPolicy, check

    def admin(method: str, body: Any) -> tuple[int, Any]:
        response = m.sandbox.handle(method, "/__sandbox/push", {}, json.dumps(body).encode())
        return response.status, json.loads(response.body)

    code, state = admin("POST", {"url": receiver.url, "types": ["TYPE_NEW_MESSAGE"]})
    assert code == 200 and state["endpoints"][0]["types"] == ["TYPE_NEW_MESSAGE"]
    assert admin("GET", {})[1]["endpoints"] == state["endpoints"]
    for bad in (
        {"url": "mailto:x"},
        {"url": receiver.url, "types": "TYPE_NEW_MESSAGE"},
        {"hook": 1},
        {"client_id": "1"},
    ):
        assert admin("POST", bad)[0] in (400, 404), bad
    assert admin("POST", {"off": True})[1]["endpoints"] == []
    local = {"host": "127.0.0.1:8080", "content-type": "application/json"}
    policy = HostPolicy()
    assert check(policy, "POST", "/__sandbox/push", local) is None
    assert check(policy, "POST", "/__sandbox/push", {**local, "content-type": "text/plain"}) is not None
    assert check(policy, "POST", "/__sandbox/push", {**local, "host": "evil.example"}) is not None
