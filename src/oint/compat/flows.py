"""The flows of OInt's functions whose endpoints Ozon switched off, and what they share.

A *flow* (`oint.core.flow`) is a generator that yields the requests of one OInt function (and
`Wait(seconds)` where it polls) and receives each parsed answer in return; it ends by returning
OInt's answer. It does no I/O: the clients drive it (`_drive` in `oint.core.client`); an error
answer is thrown into the flow, which may catch it.

The current implementations of the OInt functions whose endpoints Ozon switched off are flows
(`Method.current`, declared beside each method in `oint.compat.methods`); `method_flow` in
`oint.compat.policy` chooses between them and OInt's own endpoint.

This module holds what those flows share: the `Current` declaration, requests to the Seller API by
operation (the verb comes from its operation layer), following an import task, money objects,
and the errors and warnings a flow raises itself.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from oint.core import flow
from oint.core.errors import APIStatusError, SuccessorWarning, TaskFailedError, error_for_status
from oint.core.flow import Flow, Request, Step, Wait

__all__ = ["Flow", "Request", "Step", "Wait"]  # the kernel's flow types, for the flows' declarations


class Current(NamedTuple):
    """The current implementation of an OInt function whose endpoint Ozon switched off.

    `run(body)` takes the body OInt's endpoint would have been sent (`method.build(values).body`,
    so OInt's option handling is shared) and returns the flow. `uses` names the operations the
    flow calls, the main successor first (help and docs show them); `notes` say how OInt's options
    and answer map onto them. `resumes`: the flow of a paged list also takes the position field of
    OInt's endpoint (its `paging.position`, e.g. `last_id`) and starts where the answer that gave
    it (at `paging.next`) ended, so `--all-pages` reads each page once instead of walking to each
    `offset` from the start (`oint.compat.policy.page_flows`). A flow whose OInt answer has no such
    position takes and gives its own instead, under `RESUME_AT` (see there).
    """

    run: Callable[[dict[str, Any]], Flow]
    uses: tuple[str, ...]
    notes: tuple[str, ...] = ()
    resumes: bool = False


RESUME_AT = "_oint_resume"
"""The key of a resuming flow's own position (`Current.resumes`), for an OInt answer that carries
none (e.g. GetFBOShipmentsList's `{result: [...]}`). `policy.page_flows` puts it in the body it
runs the flow with: None for the first page (start at `offset` as usual), else the value the flow
gave. A flow run with the key returns its answer with the key too: the opaque position where the
page ended, or None when nothing follows; `page_flows` takes it out before anyone sees the answer.
A body built from OInt's options never has the key, so a single call is answered as before."""


def request(
    operation: str, body: Mapping[str, Any] | None = None, path_params: Mapping[str, Any] | None = None
) -> Request:
    """The request for one operation of the Seller API, by path or name: `oint.core.flow.request`
    over the Seller API's layer (KeyError for an unknown operation or a missing path parameter)."""
    from oint.apis.seller.spec import LAYER

    return flow.request(LAYER, operation, body, path_params)


# ------------------------------------------------------------------ tasks
TASK_INFO = "/v1/product/import/info"
FIRST_WAIT = 0.05  # seconds before the first look at a new task
MAX_WAIT = 2.0  # the longest pause between two looks
TASK_PATIENCE = 60.0  # how long a flow follows a task before answering with what it knows


def follow_task(task_id: int, patience: float = TASK_PATIENCE) -> Flow:
    """Poll `/v1/product/import/info` until no item of the task is `pending` (or `patience`
    seconds of waiting have passed); returns the task's items."""
    waited, pause = 0.0, FIRST_WAIT
    while True:
        yield Wait(pause)
        waited += pause
        answer = yield request(TASK_INFO, {"task_id": task_id})
        items: list[dict[str, Any]] = list((answer.get("result") or {}).get("items") or [])
        if (items and all(i.get("status") != "pending" for i in items)) or waited >= patience:
            return items
        pause = min(pause * 2, MAX_WAIT)


def task_failure(path: str, task_id: int, items: list[dict[str, Any]]) -> TaskFailedError:
    """The error for a task whose items ended `failed`: their errors as `details`."""
    details = [dict(e, offer_id=i.get("offer_id", "")) for i in items for e in (i.get("errors") or [])]
    text = "; ".join(str(e.get("message") or e.get("code") or "") for e in details) or "no reason given"
    body = {"code": "TASK_FAILED", "message": f"task {task_id} failed: {text}", "details": details}
    return TaskFailedError(200, json.dumps(body, ensure_ascii=False).encode(), method="POST", path=path)


# ------------------------------------------------------------------ errors and warnings
def failure(
    status: int, code: int | str, message: str, path: str, details: list[Any] | None = None
) -> APIStatusError:
    """An error in Ozon's shape that a flow raises itself, where OInt's endpoint answered with one
    (e.g. 404 for an unknown product, found out through a successor's empty answer)."""
    body = {"code": code, "message": message, "details": details or []}
    return error_for_status(status, json.dumps(body, ensure_ascii=False).encode(), method="POST", path=path)


SUCCESSOR_WARNINGS_ENV = "OINT_SUCCESSOR_WARNINGS"  # off / 0 / no / false: say none
_said: set[str] = set()
_said_lock = threading.Lock()


def successor_warnings_on() -> bool:
    """False when `OINT_SUCCESSOR_WARNINGS` is off (0, off, no, false)."""
    return os.environ.get(SUCCESSOR_WARNINGS_ENV, "").strip().lower() not in ("0", "off", "no", "false")


def lacks(function: str, text: str, *, once: bool = False) -> None:
    """Say that the current implementation of `function` cannot do something OInt's endpoint did
    (a `SuccessorWarning`). What a call's own values lost (images not sent) is said on every call;
    a limitation that is the same on every call (fields the successor never reports) is said
    `once` per process. `OINT_SUCCESSOR_WARNINGS=off` (the CLI's `--no-successor-warnings`) says
    none; in Python, `warnings.filterwarnings("ignore", category=SuccessorWarning)` too."""
    if not successor_warnings_on():
        return
    message = f"{function}: {text}"
    if once:
        with _said_lock:
            if message in _said:
                return
            _said.add(message)
    warnings.warn(message, SuccessorWarning, stacklevel=3)


def forget_said() -> None:
    """Forget the warnings said once (for tests)."""
    with _said_lock:
        _said.clear()


# ------------------------------------------------------------------ values
def number(value: Any) -> int | float:
    """A money amount as a JSON number (integral when whole): "1150.00" -> 1150, "99.9" -> 99.9."""
    if isinstance(value, Mapping):  # a money object {amount, currency}
        value = value.get("amount")
    try:
        amount = float(value or 0)
    except (TypeError, ValueError):
        return 0
    amount = round(amount, 2)
    return int(amount) if amount.is_integer() else amount


def dig(doc: Any, path: str, default: Any = None) -> Any:
    """`doc["a"]["b"]` for path "a.b"; `default` when a step is missing."""
    for key in path.split("."):
        if not isinstance(doc, Mapping) or key not in doc:
            return default
        doc = doc[key]
    return doc
