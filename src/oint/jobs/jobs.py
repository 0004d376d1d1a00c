"""Bulk jobs: a journal in the jobs folder, and the sync and async drivers that run the
engine's steps through a client's transport.

    from oint import bulk
    with OzonClient(...) as ozon:
        summary = bulk.run(ozon, "/v2/products/stocks", stocks)     # any iterable, any size
    job = bulk.Job.open(summary.job); job.resume(ozon)              # after an interruption
    async with AsyncOzonClient(...) as ozon:
        summary = await bulk.arun(ozon, "v1_product_import_prices", prices, concurrency=4)

A job takes its items into its journal first (streamed, in chunks), then sends them.
Interrupted (Ctrl-C, kill -9, power loss, Ozon unreachable) it resumes from the journal:
no item is lost and none Ozon confirmed is sent again. Items that were in flight are sent
again when the operation is idempotent (stocks and prices set absolute values; imports
create or update by offer_id), else reported failed as unknown.
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from oint.apis.seller.spec import Operation, operation
from oint.core.errors import APIConnectionError, OzonError, UsageError
from oint.core.transport.base import RawResponse
from oint.jobs.engine import Done, Engine, Send, Stop, Wait
from oint.jobs.journal import (
    SUFFIX,
    FolderStore,
    Journal,
    check_job_id,
    job_store,
    new_job_id,
    without_password,
)
from oint.jobs.limits import account_limiters, shared_item_limiter
from oint.jobs.results import Key, key_of, reader

if TYPE_CHECKING:
    from oint.core.client import AsyncClientBase, SyncClientBase


class Summary(NamedTuple):
    job: str
    total: int
    confirmed: int
    failed: int
    pending: int
    sent: int
    stopped: str | None = None  # why the job stopped before the end (it can be resumed)
    # while it runs (progress): what it waits for and how many seconds more, and the items a
    # minute Ozon's windows allow it (`Engine.waiting`, `Engine.quota_per_minute`)
    waiting: str | None = None
    waiting_seconds: float = 0.0
    quota_per_minute: float | None = None

    @property
    def finished(self) -> bool:
        return self.pending == 0 and self.sent == 0


Progress = Callable[[Summary], None]


def item_key_spec(op: Operation) -> Key:
    """The fields naming an item: the result reader's, else the per-item limit's."""
    spec = reader(op.path).key
    if spec:
        return spec
    raw = (op.item_limits or {}).get("key") or ()
    return tuple(tuple(f) if isinstance(f, list) else str(f) for f in raw)


class Job:
    """One bulk job and its journal (`<jobs dir>/<id>.sqlite3`, or a job of a PostgreSQL store:
    `journal.job_store`)."""

    def __init__(self, path: str | os.PathLike[str], journal: Journal | None = None) -> None:
        self.path = Path(path)
        self.id = self.path.name[: -len(SUFFIX)] if self.path.name.endswith(SUFFIX) else self.path.stem
        self.journal = journal if journal is not None else Journal(self.path)
        self._running: Engine | None = None

    @property
    def store(self) -> str:
        """The store of the job's journal, as a queued job's message names it: the folder's
        absolute path, or the PostgreSQL URL without its password."""
        url = getattr(self.journal, "url", None)
        return without_password(str(url)) if url else FolderStore(self.path.parent).url

    # ------------------------------------------------------------------ making, finding
    @classmethod
    def create(
        cls,
        op: str | Operation,
        items: Iterable[Any],
        *,
        client_id: str,
        target: str = "",
        directory: str | os.PathLike[str] | None = None,
        label: str | None = None,
        extra: dict[str, Any] | None = None,
        numbered: bool = False,
        **meta: Any,
    ) -> Job:
        """A new job of `op` over `items` (bodies of the batch field's entries; with
        `numbered`, (row, body) pairs). Items are streamed into the journal."""
        oper = op if isinstance(op, Operation) else operation(op)
        store = job_store(directory)
        job_id = new_job_id(label or oper.name)
        job = cls(store.path_of(job_id), store.journal(job_id))
        key = item_key_spec(oper)
        job.journal.set(
            operation=oper.path,
            client_id=str(client_id),
            target=target,
            created_at=time.time(),
            status="taking items",
            extra=extra or {},
            **meta,
        )
        pairs: Iterable[tuple[int, Any]] = items if numbered else enumerate(items, 1)
        job.journal.add((row, body, key_of(key, body)) for row, body in pairs)
        job.journal.set(status="ready", intake_done=True)
        return job

    @classmethod
    def open(cls, job: str | os.PathLike[str], directory: str | os.PathLike[str] | None = None) -> Job:
        """A job by id (in the jobs folder) or by path to its journal."""
        path = Path(job)
        if path.exists():
            return cls(path)
        return cls._in_folder(str(job), directory)

    @classmethod
    def by_id(cls, job_id: object, directory: str | os.PathLike[str] | None = None) -> Job:
        """A job of the jobs folder by its id (or a unique part of it), never by path: for callers
        that must not open files they are told of (the MCP tools)."""
        return cls._in_folder(check_job_id(job_id), directory)

    @classmethod
    def _in_folder(cls, job_id: str, directory: str | os.PathLike[str] | None) -> Job:
        store = job_store(directory)
        if isinstance(store, FolderStore):
            folder = store.folder
            path = folder / (job_id + SUFFIX)
            if path.is_file():
                return cls(path)
            found = sorted(folder.glob(f"*{glob.escape(job_id)}*{SUFFIX}")) if folder.is_dir() else []
            matches = [p.name[: -len(SUFFIX)] for p in found]
        else:
            matches = [job_id] if store.exists(job_id) else [i for i in store.ids() if job_id in i]
        if len(matches) != 1:
            raise UsageError(
                f"no bulk job {job_id!r} in {store}"
                if not matches
                else f"{job_id!r} names {len(matches)} jobs: give more of the id"
            )
        return cls(store.path_of(matches[0]), store.journal(matches[0]))

    def close(self) -> None:
        self.journal.close()

    def __enter__(self) -> Job:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def delete(self) -> None:
        self.journal.remove()

    @property
    def meta(self) -> dict[str, Any]:
        return self.journal.meta()

    @property
    def operation(self) -> Operation:
        return operation(self.journal.get("operation"))

    def summary(self) -> Summary:
        c = self.journal.counts
        stopped = self.journal.get("stopped") if self.journal.get("status") == "stopped" else None
        return Summary(
            self.id, self.journal.total, c["confirmed"], c["failed"], c["pending"], c["sent"], stopped
        )

    def status(self) -> str:
        """done, stopped, interrupted (a run ended without finishing), running, ready..."""
        status = str(self.journal.get("status", "?"))
        if status == "running" and not self._running_elsewhere():
            return "interrupted"
        return status

    def outcomes(self, states: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Every item's outcome (row, item, state, result, error), in input order."""
        return self.journal.outcomes(states)

    # ------------------------------------------------------------------ running
    def _engine(self, client_id: str, max_in_flight: int, client: object = None) -> Engine:
        if not self.journal.get("intake_done"):
            raise UsageError(f"job {self.id}: its items were not all taken in; start it again")
        if str(client_id) != self.journal.get("client_id"):
            raise UsageError(
                f"job {self.id} belongs to Client-Id {self.journal.get('client_id')}, not {client_id}"
            )
        self._take_lock()
        op = self.operation
        store, address = getattr(client, "limit_store", None), tuple(getattr(client, "address_windows", ()))
        self.journal.recover(reader(op.path).idempotent, time.time())
        self.journal.set(status="running", pid=os.getpid(), started_at=time.time())
        engine = Engine(
            self.journal,
            op,
            # the client's store of limits (None: the process's) and its outgoing address's windows
            limits=lambda path: account_limiters(str(client_id), path, store, address),
            item_limiter=shared_item_limiter(str(client_id), op, store),
            max_in_flight=max_in_flight,
            extra=self.journal.get("extra") or {},
        )
        engine.prime(time.time())
        self._running = engine
        return engine

    def stop_soon(self, reason: str) -> None:
        """Ask the running job to stop once its requests in flight are answered (nothing new is
        sent): the run ends as stopped with `reason`, resumable, with nothing sent twice."""
        if self._running is not None and self._running.stopped is None:
            self._running.stopped = reason

    def _finish(self, stopped: str | None) -> Summary:
        self._running = None
        if stopped is not None:
            self.journal.set(status="stopped", stopped=stopped)
        elif self.journal.counts["pending"] == 0 and self.journal.counts["sent"] == 0:
            self.journal.set(status="done", finished_at=time.time())
        self._unlock()
        return self.summary()

    def run(self, client: SyncClientBase, *, progress: Progress | None = None) -> Summary:
        """Send every pending item through `client` (one request at a time) until all are
        confirmed or failed, or the job must stop. Also resumes an interrupted job."""
        engine = self._engine(client.client_id, 1, client)
        try:
            stopped = _drive(engine, client, lambda: self._progress(progress, engine))
        except BaseException:
            self.journal.set(status="interrupted")
            self._unlock()
            raise
        return self._finish(stopped)

    resume = run

    async def arun(
        self, client: AsyncClientBase, *, progress: Progress | None = None, concurrency: int = 4
    ) -> Summary:
        """`run` for an async client, with up to `concurrency` requests in flight."""
        engine = self._engine(client.client_id, concurrency, client)
        try:
            stopped = await _adrive(engine, client, lambda: self._progress(progress, engine))
        except BaseException:
            self.journal.set(status="interrupted")
            self._unlock()
            raise
        return self._finish(stopped)

    aresume = arun

    def _progress(self, progress: Progress | None, engine: Engine) -> None:
        if progress is None:
            return
        summary = self.summary()._replace(quota_per_minute=engine.quota_per_minute())
        waiting = engine.waiting
        if waiting is not None:
            summary = summary._replace(
                waiting=waiting.reason, waiting_seconds=max(0.0, waiting.until - time.time())
            )
        progress(summary)

    # ------------------------------------------------------------------ one runner at a time
    def _take_lock(self) -> None:
        if not self.journal.lock():
            raise UsageError(f"job {self.id} is running in another process")

    def _unlock(self) -> None:
        self.journal.unlock()

    def _running_elsewhere(self) -> bool:
        return self.journal._lock is not None or self.journal.locked_elsewhere()


