"""The security audit's probes, kept in the suite (issue: hardening, second round):

1. a read-only MCP server must not open any file as a bulk job's journal: `bulk_progress` and
   `bulk_report` take a job's id, never a path (a foreign SQLite file stays byte for byte);
2. `bulk_start` reads files only from the folders the user allowed (`--files-dir`), never through
   a link that leads out of them, and echoes nothing of a refused file;
3. a web page in the user's browser cannot drive a served sandbox: admin writes need JSON and
   the server's own origin, and the admin routes and the web view answer only to this machine's
   names (DNS rebinding);
4. the sandbox's state file (it holds the accounts' keys) is readable by its owner only.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, FBS, SandboxServer, start_server, write_csv
from sandbox_http import call

from oint.apps.mcp.access import WritePolicy
from oint.apps.mcp.service import Service, Settings
from oint.core.errors import UsageError
from oint.jobs.journal import check_job_id
from oint.sandbox.guard import HostPolicy, check, host_name
from oint.sandbox.store import Store


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tool(tmp_path: Path, name: str, files_dirs: tuple[str, ...] = (), **arguments: Any) -> tuple[bool, Any]:
    """One tool call over the embedded sandbox, (is_error, answer): on a read-only server for the
    journal tools, with writes allowed for bulk_start (so that it gets as far as the file)."""
    settings = Settings(
        sandbox=str(tmp_path / "sandbox.sqlite3"),
        policy=WritePolicy.parse("" if name == "bulk_start" else None),
        out_dir=str(tmp_path / "out"),
        files_dirs=files_dirs,
    )
    service = Service(settings, secrets=[DEMO_API_KEY])

    async def main() -> tuple[bool, Any]:
        try:
            reply = await service.call(name, arguments)
            return reply.is_error, json.loads(service.text(reply))
        finally:
            await service.aclose()

    return asyncio.run(main())


@pytest.fixture
def jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "jobs"
    folder.mkdir()
    monkeypatch.setenv("OINT_JOBS_DIR", str(folder))
    monkeypatch.delenv("OINT_SANDBOX_DB", raising=False)
    return folder


@pytest.fixture
def foreign_db(tmp_path: Path) -> Path:
    """Somebody else's SQLite database (rollback journal, one table)."""
    path = tmp_path / "victim" / "app.sqlite3"
    path.parent.mkdir()
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE users (name TEXT)")
    db.execute("INSERT INTO users VALUES ('ann')")
    db.commit()
    db.close()
    return path


# ------------------------------------------------------------------ 1. journals by id only
@pytest.mark.parametrize("tool", ["bulk_progress", "bulk_report"])
def test_a_job_named_by_a_path_is_refused_and_the_file_left_alone(
    tool: str, tmp_path: Path, jobs: Path, foreign_db: Path
) -> None:
    before = _digest(foreign_db)
    relative = os.path.relpath(foreign_db, jobs)[: -len(".sqlite3")]  # ../victim/app
    for job in (str(foreign_db), relative, "../victim/app", "..", "/etc/passwd", "a/b", "*", ""):
        is_error, answer = _tool(tmp_path, tool, job=job)
        assert is_error, (job, answer)
        assert "job" in answer["error"]["message"], answer
    assert _digest(foreign_db) == before
    assert sorted(p.name for p in foreign_db.parent.iterdir()) == ["app.sqlite3"]  # no -wal, no -shm
    tables = sqlite3.connect(foreign_db).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("users",)]


def test_a_foreign_database_in_the_jobs_folder_is_not_taken_for_a_journal(
    tmp_path: Path, jobs: Path, foreign_db: Path
) -> None:
    planted = jobs / "planted.sqlite3"
    planted.write_bytes(foreign_db.read_bytes())
    before = _digest(planted)
    is_error, answer = _tool(tmp_path, "bulk_progress", job="planted")
    assert is_error and "not a bulk job's journal" in answer["error"]["message"]
    assert _digest(planted) == before and not (jobs / "planted.sqlite3-wal").exists()


