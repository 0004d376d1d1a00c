"""Bulk jobs end to end: `oint ozon bulk`, `oint ozon export`, `oint bulk`, and the library,
against the sandbox with Ozon's limits on and a scaled clock (OINT_TIME_SCALE=60: an Ozon
minute lasts a second at both ends)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    BRAND,
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    FBS,
    RFBS,
    CliResult,
    SandboxServer,
    _post,
    attribute,
    creds,
    film_product,
    read_csv,
    start_server,
    write_csv,
)

from oint import bulk
from oint.ozon import AsyncOzonClient, OzonClient
from oint.sandbox.store import Store

RunCli = Any  # the run_cli fixture


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh jobs folder and sandbox state, Ozon's clock 60 times faster (here and in subprocesses)."""
    values = {
        "OINT_JOBS_DIR": str(tmp_path / "jobs"),
        "OINT_SANDBOX_DB": str(tmp_path / "sandbox.sqlite3"),
        "OINT_TIME_SCALE": "60",
        "OINT_PROGRESS_EVERY": "0.5",
    }
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return values


def seed(run_cli: RunCli, env: dict[str, str], products: int) -> None:
    r = run_cli("sandbox", "seed", "--products", str(products), env=env)
    assert r.code == 0, r.err


def the_job(env: dict[str, str]) -> Path:
    jobs = sorted(Path(env["OINT_JOBS_DIR"]).glob("*.sqlite3"))
    assert len(jobs) == 1, jobs
    return jobs[0]


def stock_requests(db: str, since: int = 0) -> list[dict[str, Any]]:
    store = Store(db)
    try:
        found: list[dict[str, Any]] = store.requests(since, "/v2/products/stocks", 1_000_000)
        return found
    finally:
        store.close()


def pairs_of(request: dict[str, Any]) -> set[tuple[str, int]]:
    return {(s["offer_id"], int(s["warehouse_id"])) for s in request["body"]["stocks"]}


def exported_stocks(path: str) -> dict[tuple[str, int], int]:
    """(offer_id, warehouse) -> stock, from `oint ozon export stocks` (the columns `bulk stocks` reads)."""
    return {(row["offer_id"], int(row["warehouse_id"])): int(row["stock"]) for row in read_csv(path)}


# ------------------------------------------------------------------ the slow one
@pytest.mark.slow
def test_20000_stock_rows_killed_at_half_resumed_and_exported(
    run_cli: RunCli, env: dict[str, str], tmp_path: Path
) -> None:
    seed(run_cli, env, 10_000)
    rows = [
        [f"SEED-{i:06d}", wh, (i * 7 + n) % 97] for i in range(1, 10_001) for n, wh in enumerate((FBS, RFBS))
    ]
    stocks = write_csv(tmp_path / "stocks.csv", ["offer_id", "warehouse_id", "stock"], rows)
    wanted = {(offer, wh): stock for offer, wh, stock in rows}

    cmd = [sys.executable, "-m", "oint", "ozon", "bulk", "stocks", "--file", stocks, "--sandbox"]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 40
    confirmed_at_kill: set[tuple[str, int]] = set()
    while time.monotonic() < deadline:
        jobs = list(Path(env["OINT_JOBS_DIR"]).glob("*.sqlite3"))
        if jobs:
            with sqlite3.connect(jobs[0]) as db:
                try:
                    done = db.execute("SELECT COUNT(*) FROM items WHERE state='confirmed'").fetchone()[0]
                except sqlite3.OperationalError:  # not created yet
                    done = 0
            if done >= 10_000:
                os.kill(proc.pid, signal.SIGKILL)
                break
        time.sleep(0.02)
    proc.wait(10)
    progress = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.returncode == -signal.SIGKILL, progress
    assert "items of /v2/products/stocks" in progress and "items/min" in progress and "ETA" in progress

    job = the_job(env)
    with sqlite3.connect(job) as db:
        for (body,) in db.execute("SELECT body FROM items WHERE state='confirmed'"):
            item = json.loads(body)
            confirmed_at_kill.add((item["offer_id"], item["warehouse_id"]))
        left = db.execute("SELECT COUNT(*) FROM items WHERE state!='confirmed'").fetchone()[0]
    assert 10_000 <= len(confirmed_at_kill) < 20_000 and left == 20_000 - len(confirmed_at_kill)
    log_at_kill = stock_requests(env["OINT_SANDBOX_DB"])
    last_seq = max(r["seq"] for r in log_at_kill)

    listed = run_cli("bulk", "list", env=env)
    assert listed.code == 0 and "interrupted" in listed.out, listed.out
    r = run_cli(
        "bulk", "resume", job.name.removesuffix(".sqlite3")[-4:], env=env
    )  # any unique part of the id
    assert r.code == 0, r.err
    assert "resuming" in r.err and "all 20000 items confirmed" in r.err

    back = str(tmp_path / "back.csv")
    r = run_cli("ozon", "export", "stocks", "--sandbox", "--out", back, env=env)
    assert r.code == 0, r.err
    seeded = {k: v for k, v in exported_stocks(back).items() if k[0].startswith("SEED")}
    assert seeded == wanted  # the sandbox's final state equals the file

    after = stock_requests(env["OINT_SANDBOX_DB"], last_seq)
    assert after, "the resumed job sent the rest"
    resent = set().union(*(pairs_of(r) for r in after))
    assert not resent & confirmed_at_kill  # no item Ozon had confirmed was sent again
    assert resent | confirmed_at_kill == set(wanted)
    statuses = {r["status"] for r in log_at_kill + after}
    assert statuses == {200}  # limits on at both ends: never a 429


