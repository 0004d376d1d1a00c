"""What the sandbox saw of Ozon's request windows: per account (and per client address with
`--limit-per-ip`), per window, how many requests came, how many it let through or refused
(429), and the most that arrived within one window — so a test can prove that several
processes together never asked more of a window than it allows (`GET /__sandbox/limits`).

Kept in the memory of the serving process (reset with the sandbox, or by
`POST /__sandbox/limits/clear`); times are those of the window's own clock.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

ACCOUNT, ADDRESS = "accounts", "addresses"


@dataclass(slots=True)
class Watched:
    """One window (`limit` requests per `per` Ozon seconds) of one account or address."""

    limit: int
    per: float
    allowed: int = 0
    refused: int = 0
    most_asked: int = 0  # the most requests that arrived within one window, refused ones too
    most_allowed: int = 0  # the most let through within one window (never above `limit`)
    _asked: deque[float] = field(default_factory=deque)
    _allowed: deque[float] = field(default_factory=deque)

    def seen(self, now: float, window: float, allowed: bool, weight: int) -> None:
        for times in (self._asked, self._allowed):
            while times and times[0] <= now - window:
                times.popleft()
        self._asked.extend([now] * weight)
        self.most_asked = max(self.most_asked, len(self._asked))
        if allowed:
            self.allowed += weight
            self._allowed.extend([now] * weight)
            self.most_allowed = max(self.most_allowed, len(self._allowed))
        else:
            self.refused += weight

    def describe(self) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "per_seconds": self.per,
            "allowed": self.allowed,
            "refused": self.refused,
            "most_asked_in_window": self.most_asked,
            "most_allowed_in_window": self.most_allowed,
        }


class WindowWatch:
    """The windows the sandbox counted, thread-safe."""

    def __init__(self) -> None:
        self._windows: dict[tuple[str, str, str], Watched] = {}
        self._lock = threading.Lock()

    def seen(
        self,
        kind: str,
        owner: str,
        scope: str,
        limit: int,
        per: float,
        now: float,
        window: float,
        allowed: bool,
        weight: int = 1,
    ) -> None:
        """A request of `owner` (a Client-Id, or an address) in `scope` ("*" or the limit's name),
        at `now` on a clock whose window lasts `window`; `allowed` or refused with 429."""
        with self._lock:
            watched = self._windows.get((kind, owner, scope))
            if watched is None:
                watched = self._windows[(kind, owner, scope)] = Watched(limit, per)
            watched.seen(now, window, allowed, weight)

    def report(self) -> dict[str, Any]:
        """{"accounts": {client id: {scope: counts}}, "addresses": {address: {scope: counts}}}."""
        doc: dict[str, Any] = {ACCOUNT: {}, ADDRESS: {}}
        with self._lock:
            for (kind, owner, scope), watched in sorted(self._windows.items()):
                doc[kind].setdefault(owner, {})[scope] = watched.describe()
        return doc

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()
