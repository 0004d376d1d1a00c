"""`--out FILE`: checked before anything is sent (exit 2, one line), and no answer lost when the
file cannot be written after the call (the answer on stdout, a line on stderr, exit 3)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, CliResult, SandboxServer, creds

from oint.apps.cli import main as cli_main
from oint.compat.base import SyncOIntClient
from oint.core.errors import UsageError
from oint.jobs.files import check_output, check_writable

PRODUCT_LIST = "/v3/product/list"
ARMED = "armed before the refused call"


def _list(run_cli: Any, server: SandboxServer, *extra: str) -> CliResult:
    result: CliResult = run_cli("ozon", "GetProductList", *creds(server.url), "--retries", "0", *extra)
    return result


def _assert_usage_error(r: CliResult, *needles: str) -> None:
    assert r.code == 2, (r.out, r.err)
    assert r.out == "" and r.err.count("\n") == 1 and "Traceback" not in r.err
    assert r.err.startswith("oint: --out: ")
    for needle in needles:
        assert needle in r.err, r.err
    assert DEMO_API_KEY not in r.err


def _arm(server: SandboxServer) -> None:
    server.fault(path=PRODUCT_LIST, status=500, times=1, body={"code": 13, "message": ARMED})


def _assert_nothing_sent(run_cli: Any, server: SandboxServer) -> None:
    """The fault armed before the refused run is still waiting: that run sent no request."""
    r = _list(run_cli, server)
    assert r.code == 1 and r.json()["message"] == ARMED, (r.out, r.err)


@pytest.mark.parametrize(
    ("make_out", "needles"),
    [
        (lambda d: str(d), ("is a folder",)),
        (lambda d: str(d) + "/", ("is a folder",)),
        (lambda d: str(d / "missing" / "answer.json"), ("does not exist", "missing")),
        (lambda d: str(d / "afile" / "answer.json"), ("is not a folder", "afile")),
        (lambda d: "", ("needs a file name",)),
    ],
    ids=["directory", "trailing-slash", "missing-folder", "file-as-folder", "empty"],
)
def test_bad_out_is_refused_before_the_call(
    run_cli: Any, server: SandboxServer, tmp_path: Path, make_out: Any, needles: tuple[str, ...]
) -> None:
    (tmp_path / "afile").write_text("x")
    _arm(server)
    out = make_out(tmp_path)
    r = _list(run_cli, server, "--out", out)
    _assert_usage_error(r, *needles)
    _assert_nothing_sent(run_cli, server)


def _unprivileged_prefix() -> list[str] | None:
    """How to run the CLI without the right to write everywhere: as is for a normal user; as
    `nobody` through setpriv for root (None when that is not possible here)."""
    if not hasattr(os, "geteuid"):
        return None
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] if setpriv else None


@pytest.mark.parametrize("target", ["new.json", "existing.json"])
def test_out_without_permission_is_refused(run_cli: Any, server: SandboxServer, target: str) -> None:
    prefix = _unprivileged_prefix()
    if prefix is None:
        pytest.skip("cannot run without write permission here (root without setpriv)")
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "pass"], capture_output=True, text=True, timeout=60
    )
    if probe.returncode != 0:  # e.g. an interpreter under /root, or its shared library, out of reach
        pytest.skip(f"the unprivileged user cannot run this Python: {probe.stderr.strip()[:200]}")
    base = Path(tempfile.mkdtemp(prefix="oint-out-"))  # not pytest's tmp: readable by `nobody`
    base.chmod(0o755)
    folder = base / "locked"
    folder.mkdir()
    (folder / "existing.json").write_text("{}")
    (folder / "existing.json").chmod(0o444)
    folder.chmod(0o555)
    try:
        _arm(server)
        cmd = [*prefix, sys.executable, "-m", "oint", "ozon", "GetProductList", *creds(server.url)]
        p = subprocess.run([*cmd, "--out", str(folder / target)], capture_output=True, text=True, timeout=60)
        r = CliResult(p.returncode, p.stdout, p.stderr)
        _assert_usage_error(r, "no permission", target if target == "existing.json" else "locked")
        _assert_nothing_sent(run_cli, server)
        assert not (folder / "new.json").exists() and (folder / "existing.json").read_text() == "{}"
    finally:
        folder.chmod(0o755)
        shutil.rmtree(base)


def test_out_without_permission_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same refusal where the OS says no (simulated: the tests may run as root)."""
    existing = tmp_path / "existing.json"
    existing.write_text("{}")
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(UsageError, match=r"^--out: no permission to write '.*existing\.json'$"):
        check_writable(str(existing), "--out")
    with pytest.raises(UsageError, match=r"^--out: no permission to create a file in '.*'$"):
        check_writable(str(tmp_path / "new.json"), "--out")


