"""`--debug` and the servers' addresses (issue 15, item 20): `--debug` shows each request and
answer on stderr with the Api-Key redacted, and the help says so; `oint sandbox serve` on a busy
port and `oint mcp --http` on an address this machine lacks are one line naming it, exit 2."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, SandboxServer, creds, free_port

from oint.core.listen import listening_sockets
from oint.core.transport.debug import BODY_SHOWN, shown_body
from oint.ozon import AsyncOzonClient, OzonClient, UsageError

SECRET = "debug-secret-0f9e8d7c6b5a"


def test_debug_shows_each_request_and_answer_without_the_key(run_cli: Any, server: SandboxServer) -> None:
    r = run_cli("ozon", "GetWarehousesList", *creds(server.url), "--debug")
    assert r.code == 0, r.err
    lines = r.err.splitlines()
    assert f"oint: > POST {server.url}/v2/warehouse/list" in lines
    assert f"oint: > Client-Id: {DEMO_CLIENT_ID}" in lines
    assert "oint: > Api-Key: <redacted>" in lines
    assert "oint: > {" + '"limit":200}' in lines  # the request body
    assert any(line.startswith("oint: < 200 in ") and line.endswith(" ms") for line in lines)
    assert "oint: < content-type: application/json" in lines
    assert any(line.startswith('oint: < {"warehouses":') for line in lines)  # the answer, shortened
    assert DEMO_API_KEY not in r.err and DEMO_API_KEY not in r.out


def test_debug_never_shows_the_key_of_a_refused_call(run_cli: Any, server: SandboxServer) -> None:
    r = run_cli(
        "ozon", "GetWarehousesList", "--clientid", DEMO_CLIENT_ID, "--apikey", SECRET,
        "--base-url", server.url, "--debug", "--retries", "0",
    )  # fmt: skip
    assert r.code == 1
    assert "oint: < 401 in " in r.err or "oint: < 403 in " in r.err
    assert SECRET not in r.err and SECRET not in r.out


def test_debug_of_a_call_that_gets_no_answer(run_cli: Any) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # closed again: nothing listens there
    r = run_cli("ozon", "GetWarehousesList", "--clientid", "1", "--apikey", SECRET, "--base-url", url,
                "--debug", "--retries", "0")  # fmt: skip
    assert r.code == 1
    assert any(line.startswith("oint: < no answer after ") for line in r.err.splitlines())
    assert SECRET not in r.err


def test_help_documents_debug(run_cli: Any) -> None:
    assert "--debug (each request and answer on stderr" in run_cli("--help").out
    assert "--debug (each request and answer on stderr" in run_cli("ozon", "GetProductList", "--help").out
    assert "--debug" in run_cli("ozon", "/v3/product/list", "--help").out


@pytest.fixture
def http_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO, logger="oint.ozon.http")
    yield caplog


def test_library_debug_sync_and_async(http_log: pytest.LogCaptureFixture, sandbox_db: str) -> None:
    long_name = "x" * (BODY_SHOWN * 2)
    with OzonClient(sandbox=sandbox_db, debug=True, max_retries=0) as ozon:
        ozon.call("/v2/warehouse/list", {"limit": 10})
        assert ozon.call("/v3/product/info/list", {"offer_id": [long_name]}) == {"items": []}

    async def main() -> None:
        async with AsyncOzonClient(sandbox=sandbox_db, debug=True) as aozon:
            await aozon.call("/v2/warehouse/list", {"limit": 5})

    asyncio.run(main())
    messages = [r.getMessage() for r in http_log.records if r.name == "oint.ozon.http"]
    assert sum(m.startswith("> POST /v2/warehouse/list (sandbox:") for m in messages) == 2
    assert messages.count("> Api-Key: <redacted>") == 3
    shortened = [m for m in messages if m.startswith("> {") and m.endswith("bytes in all)")]
    assert shortened and all(len(m) < BODY_SHOWN + 40 for m in shortened)
    assert '> {"limit":5}' in messages  # the async client's request
    assert not any(DEMO_API_KEY in m for m in messages)


def test_library_debug_goes_to_stderr_without_logging_set_up(sandbox_db: str) -> None:
    code = (
        "from oint.ozon import OzonClient\n"
        f"with OzonClient(sandbox={sandbox_db!r}, debug=True) as o:\n"
        "    o.call('/v2/warehouse/list', {'limit': 1})\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert f"oint: > POST /v2/warehouse/list (sandbox:{sandbox_db})" in p.stderr.splitlines()
    assert "oint: > Api-Key: <redacted>" in p.stderr.splitlines()
    assert DEMO_API_KEY not in p.stderr


def test_without_debug_there_is_no_wrapper(sandbox_db: str) -> None:
    with OzonClient(sandbox=sandbox_db) as ozon:
        assert type(ozon._transport).__name__ == "SandboxTransport"


# ---------------------------------------------------------------------------- addresses


def test_sandbox_serve_on_a_busy_port_is_one_line(run_cli: Any, tmp_path: Any) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = run_cli("sandbox", "serve", "--port", str(port), "--db", str(tmp_path / "s.sqlite3"))
    assert r.code == 2
    assert r.err == f"oint: cannot listen on 127.0.0.1:{port}: the port is in use " \
        "(another server listens there; choose another port)\n"  # fmt: skip


def test_sandbox_serve_on_an_address_the_machine_lacks(run_cli: Any, tmp_path: Any) -> None:
    db = str(tmp_path / "s.sqlite3")
    r = run_cli("sandbox", "serve", "--host", "999.1.1.1", "--port", "1", "--admin-token", "t", "--db", db)
    assert r.code == 2 and len(r.err.splitlines()) == 1
    assert r.err.startswith("oint: cannot listen on 999.1.1.1:1: no such address")


def test_mcp_http_on_a_bad_address_is_one_line(run_cli: Any, tmp_path: Any) -> None:
    env = {"OINT_SANDBOX_DB": str(tmp_path / "s.sqlite3")}
    r = run_cli("mcp", "--sandbox", "--http", "999.1.1.1:1", env=env)
    assert r.code == 2 and len(r.err.splitlines()) == 1, r.err
    assert r.err.startswith("oint: cannot listen on 999.1.1.1:1: no such address")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = run_cli("mcp", "--sandbox", "--http", f"127.0.0.1:{port}", env=env)
    assert r.code == 2 and r.err.startswith(f"oint: cannot listen on 127.0.0.1:{port}: the port is in use")


def test_listening_sockets_share_one_free_port() -> None:
    socks = listening_sockets("localhost", 0)
    try:
        assert socks and len({s.getsockname()[1] for s in socks}) == 1
    finally:
        for s in socks:
            s.close()
    with pytest.raises(UsageError, match=r"^cannot listen on \[::1\]:70000: a port is a number"):
        listening_sockets("::1", 70000)


def test_sandbox_serve_still_names_its_address(tmp_path: Any) -> None:
    """Bound by oint, the server is still announced (its banner), with the port a --port 0 got."""
    db = str(tmp_path / "s.sqlite3")
    cmd = [sys.executable, "-m", "oint", "sandbox", "serve", "--port", "0", "--db", db, "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(10)
    assert "listening at http://127.0.0.1:" in line, line
    assert not line.split("127.0.0.1:")[1].startswith("0")


def test_a_body_that_is_not_text_is_named_by_its_size_and_type() -> None:
    pdf = b"%PDF-1.7\n\x00\x01\x02" + b"x" * 100
    assert shown_body(pdf, "application/pdf") == f"<{len(pdf):,} bytes, not text (application/pdf)>"
    assert shown_body(b"\xff\xfe", "") == "<2 bytes, not text (no Content-Type)>"
    late = b"a" * BODY_SHOWN + b"\x00"  # a control character past what is shown: the text is shown
    assert shown_body(late) == "a" * BODY_SHOWN + f"... ({len(late):,} bytes in all)"
    assert shown_body(b'{"a":\n1}') == '{"a":\\n1}'