# ------------------------------------------------------------------ drivers
def _drive(engine: Engine, client: SyncClientBase, progress: Callable[[], None]) -> str | None:
    """The sync driver: one request at a time; sleeps exactly until the engine can go on."""
    try:
        return _drive_steps(engine, client, progress)
    finally:
        engine.abandon()


PROGRESS_TICK = 1.0  # seconds: during a long wait, progress is told this often (a countdown)


def _drive_steps(engine: Engine, client: SyncClientBase, progress: Callable[[], None]) -> str | None:
    while True:
        action = engine.next(time.time())
        if isinstance(action, Send):
            try:
                raw: RawResponse | OzonError = client.send_raw(action.method, action.path, action.body)
            except APIConnectionError as e:
                raw = e
            engine.answered(action, raw, time.time())
            progress()
        elif isinstance(action, Wait):
            until = action.until if action.until is not None else time.time() + 0.05
            if engine.waiting is not None:
                progress()
            time.sleep(min(PROGRESS_TICK, max(0.0, until - time.time())))
        elif isinstance(action, Stop):
            return action.reason
        else:
            assert isinstance(action, Done)
            progress()
            return None


async def _adrive(engine: Engine, client: AsyncClientBase, progress: Callable[[], None]) -> str | None:
    """The async driver: up to the engine's window of requests in flight; between them it
    awaits the first answer or the engine's next moment, whichever comes first."""
    import asyncio

    async def one(send: Send) -> None:
        try:
            raw: RawResponse | OzonError = await client.send_raw(send.method, send.path, send.body)
        except APIConnectionError as e:
            raw = e
        engine.answered(send, raw, time.time())
        progress()

    running: set[asyncio.Future[None]] = set()
    try:
        while True:
            action = engine.next(time.time())
            if isinstance(action, Send):
                running.add(asyncio.ensure_future(one(action)))
                continue
            if isinstance(action, Stop):
                return action.reason
            if isinstance(action, Done):
                progress()
                return None
            timeout = None if action.until is None else max(0.0, action.until - time.time())
            if engine.waiting is not None:  # say so, and again every PROGRESS_TICK of a long wait
                progress()
                timeout = PROGRESS_TICK if timeout is None else min(timeout, PROGRESS_TICK)
            if running:
                done, pending = await asyncio.wait(
                    running, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                running = set(pending)
                for t in done:
                    t.result()
            else:
                await asyncio.sleep(timeout if timeout is not None else 0.05)
    finally:
        for t in running:
            t.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        engine.abandon()


# ------------------------------------------------------------------ one-call helpers
def target_of(client: Any) -> str:
    """Where a client sends: its base URL, "sandbox:" and the state file's absolute path for the
    sandbox (kept in a job's journal, so that a resumed job goes to the same place)."""
    return str(client.base_url)


def start(client: Any, op: str, items: Iterable[Any], **options: Any) -> Job:
    """A new job of `op` over `items` for `client`'s account (not run yet)."""
    return Job.create(op, items, client_id=client.client_id, target=target_of(client), **options)


def run(
    client: SyncClientBase, op: str, items: Iterable[Any], *, progress: Progress | None = None, **options: Any
) -> Summary:
    """Create a job of `op` over `items` and run it to its end (see `Job.run`)."""
    with start(client, op, items, **options) as job:
        return job.run(client, progress=progress)


async def arun(
    client: AsyncClientBase,
    op: str,
    items: Iterable[Any],
    *,
    progress: Progress | None = None,
    concurrency: int = 4,
    **options: Any,
) -> Summary:
    """The async `run`."""
    with start(client, op, items, **options) as job:
        return await job.arun(client, progress=progress, concurrency=concurrency)


def list_jobs(directory: str | os.PathLike[str] | None = None) -> list[Job]:
    """Every job of the jobs folder (or store: `journal.job_store`), oldest first (close them
    after use)."""
    store = job_store(directory)
    ids = store.ids()
    jobs = [Job(store.path_of(i), journal) for i, journal in zip(ids, store.journals(ids), strict=True)]
    return sorted(jobs, key=lambda job: float(job.journal.get("created_at") or 0))  # ids: to the second
