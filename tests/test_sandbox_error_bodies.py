"""The sandbox's error answers in Ozon's words and shape (issue 15.7): `Authorization` schemes in
any case, protojson's wording for bodies that do not decode (never Python's exception text), and
every error body in the shape of Ozon's `rpcStatus` (code int32, message, details: [{typeUrl,
value}])."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID

from oint.core.validate import answer_problems
from oint.sandbox.core import Sandbox

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "reference" / "openapi-en-2026-05.structure.json"
AUTH = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY, "Content-Type": "application/json"}
PYTHON_WORDS = ("codec", "Expecting", "line 1 column", "(char ", "Traceback", "Error", "JSONDecode", "utf-8")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(":memory:", admin_token="s3cret", api_date="2026-12-01", rate_limits=False)
    yield box
    box.close()


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_admin_token_scheme_is_case_insensitive(sandbox: Sandbox, scheme: str) -> None:
    answer = sandbox.handle("GET", "/__sandbox/requests", {"Authorization": f"{scheme} s3cret"}, b"")
    assert answer.status == 200, answer.body
    wrong = sandbox.handle("GET", "/__sandbox/requests", {"Authorization": f"{scheme} other"}, b"")
    assert wrong.status == 401
    basic = sandbox.handle("GET", "/__sandbox/requests", {"Authorization": "Basic s3cret"}, b"")
    assert basic.status == 401


@pytest.mark.parametrize(
    ("body", "wording"),
    [
        (b'{"filter": {"visibility": "\xff\xfe"}}', "proto: syntax error (1:28): invalid UTF-8"),
        (b'{"limit": ', "proto: syntax error (1:11): unexpected EOF"),
        (b'{"limit": 1,\n "x": @}', 'proto: syntax error (2:7): unexpected token "@"'),
        (b'{"limit": "a\x01"}', "proto: syntax error (1:13): invalid character in string"),
        (b'{"limit": "\\q"}', "proto: syntax error (1:12): invalid escape sequence in string"),
        (b"[1, 2]", "proto: syntax error (1:1): unexpected token, expected {"),
        (b'{"limit": NaN}', "proto: syntax error: unexpected token"),
        (b'{"a":' * 100_000, "proto: syntax error"),
    ],
)
def test_a_body_that_does_not_decode_is_refused_in_protojsons_words(
    sandbox: Sandbox, body: bytes, wording: str
) -> None:
    answer = sandbox.handle("POST", "/v3/product/list", AUTH, body)
    doc = json.loads(answer.body)
    assert answer.status == 400 and doc["code"] == 3, doc
    assert doc["message"].startswith(wording), doc["message"]
    assert not any(word in doc["message"] for word in PYTHON_WORDS), doc["message"]


def error_answers(sandbox: Sandbox) -> Iterator[tuple[str, int, Any]]:
    """(what, status, body) of an error answer of each kind."""
    requests: list[tuple[str, str, str, dict[str, str], bytes]] = [
        ("no credentials", "POST", "/v3/product/list", {}, b"{}"),
        ("wrong key", "POST", "/v3/product/list", {**AUTH, "Api-Key": "nope"}, b"{}"),
        ("no such route", "POST", "/v9/nothing", AUTH, b"{}"),
        ("wrong method", "GET", "/v3/product/list", AUTH, b""),
        ("switched off", "POST", "/v1/product/pictures/import", AUTH, b"{}"),
        ("unknown field", "POST", "/v3/product/list", AUTH, b'{"colour": 1}'),
        ("a rule", "POST", "/v2/actions/discounts-task/list", AUTH, b'{"limit": 7}'),
        ("not JSON", "POST", "/v3/product/list", AUTH, b"\xff"),
        ("no such posting", "POST", "/v3/posting/fbs/get", AUTH, b'{"posting_number": "1-2-3"}'),
        ("admin without token", "POST", "/__sandbox/reset", {}, b"{}"),
    ]
    for what, method, path, headers, body in requests:
        answer = sandbox.handle(method, path, headers, body)
        yield what, answer.status, json.loads(answer.body)
    for status in (403, 410, 418, 429, 500, 502, 503):  # injected faults that give no body of their own
        sandbox.handle(
            "POST", "/__sandbox/faults", {"Authorization": "Bearer s3cret"}, b'{"status": %d}' % status
        )
        answer = sandbox.handle("POST", "/v3/product/list", AUTH, b"{}")
        assert answer.status == status
        yield f"injected {status}", status, json.loads(answer.body)


def test_every_error_body_has_the_shape_of_ozons_rpc_status(sandbox: Sandbox) -> None:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    status_schema = {**schemas["rpcStatus"], "required": ["code", "message", "details"]}
    statuses = set()
    for what, status, body in error_answers(sandbox):
        statuses.add(status)
        assert status >= 400, what
        problems = answer_problems(status_schema, body, schemas)
        assert not problems, f"{what}: {body} {[str(p) for p in problems]}"
        assert isinstance(body["details"], list), what
        assert not any(word in body["message"] for word in PYTHON_WORDS), (what, body["message"])
    assert statuses >= {400, 401, 403, 404, 405, 410, 429, 500, 503}
