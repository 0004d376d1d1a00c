"""`oint ozon bulk ...`, `oint ozon export ...` and `oint bulk list|show|resume`.

    oint ozon bulk stocks --file stocks.csv [--report out.csv] [--dry-run] [common options]
    oint ozon export stocks --out back.csv [common options]
    oint bulk list | show JOB [--report FILE] | resume JOB [common options]

Exit codes: 0 every item confirmed; 1 some items failed (their count on stderr), or the job
stopped (Ozon unreachable, credentials refused: resume it later); 2 usage or input error
(every bad cell named by row and column, before anything is sent); 130 interrupted
(resume it with `oint bulk resume JOB`).
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from typing import Any, NamedTuple

from oint.cli.args import split_options
from oint.ozon.errors import UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
COMMON = {
    "clientid": True,
    "apikey": True,
    "base-url": True,
    "db": True,
    "timeout": True,
    "profile": True,
    "sandbox": False,
}


class Kind(NamedTuple):
    op: str
    text: str
    one_of: tuple[tuple[str, ...], ...] = ()
    checks: tuple[tuple[str, str, float], ...] = ()
    decimals: tuple[str, ...] = ()


PRICE_FIELDS = ("price", "old_price", "min_price", "net_price", "declared_price")
KINDS: dict[str, Kind] = {
    "stocks": Kind(
        "/v2/products/stocks",
        "stock levels: offer_id or product_id, warehouse_id, stock",
        (("offer_id", "product_id"),),
        (("stock", ">=", 0), ("warehouse_id", ">", 0)),
    ),
    "prices": Kind(
        "/v1/product/import/prices",
        "prices: offer_id or product_id, price, old_price, min_price, ...",
        (("offer_id", "product_id"),),
        decimals=PRICE_FIELDS,
    ),
    "products": Kind(
        "/v3/product/import",
        "create or update products by offer_id (all fields of the card)",
        (("offer_id",),),
        decimals=("price", "old_price"),
    ),
    "images": Kind(
        "/v2/product/pictures/import",
        "replace the pictures of products: offer_id, images, primary_image, color_image",
        (("offer_id",),),
    ),
    "attributes": Kind(
        "/v1/product/attributes/update", "change attributes: offer_id, attributes", (("offer_id",),)
    ),
    "archive": Kind("/v1/product/archive", "archive products: product_id"),
    "unarchive": Kind("/v1/product/unarchive", "bring products back from the archive: product_id"),
    "delete": Kind(
        "/v2/products/delete", "delete archived products without a SKU: offer_id", (("offer_id",),)
    ),
}


class Export(NamedTuple):
    op: str
    text: str
    body: dict[str, Any]
    explode: str | None = None  # a list field written one row per entry


EXPORTS: dict[str, Export] = {
    "products": Export(
        "/v3/product/list", "the product list (ids, archive, stocks flags)", {"filter": {"visibility": "ALL"}}
    ),
    "prices": Export(
        "/v5/product/info/prices", "prices, commissions, indexes", {"filter": {"visibility": "ALL"}}
    ),
    "stocks": Export(
        "/v4/product/info/stocks",
        "stocks per product and source (fbs, rfbs, fbo)",
        {"filter": {"visibility": "ALL"}},
        "stocks",
    ),
    "postings": Export("/v4/posting/fbs/list", "FBS postings (--since, --to: default the last 30 days)", {}),
    "postings-fbo": Export("/v3/posting/fbo/list", "FBO postings (--since, --to)", {}),
}

USAGE = """oint ozon bulk: send thousands of items at Ozon's quota, resumable, with progress

  oint ozon bulk KIND --file FILE [--report OUT] [--dry-run] [--concurrency N] [--body JSON]
        [--clientid ID --apikey KEY | --profile NAME | --sandbox [--db PATH] | --base-url URL]
        [--timeout S] [--quiet]

