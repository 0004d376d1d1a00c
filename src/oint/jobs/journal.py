"""The journal of a bulk job: one SQLite file per job, every item's state.

    meta     (name, value)              job settings: operation, account, target...
    items    (seq, row, body, key, state, not_before, attempts, cap, request, task,
              result, error)            one row per item, in input order
    tasks    (task, next_poll, polls)   Ozon's asynchronous tasks still followed
    requests (id, path, sent_at, answered_at)  every request sent: a resumed job knows
                                        which of Ozon's windows are still taken

An item is `pending` (to send; `not_before` delays a retry), `sent` (in a request whose
answer is not recorded yet, or in an Ozon task still running), `confirmed` (Ozon applied
it: `result` is its answer) or `failed` (`error` is Ozon's error). Every change is
committed before the engine goes on (WAL, synchronous=FULL), so a killed process loses
nothing: items `sent` at the crash are sent again on resume where the operation is
idempotent, else reported failed as unknown.

Plain state: the journal decides nothing; the engine does.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from oint.core.errors import UsageError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY, row INTEGER NOT NULL, body TEXT NOT NULL, key TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending', not_before REAL NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0, cap INTEGER, request INTEGER, task INTEGER,
    result TEXT, error TEXT
);
CREATE INDEX IF NOT EXISTS items_ready ON items (state, not_before, seq);
CREATE INDEX IF NOT EXISTS items_task ON items (task) WHERE task IS NOT NULL;
CREATE TABLE IF NOT EXISTS tasks (task INTEGER PRIMARY KEY, next_poll REAL NOT NULL, polls INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY, path TEXT NOT NULL, sent_at REAL NOT NULL,
    answered_at REAL);
"""
STATES = ("pending", "sent", "confirmed", "failed")
SUFFIX = ".sqlite3"  # a job's journal is <jobs dir>/<job id>.sqlite3
PARKED = 1e18  # next_poll of a task whose poll is in flight
UNKNOWN_AFTER_INTERRUPTION = {
    "code": "UNKNOWN_AFTER_INTERRUPTION",
    "message": "the job stopped while this item was in flight; the operation is not "
    "idempotent, so it was not sent again: check it at Ozon",
}
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def jobs_dir() -> Path:
    """`OINT_JOBS_DIR`, else `$XDG_STATE_HOME/oint/jobs` (~/.local/state/oint/jobs)."""
    env = os.environ.get("OINT_JOBS_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "oint" / "jobs"


def job_ids(directory: str | os.PathLike[str] | None = None) -> list[str]:
    """The ids of the jobs in the jobs folder, oldest first (no journal is opened)."""
    folder = Path(directory) if directory is not None else jobs_dir()
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(SUFFIX)] for p in folder.glob("*" + SUFFIX))


JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")  # what new_job_id makes (and a part of it)


def check_job_id(text: object) -> str:
    """`text` when it can only name a job of the jobs folder (letters, digits, - and _), never a
    path: the MCP tools take a job by its id, and nothing else opens a file."""
    if not isinstance(text, str) or not JOB_ID.fullmatch(text):
        raise UsageError(f"{str(text)[:60]!r} is not a job id (bulk_list lists the jobs)")
    return text


def check_journal(path: Path) -> None:
    """Refuse a file that is not a bulk job's journal, reading it only (nothing is changed)."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            db.close()
    except sqlite3.Error:
        tables = set()
    if not {"meta", "items", "tasks", "requests"} <= tables:
        raise UsageError(f"{path}: not a bulk job's journal")


def new_job_id(label: str) -> str:
    """`20261127-064012-stocks-3f2a`: sortable by time, readable, unique."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    tail = os.urandom(2).hex()
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:40] or "job"
    return f"{stamp}-{slug}-{tail}"


class Row(NamedTuple):
    seq: int
    row: int
    body: Any
    key: str
    attempts: int
    cap: int | None


