"""Multi-step calls written once for both clients: flows, sans I/O.

A *flow* is a generator that yields `Request`s (and `Wait(seconds)` where it polls) and receives
each parsed answer in return; it ends by returning its result. It does no I/O: `SyncClientBase`
drives it with `_send` and `time.sleep`, `AsyncClientBase` with `await` (`_drive` in
`oint.core.client`); an error answer is thrown into the flow, which may catch it. OInt's flows
(`oint.compat.flows`) are written over these.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from oint.core.layer import Layer


class Request(NamedTuple):
    """One HTTP request to Ozon, before credentials and encoding."""

    method: str
    path: str
    body: dict[str, Any] | None


class Wait(NamedTuple):
    """A flow's instruction to wait before its next request (polling a task)."""

    seconds: float


Step = Request | Wait
Flow = Generator[Step, Any, Any]


def request(
    layer: Layer,
    operation: str,
    body: Mapping[str, Any] | None = None,
    path_params: Mapping[str, Any] | None = None,
) -> Request:
    """The request for one operation of `layer`, by path or name: its verb from the layer, its path
    parameters filled in, no body where it takes none (KeyError for an unknown operation or a
    missing path parameter; UsageError for a batch over the documented maximum). Pure;
    `client.call` builds its requests here."""
    op = layer.operation(operation)
    path = op.url_path(dict(path_params or {}))
    count = op.over_batch(body)
    if count is not None:
        from oint.core.errors import UsageError

        raise UsageError(f"{op.name}: {op.batch_error(op.batch.field if op.batch else '', count)}")
    if op.query and body:
        path, body = with_query(path, op.query, body)
    if op.method == "GET" or not op.has_body:
        return Request(op.method, path, None)
    return Request(op.method, path, dict(body or {}))


def with_query(path: str, names: tuple[str, ...], body: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """`path` with the fields of `body` named in `names` as its query string (a list as the name
    repeated, a bool as true/false, None left out), and the rest of `body`."""
    from urllib.parse import quote

    pairs: list[str] = []
    rest: dict[str, Any] = {}
    for name, value in body.items():
        if name not in names:
            rest[name] = value
            continue
        for one in value if isinstance(value, (list, tuple)) else (value,):
            if one is None:
                continue
            text = ("true" if one else "false") if isinstance(one, bool) else str(one)
            pairs.append(f"{quote(name, safe='.')}={quote(text, safe='')}")
    if pairs:
        path += ("&" if "?" in path else "?") + "&".join(pairs)
    return path, rest
