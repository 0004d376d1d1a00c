"""The demo seller account every new sandbox starts with.

It mirrors OInt's documentation: Client-Id 2128753 with the Api-Key exactly as the
docs print it, owning product 1111588191 (the seed example) in a small catalogue.
Each model module seeds its own part (`seed(account)`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oint.sandbox.store import Store

DEMO_CLIENT_ID = "2128753"
DEMO_API_KEY = "7cc90d26-33e4-499b..."
DEMO_NAME = "OInt demo store"


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
        },
    )
    if with_demo_data:
        account = Account(store, client_id, now)
        for module in load(MODULES):
            seed_module = getattr(module, "seed", None)
            if seed_module is not None:
                seed_module(account)
