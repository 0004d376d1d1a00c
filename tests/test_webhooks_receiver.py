"""The push receiver (oint.webhooks, issue 17): Ozon's contract in-process (PING, stored before the
answer, duplicates, malformed bodies, foreign addresses, proxies), then over real HTTP through
`oint webhooks serve`: the answer time with a slow handler, kill -9 and restart, and two receivers
sharing one PostgreSQL inbox."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import Cli, free_port, listening

from oint.webhooks import (
    OZON_NETWORKS,
    Deliverer,
    ForwardSink,
    Receiver,
    SourceCheck,
    SQLiteInbox,
    app,
    parse,
)

TESTS = str(Path(__file__).parent)
OZON = "195.34.21.7"  # inside one of Ozon's networks
NEW = {"message_type": "TYPE_NEW_POSTING", "posting_number": "1-1-1", "products": [{"sku": 1, "quantity": 1}]}


def push(receiver: Receiver, body: Any, client: str = OZON, **headers: str) -> httpx.Response:
    """One POST to the ASGI app in-process, from address `client`."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=receiver, client=(client, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as http:
            return await http.post("/", content=content, headers=headers)

    return asyncio.run(go())


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    made = app(tmp_path / "inbox.db")
    yield made
    made.stop()
    made.inbox.close()


