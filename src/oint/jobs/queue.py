"""Bulk jobs on a queue: Dramatiq with its Redis broker (`pip install 'oint[queue]'`).

    oint ozon bulk stocks --file F --profile shop1 --queue redis://host:6379/0   # prints the job id
    oint worker --queue redis://host:6379/0 [--processes N] [--threads N]         # runs jobs

The file's rows go into the job's journal first (a SQLite folder every worker reaches, or
PostgreSQL: `OINT_JOBS`), so that no row travels in the queue or is lost with it. The message
names the job, the account's profile and the journal's store — never an Api-Key: a worker reads
the key from its own profiles (environment variable or OS keyring). The job runs through the same
engine and drivers as `oint ozon bulk` (`oint.jobs.jobs`): per-item results, reports and resume
are the same.

One account's jobs run one at a time, in one worker, under a lease in Redis (`oint.jobs.lease`):
another job of that account waits (the message comes back when the lease may be free), and Ozon's
per-account quota is kept by the running job's own limiter. A worker killed with kill -9 stops
renewing its lease and its heartbeat: after `lease` seconds Dramatiq gives its messages to the
other workers, which resume the jobs from their journals (items in flight at the kill are sent
again where the operation is idempotent, as after any interruption).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import random
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from oint.core.errors import UsageError
from oint.core.limits import LimitStore
from oint.core.limits.redis_store import RedisStore
from oint.jobs.jobs import Job, Summary
from oint.jobs.lease import Lease, account_lease_name

QUEUE = "oint-bulk"  # Dramatiq's queue of bulk jobs
ACTOR = "oint_bulk_job"  # its actor: (job id, profile, journal store)
LEASE_SECONDS = 10.0  # how long a silent worker keeps its accounts and messages
REDIS_TIMEOUT = 5.0  # seconds: a call to Redis that takes longer has failed
Say = Callable[[str], None]


def need_queue() -> None:
    """UsageError naming the extra when Dramatiq or redis-py is not installed."""
    try:
        import dramatiq  # noqa: F401
        import redis  # noqa: F401
    except ImportError:
        raise UsageError("jobs on a queue need Dramatiq and Redis: pip install 'oint[queue]'") from None


def shown(url: str) -> str:
    """A Redis URL without its password, for messages and the journal."""
    return re.sub(r"://([^:/@]*):[^@/]*@", r"://\1:***@", url)


def check_queue_url(url: str, source: str = "--queue") -> str:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise UsageError(f"{source}: expected a Redis URL (redis://host:6379/0), got {shown(url)[:80]!r}")
    return url


def redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)


def make_broker(url: str, lease_seconds: float = LEASE_SECONDS) -> Any:
    """Dramatiq's Redis broker for bulk jobs: a worker that has not been heard of for
    `lease_seconds` is dead and its messages go back on the queue. No time limit (a job runs for
    as long as its items take) and a few retries of a job that raised (a database that could not
    be reached): a job's own failures are in its journal, never a reason to run it again."""
    need_queue()
    from dramatiq.brokers.redis import MAINTENANCE_SCALE
    from dramatiq.middleware import Callbacks, Pipelines, Retries, ShutdownNotifications

    return _broker_class()(
        client=redis_client(url),
        # messages are jobs of minutes, not tasks of milliseconds: the queue sees few commands, and
        # each may look for dead workers (one ZRANGEBYSCORE) so that their jobs come back quickly
        maintenance_chance=MAINTENANCE_SCALE,
        heartbeat_timeout=int(lease_seconds * 1000),
        middleware=[
            ShutdownNotifications(),
            Callbacks(),
            Pipelines(),
            Retries(max_retries=10, min_backoff=1000, max_backoff=300_000),
        ],
    )


@functools.cache
def _broker_class() -> Any:
    """Dramatiq's Redis broker, taking back the delayed messages its consumer forgot.

    A worker holds a delayed message (a job waiting for its account's lease, a retry) in memory
    while Redis lists it as claimed by that worker. When the connection breaks, Dramatiq's
    consumer thread empties its in-memory delay queue and reconnects, but the claims stay in
    Redis under a worker that lives on: its heartbeat keeps them from the dead workers' sweep,
    and the jobs would wait until the worker is restarted. A consumer of delayed messages
    starting (or restarting) holds none, so every claim it finds is one it forgot: back on the
    queue they go, with their delays."""
    import redis
    from dramatiq.brokers.redis import RedisBroker
    from dramatiq.common import dq_name
    from dramatiq.errors import ConnectionClosed

    class ResumingRedisBroker(RedisBroker):
        def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Any:
            if queue_name == dq_name(queue_name):
                claims = f"{self.namespace}:__acks__.{self.broker_id}.{queue_name}"  # Dramatiq's key
                try:
                    claimed = self.client.smembers(claims)  # bytes: the client does not decode
                    forgotten = sorted(m.decode() if isinstance(m, bytes) else str(m) for m in claimed)
                    if forgotten:
                        self.do_requeue(queue_name, *forgotten)
                except redis.ConnectionError as e:  # the consumer thread tries again a second later
                    raise ConnectionClosed(e) from None  # type: ignore[no-untyped-call]
            return super().consume(queue_name, prefetch, timeout)

    return ResumingRedisBroker