# ------------------------------------------------------------------ input checked before sending
def test_bad_rows_are_refused_before_any_request_naming_row_and_column(
    run_cli: RunCli, env: dict[str, str], tmp_path: Path
) -> None:
    seed(run_cli, env, 5)
    path = write_csv(
        tmp_path / "bad.csv",
        ["offer_id", "warehouse_id", "stock"],
        [
            ["SEED-000001", FBS, 5],
            ["SEED-000002", FBS, "many"],
            ["", FBS, 3],
            ["SEED-000003", "", 1],
            ["SEED-000004", FBS, -2],
            ["SEED-000005", FBS, 7],
        ],
    )
    r = run_cli("ozon", "bulk", "stocks", "--file", path, "--sandbox", env=env)
    assert r.code == 2, r.err
    assert "4 bad rows; nothing was sent" in r.err
    assert "row 3: column 'stock' (C): expected a whole number, got 'many'" in r.err
    assert "row 4: columns 'offer_id' / 'product_id': one of them must be filled" in r.err
    assert "row 5: column 'warehouse_id': empty, but Ozon needs it" in r.err
    assert "row 6: column 'stock': must be >= 0, got -2" in r.err
    assert "Traceback" not in r.err
    assert stock_requests(env["OINT_SANDBOX_DB"]) == []
    assert list(Path(env["OINT_JOBS_DIR"]).glob("*.sqlite3")) == []  # no job left behind

    header = write_csv(tmp_path / "header.csv", ["offer_id", "warehouse", "stock"], [["A", 1, 1]])
    r = run_cli("ozon", "bulk", "stocks", "--file", header, "--sandbox", env=env)
    assert r.code == 2 and "column B 'warehouse' is not a field of /v2/products/stocks items" in r.err
    assert "a column 'warehouse_id' is needed" in r.err

    r = run_cli("ozon", "bulk", "stocks", "--file", str(tmp_path / "none.csv"), "--sandbox", env=env)
    assert r.code == 2 and "does not exist" in r.err
    r = run_cli("ozon", "bulk", "stokcs", "--file", path, env=env)
    assert r.code == 2 and "unknown bulk kind 'stokcs'" in r.err


def test_dry_run_checks_every_row_and_sends_nothing(
    run_cli: RunCli, env: dict[str, str], tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "ok.csv", ["offer_id", "price", "old_price"], [["A", "100", "150"], ["B", "99.5", ""]]
    )
    r = run_cli("ozon", "bulk", "prices", "--file", path, "--sandbox", "--dry-run", env=env)
    assert r.code == 0 and "2 rows checked, all good" in r.err
    bad = write_csv(tmp_path / "bad.csv", ["offer_id", "price"], [["A", "1 200,50"]])
    r = run_cli("ozon", "bulk", "prices", "--file", bad, "--sandbox", "--dry-run", env=env)
    assert r.code == 2 and "row 2: column 'price' (B): expected a number with a point" in r.err
    assert not Path(env["OINT_SANDBOX_DB"]).exists() or stock_requests(env["OINT_SANDBOX_DB"]) == []


