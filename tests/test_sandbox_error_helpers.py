"""One way to raise the sandbox's errors: the helpers of `oint.sandbox.errors`.

Every status, gRPC code and Ozon wording is defined there once; the core, the adapters and the
models raise through the helpers, never `ApiError(...)` with literal codes or texts of their own.
"""

from __future__ import annotations

import ast
from pathlib import Path

from oint.sandbox import errors

SANDBOX = Path(errors.__file__).resolve().parent
# texts whose wording belongs to a helper of errors.py: nowhere else (validate.py composes nested
# validation messages from the problems it finds; core.validate_request raises them as `invalid`)
OWNED_TEXTS = ("Request validation error", "You have reached request rate limit", "proto: ")


def _sources() -> list[Path]:
    files = sorted(p for p in SANDBOX.rglob("*.py") if p.name != "errors.py")
    assert len(files) > 20
    return files


def test_no_api_error_is_built_outside_errors_py() -> None:
    built = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == (
                "ApiError"
            ):
                built.append(f"{path.relative_to(SANDBOX)}:{node.lineno}")
    assert built == []


def test_the_helpers_own_their_wording() -> None:
    found = [
        f"{path.relative_to(SANDBOX)}:{n}"
        for path in _sources()
        if path.name != "validate.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(text in line for text in OWNED_TEXTS)
    ]
    assert found == []


def test_helpers_answer_ozons_bodies() -> None:
    e = errors.rejected("ProductsStocksRequest.Stocks", "value must contain at least 1 item(s)")
    assert (e.status, e.body()) == (
        400,
        {
            "code": 3,
            "message": "Request validation error: invalid ProductsStocksRequest.Stocks: "
            "value must contain at least 1 item(s)",
            "details": [],
        },
    )
    nested = errors.rejected_item("R.Items[0]", "R_Item.Sku", "value must be greater than 0")
    assert nested.message == (
        "Request validation error: invalid R.Items[0]: embedded message failed validation | "
        "caused by: invalid R_Item.Sku: value must be greater than 0"
    )
    assert (errors.not_found().status, errors.not_found().code, errors.not_found().message) == (
        404,
        5,
        "Not Found",
    )
    assert (errors.precondition("x").status, errors.precondition("x").code) == (400, 9)
    limited = errors.rate_limited(errors.PER_MINUTE, 1.2)
    assert (limited.status, limited.code, limited.headers) == (429, 8, {"Retry-After": "2"})
    items = errors.items_rate_limited(61, 3)
    assert (items.code, items.headers["Item-Retry-After"], items.headers["Item-Rate-Limit-Remaining"]) == (
        "RESOURCE_EXHAUSTED",
        "2",
        "3",
    )
    assert errors.obsolete().body() == {
        "code": 12,
        "message": "obsolete method cannot be used",
        "details": [],
    }
    assert errors.method_not_allowed(["GET", "POST"]).headers == {"Allow": "GET, POST"}
    assert (errors.forbidden().status, errors.unauthenticated().status) == (403, 401)
    assert errors.default_body(503) == {"code": 14, "message": "Service Unavailable", "details": []}
    assert errors.default_body(418) == {"code": 2, "message": "HTTP 418", "details": []}
