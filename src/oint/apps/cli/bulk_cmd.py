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

import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from oint.apps.cli.args import checked_options, number_option
from oint.compat.values import DATE, OBJECT
from oint.core.errors import APIConnectionError, APIStatusError, UsageError
from oint.jobs.kinds import EXPORTS, KINDS, bulk_operation, export_operation

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
COMMON = {
    "clientid": True,
    "apikey": True,
    "base-url": True,
    "db": True,
    "timeout": True,
    "profile": True,
    "sandbox": False,
    "ca-file": True,
}
# each command's options (True: takes a value), read by the commands and by shell completion
BULK_OPTIONS = {
    **COMMON,
    "file": True,
    "report": True,
    "dry-run": False,
    "concurrency": True,
    "body": True,
    "quiet": False,
    "debug": False,
    "queue": True,
}
EXPORT_OPTIONS = {**COMMON, "out": True, "body": True, "since": True, "to": True, "quiet": False}
JOBS_OPTIONS: dict[str, dict[str, bool]] = {
    "list": {},
    "show": {"report": True, "failed": True},
    "resume": {**COMMON, "concurrency": True, "report": True, "quiet": False, "debug": False, "queue": True},
}
FILE_OPTIONS = ("file", "report", "out", "db", "body")  # a file's name (--body: JSON text or file)


USAGE = """oint ozon bulk: send thousands of items at Ozon's quota, resumable, with progress

  oint ozon bulk KIND --file FILE [--report OUT] [--dry-run] [--concurrency N] [--body JSON]
        [--clientid ID --apikey KEY | --profile NAME | --sandbox [--db PATH] | --base-url URL]
        [--timeout S] [--ca-file PEM] [--quiet] [--debug]
  oint ozon bulk KIND --file FILE --profile NAME --queue redis://HOST:6379/0 [--base-url URL]

FILE: CSV, XLSX (pip install 'oint[xlsx]') or JSON lines, a header row naming Ozon's fields
(nested ones with dotted names). Every row is checked before anything is sent. The job's
journal is kept in OINT_JOBS_DIR (default ~/.local/state/oint/jobs): an interrupted job
resumes with `oint bulk resume JOB`. --report writes each item's outcome (.csv/.xlsx/.jsonl;
checked before anything is sent, and written again by `oint bulk resume`).
KIND is one of these, or any batched operation by path or name (/v1/barcode/add):
{kinds}
--queue: the rows go into the job's journal (OINT_JOBS: a folder every worker reaches, or
postgresql://...), the job goes on the queue for `oint worker`, and its id is printed; the
account is named by --profile only: each worker reads the key from its own profiles.
Exit codes: 0 all confirmed, 1 some items failed or the job stopped, 2 bad input, 130 interrupted.
"""

EXPORT_USAGE = """oint ozon export: every page of a list, streamed to a file

  oint ozon export WHAT --out FILE.csv|xlsx|jsonl [--body JSON] [--since DATE --to DATE]
        [--clientid ID --apikey KEY | --profile NAME | --sandbox [--db PATH] | --base-url URL]

WHAT is one of these, or any paged operation by path or name (with --body for its filter):
{kinds}
"""

JOBS_USAGE = """oint bulk: the jobs of `oint ozon bulk`

  oint bulk list                        jobs in OINT_JOBS (or OINT_JOBS_DIR), newest last
  oint bulk show JOB [--report FILE] [--failed N]
                                        counts, failures with Ozon's errors
  oint bulk resume JOB [--concurrency N] [--report FILE] [common options]
                                        go on where it stopped (same account); the report
                                        the job was started with is written again
  oint bulk resume JOB --queue redis://...  [--profile NAME]
                                        put it back on the queue for the workers
"""


def _wants_help(argv: list[str]) -> bool:
    """No arguments, `help` first, or `--help` / `-h` anywhere (help wins, as elsewhere in oint)."""
    return not argv or argv[0] == "help" or any(a in ("-h", "--help") for a in argv)


def _json_option(opts: dict[str, str | None], name: str) -> dict[str, Any]:
    text = opts.get(name)
    if not text:
        return {}

    value = OBJECT.parse_cli(text, name)
    if not isinstance(value, dict):
        raise UsageError(f"--{name}: expected a JSON object")
    return value


def _client_options(opts: dict[str, str | None], target: str = "") -> dict[str, Any]:
    """The client's options (`main.client_options`, the one parser of them); a resumed job
    without --sandbox or --base-url goes back where it ran (`target`)."""
    from oint.apps.cli.main import client_options

    flags = {name for name, value in opts.items() if value is None}
    settings = {name: value for name, value in opts.items() if value is not None}
    options = client_options(flags, settings)
    if "sandbox" not in options and "base_url" not in options:
        if target.startswith("sandbox:"):  # resume where the job ran
            options["sandbox"] = opts.get("db") or target[len("sandbox:") :] or True
        elif target:
            options["base_url"] = target
    return options


