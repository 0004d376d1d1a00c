"""Bulk work at Ozon's quota: thousands of stocks, prices, products or pictures, from any
iterable, split into requests as large as Ozon allows, sent within every limit (per
account, per method, per item), every item's outcome read from Ozon's answers and kept in
a journal, so that an interrupted job resumes without losing or repeating an item.

    from oint import bulk
    summary = bulk.run(ozon, "/v2/products/stocks", [{"offer_id": "A1", "warehouse_id": 1, "stock": 5}, ...])
    summary = await bulk.arun(async_ozon, "/v1/product/import/prices", prices, concurrency=4)
    job = bulk.Job.open(summary.job)          # a job by id
    job.resume(ozon); job.outcomes(["failed"])

Layers: `results` (reading per-item outcomes, data-driven), `limits` (per-item limits),
`journal` (plain state in SQLite), `engine` (pure steps), `jobs` (jobs and drivers),
`files` (CSV / XLSX / JSON lines in and out), `kinds` (the named kinds of jobs and exports),
`intake` (rows checked into a new job), `report` (outcomes, failures, rate).

Names load on first use (`oint.core.lazy.exports`). `oint.jobs.kinds` (the tables of kinds)
loads without the jobs, the engine or the transports, for shell completion and for the operation
layer's messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oint.core.lazy import exports

if TYPE_CHECKING:
    from oint.jobs.jobs import Job, Summary, arun, list_jobs, run, start
    from oint.jobs.journal import jobs_dir

__getattr__, __dir__ = exports(
    __name__,
    {name: "oint.jobs.jobs" for name in ("Job", "Summary", "arun", "list_jobs", "run", "start")}
    | {"jobs_dir": "oint.jobs.journal"},
)

__all__ = ["Job", "Summary", "arun", "jobs_dir", "list_jobs", "run", "start"]
