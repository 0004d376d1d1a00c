"""`oint performance` end to end: the CLI in a subprocess against the fake Performance API
(`tests/perf_fake.py`) served over HTTP on a free port. Calls by name with fields and path
parameters as options, --all-pages, the report command writing CSV / JSON lines / XLSX, bad input
refused with one line and exit 2 before anything is sent, and no secret in any output."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CliResult
from perf_fake import CLIENT_ID, SECRET, TOKEN_PREFIX, FakePerformance, Served, day_rows, serve_http

ENV = {"OZON_PERFORMANCE_CLIENT_ID": CLIENT_ID, "OZON_PERFORMANCE_CLIENT_SECRET": SECRET}


@pytest.fixture
def served() -> Iterator[Served]:
    with serve_http(FakePerformance(polls=2)) as running:
        yield running


def perf(run_cli: Any, served: Served, *args: str) -> CliResult:
    result: CliResult = run_cli("performance", *args, "--base-url", served.url, "--retries", "0", env=ENV)
    return result


def test_a_call_by_name_prints_ozons_json_raw(run_cli: Any, served: Served) -> None:
    done = perf(
        run_cli, served, "list_campaigns", "--campaign-ids", "11", "--state", "CAMPAIGN_STATE_RUNNING"
    )
    assert done.code == 0, done.err
    assert done.json() == {"list": [{"id": "11", "dailyBudget": "500000000"}]}  # micro-roubles, as sent
    method, path, query, _ = served.fake.calls[-1]
    assert (method, path) == ("GET", "/api/client/campaign")
    assert query == {"campaignIds": ["11"], "state": ["CAMPAIGN_STATE_RUNNING"]}


def test_path_parameters_and_bodies(run_cli: Any, served: Served) -> None:
    done = perf(run_cli, served, "activate_campaign", "--campaign-id", "42")
    assert done.code == 0, done.err
    assert served.fake.calls[-1][:2] == ("POST", "/api/client/campaign/{campaignId}/activate")
    bids = '{"bids": [{"sku": "1", "bid": "25000000"}]}'
    done = perf(run_cli, served, "update_campaign_bids", "--campaignid", "42", "--body", bids)
    assert done.code == 0, done.err
    assert served.fake.calls[-1][0::3] == ("PUT", {"bids": [{"sku": "1", "bid": "25000000"}]})


def test_all_pages_as_json_lines(run_cli: Any, served: Served) -> None:
    done = perf(run_cli, served, "list_campaigns", "--all-pages")
    assert done.code == 0, done.err
    assert [json.loads(line) for line in done.out.splitlines()] == [{"id": "11", "dailyBudget": "500000000"}]


def expected(campaigns: list[str], first: dt.date, days: int) -> set[tuple[str, str, str, str]]:
    return {day_rows(c, first + dt.timedelta(days=d)) for c in campaigns for d in range(days)}


@pytest.mark.parametrize("ending", ["csv", "jsonl", "xlsx"])
def test_report_of_90_days_and_15_campaigns_in_one_file(
    run_cli: Any, served: Served, tmp_path: Path, ending: str
) -> None:
    campaigns = [str(500 + i) for i in range(15)]
    out = tmp_path / f"stats.{ending}"
    done = perf(
        run_cli,
        served,
        "report",
        "--campaigns",
        ",".join(campaigns),
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-31",
        "--out",
        str(out),
    )
    assert done.code == 0, done.err
    assert done.err == ""  # progress only on a terminal
    if ending == "csv":
        with open(out, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    elif ending == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    else:
        import openpyxl

        sheet = openpyxl.load_workbook(out, read_only=True).active
        assert sheet is not None
        table = [[str(c) if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
        rows = [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    found = [(r["Дата"], r["campaign_id"], r["Показы"], r["Расход, ₽"]) for r in rows]
    assert len(found) == len(set(found)) == 15 * 90
    assert set(found) == expected(campaigns, dt.date(2026, 1, 1), 90)
    assert len(served.fake.reports) == 4
    assert served.fake.preparing_most == 1 and served.fake.refused == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list_campaigns", "--nope", "1"], "unknown option --nope for list_campaigns"),
        (["list_campaigns", "--page", "x"], "--page: expected a whole number"),
        (["activate_campaign", "--sandbox-ish"], "unknown option --sandbox-ish"),
        (["update_campaign_bids", "--body", "{}"], "missing path parameter --campaign-id"),
        (["update_campaign_bids", "--campaign-id", "1", "--body", "{bad"], "--body"),
        (["update_campaign_bids", "--campaign-id", "1", "--bids", '[{"sku": 1}]'], "must be a string"),
        (["activate_campaign", "--campaign-id", "1", "--all-pages"], "does not page"),
        (["lst_campaigns"], "did you mean list_campaigns?"),
        (
            ["report", "--campaigns", "1,x", "--from", "2026-01-01", "--to", "2026-01-02", "--out", "a.csv"],
            "ids",
        ),
        (
            ["report", "--campaigns", "1", "--from", "2026-02-30", "--to", "2026-03-01", "--out", "a.csv"],
            "--from",
        ),
        (
            ["report", "--campaigns", "1", "--from", "2026-03-01", "--to", "2026-02-01", "--out", "a.csv"],
            "before",
        ),
        (
            ["report", "--campaigns", "1", "--from", "2026-01-01", "--to", "2026-02-01", "--out", "a.txt"],
            ".csv",
        ),
        (["report", "--campaigns", "1", "--from", "2026-01-01", "--to", "2026-02-01"], "--out is required"),
        (["report", "--campaign", "1"], "did you mean --campaigns?"),
        (["download_report", "--uuid", "1", "--out", "/no/such/folder/x.csv"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_with_nothing_sent(
    run_cli: Any, served: Served, args: list[str], message: str
) -> None:
    done = perf(run_cli, served, *args)
    assert done.code == 2, (done.out, done.err)
    assert done.err.count("\n") == 1 and done.err.startswith("oint: ") and message in done.err, done.err
    assert "Traceback" not in done.err and done.out == ""
    assert served.fake.calls == [] and served.fake.token_times == []


def test_an_ozon_error_is_its_json_and_exit_1(run_cli: Any, served: Served) -> None:
    done = run_cli(
        "performance",
        "list_campaigns",
        "--base-url",
        served.url,
        env={**ENV, "OZON_PERFORMANCE_CLIENT_SECRET": "wrong"},
    )
    assert done.code == 1
    assert done.json()["error"] == "invalid_client"  # the answer of the token endpoint, as it came


def test_no_secret_in_any_output(run_cli: Any, served: Served) -> None:
    done = perf(run_cli, served, "list_campaigns", "--debug")
    assert done.code == 0
    assert "/api/client/token" in done.err and "Authorization: <redacted>" in done.err
    for text in (done.out, done.err):
        assert SECRET not in text and TOKEN_PREFIX not in text
    done = run_cli("performance", "list_campaigns", "--base-url", served.url, "--clientid", CLIENT_ID)
    assert done.code == 2 and "client_secret" in done.err and SECRET not in done.err
