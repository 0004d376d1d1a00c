"""Performance API credentials, tokens, settings and counters.

`POST /api/client/token` with `{client_id, client_secret, grant_type: "client_credentials"}`
answers `{access_token, expires_in, token_type: "Bearer"}`. A token lives `token_lifetime`
seconds of sandbox time (1800, Ozon's 30 minutes, unless the admin route
`POST /__sandbox/performance {"token_lifetime": S}` changes it: tests shorten it); after that,
or once revoked (`POST /__sandbox/performance {"revoke": true}`), a call with it gets 401.

Tokens live in the store (account "*", kind `perf_token`), so every process on a state file
shares them; they are made from a counter and the account's secret, never from the wall clock.
The counters (`counters`) are what tests read through `GET /__sandbox/performance`: tokens
issued, reports started, refused (429) and in preparation at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from oint.sandbox.demo import performance_credentials
from oint.sandbox.errors import invalid, unauthenticated
from oint.sandbox.store import Store

TOKEN_KIND = "perf_token"
SETTINGS = "performance"  # meta: the settings
COUNTERS = "perf_counters"  # account "*": the counters
DEFAULT_SETTINGS: dict[str, float] = {
    "token_lifetime": 1800.0,  # seconds of sandbox time (Ozon: 30 minutes)
    "report_seconds": 10.0,  # how long a report is in preparation (sandbox time)
}
BEARER = {"WWW-Authenticate": 'Bearer realm="api-performance.ozon.ru"'}


def settings(store: Store) -> dict[str, float]:
    text = store.get_meta(SETTINGS)
    return {**DEFAULT_SETTINGS, **(json.loads(text) if text else {})}


def configure(store: Store, changes: Mapping[str, Any]) -> dict[str, float]:
    """Change the settings (token_lifetime, report_seconds: seconds > 0); ApiError 400 for a bad one."""
    current = settings(store)
    for name, value in changes.items():
        if name not in DEFAULT_SETTINGS:
            raise invalid(f"performance: unknown setting {name!r} (known: {sorted(DEFAULT_SETTINGS)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 10**7:
            raise invalid(f"performance: {name} must be a number of seconds above 0, got {value!r}")
        current[name] = float(value)
    store.set_meta(SETTINGS, json.dumps(current))
    return current


def counters(store: Store) -> dict[str, int]:
    doc: dict[str, int] = store.get("*", "counter", COUNTERS) or {}
    return {
        "tokens_issued": 0,
        "reports_started": 0,
        "reports_refused": 0,
        "max_reports_in_preparation": 0,
        **doc,
    }


def count(store: Store, name: str, by: int = 1) -> dict[str, int]:
    doc = counters(store)
    doc[name] = doc.get(name, 0) + by
    store.put("*", "counter", COUNTERS, doc)
    return doc


def observe_max(store: Store, name: str, value: int) -> None:
    doc = counters(store)
    if value > doc.get(name, 0):
        doc[name] = value
        store.put("*", "counter", COUNTERS, doc)


def account_credentials(account_doc: Mapping[str, Any]) -> tuple[str, str]:
    """(client id, secret) of an account's Performance API (older state files: made on the fly)."""

    made = performance_credentials(str(account_doc["client_id"]), str(account_doc.get("api_key", "")))
    return (
        str(account_doc.get("performance_client_id") or made[0]),
        str(account_doc.get("performance_client_secret") or made[1]),
    )


def _account_of(store: Store, performance_id: str) -> dict[str, Any] | None:
    """The seller account a Performance client id belongs to (its id begins with the Client-Id)."""
    seller_id = performance_id.split("-", 1)[0]
    doc: dict[str, Any] | None = store.get("*", "account", seller_id) if seller_id.isdigit() else None
    if doc is None or account_credentials(doc)[0] != performance_id:
        return None
    return doc


def issue(store: Store, now: float, body: Mapping[str, Any]) -> dict[str, Any]:
    """The answer of `POST /api/client/token` (400 for a malformed request, 401 for wrong credentials)."""
    for name in ("client_id", "client_secret", "grant_type"):
        value = body.get(name)
        if not isinstance(value, str) or not value:
            raise invalid(f"{name} is required: a non-empty string")
    unknown = sorted(set(body) - {"client_id", "client_secret", "grant_type"})
    if unknown:
        raise invalid(f'unknown field "{unknown[0]}"')
    if body["grant_type"] != "client_credentials":
        raise invalid('unsupported grant_type: only "client_credentials" is supported')
    doc = _account_of(store, body["client_id"])
    secret = account_credentials(doc)[1] if doc is not None else ""
    if doc is None or not hmac.compare_digest(secret.encode(), str(body["client_secret"]).encode()):
        raise unauthenticated("invalid client_id or client_secret", headers=BEARER)
    lifetime = settings(store)["token_lifetime"]
    for key, token in store.items("*", TOKEN_KIND):  # forget the ones long expired
        if token["expires_at"] < now - 86400:
            store.delete("*", TOKEN_KIND, key)
    seq = store.next_id("perf_token", 1)
    access = hashlib.blake2b(f"{seq}:{doc['client_id']}:{secret}".encode(), digest_size=32).hexdigest()
    store.put(
        "*",
        TOKEN_KIND,
        access,
        {"client_id": doc["client_id"], "issued_at": now, "expires_at": now + lifetime},
    )
    count(store, "tokens_issued")
    return {"access_token": access, "expires_in": int(lifetime), "token_type": "Bearer"}


def authenticate(store: Store, now: float, headers: Mapping[str, str]) -> str:
    """The seller Client-Id a request's bearer token stands for; 401 when it has none, or an
    unknown, expired or revoked one."""
    given = next((v for k, v in headers.items() if k.lower() == "authorization"), "").strip()
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("Authorization: Bearer <access token> is required", headers=BEARER)
    doc = store.get("*", TOKEN_KIND, token.strip())
    if doc is None:
        raise unauthenticated("the access token is not valid", headers=BEARER)
    if doc["expires_at"] <= now:
        raise unauthenticated("the access token has expired", headers=BEARER)
    return str(doc["client_id"])


def owner(store: Store, headers: Mapping[str, str]) -> str:
    """For the request log: the Client-Id of the account a request's bearer token is of ("" for none)."""
    given = next((v for k, v in headers.items() if k.lower() == "authorization"), "").strip()
    scheme, _, token = given.partition(" ")
    doc = store.get("*", TOKEN_KIND, token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    return str(doc["client_id"]) if doc else ""


def revoke(store: Store) -> int:
    """Revoke every token (a 401 follows on the next call with one); how many there were."""
    keys = [key for key, _ in store.items("*", TOKEN_KIND)]
    for key in keys:
        store.delete("*", TOKEN_KIND, key)
    return len(keys)
