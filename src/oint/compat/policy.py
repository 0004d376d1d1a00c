"""Which endpoint an OInt function calls: OInt's own (legacy) or its current implementation.

Modes (`api=` of the clients, `--api` of the CLI, else `OINT_OZON_API`):

- `auto` (default): the current implementation once the switch-off date of OInt's endpoint
  (recorded in the operation layer, `Operation.retired`) has come, OInt's endpoint before it.
  When OInt's endpoint answers 410 (or 404 where the current implementation then succeeds), the
  call is completed with the current implementation, which is then used for the rest of the
  process.
- `legacy`: always OInt's endpoint, as OInt calls it.
- `current`: always the current implementation.

`page_flows` pages an OInt list function (`--all-pages`) under the same policy, a flow a page.

"Today" is the UTC date, or `OINT_OZON_TODAY` (YYYY-MM-DD) when set, e.g. to act as on an
earlier day against a sandbox dated then. Everything here is pure but the process-wide memory
of the endpoints found switched off (`gone`).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import warnings
from collections.abc import Generator, Sequence
from typing import Any

from oint.compat.flows import RESUME_AT
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


PageFlows = Generator[Flow, Any, None]  # yields the flow of each page, receives the page's answer


def page_flows(method: Method, values: Sequence[Any], mode: str, day: dt.date) -> PageFlows:
    """The pages of an OInt list function (`--all-pages`), in `mode` on `day`: yields the flow of
    each page (`method_flow`) and is sent its answer; ends after the last page. The function's
    own paging option is moved on: `--last` by the answer's last_id or cursor
    (`oint.core.paging.next_body`), `--offset` by the items read, until a short or empty page. A
    current implementation that `resumes` (`Current.resumes`) is given the position the previous
    page ended at instead of the next offset (OInt's position field, or the flow's own under
    `RESUME_AT`): one request a page, where walking to each offset from the start costs a request
    per page before it. A function without a paging option has one page."""
    from oint.core.paging import next_body, page_items

    op = method.endpoint
    if op is None or op.paging is None:
        raise UsageError(f"{method.name_en} does not page: --all-pages does not apply")
    paging = op.paging
    fields = [p.field for p in method.params]
    token_at = fields.index(paging.position) if paging.position in fields else None
    offset_at = fields.index("offset") if token_at is None and "offset" in fields else None
    current = list(values)
    resumes = method.current is not None and method.current.resumes
    after: dict[str, Any] | None = None  # the current implementation's body of the next page
    while True:
        on_current = uses_current(method, mode, day)  # method_flow chooses the same way
        body = method.build(tuple(current)).body or {}
        reported: list[Any] = []  # the position a flow gave under RESUME_AT, if it gives one
        if resumes and on_current and method.current is not None:  # what method_flow runs, resumable
            start = after if after is not None else {**body, RESUME_AT: None}
            flow = _reporting(method.current.run(start), reported)
        else:
            flow = method_flow(method, tuple(current), mode, day)
        answer = yield flow
        items = page_items(op, answer)
        if token_at is not None:
            following = next_body(op, body, answer)
            if following is None:
                return
            current[token_at] = following[paging.position]
        elif offset_at is not None:
            asked = int(body.get(paging.size) or 0) if paging.size else 0
            if not items or (asked and len(items) < asked):
                return
            current[offset_at] = int(current[offset_at] or 0) + len(items)
            if resumes and on_current and not reported:  # the answer's position is the successor's
                following = next_body(op, after or _without(body, "offset"), answer)
                if following is None:  # the successor's last page
                    return
                after = following
        else:
            return
        if reported:  # the flow's own position (None after its last page), not OInt's
            if reported[0] is None:
                return
            moved = paging.position if token_at is not None else "offset"
            after = {**_without(body, moved), RESUME_AT: reported[0]}


def _reporting(flow: Flow, reported: list[Any]) -> Flow:
    """`flow`, its answer without the position it reports under RESUME_AT (kept in `reported`)."""
    answer = yield from flow
    if isinstance(answer, dict) and RESUME_AT in answer:
        answer = dict(answer)
        reported.append(answer.pop(RESUME_AT))
    return answer


def _without(body: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != field}
