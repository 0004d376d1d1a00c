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

import json
import os
import re
import sqlite3
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
    """One job's file. Not thread-safe: one engine owns it."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
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
        self._db.close()

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
            error = _dumps(
                {
                    "code": "UNKNOWN_AFTER_INTERRUPTION",
                    "message": "the job stopped while this item was in flight; the operation is not "
                    "idempotent, so it was not sent again: check it at Ozon",
                }
            )
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
