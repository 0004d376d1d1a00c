"""Push notifications: the messages Ozon POSTs to the seller's URL, queued, resent and suspended as
Ozon does (facts §10.3), on the sandbox's clock.

State, in the sandbox's store (it survives restarts of `oint sandbox serve`):
- per account, the document "push_config": the endpoints (`id`, `url`, `types`, `enabled`,
  `created_at`: what `/v1/notification/set` adds), the state (`active` or `suspended`, `since`,
  `reason`, `details`), pushes not sent while suspended (`skipped`), when the current run of
  failures began (`failing_since`) and per hour of sandbox time the counts the suspension rules
  read (`hours`: {hour: {delivered, given_up, attempts, timeouts}});
- per push (kind "push", key its number): the message, its URL, its attempts with their answers,
  its state (`pending`, `delivered`, `given_up`, `dropped` by a fault, `suspended`, `off`);
- across accounts, the due index (account "*", kind "push_due", keys that sort as time) and the
  accounts that have endpoints (account "*", kind "push_account");
- per account, kind "push_prune": the next pruning while one is planned ("next") and how many
  records pruning removed, by state ("pruned").

Pruning: a push that is finished — delivered, given up, dropped by a fault, stopped by a
suspension or a removed URL: none of them is ever sent again — is kept `RETENTION` (three days) of
sandbox time after it finished, then deleted, so that a long simulated run does not grow the
state file without end; a pending push is never pruned. Three days is well past everything that
reads a push: Ozon's resending (about an hour), the suspension rules' 24 hours (which count in
the account's hourly counters anyway, not in the records), and a simulated weekend of history in
the web view and `oint sandbox push`. It runs as an action of the marketplace's queue
(`push_prune`), planned when a push finishes, at most once an hour of sandbox time (`PRUNE_GAP`).

What happens to a push (pure decisions; the I/O is `oint.sandbox.push`):
- `emit(account, type, message)`, called by the model where an event happens, inside its
  transaction: queued for each enabled endpoint that chose the type (nothing when none did; when
  pushes are suspended only counted as skipped). An injected push fault may drop it or hold it
  back (`add_fault`).
- `due(store, until)`: what is due by a moment, soonest first.
- `answered(store, client_id, seq, outcome)`: an attempt's outcome. A 200 in time delivers it;
  anything else (another status, no connection, no answer within the timeout) is resent after
  `RETRY_GAPS` (growing gaps of a few seconds up to 10 minutes, then five more every 10 minutes:
  about an hour), then given up. After each attempt `verdict` applies Ozon's suspension rules to
  the account's last 24 hours; suspension stops all of its pushes (the pending ones too) until
  the URL is confirmed again (`/v1/notification/set` or `update` or `enable`, or `oint sandbox push
  --url`), which resumes with a fresh record and a `TYPE_PING`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from oint.sandbox.errors import rejected
from oint.sandbox.model import market
from oint.sandbox.model.base import Account, as_int
from oint.sandbox.store import Store

CONFIG = "push_config"
PUSH = "push"
DUE = "push_due"  # account "*": time_key(at, seq) -> {client_id, seq}
ACCOUNTS = "push_account"  # account "*": client ids with endpoints
FAULT = "push_fault"  # account "*": drop / delay faults

PING = "TYPE_PING"
# the types a seller may choose (the layer's enum of SetNotificationRequest.types)
TYPES = (
    "TYPE_NEW_POSTING",
    "TYPE_POSTING_SHIPPED",
    "TYPE_POSTING_CANCELLED",
    "TYPE_STATE_CHANGED",
    "TYPE_CUTOFF_DATE_CHANGED",
    "TYPE_DELIVERY_DATE_CHANGED",
    "TYPE_CREATE_OR_UPDATE_ITEM",
    "TYPE_CREATE_ITEM",
    "TYPE_UPDATE_ITEM",
    "TYPE_STOCKS_CHANGED",
    "TYPE_NEW_MESSAGE",
    "TYPE_UPDATE_MESSAGE",
    "TYPE_MESSAGE_READ",
    "TYPE_CHAT_CLOSED",
)
DESCRIPTIONS = {
    "TYPE_NEW_POSTING": "New shipment",
    "TYPE_POSTING_SHIPPED": "Shipment shipped",
    "TYPE_POSTING_CANCELLED": "Shipment cancellation",
    "TYPE_STATE_CHANGED": "Shipment status change",
    "TYPE_CUTOFF_DATE_CHANGED": "Shipment shipping date change",
    "TYPE_DELIVERY_DATE_CHANGED": "Shipment delivery date change",
    "TYPE_CREATE_OR_UPDATE_ITEM": "Product creation and update, or process error",
    "TYPE_CREATE_ITEM": "Product creation or an error when creating it",
    "TYPE_UPDATE_ITEM": "Product update or an error when updating it",
    "TYPE_STOCKS_CHANGED": "Stock change at the seller's warehouse",
    "TYPE_NEW_MESSAGE": "New message in chat",
    "TYPE_UPDATE_MESSAGE": "Message in chat has changed",
    "TYPE_MESSAGE_READ": "Customer or support read your message",
    "TYPE_CHAT_CLOSED": "Chat is closed",
}

# Ozon's resending (§10.3): a few seconds, growing gaps up to 10 minutes, then 5 more every 10
# minutes: 5 + 15 + 45 + 135 + 405 + 5 x 600 = 3,605 s, about an hour; 11 attempts in all
RETRY_GAPS: tuple[float, ...] = (5.0, 15.0, 45.0, 135.0, 405.0, 600.0, 600.0, 600.0, 600.0, 600.0)
TIMEOUT = 5.0  # seconds Ozon waits for an answer
WINDOW = 86400.0  # the suspension rules look at the last 24 hours
HOUR = 3600.0
ERRORS_FOR = 86400.0  # failing (no 200) for this long suspends
MIN_SETTLED = 10  # the "fewer than half answered 200" rule needs this many finished pushes
SLOW_STRIKES = 3  # attempts without an answer in time (slower than TIMEOUT) that suspend

# why pushes were suspended: (problematic_type, words)
REASONS = {
    "ERRORS_24H": "the service has answered only errors (or nothing) for 24 hours",
    "LOW_SUCCESS_RATE": "fewer than half of the notifications of the last 24 hours were answered 200",
    "SLOW_ANSWERS": f"the service took longer than {TIMEOUT:g} s to answer",
}
ANSWER_KEPT = 300  # characters of an answer body kept with its attempt
PINGED = "push_ping"  # kind: the last PING's outcome per URL (key the URL), for /v1/notification/check
PRUNE = "push_prune"  # kind: "next" (the planned pruning) and "pruned" (records removed, by state)
RETENTION = 3 * 86400.0  # seconds of sandbox time a finished push is kept (see the module)
PRUNE_GAP = HOUR  # prunings come at most this often: deletions in batches
PRUNE_BATCH = (32, 1024)  # records read at a time while pruning: the first read, doubled up to the last


TIMEOUT_ENV = "OINT_SANDBOX_PUSH_TIMEOUT"


def default_timeout() -> float:
    """Seconds an attempt waits for an answer: OINT_SANDBOX_PUSH_TIMEOUT (tests), else Ozon's 5."""

    try:
        value = float(os.environ.get(TIMEOUT_ENV) or TIMEOUT)
    except ValueError:
        return TIMEOUT
    return value if value > 0 else TIMEOUT


