"""Rows into a job: every row checked by the operation's schema (and its kind's checks) before
anything is sent, then streamed into a new job's journal. What `oint ozon bulk` and the MCP
server's `bulk_start` both do.

    op, kind = kinds.bulk_operation("stocks")
    checked = check_rows(op, read_table("stocks.csv"), "stocks.csv", keep=5)   # BadInput if not
    job = create_job(op, read_table("stocks.csv"), "stocks.csv", client_id=..., target=...)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from oint.apis.seller.spec import Operation
from oint.core.errors import UsageError
from oint.jobs.files import MAX_REPORTED, Table
from oint.jobs.jobs import Job
from oint.jobs.kinds import item_schema, kind_of


class BadInput(UsageError):
    """A header or rows that cannot be sent; `problems` names the first of them by row and column."""

    def __init__(self, name: str, problems: list[str], total: int, rows: bool) -> None:
        what = f"{total} bad row{'s' if total != 1 else ''}" if rows else "bad header"
        super().__init__(f"{name}: {what}; nothing was sent")
        self.name = name
        self.problems = problems[:MAX_REPORTED]
        self.total = total
        self.rows = rows
        # more problems than shown (some rows have several; only the first rows are shown)
        self.cut = len(problems) > MAX_REPORTED or (
            rows and len({p.split(":")[0] for p in self.problems}) < total
        )


class Checked(NamedTuple):
    rows: int  # rows checked, all good
    first: list[tuple[int, Any]]  # the first (row, item) as they would be sent


def check_header(schema: Any, header: list[str], name: str) -> None:
    problems = schema.check_header(header)
    if problems:
        raise BadInput(name, problems, len(problems), rows=False)


def _items(schema: Any, table: Table, bad: list[str], tally: list[int]) -> Iterator[tuple[int, Any]]:
    """The (row, item) of every good row, while no bad row is seen; the bad rows' problems go to
    `bad` (the first ones) and the counts of good and bad rows to `tally`."""
    for row, cells in table.rows:
        item, problems = schema.item_of(table.header, cells)
        if problems:
            tally[1] += 1
            if len(bad) < MAX_REPORTED:
                bad.extend(f"row {row}: {p}" for p in problems)
            continue
        tally[0] += 1
        if not tally[1]:
            yield row, item


def check_rows(op: Operation, table: Table, name: str, keep: int = 0) -> Checked:
    """Check every row of `table` as items of `op` (BadInput naming the problems); nothing is sent."""
    schema = item_schema(op)
    check_header(schema, table.header, name)
    bad: list[str] = []
    tally = [0, 0]
    first: list[tuple[int, Any]] = []
    for pair in _items(schema, table, bad, tally):
        if len(first) < keep:
            first.append(pair)
    if tally[1]:
        raise BadInput(name, bad, tally[1], rows=True)
    return Checked(tally[0], first)


def create_job(
    op: Operation,
    table: Table,
    name: str,
    *,
    client_id: str,
    target: str,
    source: str = "",
    extra: dict[str, Any] | None = None,
    directory: str | None = None,
) -> Job:
    """A new job of `op` over the rows of `table`, checked while they stream into its journal:
    on a bad row no job is left behind (BadInput), nor for a table without rows (UsageError)."""
    schema = item_schema(op)
    check_header(schema, table.header, name)
    kind = kind_of(op.path)
    bad: list[str] = []
    tally = [0, 0]
    job = Job.create(
        op,
        _items(schema, table, bad, tally),
        client_id=client_id,
        target=target,
        directory=directory,
        label=kind or op.name,
        extra=extra,
        numbered=True,
        source=source,
        columns=table.header if not schema.scalar else [schema.field],
        kind=kind or "",
    )
    if tally[1]:
        job.delete()
        raise BadInput(name, bad, tally[1], rows=True)
    if job.journal.total == 0:
        job.delete()
        raise UsageError(f"{name}: no rows under its header")
    return job
