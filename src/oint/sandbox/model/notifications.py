"""Ozon's push-notification settings (beta, `/v1/notification/*`) over the sandbox's push model
(`oint.sandbox.model.pushes`): connect a URL for some types (`set`: again, it confirms the URL and
resumes suspended pushes), change it, turn it on or off, remove it, list the URLs with their
availability, the types and where each goes, and Ozon's connection check.
"""

from __future__ import annotations

from typing import Any

from oint.sandbox.errors import invalid, not_found, rejected
from oint.sandbox.model.base import Account, as_int, route
from oint.sandbox.model.pushes import (
    CONFIG,
    DESCRIPTIONS,
    PING,
    PINGED,
    TYPES,
    check_types,
    check_url,
    config,
    confirm,
    fresh_config,
    queue_push,
    stop_pending,
    switch_off,
    zulu,
)


def _endpoint(doc: dict[str, Any] | None, endpoint_id: Any) -> dict[str, Any]:
    wanted = as_int(endpoint_id)
    for e in (doc or {}).get("endpoints", []):
        if e["id"] == wanted:
            found: dict[str, Any] = e
            return found
    raise not_found("NOTIFICATION_URL_NOT_FOUND")


@route("POST", "/v1/notification/set")
def notification_set(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Connect a URL for the given push types (again: confirm it, resuming suspended pushes)."""
    confirm(account, check_url(body.get("url")), check_types(body.get("types") or []))
    return {}


@route("POST", "/v1/notification/update")
def notification_update(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Change an endpoint's URL and/or types; it is confirmed again (pushes resume)."""
    doc = config(account)
    endpoint = _endpoint(doc, body.get("id"))
    assert doc is not None
    url = check_url(body["url"]) if body.get("url") else endpoint["url"]
    types = (
        check_types(body["types"], "UpdateNotificationRequest.Types")
        if body.get("types")
        else endpoint["types"]
    )
    if any(e["url"] == url and e is not endpoint for e in doc["endpoints"]):
        raise rejected("UpdateNotificationRequest.Url", "the URL is connected already: update that one")
    endpoint["url"] = url
    account.put(CONFIG, "config", doc)
    confirm(account, url, types)
    return {}


@route("POST", "/v1/notification/delete")
def notification_delete(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Remove an endpoint: nothing more is pushed to it."""
    _endpoint(config(account), body.get("id"))
    switch_off(account, as_int(body.get("id")))
    return {}


@route("POST", "/v1/notification/enable")
def notification_enable(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Turn an endpoint's pushes on (which confirms it: suspended pushes resume) or off."""
    doc = config(account)
    endpoint = _endpoint(doc, body.get("id"))
    assert doc is not None
    if body.get("enabled"):
        confirm(account, endpoint["url"], endpoint["types"] or None)
    else:
        endpoint["enabled"] = False
        stop_pending(account, {endpoint["id"]}, "off")
        account.put(CONFIG, "config", doc)
    return {}


@route("POST", "/v1/notification/check")
def notification_check(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Ozon's connection check: a TYPE_PING is queued to the URL; the answer is the outcome of the
    latest PING that URL answered (not active, without errors, until one has been)."""
    url = check_url(body.get("url"))
    last = account.get(PINGED, url)
    doc = config(account) or fresh_config(account.now)
    endpoint = {"id": 0, "url": url}
    queue_push(account, doc, endpoint, PING, {"message_type": PING, "time": zulu(account.now)})
    if last is None:
        return {"is_active": False, "errors": []}
    return {"is_active": bool(last["is_active"]), "errors": list(last["errors"])}


@route("POST", "/v1/notification/list")
def notification_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The connected URLs with their availability: AVAILABLE, or SUSPENDED with the reason."""
    doc = config(account) or fresh_config(account.now)
    suspended = doc["state"] != "active"
    rows = [
        {
            "id": e["id"],
            "url": e["url"],
            "enable": e["enabled"],
            "created_at": e["created_at"],
            "types": [{"type": t, "description": DESCRIPTIONS[t]} for t in e["types"]],
            "availability_status": "SUSPENDED" if suspended else "AVAILABLE",
            "availability_status_date": zulu(doc["since"]),
            "disable_reason": doc["details"] if suspended else "",
            "problematic_type": doc["reason"] if suspended else "",
            "reason_details": doc["details"] if suspended else "",
        }
        for e in doc["endpoints"]
    ]
    wanted = [str(s) for s in body.get("availability_statuses") or []]
    if wanted:
        rows = [r for r in rows if r["availability_status"] in wanted]
    if str(body.get("sort_dir") or "").upper() == "DESC":
        rows.reverse()
    offset = max(0, as_int(body.get("offset")) or 0)
    limit = as_int(body.get("limit")) or 100
    if limit < 0:
        raise invalid("limit must not be negative")
    return {
        "urls": rows[offset : offset + limit],
        "total_count": len(rows),
        "availability_status_thresholds": [],
    }


@route("POST", "/v1/notification/push-type/list")
def notification_push_types(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Every push type, with the endpoint it goes to (if any)."""
    doc = config(account) or fresh_config(account.now)
    out = []
    for t in TYPES:
        item: dict[str, Any] = {"type": t, "description": DESCRIPTIONS[t]}
        endpoint = next((e for e in doc["endpoints"] if t in e["types"]), None)
        if endpoint is not None:
            item["seller_endpoint"] = {"id": endpoint["id"], "url": endpoint["url"]}
        out.append(item)
    return {"types": out}