FILE: CSV, XLSX (pip install 'oint[xlsx]') or JSON lines, a header row naming Ozon's fields
(nested ones with dotted names). Every row is checked before anything is sent. The job's
journal is kept in OINT_JOBS_DIR (default ~/.local/state/oint/jobs): an interrupted job
resumes with `oint bulk resume JOB`. --report writes each item's outcome (.csv/.xlsx/.jsonl).
KIND is one of these, or any batched operation by path or name (/v1/barcode/add):
{kinds}
Exit codes: 0 all confirmed, 1 some items failed or the job stopped, 2 bad input, 130 interrupted.
"""

EXPORT_USAGE = """oint ozon export: every page of a list, streamed to a file

  oint ozon export WHAT --out FILE.csv|xlsx|jsonl [--body JSON] [--since DATE --to DATE]
        [--clientid ID --apikey KEY | --profile NAME | --sandbox [--db PATH] | --base-url URL]

WHAT is one of these, or any paged operation by path or name (with --body for its filter):
{kinds}
"""

JOBS_USAGE = """oint bulk: the jobs of `oint ozon bulk`

  oint bulk list                        jobs in OINT_JOBS_DIR, newest last
  oint bulk show JOB [--report FILE] [--failed N]
                                        counts, failures with Ozon's errors
  oint bulk resume JOB [--concurrency N] [--report FILE] [common options]
                                        go on where it stopped (same account)
