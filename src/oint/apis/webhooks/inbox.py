"""The durable inbox of pushes: every event is committed here before the receiver answers 200, and
delivery reads it back from here. One schema (`SCHEMA`), two stores behind one interface (`Inbox`):
`SQLiteInbox` (a file: the default, one receiver) and `PostgresInbox` (a URL, psycopg 3: several
receivers share one inbox). `open_inbox(PATH | URL)` picks by the text.

A row is one event (its idempotency key unique, see `events.event_key`): `pending` until a sink took
it, then `delivered`, or `parked` after the last failed attempt (`replay` makes it pending again).
A receiver claims a pending event for a while (a lease, renewed while the sink runs), only the
oldest pending one of its group (`events.event_group`), so that delivery keeps the order of a
posting's events; under PostgreSQL the claim is `SELECT ... FOR UPDATE SKIP LOCKED`, so two receivers
never take the same event, and a receiver killed mid-delivery leaves a lease that runs out, after
which another (or the restarted one) takes the event again: at least once, never lost.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from oint.apis.webhooks.events import Event, parse
from oint.core.errors import UsageError

TABLE: Final = "oint_webhook_events"
PENDING, DELIVERED, PARKED = "pending", "delivered", "parked"
PUSH, CATCH_UP, REPLAYED = "push", "catch-up", "replay"

# One schema for both stores: `{id}` is the dialect's auto-increment key, `{real}` its double.
SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS oint_webhook_events (
    id {id},
    key TEXT NOT NULL UNIQUE,
    message_type TEXT NOT NULL,
    grp TEXT NOT NULL,
    body TEXT NOT NULL,
    source TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    received_at {real} NOT NULL,
    next_at {real} NOT NULL,
    lease_owner TEXT,
    lease_until {real},
    delivered_at {real},
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS oint_webhook_events_due ON oint_webhook_events (state, next_at);
CREATE INDEX IF NOT EXISTS oint_webhook_events_grp ON oint_webhook_events (grp, id);
CREATE INDEX IF NOT EXISTS oint_webhook_events_type ON oint_webhook_events (message_type, id)
"""
_COLUMNS: Final = (
    "id, key, message_type, grp, body, source, state, attempts, duplicates, received_at, next_at, "
    "lease_owner, lease_until, delivered_at, last_error"
)
_INSERT: Final = (
    f"INSERT INTO {TABLE} (key, message_type, grp, body, source, state, received_at, next_at) "
    "VALUES (?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (key) DO NOTHING"
)
_COUNT_DUPLICATE: Final = f"UPDATE {TABLE} SET duplicates = duplicates + 1 WHERE key = ?"
# the oldest due event of each group whose earlier events are all done (delivered or parked)
_CLAIMABLE: Final = (
    f"SELECT id FROM {TABLE} e WHERE e.state = 'pending' AND e.next_at <= ? "
    "AND (e.lease_until IS NULL OR e.lease_until < ?) "
    f"AND NOT EXISTS (SELECT 1 FROM {TABLE} p WHERE p.grp = e.grp AND p.id < e.id AND p.state = 'pending') "
    "ORDER BY e.id LIMIT 1"
)
_TAKE: Final = f"UPDATE {TABLE} SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?"


