"""Sending the sandbox's push notifications: the thin I/O around `oint.sandbox.model.pushes`,
which decides what is due, what an answer means, when to resend and when to suspend.

- `step(sandbox, until)`: the synchronous driver (the embedded sandbox, tests, `Sandbox.push_step`):
  everything due by `until` (sandbox time; the clock's now by default) is POSTed, one at a time,
  each attempt at its own moment, resends due by then included.
- `run(sandbox, ...)`: the served sandbox's sender, an asyncio task of the ASGI app's lifespan
  (`oint sandbox serve`): every `interval` seconds it lets the marketplace catch up with the
  clock (when some account has a push URL: events happen without a request) and sends what is
  due with `httpx.AsyncClient`, accounts side by side, each account's pushes in order, each
  attempt at the clock's now (`astep`: a resend that fails again waits its gap from then).

Each attempt waits `timeout` seconds for an answer (Ozon's 5 s; `OINT_SANDBOX_PUSH_TIMEOUT`, or
`Sandbox.push_timeout`, for tests).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from oint.sandbox.guard import is_loopback
from oint.sandbox.model import pushes
from oint.sandbox.model.pushes import ANSWER_KEPT, Outcome, Outgoing

if TYPE_CHECKING:
    from oint.sandbox.core import Sandbox

INTERVAL = 0.5  # seconds between two rounds of the served sandbox's sender
HEADERS = {"content-type": "application/json", "user-agent": "oint-sandbox-push"}
log = logging.getLogger("oint.sandbox")
T = TypeVar("T")


def encode(out: Outgoing) -> bytes:
    return json.dumps(out.body, ensure_ascii=False, separators=(",", ":")).encode()


def outcome_of(
    status: int | None, seconds: float, timeout: float, error: str = "", answer: str = ""
) -> Outcome:
    """An attempt's outcome; an answer that came later than `timeout` counts as none in time."""
    if status is not None and seconds > timeout:
        error = "timeout"
    return Outcome(status, seconds, error, answer[:ANSWER_KEPT])


def _failure(e: httpx.HTTPError) -> str:
    if isinstance(e, httpx.TimeoutException):
        return "timeout"
    return f"{type(e).__name__}: {e}"[:200]


def post(client: httpx.Client, out: Outgoing, timeout: float) -> Outcome:
    """One attempt, synchronously."""
    started = time.perf_counter()
    try:
        r = client.post(out.url, content=encode(out), headers=HEADERS, timeout=timeout)
    except httpx.HTTPError as e:
        return outcome_of(None, time.perf_counter() - started, timeout, _failure(e))
    return outcome_of(r.status_code, time.perf_counter() - started, timeout, answer=r.text)


async def apost(client: httpx.AsyncClient, out: Outgoing, timeout: float) -> Outcome:
    """One attempt, on the event loop."""
    started = time.perf_counter()
    try:
        r = await client.post(out.url, content=encode(out), headers=HEADERS, timeout=timeout)
    except httpx.HTTPError as e:
        return outcome_of(None, time.perf_counter() - started, timeout, _failure(e))
    return outcome_of(r.status_code, time.perf_counter() - started, timeout, answer=r.text)


def refusal(sandbox: Sandbox, out: Outgoing) -> Outcome | None:
    """The outcome of a push the sandbox will not send: its URL's host is neither a loopback
    address nor among `sandbox.push_hosts` (when those are set: the served sandbox)."""
    allowed = sandbox.push_hosts
    if allowed is None:
        return None
    host = (httpx.URL(out.url).host or "").lower()
    if host in allowed or is_loopback(host):
        return None
    return Outcome(
        None,
        0.0,
        f"not sent: this sandbox pushes only to loopback addresses and --push-to hosts, not {host}",
        "",
    )


def take(sandbox: Sandbox, until: float, limit: int = 100) -> list[Outgoing]:
    with sandbox.store.transaction():
        return pushes.due(sandbox.store, until, limit)


def record(sandbox: Sandbox, out: Outgoing, outcome: Outcome, at: float | None = None) -> None:
    with sandbox.store.transaction():
        pushes.answered(sandbox.store, out, outcome, at)


def wanted(sandbox: Sandbox) -> bool:
    """Whether any account has a push URL (else the sender has nothing to do)."""
    with sandbox.store.transaction():
        return bool(sandbox.store.key_range("*", pushes.ACCOUNTS, limit=1))


def step(
    sandbox: Sandbox,
    until: float | None = None,
    *,
    client: httpx.Client | None = None,
    timeout: float | None = None,
) -> int:
    """Send every push due by `until` (sandbox time, the clock's now without), resends due by then
    included, in time order; the number of attempts made."""
    timeout = sandbox.push_timeout if timeout is None else timeout
    if until is None:
        if wanted(sandbox):
            sandbox.catch_up()
        until = sandbox.clock()
    own = client is None
    http = client or httpx.Client(trust_env=False)
    made = 0
    try:
        while True:  # one at a time: each attempt's outcome is known before the next is taken
            batch = take(sandbox, until, 1)
            if not batch:
                return made
            record(sandbox, batch[0], refusal(sandbox, batch[0]) or post(http, batch[0], timeout))
            made += 1
    finally:
        if own:
            http.close()


async def astep(
    sandbox: Sandbox,
    client: httpx.AsyncClient,
    until: float,
    *,
    timeout: float,
    executor: Executor | None = None,
) -> int:
    """`step` on the event loop, for a clock that runs: what is due by `until` (the sandbox's now)
    is sent, accounts side by side, each one's pushes in order, every attempt made at `until`
    (never replayed at a past moment: after a jump of the clock a failing push is not tried ten
    times at once, its next try is a gap after now). The store's work runs on `executor`."""
    loop = asyncio.get_running_loop()

    def off_loop(fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        return loop.run_in_executor(executor, fn, *args)

    made = 0
    while True:
        batch = await off_loop(take, sandbox, until)
        if not batch:
            return made
        by_account: dict[str, list[Outgoing]] = {}
        for out in batch:
            by_account.setdefault(out.client_id, []).append(out)

        async def send_all(outs: list[Outgoing]) -> None:
            for out in outs:
                outcome = refusal(sandbox, out) or await apost(client, out, timeout)
                await off_loop(record, sandbox, out, outcome, until)

        await asyncio.gather(*(send_all(outs) for outs in by_account.values()))
        made += len(batch)


async def run(
    sandbox: Sandbox,
    executor: Executor | None = None,
    interval: float = INTERVAL,
    stop: asyncio.Event | None = None,
) -> None:
    """The served sandbox's sender: rounds of catch-up and `astep` until cancelled (or `stop`)."""
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()
    async with httpx.AsyncClient(trust_env=False) as client:
        while not stop.is_set():
            try:
                if await loop.run_in_executor(executor, wanted, sandbox):
                    await loop.run_in_executor(executor, sandbox.catch_up)
                    now = await loop.run_in_executor(executor, sandbox.clock)
                    await astep(sandbox, client, now, timeout=sandbox.push_timeout, executor=executor)
            except asyncio.CancelledError:
                raise
            except Exception:  # the sender must outlive a bad round (a state file in trouble, a bug)
                log.exception("push sender: a round failed")
            try:
                await asyncio.wait_for(stop.wait(), interval)
            except asyncio.TimeoutError:
                pass
