"""`debug=True` of the clients, `--debug` of the CLI: every request and its answer, as they pass.

`watched(transport, ...)` wraps any transport; each exchange is logged, one line a record, to
the logger "oint.ozon.http" at INFO level, in the style of `curl -v`:

    > POST https://api-seller.ozon.ru/v3/product/list
    > Client-Id: 2128753
    > Api-Key: <redacted>
    > {"filter":{"visibility":"ALL"},"limit":100}
    < 200 in 41.2 ms
    < content-type: application/json
    < {"result":{"items":[...   (first 800 characters; the size in bytes after)

Secrets never appear: the Api-Key, Authorization and cookie headers are shown as `<redacted>`, and
so are the `client_secret` and `access_token` of a body (an OAuth token request and its answer).
A body is cut to `BODY_SHOWN` characters; a body that is not text is named by its size and type.
When nothing configured logging for that logger, the lines go to stderr. A client without
`debug` has no wrapper at all: the calls cost nothing more.
"""

from __future__ import annotations

import logging
import re
import sys
from time import perf_counter
from typing import Any

from oint.core.errors import not_text
from oint.core.transport.base import (
    AsyncTransport,
    RawResponse,
    SyncTransport,
    TransportError,
)

LOG = logging.getLogger("oint.ozon.http")
BODY_SHOWN = 800  # characters of a request or answer body shown
SECRET_HEADERS = frozenset({"api-key", "authorization", "proxy-authorization", "cookie", "set-cookie"})
# JSON fields of bodies that hold secrets (an OAuth token request and its answer), shown as <redacted>
SECRET_FIELDS = re.compile(r'("(?:client_secret|access_token|refresh_token)"\s*:\s*)"(?:[^"\\]|\\.)*"')


def watched(transport: Any, base_url: str, asynchronous: bool) -> Any:
    """`transport` wrapped so that it logs every exchange with `base_url` (see the module)."""
    if not LOG.hasHandlers():  # nobody set logging up: stderr, as the CLI's own lines
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("oint: %(message)s"))
        LOG.addHandler(handler)
    if LOG.getEffectiveLevel() > logging.INFO:
        LOG.setLevel(logging.INFO)
    wrapper = AsyncDebugTransport if asynchronous else DebugTransport
    return wrapper(transport, base_url)


def redacted(headers: dict[str, str]) -> list[str]:
    """`Name: value` lines of `headers`, secrets replaced by `<redacted>`."""
    return [f"{k}: {'<redacted>' if k.lower() in SECRET_HEADERS else v}" for k, v in headers.items()]


def shown_body(body: bytes | None, content_type: str = "") -> str | None:
    """A body as one printable line, cut to `BODY_SHOWN` characters (None when empty)."""
    if not body:
        return None
    text = body.decode("utf-8", "replace")
    if not_text(text, BODY_SHOWN):
        return f"<{len(body):,} bytes, not text ({content_type or 'no Content-Type'})>"
    text = SECRET_FIELDS.sub(r'\1"<redacted>"', text)
    line = text[:BODY_SHOWN].replace("\r", "\\r").replace("\n", "\\n")
    return line if len(text) <= BODY_SHOWN else f"{line}... ({len(body):,} bytes in all)"


class _Watch:
    """What both wrappers share: the wrapped transport and the log lines."""

    def __init__(self, inner: Any, base_url: str) -> None:
        self._inner = inner
        self._base = base_url.rstrip("/")
        self._web = base_url.startswith(("http://", "https://"))  # else e.g. the sandbox in-process

    def __getattr__(self, name: str) -> Any:  # base_url, default_credentials, ... of the wrapped one
        if name == "_inner":
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._inner!r})"

    def _sent(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> float:
        target = f"{self._base}{path}" if self._web else f"{path} ({self._base})"
        lines = [f"> {method} {target}", *("> " + h for h in redacted(headers))]
        text = shown_body(body, headers.get("Content-Type", ""))
        if text is not None:
            lines.append(f"> {text}")
        for line in lines:
            LOG.info("%s", line)
        return perf_counter()

    @staticmethod
    def _answered(raw: RawResponse, started: float) -> None:
        LOG.info("< %d in %.1f ms", raw.status, (perf_counter() - started) * 1000)
        for line in redacted(raw.headers):
            LOG.info("< %s", line)
        text = shown_body(raw.content, raw.headers.get("content-type", ""))
        if text is not None:
            LOG.info("< %s", text)

    @staticmethod
    def _failed(error: TransportError, started: float) -> None:
        LOG.info("< no answer after %.1f ms: %s", (perf_counter() - started) * 1000, error)


class DebugTransport(_Watch):
    """A `SyncTransport` that logs each exchange of the one it wraps."""

    _inner: SyncTransport

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        started = self._sent(method, path, headers, body)
        try:
            raw = self._inner.request(method, path, headers, body, timeout)
        except TransportError as e:
            self._failed(e, started)
            raise
        self._answered(raw, started)
        return raw

    def close(self) -> None:
        self._inner.close()


class AsyncDebugTransport(_Watch):
    """The async twin of `DebugTransport`."""

    _inner: AsyncTransport

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        started = self._sent(method, path, headers, body)
        try:
            raw = await self._inner.request(method, path, headers, body, timeout)
        except TransportError as e:
            self._failed(e, started)
            raise
        self._answered(raw, started)
        return raw

    async def aclose(self) -> None:
        await self._inner.aclose()