"""


def _options(argv: list[str], allowed: dict[str, bool], usage: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name, value in split_options(argv):
        if name not in allowed:
            raise UsageError(f"unknown option --{name} ({usage})")
        if allowed[name] and value is None:
            raise UsageError(f"option --{name} needs a value")
        if not allowed[name] and value is not None:
            raise UsageError(f"option --{name} takes no value")
        out[name] = value
    return out


def _number(opts: dict[str, str | None], name: str, default: float, kind: type = float) -> Any:
    text = opts.get(name)
    if text is None:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise UsageError(f"--{name}: expected a number, got {text!r}") from None
    if value <= 0:
        raise UsageError(f"--{name}: must be greater than 0")
    return value


def _json_option(opts: dict[str, str | None], name: str) -> dict[str, Any]:
    text = opts.get(name)
    if not text:
        return {}
    from oint.ozon.values import OBJECT

    value = OBJECT.parse_cli(text, name)
    if not isinstance(value, dict):
        raise UsageError(f"--{name}: expected a JSON object")
    return value


def _client_options(opts: dict[str, str | None], target: str = "") -> dict[str, Any]:
    options: dict[str, Any] = {}
    if opts.get("timeout") is not None:
        options["timeout"] = _number(opts, "timeout", 30.0)
    if "sandbox" in opts:
        if "base-url" in opts:
            raise UsageError("--sandbox and --base-url exclude each other")
        options["sandbox"] = opts.get("db") or os.environ.get("OINT_SANDBOX_DB") or True
    elif opts.get("base-url"):
        from oint.ozon.base_url import check_base_url

        options["base_url"] = check_base_url(str(opts["base-url"]), "--base-url")
    elif target.startswith("sandbox:"):  # resume where the job ran
        options["sandbox"] = opts.get("db") or target[len("sandbox:") :] or True
    elif target:
        options["base_url"] = target
    if opts.get("profile"):
        options["profile"] = opts["profile"]
    return options


def _async_client(opts: dict[str, str | None], target: str = "") -> Any:
    from oint.ozon.base_client import AsyncClientBase

    return AsyncClientBase(opts.get("clientid"), opts.get("apikey"), **_client_options(opts, target))


def _target(options: dict[str, Any], base_url: str) -> str:
    sandbox = options.get("sandbox")
    if sandbox:
        return "sandbox:" + ("" if sandbox is True else os.path.abspath(os.fspath(sandbox)))
    return base_url


def _say(text: str) -> None:
    sys.stderr.write(f"oint: {text}\n")
    sys.stderr.flush()


# ------------------------------------------------------------------ oint ozon bulk
def ozon_command(argv: list[str]) -> int:
    """`oint ozon bulk ...` and `oint ozon export ...` (argv starts with bulk / export)."""
    if argv[0].lower() == "export":
        return export(argv[1:])
    return bulk(argv[1:])


def _operation(name: str, table: dict[str, Any], what: str) -> Any:
    from oint.ozon.spec import find

    op = find(table[name.lower()].op) if name.lower() in table else find(name)
    if op is None:
        raise UsageError(f"unknown {what} {name!r}: one of {', '.join(table)}, or an operation's path")
    return op


def bulk(argv: list[str]) -> int:
    kinds = "\n".join(f"  {k:<11} {v.op:<30} {v.text}" for k, v in KINDS.items())
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE.format(kinds=kinds))
        return EXIT_OK
    name = argv[0]
    op = _operation(name, KINDS, "bulk kind")
    if op.batch is None:
        raise UsageError(f"{op.path} takes no batch of items: bulk needs a batched operation")
    allowed = {
        **COMMON,
        "file": True,
        "report": True,
        "dry-run": False,
        "concurrency": True,
        "body": True,
        "quiet": False,
        "debug": False,
    }
    opts = _options(argv[1:], allowed, "see: oint ozon bulk")
    path = opts.get("file")
    if not path:
        raise UsageError("oint ozon bulk needs --file FILE")
    report = opts.get("report")
    from oint.bulk.files import file_format

    if report:
        file_format(report, "--report")
    concurrency = _number(opts, "concurrency", 4, int)
    extra = _json_option(opts, "body")
    kind = KINDS.get(name.lower())
    schema = _item_schema(op, kind)
    from oint.bulk.files import read_table

    table = read_table(path)
    problems = schema.check_header(table.header)
    if problems:
        return _refuse(path, problems, len(problems))
    if "dry-run" in opts:
        count, problems, total = _check_rows(schema, table)
        if total:
            return _refuse(path, problems, total, rows=True)
        _say(f"{path}: {count} rows checked, all good; nothing sent (--dry-run)")
        return EXIT_OK
    if "debug" in opts:
        import logging

        logging.basicConfig(level=logging.INFO, format="oint: %(message)s")
    client = _async_client(opts)
    from oint.bulk.jobs import Job

    bad: list[str] = []
    tally = [0, 0]  # good rows, bad rows

    def items() -> Iterator[tuple[int, Any]]:
        for row, cells in table.rows:
            item, row_problems = schema.item_of(table.header, cells)
            if row_problems:
                tally[1] += 1
                if len(bad) < 20:
                    bad.extend(f"row {row}: {p}" for p in row_problems)
                continue
            tally[0] += 1
            if not tally[1]:
                yield row, item

    job = Job.create(
        op,
        items(),
        client_id=client.client_id,
        target=_target(_client_options(opts), client.base_url),
        label=name if kind is not None else op.name,
        extra=extra,
        numbered=True,
        source=os.path.abspath(path),
        columns=table.header if not schema.scalar else [schema.field],
        kind=name.lower() if kind is not None else "",
    )
    if tally[1]:
        job.delete()
        _run_close(client)
        return _refuse(path, bad, tally[1], rows=True)
    if job.journal.total == 0:
        job.delete()
        _run_close(client)
        raise UsageError(f"--file: {path!r} has no rows under its header")
    _say(f"job {job.id}: {job.journal.total} items of {op.path}")
    return _run(job, client, opts, concurrency, report)


def _item_schema(op: Any, kind: Kind | None) -> Any:
    from oint.bulk.files import Check, ItemSchema

    if kind is None:
        return ItemSchema(op)
    return ItemSchema(op, kind.one_of, tuple(Check(*c) for c in kind.checks), kind.decimals)


def _check_rows(schema: Any, table: Any) -> tuple[int, list[str], int]:
    count, bad_rows = 0, 0
    shown: list[str] = []
    for row, cells in table.rows:
        count += 1
        _, problems = schema.item_of(table.header, cells)
        if problems:
            bad_rows += 1
            if len(shown) < 20:
                shown += [f"row {row}: {p}" for p in problems]
    return count, shown, bad_rows


def _refuse(path: str, problems: list[str], total: int, rows: bool = False) -> int:
    """Exit 2 naming the problems (the first 20) of the header or of `total` bad rows."""
    what = f"{total} bad row{'s' if total != 1 else ''}" if rows else "bad header"
    _say(f"{path}: {what}; nothing was sent")
    for p in problems[:20]:
        sys.stderr.write(f"  {p}\n")
    if len(problems) > 20 or (rows and len({p.split(":")[0] for p in problems}) < total):
        sys.stderr.write("  ... (every row is checked: fix these and run again, or --dry-run)\n")
    return EXIT_USAGE


def _run_close(client: Any) -> None:
    import asyncio

    asyncio.run(client.aclose())


def _run(job: Any, client: Any, opts: dict[str, str | None], concurrency: int, report: str | None) -> int:
    import asyncio

    progress = ProgressLine(job.id, job.journal.total, quiet="quiet" in opts)

    async def go() -> Any:
        try:
            return await job.arun(client, progress=progress, concurrency=concurrency)
        finally:
            await client.aclose()

    try:
        summary = asyncio.run(go())
    except KeyboardInterrupt:
        progress.end()
        _say(f"interrupted; nothing is lost: resume with  oint bulk resume {job.id}")
        job.close()
        return EXIT_INTERRUPTED
    progress.end(summary)
    if report:
        written = write_report(job, report)
        _say(f"report of {written} items: {report}")
    job.close()
    if summary.stopped:
        _say(f"job {job.id} stopped: {summary.stopped}")
        _say(f"{summary.pending + summary.sent} items left: resume with  oint bulk resume {job.id}")
        return EXIT_FAILED
    if summary.failed:
        _say(
            f"{summary.failed} of {summary.total} items failed (Ozon's errors: oint bulk show {job.id}"
            + (f", or {report})" if report else ")")
        )
        return EXIT_FAILED
    _say(f"all {summary.confirmed} items confirmed (job {job.id})")
    return EXIT_OK


# ------------------------------------------------------------------ progress
def _duration(seconds: float) -> str:
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressLine:
    """A live bar on a terminal (done, failed, rate, ETA); plain lines every
    OINT_PROGRESS_EVERY seconds (default 10) when stderr is not a terminal."""

    def __init__(self, job_id: str, total: int, *, quiet: bool = False, stream: Any = None) -> None:
        self.job_id = job_id
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.quiet = quiet
        self.every = 0.1 if self.tty else float(os.environ.get("OINT_PROGRESS_EVERY") or 10)
        self.start = time.monotonic()
        self.last = 0.0
        self.samples: deque[tuple[float, int]] = deque()
        self.drawn = False

    def __call__(self, s: Any, force: bool = False) -> None:
        now = time.monotonic()
        settled = s.confirmed + s.failed
        self.samples.append((now, settled))
        while len(self.samples) > 2 and self.samples[0][0] < now - 30:
            self.samples.popleft()
        if self.quiet or (not force and now - self.last < self.every):
            return
        self.last = now
        t0, n0 = self.samples[0]
        rate = (settled - n0) / (now - t0) * 60 if now > t0 else 0.0
        left = s.total - settled
        eta = _duration(left / rate * 60) if rate > 0 and left else "-"
        pct = settled * 100 // s.total if s.total else 100
        text = (
            f"{settled:,}/{s.total:,} ({pct}%) confirmed {s.confirmed:,} failed {s.failed:,}"
            f" | {rate:,.0f} items/min | ETA {eta} | {_duration(now - self.start)}"
        )
        if self.tty:
            width = 24
            fill = width * settled // s.total if s.total else width
            self.stream.write(f"\r[{'#' * fill}{'.' * (width - fill)}] {text}\x1b[K")
            self.drawn = True
        else:
            self.stream.write(f"oint: {self.job_id}: {text}\n")
        self.stream.flush()

    def end(self, s: Any = None) -> None:
        if s is not None:
            self(s, force=True)
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()


# ------------------------------------------------------------------ reports
def _dig(doc: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if isinstance(doc, dict):
            doc = doc.get(part)
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            return None
    return doc


def _first_error(error: Any) -> tuple[str, str]:
    if (
        isinstance(error, dict)
        and "errors" in error
        and isinstance(error["errors"], list)
        and error["errors"]
    ):
        error = error["errors"]
    if isinstance(error, list):
        error = error[0] if error else None
    if isinstance(error, dict):
        return str(error.get("code", "")), str(error.get("message", ""))
    return ("", "" if error is None else str(error))


def write_report(job: Any, path: str) -> int:
    """Each item's outcome, in input order: row, the item's columns, state, Ozon's error."""
    from oint.bulk.files import open_writer

    columns = job.journal.get("columns") or []
    scalar = len(columns) == 1 and job.operation.batch is not None and columns[0] == job.operation.batch.field
    out = open_writer(path, ["row", *columns, "state", "error_code", "error_message", "errors"], "--report")
    count = 0
    try:
        for o in job.outcomes():
            item = o["item"]
            row: dict[str, Any] = {"row": o["row"], "state": o["state"]}
            if scalar:
                row[columns[0]] = item
            else:
                row.update({c: _dig(item, c) for c in columns})
            if o["state"] == "failed" or (o["state"] != "confirmed" and o["error"]):
                row["error_code"], row["error_message"] = _first_error(o["error"])
                row["errors"] = o["error"]
            out.write(row)
            count += 1
    finally:
        out.close()
    return count