# ------------------------------------------------------------------ configuration
def endpoints(account: Account) -> list[dict[str, Any]]:
    """The account's push URLs ({id, url, types, enabled, created_at})."""
    doc = config(account)
    return list(doc["endpoints"]) if doc else []


def config(account: Account) -> dict[str, Any] | None:
    """The account's push configuration, or None when it never set a URL."""
    doc: dict[str, Any] | None = account.get(CONFIG, "config")
    return doc


def fresh_config(now: float) -> dict[str, Any]:
    return {
        "endpoints": [],
        "state": "active",
        "since": now,
        "reason": "",
        "details": "",
        "skipped": 0,
        "failing_since": None,
        "hours": {},
    }


def _save(account: Account, doc: dict[str, Any]) -> None:
    account.put(CONFIG, "config", doc)
    if doc["endpoints"]:
        account.store.put("*", ACCOUNTS, account.client_id, {"since": doc["since"]})
    else:
        account.store.delete("*", ACCOUNTS, account.client_id)


def check_url(url: Any, field: str = "url") -> str:
    """An http(s) URL with a host, else 400 in the validator's words."""
    text = str(url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise rejected(f"SetNotificationRequest.{field.capitalize()}", "value must be a valid URI")
    return text


def check_types(types: Iterable[Any], subject: str = "SetNotificationRequest.Types") -> list[str]:
    out: list[str] = []
    for t in types:
        if t not in TYPES:
            raise rejected(subject, f"value must be one of {list(TYPES)}")
        if t not in out:
            out.append(str(t))
    if not out:
        raise rejected(subject, "value must contain at least 1 item(s)")
    return out


def confirm(account: Account, url: str, types: Iterable[str] | None = None) -> dict[str, Any]:
    """Set (or confirm again) an endpoint: the URL gets `types` (all of them by default; a type
    another endpoint had moves here), pushes resume with a fresh record, and a TYPE_PING is
    queued to the URL. Returns the endpoint."""
    chosen = check_types(TYPES if types is None else types)
    doc = config(account) or fresh_config(account.now)
    endpoint = next((e for e in doc["endpoints"] if e["url"] == url), None)
    for other in doc["endpoints"]:
        if other is not endpoint:
            other["types"] = [t for t in other["types"] if t not in chosen]
    if endpoint is None:
        endpoint = {
            "id": account.next_id("push_endpoint_id", 1),
            "url": url,
            "types": chosen,
            "enabled": True,
            "created_at": account.iso(),
        }
        doc["endpoints"].append(endpoint)
    else:
        endpoint["types"] = chosen
        endpoint["enabled"] = True
    resume(account, doc)
    queue_push(account, doc, endpoint, PING, {"message_type": PING, "time": zulu(account.now)})
    _save(account, doc)
    return dict(endpoint)


def resume(account: Account, doc: dict[str, Any]) -> None:
    """Active again, as after the seller confirmed the URL: the record starts afresh."""
    doc.update(state="active", since=account.now, reason="", details="", failing_since=None, hours={})


def switch_off(account: Account, endpoint_id: int | None = None) -> int:
    """Remove one endpoint (all without an id); its pending pushes are not sent. How many went."""
    doc = config(account)
    if doc is None:
        return 0
    gone = [e for e in doc["endpoints"] if endpoint_id is None or e["id"] == endpoint_id]
    doc["endpoints"] = [e for e in doc["endpoints"] if e not in gone]
    stop_pending(account, {e["id"] for e in gone}, "off")
    _save(account, doc)
    return len(gone)


def status(account: Account, recent: int = 20) -> dict[str, Any]:
    """What `oint sandbox push` shows: endpoints, state, counts and the newest pushes."""
    doc = config(account) or fresh_config(account.now)
    counts: dict[str, int] = account.store.count_by(account.client_id, PUSH, "state")
    return {
        "client_id": account.client_id,
        "state": doc["state"],
        "since": zulu(doc["since"]),
        "reason": doc["reason"],
        "details": doc["details"],
        "skipped_while_suspended": doc["skipped"],
        "endpoints": doc["endpoints"],
        "pushes": {str(k): v for k, v in sorted(counts.items(), key=lambda kv: str(kv[0]))},
        "pruned": pruned(account),
        "recent": recent_pushes(account, recent),
    }


def recent_pushes(account: Account, limit: int) -> list[dict[str, Any]]:
    """The newest pushes, newest first (the web view and `status`)."""
    return [d for _, d in account.store.key_range(account.client_id, PUSH, limit=limit, descending=True)]


# ------------------------------------------------------------------ faults
def add_fault(
    store: Store, action: str, times: int = 1, delay: float = 0.0, types: Iterable[str] = ()
) -> dict[str, Any]:
    """The next `times` pushes (of `types`, any without) are dropped (`action` "drop": never sent)
    or held back `delay` seconds of sandbox time ("delay"). ValueError for a bad specification."""
    if action not in ("drop", "delay"):
        raise ValueError(f"push fault: expected drop or delay, got {action!r}")
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise ValueError(f"push fault times: expected a whole number of at least 1, got {times!r}")
    if action == "delay" and not (isinstance(delay, (int, float)) and 0 < delay <= 7 * 86400):
        raise ValueError(f"push fault delay: expected seconds above 0 and at most a week, got {delay!r}")
    kinds = list(types)
    unknown = [t for t in kinds if t not in TYPES and t != PING]
    if unknown:
        raise ValueError(f"push fault types: unknown {unknown} (known: {[PING, *TYPES]})")
    fault = {
        "push": action,
        "times": times,
        "delay": float(delay) if action == "delay" else 0.0,
        "types": kinds,
    }
    store.put("*", FAULT, store.next_id("push_fault", 1), fault)
    return fault


def _take_fault(store: Store, message_type: str) -> dict[str, Any] | None:
    for key, fault in store.items("*", FAULT):
        if fault["types"] and message_type not in fault["types"]:
            continue
        fault["times"] -= 1
        if fault["times"] <= 0:
            store.delete("*", FAULT, key)
        else:
            store.put("*", FAULT, key, fault)
        taken: dict[str, Any] = fault
        return taken
    return None


def clear_faults(store: Store) -> None:
    for key, _ in store.items("*", FAULT):
        store.delete("*", FAULT, key)


# ------------------------------------------------------------------ emitting
def emit(account: Account, message_type: str, message: Mapping[str, Any]) -> None:
    """Queue `message` for every enabled endpoint that chose `message_type` (see the module)."""
    doc = config(account)
    if doc is None:
        return
    targets = [e for e in doc["endpoints"] if e["enabled"] and message_type in e["types"]]
    if not targets:
        return
    if doc["state"] != "active":
        doc["skipped"] += len(targets)
        account.put(CONFIG, "config", doc)
        return
    for endpoint in targets:
        queue_push(account, doc, endpoint, message_type, message)


def queue_push(
    account: Account,
    doc: dict[str, Any],
    endpoint: dict[str, Any],
    message_type: str,
    message: Mapping[str, Any],
) -> None:
    seq = account.next_id("push_seq", 1)
    push: dict[str, Any] = {
        "seq": seq,
        "type": message_type,
        "endpoint_id": endpoint["id"],
        "url": endpoint["url"],
        "created_at": account.now,
        "message": dict(message),
        "state": "pending",
        "attempts": [],
        "next_at": account.now,
    }
    fault = _take_fault(account.store, message_type)
    if fault is not None and fault["push"] == "drop":
        finish(account, push, "dropped")
    elif fault is not None:
        push["next_at"] = account.now + fault["delay"]
        push["delayed"] = fault["delay"]
    account.put(PUSH, _key(seq), push)
    if push["state"] == "pending":
        account.store.put(
            "*", DUE, _due_key(push["next_at"], seq), {"client_id": account.client_id, "seq": seq}
        )


def _key(seq: int) -> str:
    return f"{seq:012d}"


def _due_key(at: float, seq: int) -> str:
    return f"{at:017.6f}:{seq:012d}"


def zulu(at: float) -> str:
    """RFC 3339 in UTC with milliseconds, as Ozon writes push times: 2021-01-26T06:56:36.294Z."""
    moment = dt.datetime.fromtimestamp(at, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# ------------------------------------------------------------------ what is due, and answers
@dataclass(frozen=True, slots=True)
class Outgoing:
    """A push to send now: where, what, and the moment it is due (its attempt's time)."""

    client_id: str
    seq: int
    url: str
    body: dict[str, Any]
    at: float
    attempt: int  # 1 for the first


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an attempt got: `status` None when there was no answer (`error` says why:
    "timeout" when none came in time), `seconds` it took, the first characters of the answer."""

    status: int | None
    seconds: float
    error: str = ""
    answer: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.timed_out

    @property
    def timed_out(self) -> bool:
        return self.error == "timeout"


def due(store: Store, until: float, limit: int = 100) -> list[Outgoing]:
    """The pushes due by `until`, soonest first (at most `limit`)."""
    out = []
    for _, ref in store.key_range("*", DUE, "", f"{until:017.6f}~", limit):
        push = store.get(ref["client_id"], PUSH, _key(ref["seq"]))
        if push is None or push["state"] != "pending":
            continue
        out.append(
            Outgoing(
                ref["client_id"],
                push["seq"],
                push["url"],
                push["message"],
                push["next_at"],
                len(push["attempts"]) + 1,
            )
        )
    return out


def answered(store: Store, out: Outgoing, outcome: Outcome, at: float | None = None) -> dict[str, Any] | None:
    """Record an attempt made at `at` (by default its due moment, `out.at`: a replay of time that
    has passed); resend (the next gap counted from `at`), deliver or give up; apply the suspension
    rules. Returns the push as it is now (None if it is gone)."""
    due_at = out.at
    out = replace(out, at=due_at if at is None else max(at, due_at))
    account = Account(store, out.client_id, out.at)
    push: dict[str, Any] | None = account.get(PUSH, _key(out.seq))
    store.delete("*", DUE, _due_key(due_at, out.seq))
    if push is None or push["state"] != "pending" or push["next_at"] != due_at:
        return push
    push["attempts"].append(
        {
            "at": out.at,
            "time": account.iso(),
            "status": outcome.status,
            "seconds": round(outcome.seconds, 3),
            "error": outcome.error,
            "answer": outcome.answer[:ANSWER_KEPT],
        }
    )
    doc = config(account) or fresh_config(out.at)
    hour = _hour(doc, out.at)
    hour["attempts"] += 1
    if outcome.timed_out:
        hour["timeouts"] += 1
    if outcome.ok:
        finish(account, push, "delivered")
        hour["delivered"] += 1
        doc["failing_since"] = None
    else:
        if doc["failing_since"] is None:
            doc["failing_since"] = out.at
        gap = next_gap(len(push["attempts"]))
        if gap is None:
            finish(account, push, "given_up")
            hour["given_up"] += 1
        else:
            push["next_at"] = out.at + gap
            store.put(
                "*", DUE, _due_key(push["next_at"], out.seq), {"client_id": out.client_id, "seq": out.seq}
            )
    if push["type"] == PING:
        account.put(PINGED, push["url"], {"at": out.at, **ping_check(outcome)})
    account.put(PUSH, _key(out.seq), push)
    reason = verdict(doc, out.at)
    if reason is not None and doc["state"] == "active":
        doc.update(state="suspended", since=out.at, reason=reason, details=REASONS[reason])
        stop_pending(account, None, "suspended")
        push = account.get(PUSH, _key(out.seq))
    account.put(CONFIG, "config", doc)
    return push


def next_gap(attempts_made: int) -> float | None:
    """Seconds until the next attempt after `attempts_made` failed ones; None: give up."""
    return RETRY_GAPS[attempts_made - 1] if attempts_made <= len(RETRY_GAPS) else None


def _hour(doc: dict[str, Any], at: float) -> dict[str, int]:
    """The counters of the hour of `at` (older than the window dropped)."""
    hours: dict[str, dict[str, int]] = doc["hours"]
    start = int(at // HOUR * HOUR)
    for key in [k for k in hours if int(k) <= start - WINDOW]:
        del hours[key]
    return hours.setdefault(str(start), {"delivered": 0, "given_up": 0, "attempts": 0, "timeouts": 0})


def verdict(doc: Mapping[str, Any], now: float) -> str | None:
    """Ozon's suspension rules over the account's last 24 hours (§10.3); the reason, or None:
    - ERRORS_24H: no 200 since the first failure, 24 hours ago or more (down or erring);
    - LOW_SUCCESS_RATE: of at least MIN_SETTLED pushes finished, fewer than half delivered;
    - SLOW_ANSWERS: SLOW_STRIKES attempts or more got no answer within the timeout."""
    if doc["failing_since"] is not None and now - doc["failing_since"] >= ERRORS_FOR:
        return "ERRORS_24H"
    recent = [h for k, h in doc["hours"].items() if int(k) > now - WINDOW]
    delivered = sum(h["delivered"] for h in recent)
    settled = delivered + sum(h["given_up"] for h in recent)
    if settled >= MIN_SETTLED and 2 * delivered < settled:
        return "LOW_SUCCESS_RATE"
    if sum(h["timeouts"] for h in recent) >= SLOW_STRIKES:
        return "SLOW_ANSWERS"
    return None


def stop_pending(account: Account, endpoint_ids: set[int] | None, state: str) -> None:
    """Pending pushes (of those endpoints; all without) are not sent: they take `state`."""
    for key, ref in account.store.key_range("*", DUE):
        if ref["client_id"] != account.client_id:
            continue
        push = account.get(PUSH, _key(ref["seq"]))
        account.store.delete("*", DUE, key)
        if push is None or push["state"] != "pending":
            continue
        if endpoint_ids is not None and push["endpoint_id"] not in endpoint_ids:
            account.store.put("*", DUE, key, ref)
            continue
        finish(account, push, state)
        account.put(PUSH, _key(push["seq"]), push)


# ------------------------------------------------------------------ pruning (see the module)
def finish(account: Account, push: dict[str, Any], state: str) -> None:
    """A push is done with (`state`: delivered, given_up, dropped, suspended, off) at the account's
    time: never sent again, pruned `RETENTION` later (planned here when no pruning is)."""
    push["state"], push["next_at"], push["done_at"] = state, None, account.now
    _plan_prune(account, account.now + RETENTION)


def _plan_prune(account: Account, at: float) -> None:
    if account.get(PRUNE, "next") is None:
        at = max(at, account.now + PRUNE_GAP)
        account.put(PRUNE, "next", {"at": at, "due": market.schedule(account, at, "push_prune")})


def _done_at(push: Mapping[str, Any]) -> float:
    """When a finished push finished (a record of an older state file: its last attempt or birth)."""
    if push.get("done_at") is not None:
        return float(push["done_at"])
    attempts = push.get("attempts") or []
    return float(attempts[-1]["at"]) if attempts else float(push["created_at"])


def prune(account: Account, retention: float = RETENTION) -> int:
    """Delete the account's pushes that finished `retention` seconds or more before its time
    (pending ones stay), add them to the "pruned" counts, and plan the next pruning for when the
    oldest record kept may go. How many were deleted."""
    cutoff = account.now - retention
    gone: dict[str, int] = {}
    kept: list[float] = []  # when each finished record kept (or the first one too young) may go
    low, size = "", PRUNE_BATCH[0]  # most prunings stop early: a small read first
    while True:
        batch = account.store.key_range(account.client_id, PUSH, low, None, size)
        for key, push in batch:
            if push["created_at"] > cutoff:  # this one and the rest (made later) are too young
                kept.append(push["created_at"] + retention)
                batch = []
                break
            if push["state"] == "pending":
                continue  # planned again when it finishes
            done = _done_at(push)
            if done <= cutoff:
                account.delete(PUSH, key)
                gone[push["state"]] = gone.get(push["state"], 0) + 1
            else:
                kept.append(done + retention)
        if len(batch) < size:
            break
        low, size = _key(int(batch[-1][0]) + 1), min(2 * size, PRUNE_BATCH[1])
    if gone:
        counts = pruned(account)
        for state, n in gone.items():
            counts[state] = counts.get(state, 0) + n
        account.put(PRUNE, "pruned", counts)
    if kept:
        _plan_prune(account, min(kept))
    return sum(gone.values())


@market.action("push_prune")
def _prune_due(account: Account, data: dict[str, Any]) -> None:
    account.delete(PRUNE, "next")
    prune(account)


def pruned(account: Account) -> dict[str, int]:
    """How many push records pruning has removed, by state."""
    counts: dict[str, int] = account.get(PRUNE, "pruned") or {}
    return counts


def ping_check(outcome: Outcome) -> dict[str, Any]:
    """Ozon's connection check of a PING's answer: {is_active, errors} as `/v1/notification/check`
    answers (REQUEST_ERROR, REQUEST_TIMEOUT, SERVER_FAULT, STATUS_CODE_NOT_OK, EMPTY_BODY,
    INVALID_JSON, WRONG_RESULT_FIELD, WRONG_RESULT_TIME_FIELD)."""

    if outcome.status is None:
        error = "REQUEST_TIMEOUT" if outcome.timed_out else "REQUEST_ERROR"
    elif outcome.status >= 500:
        error = "SERVER_FAULT"
    elif outcome.status != 200:
        error = "STATUS_CODE_NOT_OK"
    elif not outcome.answer.strip():
        error = "EMPTY_BODY"
    else:
        try:
            body = json.loads(outcome.answer)
        except ValueError:
            body, error = None, "INVALID_JSON"
        else:
            error = ""
        if body is not None:
            if not isinstance(body, dict) or not {"version", "name", "time"} <= set(body):
                error = "WRONG_RESULT_FIELD"
            elif not _is_moment(body["time"]):
                error = "WRONG_RESULT_TIME_FIELD"
    return {"is_active": not error, "errors": [{"type": error}] if error else []}


def _is_moment(value: Any) -> bool:
    from oint.core.dates import parse_datetime

    try:
        parse_datetime(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


# ------------------------------------------------------------------ the messages (PUSH docs' shapes)
def _seller_id(account: Account) -> int:
    return as_int(account.client_id) or 0


def _products(lines: Iterable[Mapping[str, Any]], offer: bool = True) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        item: dict[str, Any] = {"sku": int(line["sku"]), "quantity": int(line["quantity"])}
        if offer:
            item["offer_id"] = str(line.get("offer_id") or "")
        out.append(item)
    return out


def _ms(text: str) -> str:
    """Ozon's stored time (microseconds) as push messages write it (milliseconds)."""
    from oint.core.dates import parse_datetime

    return zulu(parse_datetime(text).timestamp())


def posting_event(account: Account, doc: Mapping[str, Any], event: str, **extra: Any) -> None:
    """The push of an FBS/rFBS posting's event (the event log's types): a new posting, its
    cancellation (a whole one), or its status change."""
    if event == "order_created":
        emit(
            account,
            "TYPE_NEW_POSTING",
            {
                "message_type": "TYPE_NEW_POSTING",
                "posting_number": doc["posting_number"],
                "products": _products(doc["products"]),
                "in_process_at": _ms(doc["in_process_at"]),
                "warehouse_id": doc["warehouse_id"],
                "shipment_date": _ms(doc["shipment_date"]),
                "tpl_integration_type": "ozon" if doc["scheme"] == "fbs" else "non_integrated",
                "is_express": bool(doc.get("is_express")),
                "tracking_number": doc.get("tracking_number", ""),
                "seller_id": _seller_id(account),
            },
        )
    elif event == "cancelled":
        if extra.get("partial"):
            return
        cancellation = doc.get("cancellation") or {}
        emit(
            account,
            "TYPE_POSTING_CANCELLED",
            {
                "message_type": "TYPE_POSTING_CANCELLED",
                "posting_number": doc["posting_number"],
                "products": _products(doc["products"], offer=False),
                "old_state": doc.get("previous_substatus", ""),
                "new_state": "posting_canceled",
                "changed_state_date": zulu(account.now),
                "reason": {
                    "id": int(cancellation.get("cancel_reason_id", extra.get("reason_id", 0))),
                    "message": str(cancellation.get("cancel_reason", "")),
                },
                "warehouse_id": doc["warehouse_id"],
                "seller_id": _seller_id(account),
            },
        )
    elif event in ("shipped", "delivering", "last_mile", "delivered", "arbitration"):
        emit(
            account,
            "TYPE_STATE_CHANGED",
            {
                "message_type": "TYPE_STATE_CHANGED",
                "posting_number": doc["posting_number"],
                "new_state": doc["substatus"],
                "changed_state_date": zulu(account.now),
                "warehouse_id": doc["warehouse_id"],
                "seller_id": _seller_id(account),
            },
        )


def cutoff_changed(account: Account, doc: Mapping[str, Any], old: str) -> None:
    """TYPE_CUTOFF_DATE_CHANGED: a posting's ship-by date moved from `old`."""
    emit(
        account,
        "TYPE_CUTOFF_DATE_CHANGED",
        {
            "message_type": "TYPE_CUTOFF_DATE_CHANGED",
            "posting_number": doc["posting_number"],
            "new_cutoff_date": _ms(doc["shipment_date"]),
            "old_cutoff_date": _ms(old),
            "warehouse_id": doc["warehouse_id"],
            "seller_id": _seller_id(account),
        },
    )


def stocks_changed(account: Account, product: Mapping[str, Any], stocks: Iterable[Mapping[str, Any]]) -> None:
    """TYPE_STOCKS_CHANGED for a product whose stock on the seller's warehouses changed."""
    own = [s for s in stocks if s["type"] in ("fbs", "rfbs")]
    if not own or not product.get("sku"):
        return
    emit(
        account,
        "TYPE_STOCKS_CHANGED",
        {
            "message_type": "TYPE_STOCKS_CHANGED",
            "seller_id": _seller_id(account),
            "items": [
                {
                    "product_id": int(product["id"]),
                    "sku": int(product["sku"]),
                    "updated_at": zulu(account.now),
                    "stocks": [
                        {
                            "warehouse_id": int(s["warehouse_id"]),
                            "present": int(s["stock"]) + int(s["reserved"]),
                            "reserved": int(s["reserved"]),
                        }
                        for s in own
                    ],
                }
            ],
        },
    )


def item_changed(account: Account, offer_id: str, product_id: int, is_error: bool) -> None:
    """TYPE_CREATE_OR_UPDATE_ITEM when an import task has created or updated a product (or failed)."""
    emit(
        account,
        "TYPE_CREATE_OR_UPDATE_ITEM",
        {
            "message_type": "TYPE_CREATE_OR_UPDATE_ITEM",
            "seller_id": _seller_id(account),
            "offer_id": offer_id,
            "product_id": int(product_id),
            "is_error": is_error,
            "changed_at": zulu(account.now),
        },
    )


def new_message(account: Account, chat: Mapping[str, Any], message: Mapping[str, Any]) -> None:
    """TYPE_NEW_MESSAGE for a buyer's message in a chat."""
    emit(
        account,
        "TYPE_NEW_MESSAGE",
        {
            "message_type": "TYPE_NEW_MESSAGE",
            "chat_id": chat["chat_id"],
            "chat_type": "Buyer_Seller",
            "message_id": str(message["message_id"]),
            "created_at": _ms(message["created_at"]),
            "user": {"id": str(message["user"]["id"]), "type": message["user"]["type"]},
            "data": list(message["data"]),
            "seller_id": str(account.client_id),
        },
    )