def test_job_ids_are_plain_names() -> None:
    assert check_job_id("20261207-101500-stocks-3f2a") == "20261207-101500-stocks-3f2a"
    assert check_job_id("stocks-3f2a") == "stocks-3f2a"
    for bad in ("../x", "/tmp/x", "x/y", "x.sqlite3", "-x", "", "a" * 101, "x*", 5, None):
        with pytest.raises(UsageError):
            check_job_id(bad)


# ------------------------------------------------------------------ 2. files from allowed folders
def test_bulk_start_reads_no_file_without_files_dir(tmp_path: Path, jobs: Path) -> None:
    rows = write_csv(tmp_path / "stocks.csv", ["offer_id", "warehouse_id", "stock"], [["A", FBS, 1]])
    is_error, answer = _tool(tmp_path, "bulk_start", kind="stocks", file=rows)
    assert is_error and "reads no files" in answer["error"]["message"]
    assert "A," not in json.dumps(answer)


@pytest.mark.parametrize("target", ["/etc/passwd", "/proc/self/environ"])
def test_a_csv_link_out_of_the_allowed_folder_is_refused_and_not_echoed(
    target: str, tmp_path: Path, jobs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not os.access(target, os.R_OK):
        pytest.skip(f"{target} is not readable here")
    monkeypatch.setenv("OINT_PROBE_SECRET", "canary-0123456789")  # in /proc/self/environ
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    link = allowed / "stocks.csv"
    link.symlink_to(target)
    with open(target, "rb") as fh:
        first_line = fh.read(4096).split(b"\n")[0].split(b"\0")[0].decode("latin-1")
    for file in (str(link), "stocks.csv", target, str(allowed / ".." / "allowed" / "stocks.csv")):
        is_error, answer = _tool(tmp_path, "bulk_start", (str(allowed),), kind="stocks", file=file)
        text = json.dumps(answer)
        assert is_error, (file, answer)
        assert first_line[:20] not in text and "canary-0123456789" not in text
        assert "root:" not in text


def test_a_file_outside_the_allowed_folders_is_refused(tmp_path: Path, jobs: Path) -> None:
    allowed, other = tmp_path / "allowed", tmp_path / "other"
    allowed.mkdir()
    other.mkdir()
    outside = write_csv(other / "stocks.csv", ["offer_id", "warehouse_id", "stock"], [["SECRET-ROW", FBS, 1]])
    inside = write_csv(allowed / "stocks.csv", ["offer_id", "warehouse_id", "stock"], [["91132", FBS, 1]])
    for file in (outside, "../other/stocks.csv"):
        is_error, answer = _tool(tmp_path, "bulk_start", (str(allowed),), kind="stocks", file=file)
        assert is_error and "not a file in the folders" in answer["error"]["message"]
        assert "SECRET-ROW" not in json.dumps(answer)
    for file in (inside, "stocks.csv"):  # inside the folder, by path or relative to it: previewed
        is_error, answer = _tool(tmp_path, "bulk_start", (str(allowed),), kind="stocks", file=file)
        assert not is_error and answer["preview"]["rows"] == 1, answer
        assert answer["preview"]["source"] == os.path.realpath(inside)


# ------------------------------------------------------------------ 3. cross-site requests
@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = str(tmp_path_factory.mktemp("guarded") / "state.sqlite3")
    server = start_server(db, "--no-rate-limit", "--allowed-host", "oint-sandbox.test")
    yield server
    server.stop()


def _requests_logged(server: SandboxServer) -> int:
    status, _, raw = call(server.url, "GET", "/__sandbox/requests")
    assert status == 200
    return len(json.loads(raw)["requests"])


FAULT = {"path": "/v1/cluster/list", "status": 503, "times": 1}


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "text/plain"},  # a simple request: no CORS preflight
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "multipart/form-data; boundary=x"},
        {"Content-Type": "application/json", "Origin": "http://evil.example"},
        {"Content-Type": "application/json", "Origin": "null"},
        {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
        {"Content-Type": "application/json", "Sec-Fetch-Site": "same-site"},
        {"Content-Type": "application/json", "Host": "evil.example:8080"},  # DNS rebinding
    ],
)
def test_cross_site_admin_writes_are_refused(served: SandboxServer, headers: dict[str, str]) -> None:
    call(served.url, "POST", "/__sandbox/requests/clear", {})
    call(served.url, "POST", "/v1/cluster/list", {"cluster_type": "CLUSTER_TYPE_OZON"})
    logged = _requests_logged(served)
    assert logged >= 1
    for action, body in (("reset", {}), ("faults", FAULT), ("requests/clear", {})):
        status, _, raw = call(served.url, "POST", f"/__sandbox/{action}", json.dumps(body).encode(), headers)
        assert status == 403, (action, headers, raw)
        assert json.loads(raw)["code"] == 7
    assert _requests_logged(served) == logged  # nothing was cleared or reset
    status, _, _ = call(served.url, "POST", "/v1/cluster/list", {"cluster_type": "CLUSTER_TYPE_OZON"})
    assert status == 200  # no fault was armed


