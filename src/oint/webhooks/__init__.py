"""Ozon's push notifications: a receiver that never loses an event.

    from oint import webhooks

    hooks = webhooks.Handlers()

    @hooks.on("TYPE_NEW_POSTING")
    def new_order(event: webhooks.Event) -> None:
        print(event.posting_number)

    app = webhooks.app("inbox.db", handler=hooks, allow_from=["127.0.0.1/32"])  # any ASGI server runs it

The same from the command line: `oint webhooks serve --handler mymodule:hooks`.
"""

from __future__ import annotations

from oint.apis.webhooks import DEFAULT_INBOX, app, make_sink
from oint.apis.webhooks.catchup import CatchUpReport, catch_up
from oint.apis.webhooks.delivery import (
    CommandSink,
    Deliverer,
    DeliveryFailed,
    ForwardSink,
    Handlers,
    RetryPlan,
    load_handler,
    python_sink,
)
from oint.apis.webhooks.events import (
    KNOWN_TYPES,
    PING,
    ChatClosed,
    ChatMessage,
    CutoffDateChanged,
    DeliveryDateChanged,
    Event,
    ItemChanged,
    MalformedPush,
    MessageRead,
    NewPosting,
    Ping,
    PostingCancelled,
    PostingShipped,
    StateChanged,
    StocksChanged,
    event_key,
    parse,
)
from oint.apis.webhooks.inbox import Inbox, PostgresInbox, SQLiteInbox, StoredEvent, open_inbox
from oint.apis.webhooks.receiver import OZON_NETWORKS, Receiver, SourceCheck

__all__ = [
    "DEFAULT_INBOX",
    "KNOWN_TYPES",
    "OZON_NETWORKS",
    "PING",
    "CatchUpReport",
    "ChatClosed",
    "ChatMessage",
    "CommandSink",
    "CutoffDateChanged",
    "Deliverer",
    "DeliveryDateChanged",
    "DeliveryFailed",
    "Event",
    "ForwardSink",
    "Handlers",
    "Inbox",
    "ItemChanged",
    "MalformedPush",
    "MessageRead",
    "NewPosting",
    "Ping",
    "PostgresInbox",
    "PostingCancelled",
    "PostingShipped",
    "Receiver",
    "RetryPlan",
    "SQLiteInbox",
    "SourceCheck",
    "StateChanged",
    "StocksChanged",
    "StoredEvent",
    "app",
    "catch_up",
    "event_key",
    "load_handler",
    "make_sink",
    "open_inbox",
    "parse",
    "python_sink",
]