class Change(NamedTuple):
    """A new state of one item."""

    seq: int
    state: str
    not_before: float = 0.0
    result: Any = None
    error: Any = None
    task: int | None = None
    cap: int | None = None


class Journal:
    """One job's file. Not thread-safe: one engine owns it. `PostgresJournal` is the same
    interface over a PostgreSQL database shared by every job."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock: Any = None
        if self.path.is_file() and self.path.stat().st_size > 0:
            check_journal(self.path)  # before anything is written into someone else's database
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), isolation_level=None, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._answers: list[tuple[float, int]] = []
        self.counts = dict.fromkeys(STATES, 0)
        for state, n in self._db.execute("SELECT state, COUNT(*) FROM items GROUP BY state"):
            self.counts[state] = int(n)

    def close(self) -> None:
        self.unlock()
        self._db.close()

    # ------------------------------------------------------------------ one runner at a time
    def _lock_path(self) -> str:
        text = str(self.path)
        return text[: -len(SUFFIX)] + ".lock" if text.endswith(SUFFIX) else text + ".lock"

    def lock(self) -> bool:
        """Take the job's runner lock (an advisory lock on `<job>.lock`, held until `unlock` or the
        process ends, however it ends): False when another process holds it."""
        if self._lock is not None:
            return True
        fh = open(self._lock_path(), "a+")  # held while the job runs
        try:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # Windows: no advisory locks; one runner is the user's business
            pass
        except OSError:
            fh.close()
            return False
        self._lock = fh
        return True

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def locked_elsewhere(self) -> bool:
        """Whether another process runs the job now (its lock is held)."""
        if self._lock is not None:
            return False
        try:
            import fcntl
        except ImportError:
            return False
        try:
            with open(self._lock_path(), "a+") as fh:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        return False

    def remove(self) -> None:
        """Close and delete the journal (its file, WAL and lock)."""
        lock = self._lock_path()
        self.close()
        for name in (str(self.path), str(self.path) + "-wal", str(self.path) + "-shm", lock):
            with contextlib.suppress(FileNotFoundError):
                os.remove(name)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    # ------------------------------------------------------------------ meta
    def get(self, name: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set(self, **values: Any) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        self._db.executemany(
            "INSERT INTO meta (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value=excluded.value",
            [(k, _dumps(v)) for k, v in values.items()],
        )
        self._db.execute("COMMIT")

    def meta(self) -> dict[str, Any]:
        return {name: json.loads(value) for name, value in self._db.execute("SELECT name, value FROM meta")}

    # ------------------------------------------------------------------ intake
    def add(self, items: Iterable[tuple[int, Any, str]], chunk: int = 5000) -> int:
        """Append items (row, body, key) in chunks; returns how many."""
        added = 0
        batch: list[tuple[int, str, str]] = []
        for row, body, key in items:
            batch.append((row, _dumps(body), key))
            if len(batch) >= chunk:
                added += self._insert(batch)
                batch = []
        if batch:
            added += self._insert(batch)
        return added

    def _insert(self, batch: list[tuple[int, str, str]]) -> int:
        self._db.execute("BEGIN IMMEDIATE")
        self._db.executemany("INSERT INTO items (row, body, key) VALUES (?, ?, ?)", batch)
        self._db.execute("COMMIT")
        self.counts["pending"] += len(batch)
        return len(batch)

    # ------------------------------------------------------------------ engine steps
    def ready(self, now: float, limit: int) -> list[Row]:
        """Pending items due by `now`, oldest first (fresh items before retries)."""
        rows = self._db.execute(
            "SELECT seq, row, body, key, attempts, cap FROM items WHERE state='pending' AND not_before<=? "
            "ORDER BY not_before, seq LIMIT ?",
            (now, limit),
        ).fetchall()
        return [Row(s, r, json.loads(b), k, a, c) for s, r, b, k, a, c in rows]

    def has_ready(self, now: float) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM items WHERE state='pending' AND not_before<=? LIMIT 1", (now,)
        ).fetchone()
        return row is not None

    def next_due(self) -> float | None:
        """When the next delayed pending item becomes due (None: no pending item)."""
        row = self._db.execute("SELECT MIN(not_before) FROM items WHERE state='pending'").fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def delay(self, seqs_until: Iterable[tuple[int, float]]) -> None:
        """Push pending items back (an item limit): (seq, not_before)."""
        pairs = [(t, s) for s, t in seqs_until]
        if pairs:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("UPDATE items SET not_before=? WHERE seq=?", pairs)
            self._db.execute("COMMIT")

    def start_request(self, path: str, now: float, seqs: list[int], park_task: int | None = None) -> int:
        """Before a request leaves: it is recorded and its items are `sent` (committed first:
        write-ahead); a task poll parks its task. Returns the request's id."""
        self._db.execute("BEGIN IMMEDIATE")
        self._flush()
        cur = self._db.execute("INSERT INTO requests (path, sent_at) VALUES (?, ?)", (path, now))
        request = int(cur.lastrowid or 0)
        self._db.executemany(
            "UPDATE items SET state='sent', request=?, attempts=attempts+1 WHERE seq=?",
            [(request, s) for s in seqs],
        )
        if park_task is not None:
            self._db.execute("UPDATE tasks SET next_poll=? WHERE task=?", (PARKED, park_task))
        self._db.execute("COMMIT")
        self.counts["pending"] -= len(seqs)
        self.counts["sent"] += len(seqs)
        return request

    def note_answer(self, request: int, at: float) -> None:
        """The request's answer came at `at` (written with the next change)."""
        self._answers.append((at, request))

    def _flush(self) -> None:
        if self._answers:
            self._db.executemany("UPDATE requests SET answered_at=? WHERE id=?", self._answers)
            self._answers = []

    def recent_requests(self, limit: int = 500) -> list[tuple[str, float | None]]:
        """The last requests (path, answer time or None when never answered), newest first."""
        rows = self._db.execute(
            "SELECT path, answered_at FROM requests ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [(str(p), None if a is None else float(a)) for p, a in rows]

    def apply(
        self,
        changes: list[Change],
        tasks: Iterable[tuple[int, float]] = (),
        done_tasks: Iterable[int] = (),
    ) -> None:
        """Record new states of `sent` items, and follow or drop tasks, in one transaction."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._flush()
            self._db.executemany(
                "UPDATE items SET state=?, not_before=?, result=?, error=?, task=?, cap=? WHERE seq=?",
                [
                    (
                        c.state,
                        c.not_before,
                        None if c.result is None else _dumps(c.result),
                        None if c.error is None else _dumps(c.error),
                        c.task,
                        c.cap,
                        c.seq,
                    )
                    for c in changes
                ],
            )
            self._db.executemany(
                "INSERT INTO tasks (task, next_poll, polls) VALUES (?, ?, 0) "
                "ON CONFLICT(task) DO UPDATE SET next_poll=excluded.next_poll, polls=polls+1",
                list(tasks),
            )
            self._db.executemany("DELETE FROM tasks WHERE task=?", [(t,) for t in done_tasks])
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        for c in changes:
            self.counts["sent"] -= 1
            self.counts[c.state] += 1

    # ------------------------------------------------------------------ tasks
    def due_task(self, now: float) -> tuple[int, int] | None:
        """A task whose next poll is due: (task, polls so far)."""
        row = self._db.execute(
            "SELECT task, polls FROM tasks WHERE next_poll<=? ORDER BY next_poll LIMIT 1", (now,)
        ).fetchone()
        return None if row is None else (int(row[0]), int(row[1]))

    def next_poll(self) -> float | None:
        row = self._db.execute("SELECT MIN(next_poll) FROM tasks").fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def postpone_task(self, task: int, at: float) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        self._flush()
        self._db.execute("UPDATE tasks SET next_poll=? WHERE task=?", (at, task))
        self._db.execute("COMMIT")

    def task_items(self, task: int) -> list[Row]:
        rows = self._db.execute(
            "SELECT seq, row, body, key, attempts, cap FROM items WHERE task=? AND state='sent' ORDER BY seq",
            (task,),
        ).fetchall()
        return [Row(s, r, json.loads(b), k, a, c) for s, r, b, k, a, c in rows]

    def has_tasks(self) -> bool:
        return self._db.execute("SELECT 1 FROM tasks LIMIT 1").fetchone() is not None

    # ------------------------------------------------------------------ resume
    def recover(self, idempotent: bool, now: float) -> tuple[int, int]:
        """After an interruption: items `sent` in a request whose answer was never recorded go
        back to `pending` when sending again is safe, else they fail as unknown. Items in a
        known Ozon task stay `sent`: their task is followed again. Returns (resent, unknown)."""
        self._db.execute("BEGIN IMMEDIATE")
        if idempotent:
            cur = self._db.execute(
                "UPDATE items SET state='pending', not_before=0 WHERE state='sent' AND task IS NULL"
            )
            moved, unknown = cur.rowcount, 0
        else:
            error = _dumps(UNKNOWN_AFTER_INTERRUPTION)
            cur = self._db.execute(
                "UPDATE items SET state='failed', error=? WHERE state='sent' AND task IS NULL", (error,)
            )
            moved, unknown = 0, cur.rowcount
        self._db.execute("UPDATE tasks SET next_poll=?", (now,))
        self._db.execute("COMMIT")
        self.counts["sent"] -= moved + unknown
        self.counts["pending"] += moved
        self.counts["failed"] += unknown
        return moved, unknown

    # ------------------------------------------------------------------ reading
    def outcomes(self, states: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Every item (of the given states) in input order, streamed."""
        sql = "SELECT seq, row, body, state, attempts, result, error FROM items"
        args: list[Any] = []
        if states is not None:
            wanted = list(states)
            sql += f" WHERE state IN ({','.join('?' * len(wanted))})"
            args = wanted
        cur = self._db.execute(sql + " ORDER BY seq", args)
        while True:
            rows = cur.fetchmany(1000)
            if not rows:
                return
            for seq, row, body, state, attempts, result, error in rows:
                yield {
                    "seq": seq,
                    "row": row,
                    "item": json.loads(body),
                    "state": state,
                    "attempts": attempts,
                    "result": None if result is None else json.loads(result),
                    "error": None if error is None else json.loads(error),
                }


# ------------------------------------------------------------------ PostgreSQL
POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS oint_job_meta (job TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (job, name));
CREATE TABLE IF NOT EXISTS oint_job_items (
    job TEXT NOT NULL, seq BIGINT NOT NULL, "row" BIGINT NOT NULL, body TEXT NOT NULL,
    key TEXT NOT NULL DEFAULT '', state TEXT NOT NULL DEFAULT 'pending',
    not_before DOUBLE PRECISION NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, cap INTEGER,
    request BIGINT, task BIGINT, result TEXT, error TEXT, PRIMARY KEY (job, seq)
);
CREATE INDEX IF NOT EXISTS oint_job_items_ready ON oint_job_items (job, state, not_before, seq);
CREATE INDEX IF NOT EXISTS oint_job_items_task ON oint_job_items (job, task) WHERE task IS NOT NULL;
CREATE TABLE IF NOT EXISTS oint_job_tasks (job TEXT NOT NULL, task BIGINT NOT NULL,
    next_poll DOUBLE PRECISION NOT NULL, polls INTEGER NOT NULL, PRIMARY KEY (job, task));
CREATE TABLE IF NOT EXISTS oint_job_requests (id BIGSERIAL PRIMARY KEY, job TEXT NOT NULL,
    path TEXT NOT NULL, sent_at DOUBLE PRECISION NOT NULL, answered_at DOUBLE PRECISION);
CREATE INDEX IF NOT EXISTS oint_job_requests_job ON oint_job_requests (job, id);
"""
_SCHEMA_LOCK = 0x6F696E74  # the advisory lock under which one process creates the tables ("oint")
_SCHEMA_READY: set[str] = set()  # databases whose tables this process has made sure of


def _connect_postgres(url: str) -> Any:
    try:
        import psycopg
    except ImportError:
        raise UsageError("journals in PostgreSQL need psycopg: pip install 'oint[postgres]'") from None
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.Error as e:
        raise UsageError(f"cannot reach the jobs database {_shown_url(url)}: {_first_line(e)}") from None
    if url not in _SCHEMA_READY:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            for statement in POSTGRES_SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
        _SCHEMA_READY.add(url)
    return conn


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _shown_url(url: str) -> str:
    """A database URL without its password (for messages)."""
    return re.sub(r"://([^:/@]+):[^@/]*@", r"://\1:***@", url)


def without_password(url: str) -> str:
    """A database URL without its password: what a queued job's message may carry (a worker's
    libpq finds the password in its own PGPASSWORD or ~/.pgpass)."""
    return re.sub(r"://([^:/@]+):[^@/]*@", r"://\1@", url)


def _lock_key(job: str) -> int:
    """The job's advisory lock number (a stable 63-bit hash of its id)."""
    import hashlib

    return int.from_bytes(hashlib.blake2b(job.encode(), digest_size=8).digest(), "big") >> 1