def _async_client(opts: dict[str, str | None], target: str = "") -> Any:
    from oint.apis.seller.client import AsyncSellerClient

    return AsyncSellerClient(opts.get("clientid"), opts.get("apikey"), **_client_options(opts, target))


def _say(text: str) -> None:
    sys.stderr.write(f"oint: {text}\n")
    sys.stderr.flush()


# ------------------------------------------------------------------ oint ozon bulk
def ozon_command(argv: list[str]) -> int:
    """`oint ozon bulk ...` and `oint ozon export ...` (argv starts with bulk / export)."""
    if argv[0].lower() == "export":
        return export(argv[1:])
    return bulk(argv[1:])


def bulk(argv: list[str]) -> int:
    kinds = "\n".join(f"  {k:<11} {v.op:<30} {v.text}" for k, v in KINDS.items())
    if _wants_help(argv):
        sys.stdout.write(USAGE.format(kinds=kinds))
        return EXIT_OK

    op, _ = bulk_operation(argv[0])
    opts = checked_options(argv[1:], BULK_OPTIONS, "oint ozon bulk")
    path = opts.get("file")
    if not path:
        raise UsageError("oint ozon bulk needs --file FILE")
    report = opts.get("report")
    from oint.jobs.files import check_output, read_table
    from oint.jobs.intake import BadInput, check_rows, create_job
    from oint.jobs.jobs import target_of

    if report:
        check_output(report, "--report")
    concurrency = number_option(opts, "concurrency", 4, int, sign="positive")
    extra = _json_option(opts, "body")
    queue = _queue_option(opts)
    try:
        if "dry-run" in opts:
            checked = check_rows(op, read_table(path), path)
            _say(f"{path}: {checked.rows} rows checked, all good; nothing sent (--dry-run)")
            return EXIT_OK
        if queue is not None:
            return _enqueue_new(op, path, opts, queue, extra)
        client = _async_client(opts)  # --debug: set up by main.client_options, as for every command
        try:
            job = create_job(
                op,
                read_table(path),
                path,
                client_id=client.client_id,
                target=target_of(client),
                source=os.path.abspath(path),
                extra=extra,
            )
        except BaseException:
            _run_close(client)
            raise
    except BadInput as e:
        return _refuse(e)
    if report:  # remembered: `oint bulk resume` writes it too
        job.journal.set(report=os.path.abspath(report))
    _say(f"job {job.id}: {job.journal.total} items of {op.path}")
    return _run(job, client, opts, concurrency, report)


def _queue_option(opts: dict[str, str | None]) -> str | None:
    """--queue's Redis URL, checked with the options a queued job cannot take (None: no queue)."""
    if "queue" not in opts:
        return None
    from oint.jobs.queue import check_queue_url, need_queue

    url = check_queue_url(opts.get("queue") or "")
    if not opts.get("profile"):
        raise UsageError("--queue needs --profile NAME: a queued job names its account by profile")
    for name, why in (
        ("clientid", "the account is the profile's"),
        ("apikey", "no key travels through the queue: each worker reads it from its own profiles"),
        ("report", "write it when the job is done: oint bulk show JOB --report FILE"),
        ("concurrency", "the workers' own: oint worker --concurrency N"),
        ("debug", "the workers' own"),
    ):
        if name in opts:
            raise UsageError(f"--{name} does not go with --queue: {why}")
    need_queue()
    return url


def _queued_target(opts: dict[str, str | None]) -> tuple[str, str]:
    """(Client-Id, where to send) of a job to queue, from --profile and --sandbox/--base-url: the
    profile's key is not read here (the workers read their own)."""
    from oint.apps.cli.main import client_options
    from oint.core.client import OZON_BASE_URL
    from oint.core.profiles import load_profile

    flags = {name for name, value in opts.items() if value is None}
    options = client_options(flags, {k: v for k, v in opts.items() if v is not None})
    profile = load_profile(str(opts["profile"]))
    if "sandbox" in options:
        state = options["sandbox"]
        target = "sandbox:" + ("" if state is True else os.path.abspath(str(state)))
    else:
        target = (
            options.get("base_url") or profile.base_url or os.environ.get("OZON_BASE_URL") or OZON_BASE_URL
        )
    return profile.client_id, str(target)