def test_check_out_accepts_writable_targets(tmp_path: Path) -> None:
    existing = tmp_path / "existing.json"
    existing.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "target.json")  # dangling: writing creates the target
    for path in (existing, tmp_path / "new.json", link):
        check_writable(str(path), "--out")
    assert not (tmp_path / "new.json").exists() and not (tmp_path / "target.json").exists()


def test_bad_out_on_a_local_helper(run_cli: Any, tmp_path: Path) -> None:
    r = run_cli("ozon", "GetProductStructure", "--out", str(tmp_path / "no" / "such.json"))
    _assert_usage_error(r, "does not exist")


def test_out_writes_the_answer(run_cli: Any, server: SandboxServer, tmp_path: Path) -> None:
    target = tmp_path / "answer.json"
    r = _list(run_cli, server, "--out", str(target))
    assert r.code == 0 and r.out == "" and r.err == ""
    assert json.loads(target.read_text("utf-8"))["result"]["items"]
    local = run_cli("ozon", "GetProductStructure", "--out", str(target))
    assert local.code == 0 and local.out == "" and "offer_id" in json.loads(target.read_text("utf-8"))


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (disk full on write)")
def test_disk_full_after_the_call_keeps_the_answer(run_cli: Any, server: SandboxServer) -> None:
    r = _list(run_cli, server, "--out", "/dev/full")
    assert r.code == 3, (r.out, r.err)
    assert r.json()["result"]["items"]  # the whole answer, on stdout
    assert r.err.count("\n") == 1 and "could not write '/dev/full'" in r.err
    assert "No space left on device" in r.err and "stdout" in r.err
    local = run_cli("ozon", "GetProductStructure", "--out", "/dev/full")
    assert local.code == 3 and "offer_id" in local.json() and "could not write" in local.err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (disk full on write)")
def test_error_answer_unwritable_keeps_exit_1(run_cli: Any, server: SandboxServer) -> None:
    server.fault(path=PRODUCT_LIST, status=500, times=1, body={"code": 13, "message": "boom"})
    r = _list(run_cli, server, "--out", "/dev/full")
    assert r.code == 1 and r.json()["message"] == "boom" and "could not write" in r.err


def test_folder_removed_during_the_call(
    server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: Any
) -> None:
    """--out passed the check, then its folder vanished while the request was in flight."""
    folder = tmp_path / "answers"
    folder.mkdir()
    real_call = SyncOIntClient._call

    def call_then_remove(self: SyncOIntClient, method: Any, values: Any) -> Any:
        result = real_call(self, method, values)
        shutil.rmtree(folder)
        return result

    monkeypatch.setattr(SyncOIntClient, "_call", call_then_remove)
    code = cli_main.main(["ozon", "GetProductList", *creds(server.url), "--out", str(folder / "a.json")])
    captured = capsysbinary.readouterr()
    assert code == 3
    assert json.loads(captured.out)["result"]["items"]
    err = captured.err.decode()
    assert err.count("\n") == 1 and "could not write" in err and "a.json" in err
    assert sys.platform == "win32" or "No such file or directory" in err


def test_job_files_are_checked_as_out_is(tmp_path: Path) -> None:
    """A job's --report or --out is checked by the same rule as a call's --out: a name whose
    folder is a file, or that ends in a slash, is refused by what it is (the job's check used
    to call the first 'a folder that does not exist' and miss the second)."""
    plain = tmp_path / "plain.txt"
    plain.write_text("")
    with pytest.raises(UsageError, match=r"^--report: '.*plain\.txt' is not a folder$"):
        check_output(str(plain / "report.csv"), "--report")
    with pytest.raises(UsageError, match=r"^--out: '.*' is a folder, not a file$"):
        check_writable(str(tmp_path / "no-such") + "/", "--out")
    assert check_output(str(tmp_path / "report.csv"), "--report") == "csv"
