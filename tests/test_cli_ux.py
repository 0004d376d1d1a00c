"""What a user of gh, httpie or aws expects of the command line: an error the terminal sees even
with `--out`, no binary on a terminal, exit codes that say "nothing found", "did you mean", a
start page that lists every command."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, CliResult, SandboxServer, creds

from oint.apps.cli import main as cli_main
from oint.core.errors import APIStatusError

PRODUCT_LIST = "/v3/product/list"
PDF_OPERATION = "v1_return_giveout_get_pdf"  # answered with a PDF (the operation layer's `file`)


def _on_a_terminal(args: list[str], env: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    """`python -m oint ARGS` with stdout on a pseudo-terminal: (exit code, what the terminal got,
    stderr)."""
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "oint", *args],
            stdout=follower,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
            timeout=60,
        )
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    return proc.returncode, shown, proc.stderr.decode()


# ------------------------------------------------------------------- 17: --out and error answers
def test_error_answer_with_out_says_so_on_stderr(run_cli: Any, server: SandboxServer, tmp_path: Path) -> None:
    server.fault(path=PRODUCT_LIST, status=500, times=1, body={"code": 13, "message": "boom"})
    target = tmp_path / "answer.json"
    r: CliResult = run_cli(
        "ozon", "GetProductList", *creds(server.url), "--retries", "0", "--out", str(target)
    )
    assert r.code == 1, (r.out, r.err)
    assert json.loads(target.read_text())["message"] == "boom"  # the error JSON where it was asked
    assert r.out == ""
    assert r.err.count("\n") == 1 and r.err.startswith("oint: Ozon answered HTTP 500, code 13: boom")
    assert str(target) in r.err and DEMO_API_KEY not in r.err


def test_error_answer_of_an_operation_with_out(run_cli: Any, server: SandboxServer, tmp_path: Path) -> None:
    target = tmp_path / "e.json"
    r = run_cli("ozon", "/v3/product/info/list", *creds(server.url), "--body", "{}", "--out", str(target))
    assert r.code == 1 and r.out == ""
    assert json.loads(target.read_text())["code"] == 3
    assert r.err.startswith("oint: Ozon answered HTTP 400, code 3") and r.err.count("\n") == 1


def test_error_line_is_one_line() -> None:
    e = APIStatusError(502, b"<html>\n<body>Bad\ngateway</body></html>", method="POST", path="/v1/x")
    line = cli_main.error_line(e)
    assert "\n" not in line and line.startswith("Ozon answered HTTP 502")


# ------------------------------------------------------------------- 17: binary answers
def test_binary_answer_is_not_written_to_a_terminal(sandbox_db: str) -> None:
    code, shown, err = _on_a_terminal(["ozon", PDF_OPERATION, "--sandbox", "--body", "{}"])
    assert code == 2, (shown, err)
    assert b"%PDF" not in shown and shown == b""
    assert err.count("\n") == 1 and "--out FILE" in err and "application/pdf" in err


def test_binary_answer_goes_to_a_pipe_or_a_file(run_cli: Any, sandbox_db: str, tmp_path: Path) -> None:
    piped = subprocess.run(
        [sys.executable, "-m", "oint", "ozon", PDF_OPERATION, "--sandbox", "--body", "{}"],
        capture_output=True,
        timeout=60,
    )
    assert piped.returncode == 0 and piped.stdout.startswith(b"%PDF"), piped.stderr
    target = tmp_path / "label.pdf"
    code, shown, err = _on_a_terminal(
        ["ozon", PDF_OPERATION, "--sandbox", "--body", "{}", "--out", str(target)]
    )
    assert code == 0 and shown == b"" and err == ""
    assert target.read_bytes().startswith(b"%PDF")


def test_unexpected_binary_answer_on_a_terminal(monkeypatch: pytest.MonkeyPatch, capsysbinary: Any) -> None:
    """An answer that turns out to be bytes (the operation layer did not say so) is refused too."""

    class Client:
        def close(self) -> None:
            pass

    monkeypatch.setattr(cli_main, "_is_terminal", lambda: True)
    code = cli_main.run_call(Client(), lambda c: b"%PDF-1.4 ...", None)
    captured = capsysbinary.readouterr()
    assert code == 2 and captured.out == b""
    assert b"of 12 bytes" in captured.err and b"--out FILE" in captured.err


# ------------------------------------------------------------------- 18: sandbox account twice
def _offer_ids(run_cli: Any, client_id: str, key: str) -> list[str]:
    r = run_cli("ozon", "GetProductList", "--sandbox", "--clientid", client_id, "--apikey", key)
    assert r.code == 0, (r.out, r.err)
    return [item["offer_id"] for item in r.json()["result"]["items"]]


def test_account_added_twice_is_refused(run_cli: Any, sandbox_db: str) -> None:
    first = run_cli("sandbox", "account", "--clientid", "3000001", "--apikey", "first-key")
    assert first.code == 0 and "3000001" in first.out and "first-key" not in first.out
    offers = _offer_ids(run_cli, "3000001", "first-key")
    assert offers and len(offers) == len(set(offers))
    again = run_cli("sandbox", "account", "--clientid", "3000001", "--apikey", "other")
    assert again.code == 2 and again.out == ""
    assert again.err.count("\n") == 1 and "already exists" in again.err and "--rotate-key" in again.err
    assert "other" not in again.err.replace("--rotate-key", "")
    assert _offer_ids(run_cli, "3000001", "first-key") == offers  # no second copy of the catalogue
    refused = run_cli("ozon", "GetProductList", "--sandbox", "--clientid", "3000001", "--apikey", "other")
    assert refused.code == 1  # the key did not change


def test_rotate_key_replaces_only_the_key(run_cli: Any, sandbox_db: str) -> None:
    assert run_cli("sandbox", "account", "--clientid", "3000002", "--apikey", "old-key").code == 0
    offers = _offer_ids(run_cli, "3000002", "old-key")
    r = run_cli("sandbox", "account", "--clientid", "3000002", "--apikey", "new-key", "--rotate-key")
    assert r.code == 0 and "key replaced" in r.out and "new-key" not in r.out
    assert _offer_ids(run_cli, "3000002", "new-key") == offers
    old = run_cli("ozon", "GetProductList", "--sandbox", "--clientid", "3000002", "--apikey", "old-key")
    assert old.code == 1
    missing = run_cli("sandbox", "account", "--clientid", "3000003", "--apikey", "k", "--rotate-key")
    assert missing.code == 2 and "no sandbox account 3000003" in missing.err
    both = run_cli("sandbox", "account", "--clientid", "3000002", "--apikey", "k", "--rotate-key", "--empty")
    assert both.code == 2 and both.err.count("\n") == 1


# ------------------------------------------------------------------- 22: MCP refusal wording
@pytest.mark.parametrize(
    ("today", "mode", "named", "not_named"),
    [
        ("2026-12-01", "auto", "POST /v2/product/pictures/import", "/v1/product/pictures/import"),
        ("2025-06-01", "auto", "POST /v1/product/pictures/import", "/v2/product/pictures/import"),
        ("2025-06-01", "current", "POST /v2/product/pictures/import", "/v1/product/pictures/import"),
    ],
)
def test_mcp_refusal_names_the_endpoint_of_today(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, today: str, mode: str, named: str, not_named: str
) -> None:
    from test_mcp_service import make

    monkeypatch.setenv("OINT_OZON_TODAY", today)
    monkeypatch.setenv("OINT_OZON_API", mode)
    session = make(tmp_path)
    try:
        refused = session.fail("UpdateProductImages", product_id=1111588191, images=["https://x/1.jpg"])
    finally:
        session.close()
    message = refused["error"]["message"]
    assert named in message and not_named not in message and "read-only" in message


# ------------------------------------------------------------------- 22: successor warnings
AFTER_SWITCH_OFF = "2026-12-01"  # /v1/warehouse/list was switched off on 2026-04-07


def _warehouse_warnings(sandbox_db: str, calls: int) -> list[str]:
    from oint.compat.flows import forget_said
    from oint.core.errors import SuccessorWarning
    from oint.ozon import OzonClient

    forget_said()
    with warnings.catch_warnings(record=True) as caught, OzonClient(sandbox=sandbox_db) as ozon:
        warnings.simplefilter("always")
        for _ in range(calls):
            assert len(ozon.get_warehouses_list()["result"]) == 3
    return [str(w.message) for w in caught if issubclass(w.category, SuccessorWarning)]


def test_warehouses_limitation_is_said_once_per_process(
    sandbox_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OINT_OZON_TODAY", AFTER_SWITCH_OFF)
    monkeypatch.delenv("OINT_SUCCESSOR_WARNINGS", raising=False)
    said = _warehouse_warnings(sandbox_db, 3)
    assert len(said) == 1 and said[0].startswith("GetWarehousesList: /v2/warehouse/list does not report")


@pytest.mark.parametrize("value", ["off", "0", "false"])
def test_successor_warnings_off_by_environment(
    sandbox_db: str, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("OINT_OZON_TODAY", AFTER_SWITCH_OFF)
    monkeypatch.setenv("OINT_SUCCESSOR_WARNINGS", value)
    assert _warehouse_warnings(sandbox_db, 2) == []


def test_successor_warnings_off_in_the_cli(run_cli: Any, sandbox_db: str) -> None:
    env = {"OINT_OZON_TODAY": AFTER_SWITCH_OFF, "OINT_SANDBOX_DB": sandbox_db}
    said = run_cli("ozon", "GetWarehousesList", "--sandbox", env=env)
    assert (
        said.code == 0
        and said.err.startswith("oint: warning: GetWarehousesList:")
        and said.err.count("\n") == 1
    )
    flag = run_cli("ozon", "GetWarehousesList", "--sandbox", "--no-successor-warnings", env=env)
    assert flag.code == 0 and flag.err == "" and len(flag.json()["result"]) == 3
    quiet = run_cli("ozon", "GetWarehousesList", "--sandbox", env={**env, "OINT_SUCCESSOR_WARNINGS": "off"})
    assert quiet.code == 0 and quiet.err == ""
    helped = run_cli("ozon", "GetWarehousesList", "--help")
    assert "--no-successor-warnings" in helped.out and "OINT_SUCCESSOR_WARNINGS=off" in helped.out


# ------------------------------------------------------------------- 22: oint --help
def test_start_page_lists_every_command() -> None:
    """Every command the dispatcher knows (as completion lists them) is on `oint --help`."""
    from oint.apps.cli.bulk_cmd import JOBS_OPTIONS
    from oint.apps.cli.completion import COMMANDS, OZON_COMMANDS
    from oint.apps.cli.render import start_page
    from oint.apps.cli.sandbox_cmd import HELP as SANDBOX_HELP

    usage = start_page().split("Usage:", 1)[1].split("\n\n", 1)[0]
    words = {tuple(line.split()[:3]) for line in usage.splitlines() if line.strip().startswith("oint ")}
    firsts = {w[1] for w in words}
    assert set(COMMANDS) <= firsts, set(COMMANDS) - firsts
    ozon = {w[2] for w in words if w[1] == "ozon" and len(w) > 2}
    assert set(OZON_COMMANDS) <= ozon, set(OZON_COMMANDS) - ozon
    jobs = {name for w in words if w[1] == "bulk" for name in w[2].split("|")}
    assert set(JOBS_OPTIONS) <= jobs
    sandbox = {name for w in words if w[1] == "sandbox" for name in w[2].split("|")}
    assert set(SANDBOX_HELP) <= sandbox


# ------------------------------------------------------------------- 23: did you mean
@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (["ozon", "UpdateProductImage"], "did you mean UpdateProductImages?"),
        (["ozon", "updateproductimage", "--productid", "1"], "did you mean UpdateProductImages?"),
        (["ozon", "ПолучитьСписокСклад"], "did you mean ПолучитьСписокСкладов?"),
        (["ozon", "exprt", "stocks"], "did you mean export?"),
        (["ozon", "v3_posting_fbs_lis"], "did you mean v3_posting_fbs_list?"),
        (["ozon", "/v3/posting/fbs/lst"], "did you mean /v3/posting/fbs/list?"),
        (
            ["ozon", "UpdateProductImages", "--sandbox", "--productid", "1", "--imagess", "['x']"],
            "did you mean --images?",
        ),
        (["ozon", "GetProductList", "--sandbox", "--sandbx"], "did you mean --sandbox?"),
        (["ozon", "v3_posting_fbs_list", "--sandbox", "--limt", "3"], "did you mean --limit?"),
        (["ozn"], "did you mean ozon?"),
        (["sandbox", "advnce", "1h"], "did you mean advance?"),
        (["sandbox", "serve", "--prot", "0"], "did you mean --port?"),
    ],
)
def test_did_you_mean(run_cli: Any, sandbox_db: str, args: list[str], suggestion: str) -> None:
    r = run_cli(*args, env={"OINT_SANDBOX_DB": sandbox_db})
    assert r.code == 2 and r.out == "", (r.out, r.err)
    assert r.err.count("\n") == 1 and suggestion in r.err and "Traceback" not in r.err


def test_no_suggestion_when_nothing_is_near(run_cli: Any) -> None:
    r = run_cli("ozon", "TotallyUnrelatedWords")
    assert r.code == 2 and "did you mean" not in r.err and "'oint ozon' lists" in r.err


# ------------------------------------------------------------------- 23: sandbox advance reports
def test_advance_reports_what_happened(run_cli: Any, tmp_path: Path) -> None:
    from oint.sandbox.core import Sandbox
    from oint.sandbox.model import market
    from oint.sandbox.model.base import Account

    db = str(tmp_path / "advance.sqlite3")
    assert run_cli("sandbox", "buyers", "--orders-per-day", "200", "--seed", "5", "--db", db).code == 0
    before = run_cli("sandbox", "clock", "--freeze", "--db", db).json()
    orders_before = run_cli("sandbox", "buyers", "--db", db).json()["orders"]
    moved = run_cli("sandbox", "advance", "1d", "--db", db)
    assert moved.code == 0, moved.err
    answer = moved.json()
    assert answer["epoch"] - before["epoch"] == 86400  # still the clock's description
    orders = run_cli("sandbox", "buyers", "--db", db).json()["orders"] - orders_before
    demo = answer["happened"]["2128753"]
    assert orders > 0 and demo["order_created"] == orders
    sb = Sandbox(db)
    try:
        logged = market.events(Account(sb.store, "2128753", sb.clock()), before["epoch"])
    finally:
        sb.close()
    assert sum(demo.values()) == len(logged)
    lines = moved.err.splitlines()
    assert lines[0].startswith("oint sandbox: sandbox time moved on 1d, to ")
    assert f"account 2128753: {orders} orders" in lines[1]
    assert run_cli("sandbox", "buyers", "--orders-per-day", "0", "--db", db).code == 0
    quiet = run_cli("sandbox", "advance", "1m", "--db", db)
    assert quiet.code == 0 and "nothing happened" in quiet.err and quiet.json()["happened"] == {}


# ------------------------------------------------------------------- 23: sandbox serve
class Served:
    """`oint sandbox serve --port 0` with its stdout and stderr in files, once its banner is out."""

    def __init__(self, tmp_path: Path, db: str, *args: str) -> None:
        self.out_path, self.err_path = tmp_path / "serve.out", tmp_path / "serve.err"
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "oint", "sandbox", "serve", "--port", "0", "--db", db, *args],
                stdout=out,
                stderr=err,
            )
        self.url = ""
        for _ in range(600):  # the banner comes once the server listens
            found = re.search(r"listening at (http://\S+)", self.out_path.read_text())
            if found:
                self.url = found.group(1)
                break
            assert self.proc.poll() is None, self.err_path.read_text()
            time.sleep(0.05)
        assert self.url, "no banner"

    @property
    def banner(self) -> str:
        return self.out_path.read_text()

    def log(self) -> list[str]:
        return self.err_path.read_text().splitlines()

    def post(self, path: str, key: str = DEMO_API_KEY) -> int:
        request = urllib.request.Request(
            self.url + path,
            data=b"{}",
            method="POST",
            headers={"Client-Id": "2128753", "Api-Key": key, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as e:
            return int(e.code)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (GET|POST) (\S+) (\d{3}) \d+\.\d ms$")


def test_serve_prints_a_banner_and_logs_each_request(tmp_path: Path) -> None:
    served = Served(tmp_path, str(tmp_path / "s.sqlite3"))
    try:
        port = int(served.url.rsplit(":", 1)[1])
        assert port > 0  # --port 0: the port it got, not 0
        banner = served.banner
        assert f"{served.url}/__sandbox/" in banner and "2128753" in banner and DEMO_API_KEY in banner
        assert str(tmp_path / "s.sqlite3") in banner
        assert served.post("/v3/product/list") == 200
        assert served.post("/v3/product/list", key="wrong") == 403
        with urllib.request.urlopen(served.url + "/__sandbox/requests?token=s3cret&x=1", timeout=30) as page:
            assert page.status == 200
        for _ in range(100):  # the line is written once the answer is sent
            if len(served.log()) >= 3:
                break
            time.sleep(0.05)
    finally:
        served.stop()
    lines = served.log()
    parsed = [LOG_LINE.match(line) for line in lines]
    assert all(parsed), lines
    seen = [(m.group(1), m.group(2), m.group(3)) for m in parsed if m]
    assert seen[:3] == [
        ("POST", "/v3/product/list", "200"),
        ("POST", "/v3/product/list", "403"),
        ("GET", "/__sandbox/requests?token=***&x=1", "200"),
    ]
    assert "s3cret" not in served.err_path.read_text()


def test_serve_quiet_logs_no_request(tmp_path: Path) -> None:
    served = Served(tmp_path, str(tmp_path / "q.sqlite3"), "--quiet")
    try:
        assert served.post("/v3/product/list") == 200
    finally:
        served.stop()
    assert "listening at" in served.banner and served.log() == []


def test_serve_masks_a_key_that_is_not_the_demo_one(tmp_path: Path, run_cli: Any) -> None:
    db = str(tmp_path / "k.sqlite3")
    assert run_cli("sandbox", "reset", "--db", db).code == 0
    rotated = run_cli(
        "sandbox", "account", "--clientid", "2128753", "--apikey", "private-k3y", "--rotate-key", "--db", db
    )
    assert rotated.code == 0, rotated.err
    served = Served(tmp_path, db, "--quiet")
    try:
        assert served.post("/v3/product/list", key="private-k3y") == 200
    finally:
        served.stop()
    assert "private-k3y" not in served.banner and "masked" in served.banner and "2128753" in served.banner


# ------------------------------------------------------------------- 23: --all-pages of OInt's lists
SEEDED = 450  # with the demo's 4 products: three pages of GetProductList (200 a page)


@pytest.fixture
def seeded_db(run_cli: Any, sandbox_db: str) -> str:
    r = run_cli("sandbox", "seed", "--products", str(SEEDED), "--db", sandbox_db)
    assert r.code == 0, r.err
    return sandbox_db


def _lines(r: CliResult) -> list[Any]:
    assert r.code == 0, r.err
    return [json.loads(line) for line in r.out.splitlines()]


@pytest.mark.parametrize(
    ("function", "key"),
    [
        ("GetProductList", "product_id"),  # by last_id, 200 a page
        ("GetProductsStocks", "product_id"),  # by cursor, 100 a page
        ("GetProductsPrices", "product_id"),  # by cursor
        ("GetProductsAttributesData", "id"),  # by last_id, items at 'result'
    ],
)
def test_all_pages_of_an_oint_function(run_cli: Any, seeded_db: str, function: str, key: str) -> None:
    items = _lines(run_cli("ozon", function, "--sandbox", "--all-pages"))
    ids = [item[key] for item in items]
    assert len(ids) == SEEDED + 4 and len(set(ids)) == len(ids)
    from oint.compat.methods import REGISTRY
    from oint.core.paging import page_items

    endpoint = REGISTRY[function].endpoint
    assert endpoint is not None
    page = page_items(endpoint, run_cli("ozon", function, "--sandbox").json())
    assert 0 < len(page) < len(ids) and ids[: len(page)] == [item[key] for item in page]


def test_all_pages_by_offset(run_cli: Any, seeded_db: str) -> None:
    """GetAvailablePromoProducts pages by --offset (100 a page) in both implementations."""
    action = run_cli("ozon", "GetPromotionsList", "--sandbox").json()["result"][0]
    for today in ("2025-06-01", "2026-12-01"):  # OInt's /v1/actions/candidates, then /v2's
        env = {"OINT_OZON_TODAY": today, "OINT_SANDBOX_API_DATE": today}
        r = run_cli(
            "ozon",
            "GetAvailablePromoProducts",
            "--sandbox",
            "--actionid",
            str(action["id"]),
            "--all-pages",
            env=env,
        )
        ids = [item["id"] for item in _lines(r)]
        assert len(ids) == action["potential_products_count"] > 100 and len(set(ids)) == len(ids), today


def test_all_pages_to_a_file_and_refused_where_nothing_pages(
    run_cli: Any, seeded_db: str, tmp_path: Path
) -> None:
    target = tmp_path / "products.jsonl"
    r = run_cli("ozon", "GetProductList", "--sandbox", "--all-pages", "--out", str(target))
    assert r.code == 0 and r.out == "" and len(target.read_text().splitlines()) == SEEDED + 4
    refused = run_cli(
        "ozon", "GetProductsInformation", "--sandbox", "--productid", "1111588191", "--all-pages"
    )
    assert refused.code == 2 and refused.err.count("\n") == 1 and "does not page" in refused.err
    helped = run_cli("ozon", "GetProductList", "--help")
    assert "--all-pages" in helped.out


# ------------------------------------------------------------------- 23: completion of operations
def test_completion_of_operation_names_and_paths() -> None:
    from oint.apps.cli.completion import candidates

    assert candidates(["ozon", "v3_posting_fbs_l"]) == ["v3_posting_fbs_list"]
    assert candidates(["ozon", "V3_POSTING_FBS_L"]) == ["v3_posting_fbs_list"]
    assert candidates(["ozon", "/v3/posting/fbs/l"]) == ["/v3/posting/fbs/list"]
    assert "v3_product_list" in candidates(["ozon", "v3"]) and "GetProductList" not in candidates(
        ["ozon", "v3"]
    )
    assert "GetProductList" in candidates(["ozon", "Get"])  # OInt's functions as before


def test_completion_of_every_operations_options() -> None:
    """Each option offered after an operation is one `oint ozon <operation>` takes."""
    from oint.apis.seller import spec
    from oint.apps.cli.completion import FILES, candidates
    from oint.apps.cli.ops_cmd import parse_call
    from oint.core.errors import UsageError

    for path in spec.operations():
        op = spec.operation(path)
        found = candidates(["ozon", op.name, "--"])
        assert found == candidates(["ozon", path, ""]), path
        assert ("--all-pages" in found) == (op.paging is not None)
        assert ("--body" in found) == op.has_body
        for option in found:
            try:
                parse_call(
                    op,
                    [option]
                    if option in ("--sandbox", "--help", "--debug", "--all-pages")
                    else [option, "1"],
                )
            except UsageError as e:
                assert "unknown option" not in str(e), (path, option, str(e))
    assert candidates(["ozon", "v3_posting_fbs_list", "--fil"]) == ["--filter"]
    assert candidates(["ozon", "v3_posting_fbs_list", "--limit", "5", "--l"]) == []  # given already
    assert candidates(["ozon", "v3_posting_fbs_list", "--filter", ""]) == [FILES]  # JSON or a JSON file
    assert candidates(["ozon", "v3_posting_fbs_list", "--body", ""]) == [FILES]
    assert candidates(["ozon", "v1_analytics_product_queries", "--sort_dir", ""]) == [
        "DESCENDING",
        "ASCENDING",
    ]
    assert candidates(["ozon", "v1_analytics_product_queries", "--sort_dir=a"]) == ["--sort_dir=ASCENDING"]
    assert candidates(["ozon", "v1_analytics_stocks", "--unmarked_stocks_only", ""]) == ["true", "false"]
    assert candidates(["ozon", "v3_posting_fbs_list", "--all-pages", "--l"]) == ["--limit"]
    assert candidates(["ozon", "v9_no_such_thing", ""]) == []


OPERATION_CASES = [
    (["oint", "ozon", "v3_posting_fbs_l"], ["v3_posting_fbs_list"]),
    (["oint", "ozon", "/v3/posting/fbs/l"], ["/v3/posting/fbs/list"]),
    (["oint", "ozon", "v3_posting_fbs_list", "--fil"], ["--filter"]),
    (["oint", "ozon", "v1_analytics_product_queries", "--sort_dir", "D"], ["DESCENDING"]),
]


@pytest.mark.parametrize(("words", "expected"), OPERATION_CASES)
def test_bash_completes_operations(tmp_path: Path, words: list[str], expected: list[str]) -> None:
    from test_completion import BASH_DRIVER, _env, _shell

    p = subprocess.run(
        [_shell("bash"), "-c", BASH_DRIVER, "driver", *words],
        capture_output=True,
        text=True,
        timeout=30,
        env=_env(),
        cwd=tmp_path,
    )
    assert p.returncode == 0 and p.stdout.split("\n")[:-1] == expected, (p.stdout, p.stderr)


@pytest.mark.parametrize(("words", "expected"), OPERATION_CASES)
def test_zsh_completes_operations(words: list[str], expected: list[str]) -> None:
    from test_completion import ZSH_DRIVER, _env, _shell

    p = subprocess.run(
        [_shell("zsh"), "-f", "-c", ZSH_DRIVER, "driver", *words],
        capture_output=True,
        text=True,
        timeout=30,
        env=_env(),
    )
    assert p.returncode == 0 and p.stdout.split("\n")[:-1] == expected, (p.stdout, p.stderr)


@pytest.mark.parametrize(("words", "expected"), OPERATION_CASES)
def test_fish_completes_operations(tmp_path: Path, words: list[str], expected: list[str]) -> None:
    from test_completion import _env, _shell

    code = f'oint completion fish | source; complete -C "{" ".join(words)}"'
    p = subprocess.run(
        [_shell("fish"), "--no-config", "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        env=_env(),
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr
    assert [c.split("\t")[0] for c in p.stdout.splitlines()] == expected, (p.stdout, p.stderr)


def test_operation_fields_in_any_case() -> None:
    """Options are read case-insensitively (as completion offers them): --warehouseid is warehouseId."""
    from oint.apis.seller import spec
    from oint.apps.cli.ops_cmd import parse_call

    op = spec.operation("v1_report_warehouse_stock")
    for option in ("--warehouseId", "--warehouseid", "--WAREHOUSEID"):
        body, _, _, _ = parse_call(op, [option, "[1020005000050693]", "--language", "EN"])
        assert body == {"warehouseId": [1020005000050693], "language": "EN"}
