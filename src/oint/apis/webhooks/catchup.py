"""Catch-up: the events Ozon did not push, found through the Seller API and put in the inbox.

Ozon warns that new-order pushes may come late (or, when a receiver was down past Ozon's resending,
never). `catch_up(client, inbox)` reads the FBS unfulfilled list (`/v4/posting/fbs/unfulfilled/list`)
and the postings whose status changed since the newest event of the inbox (`/v4/posting/fbs/list`,
filtered by `last_changed_status_date`, a margin before it), and for each posting puts:
- `TYPE_NEW_POSTING` when the inbox has none for it (its key is the posting's: a late push of it is
  then a duplicate);
- `TYPE_POSTING_CANCELLED` for a cancelled posting the inbox has no cancellation of;
- `TYPE_STATE_CHANGED` when no event of the inbox brought the posting to its current status (push
  statuses compared with the API's through Ozon's table of the two, `API_STATUS`). Its key has no
  date (the lists do not give one); a push of the same change that comes later is counted as its
  duplicate (`Event.twin`).
Events made here are stored with the source `catch-up` and delivered like any other.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from oint.apis.webhooks.events import Event, from_mapping
from oint.apis.webhooks.inbox import CATCH_UP, Inbox

UNFULFILLED: Final = "/v4/posting/fbs/unfulfilled/list"
POSTINGS: Final = "/v4/posting/fbs/list"
MARGIN: Final = 600.0  # seconds before the newest event the changed postings are read from
WINDOW_DAYS: Final = 30  # postings created this many days back are looked at
FIRST_LOOK: Final = 86_400.0  # an empty inbox: the changes of the last day

# Ozon's table "Seller API status -> push model status" (push documentation, §10.3), read backwards
API_STATUS: Final[dict[str, str]] = {
    "posting_acceptance_in_progress": "acceptance_in_progress",
    "posting_created": "awaiting_packaging",
    "posting_awaiting_registration": "awaiting_registration",
    "posting_transferring_to_delivery": "awaiting_deliver",
    "posting_in_carriage": "awaiting_deliver",
    "posting_not_in_carriage": "awaiting_deliver",
    "posting_in_arbitration": "arbitration",
    "posting_in_client_arbitration": "client_arbitration",
    "posting_on_way_to_city": "delivering",
    "posting_transferred_to_courier_service": "delivering",
    "posting_in_courier_service": "delivering",
    "posting_on_way_to_pickup_point": "delivering",
    "posting_in_pickup_point": "delivering",
    "posting_conditionally_delivered": "delivering",
    "posting_driver_pick_up": "driver_pickup",
    "posting_delivered": "delivered",
    "posting_received": "delivered",
    "posting_canceled": "cancelled",
    "posting_not_in_sort_center": "not_accepted",
}
# the push status catch-up names for an API status (the first of Ozon's table), and the statuses a
# new posting starts in (no status change to emit for them)
PUSH_STATUS: Final[dict[str, str]] = {}
for _push, _api in API_STATUS.items():
    PUSH_STATUS.setdefault(_api, _push)
PUSH_STATUS["awaiting_approve"] = "posting_created"
STARTING: Final = frozenset({"awaiting_packaging", "awaiting_approve", "acceptance_in_progress"})


@dataclass
class CatchUpReport:
    """What one catch-up read and added."""

    postings: int = 0
    added: list[str] = field(default_factory=list)  # keys of the events put in the inbox

    def summary(self) -> dict[str, Any]:
        by_type: dict[str, int] = {}
        for key in self.added:
            kind = key.split("|", 1)[0]
            by_type[kind] = by_type.get(kind, 0) + 1
        return {"postings_read": self.postings, "events_added": len(self.added), "by_type": by_type}


def _iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _posting_fields(posting: Mapping[str, Any]) -> dict[str, Any]:
    method = posting.get("delivery_method") or {}
    fields: dict[str, Any] = {"posting_number": posting["posting_number"]}
    if method.get("warehouse_id"):
        fields["warehouse_id"] = method["warehouse_id"]
    return fields


def _products(posting: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"sku": p.get("sku"), "quantity": p.get("quantity"), "offer_id": p.get("offer_id", "")}
        for p in posting.get("products") or ()
    ]


def new_posting(posting: Mapping[str, Any]) -> Event:
    """The `TYPE_NEW_POSTING` Ozon would have pushed for a posting of the Seller API's lists."""
    doc: dict[str, Any] = {"message_type": "TYPE_NEW_POSTING", **_posting_fields(posting)}
    doc["products"] = _products(posting)
    for name in ("in_process_at", "shipment_date", "tracking_number", "is_express"):
        if posting.get(name) not in (None, ""):
            doc[name] = posting[name]
    tpl = (posting.get("delivery_method") or {}).get("tpl_provider")
    if tpl:
        doc["tpl_integration_type"] = "ozon" if str(tpl).lower() == "ozon" else str(tpl)
    return from_mapping(doc)


