"""Bulk jobs as MCP tools, without the SDK: `bulk_start`, `bulk_progress`, `bulk_report`,
`bulk_list` over the bulk library (`oint.bulk`).

`bulk_start` checks every row first (`oint.jobs.intake`, the same checks as `oint ozon bulk`) and
answers a preview (row count, the first items as they would be sent, the requests) with a one-use
confirm token, or the problems by row and column; the call with the token streams the rows into a
new job's journal and runs the job in the background of the server process (an asyncio task), and
answers its id at once. A write operation is refused as every write tool is (`--allow-write` and
its scopes). The other three read journals: a job run here, by another server or by the CLI.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import time
from typing import Any

from oint.apis.seller.spec import Operation
from oint.apps.mcp import answers
from oint.apps.mcp.access import WRITE, operation_access
from oint.apps.mcp.service import CONFIRM_TTL, Reply, Service
from oint.compat.methods import REGISTRY
from oint.core.errors import UsageError
from oint.core.flow import Request
from oint.jobs.files import file_format, read_table, rows_table
from oint.jobs.intake import BadInput, check_rows, create_job
from oint.jobs.jobs import Job, Summary, list_jobs, target_of
from oint.jobs.journal import job_store
from oint.jobs.kinds import bulk_operation, item_schema
from oint.jobs.report import Rate, duration, failures, write_report

START, PROGRESS, REPORT, LIST = "bulk_start", "bulk_progress", "bulk_report", "bulk_list"
PREVIEW_ROWS = 5  # first items shown in a preview
CONCURRENCY = 4  # requests in flight per job
REPORT_FORMATS = ("csv", "xlsx", "jsonl")
log = logging.getLogger("oint.apps.mcp")


class BulkJobs:
    """The bulk tools of one server: jobs it runs (asyncio tasks) and the rates it has seen."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._running: dict[str, tuple[Job, asyncio.Task[None]]] = {}
        self._rates: dict[str, Rate] = {}
        self._latest: dict[str, Summary] = {}  # the newest progress of a job running here
        self._errors: dict[str, str] = {}

    async def call(self, name: str, args: dict[str, Any]) -> Reply:
        try:
            if name == START:
                return Reply(await self.start(args))
            if name == PROGRESS:
                return Reply(self.progress(args))
            if name == REPORT:
                return Reply(await self.report(args))
            return Reply(self.list(args))
        except BadInput as e:
            return Reply(bad_input(e), True)

    # ------------------------------------------------------------------ starting
    async def start(self, args: dict[str, Any]) -> Any:
        _known(START, args, {"kind", "rows", "file", "body", "profile", "confirm"})
        service = self.service
        token = args.get("confirm")
        pending = service.peek(str(token)) if token else None
        if pending is not None and not ({"kind", "rows", "file"} & set(args)):
            args = {**pending.arguments, **args}  # confirm alone: the previewed arguments
        kind = args.get("kind")
        if not kind or not isinstance(kind, str):
            raise UsageError(f"{START}: missing required argument kind")
        op, kind_name = bulk_operation(kind)
        if operation_access(op) == WRITE:
            method = _method(op)
            names = [START, op.name, *([kind_name] if kind_name else [])]
            service.check_allowed(op, START, names, method.group if method else None)
        extra = args.get("body") or {}
        if not isinstance(extra, dict):
            raise UsageError(f"{START}: body must be a JSON object")
        rows, path = args.get("rows"), args.get("file")
        if (rows is None) == (path is None):
            raise UsageError(
                f"{START}: give the items as rows (JSON objects) or as a file's path, one of them"
            )
        if pending is not None:
            profile = args["profile"] if "profile" in args else pending.profile
        else:
            profile = args.get("profile") or None
        if rows is not None:
            rows = _scalar_rows(op, rows)
            name, source, fingerprint = "rows", f"{len(rows)} rows given inline", {"rows": rows}
        else:
            name = source = allowed_file(path, self.service.settings.files_dirs)
            fingerprint = {"file": [source, *_stamp(source)]}
        request = Request("BULK", op.path, {**fingerprint, "body": extra})

        def table() -> Any:
            return rows_table(rows) if rows is not None else read_table(name)

        if not token:
            checked = await asyncio.to_thread(lambda: check_rows(op, table(), name, keep=PREVIEW_ROWS))
            arguments = {k: v for k, v in args.items() if k not in ("confirm", "profile")}
            token = service.remember(START, profile, request, arguments)
            return self._preview(op, kind_name, checked, source, extra, profile, token)
        client = service.client(profile)
        service.confirm(str(token), START, profile, request)

        def make() -> str:
            job = create_job(
                op,
                table(),
                name,
                client_id=client.client_id,
                target=target_of(client),
                source=source,
                extra=extra,
            )
            job.close()  # opened again on the server's loop (a journal stays in its thread)
            return job.id

        job = Job.by_id(await asyncio.to_thread(make))  # in the jobs' store: a folder or PostgreSQL
        self._rates[job.id] = rate = Rate()
        task = asyncio.create_task(self._run(job, client, rate))
        self._running[job.id] = (job, task)
        return {
            "job": job.id,
            "items": job.journal.total,
            "operation": f"{op.method} {op.path}",
            "status": "running",
            "next": f'The job runs in the background. Follow it with {PROGRESS} {{"job": "{job.id}"}}; '
            f"when it is done, {REPORT} lists the items Ozon refused.",
        }

    async def _run(self, job: Job, client: Any, rate: Rate) -> None:
        def progress(summary: Summary) -> None:
            rate.add(summary)
            self._latest[job.id] = summary

        try:
            await job.arun(client, progress=progress, concurrency=CONCURRENCY)
        except asyncio.CancelledError:  # the server stops: the journal says interrupted
            raise
        except Exception as e:  # a job's failure must not take the server down
            log.warning("bulk job %s stopped: %s", job.id, e)
            self._errors[job.id] = f"{type(e).__name__}: {e}"
        finally:
            self._running.pop(job.id, None)
            self._latest.pop(job.id, None)
            job.close()

    def _preview(
        self,
        op: Operation,
        kind: str | None,
        checked: Any,
        source: str,
        extra: dict[str, Any],
        profile: str | None,
        token: str,
    ) -> Any:
        per_request = op.batch.max if op.batch is not None and op.batch.max else None
        preview: dict[str, Any] = {
            "operation": f"{op.method} {op.path}",
            "kind": kind or op.name,
            "source": source,
            "rows": checked.rows,
            "first": [{"row": row, "item": item} for row, item in checked.first],
            "account": self.service.account(profile),
        }
        if per_request:
            preview["requests"] = -(-checked.rows // per_request)
            preview["items_per_request"] = per_request
        if extra:
            preview["body"] = extra
        settings = self.service.settings
        return {
            "preview": answers.shape(preview, settings.max_items, None, None, settings.max_chars),
            "confirm": token,
            "expires_in_s": int(CONFIRM_TTL),
            "next": (
                f"Every row was checked; nothing was sent. Show this to the user; to start the job, call "
                f'{START} again with confirm="{token}" (and the same arguments, or none).'
            ),
        }

    # ------------------------------------------------------------------ following
    def progress(self, args: dict[str, Any]) -> Any:
        _known(PROGRESS, args, {"job"})
        with self._job(args) as job:
            s = job.summary()
            rate = self._rates.setdefault(job.id, Rate())
            if job.id not in self._running:  # a job run elsewhere: each look is a sample
                rate.add(s)
            status = self._status(job)
            settled = s.confirmed + s.failed
            out: dict[str, Any] = {
                "job": job.id,
                "status": status,
                "operation": job.journal.get("operation"),
                "total": s.total,
                "confirmed": s.confirmed,
                "failed": s.failed,
                "pending": s.pending,
                "in_flight": s.sent,
                "done_pct": round(settled * 100 / s.total, 1) if s.total else 100.0,
            }
            if status == "running":
                latest = self._latest.get(job.id)
                quota = latest.quota_per_minute if latest is not None else None
                eta = rate.eta(s.total - settled, quota)
                out["items_per_min"] = round(rate.expected(quota))
                if quota:
                    out["quota_items_per_min"] = round(quota)
                if latest is not None and latest.waiting:
                    out["waiting"] = f"{latest.waiting}, {round(latest.waiting_seconds)} s"
                out["eta"] = duration(eta) if eta is not None else None
            started = job.journal.get("started_at")
            if started:
                end = job.journal.get("finished_at") if status == "done" else None
                out["elapsed"] = duration((end or time.time()) - started)
            out["next"] = _next(job, status, s, self._errors.get(job.id))
            return out

    async def report(self, args: dict[str, Any]) -> Any:
        _known(REPORT, args, {"job", "limit", "save", "format"})
        settings = self.service.settings
        limit = min(max(int(args.get("limit") or settings.max_items), 1), 200)
        fmt = str(args.get("format") or "csv").lower()
        if fmt not in REPORT_FORMATS:
            raise UsageError(f"{REPORT}: format is one of {', '.join(REPORT_FORMATS)}")
        with self._job(args) as job:
            s = job.summary()
            out: dict[str, Any] = {"job": job.id, "status": self._status(job), **_counts(s)}
            out.update(failures(job, limit))
            if args.get("save"):
                os.makedirs(settings.out_dir, exist_ok=True)
                path = os.path.join(settings.out_dir, f"{job.id}-report.{fmt}")
                out["report_file"] = path
                out["report_rows"] = await asyncio.to_thread(_write_report, job.id, path)
            elif out["failed"] > len(out["items"]):
                out["next"] = (
                    f"save=true writes every item's outcome to a file ({', '.join(REPORT_FORMATS)})."
                )
            return answers.shape(out, settings.max_items, self.service.lists, None, settings.max_chars)

    def list(self, args: dict[str, Any]) -> Any:
        _known(LIST, args, set())
        jobs = list_jobs()
        rows = []
        for job in reversed(jobs):  # newest first
            try:
                meta, s, status = job.meta, job.summary(), job.status()
            finally:
                job.close()
            created = dt.datetime.fromtimestamp(meta.get("created_at", 0), dt.timezone.utc)
            rows.append(
                {
                    "job": job.id,
                    "operation": meta.get("operation"),
                    "kind": meta.get("kind") or None,
                    "status": status,
                    "account": meta.get("client_id"),
                    "created": created.strftime("%Y-%m-%d %H:%M:%S UTC"),
                    **_counts(s),
                }
            )
        out = {"store": str(job_store()), "total": len(rows), "jobs": rows}  # no password shown
        settings = self.service.settings
        return answers.shape(out, settings.max_items, self.service.lists, None, settings.max_chars)

    def _status(self, job: Job) -> str:
        """done, running (also a job started here whose first step is still to come), stopped..."""
        return "running" if job.id in self._running else job.status()

    def _job(self, args: dict[str, Any]) -> Any:
        """The job named by `args["job"]`: the one running here, else opened from its journal."""
        key = args.get("job")
        if not key:
            raise UsageError("missing required argument job (bulk_list lists the jobs)")
        running = self._running.get(str(key))
        if running is not None:
            return _Borrowed(running[0])
        return Job.by_id(key)  # an id only: a path is refused before any file is opened

    async def aclose(self) -> None:
        """Stop the jobs running here (their journals say interrupted: `oint bulk resume` goes on)."""
        tasks = [task for _, task in self._running.values()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


class _Borrowed:
    """A running job used in a `with` block without closing it."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def __enter__(self) -> Job:
        return self.job

    def __exit__(self, *exc: object) -> None:
        pass


def bad_input(e: BadInput) -> dict[str, Any]:
    """Rows or a header that cannot be sent, for the model: each problem by row and column."""
    out: dict[str, Any] = {"error": {"message": str(e)}, "problems": e.problems}
    if e.cut:
        out["more_problems"] = True
    out["hint"] = (
        "Every row was checked and nothing was sent: fix these rows (or the header), then call bulk_start."
    )
    return out


def _known(tool: str, args: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise UsageError(f"{tool}: unknown argument(s) {', '.join(unknown)}")


def _method(op: Operation) -> Any:
    return REGISTRY.by_endpoint(op.path)


def _scalar_rows(op: Operation, rows: Any) -> Any:
    """Plain values for an operation whose items are plain (archive: product ids) become rows."""
    if isinstance(rows, list) and any(not isinstance(r, dict) for r in rows):
        schema = item_schema(op)
        if schema.scalar:
            return [r if isinstance(r, dict) else {schema.field: r} for r in rows]
    return rows


def allowed_file(path: object, folders: tuple[str, ...]) -> str:
    """The real path of a file `bulk_start` may read: inside one of the folders the user allowed
    (`oint mcp --files-dir DIR`), reached without a link that leads out of it, of a kind bulk jobs
    read. Anything else is refused before the file is opened, and nothing of it is echoed."""
    if not isinstance(path, str) or not path.strip():
        raise UsageError(f"{START}: file must be a file's name")
    if not folders:
        raise UsageError(
            f"{START}: this server reads no files (started without --files-dir): give the items as rows"
        )
    file_format(path, "file")
    for folder in folders:
        root = os.path.realpath(folder)
        real = os.path.realpath(os.path.join(root, path))  # an absolute path stays itself
        if os.path.commonpath([root, real]) == root and real != root:
            if os.path.isfile(real):
                file_format(real, "file")  # the link's target must be such a file too
                return real
    allowed = ", ".join(folders)
    raise UsageError(f"{START}: file {path!r} is not a file in the folders this server may read ({allowed})")


def _stamp(path: str) -> tuple[int, int]:
    """A file's size and change time: a preview's token is for the file as it was checked."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise UsageError(f"file: {path!r} does not exist") from None
    except OSError as e:
        raise UsageError(f"file: cannot read {path!r}: {e.strerror}") from None
    return st.st_size, st.st_mtime_ns


def _counts(s: Summary) -> dict[str, int]:
    return {"total": s.total, "confirmed": s.confirmed, "failed": s.failed, "left": s.pending + s.sent}


def _next(job: Job, status: str, s: Summary, error: str | None) -> str:
    if error:
        return f"The job stopped on an error ({error}); the CLI goes on: oint bulk resume {job.id}"
    if status == "running":
        return f"Still running: call {PROGRESS} again in a while."
    if status == "done":
        if s.failed:
            return f"Done; {s.failed} item(s) failed: {REPORT} lists them with Ozon's errors."
        return "Done: every item confirmed."
    if status == "stopped":
        return f"Stopped ({s.stopped}); resume it later from the command line: oint bulk resume {job.id}"
    return f"Not running ({status}); resume it from the command line: oint bulk resume {job.id}"


def _write_report(job_id: str, path: str) -> int:
    with Job.by_id(job_id) as job:  # in a worker thread: its own connection
        return write_report(job, path, "save")
