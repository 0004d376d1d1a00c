"""The sandbox's clock: Ozon's time as the sandbox plays it, one clock for every model.

Sandbox time runs from a *base* (the wall clock, or the callable a test gives `Sandbox(clock=...)`)
at a *rate* (the process's `OINT_TIME_SCALE` unless one is set), and can be frozen, moved on
(`advance`), set to a moment, or run faster or slower. What was done to it is kept in the state
file (meta "clock": the anchor {wall, at} and the rate and freeze), so that every process on one
state file (the server, CLI runs) shares one timeline; without such a record, time is the base
itself (rate 1) or the scaled wall time from the older anchor meta "clock_anchor" (a scale).

    sandbox time = at                                  (frozen)
                 = at + (base() - wall) * rate          (running)

`oint sandbox advance 2h`, `oint sandbox clock --freeze | --rate 60 | --set ...` and the admin route
`GET|POST /__sandbox/clock` ({"advance": "2h"} / {"freeze": true} / {"rate": 60} /
{"set": "2026-12-01T10:00:00Z"}) change it. `parse_duration("1h30m")` reads durations.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oint.sandbox.store import Store

META = "clock"
ANCHOR_META = "clock_anchor"  # the scaled clock's wall anchor (OINT_TIME_SCALE), older state files
UNITS = {"w": 604800.0, "d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])", re.I)
MAX_RATE = 1_000_000.0
CHANGES = ("set", "rate", "freeze", "advance")  # the fields of a change, applied in this order


class ClockError(ValueError):
    """A clock change that makes no sense (a bad duration, rate or moment)."""


def parse_duration(text: str | float | int) -> float:
    """Seconds of a duration: a number (seconds) or text like "2h", "1d12h", "90m", "1w", "45s"
    (a leading "-" goes back in time). ClockError when it is not one."""
    if isinstance(text, bool):
        raise ClockError(f"duration: expected e.g. 2h, 30m, 1d or seconds, got {text!r}")
    if isinstance(text, (int, float)):
        if not math.isfinite(text):
            raise ClockError(f"duration: expected a finite number of seconds, got {text!r}")
        return float(text)
    raw = str(text).strip().lower()
    sign = -1.0 if raw.startswith("-") else 1.0
    body = raw.lstrip("+-").replace(" ", "")
    try:
        return sign * float(body)
    except ValueError:
        pass
    parts = _PART.findall(body)
    if not body or "".join(n + u for n, u in parts) != body:
        raise ClockError(f"duration: expected e.g. 2h, 30m, 1d12h, 1w or seconds, got {text!r}")
    return sign * sum(float(n) * UNITS[u] for n, u in parts)


def parse_moment(value: Any) -> float:
    """Epoch seconds of a moment: RFC 3339 text (UTC when it names no offset) or epoch seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        from oint.core.dates import parse_datetime

        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.timezone.utc)
            return moment.timestamp()
    raise ClockError(f"set: expected a moment like 2026-12-01T10:00:00Z, got {value!r}")


@dataclass(frozen=True, slots=True)
class ClockState:
    """Sandbox time `at` when the base read `wall`; `rate` None runs at the process's scale."""

    wall: float = 0.0
    at: float = 0.0
    rate: float | None = None
    frozen: bool = False

    def now(self, base: float, scale: float) -> float:
        if self.frozen:
            return self.at
        return self.at + (base - self.wall) * (self.rate if self.rate is not None else scale)

    def to_json(self) -> str:
        return json.dumps({"wall": self.wall, "at": self.at, "rate": self.rate, "frozen": self.frozen})

    @classmethod
    def from_json(cls, text: str) -> ClockState:
        doc = json.loads(text)
        rate = doc.get("rate")
        return cls(
            float(doc["wall"]), float(doc["at"]), None if rate is None else float(rate), bool(doc["frozen"])
        )


def changed(state: ClockState, base: float, scale: float, change: Mapping[str, Any]) -> ClockState:
    """The state after a change {set, rate, freeze, advance} (any of them, applied in that order),
    re-anchored at `base`. Pure. ClockError names the first bad field."""
    unknown = sorted(set(change) - set(CHANGES))
    if unknown:
        raise ClockError(f"unknown clock fields: {unknown} (known: {list(CHANGES)})")
    now = state.now(base, scale)
    new = ClockState(base, now, state.rate, state.frozen)
    if "set" in change:
        new = replace(new, at=parse_moment(change["set"]))
    if "rate" in change:
        rate = change["rate"]
        if rate is not None and (
            isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= MAX_RATE
        ):
            raise ClockError(f"rate: expected a number above 0 and at most {MAX_RATE:g}, got {rate!r}")
        new = replace(new, rate=None if rate is None else float(rate))
    if "freeze" in change:
        if not isinstance(change["freeze"], bool):
            raise ClockError(f"freeze: expected true or false, got {change['freeze']!r}")
        new = replace(new, frozen=change["freeze"])
    if "advance" in change:
        new = replace(new, at=new.at + parse_duration(change["advance"]))
    return new


class SandboxClock:
    """The callable clock of a `Sandbox`: epoch seconds of sandbox time (see the module's text).

    `base`: the time source (time.time by default); `scale`: the rate when none is set."""

    def __init__(self, store: Store, base: Callable[[], float] | None = None, scale: float = 1.0) -> None:
        self.store = store
        self.base = base or time.time
        self.scale = scale
        self._anchor: str | None = None
        self._read: tuple[str, ClockState] | None = None  # the meta last read, and its state
        if scale != 1:  # the older scaled clock: a wall anchor shared through the state file
            with store.transaction():
                text = store.get_meta(ANCHOR_META)
                if text is None:
                    text = repr(self.base())
                    store.set_meta(ANCHOR_META, text)
            self._anchor = text

    def __call__(self) -> float:
        return self.state().now(self.base(), self.scale)

    def state(self) -> ClockState:
        with self.store.transaction():
            text = self.store.get_meta(META)
        if text is not None:
            read = self._read  # (one attribute: threads read text and state together)
            if read is None or read[0] != text:
                read = self._read = (text, ClockState.from_json(text))
            return read[1]
        if self._anchor is not None:
            anchor = float(self._anchor)
            return ClockState(anchor, anchor)
        return ClockState()

    def change(self, **change: Any) -> dict[str, Any]:
        """Apply {set, rate, freeze, advance} (see `changed`); returns `describe()`."""
        with self.store.transaction():
            state = changed(self.state(), self.base(), self.scale, change)
            self.store.set_meta(META, state.to_json())
        return self.describe()

    def advance(self, duration: str | float) -> dict[str, Any]:
        return self.change(advance=duration)

    def restore_anchor(self) -> None:
        """After the state file was wiped (reset): the scaled clock's anchor back, no other change."""
        if self._anchor is not None:
            self.store.set_meta(ANCHOR_META, self._anchor)

    def describe(self) -> dict[str, Any]:
        """{now (RFC 3339), epoch, frozen, rate}: what `GET /__sandbox/clock` answers."""
        state = self.state()
        now = state.now(self.base(), self.scale)
        moment = dt.datetime.fromtimestamp(now, dt.timezone.utc)
        return {
            "now": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "epoch": now,
            "frozen": state.frozen,
            "rate": state.rate if state.rate is not None else self.scale,
        }