# ------------------------------------------------------------------ Ozon's refusals
def test_items_ozon_rejects_exit_1_and_the_report_lists_them(
    run_cli: RunCli, env: dict[str, str], tmp_path: Path
) -> None:
    seed(run_cli, env, 300)
    rows: list[list[Any]] = [[f"SEED-{i:06d}", FBS, i] for i in range(1, 301)]
    rows[10] = ["NO-SUCH-OFFER", FBS, 1]
    rows[20] = ["SEED-000021", FBS, 1_000_000]
    rows[30] = ["SEED-000031", 42, 1]
    path = write_csv(tmp_path / "stocks.csv", ["offer_id", "warehouse_id", "stock"], rows)
    report = str(tmp_path / "report.csv")
    r = run_cli("ozon", "bulk", "stocks", "--file", path, "--sandbox", "--report", report, env=env)
    assert r.code == 1, r.err
    assert "3 of 300 items failed" in r.err
    out = read_csv(report)
    assert len(out) == 300 and [o["row"] for o in out[:2]] == ["2", "3"]
    failed = {o["offer_id"]: o for o in out if o["state"] == "failed"}
    assert {k: v["error_code"] for k, v in failed.items()} == {
        "NO-SUCH-OFFER": "offer_id_not_found",
        "SEED-000021": "STOCK_TOO_BIG",
        "SEED-000031": "WAREHOUSE_NOT_FOUND",
    }
    assert json.loads(failed["SEED-000021"]["errors"])[0]["message"] == "stock must be less than 1000000"
    assert all(o["state"] == "confirmed" for o in out if o["offer_id"] not in failed)

    shown = run_cli("bulk", "show", the_job(env).name.removesuffix(".sqlite3"), env=env)
    assert shown.code == 0
    assert "confirmed 297, failed 3" in shown.out and "STOCK_TOO_BIG" in shown.out and "row 22:" in shown.out


