"""Which endpoint an OInt function calls: OInt's own (legacy) or its current implementation.

Modes (`api=` of the clients, `--api` of the CLI, else `OINT_OZON_API`):

- `auto` (default): the current implementation once the switch-off date of OInt's endpoint
  (recorded in the operation layer, `Operation.retired`) has come, OInt's endpoint before it.
  When OInt's endpoint answers 410 (or 404 where the current implementation then succeeds), the
  call is completed with the current implementation, which is then used for the rest of the
  process.
- `legacy`: always OInt's endpoint, as OInt calls it.
- `current`: always the current implementation.

"Today" is the UTC date, or `OINT_OZON_TODAY` (YYYY-MM-DD) when set, e.g. to act as on an
earlier day against a sandbox dated then. Everything here is pure but the process-wide memory
of the endpoints found switched off (`gone`).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import warnings
from collections.abc import Sequence
from typing import Any

from oint.compat.registry import Method
from oint.core.errors import APIStatusError, OzonWarning, UsageError
from oint.core.flow import Flow
from oint.core.layer import TODAY_ENV as TODAY_ENV  # the policy's day: `policy.today()`
from oint.core.layer import today as today

MODES = ("auto", "legacy", "current")
MODE_ENV = "OINT_OZON_API"
FALLBACK_STATUSES = (404, 410)

_gone: set[str] = set()
_lock = threading.Lock()


def api_mode(value: str | None = None) -> str:
    """The mode asked for (`value`, else `OINT_OZON_API`, else auto); UsageError when unknown."""
    text = value if value not in (None, "") else os.environ.get(MODE_ENV) or "auto"
    mode = str(text).strip().lower()
    if mode not in MODES:
        where = "api" if value not in (None, "") else MODE_ENV
        raise UsageError(f"{where}: expected one of {', '.join(MODES)}, got {text!r}")
    return mode


def gone(path: str) -> bool:
    """Whether OInt's endpoint `path` answered as switched off earlier in this process."""
    return path in _gone


def mark_gone(path: str) -> None:
    with _lock:
        _gone.add(path)


def forget_gone() -> None:
    """Forget the endpoints found switched off (for tests)."""
    with _lock:
        _gone.clear()


def uses_current(method: Method, mode: str, day: dt.date) -> bool:
    """Whether a call of `method` in `mode` on `day` starts with the current implementation."""
    op = method.endpoint
    if method.current is None or op is None or mode == "legacy":
        return False
    return mode == "current" or op.path in _gone or op.retired_on(day)


def method_flow(method: Method, values: Sequence[Any], mode: str, day: dt.date) -> Flow:
    """The flow of one call of an API method in `mode` on `day` (see the module's docstring)."""
    legacy = method.build(values)  # OInt's request: checks and normalises the values either way
    current = method.current
    if current is not None and uses_current(method, mode, day):
        return (yield from current.run(legacy.body or {}))
    try:
        return (yield legacy)
    except APIStatusError as e:
        if current is None or mode != "auto" or e.status not in FALLBACK_STATUSES:
            raise
        first = e
    # OInt's endpoint answered as if switched off: complete the call with the current implementation
    try:
        answer = yield from current.run(legacy.body or {})
    except APIStatusError:
        if first.status == 410:
            mark_gone(legacy.path)
        raise
    mark_gone(legacy.path)
    warnings.warn(
        f"{method.name_en}: {legacy.method} {legacy.path} answered {first.status}; "
        f"using {current.uses[0]} instead for the rest of this process",
        OzonWarning,
        stacklevel=2,
    )
    return answer
