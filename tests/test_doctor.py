"""`oint doctor` (issue 16, item 4) through the CLI: against the sandbox served over HTTP (all fine,
a key expiring in 3 days, an expired key, a wrong key), an unreachable host, an HTTPS server whose
certificate is not trusted, the embedded sandbox; `--scan` over a folder of code made here; and the
sandbox's `/v1/roles` with the key expiry `oint sandbox account --key-expires` sets."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, SandboxServer, creds, free_port
from test_tls_ca import TlsSandbox

from oint.sandbox.demo import key_expiry

UTF8 = {"PYTHONIOENCODING": "utf-8"}


def lines_of(out: str) -> dict[str, str]:
    """The report's lines by check name: {"key expiry": "⚠ key expiry: ..."}."""
    found = {}
    for line in out.splitlines():
        _mark, _, rest = line.partition(" ")
        found[rest.partition(":")[0]] = line
    return found


def expiring_in(days: float) -> str:
    """An expiry `days` from now (this machine's clock, the one doctor compares with)."""
    moment = dt.datetime.fromtimestamp(time.time() + days * 86400, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def set_expiry(run_cli: Any, server: SandboxServer, when: str) -> None:
    r = run_cli("sandbox", "account", "--clientid", DEMO_CLIENT_ID, "--key-expires", when, "--db", server.db)
    assert r.code == 0, r.err


def test_all_fine_against_the_sandbox(server: SandboxServer, run_cli: Any) -> None:
    r = run_cli("doctor", *creds(server.url), env=UTF8)
    assert r.code == 0, r.out + r.err
    checks = lines_of(r.out)
    for name in ("server", "name resolution", "connection", "credentials", "roles", "key expiry", "clock"):
        assert checks[name].startswith("✔"), r.out
    assert "TLS" not in checks  # plain HTTP
    assert "✖" not in r.out and "⚠" not in r.out
    assert DEMO_API_KEY not in r.out + r.err and DEMO_API_KEY[:8] not in r.out + r.err
    assert "/v1/roles" in server.paths()


def test_a_profile_names_the_account(server: SandboxServer, run_cli: Any, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.shop]\nclient_id = "{DEMO_CLIENT_ID}"\napi_key_env = "SHOP_KEY"\n'
        f'base_url = "{server.url}"\n',
        encoding="utf-8",
    )
    env = {"OINT_CONFIG": str(config), "SHOP_KEY": DEMO_API_KEY, **UTF8}
    r = run_cli("doctor", "--profile", "shop", env=env)
    assert r.code == 0, r.out + r.err
    assert lines_of(r.out)["server"] == f"✔ server: {server.url}"
    assert DEMO_API_KEY not in r.out + r.err
    r = run_cli("doctor", "--profile", "shop", "--out", "x", env=env)  # an option of calls only
    assert r.code == 2 and "unknown option --out" in r.err


def test_json_for_scripts(server: SandboxServer, run_cli: Any) -> None:
    r = run_cli("doctor", *creds(server.url), "--json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["ok"] is True
    by_name = {c["name"]: c for c in doc["checks"]}
    expiry = by_name["key expiry"]
    assert expiry["status"] == "ok" and expiry["data"]["days_left"] > 14
    assert by_name["roles"]["data"]["roles"] == ["Admin"]
    assert DEMO_API_KEY not in r.out


def test_key_expiring_in_three_days_is_a_warning(server: SandboxServer, run_cli: Any) -> None:
    set_expiry(run_cli, server, expiring_in(3.5))
    r = run_cli("doctor", *creds(server.url), env=UTF8)
    assert r.code == 0, r.out + r.err  # a warning does not fail
    line = lines_of(r.out)["key expiry"]
    assert line.startswith("⚠") and "in 3 days" in line, r.out
    doc = run_cli("doctor", *creds(server.url), "--json").json()
    assert [c["status"] for c in doc["checks"] if c["name"] == "key expiry"] == ["warn"]
    assert doc["ok"] is True


def test_expired_key_fails(server: SandboxServer, run_cli: Any) -> None:
    set_expiry(run_cli, server, expiring_in(-1))
    r = run_cli("doctor", *creds(server.url), env=UTF8)
    assert r.code == 1, r.out + r.err
    checks = lines_of(r.out)
    line = checks["key expiry"]  # /v1/roles itself is refused as Ozon refuses an expired key
    assert line.startswith("✖") and "the key has expired or was deactivated" in line, r.out
    refused = checks["credentials"]
    assert refused.startswith("✖") and "HTTP 403: Api-key is deactivated" in refused, r.out
    assert "roles" not in checks and DEMO_API_KEY not in r.out + r.err
    doc = run_cli("doctor", *creds(server.url), "--json").json()
    assert [c["status"] for c in doc["checks"] if c["name"] == "key expiry"] == ["fail"]


def test_a_key_expired_by_the_date_it_answers_fails() -> None:
    """A server that still answers /v1/roles for an expired key: the date tells."""
    from oint.apps.cli.doctor_cmd import _key_checks

    body = {"expires_at": "2026-12-01T09:00:00Z", "roles": [{"name": "Admin", "methods": ["/v1/roles"]}]}
    now = dt.datetime(2026, 12, 7, tzinfo=dt.timezone.utc).timestamp()
    expiry = [c for c in _key_checks(body, now) if c.name == "key expiry"]
    assert [(c.status, c.detail) for c in expiry] == [
        ("fail", "the key expired on 2026-12-01 09:00 UTC: make a new one in the seller's account")
    ]


def test_wrong_key_fails(server: SandboxServer, run_cli: Any) -> None:
    wrong = "0000aaaa-wrong-key-1234"
    r = run_cli("doctor", "--clientid", DEMO_CLIENT_ID, "--apikey", wrong, "--base-url", server.url, env=UTF8)
    assert r.code == 1, r.out + r.err
    line = lines_of(r.out)["credentials"]
    assert line.startswith("✖") and "refused" in line and "HTTP 40" in line, r.out
    assert wrong not in r.out + r.err and "key expiry" not in r.out


def test_unreachable_host_fails(run_cli: Any) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    r = run_cli("doctor", "--clientid", "1", "--apikey", "k", "--base-url", url, env=UTF8)
    assert r.code == 1, r.out + r.err
    checks = lines_of(r.out)
    assert checks["name resolution"].startswith("✔")
    assert checks["connection"].startswith("✖") and "refused" in checks["connection"]
    assert "credentials" not in checks
    assert "Traceback" not in r.err


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsSandbox]:
    srv = TlsSandbox(tmp_path_factory.mktemp("doctor-tls"))
    yield srv
    srv.stop()