# ------------------------------------------------------------------ oint ozon export
def export(argv: list[str]) -> int:
    kinds = "\n".join(f"  {k:<13} {v.op:<26} {v.text}" for k, v in EXPORTS.items())
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(EXPORT_USAGE.format(kinds=kinds))
        return EXIT_OK
    name = argv[0]
    op = _operation(name, EXPORTS, "export")
    if op.paging is None:
        raise UsageError(f"{op.path} does not page: export needs a list operation")
    allowed = {**COMMON, "out": True, "body": True, "since": True, "to": True, "quiet": False}
    opts = _options(argv[1:], allowed, "see: oint ozon export")
    out_path = opts.get("out")
    if not out_path:
        raise UsageError("oint ozon export needs --out FILE.csv|xlsx|jsonl")
    spec = EXPORTS.get(name.lower())
    body: dict[str, Any] = dict(spec.body) if spec else {}
    body.update(_json_option(opts, "body"))
    if spec is not None and spec.op.startswith(("/v4/posting", "/v3/posting")):
        body = _posting_period(body, opts)
    from oint.bulk.export import export_items
    from oint.ozon.base_client import SyncClientBase

    client = SyncClientBase(opts.get("clientid"), opts.get("apikey"), **_client_options(opts))
    from oint.ozon.errors import APIConnectionError, APIStatusError

    try:
        count = export_items(
            client, op, body, out_path, spec.explode if spec else None, quiet="quiet" in opts
        )
    except APIStatusError as e:
        import json

        _say(f"Ozon answered {e.status}: {json.dumps(e.to_dict(), ensure_ascii=False)}")
        return EXIT_FAILED
    except APIConnectionError as e:
        _say(str(e))
        return EXIT_FAILED
    finally:
        client.close()
    _say(f"{count} rows written to {out_path}")
    return EXIT_OK


