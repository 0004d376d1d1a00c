"""The API key's roles and expiry: `/v1/roles`.

Ozon's keys expire three months after they are made (facts §10.2); the account document keeps
`key_expires_at` (set by `oint sandbox account --key-expires`, by default three months after the
account was made on the sandbox clock). The demo key has one role that may call every operation
Ozon still answers.
"""

from __future__ import annotations

from typing import Any

from oint.sandbox.demo import key_expiry
from oint.sandbox.model.base import Account, route

ROLE = "Admin"


def _methods() -> list[str]:
    from oint.apis.seller import spec

    return [path for path, op in spec.operations().items() if op.retired is None]


@route("POST", "/v1/roles")
def roles(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The key's roles, each with the methods it may call, and when the key expires."""
    doc = account.store.get("*", "account", account.client_id) or {}
    expires = str(doc.get("key_expires_at") or key_expiry(account.now))
    return {"expires_at": expires, "roles": [{"name": ROLE, "methods": _methods()}]}
