"""OInt's call conventions on `oint ozon`: the advanced-call `--config` (timeout, retries, proxy,
adv_response, dontwait; no value: the list of settings) and `--out _hex_|_base64_|_utf8_`. Each
setting is checked by what it does on a real sandbox server (a proxy in the test sees the request;
a slow answer times out; a 500 is retried or not), bad settings are one line and exit 2."""

from __future__ import annotations

import base64
import http.server
import json
import socketserver
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, Cli, SandboxServer, creds

PRODUCT = ["--productid", "1111588191"]
INFO = "GetProductsInformation"
PDF_OPERATION = "v1_return_giveout_get_pdf"  # answered with a PDF (the operation layer's `file`)


class _Forwarding(http.server.BaseHTTPRequestHandler):
    """A plain HTTP proxy: takes absolute-form requests, forwards them, remembers what it saw."""

    seen: list[dict[str, str]]

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        self.seen.append({"target": self.path, "auth": self.headers.get("proxy-authorization") or ""})
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in ("proxy-authorization", "host", "accept-encoding")
        }
        request = urllib.request.Request(self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, data, kind = answer.status, answer.read(), answer.headers.get("content-type", "")
        except urllib.error.HTTPError as e:
            status, data, kind = e.code, e.read(), e.headers.get("content-type", "")
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[tuple[int, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    handler = type("Handler", (_Forwarding,), {"seen": seen})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def test_config_without_value_lists_the_settings(run_cli: Any, sandbox_db: str) -> None:
    r = run_cli("ozon", INFO, "--config")
    assert r.code == 0, r.err
    keys = [line.split(":")[0] for line in r.out.splitlines()]
    assert keys == ["timeout", "retries", "proxy", "adv_response", "dontwait"]
    local = run_cli("ozon", "GetProductStructure", "--config")
    assert local.code == 0 and "no call settings" in local.out
    for topic in (INFO, "/v3/product/info/list"):  # the help pages name them
        shown = run_cli("ozon", topic, "--help").out
        assert "--config SETTINGS" in shown and "_hex_" in shown


def test_adv_response_over_http(cli: Cli, server: SandboxServer) -> None:
    full = cli(INFO, *PRODUCT, "--config", '{"adv_response": true}')
    assert full.code == 0, full.err
    doc = full.json()
    assert set(doc) == {"status", "body", "headers"} and doc["status"] == 200
    assert doc["body"]["items"][0]["id"] == 1111588191
    assert doc["headers"]["content-type"].startswith("application/json")
    plain = cli(INFO, *PRODUCT)
    assert plain.json() == doc["body"]
    server.fault(path="/v3/product/info/list", status=404, times=1)
    error = cli(INFO, *PRODUCT, "--config", "{'adv_response': 'true'}")  # OInt's single quotes too
    assert error.code == 1
    assert error.json()["status"] == 404 and "code" in error.json()["body"] and error.json()["headers"]


def test_adv_response_on_the_embedded_sandbox(run_cli: Any, sandbox_db: str, tmp_path: Path) -> None:
    settings = tmp_path / "call.json"
    settings.write_text('{"adv_response": true}', encoding="utf-8")
    r = run_cli("ozon", INFO, *PRODUCT, "--sandbox", "--config", str(settings))  # a file, as OInt takes
    assert r.code == 0, r.err
    assert r.json()["status"] == 200 and r.json()["body"]["items"][0]["id"] == 1111588191


def test_timeout_and_retries(cli: Cli, server: SandboxServer) -> None:
    server.fault(path="/v3/product/info/list", delay=3, times=1)
    slow = cli(INFO, *PRODUCT, "--config", '{"timeout": 0.5, "retries": 0}')
    assert slow.code == 1 and "timed out" in slow.err.lower(), slow.err
    server.clear_faults()
    server.fault(path="/v3/product/info/list", status=500, times=1)
    once = cli(INFO, *PRODUCT, "--config", '{"retries": 0}')
    assert once.code == 1 and once.json()["code"] == 13, (once.out, once.err)  # not sent again
    server.fault(path="/v3/product/info/list", status=500, times=1)
    again = cli(INFO, *PRODUCT, "--config", '{"retries": 1}')
    assert again.code == 0, again.err
    both = cli(INFO, *PRODUCT, "--config", '{"timeout": 5}', "--timeout", "5")
    assert both.code == 2 and "keep one" in both.err


def test_proxy(cli: Cli, server: SandboxServer, proxy: tuple[int, list[dict[str, str]]]) -> None:
    port, seen = proxy
    settings = {
        "proxy": {"Protocol": "http", "Host": "127.0.0.1", "Port": port, "User": "u", "Password": "p w"}
    }
    r = cli(INFO, *PRODUCT, "--config", json.dumps(settings))
    assert r.code == 0, r.err
    assert r.json()["items"][0]["id"] == 1111588191
    assert [s["target"] for s in seen] == [server.url + "/v3/product/info/list"]
    assert seen[0]["auth"] == "Basic " + base64.b64encode(b"u:p w").decode()
    by_url = cli(INFO, *PRODUCT, "--config", json.dumps({"proxy": f"http://127.0.0.1:{port}"}))
    assert by_url.code == 0 and len(seen) == 2


def test_dontwait_and_bad_settings_send_nothing(cli: Cli, server: SandboxServer, tmp_path: Path) -> None:
    server.clear_requests()
    for settings, said in [
        ('{"dontwait": true}', "cannot map"),
        ("{not json", "not valid JSON"),
        ('["timeout"]', "expected a JSON object"),
        ('{"timout": 5}', "unknown setting(s) timout"),
        ('{"retries": -1}', "not negative"),
        ('{"timeout": "soon"}', "must be a number"),
        ('{"adv_response": "yes"}', "true or false"),
        ('{"proxy": {"Host": "h", "UseOSAuthentication": true}}', "cannot map"),
        ('{"proxy": {"Port": 3128}}', "needs a Host"),
        (str(tmp_path / "missing.json"), "cannot read"),
    ]:
        r = cli(INFO, *PRODUCT, "--config", settings)
        assert r.code == 2 and r.out == "" and r.err.count("\n") == 1 and said in r.err, (settings, r.err)
        assert "Traceback" not in r.err and DEMO_API_KEY not in r.err
    assert server.paths() == []


def test_proxy_on_the_sandbox_is_refused(run_cli: Any, sandbox_db: str) -> None:
    r = run_cli("ozon", INFO, *PRODUCT, "--sandbox", "--config", '{"proxy": "http://127.0.0.1:9"}')
    assert r.code == 2 and "does not apply to the sandbox" in r.err


@pytest.mark.parametrize("how", ["_hex_", "_base64_", "_utf8_", "_HEX_"])
def test_special_out_of_a_json_answer(cli: Cli, how: str) -> None:
    plain = cli(INFO, *PRODUCT)
    r = cli(INFO, *PRODUCT, "--out", how)
    assert r.code == 0, r.err
    shown = r.out.strip()
    kind = how.lower()
    decoded = (
        bytes.fromhex(shown)
        if kind == "_hex_"
        else base64.b64decode(shown)
        if kind == "_base64_"
        else shown.encode()
    )
    assert json.loads(decoded) == plain.json()
    if how == "_hex_":
        assert shown == shown.upper()  # as OInt prints it
    assert not Path(how).exists()


def test_special_out_of_a_file_answer(run_cli: Any, sandbox_db: str) -> None:
    piped = run_cli("ozon", PDF_OPERATION, "--sandbox", "--body", "{}", "--out", "_base64_")
    assert piped.code == 0, piped.err
    assert base64.b64decode(piped.out.strip()).startswith(b"%PDF")
    hexed = run_cli("ozon", PDF_OPERATION, "--sandbox", "--body", "{}", "--out", "_hex_")
    assert bytes.fromhex(hexed.out.strip()).startswith(b"%PDF")
    paged = run_cli("ozon", "GetProductList", "--sandbox", "--all-pages", "--out", "_utf8_")
    assert paged.code == 2 and "--all-pages" in paged.err


def test_operations_take_the_conventions(run_cli: Any, server: SandboxServer) -> None:
    r = run_cli(
        "ozon", "/v3/product/info/list", *creds(server.url), "--product-id", "[1111588191]",
        "--config", '{"adv_response": true}',
    )  # fmt: skip
    assert r.code == 0, r.err
    assert r.json()["status"] == 200 and r.json()["body"]["items"][0]["id"] == 1111588191
    listed = run_cli("ozon", "/v3/product/info/list", *creds(server.url), "--config")
    assert listed.code == 0 and listed.out.startswith("timeout:")
