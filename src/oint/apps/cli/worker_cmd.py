"""`oint worker`: run the bulk jobs of a queue (Dramatiq on Redis: `oint.jobs.queue`).

oint worker --queue redis://host:6379/0 [--processes N] [--threads N] [--concurrency N]
            [--lease SECONDS] [--quiet]
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from typing import Any

from oint.apps.cli.args import checked_options, number_option
from oint.core.errors import UsageError

OPTIONS = {
    "queue": True,
    "processes": True,
    "threads": True,
    "concurrency": True,
    "lease": True,
    "quiet": False,
}

USAGE = """oint worker: run the bulk jobs queued with `oint ozon bulk ... --queue`

  oint worker --queue redis://HOST:6379/0 [--processes N] [--threads N] [--concurrency N]
              [--lease SECONDS] [--quiet]

--queue       the Redis of the queue (or OINT_QUEUE)
--processes   worker processes (default 1), each with --threads threads (default 2): one job
              runs in one thread, up to --concurrency requests in flight (default 4)
--lease       seconds a silent worker keeps its accounts and jobs (default 10): a worker killed
              with kill -9 hands its jobs to the others after that long
Each job names its account by profile: the key is read from this machine's profiles
(OINT_CONFIG; environment variable or OS keyring), never from the queue. Journals are where the
job was queued (a folder every worker reaches, or OINT_JOBS=postgresql://...). One account's jobs
run one at a time. Stop with Ctrl-C or SIGTERM: running jobs go back on the queue, resumable.
"""


def run(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    opts = checked_options(argv, OPTIONS, "oint worker --help")
    from oint.jobs.queue import LEASE_SECONDS, check_queue_url, need_queue, work

    url = opts.get("queue") or os.environ.get("OINT_QUEUE") or ""
    if not url:
        raise UsageError("oint worker needs --queue redis://HOST:6379/0 (or OINT_QUEUE)")
    check_queue_url(url, "--queue" if opts.get("queue") else "OINT_QUEUE")
    processes = int(number_option(opts, "processes", 1, int, sign="positive"))
    threads = int(number_option(opts, "threads", 2, int, sign="positive"))
    concurrency = int(number_option(opts, "concurrency", 4, int, sign="positive"))
    lease = float(number_option(opts, "lease", LEASE_SECONDS, float, sign="positive"))
    need_queue()
    if processes > 1:
        return _supervise(url, processes, threads, concurrency, lease, "quiet" in opts)
    stop = threading.Event()
    _on_signals(lambda: stop.set())
    say = (lambda text: None) if "quiet" in opts else None
    work(url, threads=threads, concurrency=concurrency, lease_seconds=lease, stop=stop, say=say)
    return 0


def _on_signals(handler: Any) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: handler())


def _supervise(url: str, processes: int, threads: int, concurrency: int, lease: float, quiet: bool) -> int:
    """`processes` workers of one process each; they stop with this one (SIGTERM/SIGINT passed
    on; killed, it leaves them to notice within a quarter of the lease)."""
    args = [sys.executable, "-m", "oint", "worker", "--queue", url, "--threads", str(threads)]
    args += ["--concurrency", str(concurrency), "--lease", f"{lease:g}"] + (["--quiet"] if quiet else [])
    env = {**os.environ, "OINT_WORKER_PARENT": str(os.getpid())}
    children = [subprocess.Popen(args, env=env) for _ in range(processes)]
    stop = threading.Event()
    _on_signals(lambda: stop.set())
    while not stop.wait(0.5):
        if all(child.poll() is not None for child in children):
            break
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    codes = [child.wait() for child in children]
    return max((c for c in codes if c > 0), default=0)
