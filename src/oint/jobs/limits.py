"""Limits a bulk job keeps besides the per-account windows of `oint.core.retry`: Ozon's
per-item limits (a stock of one product on one warehouse once per 30 s, a product's price
10 times an hour), counted per item key, shared by every job of the process — or, with a
shared store of limits (`oint.core.limits`: SQLite, Redis), by every job of every process
using it (`SharedItemLimiter`).

Plain state: times are given by the caller (wall-clock seconds), nothing sleeps. Memory
is bounded: keys whose windows have passed are dropped, and at most `max_keys` are kept
(a key dropped early may be sent too soon: Ozon then says so per item, and the engine
sends it again later; nothing is lost).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from oint.apis.seller.spec import Operation, find, global_rate_limits
from oint.core.limits import LimitStore, windows
from oint.core.retry import WINDOW_MARGIN, RateLimiter, time_scale

MAX_KEYS = 100_000


class ItemLimiter:
    """At most `n` uses of one key per window, for each (n, seconds) of `limits` (real seconds).

    Compact: a key is kept as its hash, its uses as one time or a short tuple (about 150 bytes
    a key), the most recently used last, at most `max_keys` of them."""

    def __init__(
        self, limits: tuple[tuple[int, float], ...], margin: float = WINDOW_MARGIN, max_keys: int = MAX_KEYS
    ) -> None:
        self.limits = tuple((n, per + margin) for n, per in limits)
        self.horizon = max((per for _, per in self.limits), default=0.0)
        self.depth = max((n for n, _ in self.limits), default=1)
        self.max_keys = max_keys
        self._uses: OrderedDict[int, float | tuple[float, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._uses)

    @staticmethod
    def _times(uses: float | tuple[float, ...] | None) -> tuple[float, ...]:
        if uses is None:
            return ()
        return (uses,) if isinstance(uses, float) else uses

    def free_at(self, key: str, now: float) -> float:
        """When `key` may be used again (`now` when it may be used now)."""
        with self._lock:
            return self._start(self._times(self._uses.get(hash(key))), now)

    def free_at_many(self, keys: Sequence[str], now: float) -> dict[str, float]:
        """`free_at` of each of `keys` (the items of a batch being chosen)."""
        return {key: self.free_at(key, now) for key in keys}

    def take_many(self, keys: Sequence[str], now: float) -> None:
        """`take` of each of `keys` (the items of a batch being sent)."""
        for key in keys:
            self.take(key, now)

    def _start(self, times: Sequence[float], now: float) -> float:
        """When an item used at `times` (oldest first) may be used again."""
        start = now
        for n, per in self.limits:
            if len(times) >= n:
                start = max(start, times[-n] + per)
        return start

    def take(self, key: str, now: float) -> None:
        h = hash(key)
        with self._lock:
            times = (*self._times(self._uses.pop(h, None)), now)[-self.depth :]
            self._uses[h] = times[0] if len(times) == 1 else times
            self._forget(now)

    def give_back(self, key: str, at: float) -> None:
        """Undo `take(key, at)`: the request never reached Ozon, or Ozon refused it whole."""
        h = hash(key)
        with self._lock:
            times = list(self._times(self._uses.get(h)))
            if at in times:
                times.remove(at)
                if times:
                    self._uses[h] = times[0] if len(times) == 1 else tuple(times)
                else:
                    del self._uses[h]

    def _forget(self, now: float) -> None:
        uses = self._uses
        while uses:
            oldest = next(iter(uses))
            last = self._times(uses[oldest])[-1]
            if len(uses) > self.max_keys or last + self.horizon <= now:
                del uses[oldest]
            else:
                break


class SharedItemLimiter(ItemLimiter):
    """`ItemLimiter` over a shared store: the uses of an item by every process of the store.
    Times are the callers' wall clocks (machines keep them in step; `margin` covers the rest)."""

    def __init__(
        self,
        store: LimitStore,
        space: str,
        limits: tuple[tuple[int, float], ...],
        margin: float = WINDOW_MARGIN,
    ) -> None:
        super().__init__(limits, margin)
        self.store = store
        self.space = space

    def __len__(self) -> int:
        return 0  # the keys live in the store

    def free_at(self, key: str, now: float) -> float:
        return self._start(self.store.item_times(self.space, key, self.depth), now)

    def free_at_many(self, keys: Sequence[str], now: float) -> dict[str, float]:
        """One read of the store for a whole batch (a Redis round trip, not one per item)."""
        found = self.store.item_times_many(self.space, keys, self.depth)
        return {key: self._start(times, now) for key, times in zip(keys, found, strict=True)}

    def take(self, key: str, now: float) -> None:
        self.store.item_take(self.space, key, now, self.depth, self.horizon)

    def take_many(self, keys: Sequence[str], now: float) -> None:
        self.store.item_take_many(self.space, keys, now, self.depth, self.horizon)

    def give_back(self, key: str, at: float) -> None:
        self.store.item_give_back(self.space, key, at)


_ITEM_LIMITERS: dict[tuple[str, str, float], ItemLimiter] = {}
_ITEM_LOCK = threading.Lock()


def item_limits(op: Operation) -> tuple[tuple[int, float], ...]:
    """The operation's per-item windows (calls, Ozon seconds), from the operation layer."""
    spec: dict[str, Any] = op.item_limits or {}
    return tuple((int(n), float(s)) for n, s in spec.get("limits", ()))


def shared_item_limiter(client_id: str, op: Operation, store: LimitStore | None = None) -> ItemLimiter | None:
    """The per-item limiter of one account and operation (None: no such limit), of the process
    (`store` None) or of a shared store."""
    limits = item_limits(op)
    if not limits:
        return None
    scale = time_scale()
    if store is not None:
        return SharedItemLimiter(store, f"{client_id}:{op.path}", tuple((n, s / scale) for n, s in limits))
    key = (client_id, op.path, scale)
    with _ITEM_LOCK:
        lim = _ITEM_LIMITERS.get(key)
        if lim is None:
            lim = _ITEM_LIMITERS[key] = ItemLimiter(tuple((n, s / scale) for n, s in limits))
        return lim


def account_limiters(
    client_id: str, path: str, store: LimitStore | None = None, extra: tuple[RateLimiter, ...] = ()
) -> list[RateLimiter]:
    """The windows a call of `path` takes a slot in: Ozon's global limit per Client-Id and the
    operation's own, shared with every client of the process (`oint.core.retry`) or of the
    shared store; then `extra` (the windows of an outgoing address, from the client)."""

    op = find(path)
    own = op.rate_limits if op is not None else ()
    return [
        *windows(store, client_id, "*", global_rate_limits()),
        *windows(store, client_id, path, own),
        *extra,
    ]