@dataclass(frozen=True)
class StoredEvent:
    """One row of the inbox."""

    id: int
    key: str
    message_type: str
    group: str
    body: str
    source: str
    state: str
    attempts: int
    duplicates: int
    received_at: float
    next_at: float
    lease_owner: str | None
    lease_until: float | None
    delivered_at: float | None
    last_error: str | None

    def event(self) -> Event:
        return parse(self.body)

    def summary(self) -> dict[str, Any]:
        """The row as plain JSON data (what `oint webhooks list` and the MCP tool show)."""
        return {
            "id": self.id,
            "message_type": self.message_type,
            "key": self.key,
            "group": self.group,
            "source": self.source,
            "state": self.state,
            "attempts": self.attempts,
            "duplicates": self.duplicates,
            "received_at": _iso(self.received_at),
            "delivered_at": _iso(self.delivered_at),
            "last_error": self.last_error,
        }


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None

    return (
        dt.datetime.fromtimestamp(moment, dt.timezone.utc)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def _row(values: Sequence[Any]) -> StoredEvent:
    return StoredEvent(*values)


class Inbox(ABC):
    """What the receiver, the deliverer, catch-up and the commands need of a store. `clock` gives
    the time in seconds (the wall clock by default; tests give their own)."""

    placeholder = "?"

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    # -- the one primitive each store supplies: a transaction's cursor
    @abstractmethod
    @contextmanager
    def _transaction(self, claiming: bool = False) -> Iterator[Any]:
        """A cursor inside one transaction, committed on leaving (durably) and rolled back on error;
        `claiming`: the transaction takes a row (SQLite starts it IMMEDIATE)."""

    @abstractmethod
    def close(self) -> None: ...

    @property
    @abstractmethod
    def where(self) -> str:
        """The inbox's file or URL, without a password."""

    def _sql(self, text: str) -> str:
        return text if self.placeholder == "?" else text.replace("?", self.placeholder)

    def _execute(self, cur: Any, text: str, params: Sequence[Any] = ()) -> Any:
        cur.execute(self._sql(text), tuple(params))
        return cur

    # -- writing
    def put(self, event: Event, source: str = PUSH) -> bool:
        """Store the event, committed before this returns: True when it is new, False when its key
        was there already (the duplicate is counted, nothing else changes)."""
        now = self.clock()
        with self._transaction() as cur:
            return self._put(cur, event, source, now)

    def _put(self, cur: Any, event: Event, source: str, now: float) -> bool:
        twin = event.twin
        if (
            twin is not None
            and self._execute(cur, f"SELECT 1 FROM {TABLE} WHERE key = ?", (twin,)).fetchone()
        ):
            self._execute(cur, _COUNT_DUPLICATE, (twin,))
            return False
        self._execute(
            cur, _INSERT, (event.key, event.message_type, event.group, event.json(), source, now, now)
        )
        if cur.rowcount == 1:
            return True
        self._execute(cur, _COUNT_DUPLICATE, (event.key,))
        return False

    def put_many(self, events: Sequence[Event], source: str = PUSH) -> list[bool]:
        """Store several events in one transaction (one commit for all: what the receiver does with
        the pushes that come together); for each, True when it is new, False for a duplicate."""
        now = self.clock()
        with self._transaction() as cur:
            return [self._put(cur, event, source, now) for event in events]

    # -- delivery
    def claim(self, owner: str, lease: float) -> StoredEvent | None:
        """Take the next deliverable event for `lease` seconds (None when there is none now)."""
        now = self.clock()
        with self._transaction(claiming=True) as cur:
            found = self._execute(cur, self._claimable(), (now, now)).fetchone()
            if found is None:
                return None
            self._execute(cur, _TAKE, (owner, now + lease, found[0]))
            row = self._execute(cur, f"SELECT {_COLUMNS} FROM {TABLE} WHERE id = ?", (found[0],)).fetchone()
            return _row(row)

    def _claimable(self) -> str:
        return _CLAIMABLE

    def renew(self, ids: Sequence[int], owner: str, lease: float) -> None:
        """Extend the leases `owner` holds on `ids` (while their sinks run)."""
        if not ids:
            return
        until = self.clock() + lease
        with self._transaction() as cur:
            for event_id in ids:
                self._execute(
                    cur,
                    f"UPDATE {TABLE} SET lease_until = ? "
                    "WHERE id = ? AND lease_owner = ? AND state = 'pending'",
                    (until, event_id, owner),
                )

    def delivered(self, event_id: int, owner: str) -> bool:
        """Mark a claimed event delivered (False when `owner` no longer held it)."""
        with self._transaction() as cur:
            self._execute(
                cur,
                f"UPDATE {TABLE} SET state = 'delivered', delivered_at = ?, lease_owner = NULL, "
                "lease_until = NULL, last_error = NULL "
                "WHERE id = ? AND lease_owner = ? AND state = 'pending'",
                (self.clock(), event_id, owner),
            )
            return bool(cur.rowcount == 1)

    def failed(self, event_id: int, owner: str, error: str, retry_in: float | None) -> None:
        """Record a failed attempt: retried after `retry_in` seconds, or parked when None."""
        error = error[:2000]
        with self._transaction() as cur:
            if retry_in is None:
                self._execute(
                    cur,
                    f"UPDATE {TABLE} SET state = 'parked', lease_owner = NULL, lease_until = NULL, "
                    "last_error = ? WHERE id = ? AND lease_owner = ?",
                    (error, event_id, owner),
                )
            else:
                self._execute(
                    cur,
                    f"UPDATE {TABLE} SET next_at = ?, lease_owner = NULL, lease_until = NULL, last_error = ? "
                    "WHERE id = ? AND lease_owner = ?",
                    (self.clock() + retry_in, error, event_id, owner),
                )

    def replay(self, event_id: int | None = None) -> int:
        """Make a parked (or delivered) event pending again, now, its attempts from zero; without an
        id, every parked event. The number made pending."""
        with self._transaction() as cur:
            reset = (
                f"UPDATE {TABLE} SET state = 'pending', attempts = 0, next_at = ?, lease_owner = NULL, "
                "lease_until = NULL, delivered_at = NULL"
            )
            if event_id is None:
                self._execute(cur, reset + " WHERE state = 'parked'", (self.clock(),))
            else:
                self._execute(cur, reset + " WHERE id = ? AND state <> 'pending'", (self.clock(), event_id))
            return int(cur.rowcount)

    # -- reading
    def get(self, event_id: int) -> StoredEvent | None:
        with self._transaction() as cur:
            row = self._execute(cur, f"SELECT {_COLUMNS} FROM {TABLE} WHERE id = ?", (event_id,)).fetchone()
        return None if row is None else _row(row)

    def has(self, key: str) -> bool:
        with self._transaction() as cur:
            return self._execute(cur, f"SELECT 1 FROM {TABLE} WHERE key = ?", (key,)).fetchone() is not None

    def recent(
        self, *, state: str | None = None, message_type: str | None = None, limit: int = 50
    ) -> list[StoredEvent]:
        """The newest events first (of one state, of one message type, when given)."""
        tests = [(name, value) for name, value in (("state", state), ("message_type", message_type)) if value]
        where = " WHERE " + " AND ".join(f"{name} = ?" for name, _ in tests) if tests else ""
        params = (*(value for _, value in tests), limit)
        with self._transaction() as cur:
            rows = self._execute(
                cur,
                f"SELECT {_COLUMNS} FROM {TABLE}{where} ORDER BY id DESC LIMIT ?",
                params,
            ).fetchall()
        return [_row(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """Events per state, and the duplicates received in all."""
        with self._transaction() as cur:
            rows = self._execute(
                cur, f"SELECT state, COUNT(*), COALESCE(SUM(duplicates), 0) FROM {TABLE} GROUP BY state"
            ).fetchall()
        counts = {PENDING: 0, DELIVERED: 0, PARKED: 0, "duplicates": 0}
        for state, number, duplicates in rows:
            counts[str(state)] = int(number)
            counts["duplicates"] += int(duplicates)
        return counts

    def posting_events(self, group_prefix: str = "posting:") -> dict[str, list[tuple[str, str]]]:
        """(message_type, body) of every posting event, by posting number, oldest first (catch-up
        compares them with what the Seller API says)."""
        with self._transaction() as cur:
            rows = self._execute(
                cur,
                f"SELECT grp, message_type, body FROM {TABLE} WHERE grp LIKE ? ORDER BY id",
                (group_prefix + "%",),
            ).fetchall()
        found: dict[str, list[tuple[str, str]]] = {}
        for group, message_type, body in rows:
            found.setdefault(str(group)[len(group_prefix) :], []).append((str(message_type), str(body)))
        return found

    def last_received(self) -> float | None:
        """When the newest event came (None for an empty inbox)."""
        with self._transaction() as cur:
            row = self._execute(cur, f"SELECT MAX(received_at) FROM {TABLE}").fetchone()
        return None if row is None or row[0] is None else float(row[0])


class SQLiteInbox(Inbox):
    """The inbox in a SQLite file (WAL, `synchronous=FULL`: a commit survives a power cut). One
    connection shared by the threads of a process, behind a lock; processes sharing the file take
    rows in IMMEDIATE transactions."""

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock)
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=30
            )
        except sqlite3.Error as e:
            raise UsageError(f"--inbox {self.path}: cannot open it as SQLite ({e})") from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA.format(id="INTEGER PRIMARY KEY AUTOINCREMENT", real="REAL"))
        except sqlite3.DatabaseError as e:
            self._db.close()
            raise UsageError(f"--inbox {self.path}: not an inbox ({e})") from None

    @property
    def where(self) -> str:
        return str(self.path)

    @contextmanager
    def _transaction(self, claiming: bool = False) -> Iterator[Any]:
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")  # the write lock first: no deadlock between processes
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()