# ------------------------------------------------------------------ other kinds and formats
def test_prices_from_xlsx_with_an_xlsx_report(run_cli: RunCli, env: dict[str, str], tmp_path: Path) -> None:
    import openpyxl

    seed(run_cli, env, 50)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["offer_id", "price", "old_price", "vat"])
    for i in range(1, 51):
        sheet.append([f"SEED-{i:06d}", 1000 + i, 2000 + i, "0.2"])  # numbers where Ozon wants strings
    sheet.append(["SEED-000001", 1000, 1001, "0.2"])  # too small a discount: Ozon refuses it
    path = str(tmp_path / "prices.xlsx")
    book.save(path)
    report = str(tmp_path / "report.xlsx")
    r = run_cli("ozon", "bulk", "prices", "--file", path, "--sandbox", "--report", report, env=env)
    assert r.code == 1 and "1 of 51 items failed" in r.err, r.err
    rows = list(openpyxl.load_workbook(report, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:6] == ("row", "offer_id", "price", "old_price", "vat", "state")
    assert rows[-1][5] == "failed" and rows[-1][6] == "discount_for_average_price_is_too_small"
    with OzonClient(sandbox=env["OINT_SANDBOX_DB"]) as ozon:
        item = ozon.call("/v5/product/info/prices", {"filter": {"offer_id": ["SEED-000007"]}, "limit": 1})
    assert item["items"][0]["price"]["price"] == 1007 and item["items"][0]["price"]["old_price"] == 2007


def test_products_from_json_lines_follow_import_tasks(
    run_cli: RunCli, env: dict[str, str], tmp_path: Path
) -> None:
    lines = []
    for i in range(1, 131):
        item = film_product(
            f"NEW-{i}",
            [attribute(BRAND, "Samsung", 5060050)],
            name=f"Защитная плёнка {i}",
            images=["https://example.com/1.jpg"],
        )
        if i == 5:
            item["vat"] = "0.33"  # Ozon fails it in the task
        lines.append(json.dumps(item, ensure_ascii=False))
    path = tmp_path / "products.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = str(tmp_path / "report.jsonl")
    r = run_cli("ozon", "bulk", "products", "--file", str(path), "--sandbox", "--report", report, env=env)
    assert r.code == 1 and "1 of 130 items failed" in r.err, r.err
    outcomes = [json.loads(line) for line in Path(report).read_text(encoding="utf-8").splitlines()]
    assert [o["state"] for o in outcomes].count("confirmed") == 129
    bad = next(o for o in outcomes if o["state"] == "failed")
    assert bad["offer_id"] == "NEW-5" and bad["error_code"] == "vat_invalid"
    with OzonClient(sandbox=env["OINT_SANDBOX_DB"]) as ozon:
        found = list(
            ozon.iter_items("/v3/product/list", {"filter": {"offer_id": ["NEW-1", "NEW-130", "NEW-5"]}})
        )
    assert sorted(p["offer_id"] for p in found) == ["NEW-1", "NEW-130"]


def test_images_through_pictures_v2_tasks(run_cli: RunCli, env: dict[str, str], tmp_path: Path) -> None:
    seed(run_cli, env, 150)
    rows: list[list[Any]] = [
        [
            f"SEED-{i:06d}",
            json.dumps([f"https://cdn.example.com/{i}/a.jpg", f"https://cdn.example.com/{i}/b.jpg"]),
        ]
        for i in range(1, 151)
    ]
    rows.append(["NO-SUCH", "https://cdn.example.com/x.jpg"])  # one URL: a one-item list
    path = write_csv(tmp_path / "images.csv", ["offer_id", "images"], rows)
    report = str(tmp_path / "report.csv")
    r = run_cli("ozon", "bulk", "images", "--file", path, "--sandbox", "--report", report, env=env)
    assert r.code == 1 and "1 of 151 items failed" in r.err, r.err
    failed = [o for o in read_csv(report) if o["state"] != "confirmed"]
    assert [(o["offer_id"], o["error_code"]) for o in failed] == [("NO-SUCH", "offer_id_not_found")]
    with OzonClient(sandbox=env["OINT_SANDBOX_DB"]) as ozon:
        found = ozon.call("/v3/product/info/list", {"offer_id": ["SEED-000150"]})["items"][0]
    assert found["images"] == ["https://cdn.example.com/150/a.jpg", "https://cdn.example.com/150/b.jpg"]


def test_archive_and_unarchive_by_product_id(run_cli: RunCli, env: dict[str, str], tmp_path: Path) -> None:
    seed(run_cli, env, 120)
    with OzonClient(sandbox=env["OINT_SANDBOX_DB"]) as ozon:
        ids = [
            p["product_id"]
            for p in ozon.iter_items("/v3/product/list", {"filter": {"visibility": "ALL"}})
            if p["offer_id"].startswith("SEED")
        ]
    assert len(ids) == 120
    path = write_csv(tmp_path / "ids.csv", ["product_id"], [[i] for i in ids])
    r = run_cli("ozon", "bulk", "archive", "--file", path, "--sandbox", env=env)
    assert r.code == 0 and "all 120 items confirmed" in r.err, r.err
    with OzonClient(sandbox=env["OINT_SANDBOX_DB"]) as ozon:
        archived = list(ozon.iter_items("/v3/product/list", {"filter": {"visibility": "ARCHIVED"}}))
    assert {p["product_id"] for p in archived} >= set(ids)
    r = run_cli("ozon", "bulk", "unarchive", "--file", path, "--sandbox", env=env)
    assert r.code == 0, r.err


def test_export_formats_and_any_paged_operation(run_cli: RunCli, env: dict[str, str], tmp_path: Path) -> None:
    seed(run_cli, env, 1500)
    prices = str(tmp_path / "prices.jsonl")
    r = run_cli("ozon", "export", "price-details", "--sandbox", "--out", prices, env=env)
    assert r.code == 0, r.err
    lines = [json.loads(x) for x in Path(prices).read_text(encoding="utf-8").splitlines()]
    assert len(lines) >= 1500 and lines[0]["price"]["currency_code"] == "RUB"  # as Ozon sent it
    products = str(tmp_path / "products.xlsx")
    r = run_cli("ozon", "export", "products", "--sandbox", "--out", products, env=env)
    assert r.code == 0, r.err
    import openpyxl

    rows = list(openpyxl.load_workbook(products, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert "offer_id" in rows[0] and len(rows) - 1 >= 1500
    postings = str(tmp_path / "fbo.csv")
    period = ["--since", "2020-01-01", "--to", "2030-01-01"]
    r = run_cli("ozon", "export", "postings-fbo", *period, "--sandbox", "--out", postings, env=env)
    assert r.code == 1 and "PERIOD_IS_TOO_LONG" in r.err  # Ozon's rule: at most a year
    now = dt.datetime.now(dt.timezone.utc)
    since, to = (d.strftime("%Y-%m-%dT%H:%M:%SZ") for d in (now - dt.timedelta(days=300), now))
    body = json.dumps({"filter": {"since": since, "to": to}})  # the demo postings: the last months
    r = run_cli(
        "ozon", "export", "/v3/posting/fbo/list", "--body", body, "--sandbox", "--out", postings, env=env
    )
    assert r.code == 0, r.err
    rows = read_csv(postings)
    assert rows and "posting_number" in rows[0] and "analytics_data.city" in rows[0]
    r = run_cli("ozon", "export", "/v2/products/stocks", "--sandbox", "--out", postings, env=env)
    assert r.code == 2 and "does not page" in r.err


# ------------------------------------------------------------------ the library, over HTTP, limits on
@pytest.fixture
def limited(tmp_path: Path, env: dict[str, str]) -> Iterator[SandboxServer]:
    """A served sandbox with Ozon's limits on and the scaled clock (the shared one has no limits)."""
    db = str(tmp_path / "served.sqlite3")
    Store(db).close()
    from oint.sandbox.core import Sandbox
    from oint.sandbox.seed import seed_catalogue

    sb = Sandbox(db)
    seed_catalogue(sb.store, DEMO_CLIENT_ID, 2000, now=sb.clock())
    sb.close()
    server = start_server(db, env={"OINT_TIME_SCALE": env["OINT_TIME_SCALE"]})
    yield server
    server.stop()


def test_library_async_and_sync_jobs_at_the_quota_meet_no_429(limited: SandboxServer, tmp_path: Path) -> None:
    stocks = (
        {"offer_id": f"SEED-{i:06d}", "warehouse_id": wh, "stock": i % 13}
        for i in range(1, 2001)
        for wh in (FBS, RFBS)
    )  # a generator: streamed into the journal

    async def go() -> bulk.Summary:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=limited.url) as ozon:
            return await bulk.arun(ozon, "/v2/products/stocks", stocks, concurrency=4)

    start = time.monotonic()
    summary = asyncio.run(go())
    elapsed = time.monotonic() - start
    assert (summary.confirmed, summary.failed, summary.finished) == (4000, 0, True)
    assert elapsed > 0.4  # 40 requests at 80 a (scaled) minute: past the first window

    prices = [{"offer_id": f"SEED-{i:06d}", "price": str(500 + i), "old_price": "0"} for i in range(1, 2001)]
    progress: list[bulk.Summary] = []
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=limited.url) as ozon:
        summary = bulk.run(ozon, "v1_product_import_prices", prices, progress=progress.append)
    assert (summary.confirmed, summary.failed) == (2000, 0)
    assert [p.confirmed for p in progress][-1] == 2000 and len(progress) >= 2
    counts = limited.request_log(limit=1)["statuses"]
    assert set(counts) == {"200"}, counts  # not one 429 from the sandbox


def test_faults_are_retried_and_confirmed_items_not_sent_twice(limited: SandboxServer) -> None:
    limited.fault(path="/v2/products/stocks", status=429, retry_after=1, times=1)
    limited.fault(path="/v2/products/stocks", status=500, times=1)
    stocks = [{"offer_id": f"SEED-{i:06d}", "warehouse_id": FBS, "stock": 3} for i in range(1, 501)]
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=limited.url) as ozon:
        summary = bulk.run(ozon, "/v2/products/stocks", stocks)
        assert (summary.confirmed, summary.failed) == (500, 0)
        job = bulk.Job.open(summary.job)
        assert max(o["attempts"] for o in job.outcomes()) >= 2
        job.close()
    log = limited.request_log(path="/v2/products/stocks")["requests"]
    assert [r["status"] for r in log[:2]] == [429, 500] and {r["status"] for r in log[2:]} == {200}
    applied = [pair for r in log if r["status"] == 200 for pair in pairs_of(r)]
    assert len(applied) == len(set(applied)) == 500