def cancelled(posting: Mapping[str, Any]) -> Event:
    doc: dict[str, Any] = {"message_type": "TYPE_POSTING_CANCELLED", **_posting_fields(posting)}
    doc["products"] = _products(posting)
    doc["new_state"] = "posting_canceled"
    reason = posting.get("cancellation") or {}
    if reason.get("cancel_reason_id") is not None:
        doc["reason"] = {"id": reason.get("cancel_reason_id"), "message": reason.get("cancel_reason", "")}
    return from_mapping(doc)


def push_status(posting: Mapping[str, Any]) -> str:
    """The push model's status of a posting: its `substatus` when that is one, else the first
    push status of its API status."""
    sub = str(posting.get("substatus") or "")
    if sub in API_STATUS and API_STATUS[sub] == posting.get("status"):
        return sub
    status = str(posting.get("status") or "")
    return PUSH_STATUS.get(status, f"posting_{status}")


def state_changed(posting: Mapping[str, Any]) -> Event:
    doc = {
        "message_type": "TYPE_STATE_CHANGED",
        **_posting_fields(posting),
        "new_state": push_status(posting),
    }
    return from_mapping(doc)


def _known(inbox_events: list[tuple[str, str]]) -> tuple[bool, bool, set[str]]:
    """(has a new-posting event, has a cancellation, the API statuses its events brought it to)."""
    new = any(t == "TYPE_NEW_POSTING" for t, _ in inbox_events)
    gone = any(t == "TYPE_POSTING_CANCELLED" for t, _ in inbox_events)
    reached: set[str] = set()
    for message_type, body in inbox_events:
        if message_type in ("TYPE_STATE_CHANGED", "TYPE_POSTING_CANCELLED"):
            state = json.loads(body).get("new_state")
            if isinstance(state, str):
                reached.add(API_STATUS.get(state, state))
        if message_type == "TYPE_POSTING_CANCELLED":
            reached.add("cancelled")
    return new, gone, reached


def missing_events(postings: Iterable[Mapping[str, Any]], inbox: Inbox) -> tuple[int, list[Event]]:
    """The events the inbox lacks for these postings (see the module's docstring)."""
    known = inbox.posting_events()
    seen: set[str] = set()
    events: list[Event] = []
    count = 0
    for posting in postings:
        number = posting.get("posting_number")
        if not isinstance(number, str) or not number or number in seen:
            continue
        seen.add(number)
        count += 1
        has_new, has_cancel, reached = _known(known.get(number, []))
        status = str(posting.get("status") or "")
        if not has_new:
            events.append(new_posting(posting))
        if status == "cancelled":
            if not has_cancel:
                events.append(cancelled(posting))
        elif status and status not in STARTING and status not in reached:
            events.append(state_changed(posting))
    return count, events


def catch_up(client: Any, inbox: Inbox, *, now: float | None = None) -> CatchUpReport:
    """Read the unfulfilled list and the postings changed since the newest event (through `client`,
    a `SellerClient` or any client of this library), put what the inbox lacks; the report."""
    now = inbox.clock() if now is None else now
    last = inbox.last_received()
    since = now - FIRST_LOOK if last is None else min(last, now) - MARGIN
    postings: list[Mapping[str, Any]] = list(client.iter_items(UNFULFILLED, {"limit": 100}))
    changed_filter = {
        "since": _iso(now - WINDOW_DAYS * 86_400),
        "to": _iso(now + 86_400),
        "last_changed_status_date": {"from": _iso(since), "to": _iso(now + 86_400)},
    }
    postings += list(client.iter_items(POSTINGS, {"filter": changed_filter, "limit": 100}))
    count, events = missing_events(postings, inbox)
    report = CatchUpReport(postings=count)
    for event in events:
        if inbox.put(event, CATCH_UP):
            report.added.append(event.key)
    return report