def test_untrusted_certificate_fails_tls(tls: TlsSandbox, run_cli: Any) -> None:
    r = run_cli("doctor", *creds(tls.url), env=UTF8)
    assert r.code == 1, r.out + r.err
    checks = lines_of(r.out)
    assert checks["connection"].startswith("✔")
    assert checks["TLS"].startswith("✖") and "not trusted" in checks["TLS"] and "--ca-file" in checks["TLS"]
    assert "credentials" not in checks


def test_trusted_certificate_passes_tls(tls: TlsSandbox, run_cli: Any) -> None:
    r = run_cli("doctor", *creds(tls.url), "--ca-file", str(tls.ca), env=UTF8)
    assert r.code == 0, r.out + r.err
    checks = lines_of(r.out)
    assert checks["TLS"].startswith("✔") and "TLSv1." in checks["TLS"]
    assert checks["credentials"].startswith("✔")


def test_embedded_sandbox_and_plain_fallback(sandbox_db: str, run_cli: Any) -> None:
    r = run_cli("doctor", "--sandbox", env={"PYTHONIOENCODING": "ascii"})
    assert r.code == 0, r.out + r.err
    checks = lines_of(r.out)
    assert checks["server"].startswith("[ok]") and "embedded sandbox" in checks["server"]
    assert checks["credentials"].startswith("[ok]") and checks["key expiry"].startswith("[ok]")
    assert all(ord(c) < 128 for c in r.out)


def test_bad_options_are_usage_errors(run_cli: Any, tmp_path: Path) -> None:
    r = run_cli("doctor", "--sandbox", "--bogus")
    assert r.code == 2 and r.err.startswith("oint: unknown option --bogus") and "Traceback" not in r.err
    r = run_cli("doctor", "--scan", str(tmp_path / "missing"))
    assert r.code == 2 and "does not exist" in r.err
    r = run_cli("doctor", "--scan", str(tmp_path), "--sandbox")
    assert r.code == 2 and "--sandbox does not apply" in r.err


# ------------------------------------------------------------------ --scan
PYTHON = """from oint.ozon import OzonClient

client = OzonClient()
candidates = client.call("/v1/actions/candidates", {"action_id": 1})
products = client.call("/v3/product/list", {"limit": 10})  # current: not listed
warehouses = ozon.GetWarehousesList(client_id, api_key)
"""

BSL = """// Модуль обмена с Ozon
Функция Склады(КлиентID, Ключ)
    Возврат OPI_Ozon.ПолучитьСписокСкладов(КлиентID, Ключ);
КонецФункции

Процедура Картинки()
    Адрес = "https://api-seller.ozon.ru/v1/product/pictures/import";
КонецПроцедуры
"""


