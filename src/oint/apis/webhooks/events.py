"""Ozon's push notifications as typed events: one parser from a push's JSON to an `Event`.

Field lists are Ozon's push documentation (reference/ozon-api-facts.md §10.3): each known
`message_type` has a `TypedDict` of its fields (`NewPosting`, `StateChanged`, ...) and the fields it
cannot do without (`REQUIRED`); a push of a type not listed here is kept as it came (`known` False),
never dropped. `parse` refuses only what no type could be: not JSON, not an object, no
`message_type`, or a known type without one of its required fields (`MalformedPush`, which the
receiver answers 400 `ERROR_PARAMETER_VALUE_MISSED`).

Each event carries its idempotency key (`event_key`) and its ordering group (`event_group`):
- the key is `uuid:<uuid>` when Ozon sends a `uuid` (its newer types do, for de-duplication);
  otherwise the message type with the fields that tell one occurrence from another: a posting is
  new once and cancelled once (`posting_number`); a status change is the posting, the new state and
  its date; a date change, the posting and the new dates; a product push, the product, the offer,
  `changed_at` and `is_error`; a chat push, its message (and `updated_at` for an edit, the last read
  message for a read); anything else (stock changes, unknown types), a digest of the whole body in
  canonical form. Ozon's resending carries the same body, so a resent push has the same key; so does
  the event `oint webhooks catch-up` makes for a posting Ozon did not push.
- the group is what delivery keeps in order: `posting:<number>`, `chat:<id>`, `product:<id>`;
  events of no posting, chat or product are in no order (their group is their key).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypedDict, Union

if sys.version_info >= (3, 11):
    from typing import NotRequired
else:
    from typing_extensions import NotRequired

PING: Final = "TYPE_PING"


class PostingProduct(TypedDict):
    sku: int
    quantity: int
    offer_id: NotRequired[str]


class CancelReason(TypedDict):
    id: int
    message: str


class ChatUser(TypedDict):
    id: str
    type: str


class StockLevel(TypedDict):
    warehouse_id: int
    present: int
    reserved: int


class StockItem(TypedDict):
    product_id: int
    sku: int
    updated_at: str
    stocks: list[StockLevel]


class Ping(TypedDict):
    message_type: str
    time: str


class NewPosting(TypedDict):
    message_type: str
    posting_number: str
    products: list[PostingProduct]
    in_process_at: NotRequired[str]
    warehouse_id: NotRequired[int]
    shipment_date: NotRequired[str]
    tpl_integration_type: NotRequired[str]
    is_express: NotRequired[bool]
    tracking_number: NotRequired[str]
    delivery_date_begin: NotRequired[str]
    delivery_date_end: NotRequired[str]
    seller_id: NotRequired[int]


class PostingCancelled(TypedDict):
    message_type: str
    posting_number: str
    products: NotRequired[list[PostingProduct]]
    old_state: NotRequired[str]
    new_state: NotRequired[str]
    changed_state_date: NotRequired[str]
    reason: NotRequired[CancelReason]
    warehouse_id: NotRequired[int]
    seller_id: NotRequired[int]


class StateChanged(TypedDict):
    message_type: str
    posting_number: str
    new_state: str
    changed_state_date: NotRequired[str]
    warehouse_id: NotRequired[int]
    seller_id: NotRequired[int]


class PostingShipped(TypedDict):
    message_type: str
    posting_number: str
    warehouse_id: NotRequired[int]
    seller_id: NotRequired[int]


class CutoffDateChanged(TypedDict):
    message_type: str
    posting_number: str
    new_cutoff_date: NotRequired[str]  # empty when the delivery interval was deleted
    old_cutoff_date: NotRequired[str]
    warehouse_id: NotRequired[int]
    seller_id: NotRequired[int]


class DeliveryDateChanged(TypedDict):
    message_type: str
    posting_number: str
    new_delivery_date_begin: NotRequired[str]
    new_delivery_date_end: NotRequired[str]
    old_delivery_date_begin: NotRequired[str]
    old_delivery_date_end: NotRequired[str]
    warehouse_id: NotRequired[int]
    seller_id: NotRequired[int]


class ItemChanged(TypedDict):
    """TYPE_CREATE_OR_UPDATE_ITEM, and the retired TYPE_CREATE_ITEM / TYPE_UPDATE_ITEM."""

    message_type: str
    product_id: int
    offer_id: NotRequired[str]
    is_error: NotRequired[bool]
    changed_at: NotRequired[str]
    seller_id: NotRequired[int]


class StocksChanged(TypedDict):
    message_type: str
    items: list[StockItem]
    seller_id: NotRequired[int]


class ChatMessage(TypedDict):
    """TYPE_NEW_MESSAGE and TYPE_UPDATE_MESSAGE (which adds `updated_at`)."""

    message_type: str
    chat_id: str
    message_id: str
    chat_type: NotRequired[str]
    created_at: NotRequired[str]
    updated_at: NotRequired[str]
    user: NotRequired[ChatUser]
    data: NotRequired[list[str]]
    seller_id: NotRequired[int | str]  # Ozon's examples send it as a string


class MessageRead(TypedDict):
    message_type: str
    chat_id: str
    last_read_message_id: str
    chat_type: NotRequired[str]
    message_id: NotRequired[str]
    created_at: NotRequired[str]
    user: NotRequired[ChatUser]
    seller_id: NotRequired[int | str]


class ChatClosed(TypedDict):
    message_type: str
    chat_id: str
    chat_type: NotRequired[str]
    user: NotRequired[ChatUser]
    seller_id: NotRequired[int | str]


Payload = Union[  # noqa: UP007 (a runtime alias on Python 3.10)
    Ping,
    NewPosting,
    PostingCancelled,
    StateChanged,
    PostingShipped,
    CutoffDateChanged,
    DeliveryDateChanged,
    ItemChanged,
    StocksChanged,
    ChatMessage,
    MessageRead,
    ChatClosed,
    dict[str, Any],
]

# message_type -> (its TypedDict, the fields a push of it cannot do without)
TYPES: Final[dict[str, tuple[type, tuple[str, ...]]]] = {
    PING: (Ping, ("time",)),
    "TYPE_NEW_POSTING": (NewPosting, ("posting_number", "products")),
    "TYPE_POSTING_CANCELLED": (PostingCancelled, ("posting_number",)),
    "TYPE_STATE_CHANGED": (StateChanged, ("posting_number", "new_state")),
    "TYPE_POSTING_SHIPPED": (PostingShipped, ("posting_number",)),
    "TYPE_CUTOFF_DATE_CHANGED": (CutoffDateChanged, ("posting_number",)),
    "TYPE_DELIVERY_DATE_CHANGED": (DeliveryDateChanged, ("posting_number",)),
    "TYPE_CREATE_OR_UPDATE_ITEM": (ItemChanged, ("product_id",)),
    "TYPE_CREATE_ITEM": (ItemChanged, ("product_id",)),
    "TYPE_UPDATE_ITEM": (ItemChanged, ("product_id",)),
    "TYPE_STOCKS_CHANGED": (StocksChanged, ("items",)),
    "TYPE_NEW_MESSAGE": (ChatMessage, ("chat_id", "message_id")),
    "TYPE_UPDATE_MESSAGE": (ChatMessage, ("chat_id", "message_id")),
    "TYPE_MESSAGE_READ": (MessageRead, ("chat_id", "last_read_message_id")),
    "TYPE_CHAT_CLOSED": (ChatClosed, ("chat_id",)),
}
KNOWN_TYPES: Final = tuple(TYPES)

# the fields besides message_type that make a push's key, per type (see the module's docstring)
_KEY_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "TYPE_NEW_POSTING": ("posting_number",),
    "TYPE_POSTING_CANCELLED": ("posting_number",),
    "TYPE_POSTING_SHIPPED": ("posting_number",),
    "TYPE_STATE_CHANGED": ("posting_number", "new_state", "changed_state_date"),
    "TYPE_CUTOFF_DATE_CHANGED": ("posting_number", "new_cutoff_date"),
    "TYPE_DELIVERY_DATE_CHANGED": ("posting_number", "new_delivery_date_begin", "new_delivery_date_end"),
    "TYPE_CREATE_OR_UPDATE_ITEM": ("product_id", "offer_id", "changed_at", "is_error"),
    "TYPE_CREATE_ITEM": ("product_id", "offer_id", "changed_at", "is_error"),
    "TYPE_UPDATE_ITEM": ("product_id", "offer_id", "changed_at", "is_error"),
    "TYPE_NEW_MESSAGE": ("chat_id", "message_id"),
    "TYPE_UPDATE_MESSAGE": ("chat_id", "message_id", "updated_at"),
    "TYPE_MESSAGE_READ": ("chat_id", "last_read_message_id"),
    "TYPE_CHAT_CLOSED": ("chat_id",),
}


class MalformedPush(ValueError):
    """A push no type could be: the receiver answers 400 with Ozon's error body (`code`)."""

    def __init__(self, message: str, code: str = "ERROR_PARAMETER_VALUE_MISSED") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Event:
    """One push: its type, its fields as they came (`payload`, typed by `message_type`), whether
    the type is one this module knows, its idempotency key and its ordering group."""

    message_type: str
    payload: Payload
    known: bool
    key: str
    group: str

    @property
    def posting_number(self) -> str | None:
        value = self.payload.get("posting_number")
        return value if isinstance(value, str) else None

    @property
    def twin(self) -> str | None:
        """The key of the same status change as `oint webhooks catch-up` makes it (without the
        date, which the Seller API's lists do not give): when the inbox has that one, this push is
        a duplicate of it. None for other types."""
        if self.message_type != "TYPE_STATE_CHANGED" or not self.payload.get("changed_state_date"):
            return None
        return event_key({**self.payload, "changed_state_date": None, "uuid": None})

    def json(self) -> str:
        """The payload as compact JSON (what the inbox keeps and the sinks are given)."""
        return canonical(self.payload)


