"""Chats with buyers, minimal but stateful: a share of buyers writes about their posting
(`model/buyers.py` schedules `buyer_writes`), the seller may start a chat about a posting, lists
chats with their unread counts, reads the history, answers and marks messages read.

A chat is a document of kind "chat" (key chat_id) holding its messages in order:
{message_id, user {id, type: Customer | Seller}, created_at, text, is_read, context}.
For the web view: `chats(account)`.
"""

from __future__ import annotations

import random
from typing import Any

from oint.sandbox.errors import not_found, rejected
from oint.sandbox.model import market, pushes
from oint.sandbox.model.base import Account, int_id, route
from oint.sandbox.model.buyers import config, tables
from oint.sandbox.model.common import page_after_item, page_size
from oint.sandbox.model.fbo import POSTING as FBO_POSTING
from oint.sandbox.model.fbo import _uuid
from oint.sandbox.model.postings_fbs import get_posting

CHAT = "chat"
MAX_TEXT = 1000


def chats(account: Account) -> list[dict[str, Any]]:
    """Every chat, oldest first (stored form, with its messages)."""
    docs: list[dict[str, Any]] = account.all(CHAT)
    return docs


def _posting(account: Account, number: str) -> dict[str, Any] | None:
    doc = get_posting(account, number)
    if doc is None:
        doc = account.get(FBO_POSTING, number)
    return doc


def _chat_for(account: Account, posting: dict[str, Any]) -> dict[str, Any]:
    for doc in chats(account):
        if doc["posting_number"] == posting["posting_number"]:
            return doc
    chat_id = _uuid("chat", account.client_id, posting["posting_number"], ms=int(account.now * 1000))
    buyer = posting.get("customer", {}).get("customer_id", 0)
    doc = {
        "chat_id": chat_id,
        "chat_type": "BUYER_SELLER",
        "chat_status": "OPENED",
        "created_at": account.iso(),
        "posting_number": posting["posting_number"],
        "order_number": posting["order_number"],
        "buyer_id": str(buyer),
        "messages": [],
    }
    account.put(CHAT, chat_id, doc)
    return doc


def _say(account: Account, doc: dict[str, Any], who: str, text: str, sku: int = 0) -> int:
    message_id = account.next_id("chat_message_id", 3_000_000_001)
    user = (
        {"id": doc["buyer_id"], "type": "Customer"}
        if who == "Customer"
        else {"id": account.client_id, "type": "Seller"}
    )
    doc["messages"].append(
        {
            "message_id": message_id,
            "user": user,
            "created_at": account.iso(),
            "data": [text],
            "is_read": who == "Seller",
            "is_image": False,
            "context": {"order_number": doc["order_number"], "sku": str(sku) if sku else ""},
        }
    )
    account.put(CHAT, doc["chat_id"], doc)
    if who == "Customer":
        pushes.new_message(account, doc, doc["messages"][-1])
    return message_id


@market.action("buyer_writes")
def _buyer_writes(account: Account, data: dict[str, Any]) -> None:
    posting = _posting(account, data["posting_number"])
    if posting is None:
        return
    rng = random.Random(f"{config(account)['seed']}:{data['posting_number']}:chat")
    lines = posting.get("products") if data["scheme"] != "fbo" else posting.get("lines")
    sku = int(lines[0]["sku"]) if lines else 0
    _say(account, _chat_for(account, posting), "Customer", rng.choice(tables()["chat_messages"]), sku)


def _chat(account: Account, chat_id: Any) -> dict[str, Any]:
    doc: dict[str, Any] | None = account.get(CHAT, str(chat_id or ""))
    if doc is None:
        raise not_found("CHAT_NOT_FOUND")
    return doc


def _unread(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in doc["messages"] if not m["is_read"]]


