"""How the sandbox answers one Performance API request: the operation its verb and path name (404,
405 with Allow), the token endpoint, the bearer token (401), the body or query checked against the
operation layer (400), then the model's route (or, for an operation without one, an answer built
from its response schema)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

from oint.core.layer import Operation
from oint.sandbox import model
from oint.sandbox.errors import ApiError, invalid, method_not_allowed, not_found
from oint.sandbox.model.base import Account, FileAnswer
from oint.sandbox.model.performance import TOKEN_PATH, Call, auth, load
from oint.sandbox.store import Store


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, dict[str, Operation]], tuple[tuple[re.Pattern[str], str], ...]]:
    """The layer's operations by path and verb, and the paths with parameters as patterns."""
    from oint.apis.performance.spec import operations

    by_path: dict[str, dict[str, Operation]] = {}
    for op in operations().values():
        by_path.setdefault(op.path, {})[op.method] = op
    patterns = []
    for path in by_path:
        if "{" in path:
            pattern = re.sub(r"\\\{([^}]*)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
            patterns.append((re.compile(pattern), path))
    return by_path, tuple(patterns)


def operation_at(method: str, path: str) -> tuple[Operation, dict[str, str]]:
    """The operation a request names and its path parameters: 404 for no operation's path, 405
    (with Allow) for a verb the path does not take. A path of its own wins over a template
    (`/api/client/statistics/list`, not `/api/client/statistics/{UUID}`)."""
    by_path, patterns = _table()
    verbs, params = by_path.get(path), {}
    if verbs is None:
        for pattern, template in patterns:
            match = pattern.fullmatch(path)
            if match:
                verbs, params = by_path[template], match.groupdict()
                break
    if verbs is None:
        raise not_found()
    op = verbs.get(method)
    if op is None:
        raise method_not_allowed(sorted(verbs))
    return op, params


def _query_request(op: Operation, query: Mapping[str, list[str]]) -> dict[str, Any]:
    """A GET's query parameters as the request fields the layer's schema checks: numbers, flags
    and lists by the schema's types (what cannot be read as one stays text, and is refused)."""
    from oint.apis.performance.spec import LAYER

    props = LAYER.resolve({"$ref": "#/schemas/" + op.request}).get("properties", {}) if op.request else {}
    out: dict[str, Any] = {}
    for name, values in query.items():
        kind = LAYER.resolve(props.get(name)).get("type") if name in props else None
        if kind == "array":
            out[name] = [v for value in values for v in value.split(",") if v != ""]
            continue
        text = values[-1]
        if kind == "integer" and re.fullmatch(r"-?\d{1,18}", text.strip()):
            out[name] = int(text)
        elif kind == "boolean" and text.lower() in ("true", "false"):
            out[name] = text.lower() == "true"
        else:
            out[name] = text
    return out


def answer(
    store: Store,
    now: float,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    parse_body: Callable[[bytes], dict[str, Any]],
    origin: str,
) -> Any:
    """The answer of a Performance API request: a JSON document or a `FileAnswer`; raises
    `ApiError` for an error answer, whose changes are undone (a 429 refusing a report is counted:
    `auth.counters`). Runs inside the request's transaction."""
    try:
        with store.savepoint():
            return _answer(store, now, method, path, query, headers, body, parse_body, origin)
    except ApiError as e:
        if e.status == 429:
            auth.count(store, "reports_refused")
        raise


def _answer(
    store: Store,
    now: float,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    parse_body: Callable[[bytes], dict[str, Any]],
    origin: str,
) -> Any:
    if path == TOKEN_PATH:
        if method != "POST":
            raise method_not_allowed(["POST"])
        media = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if media.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded":  # OAuth's own form
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            return auth.issue(store, now, {k: v[-1] for k, v in form.items()})
        return auth.issue(store, now, parse_body(body))
    from oint.apis.performance.spec import operation_problem

    op, params = operation_at(method, path)
    client_id = auth.authenticate(store, now, headers)
    fields = parse_qs(query, keep_blank_values=True) if query else {}
    if op.method == "GET" or not op.has_body:
        request = _query_request(op, fields)
        data: dict[str, Any] = {}
        if body.strip() and op.method != "GET":
            data = parse_body(body)
            request.update(data)
    else:
        data = parse_body(body)
        request = data
    problem = operation_problem(op.key, request)
    if problem is not None:
        raise invalid(problem)
    account = Account(store, client_id, now, origin)

    model.before_request(account)  # the marketplace catches up: the figures come from its orders
    routes = load()
    handler = routes.get((op.method, op.path))
    call = Call(data, dict(fields), params, op.method, op.path)
    if handler is not None:
        return handler(account, call)
    return structural_answer(op, request)


def structural_answer(op: Operation, request: Mapping[str, Any]) -> Any:
    """An answer from the operation's response schema alone (operations without a model)."""
    if op.file:
        return FileAnswer(op.file, b"")
    if op.response is None:
        return {}
    from oint.apis.performance.spec import LAYER
    from oint.sandbox import structural

    return structural.answer(op, request, structural.Ids(), defs=LAYER.schemas())