def canonical(value: Any) -> str:
    """`value` as JSON with sorted keys and no spaces: equal documents give equal text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _digest(value: Any) -> str:
    return hashlib.sha256(canonical(value).encode()).hexdigest()[:32]


def _key_part(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("|", "||")  # '|' separates the parts: doubled inside one
    return canonical(value)


def event_key(doc: Mapping[str, Any]) -> str:
    """The idempotency key of a push (rules in the module's docstring)."""
    uuid = doc.get("uuid")
    if isinstance(uuid, str) and uuid:
        return f"uuid:{uuid}"
    message_type = str(doc.get("message_type"))
    fields = _KEY_FIELDS.get(message_type)
    if fields is None:
        return f"{message_type}|sha256:{_digest(doc)}"
    return "|".join([message_type, *(_key_part(doc.get(name)) for name in fields)])


def event_group(doc: Mapping[str, Any], key: str) -> str:
    """The ordering group of a push: its posting, chat or product; else its own key."""
    for field, prefix in (("posting_number", "posting"), ("chat_id", "chat"), ("product_id", "product")):
        value = doc.get(field)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return f"{prefix}:{value}"
    return key


def from_mapping(doc: Mapping[str, Any]) -> Event:
    """The event of an already decoded push (MalformedPush when it is none)."""
    message_type = doc.get("message_type")
    if not isinstance(message_type, str) or not message_type:
        raise MalformedPush("message_type: a push names its type (a non-empty string)")
    spec = TYPES.get(message_type)
    if spec is not None:
        missing = [name for name in spec[1] if doc.get(name) in (None, "")]
        if missing:
            raise MalformedPush(f"{message_type}: missing {', '.join(missing)}")
    payload: dict[str, Any] = dict(doc)
    key = event_key(payload)
    return Event(message_type, payload, spec is not None, key, event_group(payload, key))


def parse(body: bytes | str | Mapping[str, Any]) -> Event:
    """A push's body (bytes, text or a decoded object) -> its `Event`; `MalformedPush` when it is
    not JSON, not an object, or lacks what its type needs."""
    if isinstance(body, Mapping):
        return from_mapping(body)
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, ValueError) as e:
        raise MalformedPush(f"the body is not JSON ({e.__class__.__name__})") from None
    if not isinstance(doc, dict):
        raise MalformedPush("the body is not a JSON object")
    return from_mapping(doc)