def test_ctrl_c_interrupts_resumably(run_cli: RunCli, env: dict[str, str], tmp_path: Path) -> None:
    seed(run_cli, env, 5000)
    rows = [[f"SEED-{i:06d}", wh, 1] for i in range(1, 5001) for wh in (FBS, RFBS)]
    path = write_csv(tmp_path / "stocks.csv", ["offer_id", "warehouse_id", "stock"], rows)
    slow = {**env, "OINT_TIME_SCALE": "1"}  # 80 requests of 100, then a real minute's wait
    cmd = [sys.executable, "-m", "oint", "ozon", "bulk", "stocks", "--file", path, "--sandbox"]
    proc = subprocess.Popen(
        cmd,
        env={**os.environ, **slow},
        stderr=subprocess.PIPE,
        text=True,
        # a shell's background job ignores SIGINT and children inherit that: give Ctrl-C back
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 30
    done = 0
    while time.monotonic() < deadline and done < 8000:
        time.sleep(0.1)
        jobs = list(Path(env["OINT_JOBS_DIR"]).glob("*.sqlite3"))
        if jobs:
            with sqlite3.connect(jobs[0]) as db:
                try:
                    done = db.execute("SELECT COUNT(*) FROM items WHERE state='confirmed'").fetchone()[0]
                except sqlite3.OperationalError:
                    done = 0
    time.sleep(0.3)  # waiting for the next minute now
    proc.send_signal(signal.SIGINT)
    err = proc.stderr.read() if proc.stderr else ""
    assert proc.wait(20) == 130, err
    assert "interrupted; nothing is lost: resume with  oint bulk resume" in err and "Traceback" not in err
    listed = run_cli("bulk", "list", env=env)
    assert "interrupted" in listed.out and "confirmed 8000" in listed.out and "left 2000" in listed.out


def test_resume_of_a_finished_job_and_list(run_cli: RunCli, env: dict[str, str], tmp_path: Path) -> None:
    seed(run_cli, env, 3)
    path = write_csv(tmp_path / "s.csv", ["offer_id", "warehouse_id", "stock"], [["SEED-000001", FBS, 1]])
    r: CliResult = run_cli("ozon", "bulk", "stocks", "--file", path, "--sandbox", env=env)
    assert r.code == 0, r.err
    job_id = the_job(env).name.removesuffix(".sqlite3")
    listed = run_cli("bulk", "list", env=env)
    assert job_id in listed.out and "done" in listed.out
    again = run_cli("bulk", "resume", job_id, env=env)
    assert again.code == 0 and "nothing to resume" in again.err
    missing = run_cli("bulk", "show", "no-such-job", env=env)
    assert missing.code == 2 and "no bulk job" in missing.err


# ------------------------------------------------------------------ checked before anything is sent
def test_a_report_that_cannot_be_written_is_refused_before_sending(
    run_cli: RunCli, env: dict[str, str], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", ["offer_id", "warehouse_id", "stock"], [["143210609", FBS, 4]])
    (tmp_path / "folder.csv").mkdir()
    for report, problem in (
        (str(tmp_path / "no" / "r.csv"), "does not exist"),
        (str(tmp_path / "r.txt"), "use a .csv, .xlsx or .jsonl file"),
        (str(tmp_path / "folder.csv"), "is a folder, not a file"),
    ):
        r = run_cli("ozon", "bulk", "stocks", "--file", path, "--sandbox", "--report", report, env=env)
        assert r.code == 2 and r.err.startswith("oint: --report: ") and problem in r.err, r.err
        assert len(r.err.splitlines()) == 1, r.err
    assert not Path(env["OINT_SANDBOX_DB"]).exists() or stock_requests(env["OINT_SANDBOX_DB"]) == []
    assert not Path(env["OINT_JOBS_DIR"]).exists() or not list(Path(env["OINT_JOBS_DIR"]).iterdir())


def test_resume_writes_the_report_the_job_was_started_with(
    run_cli: RunCli, env: dict[str, str], limited: SandboxServer, tmp_path: Path
) -> None:
    rows: list[list[Any]] = [[f"SEED-{i:06d}", FBS, 2] for i in range(1, 11)]
    path = write_csv(tmp_path / "s.csv", ["offer_id", "warehouse_id", "stock"], rows)
    report = tmp_path / "reports" / "report.csv"
    report.parent.mkdir()
    limited.fault(path="/v2/products/stocks", status=401, times=1)  # the job stops at its first request
    account = ["--clientid", DEMO_CLIENT_ID, "--apikey", DEMO_API_KEY]
    r = run_cli(
        "ozon",
        "bulk",
        "stocks",
        "--file",
        path,
        *account,
        "--base-url",
        limited.url,
        "--report",
        str(report),
        env=env,
    )
    assert r.code == 1 and "stopped" in r.err, r.err
    assert {o["state"] for o in read_csv(report)} == {"pending"}
    job_id = the_job(env).name.removesuffix(".sqlite3")
    shown = run_cli("bulk", "show", job_id, env=env)
    assert f"report     {report}" in shown.out
    report.unlink()
    report.parent.rmdir()  # the job's report cannot be written now: refused, nothing sent
    r = run_cli("bulk", "resume", job_id, *account, env=env)
    assert r.code == 2 and "(the job's report; give another with --report FILE)" in r.err, r.err
    assert len(r.err.splitlines()) == 1
    report.parent.mkdir()
    r = run_cli("bulk", "resume", job_id, *account, env=env)  # no --report: the job's own
    assert r.code == 0, r.err
    assert f"report of 10 items: {report}" in r.err
    assert [o["state"] for o in read_csv(report)] == ["confirmed"] * 10


def test_an_extra_cell_is_refused_naming_row_and_column(
    run_cli: RunCli, env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "extra.csv"
    path.write_text(f"offer_id,warehouse_id,stock\n143210609,{FBS},5\n91132,{FBS},3,9\n1432106010,{FBS},1,\n")
    r = run_cli("ozon", "bulk", "stocks", "--file", str(path), "--sandbox", env=env)
    assert r.code == 2, r.err
    assert "1 bad row; nothing was sent" in r.err  # an empty cell past the header is no value
    assert "row 3: column D: '9' is beyond the header's 3 columns" in r.err
    assert not Path(env["OINT_SANDBOX_DB"]).exists() or stock_requests(env["OINT_SANDBOX_DB"]) == []


def test_an_unknown_bulk_command_lists_the_commands(run_cli: RunCli, env: dict[str, str]) -> None:
    r = run_cli("bulk", "nope", env=env)
    assert r.code == 2
    assert r.err == "oint: unknown command 'oint bulk nope': one of list, show, resume\n"
    r = run_cli("bulk", "show", env=env)
    assert r.code == 2 and "needs a job id" in r.err


def test_export_refuses_a_file_ending_bulk_refuses(
    run_cli: RunCli, env: dict[str, str], tmp_path: Path
) -> None:
    """.txt and .json were written as CSV and JSON lines, .tsv as comma-separated CSV."""
    for name in ("x.txt", "x.json", "x.tsv"):
        out = tmp_path / name
        r = run_cli("ozon", "export", "stocks", "--sandbox", "--out", str(out), env=env)
        assert r.code == 2 and r.err == f"oint: --out: {str(out)!r}: use a .csv, .xlsx or .jsonl file\n"
        assert not out.exists()
    assert not Path(env["OINT_SANDBOX_DB"]).exists()  # nothing sent, the sandbox not even opened
    for name in ("x.txt", "x.json"):
        (tmp_path / name).write_text("offer_id,warehouse_id,stock\n143210609,1,1\n")
        r = run_cli("ozon", "bulk", "stocks", "--sandbox", "--file", str(tmp_path / name), env=env)
        assert r.code == 2 and "use a .csv, .xlsx or .jsonl file" in r.err


def test_the_default_period_of_postings_counts_back_from_the_sandboxs_clock(
    run_cli: RunCli, env: dict[str, str], tmp_path: Path
) -> None:
    offers = ["143210609", "1432106010", "91132"]  # the demo's products on sale, stocked for buyers
    stocks = write_csv(
        tmp_path / "s.csv", ["offer_id", "warehouse_id", "stock"], [[o, FBS, 900] for o in offers]
    )
    assert run_cli("ozon", "bulk", "stocks", "--file", stocks, "--sandbox", env=env).code == 0
    assert run_cli("sandbox", "buyers", "--orders-per-day", "20", "--seed", "1", env=env).code == 0
    assert run_cli("sandbox", "advance", "40d", env=env).code == 0  # sandbox time 40 days ahead
    clock = run_cli("sandbox", "clock", "--freeze", env=env).json()["epoch"]  # stopped there
    default, chosen = str(tmp_path / "default.csv"), str(tmp_path / "chosen.csv")
    r = run_cli("ozon", "export", "postings", "--sandbox", "--out", default, env=env)
    assert r.code == 0, r.err
    since, to = (
        dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        for t in (clock - 30 * 86400, clock)
    )
    r = run_cli(
        "ozon", "export", "postings", "--since", since, "--to", to, "--sandbox", "--out", chosen, env=env
    )
    assert r.code == 0, r.err
    numbers = {row["posting_number"] for row in read_csv(default)}
    assert len(numbers) > 100  # the machine's last 30 days held none of them: "1 row of 388"
    assert numbers == {row["posting_number"] for row in read_csv(chosen)}
    sent = Store(env["OINT_SANDBOX_DB"]).requests(0, "/v4/posting/fbs/list")[0]["body"]["filter"]
    sent_to = dt.datetime.strptime(sent["to"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    assert sent_to.timestamp() == int(clock)


# ------------------------------------------------------------------ exports restore as bulk jobs
SECOND_FBS = 1020005000077777


def stock_state(db: str) -> dict[tuple[int, int], tuple[int, int]]:
    """(product, warehouse) -> (stock, reserved) of the demo account, read from the state file."""
    store = Store(db)
    try:
        return {
            (d["product_id"], d["warehouse_id"]): (d["stock"], d["reserved"])
            for d in store.all(DEMO_CLIENT_ID, "stock")
        }
    finally:
        store.close()


def test_exported_stocks_and_prices_restore_as_bulk_jobs_changing_nothing(
    run_cli: RunCli, env: dict[str, str], tmp_path: Path
) -> None:
    """`export stocks` wrote present/reserved per source, which `bulk stocks` refused."""
    from oint.sandbox.core import Sandbox
    from oint.sandbox.model.base import Account
    from oint.sandbox.model.warehouses import WAREHOUSE, _warehouse

    seed(run_cli, env, 20)
    db = env["OINT_SANDBOX_DB"]
    sandbox = Sandbox(db)  # a second FBS warehouse: /v4/product/info/stocks sums a source's warehouses
    with sandbox.store.transaction():
        account = Account(sandbox.store, DEMO_CLIENT_ID, sandbox.clock())
        account.put(WAREHOUSE, SECOND_FBS, _warehouse(SECOND_FBS, "Второй склад FBS"))
    sandbox.close()
    rows = [["SEED-000001", FBS, 11], ["SEED-000001", SECOND_FBS, 22], ["SEED-000002", RFBS, 5]]
    first = write_csv(tmp_path / "first.csv", ["offer_id", "warehouse_id", "stock"], rows)
    assert run_cli("ozon", "bulk", "stocks", "--file", first, "--sandbox", env=env).code == 0
    before = stock_state(db)

    backup = str(tmp_path / "stocks.csv")
    r = run_cli("ozon", "export", "stocks", "--sandbox", "--out", backup, env=env)
    assert r.code == 0, r.err
    exported = read_csv(backup)
    assert list(exported[0]) == ["offer_id", "product_id", "warehouse_id", "stock"]
    by_pair = {(row["offer_id"], int(row["warehouse_id"])): int(row["stock"]) for row in exported}
    assert by_pair[("SEED-000001", FBS)] == 11 and by_pair[("SEED-000001", SECOND_FBS)] == 22
    assert by_pair[("SEED-000002", RFBS)] == 5
    assert by_pair[("143210609", FBS)] == 15  # present 17, of which 2 reserved: what bulk sets is 15
    assert len(by_pair) == len(exported) == len([k for k in before if k[1] != 0])  # FBO left out
    r = run_cli("ozon", "bulk", "stocks", "--file", backup, "--sandbox", env=env)
    assert r.code == 0 and f"all {len(exported)} items confirmed" in r.err, r.err
    assert stock_state(db) == before
    lines = str(tmp_path / "stocks.jsonl")  # the same in JSON lines
    assert run_cli("ozon", "export", "stocks", "--sandbox", "--out", lines, env=env).code == 0
    assert run_cli("ozon", "bulk", "stocks", "--file", lines, "--sandbox", env=env).code == 0
    assert stock_state(db) == before

    prices, again = str(tmp_path / "prices.csv"), str(tmp_path / "prices-again.csv")
    assert run_cli("ozon", "export", "prices", "--sandbox", "--out", prices, env=env).code == 0
    assert (
        read_csv(prices)[0]["price"] == "1300" and "commissions.sales_percent_fbs" not in read_csv(prices)[0]
    )
    r = run_cli("ozon", "bulk", "prices", "--file", prices, "--sandbox", env=env)
    assert r.code == 0 and "items confirmed" in r.err, r.err
    assert run_cli("ozon", "export", "prices", "--sandbox", "--out", again, env=env).code == 0
    assert Path(again).read_text() == Path(prices).read_text()
    details = str(tmp_path / "details.csv")  # Ozon's whole answer stays one export away
    assert run_cli("ozon", "export", "price-details", "--sandbox", "--out", details, env=env).code == 0
    assert "commissions.sales_percent_fbs" in read_csv(details)[0]


def test_over_http_the_default_period_counts_back_from_the_served_sandboxs_clock(
    run_cli: RunCli, server: SandboxServer, tmp_path: Path
) -> None:
    _post(f"{server.url}/__sandbox/clock", {"set": "2031-03-01T00:00:00Z", "freeze": True})
    renew = ("sandbox", "account", "--clientid", DEMO_CLIENT_ID, "--key-expires", "2031-06-01")
    assert run_cli(*renew, "--db", server.db).code == 0  # the demo key expired years before
    server.clear_requests()
    out = str(tmp_path / "postings.csv")
    r = run_cli("ozon", "export", "postings", *creds(server.url), "--out", out)
    assert r.code == 0, r.err
    sent = server.request_log(path="/v4/posting/fbs/list")["requests"][0]["body"]["filter"]
    assert (sent["since"], sent["to"]) == ("2031-01-30T00:00:00Z", "2031-03-01T00:00:00Z")
