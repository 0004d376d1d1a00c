"""Fuzzing the served sandbox: bodies built from the document's request schemas, mixed with junk
(wrong types, containers where scalars belong, huge arrays, odd unicode, invalid JSON).

Properties: never a 5xx, always a JSON answer, and every 2xx answer conforms to the document
(with the allow-list of recorded differences). Also the admin route that injects faults: a spec
is either refused with 400 or applied exactly. Bounded: a few dozen examples per route, no
deadline, about half a minute in all.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from answer_conformance import problems
from conftest import SandboxServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox_http import call

from oint.apis.seller.spec import operation, schemas
from oint.core.validate import kind_of, resolve
from oint.sandbox.model import load_all
from oint.sandbox.model.common import encode_cursor

ROUTES = load_all()  # every model route (the model loads lazily)
DEFS = schemas()
EXAMPLES = int(os.environ.get("OINT_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("OINT_FUZZ_RANDOM") is None,  # reproducible unless asked otherwise
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    database=None,
)

# values of the demo state, so that valid-looking requests reach deep into the model
KNOWN_INTS = [
    1111588191,
    1111588192,
    1111588195,
    1626044001,
    1626044101,
    1020005000050693,
    17028922,
    91565,
    85,
    2,
    0,
]
KNOWN_TEXT = ["143210609", "91132", "DRAFT-001", "1111588191", "Samsung", "ТВЕРЬ", "2026-01-01T00:00:00Z"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
junk = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
odd_text = st.sampled_from(
    ["", " ", "\u0000", "\ud800", "😀" * 50, "a" * 5000, "'; DROP TABLE docs; --", "NaN"]
)


def valid_for(schema: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values that have the schema's type (and are often valid for it)."""
    schema, _ = resolve(schema, DEFS)
    kind = kind_of(schema)
    if depth > 4:
        return st.none()
    if isinstance(schema.get("enum"), list):
        return st.sampled_from(schema["enum"]) | st.integers(-1, 30)
    if kind == "object":
        props = schema.get("properties") or {}
        required = schema.get("required") if isinstance(schema.get("required"), list) else []
        return st.fixed_dictionaries(
            {k: field(v, depth + 1) for k, v in props.items() if k in required},
            optional={k: field(v, depth + 1) for k, v in props.items() if k not in required},
        )
    if kind == "array":
        item = field(schema.get("items") or {}, depth + 1)
        if depth > 1:
            return st.lists(item, max_size=3)
        huge = item.map(lambda x: [x] * 1500)  # over any bound the sandbox sets (kept to the outer levels)
        return st.lists(item, max_size=4) | huge
    if kind == "integer" or schema.get("format") in ("int64", "int32", "uint64"):
        ints = st.sampled_from(KNOWN_INTS) | st.integers(-(2**64), 2**64)
        return ints | ints.map(str)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False, width=32) | st.integers(0, 10**6)
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        return st.sampled_from(KNOWN_TEXT) | st.text(max_size=20) | odd_text
    return junk


def field(schema: Any, depth: int) -> st.SearchStrategy[Any]:
    """Mostly a value of the right type, sometimes junk."""
    return st.integers(0, 9).flatmap(lambda n: junk if n == 0 else valid_for(schema, depth))


def bodies(key: str) -> st.SearchStrategy[bytes]:
    request = operation(key.split(" ", 1)[1]).request
    shaped = valid_for({"$ref": "#/schemas/" + request}) if request else junk
    raw = st.sampled_from(
        [b"", b"{", b"null", b"[]", b'"x"', b"\xff\xfe", b"{}{}", b'{"a":1e999}', b"[" * 5000]
    )
    return st.integers(0, 9).flatmap(
        lambda n: (
            raw | st.binary(max_size=40)
            if n == 0
            else junk.map(lambda v: json.dumps(v).encode())
            if n == 1
            else shaped.map(lambda v: json.dumps(v).encode())
        )
    )


def check_answer(method: str, path: str, status: int, raw: bytes) -> None:
    assert status < 500, (method, path, status, raw[:300])
    answer = json.loads(raw)  # always JSON
    if 200 <= status < 300:
        found = problems(method, path, answer, status)
        assert not found, "\n".join(found[:10])
    else:
        assert set(answer) == {"code", "message", "details"}, answer


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES))
def test_fuzz_route(server: SandboxServer, legacy_api: str, method: str, path: str) -> None:
    """On a day before Ozon switched OInt's own operations off, so that every model is reached."""

    @FUZZ
    @given(body=bodies(f"{method} {path}"))
    def run(body: bytes) -> None:
        status, _, raw = call(server.url, method, path, body)
        check_answer(method, path, status, raw)

    run()


