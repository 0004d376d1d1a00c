"""SQLite persistence of the sandbox: JSON documents by (account, kind, key), counters,
sliding-window rate-limit logs and a bounded log of the requests served. One transaction
per request.

Documents are found by key, by key prefix, or by one of the indexed fields
(`INDEXED_FIELDS`: offer_id, sku, model_id; `KIND_INDEXED_FIELDS`: fields indexed in one kind only,
such as the events, returns and chat of a posting), so that catalogues of 100,000 products stay fast.
Documents of the kinds in `TAGGERS` (products) carry a tag, a small integer the model computes
from the document (a product's visibility flags) and the store keeps beside it, indexed with the
orders the lists need (`TAG_ORDERS`) and counted per tag (`tag_counts`): a page of a
filtered list is read from an index and its total from the counts, never by parsing every
document. `search` filters and pages a kind in one pass of SQL, over a covering index where the
kind has one (`SEARCH_INDEXES`: the web view's catalogue search); `count_by` counts a kind by a
field's values.

The model never sees SQL: it reads and writes documents through `Store`.
"""

from __future__ import annotations

import collections
import functools
import heapq
import itertools
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from oint.core.lazy import load
from oint.sandbox.errors import SandboxStateError
from oint.sandbox.limits import WindowWatch

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    account TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
    seq INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (account, kind, key)
);
CREATE INDEX IF NOT EXISTS docs_order ON docs (account, kind, seq);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS hits (account TEXT NOT NULL, scope TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS hits_scope ON hits (account, scope, at);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY, at REAL NOT NULL, account TEXT NOT NULL, method TEXT NOT NULL,
    path TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT '', answer_type TEXT NOT NULL DEFAULT '',
    answer_size INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS docs_offer_id ON docs (account, kind, json_extract(data, '$.offer_id'));
CREATE INDEX IF NOT EXISTS docs_sku ON docs (account, kind, json_extract(data, '$.sku'));
CREATE INDEX IF NOT EXISTS docs_number ON docs (account, kind, CAST(key AS INTEGER));
CREATE INDEX IF NOT EXISTS docs_event_posting ON docs (account, json_extract(data, '$.posting_number'))
    WHERE kind = 'event';
CREATE INDEX IF NOT EXISTS docs_return_posting ON docs (account, json_extract(data, '$.posting_number'))
    WHERE kind = 'return';
CREATE INDEX IF NOT EXISTS docs_rfbs_return_posting ON docs (account, json_extract(data, '$.posting_number'))
    WHERE kind = 'rfbs_return';
CREATE INDEX IF NOT EXISTS docs_chat_posting ON docs (account, json_extract(data, '$.posting_number'))
    WHERE kind = 'chat';
CREATE INDEX IF NOT EXISTS docs_product_search ON docs (account,
    json_extract(data, '$.offer_id'), json_extract(data, '$.name'), json_extract(data, '$.sku'),
    json_extract(data, '$.is_archived'), json_extract(data, '$.has_stock'), json_extract(data, '$.price'),
    json_array_length(data, '$.errors'), json_array_length(data, '$.barcodes'), seq)
    WHERE kind = 'product';
"""
INDEXED_FIELDS = ("offer_id", "sku", "model_id")
# model_id: only of tagged documents (products); the partial index's condition, said again
_INDEX_WHERE = {"model_id": " AND tag IS NOT NULL"}

# kinds whose documents carry a tag: the function of the model that computes it (imported when a
# document of the kind is first written or tagged); TAG_VERSION names the functions' rules:
# a state file tagged under other rules is tagged again when opened
TAGGERS = {"product": "oint.sandbox.model.products:visibility_flags"}  # kind: target (oint.core.lazy)
TAG_VERSION = "4"
# the orders in which tagged documents are paged: numeric key (id), or a field of the document
TAG_ORDERS = {
    "id": "CAST(key AS INTEGER)",
    "offer_id": "json_extract(data, '$.offer_id')",
    "sku": "json_extract(data, '$.sku')",
    "name": "json_extract(data, '$.name')",
}
# indexes of the tagged documents only (partial: no cost to writing other kinds; a partial index
# on `kind = 'product'` would cost every write of every kind); `tag_counts`: how many documents
# carry each tag, kept by `put`, `put_many` and `delete`, so that a group is counted without
# reading it
TAG_SCHEMA = "".join(
    f"CREATE INDEX IF NOT EXISTS docs_tag_{name} ON docs (account, kind, tag, "
    + (f"{expr}, key)" if name == "id" else f"{expr}, CAST(key AS INTEGER), key)")
    + " WHERE tag IS NOT NULL;\n"
    for name, expr in TAG_ORDERS.items()
) + (
    "CREATE INDEX IF NOT EXISTS docs_tag_model_id ON docs (account, kind, json_extract(data, '$.model_id'))"
    " WHERE tag IS NOT NULL;\n"
    "CREATE TABLE IF NOT EXISTS tag_counts (account TEXT NOT NULL, kind TEXT NOT NULL, "
    "tag INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (account, kind, tag)) WITHOUT ROWID;\n"
)
# (kind, field) pairs with a partial index of their own: only that kind's documents pay for it
KIND_INDEXED_FIELDS = frozenset(
    (kind, "posting_number") for kind in ("event", "return", "rfbs_return", "chat")
)
# the tests `search` can apply to a field: SQL over the field's value `{v}` or its length as a list
# `{n}`, and which of the two it reads
SEARCH_TESTS = {
    "true": ("COALESCE({v}, 0)", "value"),  # true, a non-zero number
    "false": ("NOT COALESCE({v}, 0)", "value"),
    "positive": ("CAST(COALESCE({v}, 0) AS REAL) > 0", "value"),  # a number or decimal text above 0
    "filled": ("COALESCE({n}, 0) > 0", "length"),  # a non-empty list
    "unfilled": ("COALESCE({n}, 0) = 0", "length"),
}
# covering indexes of `search` (partial, one kind each): what they hold, as (value|length, field);
# a search of those fields reads the small index, never the documents
SEARCH_INDEXES = {
    "product": (
        "docs_product_search",
        frozenset(
            {("value", f) for f in ("offer_id", "name", "sku", "is_archived", "has_stock", "price")}
            | {("length", f) for f in ("errors", "barcodes")}
        ),
    ),
}
# the columns of the request log added after its first release: state files made before get them
LOG_COLUMNS = (
    ("answer", "TEXT NOT NULL DEFAULT ''"),
    ("answer_type", "TEXT NOT NULL DEFAULT ''"),
    ("answer_size", "INTEGER NOT NULL DEFAULT 0"),
)
ANSWER_KEPT = 16 * 1024  # bytes of each answer the request log keeps (the web view shows them)
_TEXT_TYPES = ("application/json", "text/")


def _fold(value: object) -> str:
    """Text for a case-insensitive match (SQLite's own `lower` folds ASCII only)."""
    return str(value).casefold() if value is not None else ""


def default_db_path() -> str:
    """`OINT_SANDBOX_DB`, else `$XDG_STATE_HOME/oint/sandbox.sqlite3` (~/.local/state/oint/...)."""
    env = os.environ.get("OINT_SANDBOX_DB")
    if env:
        return env
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "oint", "sandbox.sqlite3")


def state_error(path: str, error: BaseException) -> SandboxStateError:
    """What is wrong with a state file, in one line, as a `SandboxStateError`."""
    text = str(error)
    if os.path.isdir(path):
        return SandboxStateError(
            path,
            "is a directory, not a state file: give the path of a file (--db / OINT_SANDBOX_DB)",
            "directory",
        )
    if isinstance(error, OSError) and not isinstance(error, FileNotFoundError):
        return SandboxStateError(path, f"cannot be created: {error.strerror or text}", "access")
    if "not a database" in text or "malformed" in text or "quick_check" in text or "corrupt" in text:
        return SandboxStateError(
            path,
            "is not a usable SQLite database (damaged or some other file); "
            "'oint sandbox reset' moves it aside and starts afresh",
            "damaged",
        )
    if "readonly" in text or "read-only" in text:
        return SandboxStateError(
            path, "is read-only: the sandbox needs to write it (check its permissions)", "access"
        )
    if "unable to open" in text:
        return SandboxStateError(
            path, "cannot be opened: check that it and its folder are readable and writable", "access"
        )
    return SandboxStateError(path, f"unusable ({type(error).__name__}: {text})", "other")


def move_aside(path: str) -> str:
    """Rename a broken state file (and its -wal/-shm companions) to `<path>.broken-<UTC time>`;
    returns the new name. Nothing is deleted."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = f"{path}.broken-{stamp}"
    n = 1
    while os.path.lexists(target):
        n += 1
        target = f"{path}.broken-{stamp}-{n}"
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        if os.path.lexists(path + suffix):
            os.replace(path + suffix, target + suffix)
    return target


def private_file(path: str) -> None:
    """Make the state file readable by its owner only (0600): it holds the accounts' Api-Keys.
    A new file is created so before SQLite opens it (SQLite gives its -wal and -shm files the
    same mode); an existing file of ours that others can read is narrowed, with its companions."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        for name in (path, path + "-wal", path + "-shm"):
            try:
                st = os.stat(name)
            except OSError:
                continue
            if st.st_mode & 0o077 and st.st_uid == os.getuid() and os.path.isfile(name):
                os.chmod(name, st.st_mode & 0o700)
    else:
        os.close(fd)


class Store:
    """Documents of the sandbox in one SQLite file (":memory:" for throw-away state).

    One connection shared by all threads: every access goes through `transaction()`, which
    holds a lock for its whole duration, so requests handled on several threads are
    serialised (SQLite would serialise the writers anyway). Raises `SandboxStateError` when
    the file cannot be used."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or default_db_path()
        self.watch: WindowWatch | None = None  # what `Account.limit` saw (the serving Sandbox's)
        self._lock = threading.RLock()
        self._depth = 0
        try:
            if self.path != ":memory:":
                os.makedirs(os.path.dirname(self.path.rstrip("/" + os.sep)) or ".", exist_ok=True)
                if os.path.isdir(self.path):
                    raise IsADirectoryError(self.path)
                existing = os.path.exists(self.path) and os.path.getsize(self.path) > 0
                private_file(self.path)
            else:
                existing = False
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as e:
            raise state_error(self.path, e) from None
        try:
            if existing:  # a damaged file may open fine and fail later, mid-request: check it now
                row = self._db.execute("PRAGMA quick_check(1)").fetchone()
                if row is None or row[0] != "ok":
                    raise sqlite3.DatabaseError(f"quick_check: {row[0] if row else 'no answer'}")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            self._add_log_columns()
            self._tag_documents()
            # a file SQLite could open only for reading fails at its first write: find out now
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("UPDATE meta SET value=value WHERE 0")
            finally:
                self._db.execute("ROLLBACK")
        except sqlite3.Error as e:
            self._db.close()
            raise state_error(self.path, e) from None

    def _add_log_columns(self) -> None:
        """Bring the request log of an older state file up to `LOG_COLUMNS`."""
        have = {row[1] for row in self._db.execute("PRAGMA table_info(requests)")}
        for name, decl in LOG_COLUMNS:
            if name not in have:
                self._db.execute(f"ALTER TABLE requests ADD COLUMN {name} {decl}")

    def _tag_documents(self) -> None:
        """Give the documents of `TAGGERS`' kinds their tags (a column and indexes added to older
        state files; documents tagged again when the rules changed): once per state file."""
        if self.get_meta("tags") == TAG_VERSION:  # (set with the column, the indexes and the counts)
            return
        have = {row[1] for row in self._db.execute("PRAGMA table_info(docs)")}
        if "tag" not in have:
            self._db.execute("ALTER TABLE docs ADD COLUMN tag INTEGER")
        self._db.executescript(TAG_SCHEMA)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("UPDATE docs SET tag=NULL WHERE tag IS NOT NULL")
            for kind in TAGGERS:
                rows = self._db.execute("SELECT rowid, data FROM docs WHERE kind=?", (kind,)).fetchall()
                if rows:
                    tagger = _tagger(kind)
                    self._db.executemany(
                        "UPDATE docs SET tag=? WHERE rowid=?",
                        ((tagger(json.loads(data)), rowid) for rowid, data in rows),
                    )
            self._db.execute("DELETE FROM tag_counts")
            self._db.execute(
                "INSERT INTO tag_counts SELECT account, kind, tag, COUNT(*) FROM docs "
                "WHERE tag IS NOT NULL GROUP BY account, kind, tag"
            )
            self.set_meta("tags", TAG_VERSION)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def state_error(self, error: BaseException) -> SandboxStateError:
        """The `SandboxStateError` for an SQLite failure met while using the file."""
        return state_error(self.path, error)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All reads and writes of one request, atomically (nested calls join the outer one)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A unit of work undone if it raises, inside the current transaction, which goes on (a
        transaction of its own outside one): a request's model changes, not its log line."""
        with self._lock:
            if not self._depth:
                with self.transaction():
                    yield
                return
            self._db.execute("SAVEPOINT unit")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK TO unit")
                self._db.execute("RELEASE unit")
                raise
            else:
                self._db.execute("RELEASE unit")

    # ------------------------------------------------------------------ documents
    def get(self, account: str, kind: str, key: Any) -> Any:
        row = self._db.execute(
            "SELECT data FROM docs WHERE account=? AND kind=? AND key=?", (account, kind, str(key))
        ).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, account: str, kind: str, key: Any, doc: Any) -> None:
        data = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        if kind in TAGGERS:
            self._put_tagged(account, kind, str(key), data, _tagger(kind)(doc))
            return
        cur = self._db.execute(
            "UPDATE docs SET data=? WHERE account=? AND kind=? AND key=?", (data, account, kind, str(key))
        )
        if cur.rowcount == 0:
            self._insert(account, kind, str(key), data, None)

    def _insert(self, account: str, kind: str, key: str, data: str, tag: int | None) -> None:
        self._db.execute(
            "INSERT INTO docs (account, kind, key, seq, data, tag) VALUES (?, ?, ?, "
            "(SELECT COALESCE(MAX(seq), 0) + 1 FROM docs WHERE account=? AND kind=?), ?, ?)",
            (account, kind, key, account, kind, data, tag),
        )

    def _put_tagged(self, account: str, kind: str, key: str, data: str, tag: int) -> None:
        """Write a document of a tagged kind with its tag, and count the tag it leaves and takes."""
        row = self._db.execute(
            "SELECT tag FROM docs WHERE account=? AND kind=? AND key=?", (account, kind, key)
        ).fetchone()
        if row is None:
            self._insert(account, kind, key, data, tag)
        else:
            self._db.execute(
                "UPDATE docs SET data=?, tag=? WHERE account=? AND kind=? AND key=?",
                (data, tag, account, kind, key),
            )
            if row[0] == tag:
                return
            if row[0] is not None:
                self._count_tag(account, kind, row[0], -1)
        self._count_tag(account, kind, tag, 1)

    def _count_tag(self, account: str, kind: str, tag: int, change: int) -> None:
        self._db.execute(
            "INSERT INTO tag_counts VALUES (?, ?, ?, ?) "
            "ON CONFLICT (account, kind, tag) DO UPDATE SET n = n + ?",
            (account, kind, tag, change, change),
        )

    def delete(self, account: str, kind: str, key: Any) -> bool:
        if kind in TAGGERS:
            row = self._db.execute(
                "SELECT tag FROM docs WHERE account=? AND kind=? AND key=?", (account, kind, str(key))
            ).fetchone()
            if row is not None and row[0] is not None:
                self._count_tag(account, kind, row[0], -1)
        cur = self._db.execute(
            "DELETE FROM docs WHERE account=? AND kind=? AND key=?", (account, kind, str(key))
        )
        return cur.rowcount > 0

    def all(self, account: str, kind: str) -> list[Any]:
        """Every document of a kind, in insertion order."""
        rows = self._db.execute(
            "SELECT data FROM docs WHERE account=? AND kind=? ORDER BY seq", (account, kind)
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def items(self, account: str, kind: str) -> list[tuple[str, Any]]:
        rows = self._db.execute(
            "SELECT key, data FROM docs WHERE account=? AND kind=? ORDER BY seq", (account, kind)
        ).fetchall()
        return [(r[0], json.loads(r[1])) for r in rows]

    def find(self, account: str, kind: str, field: str, value: Any) -> list[Any]:
        """Documents of a kind whose `field` (one of `INDEXED_FIELDS`, or indexed for this kind:
        `KIND_INDEXED_FIELDS`) equals `value`, in insertion order."""
        if (kind, field) in KIND_INDEXED_FIELDS:  # the kind in the SQL text: a partial index needs it
            where = f"kind='{kind}'"
            args: tuple[Any, ...] = (account, value)
        elif field in INDEXED_FIELDS:
            where = "kind=?"
            args = (account, kind, value)
        else:
            raise ValueError(f"{field!r} is not an indexed field")
        rows = self._db.execute(  # no ORDER BY in SQL: it would lead SQLite away from the index
            f"SELECT seq, data FROM docs WHERE account=? AND {where} AND json_extract(data, '$.{field}')=?"
            + _INDEX_WHERE.get(field, ""),
            args,
        ).fetchall()
        return [json.loads(data) for _, data in sorted(rows)]

    def fields(self, account: str, kind: str, names: Sequence[str]) -> list[tuple[Any, ...]]:
        """(key, then the values of the named top-level fields) of every document of a kind, in
        insertion order: read in SQL, no document parsed in Python (a summary of a large kind)."""
        rows = self._db.execute(
            f"SELECT key, {_extracts(names)} FROM docs WHERE account=? AND kind=? ORDER BY seq",
            (account, kind),
        ).fetchall()
        return [tuple(row) for row in rows]

    def fields_by_key(
        self, account: str, kind: str, keys: Iterable[Any], names: Sequence[str]
    ) -> dict[str, tuple[Any, ...]]:
        """{key: values of the named top-level fields} of the documents of the given keys that exist."""
        wanted = [str(k) for k in keys]
        out: dict[str, tuple[Any, ...]] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(
                f"SELECT key, {_extracts(names)} FROM docs WHERE account=? AND kind=? AND key IN ({marks})",
                (account, kind, *chunk),
            ):
                out[row[0]] = tuple(row[1:])
        return out

    def with_prefix(self, account: str, kind: str, prefix: str) -> list[Any]:
        """Documents whose key starts with `prefix`, in insertion order."""
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        rows = self._db.execute(
            "SELECT data FROM docs WHERE account=? AND kind=? AND key>=? AND key<? ORDER BY seq",
            (account, kind, prefix, end),
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def key_range(
        self,
        account: str,
        kind: str,
        low: str = "",
        high: str | None = None,
        limit: int = -1,
        *,
        descending: bool = False,
    ) -> list[tuple[str, Any]]:
        """(key, document) pairs whose key is in [low, high) (no upper bound without `high`), in
        key order (text), at most `limit` (-1: all): time-ordered logs and queues keyed by time."""
        sql = "SELECT key, data FROM docs WHERE account=? AND kind=? AND key>=?"
        args: list[Any] = [account, kind, low]
        if high is not None:
            sql += " AND key<?"
            args.append(high)
        sql += f" ORDER BY key {'DESC' if descending else 'ASC'} LIMIT ?"
        rows = self._db.execute(sql, (*args, limit)).fetchall()
        return [(r[0], json.loads(r[1])) for r in rows]

    def keys_above_zero(self, account: str, kind: str, field: str) -> list[str]:
        """Keys of the documents whose numeric `field` is above 0, in insertion order (the
        documents are not read into Python: cheap on large kinds)."""
        if not field.isidentifier():
            raise ValueError(f"{field!r} is not a field name")
        sql = f"SELECT key FROM docs WHERE account=? AND kind=? AND json_extract(data, '$.{field}')>0"
        rows = self._db.execute(sql + " ORDER BY seq", (account, kind)).fetchall()
        return [r[0] for r in rows]

    def search(
        self,
        account: str,
        kind: str,
        *,
        text: str = "",
        text_fields: Sequence[str] = (),
        tests: Sequence[tuple[str, str]] = (),
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[Any], int]:
        """Documents of a kind that pass every (field, test) of `tests` (`SEARCH_TESTS`) and, with
        `text`, hold it in one of `text_fields`, case-insensitively (an ASCII text: in ASCII
        letters of any case; any other: as `str.casefold`), in insertion order: `limit` of them
        from `offset`, and how many match in all. One pass in SQL over a covering index where
        the kind has one for these fields (`SEARCH_INDEXES`), else over the documents; only the
        page's documents are parsed."""
        fields = (*text_fields, *(f for f, _ in tests))
        if not all(f.isidentifier() for f in fields):
            raise ValueError(f"not field names: {fields!r}")
        where: list[str] = []
        args: list[Any] = [account]
        reads = {("value", f) for f in text_fields}
        for field, test in tests:
            if test not in SEARCH_TESTS:
                raise ValueError(f"{test!r} is not one of {sorted(SEARCH_TESTS)}")
            sql, read = SEARCH_TESTS[test]
            reads.add((read, field))
            value, length = f"json_extract(data, '$.{field}')", f"json_array_length(data, '$.{field}')"
            where.append(sql.format(v=value, n=length))
        needle = "".join(ch for ch in text if ch.isprintable()).strip().casefold()
        if needle and text_fields:
            # the fields joined by a separator no needle holds; ASCII folded by SQLite, the rest
            # by Python (one call a document)
            joined = " || char(31) || ".join(
                f"COALESCE(json_extract(data, '$.{f}'), '')" for f in text_fields
            )
            if needle.isascii():
                where.append(f"instr(lower({joined}), ?) > 0")
            else:
                self._db.create_function("oint_fold", 1, _fold, deterministic=True)
                where.append(f"instr(oint_fold({joined}), ?) > 0")
            args.append(needle)
        index, held = SEARCH_INDEXES.get(kind, ("", frozenset()))
        if index and reads <= held:  # the kind in the SQL text: a partial index needs it
            source, scope = f"docs INDEXED BY {index}", f"account=? AND kind='{kind}'"
        else:
            source, scope = "docs", "account=? AND kind=?"
            args.insert(1, kind)
        sql = f"SELECT seq FROM {source} WHERE {' AND '.join([scope, *where])}"
        found = sorted(r[0] for r in self._db.execute(sql, args))  # insertion order
        wanted = found[max(0, offset) : max(0, offset) + max(0, limit)]
        if not wanted:
            return [], len(found)
        rows = self._db.execute(
            f"SELECT data FROM docs WHERE account=? AND kind=? AND seq IN ({','.join('?' * len(wanted))}) "
            "ORDER BY seq",
            (account, kind, *wanted),
        ).fetchall()
        return [json.loads(r[0]) for r in rows], len(found)

    def count_by(self, account: str, kind: str, field: str) -> dict[Any, int]:
        """How many documents of a kind have each value of `field`, counted in SQL (no document
        is parsed in Python): {value: count}."""
        if not field.isidentifier():
            raise ValueError(f"{field!r} is not a field name")
        rows = self._db.execute(
            f"SELECT json_extract(data, '$.{field}'), COUNT(*) FROM docs "
            "WHERE account=? AND kind=? GROUP BY 1",
            (account, kind),
        ).fetchall()
        return {value: int(n) for value, n in rows}

    def put_many(self, account: str, kind: str, docs: list[tuple[Any, Any]]) -> None:
        """Insert new documents (keys not yet used) in one go: seeding large catalogues."""
        row = self._db.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM docs WHERE account=? AND kind=?", (account, kind)
        ).fetchone()
        first = int(row[0]) + 1
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        tagger = _tagger(kind) if kind in TAGGERS else None
        tags = [None if tagger is None else tagger(doc) for _, doc in docs]
        self._db.executemany(
            "INSERT INTO docs (account, kind, key, seq, data, tag) VALUES (?, ?, ?, ?, ?, ?)",
            (
                (account, kind, str(key), first + i, dumps(doc), tag)
                for i, ((key, doc), tag) in enumerate(zip(docs, tags, strict=True))
            ),
        )
        for tag, n in collections.Counter(t for t in tags if t is not None).items():
            self._count_tag(account, kind, tag, n)

    # ------------------------------------------------------------------ tagged documents
    def tagged_count(self, account: str, kind: str, tags: Iterable[int]) -> int:
        """How many documents of a kind carry one of `tags` (counts kept by `put`, `put_many`, `delete`)."""
        wanted = sorted(set(tags))
        if not wanted:
            return 0
        marks = ",".join("?" * len(wanted))
        row = self._db.execute(
            f"SELECT COALESCE(SUM(n), 0) FROM tag_counts WHERE account=? AND kind=? AND tag IN ({marks})",
            (account, kind, *wanted),
        ).fetchone()
        return int(row[0])

    def tagged_page(
        self,
        account: str,
        kind: str,
        tags: Iterable[int],
        limit: int,
        *,
        order: str = "id",
        after: tuple[Any, int] | None = None,
        descending: bool = False,
    ) -> list[Any]:
        """The documents of `tagged_keys` (same arguments), in that order."""
        keys = self.tagged_keys(account, kind, tags, limit, order=order, after=after, descending=descending)
        return self.get_many(account, kind, keys)

    def tagged_keys(
        self,
        account: str,
        kind: str,
        tags: Iterable[int],
        limit: int,
        *,
        order: str = "id",
        after: tuple[Any, int] | None = None,
        descending: bool = False,
    ) -> list[str]:
        """Keys of the documents of a kind carrying one of `tags` (`tagged_positions`)."""
        found = self.tagged_positions(
            account, kind, tags, limit, order=order, after=after, descending=descending
        )
        return [key for _, key in found]

    def tagged_positions(
        self,
        account: str,
        kind: str,
        tags: Iterable[int],
        limit: int,
        *,
        order: str = "id",
        after: tuple[Any, int] | None = None,
        descending: bool = False,
    ) -> list[tuple[Any, str]]:
        """(the value of `order`, key) of the documents of a kind carrying one of `tags`, at most
        `limit` (-1: all), in
        `order` (a `TAG_ORDERS` name: the numeric key, or a field then the numeric key), after the
        position `after` ((field value, numeric key); for "id", (key, key)); each tag's documents
        read from an index in that order, merged (by id, no document is read)."""
        if order not in TAG_ORDERS:
            raise ValueError(f"{order!r} is not an order of tagged documents")
        expr = TAG_ORDERS[order]
        by = [expr] if order == "id" else [expr, "CAST(key AS INTEGER)"]
        direction, beyond = ("DESC", "<") if descending else ("ASC", ">")
        columns = ", ".join(by)
        sql = f"SELECT {columns}, key FROM docs WHERE account=? AND kind=? AND tag=?"
        position: tuple[Any, ...] = ()
        if after is not None and order == "id":
            sql += f" AND {expr} {beyond} ?"
            position = (after[1],)
        elif after is not None:  # (not as a row value: SQLite would not seek the index to it)
            sql += f" AND {expr} {beyond}= ? AND ({expr} {beyond} ? OR CAST(key AS INTEGER) {beyond} ?)"
            position = (after[0], after[0], after[1])
        sql += f" ORDER BY {', '.join(f'{c} {direction}' for c in by)} LIMIT ?"
        runs = [
            self._db.execute(sql, (account, kind, tag, *position, limit)).fetchall()
            for tag in sorted(set(tags))
        ]
        merged = heapq.merge(*runs, key=lambda row: row[:-1], reverse=descending)
        return [(row[0], str(row[-1])) for row in itertools.islice(merged, limit if limit >= 0 else None)]

    def get_many(self, account: str, kind: str, keys: Iterable[Any]) -> list[Any]:
        """The documents of the given keys that exist, in the order of the keys."""
        out = []
        for key in keys:
            row = self._db.execute(
                "SELECT data FROM docs WHERE account=? AND kind=? AND key=?", (account, kind, str(key))
            ).fetchone()
            if row is not None:
                out.append(json.loads(row[0]))
        return out

    def page(self, account: str, kind: str, offset: int, limit: int) -> list[Any]:
        """Documents of a kind in insertion order, `limit` of them from `offset` (a large catalogue
        a page at a time)."""
        rows = self._db.execute(
            "SELECT data FROM docs WHERE account=? AND kind=? ORDER BY seq LIMIT ? OFFSET ?",
            (account, kind, limit, offset),
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def count(self, account: str, kind: str) -> int:
        """How many documents of a kind an account has: for the kinds in `TAGGERS` (every one tagged)
        the sum of `tag_counts`, a few rows whatever the catalogue; else counted in the index."""
        if kind in TAGGERS:
            sql = "SELECT COALESCE(SUM(n), 0) FROM tag_counts WHERE account=? AND kind=?"
        else:
            sql = "SELECT COUNT(*) FROM docs WHERE account=? AND kind=?"
        row = self._db.execute(sql, (account, kind)).fetchone()
        return int(row[0])

    # ------------------------------------------------------------------ counters, meta
    def next_id(self, name: str, start: int) -> int:
        """A fresh id from a named sequence (first value `start`)."""
        row = self._db.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()
        value = start if row is None else int(row[0]) + 1
        self._db.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value=excluded.value",
            (name, value),
        )
        return value

    def next_ids(self, name: str, start: int, n: int) -> int:
        """The first of `n` consecutive fresh ids from a named sequence."""
        first = self.next_id(name, start)
        if n > 1:
            self._db.execute("UPDATE counters SET value=? WHERE name=?", (first + n - 1, name))
        return first

    def get_meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value=excluded.value",
            (name, value),
        )

    # ------------------------------------------------------------------ rate limits
    def hit(
        self, account: str, scope: str, limit: int, per: float, now: float, weight: int = 1
    ) -> float | None:
        """Record `weight` uses of `scope` unless that would exceed `limit` per `per` seconds.

        Returns None when allowed, else the seconds until enough of the window frees up.
        Uses from the future (a clock that ran faster before, OINT_TIME_SCALE) are forgotten.
        """
        self._db.execute(
            "DELETE FROM hits WHERE account=? AND scope=? AND (at<=? OR at>?)",
            (account, scope, now - per, now),
        )
        rows = self._db.execute(
            "SELECT at FROM hits WHERE account=? AND scope=? ORDER BY at", (account, scope)
        ).fetchall()
        if len(rows) + weight > limit:
            oldest = rows[max(0, len(rows) + weight - limit - 1)][0] if rows else now
            return max(0.0, oldest + per - now)
        self._db.executemany(
            "INSERT INTO hits (account, scope, at) VALUES (?, ?, ?)", [(account, scope, now)] * weight
        )
        return None

    # ------------------------------------------------------------------ request log
    def log_request(
        self,
        at: float,
        account: str,
        method: str,
        path: str,
        status: int,
        body: bytes,
        keep: int,
        *,
        answer: bytes = b"",
        answer_type: str = "",
    ) -> None:
        """Record a served request and its answer (the first `ANSWER_KEPT` bytes of a text answer;
        of a file, its type and size); only the last `keep` are kept. Counts answers by status."""
        text = ""
        if answer_type.startswith(_TEXT_TYPES) or not answer_type:
            text = answer[:ANSWER_KEPT].decode("utf-8", "replace")
            if len(answer) > ANSWER_KEPT:
                text = text.rstrip("\ufffd")  # a character cut in two at the end
        cur = self._db.execute(
            "INSERT INTO requests (at, account, method, path, status, body, answer, answer_type, answer_size)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                at,
                account,
                method,
                path,
                status,
                body.decode("utf-8", "replace"),
                text,
                answer_type,
                len(answer),
            ),
        )
        if cur.lastrowid is not None and cur.lastrowid > keep:
            self._db.execute("DELETE FROM requests WHERE seq<=?", (cur.lastrowid - keep,))
        self._db.execute(  # one more answer of this status (the counter starts at 1)
            "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value=value+1",
            (f"status:{status}",),
        )

    def requests(self, since: int = 0, path: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """Logged requests after sequence number `since`, oldest first."""
        sql = "SELECT seq, at, account, method, path, status, body FROM requests WHERE seq>?"
        args: list[Any] = [since]
        if path:
            sql += " AND path=?"
            args.append(path)
        rows = self._db.execute(sql + " ORDER BY seq LIMIT ?", (*args, limit)).fetchall()
        out = []
        for seq, at, account, method, p, status, body in rows:
            try:
                doc: Any = json.loads(body) if body.strip() else None
            except ValueError:
                doc = body
            out.append(
                {
                    "seq": seq,
                    "at": at,
                    "client_id": account,
                    "method": method,
                    "path": p,
                    "status": status,
                    "body": doc,
                }
            )
        return out

    def log_page(self, limit: int, before: int | None = None) -> list[dict[str, Any]]:
        """The newest logged requests (before sequence number `before`), newest first, without
        bodies: [{seq, at, client_id, method, path, status, size, answer_size}]."""
        sql = (
            "SELECT seq, at, account, method, path, status, LENGTH(CAST(body AS BLOB)), answer_size "
            "FROM requests"
        )
        args: list[Any] = []
        if before is not None:
            sql += " WHERE seq<?"
            args.append(before)
        rows = self._db.execute(sql + " ORDER BY seq DESC LIMIT ?", (*args, limit)).fetchall()
        names = ("seq", "at", "client_id", "method", "path", "status", "size", "answer_size")
        return [dict(zip(names, row, strict=False)) for row in rows]

    def log_entry(self, seq: int) -> dict[str, Any] | None:
        """One logged request with its body and answer as kept (text), or None when it is gone."""
        row = self._db.execute(
            "SELECT seq, at, account, method, path, status, body, answer, answer_type, answer_size "
            "FROM requests WHERE seq=?",
            (seq,),
        ).fetchone()
        if row is None:
            return None
        names = ("seq", "at", "client_id", "method", "path", "status", "body", "answer", "answer_type")
        return {
            **dict(zip(names, row, strict=False)),
            "answer_size": int(row[9]),
            "size": len(row[6].encode()),
        }

    def request_count(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM requests").fetchone()
        return int(row[0])

    def last_requests(self, limit: int) -> list[dict[str, Any]]:
        """The newest `limit` logged requests, oldest first: [{method, path, status}]."""
        rows = self._db.execute(
            "SELECT method, path, status FROM requests ORDER BY seq DESC LIMIT ?", (limit,)
        ).fetchall()
        return [{"method": m, "path": p, "status": s} for m, p, s in reversed(rows)]

    def clear_requests(self) -> None:
        self._db.execute("DELETE FROM requests")
        self._db.execute("DELETE FROM counters WHERE name LIKE 'status:%'")

    def kept_status_counts(self) -> dict[int, int]:
        """How many of the requests the log still keeps answered each status."""
        rows = self._db.execute("SELECT status, COUNT(*) FROM requests GROUP BY status").fetchall()
        return {int(status): int(n) for status, n in rows}

    def status_counts(self) -> dict[str, int]:
        """How many answers of each status were served since the last reset (more than the log
        keeps: `kept_status_counts` counts those)."""
        rows = self._db.execute("SELECT name, value FROM counters WHERE name LIKE 'status:%'").fetchall()
        return {name.split(":", 1)[1]: int(value) for name, value in rows}

    def digest(self) -> str:
        """A SHA-256 of every document and counter: two stores in the same state have the same
        digest (the request log, limits and meta are left out)."""
        import hashlib  # (OpenSSL's module: not loaded on every start)

        h = hashlib.sha256()
        for table, sql in (
            ("docs", "SELECT account, kind, key, data FROM docs ORDER BY account, kind, key"),
            ("counters", "SELECT name, value FROM counters WHERE name NOT LIKE 'status:%' ORDER BY name"),
        ):
            h.update(table.encode())
            for row in self._db.execute(sql):
                h.update(json.dumps(row, ensure_ascii=False).encode())
        return h.hexdigest()

    def wipe(self) -> None:
        """Forget everything (used by reset)."""
        for table in ("docs", "counters", "hits", "meta", "requests", "tag_counts"):
            self._db.execute(f"DELETE FROM {table}")
        self.set_meta("tags", TAG_VERSION)  # (no document left untagged)


def _extracts(names: Sequence[str]) -> str:
    """The SQL reading top-level fields of a document."""
    if not names or not all(name.isidentifier() for name in names):
        raise ValueError(f"not field names: {names!r}")
    return ", ".join(f"json_extract(data, '$.{name}')" for name in names)


@functools.cache
def _tagger(kind: str) -> Callable[[Any], int]:
    """The model's function computing the tag of a document of `kind` (see `TAGGERS`)."""
    found: Callable[[Any], int] = load(TAGGERS[kind])
    return found
