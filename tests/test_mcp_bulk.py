"""Bulk jobs through `oint mcp`: `bulk_start` checks every row and previews, the confirmed call
starts a job in the background of the server and answers its id at once, `bulk_progress` follows
it to the end, `bulk_report` lists the items Ozon refused with its errors, `bulk_list` lists the
jobs. Over stdio with the SDK's client (as an assistant meets them), and in-process for the
write guard and the input checks."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, FBS, RFBS, read_csv, write_csv
from mcp import Client
from test_mcp_stdio import answer, over_stdio, server_env, text

from oint.apps.mcp.access import WritePolicy
from oint.apps.mcp.service import Service, Settings
from oint.jobs.jobs import Job, list_jobs


async def until_done(client: Client, job: str, timeout: float = 60) -> dict[str, Any]:
    """Poll bulk_progress until the job is no longer running; its last answer."""
    seen: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        progress: dict[str, Any] = answer(await client.call_tool("bulk_progress", {"job": job}))
        seen.append(progress)
        if progress["status"] != "running":
            return progress
        assert loop.time() < deadline, seen[-3:]
        await asyncio.sleep(0.1)


def test_stocks_jobs_previewed_confirmed_followed_and_reported(tmp_path: Path, run_cli: Any) -> None:
    env = server_env(tmp_path)
    seeded = run_cli("sandbox", "seed", "--products", "200", env=env)
    assert seeded.code == 0, seeded.err
    rows = [[f"SEED-{i:06d}", FBS, i % 50] for i in range(1, 201)]
    stocks = write_csv(tmp_path / "stocks.csv", ["offer_id", "warehouse_id", "stock"], rows)
    refused = [
        *({"offer_id": f"SEED-{i:06d}", "warehouse_id": RFBS, "stock": 7} for i in range(1, 21)),
        {"offer_id": "NO-SUCH-OFFER", "warehouse_id": RFBS, "stock": 1},
        {"offer_id": "SEED-000021", "warehouse_id": RFBS, "stock": 1_000_000},
        {"offer_id": "SEED-000022", "warehouse_id": 42, "stock": 1},
    ]

    async def script(client: Client) -> dict[str, Any]:
        out: dict[str, Any] = {"texts": []}

        async def call(name: str, arguments: dict[str, Any]) -> Any:
            result = await client.call_tool(name, arguments)
            out["texts"].append(text(result))
            return answer(result)

        out["preview"] = await call("bulk_start", {"kind": "stocks", "file": stocks})
        out["started"] = await call("bulk_start", {"confirm": out["preview"]["confirm"]})
        out["progress"] = await until_done(client, out["started"]["job"])
        out["report"] = await call("bulk_report", {"job": out["started"]["job"]})

        second = {"kind": "v2_products_stocks", "rows": refused}
        token = (await call("bulk_start", second))["confirm"]
        out["started2"] = await call("bulk_start", {**second, "confirm": token})
        out["progress2"] = await until_done(client, out["started2"]["job"])
        out["report2"] = await call("bulk_report", {"job": out["started2"]["job"], "limit": 2, "save": True})
        out["listed"] = await call("bulk_list", {})
        out["stock"] = await call(
            "ozon_api_call",
            {
                "operation": "v4_product_info_stocks",
                "body": {"filter": {"offer_id": ["SEED-000007"]}, "limit": 1},
            },
        )
        return out

    args = ["--sandbox", "--allow-write", "--files-dir", str(tmp_path)]
    out, log = over_stdio(tmp_path, args, script, env)
    preview = out["preview"]["preview"]
    assert preview["rows"] == 200 and preview["requests"] == 2 and preview["items_per_request"] == 100
    assert preview["first"][0] == {
        "row": 2,
        "item": {"offer_id": "SEED-000001", "warehouse_id": FBS, "stock": 1},
    }
    assert len(preview["first"]) == 5 and preview["operation"] == "POST /v2/products/stocks"
    assert preview["source"] == os.path.realpath(stocks) and "nothing was sent" in out["preview"]["next"]
    job = out["started"]["job"]
    assert out["started"]["items"] == 200 and out["started"]["status"] == "running" and "stocks" in job
    assert out["progress"]["status"] == "done" and out["progress"]["confirmed"] == 200
    assert out["progress"]["done_pct"] == 100.0 and "every item confirmed" in out["progress"]["next"]
    assert out["report"]["failed"] == 0 and out["report"]["items"] == []

    assert out["progress2"]["status"] == "done"
    assert (out["progress2"]["confirmed"], out["progress2"]["failed"]) == (20, 3)
    assert "bulk_report" in out["progress2"]["next"]
    report = out["report2"]
    assert report["failed"] == 3 and report["total"] == 23
    assert {e["code"]: e["items"] for e in report["by_error"]} == {
        "offer_id_not_found": 1,
        "STOCK_TOO_BIG": 1,
        "WAREHOUSE_NOT_FOUND": 1,
    }
    assert [i["row"] for i in report["items"]] == [21, 22]  # limit=2: the first two, by row
    assert report["items"][1]["code"] == "STOCK_TOO_BIG"
    assert report["items"][1]["message"] == "stock must be less than 1000000"
    lines = read_csv(report["report_file"])
    assert len(lines) == 23 and sum(line["state"] == "failed" for line in lines) == 3

    listed = out["listed"]
    assert [j["job"] for j in listed["jobs"]] == [out["started2"]["job"], job]  # newest first
    assert listed["jobs"][1]["confirmed"] == 200 and listed["jobs"][0]["failed"] == 3
    items = out["stock"]["items"][0]["stocks"]
    assert {s["present"] for s in items if FBS in s.get("warehouse_ids", [])} == {7}  # SEED-000007: 7 % 50
    assert DEMO_API_KEY[:8] not in log and all(DEMO_API_KEY[:8] not in t for t in out["texts"])


# ------------------------------------------------------------------ in-process: the guard, the checks
Script = Callable[["Tools"], Awaitable[None]]


class Tools:
    """A Service on the embedded sandbox, called on one event loop (jobs run in its background)."""

    def __init__(self, service: Service) -> None:
        self.service = service

    async def reply(self, name: str, **arguments: Any) -> tuple[bool, Any]:
        reply = await self.service.call(name, arguments)
        return reply.is_error, json.loads(self.service.text(reply))

    async def ok(self, name: str, **arguments: Any) -> Any:
        is_error, doc = await self.reply(name, **arguments)
        assert not is_error, doc
        return doc

    async def fail(self, name: str, **arguments: Any) -> Any:
        is_error, doc = await self.reply(name, **arguments)
        assert is_error, doc
        return doc


def run_tools(tmp_path: Path, allow: str | None, script: Script) -> None:
    settings = Settings(
        sandbox=str(tmp_path / "sandbox.sqlite3"),
        policy=WritePolicy.parse(allow),
        out_dir=str(tmp_path / "out"),
        files_dirs=(str(tmp_path),),
    )
    service = Service(settings, secrets=[DEMO_API_KEY])

    async def main() -> None:
        try:
            await script(Tools(service))
        finally:
            await service.aclose()

    asyncio.run(main())


@pytest.fixture
def jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "jobs"
    monkeypatch.setenv("OINT_JOBS_DIR", str(folder))
    monkeypatch.delenv("OINT_SANDBOX_DB", raising=False)
    return folder


ROWS = [
    {"offer_id": "91132", "warehouse_id": FBS, "stock": 3},
    {"offer_id": "143210609", "warehouse_id": FBS, "stock": 4},
]
PRICES = [{"offer_id": "91132", "price": "590", "old_price": "0"}]


def test_refused_without_allow_write_and_outside_the_scopes(tmp_path: Path, jobs: Path) -> None:
    async def read_only(t: Tools) -> None:
        refused = await t.fail("bulk_start", kind="stocks", rows=ROWS)
        assert refused["refused"] is True
        message = refused["error"]["message"]
        assert "read-only" in message and "--allow-write" in message and "Nothing was sent" in message
        assert (await t.ok("bulk_list"))["jobs"] == []  # reading jobs needs no permission
        assert "no bulk job" in (await t.fail("bulk_progress", job="nope"))["error"]["message"]

    async def prices_only(t: Tools) -> None:
        refused = await t.fail("bulk_start", kind="stocks", rows=ROWS)
        assert "outside the allowed writes: writes allowed only for: prices" in refused["error"]["message"]
        preview = await t.ok("bulk_start", kind="prices", rows=PRICES)
        assert preview["preview"]["rows"] == 1 and preview["confirm"]

    run_tools(tmp_path, None, read_only)
    run_tools(tmp_path, "prices", prices_only)
    assert not jobs.exists() or list(jobs.iterdir()) == []


def test_rows_and_header_are_checked_first_problems_by_row_and_column(tmp_path: Path, jobs: Path) -> None:
    bad = write_csv(
        tmp_path / "bad.csv",
        ["offer_id", "warehouse_id", "stock"],
        [["A", FBS, 5], ["B", FBS, "many"], ["", FBS, 3], ["C", FBS, -2]],
    )
    header = write_csv(tmp_path / "header.csv", ["offer_id", "warehouse", "stock"], [["A", 1, 1]])

    async def script(t: Tools) -> None:
        rows = await t.fail("bulk_start", kind="stocks", file=bad)
        assert rows["error"]["message"] == f"{os.path.realpath(bad)}: 3 bad rows; nothing was sent"
        assert rows["problems"] == [
            "row 3: column 'stock' (C): expected a whole number, got 'many'",
            "row 4: columns 'offer_id' / 'product_id': one of them must be filled",
            "row 5: column 'stock': must be >= 0, got -2",
        ]
        assert "confirm" not in rows and "fix these rows" in rows["hint"]
        head = await t.fail("bulk_start", kind="stocks", file=header)
        assert "bad header" in head["error"]["message"]
        assert any("column B 'warehouse' is not a field" in p for p in head["problems"])
        inline = await t.fail("bulk_start", kind="stocks", rows=[ROWS[0], {**ROWS[1], "stock": "x"}])
        assert inline["problems"] == ["row 2: field 'stock': expected a whole number, got 'x'"]
        for arguments, expected in (
            ({"kind": "stokcs", "rows": ROWS}, "unknown bulk kind 'stokcs'"),
            ({"kind": "v3_product_list", "rows": ROWS}, "takes no batch of items"),
            ({"kind": "stocks"}, "give the items as rows"),
            ({"kind": "stocks", "rows": ROWS, "file": bad}, "give the items as rows"),
            ({"kind": "stocks", "rows": [1, 2]}, "row 1 is not a JSON object"),
            ({"kind": "stocks", "file": str(tmp_path / "none.csv")}, "is not a file in the folders"),
            ({"kind": "stocks", "file": "/etc/passwd"}, "use a .csv, .xlsx or .jsonl file"),
            ({"kind": "stocks", "rows": ROWS, "stock": 1}, "unknown argument(s) stock"),
        ):
            assert expected in (await t.fail("bulk_start", **arguments))["error"]["message"], arguments
        archive = await t.ok("bulk_start", kind="archive", rows=[1111588191])  # plain ids for a list of ids
        assert archive["preview"]["first"] == [{"row": 1, "item": 1111588191}]

    run_tools(tmp_path, "", script)
    assert not jobs.exists() or list(jobs.iterdir()) == []  # nothing started


def test_a_token_starts_exactly_what_was_previewed_once(tmp_path: Path, jobs: Path) -> None:
    path = tmp_path / "stocks.csv"
    write_csv(
        path,
        ["offer_id", "warehouse_id", "stock"],
        [[r["offer_id"], r["warehouse_id"], r["stock"]] for r in ROWS],
    )

    async def script(t: Tools) -> None:
        token = (await t.ok("bulk_start", kind="stocks", rows=ROWS))["confirm"]
        other = await t.fail("bulk_start", kind="stocks", rows=ROWS[:1], confirm=token)
        assert "another request" in other["error"]["message"]
        token = (await t.ok("bulk_start", kind="stocks", file=str(path)))["confirm"]
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"91132,{RFBS},9\n")
        changed = await t.fail("bulk_start", confirm=token)
        assert "another request" in changed["error"]["message"]  # the file changed since its preview
        token = (await t.ok("bulk_start", kind="stocks", file=str(path)))["confirm"]
        started = await t.ok("bulk_start", confirm=token)
        assert started["items"] == 3
        again = await t.fail("bulk_start", confirm=token)
        assert "unknown or expired confirm token" in again["error"]["message"]

    run_tools(tmp_path, "stocks", script)
    assert len(list(jobs.glob("*.sqlite3"))) == 1


def test_stopping_the_server_interrupts_a_running_job_resumably(tmp_path: Path, jobs: Path) -> None:
    same_pair_twice = [ROWS[0], {**ROWS[0], "stock": 9}]  # Ozon takes a product-warehouse pair once per 30 s
    ids: list[str] = []

    async def script(t: Tools) -> None:
        token = (await t.ok("bulk_start", kind="stocks", rows=same_pair_twice))["confirm"]
        ids.append((await t.ok("bulk_start", confirm=token))["job"])
        for _ in range(200):  # the first item confirmed, and the job says what the second waits for
            progress = await t.ok("bulk_progress", job=ids[0])
            if progress["confirmed"] and "waiting" in progress:
                break
            await asyncio.sleep(0.05)
        assert progress["status"] == "running" and progress["confirmed"] == 1, progress
        assert "eta" in progress and "items_per_min" in progress
        # the second item waits for Ozon's per-item window (a pair once per 30 s): said, with the quota
        assert progress["quota_items_per_min"] > 0 and "30 s" not in str(progress.get("eta"))
        assert "waiting" in progress, progress

    run_tools(tmp_path, "", script)
    with Job.open(ids[0]) as job:
        s = job.summary()
        assert job.status() == "interrupted" and (s.confirmed, s.pending + s.sent) == (1, 1)


def test_jobs_in_a_postgresql_store_are_started_followed_reported_and_listed(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`OINT_JOBS=postgresql://...` (workers of several machines share the journals): the server's
    jobs go there, not into a file, and bulk_list names the database without its password."""
    user, rest = postgres_url.split("://", 1)[1].split("@", 1)
    url = f"postgresql://{user}:not-shown-{os.getpid()}@{rest}"  # trust authentication ignores it
    monkeypatch.setenv("OINT_JOBS", url)
    monkeypatch.setenv("OINT_JOBS_DIR", str(tmp_path / "jobs"))
    monkeypatch.delenv("OINT_SANDBOX_DB", raising=False)
    monkeypatch.chdir(tmp_path)

    async def script(t: Tools) -> None:
        token = (await t.ok("bulk_start", kind="stocks", rows=ROWS))["confirm"]
        job = (await t.ok("bulk_start", confirm=token))["job"]
        for _ in range(300):
            progress = await t.ok("bulk_progress", job=job)
            if progress["status"] == "done":
                break
            await asyncio.sleep(0.1)
        assert progress["status"] == "done" and progress["confirmed"] == len(ROWS), progress
        report = await t.ok("bulk_report", job=job, save=True)
        assert report["report_rows"] == len(ROWS)
        listed = await t.ok("bulk_list")
        assert [j["job"] for j in listed["jobs"]] == [job]
        assert listed["store"] == url.replace(f"not-shown-{os.getpid()}", "***")

    run_tools(tmp_path, "stocks", script)
    jobs = list_jobs(url)
    try:
        assert [j.journal.counts["confirmed"] for j in jobs] == [len(ROWS)]
        assert not list(tmp_path.rglob(f"*{jobs[0].id}*.sqlite3*"))  # no journal file on the side
    finally:
        for j in jobs:
            j.close()
