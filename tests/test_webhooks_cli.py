"""`oint webhooks subscribe|status|catch-up` over the Seller API (issue 17): the requests they send,
Ozon's errors as JSON with exit 1, bad options exit 2, catch-up on the embedded sandbox."""

from __future__ import annotations

from pathlib import Path

from conftest import Cli, SandboxServer, creds

from oint.webhooks import SQLiteInbox


def test_subscribe_sends_the_url_and_types_to_notification_set(run_cli: Cli, server: SandboxServer) -> None:
    done = run_cli(
        "webhooks",
        "subscribe",
        "https://shop.example/ozon/push",
        "--types",
        "TYPE_NEW_POSTING, TYPE_STATE_CHANGED",
        *creds(server.url),
    )
    assert done.code == 0, done.err
    sent = server.request_log(path="/v1/notification/set")["requests"][-1]
    assert sent["body"] == {
        "url": "https://shop.example/ozon/push",
        "types": ["TYPE_NEW_POSTING", "TYPE_STATE_CHANGED"],
    }
    every = run_cli("webhooks", "subscribe", "https://shop.example/ozon/push", *creds(server.url))
    assert every.code == 0, every.err
    last = server.request_log(path="/v1/notification/set")["requests"][-1]["body"]["types"]
    assert "TYPE_CREATE_OR_UPDATE_ITEM" in last and "TYPE_CREATE_ITEM" not in last  # not the retired ones
    assert "TYPE_NEW_POSTING" in last and "TYPE_CHAT_CLOSED" in last


def test_status_reads_notification_list(run_cli: Cli, server: SandboxServer) -> None:
    done = run_cli("webhooks", "status", *creds(server.url))
    assert done.code == 0, done.err
    assert "urls" in done.json()
    assert "/v1/notification/list" in server.paths()


def test_an_ozon_error_is_its_json_and_exit_1(run_cli: Cli, server: SandboxServer) -> None:
    server.fault(path="/v1/notification/set", status=403, times=1)
    done = run_cli("webhooks", "subscribe", "https://shop.example/push", *creds(server.url))
    assert done.code == 1 and "code" in done.json()


def test_subscription_options_are_checked_before_anything_is_sent(
    run_cli: Cli, server: SandboxServer
) -> None:
    for args, words in [
        ([], "give the URL"),
        (["ftp://shop.example"], "http://"),
        (["https://shop.example", "--types", "TYPE_NEW_POSTIN"], "did you mean TYPE_NEW_POSTING"),
        (["https://shop.example", "--colour", "x"], "unknown option --colour"),
    ]:
        bad = run_cli("webhooks", "subscribe", *args, *creds(server.url))
        assert bad.code == 2 and words in bad.err and len(bad.err.strip().splitlines()) == 1, bad.err
    assert "/v1/notification/set" not in server.paths()
    assert run_cli("webhooks", "stauts").code == 2


def test_catch_up_on_the_embedded_sandbox(run_cli: Cli, sandbox_db: str, tmp_path: Path) -> None:
    assert (
        run_cli("sandbox", "buyers", "--orders-per-day", "100", "--seed", "3", "--db", sandbox_db).code == 0
    )
    assert run_cli("sandbox", "clock", "--freeze", "--db", sandbox_db).code == 0
    assert run_cli("sandbox", "advance", "12h", "--db", sandbox_db).code == 0
    inbox = str(tmp_path / "inbox.db")
    first = run_cli("webhooks", "catch-up", "--sandbox", "--inbox", inbox)
    assert first.code == 0, first.err
    summary = first.json()
    assert summary["events_added"] >= summary["by_type"]["TYPE_NEW_POSTING"] == summary["postings_read"] > 0
    again = run_cli("webhooks", "catch-up", "--sandbox", "--inbox", inbox).json()
    assert again["events_added"] == 0 and again["postings_read"] == summary["postings_read"]
    store = SQLiteInbox(inbox)
    rows = store.recent(limit=1000)
    store.close()
    assert len(rows) == summary["events_added"] and {r.source for r in rows} == {"catch-up"}


def test_serve_catches_up_in_the_background(run_cli: Cli, sandbox_db: str, tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    from conftest import free_port, listening

    assert (
        run_cli("sandbox", "buyers", "--orders-per-day", "100", "--seed", "4", "--db", sandbox_db).code == 0
    )
    assert run_cli("sandbox", "clock", "--freeze", "--db", sandbox_db).code == 0
    assert run_cli("sandbox", "advance", "6h", "--db", sandbox_db).code == 0
    inbox = str(tmp_path / "inbox.db")
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
            "--inbox",
            inbox,
            "--catch-up-every",
            "0.5",
            "--sandbox",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert listening(port, process)
        deadline = time.monotonic() + 30
        while True:
            listed = run_cli("webhooks", "list", "--inbox", inbox).json()
            if listed["counts"]["pending"] > 0:
                break
            assert time.monotonic() < deadline, "catch-up added nothing"
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(30)
    assert {e["source"] for e in listed["events"]} == {"catch-up"}
    assert process.stderr is not None and "catch-up added" in process.stderr.read().decode()