def _message(job_id: str, profile: str, store: str) -> Any:
    from dramatiq import Message

    return Message(queue_name=QUEUE, actor_name=ACTOR, args=(job_id, profile, store), kwargs={}, options={})


def enqueue(url: str, job: Job, profile: str) -> None:
    """Put a job of the journal on the queue for a worker: its id, the account's profile and the
    journal's store (UsageError when Redis cannot be reached; the job stays in its journal)."""
    import redis

    broker = make_broker(url)
    try:
        job.journal.set(status="queued", queue=shown(url), profile=profile)
        broker.enqueue(_message(job.id, profile, job.store))
    except redis.RedisError as e:
        raise UsageError(f"cannot reach the queue {shown(url)}: {e}") from None
    finally:
        broker.client.close()


# ------------------------------------------------------------------ the worker
class Runner:
    """What a worker does with one message: the job under its account's lease, to its end."""

    def __init__(
        self, broker: Any, leases: LimitStore, lease_seconds: float, concurrency: int, say: Say
    ) -> None:
        self.broker = broker
        self.leases = leases  # the accounts' leases: a store over the queue's Redis
        self.lease_seconds = lease_seconds
        self.concurrency = concurrency
        self.say = say
        self.stopping = threading.Event()  # set when the worker stops: running jobs hand over
        self.where = f"{socket.gethostname()}:{os.getpid()}"

    def later(self, job_id: str, profile: str, store: str, seconds: float) -> None:
        """The message back on the queue, to be taken again in `seconds` (a little jitter)."""
        delay = int(max(0.05, seconds) * 1000 * random.uniform(1.0, 1.2))
        self.broker.enqueue(_message(job_id, profile, store), delay=delay)

    def __call__(self, job_id: str, profile: str, store: str) -> None:
        try:
            job = Job.by_id(job_id, store)
        except UsageError as e:
            self.say(f"job {job_id}: {e}; its message is dropped")
            return
        outcome = "done"
        try:
            if job.journal.get("status") == "done":
                return
            account = account_lease_name(str(job.journal.get("client_id")))
            lease = Lease(self.leases, account, self.lease_seconds)
            if not lease.acquire():  # another job of the account runs, or a dead worker's lease
                self.later(job_id, profile, store, lease.remaining() or self.lease_seconds / 2)
                return
            try:
                if not job.journal.lock():  # a copy of the message runs it elsewhere
                    outcome = "busy"
                else:
                    outcome = self._run(job, profile, lease)
            finally:
                lease.release()
        finally:
            job.close()
        if outcome in ("lost", "stopping", "busy"):
            self.later(job_id, profile, store, 0 if outcome == "stopping" else self.lease_seconds / 2)

    def _run(self, job: Job, profile: str, lease: Lease) -> str:
        from oint.apis.seller.client import AsyncSellerClient

        target = str(job.journal.get("target") or "")
        try:
            if target.startswith("sandbox:"):
                client = AsyncSellerClient(profile=profile, sandbox=target[len("sandbox:") :] or True)
            else:
                client = AsyncSellerClient(profile=profile, base_url=target or None)
        except UsageError as e:  # no such profile here, or its key is missing: said, never shown
            job.journal.set(status="stopped", stopped=f"worker {self.where}: {e}")
            self.say(f"job {job.id} stopped: {e}")
            return "stopped"
        self.say(f"job {job.id}: running ({job.journal.total - job.journal.counts['confirmed']} items left)")
        job.journal.set(worker=self.where)
        outcome, summary = asyncio.run(self._leased(job, client, lease))
        if summary is not None:
            self.say(
                f"job {job.id}: {summary.confirmed} confirmed, {summary.failed} failed"
                + (f"; stopped: {summary.stopped}" if summary.stopped else "")
            )
        elif outcome != "stopped":
            self.say(f"job {job.id}: interrupted ({outcome}); it goes back on the queue")
        return outcome

    async def _leased(self, job: Job, client: Any, lease: Lease) -> tuple[str, Summary | None]:
        """Run the job while renewing the lease every third of its time; stop it (resumable)
        when the lease is lost to another holder or the worker stops."""
        run = asyncio.ensure_future(job.arun(client, concurrency=self.concurrency))
        outcome = "lost"
        try:
            while True:
                done, _ = await asyncio.wait({run}, timeout=self.lease_seconds / 3)
                if run in done:
                    try:
                        return "done", run.result()
                    except UsageError as e:  # the profile's Client-Id is not the job's
                        job.journal.set(status="stopped", stopped=f"worker {self.where}: {e}")
                        self.say(f"job {job.id} stopped: {e}")
                        return "stopped", None
                if self.stopping.is_set():  # the answers in flight first: nothing is sent twice
                    job.stop_soon("the worker stopped; the job goes back on the queue")
                    await asyncio.wait({run}, timeout=self.lease_seconds)
                    if run.done() and not run.cancelled() and run.exception() is None:
                        job.journal.set(status="queued")
                        return "stopping", None
                    outcome = "stopping"
                    break
                if await asyncio.to_thread(lease.renew) is False:  # None: Redis unreachable, go on
                    break
            run.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await run
            return outcome, None
        finally:
            await client.aclose()


