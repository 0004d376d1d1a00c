"""Ozon's push notifications, received: typed events (`events`), the durable inbox (`inbox`), the
ASGI receiver (`receiver`), delivery to the seller's code (`delivery`), catch-up through the Seller
API (`catchup`). `app(...)` puts them together; the public names are re-exported by `oint.webhooks`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from oint.apis.webhooks.delivery import (
    CommandSink,
    Deliverer,
    ForwardSink,
    Handler,
    RetryPlan,
    Sink,
    python_sink,
)
from oint.apis.webhooks.inbox import Inbox, open_inbox
from oint.apis.webhooks.receiver import OZON_NETWORKS, Receiver, SourceCheck
from oint.core.errors import UsageError

DEFAULT_INBOX = "oint-webhooks.db"


def make_sink(
    handler: Handler | None = None, exec_command: str | None = None, forward: str | None = None
) -> Sink | None:
    """The one sink named (None when none is: events are only stored)."""
    chosen = [
        name for name, value in (("handler", handler), ("exec", exec_command), ("forward", forward)) if value
    ]
    if len(chosen) > 1:
        raise UsageError(f"--{chosen[0]} and --{chosen[1]} exclude each other: one way of delivery")
    if handler is not None:
        return python_sink(handler)
    if exec_command is not None:
        return CommandSink(exec_command)
    if forward is not None:
        return ForwardSink(forward)
    return None


def app(
    inbox: Inbox | str | Path = DEFAULT_INBOX,
    *,
    handler: Handler | None = None,
    exec_command: str | None = None,
    forward: str | None = None,
    allow_from: Sequence[str] = OZON_NETWORKS,
    trusted_proxies: Sequence[str] = (),
    workers: int = 4,
    lease: float = 60.0,
    retry: RetryPlan | None = None,
    catch_up_client: Any = None,
    catch_up_every: float | None = None,
    name: str = "oint",
) -> Receiver:
    """The receiver as an ASGI application: `uvicorn.run(oint.webhooks.app("inbox.db", handler=f))`,
    or mounted in any ASGI framework. `inbox` is a SQLite file, a `postgresql://` URL or an `Inbox`;
    one of `handler` (a function of an `Event`, or `Handlers`), `exec_command` (a shell command given
    the JSON on stdin) or `forward` (a URL) receives each event after the answer; without any, events
    are only stored. `catch_up_client` (a Seller API client) with `catch_up_every` seconds runs
    catch-up in the background."""
    store = inbox if isinstance(inbox, Inbox) else open_inbox(inbox)
    sink = make_sink(handler, exec_command, forward)
    deliverer = None if sink is None else Deliverer(store, sink, workers=workers, lease=lease, retry=retry)
    background: list[Callable[[threading.Event], None]] = []
    if catch_up_every is not None:
        if catch_up_client is None:
            raise UsageError("catch-up needs a Seller API client")
        if catch_up_every <= 0:
            raise UsageError("--catch-up-every: greater than 0 seconds")
        background.append(_catch_up_loop(catch_up_client, store, catch_up_every, deliverer))
    receiver = Receiver(
        store, deliverer, source=SourceCheck(allow_from, trusted_proxies), name=name, background=background
    )
    return receiver


def _catch_up_loop(
    client: Any, inbox: Inbox, every: float, deliverer: Deliverer | None
) -> Callable[[threading.Event], None]:

    from oint.apis.webhooks.catchup import catch_up

    log = logging.getLogger("oint.webhooks")

    def loop(stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                report = catch_up(client, inbox)
                if report.added:
                    log.info("catch-up added %d event(s)", len(report.added))
                    if deliverer is not None:
                        deliverer.wake()
            except Exception as e:
                log.error("catch-up: %s: %s", e.__class__.__name__, e)
            stopping.wait(every)

    return loop