def _enqueue_new(op: Any, path: str, opts: dict[str, str | None], queue: str, extra: dict[str, Any]) -> int:
    """`oint ozon bulk ... --queue`: the rows into a new job's journal, the job on the queue, its id
    on stdout."""
    from oint.jobs.files import read_table
    from oint.jobs.intake import create_job
    from oint.jobs.queue import enqueue

    client_id, target = _queued_target(opts)
    job = create_job(
        op,
        read_table(path),
        path,
        client_id=client_id,
        target=target,
        source=os.path.abspath(path),
        extra=extra,
    )
    try:
        enqueue(queue, job, str(opts["profile"]))
    except UsageError as e:
        _say(f"{e}; job {job.id} keeps its {job.journal.total} items: oint bulk resume {job.id} --queue URL")
        job.close()
        return EXIT_FAILED
    _say(
        f"job {job.id}: {job.journal.total} items of {op.path} queued on {_shown_queue(queue)} "
        f"for profile {opts['profile']}"
    )
    sys.stdout.write(job.id + "\n")
    job.close()
    return EXIT_OK


def _shown_queue(url: str) -> str:
    from oint.jobs.queue import shown

    return shown(url)


def _refuse(e: Any) -> int:
    """Exit 2 naming the problems (the first 20) of a bad header or bad rows."""
    _say(str(e))
    for p in e.problems:
        sys.stderr.write(f"  {p}\n")
    if e.cut:
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
        from oint.jobs.report import write_report

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
class ProgressLine:
    """A live bar on a terminal (done, failed, rate, ETA, what it waits for); plain lines every
    OINT_PROGRESS_EVERY seconds (default 10) when stderr is not a terminal. Rate and ETA are
    measured, but never faster than Ozon's windows allow (the summary's `quota_per_minute`)."""

    def __init__(
        self,
        job_id: str,
        total: int,
        *,
        quiet: bool = False,
        stream: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from oint.jobs.report import Rate

        self.job_id = job_id
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.quiet = quiet
        self.every = 0.1 if self.tty else float(os.environ.get("OINT_PROGRESS_EVERY") or 10)
        self.clock = clock
        self.start = clock()
        self.last: float | None = None  # never printed yet (monotonic time may be small after a boot)
        self.rate = Rate()
        self.quota: float | None = None  # the last one told (the final summary has none)
        self.drawn = False

    def __call__(self, s: Any, force: bool = False) -> None:
        from oint.jobs.report import duration

        now = self.clock()
        self.rate.add(s, now)
        self.quota = getattr(s, "quota_per_minute", None) or self.quota
        if self.quiet or (not force and self.last is not None and now - self.last < self.every):
            return
        self.last = now
        settled = s.confirmed + s.failed
        quota = self.quota  # what Ozon's windows allow a minute
        measured = self.rate.per_minute()
        rate = min(measured, quota) if quota else measured  # a fresh window's burst is no rate
        eta = self.rate.eta(s.total - settled, quota)  # before any measure: the quota's
        pct = settled * 100 // s.total if s.total else 100
        limit = f" (Ozon allows {quota:,.0f})" if quota else ""
        text = (
            f"{settled:,}/{s.total:,} ({pct}%) confirmed {s.confirmed:,} failed {s.failed:,}"
            f" | {rate:,.0f} items/min{limit} | ETA {duration(eta) if eta is not None else '-'}"
            f" | {duration(now - self.start)}"
        )
        waiting, seconds = getattr(s, "waiting", None), getattr(s, "waiting_seconds", 0.0)
        if waiting and seconds >= 1:
            text += f" | waiting for {waiting}, {seconds:.0f} s"
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


# ------------------------------------------------------------------ oint ozon export
def export(argv: list[str]) -> int:
    kinds = "\n".join(f"  {k:<16} {v.op:<26} {v.text}" for k, v in EXPORTS.items())
    if _wants_help(argv):
        sys.stdout.write(EXPORT_USAGE.format(kinds=kinds))
        return EXIT_OK

    op, spec = export_operation(argv[0])
    opts = checked_options(argv[1:], EXPORT_OPTIONS, "oint ozon export")
    out_path = opts.get("out")
    if not out_path:
        raise UsageError("oint ozon export needs --out FILE.csv|xlsx|jsonl")
    from oint.jobs.files import check_output

    check_output(out_path, "--out")
    body: dict[str, Any] = dict(spec.body) if spec else {}
    body.update(_json_option(opts, "body"))
    from oint.apis.seller.client import SellerClient
    from oint.jobs.export import export_items, server_now

    client = SellerClient(opts.get("clientid"), opts.get("apikey"), **_client_options(opts))

    try:
        if spec is not None and spec.op.startswith(("/v4/posting", "/v3/posting")):
            body = _posting_period(body, opts, server_now(client))
        count = export_items(
            client,
            op,
            body,
            out_path,
            spec.explode if spec else None,
            quiet="quiet" in opts,
            restores=spec.restores if spec else None,
        )
    except APIStatusError as e:
        _say(f"Ozon answered {e.status}: {json.dumps(e.to_dict(), ensure_ascii=False)}")
        return EXIT_FAILED
    except APIConnectionError as e:
        _say(str(e))
        return EXIT_FAILED
    finally:
        client.close()
    _say(f"{count} rows written to {out_path}")
    return EXIT_OK


def _posting_period(body: dict[str, Any], opts: dict[str, str | None], epoch: float) -> dict[str, Any]:
    """The period of a postings export: --since and --to, by default the 30 days up to `epoch`
    (the server's now: on the sandbox, its clock)."""

    now = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
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
    if _wants_help(argv):
        sys.stdout.write(JOBS_USAGE)
        return EXIT_OK
    sub, rest = argv[0].lower(), argv[1:]
    if sub not in JOBS_OPTIONS:
        raise UsageError(f"unknown command 'oint bulk {argv[0]}': one of {', '.join(JOBS_OPTIONS)}")
    from oint.jobs.jobs import Job, list_jobs
    from oint.jobs.journal import job_store

    if sub == "list":
        checked_options(rest, JOBS_OPTIONS["list"], "oint bulk")
        jobs = list_jobs()
        if not jobs:
            sys.stdout.write(f"no jobs in {job_store()}\n")
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
        opts = checked_options(rest, JOBS_OPTIONS["show"], "oint bulk")
        job = Job.open(job_id)
        try:
            return _show(job, opts)
        finally:
            job.close()
    if sub == "resume":
        opts = checked_options(rest, JOBS_OPTIONS["resume"], "oint bulk")
        if "queue" in opts:
            return _requeue(job_id, opts)
        from oint.jobs.files import check_output

        report = opts.get("report")
        if report:
            check_output(report, "--report")
        job = Job.open(job_id)
        if job.status() == "done":
            _say(f"job {job.id} is done: nothing to resume")
            job.close()
            return EXIT_OK
        if report:
            job.journal.set(report=os.path.abspath(report))
        else:  # the report the job was started (or last resumed) with
            report = job.journal.get("report") or None
            if report:
                try:
                    check_output(report, "--report")
                except UsageError as e:
                    job.close()
                    raise UsageError(f"{e} (the job's report; give another with --report FILE)") from None
        client = _async_client(opts, str(job.journal.get("target") or ""))
        s = job.summary()
        _say(f"job {job.id}: resuming, {s.pending + s.sent} of {s.total} items left")
        return _run(job, client, opts, number_option(opts, "concurrency", 4, int, sign="positive"), report)
    raise AssertionError(sub)  # every command of JOBS_OPTIONS is handled above


def _requeue(job_id: str, opts: dict[str, str | None]) -> int:
    """`oint bulk resume JOB --queue URL [--profile NAME]`: the job back on the queue (the profile
    it was queued with, unless another is given)."""
    from oint.jobs.jobs import Job
    from oint.jobs.queue import check_queue_url, enqueue, need_queue

    url = check_queue_url(opts.get("queue") or "")
    extra = sorted(set(opts) - {"queue", "profile"})
    if extra:
        raise UsageError(f"--{extra[0]} does not go with --queue: the workers run the job with their own")
    need_queue()
    job = Job.open(job_id)
    try:
        if job.status() == "done":
            _say(f"job {job.id} is done: nothing to resume")
            return EXIT_OK
        profile = opts.get("profile") or job.journal.get("profile")
        if not profile:
            raise UsageError(f"job {job.id} was not queued before: give its account with --profile NAME")
        from oint.core.profiles import load_profile

        if opts.get("profile") and load_profile(str(profile)).client_id != job.journal.get("client_id"):
            raise UsageError(
                f"job {job.id} belongs to Client-Id {job.journal.get('client_id')}, not profile {profile!r}'s"
            )
        enqueue(url, job, str(profile))
        s = job.summary()
        _say(f"job {job.id}: queued again, {s.pending + s.sent} of {s.total} items left")
        sys.stdout.write(job.id + "\n")
        return EXIT_OK
    finally:
        job.close()


def _show(job: Any, opts: dict[str, str | None]) -> int:
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
        f"report     {meta.get('report') or '-'}",
        *([f"queue      {meta['queue']} (profile {meta.get('profile')})"] if meta.get("queue") else []),
        *([f"worker     {meta['worker']}"] if meta.get("worker") else []),
        f"created    {created}",
        f"status     {job.status()}" + (f": {s.stopped}" if s.stopped else ""),
        f"items      {s.total}: confirmed {s.confirmed}, failed {s.failed}, pending {s.pending}, "
        f"in flight {s.sent}",
    ]
    limit = int(number_option(opts, "failed", 20, int, sign="positive"))
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
        from oint.jobs.report import write_report

        written = write_report(job, report)
        _say(f"report of {written} items: {report}")
    return EXIT_OK