@route("POST", "/v1/chat/start")
def chat_start(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """A chat with the buyer of a posting (the existing one if there is one)."""
    posting = _posting(account, str(body.get("posting_number") or ""))
    if posting is None:
        raise not_found("POSTING_NOT_FOUND")
    return {"result": {"chat_id": _chat_for(account, posting)["chat_id"]}}


@route("POST", "/v3/chat/list")
def chat_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Chats newest first, of a status (ALL, OPENED, CLOSED), only unread ones if asked; cursor."""
    flt = body.get("filter") or {}
    status = str(flt.get("chat_status") or "ALL").upper()
    limit = page_size(body, "ChatListV3Request", 100)
    docs = [
        d
        for d in reversed(chats(account))
        if (status in ("ALL", "UNSPECIFIED") or d["chat_status"] == status)
        and (not flt.get("unread_only") or _unread(d))
    ]
    page, has_next = page_after_item(docs, lambda d: d["chat_id"], str(body.get("cursor") or ""), limit)
    items = []
    for d in page:
        unread = _unread(d)
        items.append(
            {
                "chat": {
                    "chat_id": d["chat_id"],
                    "chat_status": d["chat_status"],
                    "chat_type": d["chat_type"],
                    "created_at": d["created_at"],
                },
                "first_unread_message_id": unread[0]["message_id"] if unread else 0,
                "last_message_id": d["messages"][-1]["message_id"] if d["messages"] else 0,
                "unread_count": len(unread),
            }
        )
    return {
        "chats": items,
        "total_unread_count": sum(len(_unread(d)) for d in chats(account)),
        "cursor": page[-1]["chat_id"] if page and has_next else "",
        "has_next": has_next,
    }


@route("POST", "/v3/chat/history")
def chat_history(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Messages of a chat from `from_message_id` (Backward: the newest first, by default), `limit`."""
    doc = _chat(account, body.get("chat_id"))
    direction = str(body.get("direction") or "Backward").capitalize()
    if direction not in ("Forward", "Backward"):
        raise rejected("ChatHistoryV3Request.Direction", "value must be Forward or Backward")
    limit = int_id(body.get("limit") or 50, "limit")
    if not 1 <= limit <= 1000:
        raise rejected("ChatHistoryV3Request.Limit", "value must be inside range [1, 1000]")
    wanted = {int_id(m, "message_ids") for m in (body.get("filter") or {}).get("message_ids") or []}
    messages = [m for m in doc["messages"] if not wanted or m["message_id"] in wanted]
    start = int_id(body.get("from_message_id") or 0, "from_message_id")
    if direction == "Backward":
        messages = [m for m in reversed(messages) if not start or m["message_id"] <= start]
    else:
        messages = [m for m in messages if m["message_id"] >= start]
    page = messages[:limit]
    return {
        "messages": [{**m, "moderate_image_status": "SUCCESS"} for m in page],
        "has_next": len(messages) > limit,
    }


@route("POST", "/v1/chat/send/message")
def send_message(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The seller's message in a chat (the buyer's messages before it count as read)."""
    doc = _chat(account, body.get("chat_id"))
    text = str(body.get("text") or "")
    if not 1 <= len(text) <= MAX_TEXT:
        raise rejected(
            "ChatSendMessageRequest.Text", f"value length must be between 1 and {MAX_TEXT} runes, inclusive"
        )
    if doc["chat_status"] == "CLOSED":
        raise rejected("ChatSendMessageRequest.ChatId", "the chat is closed")
    for m in doc["messages"]:
        m["is_read"] = True
    _say(account, doc, "Seller", text)
    return {"result": "success"}


@route("POST", "/v2/chat/read")
def chat_read(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Mark the chat's messages read up to `from_message_id` (all without it)."""
    doc = _chat(account, body.get("chat_id"))
    upto = int_id(body.get("from_message_id") or 0, "from_message_id")
    for m in doc["messages"]:
        if not upto or m["message_id"] <= upto:
            m["is_read"] = True
    account.put(CHAT, doc["chat_id"], doc)
    return {"unread_count": sum(len(_unread(d)) for d in chats(account))}
