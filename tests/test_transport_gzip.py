"""Compressed answers (issue 15, item 10): oint's fast transports ask for gzip and deflate and
decode them, also from a server that compresses unasked; an answer they cannot decode is one
readable error, never bytes; `oint sandbox serve` compresses large JSON answers when asked."""

from __future__ import annotations

import asyncio
import gzip
import http.client
import json
import socket
import zlib
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, SandboxServer
from test_transport_fast import HEADERS, ScriptServer

from oint.core.client import InvalidResponseError
from oint.core.transport.base import RawResponse, TransportError
from oint.core.transport.fast import FastTransport
from oint.core.transport.fast_async import AsyncFastTransport
from oint.ozon import OzonClient
from oint.sandbox.compression import MIN_SIZE, accepts_gzip

DOC = {"result": {"items": [{"offer_id": f"SKU-{i}", "name": "Пленка защитная"} for i in range(300)]}}
PLAIN = json.dumps(DOC, ensure_ascii=False).encode()


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


# what the scripted server answers per path: (Content-Encoding, body)
ENCODED: dict[str, tuple[str, bytes]] = {
    "/gzip": ("gzip", gzip.compress(PLAIN)),
    "/gzip-members": ("gzip", gzip.compress(PLAIN[:1000]) + gzip.compress(PLAIN[1000:])),
    "/deflate": ("deflate", zlib.compress(PLAIN)),
    "/raw-deflate": ("deflate", _raw_deflate(PLAIN)),
    "/GZIP": ("GZIP", gzip.compress(PLAIN)),
    "/identity": ("identity", PLAIN),
    "/broken": ("gzip", b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4),
    "/cut": ("gzip", gzip.compress(PLAIN)[:200]),
    "/br": ("br", b"\x8b\x00\x80\xff\xfe\x00binary"),
}


@pytest.fixture(scope="module")
def compressing() -> Iterator[tuple[ScriptServer, list[dict[bytes, bytes]]]]:
    """A server that compresses whatever the request asked (RFC 9110 lets it), chunked under
    /chunked/..., and keeps each request's headers."""
    seen: list[dict[bytes, bytes]] = []

    def handler(sock: socket.socket, f: BinaryIO, i: int) -> None:
        while (req := srv.read(f)) is not None:
            seen.append(req[1])
            path = req[0].split()[1].decode()
            chunked = path.startswith("/chunked")
            coding, body = ENCODED[path.removeprefix("/chunked")]
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: %s\r\n" % (
                coding.encode()
            )
            if chunked:
                parts = [body[i : i + 700] for i in range(0, len(body), 700)]
                data = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
                sock.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n" + data)
            else:
                sock.sendall(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)

    srv = ScriptServer(handler)
    with srv:
        yield srv, seen


@pytest.fixture(params=["sync", "async"])
def fetch(request: pytest.FixtureRequest) -> Iterator[Callable[..., RawResponse]]:
    """`fetch(url, path, headers=None)` through the sync or the async fast transport."""
    made: list[Any] = []
    loop = asyncio.new_event_loop()

    def call(url: str, path: str, headers: dict[str, str] | None = None) -> RawResponse:
        if request.param == "sync":
            t = FastTransport(url)
            made.append(t)
            return t.request("POST", path, headers or HEADERS, b"{}", 10)
        a = AsyncFastTransport(url)
        made.append(a)
        return loop.run_until_complete(a.request("POST", path, headers or HEADERS, b"{}", 10))

    yield call
    for t in made:
        if isinstance(t, FastTransport):
            t.close()
        else:
            loop.run_until_complete(t.aclose())
    loop.close()


@pytest.mark.parametrize("path", ["/gzip", "/gzip-members", "/deflate", "/raw-deflate", "/GZIP", "/identity"])
@pytest.mark.parametrize("chunked", [False, True])
def test_compressed_answers_are_decoded(
    compressing: tuple[ScriptServer, list[dict[bytes, bytes]]],
    fetch: Callable[..., RawResponse],
    path: str,
    chunked: bool,
) -> None:
    srv, seen = compressing
    raw = fetch(srv.url, ("/chunked" if chunked else "") + path)
    assert raw.status == 200 and raw.content == PLAIN
    assert seen[-1][b"accept-encoding"] == b"gzip, deflate"  # asked for what it can decode


