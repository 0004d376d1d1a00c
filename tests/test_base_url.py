"""Malformed server addresses (`--base-url`, `OZON_BASE_URL`, `base_url=`): a usage error naming
where the address came from, raised by the client's constructor before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, SandboxServer

from oint.core.base_url import check_base_url
from oint.ozon import AsyncOzonClient, OzonClient, UsageError

MALFORMED = [
    ("notaurl", "is not an http:// or https:// URL"),
    ("ftp://x", "is not an http:// or https:// URL"),
    ("http://", "no host"),
    ("http://host:99999", "port '99999' is not a number from 1 to 65535"),
    ("http://host:abc", "port 'abc' is not a number from 1 to 65535"),
    ("http://host:0", "port 0 is not a number"),
    ("http://[::1", "not a valid URL"),
    ("http://user:secret@host", "credentials in the URL are not supported"),
    ("http://host/?a=1", "no query or fragment"),
    ("http://host/#top", "no query or fragment"),
    ("http://ho st", "no host"),
    ("", "is not an http:// or https:// URL"),
]


@pytest.mark.parametrize(("url", "needle"), MALFORMED)
def test_check_base_url_refuses(url: str, needle: str) -> None:
    with pytest.raises(UsageError) as info:
        check_base_url(url, "--base-url")
    message = str(info.value)
    assert message.startswith("--base-url: ") and needle in message and "\n" not in message
    assert "secret" not in message  # a password in the URL is never echoed


@pytest.mark.parametrize(
    "url",
    ["https://api-seller.ozon.ru", "http://127.0.0.1:8080", "HTTP://Host:1/prefix/", "http://[::1]:65535"],
)
def test_check_base_url_accepts(url: str) -> None:
    assert check_base_url(url, "x") == url


@pytest.mark.parametrize("cls", [OzonClient, AsyncOzonClient])
def test_client_constructor_names_the_source(
    cls: Any, monkeypatch: pytest.MonkeyPatch, sandbox_db: str
) -> None:
    monkeypatch.delenv("OZON_BASE_URL", raising=False)
    with pytest.raises(UsageError, match=r"^base_url: port 'abc' is not"):
        cls(DEMO_CLIENT_ID, DEMO_API_KEY, base_url="http://host:abc")
    monkeypatch.setenv("OZON_BASE_URL", "ftp://x")
    with pytest.raises(UsageError, match=r"^OZON_BASE_URL: 'ftp://x' is not an http"):
        cls(DEMO_CLIENT_ID, DEMO_API_KEY)
    # the explicit argument wins over the variable, and the sandbox uses neither
    client = cls(DEMO_CLIENT_ID, DEMO_API_KEY, base_url="http://127.0.0.1:1", transport=_NoTransport())
    assert client.base_url == "http://127.0.0.1:1"
    sandboxed = cls(sandbox=True, base_url="http://127.0.0.1:1")
    assert sandboxed.base_url == "sandbox:"
    sandboxed._transport.sandbox.close()


class _NoTransport:
    """Never used: the constructor is under test."""


@pytest.mark.parametrize(("url", "needle"), MALFORMED[:5])
def test_cli_malformed_base_url_exit_2(run_cli: Any, url: str, needle: str) -> None:
    args = ("ozon", "GetProductList", "--clientid", DEMO_CLIENT_ID, "--apikey", DEMO_API_KEY)
    for r, source in (
        (run_cli(*args, "--base-url", url), "--base-url"),
        (run_cli(*args, env={"OZON_BASE_URL": url}), "OZON_BASE_URL"),
    ):
        if source == "OZON_BASE_URL" and url == "":
            continue
        assert r.code == 2, (source, r.out, r.err)
        assert r.out == "" and r.err.count("\n") == 1 and "Traceback" not in r.err
        assert r.err.startswith(f"oint: {source}: ") and needle in r.err, r.err
        assert DEMO_API_KEY not in r.err


def test_cli_refused_base_url_sends_nothing(run_cli: Any, server: SandboxServer) -> None:
    """An address of the running sandbox, made malformed by a query: refused before sending."""
    server.fault(path="/v3/product/list", status=500, times=1, body={"code": 13, "message": "armed"})
    args = (
        "ozon",
        "GetProductList",
        "--clientid",
        DEMO_CLIENT_ID,
        "--apikey",
        DEMO_API_KEY,
        "--retries",
        "0",
    )
    refused = run_cli(*args, "--base-url", server.url + "/?debug=1")
    assert refused.code == 2 and "no query or fragment" in refused.err
    armed = run_cli(*args, "--base-url", server.url)
    assert armed.code == 1 and armed.json()["message"] == "armed", (armed.out, armed.err)