# well-formed cursors (base64 of a JSON array) of other lists, or of no list at all
_FOREIGN_VALUES: tuple[list[Any], ...] = (
    [1],
    ["x"],
    [1, 2],
    ["a", "b"],
    [1, "a"],
    ["a", 1],
    [True],
    [None],
    [1.5],
    [[1]],
    [{}],
    ["2026-01-01T00:00:00Z", "1-1", 3],
)
FOREIGN_CURSORS = [encode_cursor(values) for values in _FOREIGN_VALUES]
PAGED_BY_POSITION = sorted(
    (method, path)
    for method, path in ROUTES
    if (paging := operation(path).paging) is not None and paging.style in ("cursor", "last_id")
)


@pytest.mark.parametrize(("method", "path"), PAGED_BY_POSITION)
def test_a_cursor_of_another_list_is_refused_never_a_500(
    server: SandboxServer, legacy_api: str, method: str, path: str
) -> None:
    """A cursor that decodes, but to values of another shape, meets the same 400 as garbage."""
    op = operation(path)
    assert op.paging is not None and op.request
    position = op.paging.position

    @FUZZ
    @given(body=valid_for({"$ref": "#/schemas/" + op.request}), cursor=st.sampled_from(FOREIGN_CURSORS))
    def run(body: Any, cursor: str) -> None:
        body = body if isinstance(body, dict) else {}
        body[position] = cursor
        status, _, raw = call(server.url, method, path, json.dumps(body).encode())
        check_answer(method, path, status, raw)

    run()


def test_the_fbs_list_refuses_a_cursor_of_another_list(server: SandboxServer) -> None:
    period = {"since": "2026-01-01T00:00:00Z", "to": "2026-12-31T00:00:00Z"}
    for cursor in FOREIGN_CURSORS:
        if cursor == encode_cursor(["a", "b"]):  # the shape of this list's own cursors: a page after it
            continue
        body = {"filter": period, "limit": 10, "cursor": cursor}
        status, _, raw = call(server.url, "POST", "/v4/posting/fbs/list", json.dumps(body).encode())
        assert status == 400 and json.loads(raw)["code"] == 3, (cursor, raw)


fault_values = st.fixed_dictionaries(
    {},
    optional={
        "path": st.sampled_from(["*", "/v1/cluster/list", "v1/x", ""]) | st.text(max_size=5) | junk,
        "status": st.sampled_from([0, 99, 100, 200, 404, 429, 500, 503, 599, 600, -1])
        | st.integers(-1000, 1000)
        | junk,
        "times": st.integers(-2, 3) | junk,
        "delay": st.sampled_from([0, 0.001, -1]) | junk,
        "retry_after": st.sampled_from([0, 1, 2.5, -3]) | junk,
        "headers": st.dictionaries(st.text(max_size=6), st.text(max_size=6) | junk, max_size=2) | junk,
        "body": st.none()
        | st.text(max_size=10)
        | st.dictionaries(st.text(max_size=4), scalars, max_size=2)
        | junk,
        "extra": junk,
    },
)


def test_fuzz_fault_specs(server: SandboxServer) -> None:
    probe = {"cluster_type": "CLUSTER_TYPE_OZON"}

    @FUZZ
    @given(spec=fault_values)
    def run(spec: dict[str, Any]) -> None:
        spec.setdefault("delay", 0)
        if isinstance(spec["delay"], (int, float)) and spec["delay"] > 0.01:
            spec["delay"] = 0.01
        status, _, raw = call(server.url, "POST", "/__sandbox/faults", spec)
        assert status in (200, 400), (spec, status, raw)
        assert set(json.loads(raw)) >= ({"result"} if status == 200 else {"code", "message", "details"})
        got, _, answer = call(server.url, "POST", "/v1/cluster/list", probe)
        if status == 200:
            fault = json.loads(raw)["result"]
            applies = fault["path"] in ("*", "/v1/cluster/list")
            expected = fault["status"] if applies and fault["status"] else 200
            assert got == expected, (spec, got, answer[:200])
        else:
            assert got == 200, (spec, got, answer[:200])
        server.clear_faults()

    run()