def test_the_callers_accept_encoding_is_sent_alone(
    compressing: tuple[ScriptServer, list[dict[bytes, bytes]]], fetch: Callable[..., RawResponse]
) -> None:
    srv, seen = compressing
    raw = fetch(srv.url, "/identity", {**HEADERS, "accept-encoding": "identity"})
    assert raw.content == PLAIN
    assert seen[-1][b"accept-encoding"] == b"identity"


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("/broken", "says it is gzip but cannot be decoded"),
        ("/cut", "gzip answer is cut short"),
        ("/br", "encoded with 'br', which oint cannot decode"),
    ],
)
def test_undecodable_answers_are_one_readable_line(
    compressing: tuple[ScriptServer, list[dict[bytes, bytes]]],
    fetch: Callable[..., RawResponse],
    path: str,
    needle: str,
) -> None:
    srv, _ = compressing
    with pytest.raises(TransportError) as ei:
        fetch(srv.url, path)
    text = str(ei.value)
    assert needle in text
    assert text.isprintable() and "\ufffd" not in text and "\\x" not in text


def test_client_reads_a_gzip_answer_of_a_server_that_compresses_unasked(
    compressing: tuple[ScriptServer, list[dict[bytes, bytes]]],
) -> None:
    srv, _ = compressing
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=srv.url, max_retries=0) as ozon:
        assert ozon.request("POST", "/gzip", {}) == DOC
        assert ozon.request("POST", "/chunked/deflate", {}) == DOC


def test_a_binary_answer_that_is_not_json_is_named_not_quoted() -> None:
    body = bytes(range(256)) * 8

    def handler(sock: socket.socket, f: BinaryIO, i: int) -> None:
        while srv.read(f) is not None:
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    with ScriptServer(handler) as srv, OzonClient("1", "k", base_url=srv.url, max_retries=0) as ozon:
        with pytest.raises(InvalidResponseError) as ei:
            ozon.request("POST", "/v3/product/list", {})
    text = str(ei.value)
    assert text.endswith("the answer is not text: 2048 bytes (no Content-Type)")
    assert text.isprintable() and "\ufffd" not in text


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, GZIP;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("deflate", False),
        ("*;q=0", False),
        ("gzip;q=zero", False),
        ("", False),
    ],
)
def test_accepts_gzip(header: str, ok: bool) -> None:
    assert accepts_gzip(header) is ok


LARGE = "/v4/product/info/attributes"


def _post(url: str, path: str, body: dict[str, Any], accept: str | None) -> http.client.HTTPResponse:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY, "Content-Type": "application/json"}
    if accept is not None:
        headers["Accept-Encoding"] = accept
    conn.request("POST", path, json.dumps(body), headers)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


def test_sandbox_server_compresses_large_json_when_asked(server: SandboxServer) -> None:
    big = {"filter": {"visibility": "ALL"}, "limit": 1000}  # the demo's attributes: about 6.5 KB
    asked = _post(server.url, LARGE, big, "gzip, deflate")
    plain = _post(server.url, LARGE, big, None)
    assert plain.getheader("Content-Encoding") is None
    assert asked.getheader("Content-Encoding") == "gzip"
    assert asked.getheader("Vary") == "Accept-Encoding"
    assert int(asked.getheader("Content-Length") or 0) < int(plain.getheader("Content-Length") or 0) / 4
    refused = _post(server.url, LARGE, big, "gzip;q=0")
    assert refused.getheader("Content-Encoding") is None
    small = _post(server.url, "/v3/product/list", {"filter": {"visibility": "ALL"}, "limit": 1}, "gzip")
    assert int(small.getheader("Content-Length") or 0) < MIN_SIZE  # a tiny answer goes as it is
    assert small.getheader("Content-Encoding") is None


def test_fast_transport_receives_the_sandbox_answers_compressed(server: SandboxServer) -> None:
    body = json.dumps({"filter": {"visibility": "ALL"}, "limit": 1000}).encode()
    headers = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY, "Content-Type": "application/json"}
    with FastTransport(server.url) as t:
        packed = t.request("POST", LARGE, headers, body, 30)
        plain = t.request("POST", LARGE, {**headers, "Accept-Encoding": "identity"}, body, 30)
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < len(plain.content) / 4
    assert json.loads(packed.content) == json.loads(plain.content)


def test_a_lying_content_encoding_is_one_line_in_the_cli(server: SandboxServer, run_cli: Any) -> None:
    """A fault's own Content-Encoding is left alone by the server; oint cannot decode the body and
    says so in one line, exit 1, without the bytes."""
    server.fault(path="/v2/warehouse/list", status=200, body="x" * 2000, headers={"Content-Encoding": "gzip"})
    r = run_cli("ozon", "GetWarehousesList", "--clientid", DEMO_CLIENT_ID, "--apikey", DEMO_API_KEY,
                "--base-url", server.url, "--retries", "0")  # fmt: skip
    assert r.code == 1 and r.out == ""
    assert r.err.startswith("oint: POST /v2/warehouse/list: the answer says it is gzip but cannot be decoded")
    assert len(r.err.splitlines()) == 1 and "xxxx" not in r.err