class PostgresInbox(Inbox):
    """The inbox in PostgreSQL (psycopg 3, the `postgres` extra): one connection per thread, each
    operation one transaction; a claim locks the row it takes (`FOR UPDATE SKIP LOCKED`)."""

    placeholder = "%s"

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock)
        try:
            import psycopg
        except ImportError:
            raise UsageError("a PostgreSQL inbox needs psycopg 3: pip install 'oint[postgres]'") from None
        self._psycopg = psycopg
        self.url = url
        self._local = threading.local()
        self._connections: list[Any] = []
        self._guard = threading.Lock()
        with self._transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(715017)")  # two receivers starting at once
            for statement in SCHEMA.format(id="BIGSERIAL PRIMARY KEY", real="DOUBLE PRECISION").split(";"):
                if statement.strip():
                    cur.execute(statement)

    @property
    def where(self) -> str:
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            try:
                conn = self._psycopg.connect(self.url, autocommit=True)
            except self._psycopg.Error as e:
                raise UsageError(f"--inbox {self.where}: cannot connect ({_first_line(e)})") from None
            self._local.conn = conn
            with self._guard:
                self._connections.append(conn)
        return conn

    @contextmanager
    def _transaction(self, claiming: bool = False) -> Iterator[Any]:
        conn = self._connection()
        with conn.transaction(), conn.cursor() as cur:
            yield cur

    def _claimable(self) -> str:
        return _CLAIMABLE.replace("LIMIT 1", "LIMIT 1 FOR UPDATE SKIP LOCKED")

    def put_many(self, events: Sequence[Event], source: str = PUSH) -> list[bool]:
        """As `Inbox.put_many`, in a few statements whatever the number of events (a round trip to
        the server per statement is what a batch costs here): the twins looked up at once, the
        rows inserted by one multi-row INSERT that RETURNs the keys it stored."""
        now = self.clock()
        results: list[bool | None] = [None] * len(events)
        duplicates: dict[str, int] = {}
        with self._transaction() as cur:
            twins = sorted({e.twin for e in events if e.twin is not None})
            present: set[str] = set()
            if twins:
                cur.execute(f"SELECT key FROM {TABLE} WHERE key = ANY(%s)", (twins,))
                present = {row[0] for row in cur.fetchall()}
            fresh: list[tuple[int, Event]] = []
            keys: set[str] = set()
            for n, event in enumerate(events):
                twin = event.twin
                if twin is not None and twin in present:
                    results[n] = False
                    duplicates[twin] = duplicates.get(twin, 0) + 1
                elif event.key in keys:
                    results[n] = False
                    duplicates[event.key] = duplicates.get(event.key, 0) + 1
                else:
                    keys.add(event.key)
                    fresh.append((n, event))
            stored: set[str] = set()
            for start in range(0, len(fresh), 200):
                chunk = fresh[start : start + 200]
                values = ", ".join(["(%s, %s, %s, %s, %s, 'pending', %s, %s)"] * len(chunk))
                params = [
                    value
                    for _, e in chunk
                    for value in (e.key, e.message_type, e.group, e.json(), source, now, now)
                ]
                cur.execute(
                    f"INSERT INTO {TABLE} (key, message_type, grp, body, source, state, received_at, "
                    f"next_at) VALUES {values} ON CONFLICT (key) DO NOTHING RETURNING key",
                    params,
                )
                stored.update(row[0] for row in cur.fetchall())
            for n, event in fresh:
                results[n] = event.key in stored
                if event.key not in stored:
                    duplicates[event.key] = duplicates.get(event.key, 0) + 1
            for key, count in sorted(duplicates.items()):
                cur.execute(f"UPDATE {TABLE} SET duplicates = duplicates + %s WHERE key = %s", (count, key))
        return [bool(r) for r in results]

    def close(self) -> None:
        with self._guard:
            for conn in self._connections:
                conn.close()
            self._connections.clear()


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else error.__class__.__name__


def is_postgres_url(where: str) -> bool:
    return where.startswith(("postgresql://", "postgres://"))


def open_inbox(where: str | Path, clock: Callable[[], float] = time.time) -> Inbox:
    """The inbox at `where`: a `postgresql://` URL, else a SQLite file (made when missing)."""
    text = str(where)
    if is_postgres_url(text):
        return PostgresInbox(text, clock)
    if "://" in text:
        raise UsageError(f"--inbox {text}: a file path or a postgresql:// URL")
    return SQLiteInbox(text, clock)