class PostgresJournal(Journal):
    """The journal of one job in a PostgreSQL database: the tables of the SQLite journal with the
    job's id as a first column, shared by every job (`OINT_JOBS=postgresql://...`), so that workers
    on several machines reach them. The runner lock is a session advisory lock: it goes when the
    runner's connection does, however the runner ends."""

    def __init__(self, url: str, job: str, shared: SharedConnection | None = None) -> None:
        # not super().__init__: that one is SQLite's
        self.url = url
        self.job = job
        self.path = Path(job)
        self._lock = None
        self._shared = shared  # the journals of a listing share one connection
        self._pg: Any = shared.take() if shared is not None else _connect_postgres(url)
        self._answers: list[tuple[float, int]] = []
        self.counts = dict.fromkeys(STATES, 0)
        for state, n in self._all("SELECT state, COUNT(*) FROM oint_job_items WHERE job=%s GROUP BY state"):
            self.counts[state] = int(n)
        row = self._one("SELECT MAX(seq) FROM oint_job_items WHERE job=%s")
        self._next_seq = int(row[0] or 0) + 1 if row else 1

    # the job's id is the first parameter of every statement
    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        return self._pg.execute(sql, (self.job, *args))

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        return self._run(sql, args).fetchone()

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        return list(self._run(sql, args).fetchall())

    def _many(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        rows = [(self.job, *r) for r in rows]
        if rows:
            with self._pg.cursor() as cur:
                cur.executemany(sql, rows)

    def close(self) -> None:
        self.unlock()
        if self._shared is not None:
            self._shared.give_back()
        else:
            self._pg.close()

    def lock(self) -> bool:
        if self._lock is None:
            row = self._pg.execute("SELECT pg_try_advisory_lock(%s)", (_lock_key(self.job),)).fetchone()
            if not row[0]:
                return False
            self._lock = True
        return True

    def unlock(self) -> None:
        if self._lock is not None and not self._pg.closed:
            self._pg.execute("SELECT pg_advisory_unlock(%s)", (_lock_key(self.job),))
        self._lock = None

    def locked_elsewhere(self) -> bool:
        if self._lock is not None:
            return False
        row = self._pg.execute(
            "SELECT 1 FROM pg_locks WHERE locktype='advisory' AND granted AND "
            "database=(SELECT oid FROM pg_database WHERE datname=current_database()) AND "
            "((classid::bigint << 32) | objid::bigint)=%s",
            (_lock_key(self.job),),
        ).fetchone()
        return row is not None

    def remove(self) -> None:
        with self._pg.transaction():
            for table in ("oint_job_items", "oint_job_tasks", "oint_job_requests", "oint_job_meta"):
                self._run(f"DELETE FROM {table} WHERE job=%s")
        self.close()

    # ------------------------------------------------------------------ meta
    def get(self, name: str, default: Any = None) -> Any:
        row = self._one("SELECT value FROM oint_job_meta WHERE job=%s AND name=%s", (name,))
        return default if row is None else json.loads(row[0])

    def set(self, **values: Any) -> None:
        with self._pg.transaction():
            self._many(
                "INSERT INTO oint_job_meta (job, name, value) VALUES (%s, %s, %s) "
                "ON CONFLICT (job, name) DO UPDATE SET value=excluded.value",
                [(k, _dumps(v)) for k, v in values.items()],
            )

    def meta(self) -> dict[str, Any]:
        return {
            name: json.loads(value)
            for name, value in self._all("SELECT name, value FROM oint_job_meta WHERE job=%s")
        }

    # ------------------------------------------------------------------ intake
    def _insert(self, batch: list[tuple[int, str, str]]) -> int:
        first = self._next_seq
        with self._pg.transaction():
            self._many(
                'INSERT INTO oint_job_items (job, seq, "row", body, key) VALUES (%s, %s, %s, %s, %s)',
                [(first + i, row, body, key) for i, (row, body, key) in enumerate(batch)],
            )
        self._next_seq = first + len(batch)
        self.counts["pending"] += len(batch)
        return len(batch)

    # ------------------------------------------------------------------ engine steps
    def ready(self, now: float, limit: int) -> list[Row]:
        rows = self._all(
            'SELECT seq, "row", body, key, attempts, cap FROM oint_job_items WHERE job=%s AND '
            "state='pending' AND not_before<=%s ORDER BY not_before, seq LIMIT %s",
            (now, limit),
        )
        return [Row(int(s), int(r), json.loads(b), k, a, c) for s, r, b, k, a, c in rows]

    def has_ready(self, now: float) -> bool:
        return (
            self._one(
                "SELECT 1 FROM oint_job_items WHERE job=%s AND state='pending' AND not_before<=%s LIMIT 1",
                (now,),
            )
            is not None
        )

    def next_due(self) -> float | None:
        row = self._one("SELECT MIN(not_before) FROM oint_job_items WHERE job=%s AND state='pending'")
        return None if row is None or row[0] is None else float(row[0])

    def delay(self, seqs_until: Iterable[tuple[int, float]]) -> None:
        pairs = [(t, s) for s, t in seqs_until]
        if pairs:
            with self._pg.transaction():
                self._many_job_last(
                    "UPDATE oint_job_items SET not_before=%s WHERE job=%s AND seq=%s",
                    [(t, self.job, s) for t, s in pairs],
                )

    def _many_job_last(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            with self._pg.cursor() as cur:
                cur.executemany(sql, rows)

    def start_request(self, path: str, now: float, seqs: list[int], park_task: int | None = None) -> int:
        with self._pg.transaction():
            self._flush()
            row = self._one(
                "INSERT INTO oint_job_requests (job, path, sent_at) VALUES (%s, %s, %s) RETURNING id",
                (path, now),
            )
            request = int(row[0])
            self._many_job_last(
                "UPDATE oint_job_items SET state='sent', request=%s, attempts=attempts+1 "
                "WHERE job=%s AND seq=%s",
                [(request, self.job, s) for s in seqs],
            )
            if park_task is not None:
                self._pg.execute(
                    "UPDATE oint_job_tasks SET next_poll=%s WHERE job=%s AND task=%s",
                    (PARKED, self.job, park_task),
                )
        self.counts["pending"] -= len(seqs)
        self.counts["sent"] += len(seqs)
        return request

    def _flush(self) -> None:
        if self._answers:
            self._many_job_last(
                "UPDATE oint_job_requests SET answered_at=%s WHERE id=%s AND job=%s",
                [(at, request, self.job) for at, request in self._answers],
            )
            self._answers = []

    def recent_requests(self, limit: int = 500) -> list[tuple[str, float | None]]:
        rows = self._all(
            "SELECT path, answered_at FROM oint_job_requests WHERE job=%s ORDER BY id DESC LIMIT %s", (limit,)
        )
        return [(str(p), None if a is None else float(a)) for p, a in rows]

    def apply(
        self,
        changes: list[Change],
        tasks: Iterable[tuple[int, float]] = (),
        done_tasks: Iterable[int] = (),
    ) -> None:
        with self._pg.transaction():
            self._flush()
            self._many_job_last(
                "UPDATE oint_job_items SET state=%s, not_before=%s, result=%s, error=%s, task=%s, cap=%s "
                "WHERE job=%s AND seq=%s",
                [
                    (
                        c.state,
                        c.not_before,
                        None if c.result is None else _dumps(c.result),
                        None if c.error is None else _dumps(c.error),
                        c.task,
                        c.cap,
                        self.job,
                        c.seq,
                    )
                    for c in changes
                ],
            )
            self._many(
                "INSERT INTO oint_job_tasks (job, task, next_poll, polls) VALUES (%s, %s, %s, 0) "
                "ON CONFLICT (job, task) DO UPDATE SET next_poll=excluded.next_poll, "
                "polls=oint_job_tasks.polls+1",
                list(tasks),
            )
            self._many("DELETE FROM oint_job_tasks WHERE job=%s AND task=%s", [(t,) for t in done_tasks])
        for c in changes:
            self.counts["sent"] -= 1
            self.counts[c.state] += 1

    # ------------------------------------------------------------------ tasks
    def due_task(self, now: float) -> tuple[int, int] | None:
        row = self._one(
            "SELECT task, polls FROM oint_job_tasks WHERE job=%s AND next_poll<=%s "
            "ORDER BY next_poll LIMIT 1",
            (now,),
        )
        return None if row is None else (int(row[0]), int(row[1]))

    def next_poll(self) -> float | None:
        row = self._one("SELECT MIN(next_poll) FROM oint_job_tasks WHERE job=%s")
        return None if row is None or row[0] is None else float(row[0])

    def postpone_task(self, task: int, at: float) -> None:
        with self._pg.transaction():
            self._flush()
            self._pg.execute(
                "UPDATE oint_job_tasks SET next_poll=%s WHERE job=%s AND task=%s", (at, self.job, task)
            )

    def task_items(self, task: int) -> list[Row]:
        rows = self._all(
            'SELECT seq, "row", body, key, attempts, cap FROM oint_job_items WHERE job=%s AND task=%s '
            "AND state='sent' ORDER BY seq",
            (task,),
        )
        return [Row(int(s), int(r), json.loads(b), k, a, c) for s, r, b, k, a, c in rows]

    def has_tasks(self) -> bool:
        return self._one("SELECT 1 FROM oint_job_tasks WHERE job=%s LIMIT 1") is not None

    # ------------------------------------------------------------------ resume
    def recover(self, idempotent: bool, now: float) -> tuple[int, int]:
        with self._pg.transaction():
            if idempotent:
                cur = self._run(
                    "UPDATE oint_job_items SET state='pending', not_before=0 "
                    "WHERE job=%s AND state='sent' AND task IS NULL"
                )
                moved, unknown = cur.rowcount, 0
            else:
                error = _dumps(UNKNOWN_AFTER_INTERRUPTION)
                cur = self._pg.execute(
                    "UPDATE oint_job_items SET state='failed', error=%s "
                    "WHERE job=%s AND state='sent' AND task IS NULL",
                    (error, self.job),
                )
                moved, unknown = 0, cur.rowcount
            self._pg.execute("UPDATE oint_job_tasks SET next_poll=%s WHERE job=%s", (now, self.job))
        self.counts["sent"] -= moved + unknown
        self.counts["pending"] += moved
        self.counts["failed"] += unknown
        return moved, unknown

    # ------------------------------------------------------------------ reading
    def outcomes(self, states: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        sql = (
            'SELECT seq, "row", body, state, attempts, result, error FROM oint_job_items '
            "WHERE job=%s AND seq>%s"
        )
        wanted = None if states is None else list(states)
        if wanted is not None:
            sql += " AND state = ANY(%s)"
        sql += " ORDER BY seq LIMIT 1000"
        last = 0
        while True:  # a page at a time, by seq: a job of millions of items is never held whole
            rows = self._pg.execute(sql, (self.job, last) if wanted is None else (self.job, last, wanted))
            page = rows.fetchall()
            if not page:
                return
            for seq, row, body, state, attempts, result, error in page:
                yield {
                    "seq": int(seq),
                    "row": int(row),
                    "item": json.loads(body),
                    "state": state,
                    "attempts": attempts,
                    "result": None if result is None else json.loads(result),
                    "error": None if error is None else json.loads(error),
                }
            last = int(page[-1][0])


# ------------------------------------------------------------------ where journals are kept
class FolderStore:
    """Journals as SQLite files in a folder (one machine, or a folder every worker mounts at the
    same path)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    @property
    def url(self) -> str:
        """What names this store in a queued job's message: the folder's absolute path."""
        return str(self.folder.absolute())

    def __str__(self) -> str:
        return str(self.folder)

    def path_of(self, job_id: str) -> Path:
        return self.folder / (job_id + SUFFIX)

    def journal(self, job_id: str) -> Journal:
        return Journal(self.path_of(job_id))

    def journals(self, job_ids: Iterable[str]) -> list[Journal]:
        """The journals of a listing (a file each)."""
        return [self.journal(job_id) for job_id in job_ids]

    def exists(self, job_id: str) -> bool:
        return self.path_of(job_id).is_file()

    def ids(self) -> list[str]:
        return job_ids(self.folder)


class SharedConnection:
    """One connection to the jobs database for the journals of a listing (`oint bulk list` of
    hundreds of jobs must not open one each: PostgreSQL's default allows 100), closed with the last
    of them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None
        self._users = 0
        self._guard = threading.Lock()

    def take(self) -> Any:
        with self._guard:
            if self._conn is None or self._conn.closed:
                self._conn = _connect_postgres(self.url)
            self._users += 1
            return self._conn

    def give_back(self) -> None:
        with self._guard:
            self._users -= 1
            if self._users <= 0 and self._conn is not None:
                self._conn.close()
                self._conn = None


class PostgresStore:
    """Journals in a PostgreSQL database (`OINT_JOBS=postgresql://...`): workers on several
    machines reach them."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __str__(self) -> str:
        return _shown_url(self.url)

    def path_of(self, job_id: str) -> Path:
        return Path(job_id)

    def journal(self, job_id: str) -> Journal:
        return PostgresJournal(self.url, job_id)

    def journals(self, job_ids: Iterable[str]) -> list[Journal]:
        """The journals of a listing, all on one connection (closed with the last of them)."""
        shared = SharedConnection(self.url)
        return [PostgresJournal(self.url, job_id, shared) for job_id in job_ids]

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        conn = _connect_postgres(self.url)
        try:
            return list(conn.execute(sql, args).fetchall())
        finally:
            conn.close()

    def exists(self, job_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM oint_job_meta WHERE job=%s LIMIT 1", (job_id,)))

    def ids(self) -> list[str]:
        rows = self._query(
            "SELECT job FROM oint_job_meta WHERE name='created_at' ORDER BY value::double precision, job"
        )
        return [str(r[0]) for r in rows]


JobStore = FolderStore | PostgresStore
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def job_store(where: str | os.PathLike[str] | None = None) -> FolderStore | PostgresStore:
    """The journals' store: `where` (a folder, `sqlite:///folder` or `postgresql://...`), else
    `OINT_JOBS`, else the jobs folder (`jobs_dir()`)."""
    text = os.fspath(where) if where is not None else os.environ.get("OINT_JOBS", "")
    if text.startswith(POSTGRES_SCHEMES):
        return PostgresStore(text)
    if text.startswith("sqlite://"):
        text = text[len("sqlite://") :]
    return FolderStore(text or jobs_dir())