def test_ping_is_answered_with_version_name_and_time(receiver: Receiver) -> None:
    answer = push(receiver, {"message_type": "TYPE_PING", "time": "2026-12-07T10:00:00Z"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    doc = answer.json()
    assert set(doc) == {"version", "name", "time"} and doc["name"] == "oint"
    assert dt.datetime.fromisoformat(doc["time"].replace("Z", "+00:00")).tzinfo is not None
    assert receiver.inbox.counts()["pending"] == 0  # a ping is not an event


def test_an_event_is_committed_before_the_answer_and_a_duplicate_is_counted(receiver: Receiver) -> None:
    first = push(receiver, NEW)
    assert first.status_code == 200 and first.json() == {"result": True}
    # another connection to the same file sees it: committed, not in a buffer
    with sqlite3.connect(receiver.inbox.where) as other:
        assert other.execute("SELECT body FROM oint_webhook_events").fetchall() == [(parse(NEW).json(),)]
    again = push(receiver, NEW)
    assert again.status_code == 200 and again.json() == {"result": True}
    assert receiver.inbox.counts() == {"pending": 1, "delivered": 0, "parked": 0, "duplicates": 1}
    assert receiver.stats["duplicates"] == 1 and receiver.stats["stored"] == 1


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", json.dumps({"message_type": "TYPE_NEW_POSTING"}).encode(), b"{}"],
)
def test_a_malformed_push_is_answered_400_with_ozons_error_body(receiver: Receiver, body: bytes) -> None:
    answer = push(receiver, body)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "ERROR_PARAMETER_VALUE_MISSED" and error["message"] and error["details"] is None
    assert receiver.inbox.counts()["pending"] == 0


def test_a_foreign_address_is_refused_403_and_logged(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    answer = push(receiver, NEW, client="203.0.113.9")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "ERROR_UNKNOWN"
    assert "203.0.113.9" in caplog.text
    assert receiver.inbox.counts()["pending"] == 0
    for network in OZON_NETWORKS:  # each of Ozon's networks is let in
        first = network.split("/")[0].rsplit(".", 1)[0] + ".200"
        assert push(receiver, {**NEW, "posting_number": first}, client=first).status_code == 200


def test_only_a_trusted_proxy_is_believed_about_the_pusher() -> None:
    check = SourceCheck(OZON_NETWORKS, ["10.0.0.0/8"])
    assert check.client("10.1.1.1", f"203.0.113.9, {OZON}") == OZON  # nginx in front: Ozon's address
    assert check.client("10.1.1.1", f"{OZON}, 10.2.2.2") == OZON  # a chain of trusted proxies
    assert check.client("203.0.113.9", OZON) == "203.0.113.9"  # anyone else's header is ignored
    assert check.client("10.1.1.1", "bogus") is None
    assert not check.allowed(check.client("10.1.1.1", "203.0.113.9"))
    only_local = SourceCheck(["127.0.0.1/32"])
    assert only_local.allowed("127.0.0.1") and not only_local.allowed(OZON)
    assert only_local.allowed("::ffff:127.0.0.1")  # an IPv4 peer on a dual-stack socket


def test_behind_a_proxy_the_forwarded_address_decides(tmp_path: Path) -> None:
    behind = app(tmp_path / "inbox.db", trusted_proxies=["127.0.0.1/32"])
    try:
        assert push(behind, NEW, client="127.0.0.1", **{"X-Forwarded-For": OZON}).status_code == 200
        assert push(behind, NEW, client="127.0.0.1", **{"X-Forwarded-For": "198.51.100.1"}).status_code == 403
        assert push(behind, NEW, client="127.0.0.1").status_code == 403  # the proxy itself is not Ozon
    finally:
        behind.stop()
        behind.inbox.close()


def test_a_failing_inbox_is_answered_500_so_that_ozon_sends_again(receiver: Receiver) -> None:
    receiver.inbox.close()
    answer = push(receiver, NEW)
    assert answer.status_code == 500 and answer.json()["error"]["code"] == "ERROR_UNKNOWN"


def test_forward_sink_posts_the_event_json(tmp_path: Path) -> None:
    got: list[tuple[str, bytes]] = []

    class Target(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append((self.headers["Content-Type"], self.rfile.read(int(self.headers["Content-Length"]))))
            status = 200 if len(got) > 1 else 503
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Target)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    inbox = SQLiteInbox(tmp_path / "inbox.db")
    sink = ForwardSink(f"http://127.0.0.1:{server.server_port}/hook")
    try:
        inbox.put(parse(NEW))
        deliverer = Deliverer(inbox, sink)
        assert deliverer.deliver_one() is not None
        row = inbox.get(1)
        assert (
            row is not None
            and row.state == "pending"
            and row.last_error is not None
            and "503" in row.last_error
        )
        inbox.clock = lambda: time.time() + 10  # past its backoff
        assert deliverer.deliver_one() is not None
        assert inbox.counts()["delivered"] == 1
        assert [json.loads(body) for _, body in got] == [NEW, NEW]
        assert {kind for kind, _ in got} == {"application/json"}
    finally:
        sink.close()
        server.shutdown()
        inbox.close()


# ------------------------------------------------------------------ over real HTTP
@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def serve(*args: str, env: dict[str, str] | None = None) -> Served:
    """`oint webhooks serve` on a free local port, pushes allowed from 127.0.0.1."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oint",
            "webhooks",
            "serve",
            "--port",
            str(port),
            "--allow-from",
            "127.0.0.1/32",
            *args,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": TESTS, **(env or {})},
    )
    if not listening(port, process):
        err = process.stderr.read().decode() if process.stderr else ""
        raise RuntimeError(f"oint webhooks serve did not start: {err}")
    return Served(f"http://127.0.0.1:{port}/", process)


def state_push(posting: str, n: int) -> dict[str, Any]:
    return {
        "message_type": "TYPE_STATE_CHANGED",
        "posting_number": posting,
        "new_state": f"posting_state_{n}",
        "changed_state_date": f"2026-12-07T10:00:{n:02d}Z",
    }


def recorded(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def wait_for(condition: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_answer_does_not_wait_for_a_handler_that_sleeps_10_s(tmp_path: Path) -> None:
    served = serve(
        "--inbox", str(tmp_path / "inbox.db"), "--handler", "webhook_handlers:slow", "--workers", "2"
    )
    try:
        timings = []
        with httpx.Client(timeout=30) as http:
            http.post(served.url, json={"message_type": "TYPE_PING", "time": "2026-12-07T10:00:00Z"})  # warm
            for n in range(7):
                start = time.perf_counter()
                answer = http.post(served.url, json={**NEW, "posting_number": f"9-9-{n}"})
                timings.append(time.perf_counter() - start)
                assert answer.status_code == 200 and answer.json() == {"result": True}
        assert statistics.median(timings) < 0.1, timings
        assert max(timings) < 2, timings  # never the handler's 10 s
    finally:
        served.stop(signal.SIGKILL)
    inbox = SQLiteInbox(tmp_path / "inbox.db")
    assert inbox.counts()["pending"] == 7  # stored, not yet delivered (the handler still sleeps)
    inbox.close()


def test_serve_refuses_bad_options_in_one_line(run_cli: Cli, tmp_path: Path) -> None:
    for args, words in [
        (["--allow-from", "10.0.0.300/8"], "--allow-from"),
        (["--handler", "nomodule"], "module:function"),
        (["--handler", "webhook_handlers:nothing"], "no function"),
        (["--exec", "cat", "--forward", "http://127.0.0.1:9/"], "exclude each other"),
        (["--forward", "ftp://x"], "http://"),
        (["--port", "70000"], "port"),
        (["--inbox", "redis://x"], "postgresql://"),
        (["--sandbox"], "--catch-up-every"),
        (["--bogus"], "unknown option --bogus"),
    ]:
        result = run_cli(
            "webhooks", "serve", "--inbox", str(tmp_path / "i.db"), *args, env={"PYTHONPATH": TESTS}
        )
        assert result.code == 2, (args, result.err)
        assert words in result.err and len(result.err.strip().splitlines()) == 1, (args, result.err)
        assert "Traceback" not in result.err


def test_kill_9_loses_no_event_and_repeats_none_acknowledged(tmp_path: Path) -> None:
    inbox_path = tmp_path / "inbox.db"
    record = tmp_path / "record.txt"
    env = {"OINT_TEST_RECORD": str(record), "OINT_TEST_HANDLER_SLEEP": "0.02"}
    args = (
        "--inbox",
        str(inbox_path),
        "--handler",
        "webhook_handlers:record",
        "--lease",
        "1",
        "--workers",
        "3",
    )
    pushes = [state_push(f"P{p}", n) for n in range(8) for p in range(10)]  # 80 events, 10 postings
    served = serve(*args, env=env)
    with httpx.Client(timeout=30) as http:
        for body in pushes[:50]:
            assert http.post(served.url, json=body).status_code == 200
    wait_for(lambda: len(recorded(record)) >= 15)
    served.stop(signal.SIGKILL)
    with sqlite3.connect(inbox_path) as db:
        acknowledged = {
            key for (key,) in db.execute("SELECT key FROM oint_webhook_events WHERE state = 'delivered'")
        }
        stored = db.execute("SELECT COUNT(*) FROM oint_webhook_events").fetchone()[0]
    assert stored == 50 and acknowledged  # every answered push survived the kill
    served = serve(*args, env=env)
    try:
        with httpx.Client(timeout=30) as http:
            for body in pushes[40:]:  # Ozon resends some it had no answer to, then goes on
                assert http.post(served.url, json=body).status_code == 200
        wait_for(lambda: len(set(recorded(record))) == len(pushes))
        time.sleep(1.5)  # a lease's length: a second delivery would show now
    finally:
        served.stop()
    lines = recorded(record)
    keys = [parse(body).key for body in pushes]
    assert set(lines) == set(keys)  # none lost
    repeated = {key for key in lines if lines.count(key) > 1}
    assert not repeated & acknowledged  # none acknowledged delivered twice
    assert len(repeated) <= 3  # at most the events in flight at the kill (one per worker)
    for p in range(10):  # in order per posting (first deliveries)
        mine = [key for key in dict.fromkeys(lines) if f"|P{p}|" in key]
        assert mine == [key for key in keys if f"|P{p}|" in key]


def test_two_receivers_on_one_postgresql_inbox_deliver_each_event_once(
    tmp_path: Path, postgres_url: str
) -> None:
    record = tmp_path / "record.txt"
    env = {"OINT_TEST_RECORD": str(record), "OINT_TEST_HANDLER_SLEEP": "0.01"}
    args = ("--inbox", postgres_url, "--handler", "webhook_handlers:record", "--workers", "3")
    first, second = serve(*args, env=env), serve(*args, env=env)
    pushes = [state_push(f"P{p}", n) for n in range(6) for p in range(20)]  # 120 events, 20 postings
    try:
        with httpx.Client(timeout=30) as a, httpx.Client(timeout=30) as b:
            for n, body in enumerate(pushes):
                http, url = (a, first.url) if n % 2 else (b, second.url)
                assert http.post(url, json=body).status_code == 200
            assert a.post(first.url, json=pushes[0]).json() == {"result": True}  # a duplicate, elsewhere
        wait_for(lambda: len(recorded(record)) >= len(pushes))
        time.sleep(1)  # a second delivery would show now
    finally:
        first.stop()
        second.stop()
    lines = recorded(record)
    keys = [parse(body).key for body in pushes]
    assert sorted(lines) == sorted(keys)  # each exactly once between them
    for p in range(20):
        assert [k for k in lines if f"|P{p}|" in k] == [k for k in keys if f"|P{p}|" in k]


def test_list_and_replay_from_the_command_line(run_cli: Cli, tmp_path: Path) -> None:
    where = str(tmp_path / "inbox.db")
    inbox = SQLiteInbox(where)
    inbox.put(parse(NEW))
    inbox.put(parse({**NEW, "posting_number": "2-2-2"}))
    taken = inbox.claim("me", 30)
    assert taken is not None
    inbox.failed(taken.id, "me", "the shop said no", None)
    inbox.close()
    listed = run_cli("webhooks", "list", "--inbox", where)
    assert listed.code == 0, listed.err
    doc = listed.json()
    assert doc["counts"]["parked"] == 1 and [e["id"] for e in doc["events"]] == [2, 1]
    failed = run_cli("webhooks", "list", "--failed", "--inbox", where).json()["events"]
    assert [(e["id"], e["last_error"]) for e in failed] == [(1, "the shop said no")]
    assert run_cli("webhooks", "replay", "--failed", "--inbox", where).json() == {"replayed": 1}
    assert run_cli("webhooks", "list", "--failed", "--inbox", where).json()["events"] == []
    for args, words in [
        ([], "an event's ID or --failed"),
        (["7"], "no event 7"),
        (["x"], "not an event's id"),
        (["1", "--failed"], "an event's ID or --failed"),
    ]:
        bad = run_cli("webhooks", "replay", *args, "--inbox", where)
        assert bad.code == 2 and words in bad.err, bad.err


def test_exec_delivers_the_json_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    command = (
        f"{sys.executable} -c \"import sys; open(sys.argv[1], 'a').write(sys.stdin.read() + '\\n')\" {out}"
    )
    served = serve("--inbox", str(tmp_path / "inbox.db"), "--exec", command)
    try:
        with httpx.Client(timeout=30) as http:
            assert http.post(served.url, json=NEW).status_code == 200
        wait_for(lambda: out.exists() and out.read_text().strip() != "")
    finally:
        served.stop()
    assert json.loads(out.read_text()) == NEW


def test_the_readme_example_receives_and_delivers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import readme_python

    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    exec(compile(readme_python("Push notifications"), "README.md", "exec"), namespace)
    made: Receiver = namespace["app"]
    try:
        assert push(made, NEW, client="127.0.0.1").json() == {"result": True}
        wait_for(lambda: made.inbox.counts()["delivered"] == 1, 30)
    finally:
        made.stop()
        made.inbox.close()
    assert "to pack: 1-1-1" in capsys.readouterr().out
    assert (tmp_path / "inbox.db").exists()
