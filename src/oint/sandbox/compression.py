"""Gzip for the answers of `oint sandbox serve`, as Ozon's servers send them: a JSON or text answer
of at least `MIN_SIZE` bytes is compressed when the request accepts gzip (`Accept-Encoding`);
smaller ones, files (PDF, images) and requests that do not ask go as they are.

Kept apart from the HTTP adapter (`oint.sandbox.app`), which calls `encode_answer` once per
answer. Compressing a large answer runs on the adapter's thread pool, never on the event loop.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterable
from concurrent.futures import Executor

MIN_SIZE = 1024  # bytes: below this the headers and the CPU cost more than gzip saves
LEVEL = 1  # zlib's fastest, as nginx's default: bench/compression-RESULTS.md compares 1, 3, 5 and 6
_TEXT_TYPES = ("application/json", "text/", "application/problem+json")
Header = tuple[bytes, bytes]


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding value lets the answer be gzip (RFC 9110: `gzip`, `x-gzip` or `*`
    with a q-value above 0)."""
    star = False
    for part in accept_encoding.split(","):
        name, _, params = part.partition(";")
        name = name.strip().lower()
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name in ("gzip", "x-gzip"):
            return q > 0
        if name == "*":
            star = q > 0
    return star


def gzip_bytes(body: bytes, level: int = LEVEL) -> bytes:
    """`body` as one gzip member."""
    packer = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return packer.compress(body) + packer.flush()


def _compressible(headers: dict[str, str], body: bytes) -> bool:
    """A text answer worth packing, not encoded already (an injected fault may set its headers)."""
    if len(body) < MIN_SIZE:
        return False
    named = {k.lower(): v for k, v in headers.items()}
    if "content-encoding" in named:
        return False
    return named.get("content-type", "").split(";")[0].strip().lower().startswith(_TEXT_TYPES)


async def encode_answer(
    request_headers: Iterable[Header], headers: dict[str, str], body: bytes, executor: Executor
) -> tuple[bytes, list[Header]]:
    """The body to send and the headers to add: gzip and its `Content-Encoding` when the answer is
    worth compressing and the request (its raw ASGI headers) accepts it; `Vary` on every answer that
    could have been."""
    if not _compressible(headers, body):
        return body, []
    vary = [(b"vary", b"Accept-Encoding")]
    asked = b",".join(v for k, v in request_headers if k.lower() == b"accept-encoding")
    if not asked or not accepts_gzip(asked.decode("latin-1")):
        return body, vary
    packed = await asyncio.get_running_loop().run_in_executor(executor, gzip_bytes, body)
    return packed, [(b"content-encoding", b"gzip"), *vary]
