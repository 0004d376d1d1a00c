"""Hardening of the sandbox: unusable state files, inputs that used to answer 500 or stall the
server, fault specifications, admin protection, 405 answers and `--help` of every command."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_CLIENT_ID, CliResult, SandboxServer, free_port
from sandbox_http import AUTH, call, ozon_error

from oint.ozon import OzonClient
from oint.sandbox import model
from oint.sandbox.app import RequestLog, SandboxApp, is_loopback
from oint.sandbox.core import Sandbox, SandboxResponse
from oint.sandbox.errors import SandboxStateError, not_found
from oint.sandbox.model.base import ROUTES, Account, Handler
from oint.sandbox.store import Store


def one_line_error(r: CliResult, path: str) -> None:
    """Exit 2, nothing on stdout, one line on stderr naming the file, no traceback."""
    assert r.code == 2, (r.out, r.err)
    assert r.out == "" and "Traceback" not in r.err
    assert r.err.count("\n") == 1 and r.err.startswith("oint: ") and path in r.err, r.err


# ================================================================== state file
def _demo_state(path: Path) -> None:
    Sandbox(str(path)).close()  # closing checkpoints the WAL: everything is in the file


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _truncated(path: Path) -> None:
    _demo_state(path)
    size = path.stat().st_size
    assert size > 16384  # several pages, so that cutting it leaves a header that still opens
    with path.open("r+b") as fh:
        fh.truncate(size // 2)


def _directory(path: Path) -> None:
    path.mkdir()


BROKEN = {"garbage": _garbage, "truncated": _truncated, "directory": _directory}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_state_file_one_line_for_sandbox_calls(kind: str, tmp_path: Path, run_cli: Any) -> None:
    db = tmp_path / "state.sqlite3"
    BROKEN[kind](db)
    r = run_cli("ozon", "GetWarehousesList", "--sandbox", env={"OINT_SANDBOX_DB": str(db)})
    one_line_error(r, str(db))
    r = run_cli("ozon", "GetProductsInformation", "--productid", "1111588191", "--sandbox", "--db", str(db))
    one_line_error(r, str(db))


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_state_file_one_line_for_serve(kind: str, tmp_path: Path, run_cli: Any) -> None:
    db = tmp_path / "state.sqlite3"
    BROKEN[kind](db)
    r = run_cli("sandbox", "serve", "--port", str(free_port()), "--db", str(db), "--quiet")
    one_line_error(r, str(db))


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_state_file_library_error(kind: str, tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    BROKEN[kind](db)
    with pytest.raises(SandboxStateError) as e:
        Sandbox(str(db))
    assert e.value.path == str(db) and str(db) in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(SandboxStateError), OzonClient(sandbox=str(db)) as ozon:
        ozon.get_warehouses_list()


@pytest.fixture
def unwritable(tmp_path: Path) -> Iterator[Path]:
    """A valid state file the sandbox may not write: chmod for ordinary users; for root (whom
    permissions do not stop) the immutable attribute where the file system has it."""
    db = tmp_path / "state.sqlite3"
    _demo_state(db)
    if os.geteuid() != 0:
        db.chmod(0o444)
        tmp_path.chmod(0o555)  # no -wal/-shm files either
        yield db
        tmp_path.chmod(0o755)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(db)]).returncode != 0:
        pytest.skip("running as root without chattr: no way to deny access to a file")
    try:
        yield db
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=False)


def test_state_file_without_permission(unwritable: Path, run_cli: Any) -> None:
    r = run_cli("ozon", "GetWarehousesList", "--sandbox", env={"OINT_SANDBOX_DB": str(unwritable)})
    one_line_error(r, str(unwritable))
    r = run_cli("sandbox", "serve", "--port", str(free_port()), "--db", str(unwritable), "--quiet")
    one_line_error(r, str(unwritable))
    r = run_cli("sandbox", "reset", "--db", str(unwritable))
    one_line_error(r, str(unwritable))  # not a broken file: nothing is moved aside
    assert list(unwritable.parent.glob("*.broken-*")) == []


def test_sandbox_reset_moves_a_broken_file_aside(tmp_path: Path, run_cli: Any) -> None:
    db = tmp_path / "state.sqlite3"
    _garbage(db)
    junk = db.read_bytes()
    r = run_cli("sandbox", "reset", env={"OINT_SANDBOX_DB": str(db)})
    assert r.code == 0, r.err
    aside = list(tmp_path.glob("state.sqlite3.broken-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == junk  # kept, not deleted
    assert r.err.count("\n") == 1 and str(aside[0]) in r.err and "Traceback" not in r.err
    r = run_cli("ozon", "GetProductsInformation", "--productid", "1111588191", "--sandbox", "--db", str(db))
    assert r.code == 0 and r.json()["items"][0]["id"] == 1111588191  # the fresh demo state
    # a second broken file next to the first one gets its own name
    _truncated(db)
    assert run_cli("sandbox", "reset", "--db", str(db)).code == 0
    assert len(list(tmp_path.glob("state.sqlite3.broken-*"))) == 2


def test_sandbox_reset_leaves_a_directory_alone(tmp_path: Path, run_cli: Any) -> None:
    db = tmp_path / "state.sqlite3"
    db.mkdir()
    (db / "keep.txt").write_text("mine")
    one_line_error(run_cli("sandbox", "reset", "--db", str(db)), str(db))
    assert (db / "keep.txt").read_text() == "mine" and list(tmp_path.glob("*.broken-*")) == []


def test_state_file_that_breaks_while_serving(tmp_path: Path) -> None:
    """A failure of the file under a running sandbox is a SandboxStateError, not a 500 bug."""
    sandbox = Sandbox(str(tmp_path / "state.sqlite3"))
    try:
        sandbox.store._db.close()  # stands in for a file that went away or was damaged meanwhile
        with pytest.raises(SandboxStateError):
            sandbox.handle("POST", "/v1/warehouse/list", AUTH, b"")
    finally:
        sandbox.store._db = sqlite3.connect(":memory:")
        sandbox.close()


# ================================================================== inputs that answered 500
@pytest.mark.parametrize("cluster_type", [{}, [], ["CLUSTER_TYPE_OZON"], {"a": 1}])
def test_cluster_list_with_a_container_for_the_type(server: SandboxServer, cluster_type: Any) -> None:
    status, _, raw = call(server.url, "POST", "/v1/cluster/list", {"cluster_type": cluster_type})
    assert status == 400 and ozon_error(raw)["code"] == 3
    assert "cluster_type" in ozon_error(raw)["message"]


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"cluster_type": NaN}', b'{"cluster_type": Infinity}', b"\xff\xfe{}", b"[1, 2]"],
)
def test_bodies_that_are_not_an_object(server: SandboxServer, body: bytes) -> None:
    status, _, raw = call(server.url, "POST", "/v1/cluster/list", body)
    assert status == 400 and ozon_error(raw)["code"] == 3


def test_huge_arrays_are_bounded(server: SandboxServer) -> None:
    skus = [str(1_000_000 + i) for i in range(200_000)]
    started = time.monotonic()
    status, _, raw = call(server.url, "POST", "/v1/product/info/subscription", {"skus": skus})
    assert status == 400 and "at most 1000 item(s)" in ozon_error(raw)["message"]
    assert time.monotonic() - started < 3
    status, _, raw = call(server.url, "POST", "/v1/product/info/subscription", {"skus": skus[:1000]})
    assert status == 200 and len(json.loads(raw)["result"]) == 1000


def test_body_size_is_bounded(server: SandboxServer) -> None:
    from oint.sandbox.app import MAX_BODY

    status, _, raw = call(server.url, "POST", "/v1/cluster/list", b" " * (MAX_BODY + 1))
    assert status == 413 and ozon_error(raw)["code"] == 3


class _SlowSandbox:
    """Answers /slow after blocking its thread for a second (as heavy model work would)."""

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> SandboxResponse:
        if path == "/slow":
            time.sleep(1.0)
        return SandboxResponse(200, {"content-type": "application/json"}, b"{}")


def test_model_work_does_not_stall_the_event_loop() -> None:
    app = SandboxApp(_SlowSandbox())  # type: ignore[arg-type]

    async def request(path: str) -> float:
        sent: list[Any] = []
        messages = [{"type": "http.request", "body": b"{}", "more_body": False}]

        async def receive() -> Any:
            return messages.pop(0)

        async def send(message: Any) -> None:
            sent.append(message)

        host = [(b"host", b"127.0.0.1:8080")]
        scope = {"type": "http", "method": "POST", "path": path, "query_string": b"", "headers": host}
        await app(scope, receive, send)
        assert sent[0]["status"] == 200
        return time.monotonic()

    async def both() -> tuple[float, float, float]:
        start = time.monotonic()
        slow = asyncio.create_task(request("/slow"))
        await asyncio.sleep(0.05)
        fast = await request("/fast")
        return start, fast, await slow

    start, fast, slow = asyncio.run(both())
    app.executor.shutdown()
    assert fast - start < 0.5 < slow - start


# ================================================================== faults
BAD_FAULTS = [
    ({"status": "abc"}, "status"),
    ({"status": 99}, "status"),
    ({"status": 101}, "status"),  # not a final answer
    ({"status": 600}, "status"),
    ({"status": True}, "status"),
    ({"status": 500.5}, "status"),
    ({"times": 0}, "times"),
    ({"times": 1.5}, "times"),
    ({"times": "2"}, "times"),
    ({"delay": -1}, "delay"),
    ({"delay": "slow"}, "delay"),
    ({"delay": 1e9}, "delay"),
    ({"retry_after": "soon"}, "retry_after"),
    ({"retry_after": -2}, "retry_after"),
    ({"headers": {"X-A": 1}}, "headers"),
    ({"headers": ["X-A"]}, "headers"),
    ({"headers": {"X-A": "a\r\nInjected: yes"}}, "headers"),
    ({"headers": {"Ā": "x"}}, "headers"),
    ({"headers": {"{": "x"}}, "headers"),
    ({"headers": {"X-A": "тест"}}, "headers"),
    ({"headers": {"Content-Length": "3"}}, "headers"),
    ({"body": 42}, "body"),
    ({"body": [1, 2]}, "body"),
    ({"path": "v1/cluster/list"}, "path"),
    ({"path": 7}, "path"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("spec", "field"), BAD_FAULTS)
def test_bad_fault_specs_are_refused(server: SandboxServer, spec: dict[str, Any], field: str) -> None:
    status, _, raw = call(server.url, "POST", "/__sandbox/faults", spec)
    assert status == 400
    error = ozon_error(raw)
    assert error["code"] == 3 and field in error["message"]
    # nothing was stored: the next call answers normally
    status, _, raw = call(server.url, "POST", "/v1/cluster/list", {"cluster_type": "CLUSTER_TYPE_OZON"})
    assert status == 200 and json.loads(raw)["clusters"]


def test_good_fault_specs_still_work(server: SandboxServer) -> None:
    server.fault(path="/v1/cluster/list", status=503, times=1, retry_after=2, headers={"X-Why": "test"})
    status, headers, raw = call(server.url, "POST", "/v1/cluster/list", {"cluster_type": "CLUSTER_TYPE_OZON"})
    assert status == 503 and headers["retry-after"] == "2" and headers["x-why"] == "test"
    assert ozon_error(raw)["code"] == 14
    server.fault(status=502, body="<html>bad gateway</html>", delay=0.01)
    status, headers, raw = call(server.url, "POST", "/v1/cluster/list", {"cluster_type": "CLUSTER_TYPE_OZON"})
    assert status == 502 and raw == b"<html>bad gateway</html>"


def test_faults_with_bodiless_statuses(server: SandboxServer) -> None:
    for status in (204, 304):
        server.fault(status=status, body={"ignored": True})
        got, _, raw = call(server.url, "POST", "/v1/cluster/list", {"cluster_type": "CLUSTER_TYPE_OZON"})
        assert (got, raw) == (status, b"")
    got, _, _ = call(server.url, "POST", "/v1/cluster/list", {"cluster_type": "CLUSTER_TYPE_OZON"})
    assert got == 200


@pytest.mark.parametrize("text", ["\\ud800", "\\udfff", "a\\ud83dz", "\\ud83d"])
def test_lone_surrogates_are_refused(server: SandboxServer, text: str) -> None:
    body = b'{"products": [{"offer_id": "' + text.encode() + b'"}]}'
    status, _, raw = call(server.url, "POST", "/v2/products/delete", body)
    assert status == 400 and "UTF-8" in ozon_error(raw)["message"]
    pair = b'{"products": [{"offer_id": "\\ud83d\\ude00"}]}'  # a proper pair is fine
    status, _, _ = call(server.url, "POST", "/v2/products/delete", pair)
    assert status == 200


@pytest.mark.parametrize(
    "args",
    [["--status", "abc"], ["--status", "700"], ["--times", "0"], ["--delay", "-1"], ["--path", "nope"]],
)
def test_bad_fault_options_of_the_cli(args: list[str], tmp_path: Path, run_cli: Any) -> None:
    r = run_cli("sandbox", "fault", *args, "--db", str(tmp_path / "s.sqlite3"))
    assert r.code == 2 and r.out == "" and r.err.count("\n") == 1 and "Traceback" not in r.err


# ================================================================== admin routes
@pytest.fixture(scope="module")
def guarded() -> Iterator[str]:
    """A sandbox server whose admin routes need a token (given through the environment)."""
    port = free_port()
    env = {**os.environ, "OINT_SANDBOX_ADMIN_TOKEN": "s3cret"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "oint", "sandbox", "serve", "--port", str(port), "--db", ":memory:"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            call(url, "GET", "/")
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.mark.parametrize("action", ["reset", "faults", "faults/clear"])
def test_admin_routes_need_the_token(guarded: str, action: str) -> None:
    body = {"status": 500} if action == "faults" else {}
    for auth in (None, "Bearer wrong", "s3cret", "Basic s3cret"):
        status, headers, raw = call(
            guarded, "POST", f"/__sandbox/{action}", body, {"Authorization": auth} if auth else {}
        )
        assert status == 401 and ozon_error(raw)["code"] == 16, auth
        assert headers["www-authenticate"] == "Bearer"
    status, _, _ = call(guarded, "POST", f"/__sandbox/{action}", body, {"Authorization": "Bearer s3cret"})
    assert status == 200
    call(guarded, "POST", "/__sandbox/faults/clear", {}, {"Authorization": "Bearer s3cret"})


def test_the_api_itself_needs_no_admin_token(guarded: str) -> None:
    status, _, raw = call(guarded, "POST", "/v1/cluster/list", {"cluster_type": "CLUSTER_TYPE_OZON"})
    assert status == 200 and json.loads(raw)["clusters"]


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.org"])
def test_serving_beyond_loopback_needs_a_token(host: str, run_cli: Any) -> None:
    r = run_cli("sandbox", "serve", "--host", host, "--port", str(free_port()), "--db", ":memory:")
    assert r.code == 2 and r.out == "" and r.err.count("\n") == 1
    assert "--admin-token" in r.err and "Traceback" not in r.err


def test_loopback_addresses() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.org", ""))


# ================================================================== 405
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "HEAD"])
def test_wrong_methods_get_405_with_allow(server: SandboxServer, method: str) -> None:
    status, headers, raw = call(server.url, method, "/v1/cluster/list")
    assert status == 405 and headers["allow"] == "POST"
    assert headers["content-type"] == "application/json"
    if method != "HEAD":
        assert ozon_error(raw) == {"code": 12, "message": "method is not allowed", "details": []}


def test_405_of_a_get_route_and_of_admin_routes(server: SandboxServer) -> None:
    status, headers, raw = call(server.url, "POST", "/v1/actions", {})
    assert (status, headers["allow"], ozon_error(raw)["code"]) == (405, "GET", 12)
    status, headers, raw = call(server.url, "GET", "/__sandbox/reset")
    assert (status, headers["allow"], ozon_error(raw)["code"]) == (405, "POST", 12)


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "PROPFIND", "POST"])
def test_unknown_paths_get_ozons_404_for_any_method(server: SandboxServer, method: str) -> None:
    status, headers, raw = call(server.url, method, "/v9/nothing/here")
    assert status == 404 and headers["content-type"] == "application/json"
    assert ozon_error(raw)["code"] == 5


# ================================================================== --help
SUBCOMMANDS = [
    "serve",
    "reset",
    "account",
    "fault",
    "faults-clear",
    "where",
    "routes",
    "clock",
    "advance",
    "buyers",
]


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("sub", SUBCOMMANDS)
def test_every_sandbox_command_has_help(sub: str, flag: str, run_cli: Any) -> None:
    r = run_cli("sandbox", sub, flag)
    assert r.code == 0 and r.err == ""
    assert r.out.startswith(f"usage: oint sandbox {sub}")


# ================================================================== one transaction a request
def test_a_savepoint_undoes_only_its_own_changes() -> None:
    store = Store(":memory:")
    with store.transaction():
        store.put("a", "k", "1", {"n": 1})
        with pytest.raises(ValueError), store.savepoint():
            store.put("a", "k", "2", {"n": 2})
            raise ValueError("undone")
        store.put("a", "k", "3", {"n": 3})  # the transaction goes on
    assert [key for key, _ in store.items("a", "k")] == ["1", "3"]
    with pytest.raises(ValueError), store.savepoint():  # outside a transaction: one of its own
        store.put("a", "k", "4", {"n": 4})
        raise ValueError("undone")
    assert [key for key, _ in store.items("a", "k")] == ["1", "3"]
    store.close()


def _writes_then(error: Exception | None) -> Handler:
    def handler(account: Account, body: dict[str, Any]) -> Any:
        account.put("probe", "written", {"by": "the model"})
        if error is not None:
            raise error
        return {"result": "kept"}

    return handler


@pytest.mark.parametrize(
    ("error", "status"), [(None, 200), (not_found("no such thing"), 404), (RuntimeError("a bug"), 500)]
)
def test_an_error_answer_undoes_the_models_changes_not_the_fault_or_the_log(
    error: Exception | None, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fault a request takes, its model's changes and its log line are one transaction; the
    model's changes are undone when it answers an error."""
    path = "/v2/product/pictures/info"
    sandbox = Sandbox(":memory:", rate_limits=False)
    model.handler("POST", path)  # the route's module imported (its route registered), then replaced
    monkeypatch.setitem(ROUTES, ("POST", path), _writes_then(error))
    sandbox.add_fault(path, status=0, delay=0.0)  # slowness only: the request takes it, then is answered
    response = sandbox.handle("POST", path, AUTH, b'{"product_id": [1111588191]}')
    assert response.status == status, response.body
    written = sandbox.store.get(DEMO_CLIENT_ID, "probe", "written")
    assert written == ({"by": "the model"} if error is None else None)
    assert sandbox.requests == [{"method": "POST", "path": path, "status": status}]
    assert sandbox.store.items("*", "fault") == []  # taken
    sandbox.close()


