"""Ozon's pushes parsed into typed events (oint.webhooks, issue 17): every documented type, unknown
types kept, malformed bodies refused, idempotency keys and ordering groups; property tests."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oint.webhooks import KNOWN_TYPES, Event, MalformedPush, event_key, parse

# the examples of Ozon's push documentation (reference/ozon-api-facts.md §10.3), one per type
EXAMPLES: dict[str, dict[str, Any]] = {
    "TYPE_PING": {"message_type": "TYPE_PING", "time": "2019-08-24T14:15:22Z"},
    "TYPE_NEW_POSTING": {
        "message_type": "TYPE_NEW_POSTING",
        "posting_number": "24319409-0021-1",
        "products": [{"sku": 147451939, "offer_id": "", "quantity": 1}],
        "in_process_at": "2021-01-26T06:56:36.294Z",
        "warehouse_id": 12850503335000,
        "shipment_date": "2021-01-26T06:56:36.294Z",
        "tpl_integration_type": "3pl_tracking",
        "is_express": False,
        "tracking_number": "ZZV-23",
        "seller_id": 1,
    },
    "TYPE_POSTING_CANCELLED": {
        "message_type": "TYPE_POSTING_CANCELLED",
        "posting_number": "24219509-0020-1",
        "products": [{"sku": 147451959, "quantity": 1}],
        "old_state": "posting_transferred_to_courier_service",
        "new_state": "posting_canceled",
        "changed_state_date": "2021-01-26T06:56:36.294Z",
        "reason": {"id": 0, "message": "string"},
        "warehouse_id": 0,
        "seller_id": 15,
    },
    "TYPE_STATE_CHANGED": {
        "message_type": "TYPE_STATE_CHANGED",
        "posting_number": "24219509-0020-2",
        "new_state": "posting_delivered",
        "changed_state_date": "2021-02-02T15:07:46.765Z",
        "warehouse_id": 0,
        "seller_id": 15,
    },
    "TYPE_CUTOFF_DATE_CHANGED": {
        "message_type": "TYPE_CUTOFF_DATE_CHANGED",
        "posting_number": "24219509-0020-2",
        "new_cutoff_date": "2021-11-24T07:00:00Z",
        "old_cutoff_date": "2021-11-21T10:00:00Z",
        "warehouse_id": 0,
        "seller_id": 15,
    },
    "TYPE_DELIVERY_DATE_CHANGED": {
        "message_type": "TYPE_DELIVERY_DATE_CHANGED",
        "posting_number": "24219509-0020-2",
        "new_delivery_date_begin": "2021-11-24T07:00:00Z",
        "new_delivery_date_end": "2021-11-24T16:00:00Z",
        "old_delivery_date_begin": "2021-11-21T10:00:00Z",
        "old_delivery_date_end": "2021-11-21T19:00:00Z",
        "warehouse_id": 0,
        "seller_id": 15,
    },
    "TYPE_CREATE_OR_UPDATE_ITEM": {
        "message_type": "TYPE_CREATE_OR_UPDATE_ITEM",
        "seller_id": 0,
        "offer_id": "string",
        "product_id": 1,
        "is_error": False,
        "changed_at": "2022-09-01T14:15:22Z",
    },
    "TYPE_STOCKS_CHANGED": {
        "message_type": "TYPE_STOCKS_CHANGED",
        "seller_id": 0,
        "items": [
            {
                "product_id": 1,
                "sku": 2,
                "updated_at": "2021-09-01T14:15:22Z",
                "stocks": [{"warehouse_id": 3, "present": 4, "reserved": 0}],
            }
        ],
    },
    "TYPE_NEW_MESSAGE": {
        "message_type": "TYPE_NEW_MESSAGE",
        "chat_id": "b646d975-0c9c-4872-9f41-8b1e57181063",
        "chat_type": "Buyer_Seller",
        "message_id": "3000000000817031942",
        "created_at": "2022-07-18T20:58:04.528Z",
        "user": {"id": "115568", "type": "Customer"},
        "data": ["Message text"],
        "seller_id": "7",
    },
    "TYPE_MESSAGE_READ": {
        "message_type": "TYPE_MESSAGE_READ",
        "chat_id": "b646d975-0c9c-4872-9f41-8b1e57181063",
        "chat_type": "Buyer_Seller",
        "message_id": "3000000000817031942",
        "created_at": "2022-07-18T20:58:04.528Z",
        "user": {"id": "115568", "type": "Customer"},
        "last_read_message_id": "3000000000817031942",
        "seller_id": "7",
    },
    "TYPE_CHAT_CLOSED": {
        "message_type": "TYPE_CHAT_CLOSED",
        "chat_id": "b646d975-0c9c-4872-9f41-8b1e57181063",
        "chat_type": "Buyer_Seller",
        "user": {"id": "115568", "type": "Customer"},
        "seller_id": "7",
    },
}


@pytest.mark.parametrize("message_type", sorted(EXAMPLES))
def test_every_documented_example_parses_to_its_type(message_type: str) -> None:
    doc = EXAMPLES[message_type]
    event = parse(json.dumps(doc).encode())
    assert event.message_type == message_type and event.known
    assert event.payload == doc  # nothing dropped, nothing added
    assert parse(event.json()) == event  # the stored form reads back as the same event


def test_groups_keep_a_postings_events_together_and_stock_changes_apart() -> None:
    posting = [parse(EXAMPLES[t]) for t in ("TYPE_STATE_CHANGED", "TYPE_CUTOFF_DATE_CHANGED")]
    assert {e.group for e in posting} == {"posting:24219509-0020-2"}
    assert parse(EXAMPLES["TYPE_NEW_MESSAGE"]).group == "chat:b646d975-0c9c-4872-9f41-8b1e57181063"
    assert parse(EXAMPLES["TYPE_CREATE_OR_UPDATE_ITEM"]).group == "product:1"
    stocks = parse(EXAMPLES["TYPE_STOCKS_CHANGED"])
    assert stocks.group == stocks.key  # in no order with other events


def test_keys_tell_occurrences_apart() -> None:
    state = EXAMPLES["TYPE_STATE_CHANGED"]
    assert event_key(state) == event_key(dict(reversed(list(state.items()))))  # field order is no matter
    later = {**state, "changed_state_date": "2021-02-03T00:00:00Z"}
    assert event_key(later) != event_key(state)
    other_state = {**state, "new_state": "posting_received"}
    assert event_key(other_state) != event_key(state)
    # a posting is new once: a resent push with another in_process_at is the same event
    new = EXAMPLES["TYPE_NEW_POSTING"]
    assert event_key({**new, "in_process_at": "2021-01-27T00:00:00Z"}) == event_key(new)
    assert event_key({**new, "uuid": "u-1"}) == "uuid:u-1"  # Ozon's own id wins


def test_a_status_change_without_its_date_is_the_twin_of_the_pushed_one() -> None:
    pushed = parse(EXAMPLES["TYPE_STATE_CHANGED"])
    caught = parse({k: v for k, v in EXAMPLES["TYPE_STATE_CHANGED"].items() if k != "changed_state_date"})
    assert pushed.twin == caught.key and caught.twin is None


def test_an_unknown_type_is_kept_raw() -> None:
    doc = {"message_type": "TYPE_NEW_FBO_ORDER", "uuid": "7f1c", "order": {"id": 5}}
    event = parse(json.dumps(doc))
    assert not event.known and event.payload == doc and event.key == "uuid:7f1c"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"{}", "message_type"),
        (b'{"message_type": 5}', "message_type"),
        (b'{"message_type": "TYPE_NEW_POSTING", "products": []}', "posting_number"),
        (b'{"message_type": "TYPE_STATE_CHANGED", "posting_number": "1-1-1"}', "new_state"),
        (b'{"message_type": "TYPE_PING"}', "time"),
    ],
)
def test_malformed_pushes_are_refused(body: bytes, words: str) -> None:
    with pytest.raises(MalformedPush, match=words) as caught:
        parse(body)
    assert caught.value.code == "ERROR_PARAMETER_VALUE_MISSED"


# ------------------------------------------------------------------ properties
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def pushes(draw: st.DrawFn) -> dict[str, Any]:
    """A documented example with extra fields and changed values, or a push of an unknown type."""
    if draw(st.booleans()):
        doc = dict(EXAMPLES[draw(st.sampled_from(sorted(EXAMPLES)))])
    else:
        doc = {"message_type": "TYPE_" + draw(st.text("ABCXYZ_", min_size=1, max_size=10))}
    extra = draw(st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=4))
    doc.update({k: v for k, v in extra.items() if k != "message_type"})
    return doc


@settings(max_examples=300, deadline=None)
@given(pushes())
def test_parse_never_drops_a_field_and_keys_are_stable(doc: dict[str, Any]) -> None:
    try:
        event = parse(json.dumps(doc))
    except MalformedPush:
        spec_fields = {"TYPE_PING": ("time",)}.get(doc["message_type"], ())
        assert doc["message_type"] in KNOWN_TYPES  # only a known type can lack a required field
        assert spec_fields == () or any(doc.get(f) in (None, "") for f in spec_fields)
        return
    assert event.payload == doc
    assert event.known == (doc["message_type"] in KNOWN_TYPES)
    again = parse(event.json())
    assert (again.key, again.group, again.payload) == (event.key, event.group, event.payload)
    assert event.key == event_key(dict(reversed(list(doc.items()))))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
def test_parse_of_any_bytes_is_an_event_or_malformed(body: bytes) -> None:
    try:
        event = parse(body)
    except MalformedPush as e:
        assert e.code == "ERROR_PARAMETER_VALUE_MISSED"
    else:
        assert isinstance(event, Event) and event.payload == json.loads(body)
        assert event.message_type == event.payload["message_type"] != ""