def work(
    url: str,
    *,
    threads: int = 1,
    concurrency: int = 4,
    lease_seconds: float = LEASE_SECONDS,
    stop: threading.Event | None = None,
    say: Say | None = None,
) -> None:
    """Run bulk jobs from the queue at `url` in `threads` threads (one job each, up to
    `concurrency` requests in flight per job) until `stop` is set."""
    os.environ.setdefault("dramatiq_restart_delay", "1000")  # reconnect after a second, not three
    need_queue()
    import dramatiq

    say = say or _say
    stop = stop or threading.Event()
    broker = make_broker(url, lease_seconds)
    leases = RedisStore(url, timeout=REDIS_TIMEOUT)
    runner = Runner(broker, leases, lease_seconds, concurrency, say)

    def oint_bulk_job(job_id: str, profile: str, store: str) -> None:
        runner(job_id, profile, store)

    dramatiq.Actor(oint_bulk_job, broker=broker, actor_name=ACTOR, queue_name=QUEUE, priority=0, options={})
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=500)
    worker.queue_prefetch = threads  # a worker takes only the jobs it can start: the others stay for others
    worker.delay_prefetch = max(100, threads * 100)
    heartbeat = threading.Thread(
        target=_heartbeat, args=(broker, lease_seconds, stop), name="oint-heartbeat", daemon=True
    )
    worker.start()
    heartbeat.start()
    say(f"worker {runner.where}: {threads} thread(s) on {shown(url)}, lease {lease_seconds:g} s")
    try:
        while not stop.wait(0.2):
            pass
    finally:
        runner.stopping.set()  # running jobs stop where they are (resumable) and go back on the queue
        worker.stop(timeout=int(max(10.0, lease_seconds) * 1000))
        broker.client.close()
        leases.close()
        say(f"worker {runner.where}: stopped")


def _heartbeat(broker: Any, lease_seconds: float, stop: threading.Event) -> None:
    """Tell Redis this worker lives while all its threads are busy (Dramatiq's consumer speaks to
    Redis only when it fetches), and look for dead workers' messages on the way (maintenance)."""
    parent = os.environ.get("OINT_WORKER_PARENT")
    while not stop.wait(lease_seconds / 4):
        if parent and str(os.getppid()) != parent:  # the supervising `oint worker` is gone
            stop.set()
            return
        for name in (QUEUE, QUEUE + ".DQ"):
            with contextlib.suppress(Exception):  # Redis away: Dramatiq's consumer reconnects
                broker.do_qsize(name)


def _say(text: str) -> None:
    sys.stderr.write(f"oint worker: {text}\n")
    sys.stderr.flush()


def remaining_jobs(url: str) -> int:
    """Messages of bulk jobs still queued, delayed or in a worker's hands (for tests and tools)."""
    broker = make_broker(url)
    try:
        return int(broker.do_qsize(QUEUE))
    finally:
        broker.client.close()


def wait_idle(url: str, seconds: float) -> bool:
    """Wait until the queue holds no bulk job's message: True, or False after `seconds`."""
    deadline = time.monotonic() + seconds
    while remaining_jobs(url):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