def test_a_model_bug_is_one_line_of_log_and_a_plain_500(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug answers Ozon's 500 without Python's words, and logs one line; the traceback only at
    DEBUG (no traceback on a `--sandbox` call's terminal)."""
    path = "/v2/product/pictures/info"
    sandbox = Sandbox(":memory:", rate_limits=False)
    model.handler("POST", path)
    monkeypatch.setitem(ROUTES, ("POST", path), _writes_then(ZeroDivisionError("division by zero")))
    with caplog.at_level("ERROR", logger="oint.sandbox"):
        response = sandbox.handle("POST", path, AUTH, b'{"product_id": [1111588191]}')
    assert response.status == 500 and json.loads(response.body)["message"] == "Internal error"
    (record,) = caplog.records
    assert not record.exc_info and "\n" not in record.getMessage()
    assert "ZeroDivisionError: division by zero" in record.getMessage()
    caplog.clear()
    with caplog.at_level("DEBUG", logger="oint.sandbox"):
        sandbox.handle("POST", path, AUTH, b'{"product_id": [1111588191]}')
    assert caplog.records[0].exc_info
    sandbox.close()


def test_request_log_line_has_the_query_with_the_token_masked() -> None:
    """The request log reads the same path + query the sandbox answers, and hides the admin token."""
    lines: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        pass

    scope = {"type": "http", "method": "GET", "path": "/__sandbox", "query_string": b"a=1&token=s3cret"}
    asyncio.run(RequestLog(app, lines.append)(scope, receive, send))
    (line,) = lines
    assert " GET /__sandbox?a=1&token=*** 404 " in line and "s3cret" not in line
