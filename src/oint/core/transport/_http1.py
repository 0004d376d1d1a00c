"""What the sync and async fast transports share: HTTP/1.1 on the wire, without I/O.

- `_Origin`: a base URL taken apart once, and the encoding of requests (request line,
  header block and body as one buffer, with small caches: clients send the same headers
  every call);
- `_Exchange`: the state of one response on one connection, fed by an `httptools`
  (llhttp) parser: status, headers (lower-case names, repeated ones joined), the body
  framed by Content-Length, chunked encoding or the connection closing; 1xx interim
  answers, HEAD, junk after the answer, and the peer closing (`feed_eof`);
- `_decoded`: the body of an answer sent with Content-Encoding gzip or deflate, decoded (both
  transports ask for them: `Accept-Encoding: gzip, deflate`, unless the caller sets its own);
- `_os_error`: short, readable texts for socket, DNS and TLS failures.

`fast` (sockets, threads) and `fast_async` (asyncio protocols) only move bytes.
"""

from __future__ import annotations

import os
import socket
import ssl
import zlib
from urllib.parse import urlsplit

from httptools import HttpParserError, HttpParserUpgrade, HttpResponseParser

from oint.core.transport.base import RawResponse, TransportError, TransportTimeout, certificate_error

DEFAULT_MAX_CONNECTIONS = 100  # keep-alive connections per transport, opened as needed (bench/RESULTS.md)
_JOIN_LIMIT = 65536  # bodies up to this size are copied behind the head: one send
_OWN_HEADERS = frozenset({"host", "content-length", "transfer-encoding"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_PARSE_ERRORS = (HttpParserError, HttpParserUpgrade)
_CACHE_MAX = 512
_NAMES: dict[bytes, str] = {}  # raw response header name -> lower-case str, shared and bounded
_ACCEPT_ENCODING = "Accept-Encoding: gzip, deflate\r\n"  # what `_decoded` can undo
MAX_DECODED = 1 << 30  # bytes: a compressed answer that would grow past this is refused (a zip bomb)


class _Stale(TransportError):
    """The peer closed the connection before answering; safe to resend on a fresh one."""


class _StrayData(Exception):
    """A second message started after the one we wanted; the connection is not reusable."""


class _Origin:
    """The parts of a base URL every request needs, computed once, plus small encoding caches."""

    __slots__ = ("block_cache", "connect_host", "host_line", "label", "lines", "port", "prefix", "tls", "url")

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise ValueError(f"base_url must be http:// or https://, got {base_url!r}")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("base_url must not carry a query, fragment or credentials")
        host = parts.hostname
        if not host:
            raise ValueError(f"base_url has no host: {base_url!r}")
        self.tls = scheme == "https"
        default_port = 443 if self.tls else 80
        self.port = parts.port or default_port
        self.connect_host = host
        if not host.isascii():
            host = host.encode("idna").decode("ascii")
        shown = f"[{host}]" if ":" in host else host
        if self.port != default_port:
            shown = f"{shown}:{self.port}"
        self.label = shown
        self.host_line = f"Host: {shown}\r\n"
        self.prefix = parts.path.rstrip("/")
        self.url = f"{scheme}://{shown}{self.prefix}"  # where requests go, as the client reads it
        # (copy of the caller's headers, their rendered bytes): clients pass the same dict every call
        self.block_cache: tuple[dict[str, str], bytes] | None = None
        self.lines: dict[tuple[str, str], bytes] = {}  # (method, path) -> request line

    def encode(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[bytes, bytes]:
        """The request as the bytes to send first and a (large) body to send after them, or b""."""
        line = self.lines.get((method, path))
        if line is None:
            line = self._request_line(method, path)
        cache = self.block_cache
        if cache is not None and cache[0] == headers:
            block = cache[1]
        else:
            block = self._render(headers)
            self.block_cache = (dict(headers), block)
        if body is None:
            tail = b"Content-Length: 0\r\n\r\n" if method in _BODY_METHODS else b"\r\n"
            return b"".join((line, block, tail)), b""
        tail = b"Content-Length: %d\r\n\r\n" % len(body)
        if len(body) <= _JOIN_LIMIT:
            return b"".join((line, block, tail, body)), b""
        return b"".join((line, block, tail)), body

    def _request_line(self, method: str, path: str) -> bytes:
        target = self.prefix + path if path[:1] == "/" else f"{self.prefix}/{path}"
        if not method.isalpha() or not target.isprintable() or " " in target:
            raise TransportError("bad request method or path (spaces or control characters)")
        try:
            line = f"{method} {target} HTTP/1.1\r\n".encode("latin-1")
        except UnicodeEncodeError:
            raise TransportError("request path must be latin-1 (percent-encode it)") from None
        if len(self.lines) >= _CACHE_MAX:
            self.lines.clear()
        self.lines[(method, path)] = line
        return line

    def _render(self, headers: dict[str, str]) -> bytes:
        lines = [self.host_line]
        if not any(k.lower() == "accept-encoding" for k in headers):
            lines.append(_ACCEPT_ENCODING)
        lines.extend(f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() not in _OWN_HEADERS)
        text = "".join(lines)
        if text.count("\n") != len(lines) or text.count("\r") != len(lines):
            raise TransportError("header names and values must not contain line breaks")
        try:
            return text.encode("latin-1")
        except UnicodeEncodeError:
            raise TransportError("header names and values must be latin-1") from None


class _Exchange:
    """Per-connection response state; the callback object of its httptools parser."""

    __slots__ = ("chunks", "complete", "got_bytes", "head", "headers", "keep_alive", "parser", "status")

    def __init__(self) -> None:
        self.parser = HttpResponseParser(self)
        self.begin(False)

    def begin(self, head: bool) -> None:
        """Forget the previous response before sending the next request."""
        self.status = 0  # final status once headers are in (a 1xx is set here only briefly)
        self.headers: dict[str, str] = {}
        self.chunks: list[bytes] = []
        self.complete = False
        self.keep_alive = False
        self.got_bytes = False
        self.head = head

    # httptools callbacks
    def on_message_begin(self) -> None:
        if self.complete:
            raise _StrayData

    def on_header(self, name: bytes, value: bytes) -> None:
        key = _NAMES.get(name)
        if key is None:
            key = name.decode("latin-1").lower()
            if len(_NAMES) < _CACHE_MAX:
                _NAMES[name] = key
        text = value.decode("latin-1")
        old = self.headers.setdefault(key, text)
        if old is not text:
            self.headers[key] = f"{old}, {text}"

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        if self.head and self.status >= 200:
            # No body follows a HEAD answer whatever its Content-Length says; llhttp can't know
            # that, so this parser is retired and the next request gets a fresh one.
            self.complete = True
            self.keep_alive = self.parser.should_keep_alive() and not self._until_eof()
            self.parser = HttpResponseParser(self)

    def on_body(self, body: bytes) -> None:
        if not self.complete:
            self.chunks.append(body)

    def on_message_complete(self) -> None:
        if self.status < 200 and self.status != 101:
            self.status = 0  # 1xx interim answer: the real one follows
            self.headers = {}
        elif not self.complete:
            self.complete = True
            self.keep_alive = self.parser.should_keep_alive()

    # helpers
    def _until_eof(self) -> bool:
        """Whether the body runs until the connection closes (no length, not chunked)."""
        h = self.headers
        return "content-length" not in h and "chunked" not in h.get("transfer-encoding", "").lower()

    def parse_error(self, e: Exception) -> TransportError | None:
        """The error for a parser failure, or None for junk after a complete answer."""
        if self.complete:
            self.keep_alive = False
            return None
        if isinstance(e, HttpParserUpgrade):
            return TransportError(f"unexpected protocol switch (status {self.status})")
        return TransportError(f"malformed HTTP response: {e}")

    def feed_eof(self) -> None:
        """The peer closed: finish a close-delimited body, or raise."""
        if self.complete:
            self.keep_alive = False
        elif self.status >= 200 and self._until_eof():
            self.complete = True
            self.keep_alive = False
        elif not self.got_bytes:
            raise _Stale("connection closed before the response")
        else:
            raise TransportError("connection closed in the middle of the response")

    def response(self) -> RawResponse:
        """The answer; the connection keeps no reference to its body (an idle connection holds
        only its fixed read buffer, however large the last answer was)."""
        chunks = self.chunks
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        chunks.clear()
        coding = self.headers.get("content-encoding")
        if coding is not None and body:
            body = _decoded(body, coding)
        return RawResponse(self.status, self.headers, body)


def _decoded(body: bytes, coding: str) -> bytes:
    """`body` with its Content-Encoding (`coding`: gzip, deflate, identity, or several, applied in
    order) undone. TransportError, naming the coding and never quoting the bytes, when it cannot be."""
    for name in reversed([c.strip().lower() for c in coding.split(",") if c.strip()]):
        if name in ("gzip", "x-gzip"):
            body = _inflate(body, 16 + zlib.MAX_WBITS, name)
        elif name == "deflate":  # zlib-wrapped as RFC 9110 says; some servers send it raw
            try:
                body = _inflate(body, zlib.MAX_WBITS, name)
            except TransportError:
                body = _inflate(body, -zlib.MAX_WBITS, name)
        elif name != "identity":
            raise TransportError(f"the answer is encoded with {name!r}, which oint cannot decode")
    return body


def _inflate(data: bytes, wbits: int, name: str) -> bytes:
    """Every member of a gzip (or the one zlib / raw deflate stream) in `data`, decompressed."""
    out: list[bytes] = []
    size = 0
    try:
        while data:
            d = zlib.decompressobj(wbits)
            part = d.decompress(data, MAX_DECODED - size)
            size += len(part)
            out.append(part)
            if d.unconsumed_tail:
                raise TransportError(f"the {name} answer grows past {MAX_DECODED} bytes once decoded")
            if not d.eof:
                raise TransportError(f"the {name} answer is cut short")
            data = d.unused_data if wbits > 0 and wbits & 16 else b""
    except zlib.error as e:
        raise TransportError(f"the answer says it is {name} but cannot be decoded ({e})") from None
    return out[0] if len(out) == 1 else b"".join(out)


def _os_error(what: str, e: OSError) -> TransportError:
    """A short TransportError for a socket/TLS failure (TransportTimeout for timeouts)."""
    if isinstance(e, TimeoutError):
        return TransportTimeout(f"{what}: timed out")
    if isinstance(e, ssl.SSLCertVerificationError):
        return certificate_error(what, e.verify_message or e.reason or "verification failed")
    if isinstance(e, socket.gaierror):
        # getaddrinfo's codes are not errno values: os.strerror(-2) is "Unknown error -2"
        why = e.strerror or str(e)
        detail = f"name not resolved ({why})" if why else "name not resolved"
    elif isinstance(e, ssl.SSLError):
        detail = str(e)
    elif e.errno and e.errno > 0:
        detail = os.strerror(e.errno)  # asyncio's wording ("Connect call failed ...") hides the cause
    else:
        detail = e.strerror or str(e) or type(e).__name__
    return TransportError(f"{what}: {detail}")