def test_scan_lists_each_switched_off_use_with_file_and_line(run_cli: Any, tmp_path: Path) -> None:
    code = tmp_path / "code"
    (code / "shop").mkdir(parents=True)
    (code / "shop" / "sync.py").write_text(PYTHON, encoding="utf-8")
    (code / "Обмен.bsl").write_text(BSL, encoding="utf-8-sig")  # 1C writes a BOM
    (code / "notes.txt").write_text("/v1/warehouse/list\n", encoding="utf-8")  # not code: not read
    (code / "call.sh").write_text("oint ozon getwarehouseslist --sandbox\n", encoding="utf-8")
    r = run_cli("doctor", "--scan", str(code), "--json")
    assert r.code == 1, r.err
    doc = r.json()
    assert doc["files"] == 3
    found = {
        (f["file"], f["line"], f["found"], f["operation"], f["retired"], f["successor"])
        for f in doc["findings"]
    }
    assert found == {
        ("shop/sync.py", 4, "/v1/actions/candidates", "/v1/actions/candidates", "2026-10-13",
         "/v2/actions/candidates"),
        ("shop/sync.py", 6, "GetWarehousesList", "/v1/warehouse/list", "2026-04-07", "/v2/warehouse/list"),
        ("Обмен.bsl", 3, "ПолучитьСписокСкладов", "/v1/warehouse/list", "2026-04-07", "/v2/warehouse/list"),
        ("Обмен.bsl", 7, "/v1/product/pictures/import", "/v1/product/pictures/import", "2026-10-01",
         "/v2/product/pictures/import"),
        ("call.sh", 1, "getwarehouseslist", "/v1/warehouse/list", "2026-04-07", "/v2/warehouse/list"),
    }  # fmt: skip
    text = run_cli("doctor", "--scan", str(code), env=UTF8)
    assert text.code == 1
    assert (
        "✖ shop/sync.py:4: /v1/actions/candidates: switched off 2026-10-13, use /v2/actions/candidates"
        in text.out
    )
    assert "✖ Обмен.bsl:3: ПолучитьСписокСкладов (OInt, calls /v1/warehouse/list)" in text.out
    assert "scanned 3 file(s): 5 use(s)" in text.out


def test_scan_of_current_code_passes(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text('client.call("/v2/warehouse/list", {})\n', encoding="utf-8")
    (tmp_path / "data.json").write_text(json.dumps({"path": "/v3/product/list"}), encoding="utf-8")
    r = run_cli("doctor", "--scan", str(tmp_path), env=UTF8)
    assert r.code == 0, r.out + r.err
    assert r.out == "✔ scanned 2 file(s): nothing switched off\n"


# ------------------------------------------------------------------ the sandbox's /v1/roles
def test_sandbox_roles_answer_the_expiry_set(server: SandboxServer, run_cli: Any) -> None:
    from oint.ozon import OzonClient

    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=server.url) as client:
        made = client.call("/v1/roles")
        set_expiry(run_cli, server, "2099-01-15")  # far ahead: the key stays valid whatever the day
        changed = client.call("/v1/roles")
    assert made["roles"][0]["name"] == "Admin" and "/v2/warehouse/list" in made["roles"][0]["methods"]
    assert "/v1/warehouse/list" not in made["roles"][0]["methods"]  # switched off
    assert changed["expires_at"] == "2099-01-15T00:00:00Z"


def test_new_account_key_and_bad_expiry(server: SandboxServer, run_cli: Any) -> None:
    r = run_cli(
        "sandbox", "account", "--clientid", "5550001", "--apikey", "key-5550001", "--empty",
        "--key-expires", "2099-02-01T08:30:00+03:00", "--db", server.db,
    )  # fmt: skip
    assert r.code == 0, r.err
    from oint.ozon import OzonClient

    with OzonClient("5550001", "key-5550001", base_url=server.url) as client:
        assert client.call("/v1/roles")["expires_at"] == "2099-02-01T05:30:00Z"
    r = run_cli(
        "sandbox", "account", "--clientid", DEMO_CLIENT_ID, "--key-expires", "soon", "--db", server.db
    )
    assert r.code == 2 and "--key-expires: expected a date" in r.err
    r = run_cli("sandbox", "account", "--clientid", "999", "--key-expires", "2027-01-01", "--db", server.db)
    assert r.code == 2 and "no sandbox account 999" in r.err


def test_a_key_expires_three_calendar_months_after_it_was_made() -> None:
    def at(text: str) -> float:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc).timestamp()

    assert key_expiry(at("2026-12-07T10:00:00")) == "2027-03-07T10:00:00Z"
    assert key_expiry(at("2026-11-30T00:00:00")) == "2027-02-28T00:00:00Z"  # no 30 February
    assert key_expiry(at("2027-10-31T12:00:00")) == "2028-01-31T12:00:00Z"


def test_clock_skew_and_rate_limit_headers(run_cli: Any) -> None:
    """A server whose Date is an hour behind this machine's clock and which sends Ozon's
    Ratelimit-Remaining: a warning about the clock (exit 0), the header shown."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    answer = {"expires_at": expiring_in(60), "roles": [{"name": "Admin", "methods": ["/v2/warehouse/list"]}]}
    body = json.dumps(answer).encode()

    class Behind(BaseHTTPRequestHandler):
        def date_time_string(self, timestamp: float | None = None) -> str:
            return super().date_time_string(time.time() - 3600)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Ratelimit-Remaining", "7")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Behind)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        r = run_cli("doctor", *creds(f"http://127.0.0.1:{httpd.server_address[1]}"), env=UTF8)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert r.code == 0, r.out + r.err
    checks = lines_of(r.out)
    assert checks["clock"].startswith("⚠") and re.search(
        r"is 360[01] s ahead of the server's", checks["clock"]
    )
    assert checks["rate limits"] == "✔ rate limits: Ratelimit-Remaining: 7"
    assert checks["key expiry"].startswith("✔")