def _posting_period(body: dict[str, Any], opts: dict[str, str | None]) -> dict[str, Any]:
    import datetime as dt

    from oint.ozon.values import DATE

    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    flt = dict(body.get("filter") or {})

    def when(name: str, default: dt.datetime) -> str:
        text = opts.get(name)
        value = DATE.parse_cli(text, name) if text else default
        if isinstance(value, dt.datetime):
            value = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
            return value.strftime("%Y-%m-%dT%H:%M:%SZ")
        return str(value)

    flt.setdefault("since", when("since", now - dt.timedelta(days=30)))
    flt.setdefault("to", when("to", now))
    return {**body, "filter": flt}


# ------------------------------------------------------------------ oint bulk
def jobs_command(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(JOBS_USAGE)
        return EXIT_OK
    sub, rest = argv[0].lower(), argv[1:]
    from oint.bulk.jobs import Job, list_jobs
    from oint.bulk.journal import jobs_dir

    if sub == "list":
        _options(rest, {}, "see: oint bulk")
        jobs = list_jobs()
        if not jobs:
            sys.stdout.write(f"no jobs in {jobs_dir()}\n")
            return EXIT_OK
        for job in jobs:
            s = job.summary()
            sys.stdout.write(
                f"{job.id}  {job.journal.get('operation', '?'):<28} {job.status():<11} "
                f"confirmed {s.confirmed}  failed {s.failed}  left {s.pending + s.sent}  of {s.total}\n"
            )
            job.close()
        return EXIT_OK
    if not rest or rest[0].startswith("--"):
        raise UsageError(f"oint bulk {sub} needs a job id (see: oint bulk list)")
    job_id, rest = rest[0], rest[1:]
    if sub == "show":
        opts = _options(rest, {"report": True, "failed": True}, "see: oint bulk")
        job = Job.open(job_id)
        try:
            return _show(job, opts)
        finally:
            job.close()
    if sub == "resume":
        allowed = {**COMMON, "concurrency": True, "report": True, "quiet": False, "debug": False}
        opts = _options(rest, allowed, "see: oint bulk")
        report = opts.get("report")
        if report:
            from oint.bulk.files import file_format

            file_format(report, "--report")
        job = Job.open(job_id)
        if job.status() == "done":
            _say(f"job {job.id} is done: nothing to resume")
            job.close()
            return EXIT_OK
        client = _async_client(opts, str(job.journal.get("target") or ""))
        s = job.summary()
        _say(f"job {job.id}: resuming, {s.pending + s.sent} of {s.total} items left")
        return _run(job, client, opts, _number(opts, "concurrency", 4, int), report)
    raise UsageError(f"unknown command oint bulk {sub} (see: oint bulk)")


def _show(job: Any, opts: dict[str, str | None]) -> int:
    import datetime as dt
    import json

    meta = job.meta
    s = job.summary()
    created = dt.datetime.fromtimestamp(meta.get("created_at", 0), dt.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S UTC"
    )
    lines = [
        f"job        {job.id}",
        f"operation  {meta.get('operation')}" + (f" ({meta['kind']})" if meta.get("kind") else ""),
        f"account    {meta.get('client_id')} at {meta.get('target') or '?'}",
        f"source     {meta.get('source') or '-'}",
        f"created    {created}",
        f"status     {job.status()}" + (f": {s.stopped}" if s.stopped else ""),
        f"items      {s.total}: confirmed {s.confirmed}, failed {s.failed}, pending {s.pending}, "
        f"in flight {s.sent}",
    ]
    limit = int(_number(opts, "failed", 20, int))
    shown = 0
    for o in job.outcomes(["failed"]):
        if shown == 0:
            lines.append("failed items (row: item -> Ozon's error):")
        if shown >= limit:
            lines.append(f"  ... ({s.failed - shown} more; --failed N or --report FILE for all)")
            break
        item = json.dumps(o["item"], ensure_ascii=False)
        error = json.dumps(o["error"], ensure_ascii=False)
        lines.append(f"  row {o['row']}: {item} -> {error}")
        shown += 1
    sys.stdout.write("\n".join(lines) + "\n")
    report = opts.get("report")
    if report:
        written = write_report(job, report)
        _say(f"report of {written} items: {report}")
    return EXIT_OK