def test_own_origin_and_tools_without_origin_may_write(served: SandboxServer) -> None:
    port = served.url.rsplit(":", 1)[1]
    for headers in (
        {},  # the CLI, scripts, tests: no Origin, no Sec-Fetch-Site
        {"Origin": served.url, "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},  # typed by the user
        {"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"},
        {"Host": f"oint-sandbox.test:{port}"},  # --allowed-host
    ):
        status, _, raw = call(served.url, "POST", "/__sandbox/requests/clear", {}, headers)
        assert status == 200, (headers, raw)


@pytest.mark.parametrize(
    "path", ["/__sandbox/requests", "/__sandbox/", "/__sandbox/products", "/v1/cluster/list"]
)
def test_rebinding_host_reads_nothing(served: SandboxServer, path: str) -> None:
    method = "POST" if path.startswith("/v1/") else "GET"
    body = {"cluster_type": "CLUSTER_TYPE_OZON"} if method == "POST" else None
    for host in ("evil.example", "evil.example:8080", "127.0.0.1.evil.example", "10.0.0.1", ""):
        status, _, raw = call(served.url, method, path, body, {"Host": host, "Accept": "text/html"})
        assert status == 403, (path, host, raw[:200])
        assert b"cluster" not in raw and b"<html" not in raw.lower()
    status, _, _ = call(served.url, method, path, body, {"Accept": "text/html"})
    assert status == 200


def test_host_policy_unit() -> None:
    local = HostPolicy()
    assert local.trusts("127.0.0.1:8080") and local.trusts("localhost") and local.trusts("[::1]:80")
    assert local.trusts("127.5.6.7") and not local.trusts("evil.example") and not local.trusts("")
    assert not local.trusts("localhost.evil.example") and local.checks_every_route
    wide = HostPolicy.of("0.0.0.0", ["shop.lan"])
    assert wide.trusts("shop.lan:8080") and not wide.trusts("0.0.0.0") and not wide.checks_every_route
    assert HostPolicy.of("192.168.1.5").trusts("192.168.1.5:8080")
    assert host_name("[::1]:8080") == "::1" and host_name("Example.COM.:80") == "example.com"
    # on a wide server the API routes answer any Host; the admin routes still do not
    api = {"Host": "shop.example"}
    assert check(wide, "POST", "/v1/cluster/list", api) is None
    assert check(wide, "GET", "/__sandbox/requests", api) is not None
    assert check(local, "POST", "/v1/cluster/list", api) is not None
    json_local = {"Host": "127.0.0.1:1", "Content-Type": "application/json; charset=utf-8"}
    assert check(local, "POST", "/__sandbox/reset", json_local) is None
    assert (
        check(local, "POST", "/__sandbox/reset", {**json_local, "Origin": "http://127.0.0.1:2"}) is not None
    )


# ------------------------------------------------------------------ 4. the state file
def test_the_state_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    store = Store(str(path))
    store.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for companion in (tmp_path / "state.sqlite3-wal", tmp_path / "state.sqlite3-shm"):
        if companion.exists():
            assert stat.S_IMODE(companion.stat().st_mode) & 0o077 == 0
    os.chmod(path, 0o644)  # made by an older oint
    Store(str(path)).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_served_state_file_is_private(served: SandboxServer) -> None:
    assert stat.S_IMODE(os.stat(served.db).st_mode) == 0o600
