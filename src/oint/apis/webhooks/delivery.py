"""Delivery of the inbox's events to the seller's code, at least once and in order per posting.

A sink takes one event and raises on failure: a Python function (`python_sink`; `Handlers` is the
decorator API, one function per message type), a shell command fed the event's JSON on stdin
(`CommandSink`, exit 0 is success), or an HTTP forward (`ForwardSink`, a 2xx answer is success).
The `Deliverer` runs worker threads that claim events from the inbox (`Inbox.claim`: the oldest
pending event of each posting, leased), give them to the sink, and mark them delivered; a failure
is retried after a growing delay (`RetryPlan`) and, after the last attempt, parked for
`oint webhooks replay`. Delivery never runs on the receiver's answer path: the answer goes when
the event is committed, the deliverer is only woken.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from oint.apis.webhooks.events import Event
from oint.apis.webhooks.inbox import Inbox, StoredEvent
from oint.core.errors import UsageError
from oint.core.lazy import load_module

log = logging.getLogger("oint.webhooks")

Handler = Callable[[Event], Any]
Sink = Callable[[StoredEvent], None]


class DeliveryFailed(Exception):
    """A sink could not deliver an event (the message is kept as the event's last error)."""


class Handlers:
    """The decorator API: functions by message type, run in the order they were added.

        hooks = Handlers()

        @hooks.on("TYPE_NEW_POSTING")
        def ship(event): ...

        @hooks.on()            # every type
        def audit(event): ...

    A `Handlers` is itself a handler (`app(handler=hooks)`, `--handler pkg.mod:hooks`)."""

    def __init__(self) -> None:
        self._functions: list[tuple[frozenset[str], Handler]] = []

    def on(self, *message_types: str) -> Callable[[Handler], Handler]:
        def add(function: Handler) -> Handler:
            self._functions.append((frozenset(message_types), function))
            return function

        return add

    def __call__(self, event: Event) -> None:
        for types, function in self._functions:
            if not types or event.message_type in types:
                _run_handler(function, event)


def _run_handler(function: Handler, event: Event) -> None:
    result = function(event)
    if inspect.isawaitable(result):

        async def wait() -> Any:
            return await result

        asyncio.run(wait())


def python_sink(function: Handler) -> Sink:
    """A sink calling `function(event)` (a coroutine function is run to its end); any exception
    is a failed attempt."""

    def deliver(stored: StoredEvent) -> None:
        try:
            _run_handler(function, stored.event())
        except Exception as e:
            raise DeliveryFailed(f"{e.__class__.__name__}: {e}") from e

    return deliver


def load_handler(target: str) -> Handler:
    """`pkg.module:function` -> that function (or `Handlers`); UsageError when it is not there."""
    module_name, colon, name = target.partition(":")
    if not colon or not module_name or not name:
        raise UsageError(f"--handler {target}: expected module:function (e.g. myshop.hooks:on_event)")
    try:
        module = load_module(module_name)
    except ImportError as e:
        raise UsageError(f"--handler {target}: cannot import {module_name} ({e})") from None
    found: Any = module
    for part in name.split("."):
        found = getattr(found, part, None)
    if not callable(found):
        raise UsageError(f"--handler {target}: {module_name} has no function {name}")
    handler: Handler = found
    return handler


class CommandSink:
    """Runs `command` in the shell with the event's JSON on stdin; exit 0 is success. The event's
    id and type are in the environment (`OINT_EVENT_ID`, `OINT_EVENT_TYPE`)."""

    def __init__(self, command: str, timeout: float = 60.0) -> None:
        if not command.strip():
            raise UsageError("--exec: needs a command")
        self.command = command
        self.timeout = timeout

    def __call__(self, stored: StoredEvent) -> None:
        env = dict(os.environ, OINT_EVENT_ID=str(stored.id), OINT_EVENT_TYPE=stored.message_type)
        try:
            done = subprocess.run(
                self.command,
                shell=True,
                input=stored.body.encode(),
                capture_output=True,
                timeout=self.timeout,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise DeliveryFailed(f"the command ran over {self.timeout:g} s") from None
        except OSError as e:
            raise DeliveryFailed(f"cannot run the command: {e}") from None
        if done.returncode != 0:
            said = done.stderr.decode(errors="replace").strip().splitlines()
            last = f": {said[-1][:300]}" if said else ""
            raise DeliveryFailed(f"the command exited {done.returncode}{last}")


class ForwardSink:
    """POSTs the event's JSON to `url`; a 2xx answer is success."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--forward {url}: an http:// or https:// URL")
        import httpx

        self.url = url
        self._http = httpx.Client(timeout=timeout)

    def __call__(self, stored: StoredEvent) -> None:
        import httpx

        try:
            answer = self._http.post(
                self.url,
                content=stored.body.encode(),
                headers={"Content-Type": "application/json", "X-Oint-Event-Id": str(stored.id)},
            )
        except httpx.HTTPError as e:
            raise DeliveryFailed(f"{self.url}: {e.__class__.__name__}: {e}") from None
        if not 200 <= answer.status_code < 300:
            raise DeliveryFailed(f"{self.url} answered {answer.status_code}")

    def close(self) -> None:
        self._http.close()


@dataclass(frozen=True)
class RetryPlan:
    """After attempt n fails, wait `first * factor**(n-1)` seconds (at most `cap`); after
    `attempts` attempts the event is parked."""

    first: float = 2.0
    factor: float = 2.0
    cap: float = 600.0
    attempts: int = 10

    def delay(self, attempt: int) -> float | None:
        """The wait after the failed `attempt` (1-based), or None: park the event."""
        if attempt >= self.attempts:
            return None
        return float(min(self.cap, self.first * self.factor ** max(0, attempt - 1)))


def owner_name() -> str:
    """A name no other receiver has: host, process, random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Deliverer:
    """Worker threads taking events from the inbox to the sink (see the module's docstring)."""

    def __init__(
        self,
        inbox: Inbox,
        sink: Sink,
        *,
        workers: int = 4,
        lease: float = 60.0,
        retry: RetryPlan | None = None,
        poll: float = 1.0,
        owner: str | None = None,
    ) -> None:
        if workers < 1:
            raise UsageError("--workers: at least 1")
        if lease <= 0:
            raise UsageError("--lease: greater than 0 seconds")
        self.inbox = inbox
        self.sink = sink
        self.workers = workers
        self.lease = lease
        self.retry = retry or RetryPlan()
        self.poll = poll
        self.owner = owner or owner_name()
        self._wake = threading.Condition()
        self._woken = False
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._in_flight: set[int] = set()
        self._flight_lock = threading.Lock()
        self.delivered_count = 0
        self.failed_count = 0

    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        for n in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"oint-webhooks-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        keeper = threading.Thread(target=self._keep_leases, name="oint-webhooks-leases", daemon=True)
        keeper.start()
        self._threads.append(keeper)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking events; wait up to `timeout` for the ones being delivered."""
        self._stop.set()
        self.wake()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    def wake(self) -> None:
        """Tell the workers that an event came (they also look every `poll` seconds)."""
        with self._wake:
            self._woken = True
            self._wake.notify_all()

    def deliver_one(self) -> StoredEvent | None:
        """Claim and deliver one event in this thread (None when none was due)."""
        stored = self.inbox.claim(self.owner, self.lease)
        if stored is None:
            return None
        with self._flight_lock:
            self._in_flight.add(stored.id)
        try:
            self.sink(stored)
        except Exception as e:
            self.failed_count += 1
            wait = self.retry.delay(stored.attempts)
            reason = str(e) or e.__class__.__name__
            if wait is None:
                log.warning(
                    "event %d (%s) parked after %d attempts: %s",
                    stored.id,
                    stored.message_type,
                    stored.attempts,
                    reason,
                )
            else:
                log.info(
                    "event %d (%s) failed, retried in %.0f s: %s",
                    stored.id,
                    stored.message_type,
                    wait,
                    reason,
                )
            self.inbox.failed(stored.id, self.owner, reason, wait)
        else:
            if self.inbox.delivered(stored.id, self.owner):
                self.delivered_count += 1
        finally:
            with self._flight_lock:
                self._in_flight.discard(stored.id)
        return stored

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                found = self.deliver_one()
            except Exception as e:  # the inbox unreachable: wait and look again
                log.error("delivery: %s: %s", e.__class__.__name__, e)
                found = None
                self._stop.wait(self.poll)
            if found is None:
                with self._wake:
                    if not self._woken:
                        self._wake.wait(self.poll)
                    self._woken = False
            elif self._woken:
                self.wake()  # another worker may take the next one

    def _keep_leases(self) -> None:
        while not self._stop.wait(self.lease / 3):
            with self._flight_lock:
                ids = sorted(self._in_flight)
            try:
                self.inbox.renew(ids, self.owner, self.lease)
            except Exception as e:
                log.error("lease renewal: %s: %s", e.__class__.__name__, e)
