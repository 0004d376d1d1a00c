"""The demo seller account every new sandbox starts with.

It mirrors OInt's documentation: Client-Id 2128753 with the Api-Key exactly as the
docs print it, owning product 1111588191 (the seed example) in a small catalogue.
Each model module seeds its own part (`seed(account)`).

Every account also has credentials of Ozon's Performance API (advertising), as a seller makes them
in the account: a client id and a client secret that `POST /api/client/token` exchanges for a
token (`oint.sandbox.model.performance`). The demo account's are fixed and documented:
`DEMO_PERFORMANCE_CLIENT_ID` / `DEMO_PERFORMANCE_SECRET` (`oint sandbox account` shows them).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oint.sandbox.store import Store

DEMO_CLIENT_ID = "2128753"
DEMO_API_KEY = "7cc90d26-33e4-499b..."
DEMO_NAME = "OInt demo store"
DEMO_PERFORMANCE_CLIENT_ID = "2128753-1700000000001@advertising.performance.ozon.ru"
DEMO_PERFORMANCE_SECRET = "oint-demo-performance-secret-2128753"
PERFORMANCE_DOMAIN = "@advertising.performance.ozon.ru"


def seed(store: Store, now: float) -> None:
    """Create the demo account and its data (inside the caller's transaction)."""
    add_account(store, DEMO_CLIENT_ID, DEMO_API_KEY, DEMO_NAME, now=now, with_demo_data=True)


KEY_MONTHS = 3  # Ozon's Seller API keys expire three months after they are made (facts §10.2)


def key_expiry(now: float) -> str:
    """When a key made at `now` (epoch seconds, the sandbox clock) expires: three calendar months on
    (the last day of the month when that month is shorter), as `/v1/roles` writes it."""
    import calendar

    made = dt.datetime.fromtimestamp(now, dt.timezone.utc)
    month = made.month - 1 + KEY_MONTHS
    year, month = made.year + month // 12, month % 12 + 1
    day = min(made.day, calendar.monthrange(year, month)[1])
    return made.replace(year=year, month=month, day=day, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=64)
def _moment(text: str) -> float | None:
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.timestamp()


def key_expired(account: Mapping[str, Any], now: float) -> bool:
    """Whether the account's key has expired at `now` (the sandbox clock): its `key_expires_at` is
    past. An account without one (a state file older than expiring keys) or with an unreadable one
    keeps a key that never expires, as `/v1/roles` then answers three months on from any day."""
    text = account.get("key_expires_at")
    expires = _moment(text) if isinstance(text, str) and text else None
    return expires is not None and now >= expires


def performance_credentials(client_id: str, api_key: str) -> tuple[str, str]:
    """The Performance API client id and secret a new account gets: the demo's for the demo account,
    else made from its Client-Id and Api-Key (the id names the seller account it belongs to)."""
    if client_id == DEMO_CLIENT_ID:
        return DEMO_PERFORMANCE_CLIENT_ID, DEMO_PERFORMANCE_SECRET
    import hashlib

    digest = hashlib.blake2b(f"{client_id}:{api_key}".encode(), digest_size=24).hexdigest()
    number = int(digest[:12], 16) % 10**13
    return f"{client_id}-{number:013d}{PERFORMANCE_DOMAIN}", f"perf-{digest}"


def add_account(
    store: Store,
    client_id: str,
    api_key: str,
    name: str = "",
    *,
    now: float,
    with_demo_data: bool,
    key_expires: str | None = None,
) -> None:
    """A seller account, empty or with the demo catalogue (ids are fresh per account); its key
    expires at `key_expires` (ISO time), by default three months after `now`."""
    from oint.sandbox.model import MODULES, load
    from oint.sandbox.model.base import Account

    performance_id, performance_secret = performance_credentials(client_id, api_key)
    store.put(
        "*",
        "account",
        client_id,
        {
            "client_id": client_id,
            "api_key": api_key,
            "name": name or f"Seller {client_id}",
            "currency_code": "RUB",
            "key_expires_at": key_expires or key_expiry(now),
            "performance_client_id": performance_id,
            "performance_client_secret": performance_secret,
        },
    )
    if with_demo_data:
        account = Account(store, client_id, now)
        for module in load(MODULES):
            seed_module = getattr(module, "seed", None)
            if seed_module is not None:
                seed_module(account)
