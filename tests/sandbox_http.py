"""Raw HTTP calls to a served sandbox, for the hardening, request and conformance tests."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from conftest import DEMO_API_KEY, DEMO_CLIENT_ID

AUTH = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY, "Content-Type": "application/json"}


def call(
    url: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP request: (status, lower-cased headers, body bytes)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    try:
        conn.request(method, path, body=data, headers={**AUTH, **(headers or {})})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def ozon_error(raw: bytes) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(raw)
    assert set(doc) == {"code", "message", "details"} and doc["details"] == []
    return doc
