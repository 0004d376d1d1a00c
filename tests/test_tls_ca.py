"""Trusting a private CA (issue 15, item 12): `--ca-file` / `ca_file=` / a profile's `ca_file`
(and SSL_CERT_FILE, as documented) against a local HTTPS sandbox whose certificate a CA made in
the test signed; without it, one line naming the fix, exit 1, and no retries."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import uvicorn
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, free_port
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import oint.core.client as client_module
from oint.core.client import trusting
from oint.core.retry import RetryPolicy
from oint.core.transport.base import TransportCertificateError
from oint.core.transport.httpx_backend import HttpxTransport
from oint.ozon import APICertificateError, AsyncOzonClient, OzonClient, UsageError
from oint.sandbox.app import create_app
from oint.sandbox.core import Sandbox

# fixed validity, wide: the test does not depend on the machine's clock
VALID = (datetime.datetime(2000, 1, 1), datetime.datetime(2099, 1, 1))


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def make_ca_and_server_cert(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA (ca.pem) and a server certificate for 127.0.0.1 and localhost it signed."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("oint test CA"))
        .issuer_name(_name("oint test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID[0])
        .not_valid_after(VALID[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID[0])
        .not_valid_after(VALID[1])
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "server.pem", folder / "server-key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(_pem_key(key))
    return paths


class TlsSandbox:
    """The sandbox's HTTP app served over HTTPS by uvicorn in a thread."""

    def __init__(self, folder: Path) -> None:
        self.ca, cert, key = make_ca_and_server_cert(folder)
        self.sandbox = Sandbox(str(folder / "tls.sqlite3"), rate_limits=False)
        port = free_port()
        config = uvicorn.Config(
            create_app(self.sandbox),
            host="127.0.0.1",
            port=port,
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
            log_level="error",
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the HTTPS sandbox did not start")
            time.sleep(0.02)
        self.url = f"https://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sandbox.close()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsSandbox]:
    srv = TlsSandbox(tmp_path_factory.mktemp("tls"))
    yield srv
    srv.stop()


def call_args(tls: TlsSandbox, *more: str) -> list[str]:
    return [
        "ozon", "GetWarehousesList", "--clientid", DEMO_CLIENT_ID, "--apikey", DEMO_API_KEY,
        "--base-url", tls.url, *more,
    ]  # fmt: skip


def test_cli_without_the_ca_is_one_line_exit_1(tls: TlsSandbox, run_cli: Any) -> None:
    r = run_cli(*call_args(tls))
    assert r.code == 1 and r.out == ""
    lines = r.err.splitlines()
    assert len(lines) == 1, r.err
    assert "TLS certificate not trusted" in lines[0] and "--ca-file" in lines[0]
    assert "Traceback" not in r.err


def test_cli_with_ca_file_works(tls: TlsSandbox, run_cli: Any) -> None:
    r = run_cli(*call_args(tls, "--ca-file", str(tls.ca)))
    assert r.code == 0, r.err
    assert "result" in r.json()


def test_ssl_cert_file_works_as_documented(tls: TlsSandbox, run_cli: Any) -> None:
    r = run_cli(*call_args(tls), env={"SSL_CERT_FILE": str(tls.ca)})
    assert r.code == 0, r.err


def test_cli_bad_ca_file_is_a_usage_error(tls: TlsSandbox, run_cli: Any, tmp_path: Path) -> None:
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("not a certificate\n")
    for path, needle in ((tmp_path / "absent.pem", "cannot read"), (not_pem, "holds no PEM certificate")):
        r = run_cli(*call_args(tls, "--ca-file", str(path)))
        assert r.code == 2 and r.out == ""
        assert r.err.startswith("oint: --ca-file: ") and needle in r.err and len(r.err.splitlines()) == 1
    r = run_cli("ozon", "GetWarehousesList", "--sandbox", "--ca-file", str(tls.ca))
    assert r.code == 2 and "--ca-file" in r.err


def test_client_ca_file(tls: TlsSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=tls.url, ca_file=tls.ca) as ozon:
        assert "warehouses" in ozon.call("/v2/warehouse/list", {"limit": 10})
    slept: list[float] = []  # the client's waits before a retry, recorded instead of slept
    monkeypatch.setattr(client_module, "time", SimpleNamespace(sleep=slept.append))
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=tls.url, max_retries=3) as untrusting:
        with pytest.raises(APICertificateError, match="TLS certificate not trusted"):
            untrusting.call("/v2/warehouse/list", {"limit": 10})
    assert slept == []  # not retried

    async def main() -> None:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=tls.url, ca_file=str(tls.ca)) as a:
            assert "warehouses" in await a.call("/v2/warehouse/list", {"limit": 10})

    asyncio.run(main())


def test_certificate_errors_are_not_retried() -> None:
    assert RetryPolicy().delay(0, APICertificateError("no")) is None


def test_ca_file_with_a_transport_of_ones_own_is_refused(tls: TlsSandbox) -> None:
    with pytest.raises(UsageError, match="ca_file= applies to the transport oint builds"):
        OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=tls.url, ca_file=tls.ca, http_client=object())
    with pytest.raises(UsageError, match=r"ca_file: cannot read '.*absent\.pem'"):
        OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=tls.url, ca_file="absent.pem")


def test_profile_ca_file_relative_to_the_config(
    tls: TlsSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "corp-ca.pem").write_bytes(tls.ca.read_bytes())
    config = folder / "config.toml"
    config.write_text(
        f'[profiles.corp]\nclient_id = "{DEMO_CLIENT_ID}"\napi_key_env = "CORP_KEY"\n'
        f'base_url = "{tls.url}"\nca_file = "corp-ca.pem"\n'
    )
    monkeypatch.setenv("OINT_CONFIG", str(config))
    monkeypatch.setenv("CORP_KEY", DEMO_API_KEY)
    with OzonClient(profile="corp") as ozon:
        assert "warehouses" in ozon.call("/v2/warehouse/list", {"limit": 10})


def test_httpx_backend_takes_the_context_and_names_the_fix(tls: TlsSandbox) -> None:
    headers = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY, "Content-Type": "application/json"}
    trusted = HttpxTransport(tls.url, ssl_context=trusting(str(tls.ca)))
    try:
        assert trusted.request("POST", "/v2/warehouse/list", headers, b'{"limit":10}', 10).status == 200
    finally:
        trusted.close()
    plain = HttpxTransport(tls.url)
    try:
        with pytest.raises(TransportCertificateError, match=r"TLS certificate not trusted .*ca_file="):
            plain.request("POST", "/v2/warehouse/list", headers, b"{}", 10)
    finally:
        plain.close()


def test_export_takes_ca_file(tls: TlsSandbox, run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "products.jsonl"
    args = ["ozon", "export", "products", "--out", str(out), "--clientid", DEMO_CLIENT_ID,
            "--apikey", DEMO_API_KEY, "--base-url", tls.url]  # fmt: skip
    r = run_cli(*args, "--ca-file", str(tls.ca))
    assert r.code == 0, r.err
    assert out.read_text().count("\n") >= 1
    r = run_cli(*args)
    assert r.code != 0 and "TLS certificate not trusted" in r.err and DEMO_API_KEY not in r.err
