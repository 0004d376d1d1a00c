"""What a job did: each item's outcome to a file (`write_report`), its failures summarised
(`failures`), its rate and time left (`Rate`). Read by `oint ozon bulk --report`, `oint bulk
show` and the MCP server's bulk tools."""

from __future__ import annotations

import time
from collections import Counter, deque
from typing import Any

from oint.jobs.files import open_writer
from oint.jobs.jobs import Job, Summary


def dig(doc: Any, dotted: str) -> Any:
    """The value at a dotted column name (`price.price`, `attributes.0.id`) of an item."""
    for part in dotted.split("."):
        if isinstance(doc, dict):
            doc = doc.get(part)
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            return None
    return doc


def first_error(error: Any) -> tuple[str, str]:
    """(code, message) of the first of an item's errors, as Ozon gave them."""
    if (
        isinstance(error, dict)
        and "errors" in error
        and isinstance(error["errors"], list)
        and error["errors"]
    ):
        error = error["errors"]
    if isinstance(error, list):
        error = error[0] if error else None
    if isinstance(error, dict):
        return str(error.get("code", "")), str(error.get("message", ""))
    return ("", "" if error is None else str(error))


def write_report(job: Job, path: str, option: str = "--report") -> int:
    """Each item's outcome, in input order: row, the item's columns, state, Ozon's error."""
    columns = job.journal.get("columns") or []
    scalar = len(columns) == 1 and job.operation.batch is not None and columns[0] == job.operation.batch.field
    out = open_writer(path, ["row", *columns, "state", "error_code", "error_message", "errors"], option)
    count = 0
    try:
        for o in job.outcomes():
            item = o["item"]
            row: dict[str, Any] = {"row": o["row"], "state": o["state"]}
            if scalar:
                row[columns[0]] = item
            else:
                row.update({c: dig(item, c) for c in columns})
            if o["state"] == "failed" or (o["state"] != "confirmed" and o["error"]):
                row["error_code"], row["error_message"] = first_error(o["error"])
                row["errors"] = o["error"]
            out.write(row)
            count += 1
    finally:
        out.close()
    return count


def failures(job: Job, limit: int) -> dict[str, Any]:
    """The failed items for a reader in a hurry: how many fail with each of Ozon's error codes
    (with one message each), and the first `limit` of them (row, item, code, message)."""
    by_code: Counter[str] = Counter()
    messages: dict[str, str] = {}
    shown: list[dict[str, Any]] = []
    for o in job.outcomes(["failed"]):
        code, message = first_error(o["error"])
        key = code or message or "?"
        by_code[key] += 1
        messages.setdefault(key, message)
        if len(shown) < limit:
            shown.append({"row": o["row"], "item": o["item"], "code": code, "message": message})
    return {
        "failed": sum(by_code.values()),
        "by_error": [{"code": k, "items": n, "message": messages[k]} for k, n in by_code.most_common()],
        "items": shown,
    }


class Rate:
    """Items settled (confirmed or failed) per minute over the last `window` seconds, from
    samples of a job's counts, and the time its items left take at that rate."""

    def __init__(self, window: float = 30.0) -> None:
        self.window = window
        self.samples: deque[tuple[float, int]] = deque()

    def add(self, summary: Summary, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.samples.append((now, summary.confirmed + summary.failed))
        while len(self.samples) > 2 and self.samples[0][0] < now - self.window:
            self.samples.popleft()

    def per_minute(self) -> float:
        if len(self.samples) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self.samples[0], self.samples[-1]
        return (n1 - n0) / (t1 - t0) * 60 if t1 > t0 else 0.0

    def eta(self, left: int, quota: float | None = None) -> float | None:
        """Seconds until `left` more items are settled (None: no rate yet), at the measured rate
        but never faster than `quota` items a minute (what Ozon's windows allow: a fresh window
        lets a burst go at once, which says nothing of the minutes after it)."""
        rate = self.expected(quota)
        if not left:
            return 0.0
        return left / rate * 60 if rate > 0 else None

    def expected(self, quota: float | None = None) -> float:
        """Items a minute from now on: the measured rate, capped by `quota`; the quota alone
        before anything is measured."""
        rate = self.per_minute()
        if quota is None or quota <= 0:
            return rate
        return min(rate, quota) if rate > 0 else quota


def duration(seconds: float) -> str:
    """1:02:03, or 2:03 under an hour."""
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
