"""The living marketplace's time line: an append-only event log, and a queue of what is due.

- **Events** (kind "event", key `<time>:<seq>`): what happened, recorded once when it happens — an
  order created, cancelled, shipped, handed over to delivery, delivered, returned — with the
  posting, its items and amounts. Finance and analytics are derived from them
  (`events(account, since, until, types)`), never stored twice.
- **The queue** (kind "due", key `<time>:<seq>`): what will happen at a moment of sandbox time (a
  buyer's next order, a posting's handover or delivery, a return, a review): an action name and
  its data. `catch_up(account)` runs before every request (`oint.sandbox.model.HOOKS`) and when
  the clock is moved: it applies what is due up to the account's time, in time order, each at its
  own moment (an `Account` whose `now` is that moment), so lazily that no thread runs in the
  background, and deterministically: the same timeline of requests gives the same state.

Actions are registered by the modules that own them (`@action("deliver")`); an action may
schedule others and record events. Those modules load lazily: the model is loaded whole when
something is due (or an action not yet registered is named: `named`), so a sandbox without buyers
never imports the marketplace. `static(name)` reads a table of `sandbox/data/`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from oint.sandbox.model import load_all
from oint.sandbox.model.base import Account
from oint.sandbox.model.common import data_file

EVENT = "event"
DUE = "due"
MAX_STEPS = 1_000_000  # actions one catch-up applies at most (a year of 2,000 orders a day)
Action = Callable[[Account, dict[str, Any]], None]
ACTIONS: dict[str, Action] = {}


def action(name: str) -> Callable[[Action], Action]:
    """Register `fn(account, data)` as what a due item named `name` does at its time."""

    def deco(fn: Action) -> Action:
        if name in ACTIONS:
            raise ValueError(f"action {name!r} registered twice")
        ACTIONS[name] = fn
        return fn

    return deco


def named(name: str) -> Action:
    """The action registered as `name`, importing the model modules (which register them) the first
    time one is needed; KeyError for an unknown name."""
    if name not in ACTIONS:
        load_all()
    return ACTIONS[name]


def time_key(at: float, seq: int = 0) -> str:
    """Keys sort as time: `1760000000.000000:000000042`."""
    return f"{at:017.6f}:{seq:09d}"


def schedule(account: Account, at: float, name: str, **data: Any) -> str:
    """Queue action `name` with `data` for moment `at` (not before the account's time); its key."""
    try:
        named(name)
    except KeyError:
        raise ValueError(f"unknown action {name!r}") from None
    at = max(at, account.now)
    key = time_key(at, account.next_id("due_seq", 1))
    account.put(DUE, key, {"at": at, "action": name, "data": data})
    return key


def unschedule(account: Account, key: str) -> bool:
    return account.delete(DUE, key)


def record(account: Account, type: str, **data: Any) -> dict[str, Any]:
    """Append an event of `type` at the account's time; returns it ({seq, at, time, type, ...})."""
    seq = account.next_id("event_seq", 1)
    event = {"seq": seq, "at": account.now, "time": account.iso(), "type": type, **data}
    account.put(EVENT, time_key(account.now, seq), event)
    return event


def event_items(lines: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of an event about posting lines (FBS products, FBO lines, a returned line): what
    finance and analytics need of each (category_id 0 when a line has none)."""
    return [
        {
            "sku": line["sku"],
            "product_id": line["product_id"],
            "offer_id": line["offer_id"],
            "name": line["name"],
            "quantity": line["quantity"],
            "price": line["price"],
            "commission_percent": line["commission_percent"],
            "category_id": line.get("category_id", 0),
        }
        for line in lines
    ]


def events(
    account: Account,
    since: float | None = None,
    until: float | None = None,
    types: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Events at moments in [since, until), oldest first, of the given types (all without)."""
    low = time_key(since) if since is not None else ""
    high = time_key(until) if until is not None else None
    wanted = set(types) if types is not None else None
    return [
        e
        for _, e in account.store.key_range(account.client_id, EVENT, low, high)
        if wanted is None or e["type"] in wanted
    ]


def recent(account: Account, limit: int) -> list[dict[str, Any]]:
    """For the web view: the newest `limit` events, newest first."""
    return [e for _, e in account.store.key_range(account.client_id, EVENT, limit=limit, descending=True)]


def of_posting(account: Account, posting_number: str) -> list[dict[str, Any]]:
    """For the web view: the events of one posting (its status changes, returns, compensations),
    oldest first; found through an index, not by reading the log."""
    found = account.store.find(account.client_id, EVENT, "posting_number", posting_number)
    return sorted(found, key=lambda e: (e["at"], e["seq"]))


def pending(account: Account) -> list[dict[str, Any]]:
    """What is queued, soonest first: [{key, at, action, data}]."""
    return [{"key": k, **d} for k, d in account.store.key_range(account.client_id, DUE)]


def catch_up(account: Account) -> None:
    """Apply every queued action due by the account's time, in time order, each at its moment."""
    until = f"{account.now:017.6f}~"  # every key of this moment sorts before it
    done = 0
    while done < MAX_STEPS:
        due = account.store.key_range(account.client_id, DUE, "", until, 1)
        if not due:
            break
        if not done:  # something is due: every module that registers actions, wholly imported
            load_all()
        key, item = due[0]
        account.delete(DUE, key)
        ACTIONS[item["action"]](Account(account.store, account.client_id, float(item["at"])), item["data"])
        done += 1


def static(name: str) -> Any:
    """A static table of the sandbox (`sandbox/data/<name>.json`), read once."""
    return data_file(f"{name}.json")
