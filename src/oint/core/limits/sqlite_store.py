"""Ozon's limit windows in a SQLite file: several processes on one machine (`OINT_LIMITS=sqlite:///PATH`).

WAL mode; every acquire or release is one short `BEGIN IMMEDIATE` transaction (the file's
write lock: processes take their turns, none reads a window another is changing). Times are
this machine's wall clock, which every process on it shares.

Tables: `flight` (calls sent, not yet answered: window, token, lease expiry), `done` (answer
times, the newest `rate` of each window), `items` (per-item uses of the bulk jobs), `leases`
(`oint.core.limits.lease`: a name's holder, by token, until its expiry).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from oint.core.limits import LimitStore, LimitsUnavailableError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS flight (win TEXT NOT NULL, token TEXT NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS flight_win ON flight (win, expires);
CREATE TABLE IF NOT EXISTS done (win TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS done_win ON done (win, at);
CREATE TABLE IF NOT EXISTS items (space TEXT NOT NULL, key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS items_key ON items (space, key, at);
CREATE INDEX IF NOT EXISTS items_age ON items (space, at);
CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, token TEXT NOT NULL, expires REAL NOT NULL);
"""


class SQLiteStore(LimitStore):
    name = "sqlite"

    def __init__(self, path: str) -> None:
        super().__init__(f"sqlite://{path}")
        self.path = os.path.abspath(os.path.expanduser(path))
        self._local = threading.local()
        self._clock = time.time
        with self._transaction():
            pass  # the file and its tables, now: a bad path is said at once

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None and getattr(self._local, "pid", None) == os.getpid():
            return db
        try:
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
        except sqlite3.Error as e:
            raise LimitsUnavailableError(f"shared limits: cannot use the file {self.path!r}: {e}") from None
        self._local.db, self._local.pid = db, os.getpid()
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as e:
            raise LimitsUnavailableError(f"shared limits: the file {self.path!r} failed: {e}") from None

    @staticmethod
    def _free_at(db: sqlite3.Connection, key: str, rate: int, window: float, now: float) -> float:
        """When the window `key` has a free slot (`now`: at once); forgets what it no longer holds."""
        # a call whose lease ran out (its process died) counts as answered then
        db.execute(
            "INSERT INTO done (win, at) SELECT win, expires FROM flight WHERE win=? AND expires<=?",
            (key, now),
        )
        db.execute("DELETE FROM flight WHERE win=? AND expires<=?", (key, now))
        db.execute("DELETE FROM done WHERE win=? AND at<=?", (key, now - window))
        flying: int = db.execute("SELECT count(*) FROM flight WHERE win=?", (key,)).fetchone()[0]
        rows = db.execute("SELECT at FROM done WHERE win=? ORDER BY at", (key,))
        done: list[float] = [row[0] for row in rows]
        busy = flying + len(done)
        if busy < rate:
            return now
        first = busy - rate  # this many answered calls must leave the window first
        if first < len(done):
            return max(now, done[first] + window)
        return now + window

    def _acquire(self, keys: tuple[str, ...], rules: list[tuple[int, float]], token: str) -> float:
        with self._transaction() as db:
            now = self._clock()
            start = max(self._free_at(db, k, n, w, now) for k, (n, w) in zip(keys, rules, strict=True))
            if start > now:
                return start - now
            db.executemany(
                "INSERT INTO flight (win, token, expires) VALUES (?, ?, ?)",
                [(k, token, now + self.lease) for k in keys],
            )
            return 0.0

    def _release(self, keys: tuple[str, ...], rules: list[tuple[int, float]], token: str) -> None:
        with self._transaction() as db:
            now = self._clock()
            for key, (rate, _) in zip(keys, rules, strict=True):
                gone = db.execute("DELETE FROM flight WHERE win=? AND token=?", (key, token)).rowcount
                if gone:
                    db.execute("INSERT INTO done (win, at) VALUES (?, ?)", (key, now))
                    db.execute(
                        "DELETE FROM done WHERE rowid IN "
                        "(SELECT rowid FROM done WHERE win=? ORDER BY at DESC LIMIT -1 OFFSET ?)",
                        (key, rate),
                    )

    def _free_in(self, keys: tuple[str, ...], rules: list[tuple[int, float]]) -> float:
        with self._transaction() as db:
            now = self._clock()
            start = max(self._free_at(db, k, n, w, now) for k, (n, w) in zip(keys, rules, strict=True))
            return float(start - now)

    def _prime(self, keys: tuple[str, ...], rules: list[tuple[int, float]], ages: list[float]) -> None:
        with self._transaction() as db:
            now = self._clock()
            for key, (rate, window) in zip(keys, rules, strict=True):
                db.executemany(
                    "INSERT INTO done (win, at) VALUES (?, ?)",
                    [(key, now - age) for age in ages if age < window],
                )
                db.execute(
                    "DELETE FROM done WHERE rowid IN "
                    "(SELECT rowid FROM done WHERE win=? ORDER BY at DESC LIMIT -1 OFFSET ?)",
                    (key, rate),
                )

    def item_times(self, space: str, key: str, depth: int) -> list[float]:
        db = self._db()
        try:
            rows = db.execute(
                "SELECT at FROM items WHERE space=? AND key=? ORDER BY at DESC LIMIT ?", (space, key, depth)
            ).fetchall()
        except sqlite3.Error as e:
            raise LimitsUnavailableError(f"shared limits: the file {self.path!r} failed: {e}") from None
        return [row[0] for row in reversed(rows)]

    def item_take(self, space: str, key: str, now: float, depth: int, horizon: float) -> None:
        self.item_take_many(space, [key], now, depth, horizon)

    def item_times_many(self, space: str, keys: Sequence[str], depth: int) -> list[list[float]]:
        """The last uses of a batch's items in one query (each item's newest `depth`)."""
        found: dict[str, list[float]] = {key: [] for key in keys}
        db = self._db()
        try:
            for start in range(0, len(keys), 500):  # within SQLite's bound on parameters
                chunk = list(dict.fromkeys(keys[start : start + 500]))
                rows = db.execute(
                    "SELECT key, at FROM (SELECT key, at, "
                    "row_number() OVER (PARTITION BY key ORDER BY at DESC) AS n FROM items "
                    f"WHERE space=? AND key IN ({','.join('?' * len(chunk))})) WHERE n<=? ORDER BY key, at",
                    (space, *chunk, depth),
                ).fetchall()
                for key, at in rows:
                    found[key].append(at)
        except sqlite3.Error as e:
            raise LimitsUnavailableError(f"shared limits: the file {self.path!r} failed: {e}") from None
        return [found[key] for key in keys]

    def item_take_many(self, space: str, keys: Sequence[str], now: float, depth: int, horizon: float) -> None:
        """The uses of a batch's items in one transaction (one commit, not one per item)."""
        if not keys:
            return
        with self._transaction() as db:
            for key in keys:
                db.execute("INSERT INTO items (space, key, at) VALUES (?, ?, ?)", (space, key, now))
                db.execute(
                    "DELETE FROM items WHERE rowid IN (SELECT rowid FROM items WHERE space=? AND key=? "
                    "ORDER BY at DESC LIMIT -1 OFFSET ?)",
                    (space, key, depth),
                )
            # the uses of any item whose windows have all passed are of no more use
            db.execute("DELETE FROM items WHERE space=? AND at<=?", (space, now - horizon))

    def item_give_back(self, space: str, key: str, at: float) -> None:
        with self._transaction() as db:
            db.execute(
                "DELETE FROM items WHERE rowid IN (SELECT rowid FROM items WHERE space=? AND key=? AND at=? "
                "LIMIT 1)",
                (space, key, at),
            )

    def lease_take(self, name: str, token: str, seconds: float) -> bool:
        with self._transaction() as db:
            now = self._clock()
            db.execute("DELETE FROM leases WHERE name=? AND expires<=?", (name, now))
            taken = db.execute(
                "INSERT OR IGNORE INTO leases (name, token, expires) VALUES (?, ?, ?)",
                (name, token, now + seconds),
            ).rowcount
            return bool(taken)

    def lease_renew(self, name: str, token: str, seconds: float) -> bool:
        with self._transaction() as db:
            now = self._clock()
            # ours, or free (its time ran out and nobody took it): held `seconds` from now
            db.execute("DELETE FROM leases WHERE name=? AND token<>? AND expires<=?", (name, token, now))
            kept = db.execute(
                "INSERT INTO leases (name, token, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET expires=excluded.expires WHERE token=excluded.token",
                (name, token, now + seconds),
            ).rowcount
            return bool(kept)

    def lease_release(self, name: str, token: str) -> bool:
        with self._transaction() as db:
            return bool(db.execute("DELETE FROM leases WHERE name=? AND token=?", (name, token)).rowcount)

    def lease_remaining(self, name: str) -> float:
        with self._transaction() as db:
            row = db.execute("SELECT expires FROM leases WHERE name=?", (name,)).fetchone()
            return max(0.0, float(row[0]) - self._clock()) if row else 0.0

    def close(self) -> None:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
