"""`oint serve`, the HTTP gateway, over real HTTP: a uvicorn subprocess on a free port, calls on the
embedded sandbox (`--sandbox`), handlers from a TOML config with server-side accounts (a profile
whose key is in an environment variable), fixed arguments, switched-off handlers, callers' tokens
and the request log."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, NO_PROFILE, ROOT, free_port, listening
from test_seed_example import PICTURE, PICTURE2, SEED_ARGS, assert_seed_shape

from oint.apps.cli.args import convert_values, parse_invocation
from oint.apps.gateway.calls import Refused, function_call
from oint.apps.gateway.config import Caller, Handler, Target, load
from oint.compat.methods import REGISTRY

ERP_TOKEN = "erp-token-5b1f0e7c"
OTHER_TOKEN = "other-token-93a2d4"
PROFILE_KEY_ENV = "GW_TEST_DEMO_KEY"
CANARY = "CANARY-KEY-d41d8cd98f00"

CONFIG = f"""
[server]
log = "requests.jsonl"
serve_all = true

[callers.erp]
token_env = "GW_TEST_ERP_TOKEN"

[callers.other]
token_sha256 = "{hashlib.sha256(OTHER_TOKEN.encode()).hexdigest()}"

[handlers.UpdateProductImages]
profile = "demo"
callers = ["erp"]
[handlers.UpdateProductImages.defaults]
color = "GREEN"

[handlers.demo-images]
function = "UpdateProductImages"
profile = "demo"
[handlers.demo-images.fixed]
productid = 1111588191

[handlers.ArchiveProducts]
enabled = false

[handlers.product-list]
operation = "/v3/product/info/list"
profile = "demo"
"""

PROFILES = f"""
[profiles.demo]
client_id = "{DEMO_CLIENT_ID}"
api_key_env = "{PROFILE_KEY_ENV}"
"""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class Gateway:
    url: str
    proc: subprocess.Popen[bytes]
    folder: Path

    def post(
        self,
        route: str,
        doc: Any = None,
        *,
        token: str | None = ERP_TOKEN,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        method: str = "POST",
    ) -> Answer:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        else:
            data = json.dumps(doc if doc is not None else {}).encode()
            sent.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(
            self.url + route, data=data if method == "POST" else None, method=method, headers=sent
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return Answer(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode())
        except urllib.error.HTTPError as e:
            return Answer(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode())

    def log(self) -> list[dict[str, Any]]:
        lines = (self.folder / "requests.jsonl").read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]


def _env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OZON_") and k not in NO_PROFILE}
    (folder / "profiles.toml").write_text(PROFILES, encoding="utf-8")
    env.update(
        OINT_CONFIG=str(folder / "profiles.toml"),
        GW_TEST_ERP_TOKEN=ERP_TOKEN,
        OINT_SANDBOX_DB=str(folder / "sandbox.sqlite3"),
        **{PROFILE_KEY_ENV: DEMO_API_KEY},
    )
    return env


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    yield from _served(tmp_path, CONFIG)


def _served(folder: Path, config: str, *options: str) -> Iterator[Gateway]:
    """`oint serve --config <config> --sandbox` started in `folder` (its sandbox state there),
    until the generator is closed."""
    (folder / "gateway.toml").write_text(config, encoding="utf-8")
    port = free_port()
    command = ["serve", "--config", str(folder / "gateway.toml"), "--sandbox", "--port", str(port), *options]
    proc = subprocess.Popen(
        [sys.executable, "-m", "oint", *command],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_env(folder),
    )
    try:
        if not listening(port, proc):
            proc.kill()
            raise AssertionError(
                "oint serve did not start: " + (proc.stderr.read().decode() if proc.stderr else "")
            )
        yield Gateway(f"http://127.0.0.1:{port}", proc, folder)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=15)


def _server_err(gateway: Gateway) -> str:
    gateway.proc.terminate()
    gateway.proc.wait(timeout=15)
    return gateway.proc.stderr.read().decode() if gateway.proc.stderr else ""


SEED_DOC = {"productid": 1111588191, "images": [PICTURE, PICTURE2], "color": "GREEN"}


def test_handler_with_server_side_credentials_answers_the_seed_call(gateway: Gateway, run_cli: Any) -> None:
    """The seed call through a handler whose account is a profile on the server: the caller
    sends no key, and gets exactly what `oint ozon UpdateProductImages ... --sandbox` prints."""
    answer = gateway.post(
        "/ozon/UpdateProductImages", {"productid": 1111588191, "images": [PICTURE, PICTURE2]}
    )
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["x-oint-exit-code"] == "0"
    assert_seed_shape(answer.json())  # "GREEN" came from the handler's defaults
    printed = run_cli(
        "ozon", "UpdateProductImages", *SEED_ARGS, "--sandbox",
        env={"OINT_SANDBOX_DB": str(gateway.folder / "cli.sqlite3")},
    )  # fmt: skip
    assert printed.code == 0, printed.err
    assert answer.text == printed.out
    # the same as form fields, values written as on the command line
    form = {"productid": "1111588191", "images": f"['{PICTURE}','{PICTURE2}']", "color": "GREEN"}
    assert gateway.post("/ozon/UpdateProductImages", form=form).text == printed.out
    # by the Russian name too, under the same handler's settings (its account, its callers)
    ru = gateway.post("/ozon/" + urllib.parse.quote("ОбновитьИзображенияТовара"), SEED_DOC)
    assert ru.status == 200, ru.text
    assert_seed_shape(ru.json())
    for name in ("ОбновитьИзображенияТовара", "update_product_images", "updateproductimages"):
        other = gateway.post("/ozon/" + urllib.parse.quote(name), SEED_DOC, token=OTHER_TOKEN)
        assert other.status == 403, (name, other.text)  # callers = ["erp"] holds under every name


def test_fixed_arguments_cannot_be_overridden(gateway: Gateway) -> None:
    fixed = gateway.post("/ozon/demo-images", {"images": [PICTURE], "productid": 1111588192})
    assert fixed.status == 403
    assert fixed.json()["code"] == 7 and "productid is fixed on the server" in fixed.json()["message"]
    also_in_other_case = gateway.post("/ozon/demo-images", {"images": [PICTURE], "ProductID": 1111588191})
    assert also_in_other_case.status == 403
    ok = gateway.post("/ozon/demo-images", {"images": [PICTURE]})
    assert ok.status == 200, ok.text
    assert [p["product_id"] for p in ok.json()["result"]["pictures"]] == [1111588191]
    # the account is the server's: a caller's key is refused, in the arguments or the headers
    keyed = gateway.post("/ozon/demo-images", {"images": [PICTURE], "clientid": "1", "apikey": CANARY})
    assert keyed.status == 403 and CANARY not in keyed.text
    headers = {"Client-Id": "1", "Api-Key": CANARY}
    assert gateway.post("/ozon/demo-images", {"images": [PICTURE]}, headers=headers).status == 403


def test_switched_off_handler_answers_404(gateway: Gateway) -> None:
    off = gateway.post("/ozon/ArchiveProducts", {"productid": [1111588191]})
    assert off.status == 404 and off.json()["code"] == 5
    assert "switched off" in off.json()["message"]
    assert gateway.post("/ozon/NoSuchFunction", {}).status == 404
    # a function not declared is served by serve_all
    listed = gateway.post("/ozon/GetProductsInformation", {"productid": [1111588191]})
    assert listed.status == 200 and listed.json()["items"][0]["id"] == 1111588191


def test_bad_or_missing_token_answers_401(gateway: Gateway) -> None:
    for token in (None, "wrong-token", ERP_TOKEN + "x"):
        answer = gateway.post("/ozon/UpdateProductImages", SEED_DOC, token=token)
        assert answer.status == 401, token
        assert answer.json()["code"] == 16 and answer.headers["www-authenticate"].startswith("Bearer")
    # an unknown handler does not tell itself apart from a known one without a token
    assert gateway.post("/ozon/ArchiveProducts", {}, token=None).status == 401
    # a known caller the handler does not admit (callers = ["erp"])
    other = gateway.post("/ozon/UpdateProductImages", SEED_DOC, token=OTHER_TOKEN)
    assert other.status == 403 and other.json()["code"] == 7


def test_bad_input_answers_400_with_ozon_style_json(gateway: Gateway) -> None:
    cases: list[tuple[str, Any, str]] = [
        ("/ozon/UpdateProductImages", {"productid": 1, "imagess": [PICTURE]}, "did you mean --images?"),
        ("/ozon/UpdateProductImages", {"images": [PICTURE]}, "missing required option --productid"),
        ("/ozon/demo-images", {"images": "['unclosed"}, "malformed JSON"),
        ("/ozon/GetProductsInformation", {"productid": [1], "sandbox": True}, "--sandbox is the server's"),
        ("/ozon/GetProductsInformation", {"out": "/tmp/x"}, "--out is the server's"),
        ("/ozon/GetProductsInformation", {"config": '{"timeout": 1}'}, "--config is the server's"),
        ("/ozon/CreateUpdateProducts", {"items": "/etc/hostname"}, "the gateway reads no files"),
    ]
    for route, doc, expected in cases:
        answer = gateway.post(route, doc)
        assert answer.status == 400, (doc, answer.text)
        body = answer.json()
        assert body["code"] == 3 and expected in body["message"], body
        assert set(body) == {"code", "message", "details"} and answer.headers["x-oint-exit-code"] == "2"
        assert "Traceback" not in answer.text
    raw = urllib.request.Request(
        gateway.url + "/ozon/UpdateProductImages",
        data=b"{not json",
        headers={"Authorization": f"Bearer {ERP_TOKEN}", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as bad_json:
        urllib.request.urlopen(raw, timeout=30)
    assert bad_json.value.code == 400
    assert "not valid JSON" in json.loads(bad_json.value.read())["message"]
    assert gateway.post("/ozon/GetProductsInformation", method="GET").status == 405
    assert "Traceback" not in _server_err(gateway)


def test_operations_by_path_and_by_handler(gateway: Gateway) -> None:
    body = {"product_id": [1111588191]}
    by_path = gateway.post("/ozon/v3/product/info/list", body)
    assert by_path.status == 200, by_path.text
    assert by_path.json()["items"][0]["id"] == 1111588191
    by_handler = gateway.post("/ozon/product-list", body)
    assert by_handler.status == 200 and by_handler.json() == by_path.json()
    # Ozon's error, with Ozon's status and JSON, exit code 1
    refused = gateway.post("/ozon/v3/product/info/list", {"product_id": [1], "no_such_field": 1})
    assert refused.status == 400 and refused.headers["x-oint-exit-code"] in ("1", "2")
    assert "no_such_field" in refused.json()["message"]


def test_hosts_and_origins_of_other_sites_are_refused(gateway: Gateway) -> None:
    rebound = gateway.post(
        "/ozon/GetProductsInformation", {"productid": [1]}, headers={"Host": "evil.example"}
    )
    assert rebound.status == 403 and "not served here" in rebound.json()["message"]
    cross = gateway.post(
        "/ozon/GetProductsInformation", {"productid": [1]}, headers={"Origin": "https://evil.example"}
    )
    assert cross.status == 403
    page = gateway.post(
        "/ozon/GetProductsInformation", {"productid": [1]}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert page.status == 403


def test_hundred_concurrent_calls_are_all_answered(gateway: Gateway) -> None:
    async def calls() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=100)
        headers = {"Authorization": f"Bearer {ERP_TOKEN}"}
        async with httpx.AsyncClient(
            base_url=gateway.url, limits=limits, timeout=60, headers=headers
        ) as http:
            return await asyncio.gather(
                *(
                    http.post("/ozon/GetProductsInformation", json={"productid": [1111588191]})
                    for _ in range(100)
                )
            )

    answers = asyncio.run(calls())
    assert [a.status_code for a in answers] == [200] * 100, {a.status_code: a.text for a in answers}
    assert all(a.json()["items"][0]["id"] == 1111588191 for a in answers)
    assert sum(1 for entry in gateway.log() if entry["call"] == "GetProductsInformation") == 100


def test_request_log_holds_no_key_nor_token(gateway: Gateway) -> None:
    gateway.post("/ozon/UpdateProductImages", SEED_DOC)  # the profile's key: the demo key
    gateway.post("/ozon/GetProductsInformation", {"productid": [1], "clientid": "1", "apikey": CANARY})
    gateway.post(
        "/ozon/GetProductsInformation", {"productid": [1]}, headers={"Client-Id": "1", "Api-Key": CANARY}
    )
    gateway.post("/ozon/demo-images", {"images": [PICTURE], "apikey": CANARY, "clientid": "1"})
    gateway.post("/ozon/GetProductsInformation", {"productid": [1]}, token=CANARY)
    text = (gateway.folder / "requests.jsonl").read_text(encoding="utf-8")
    assert (gateway.folder / "requests.jsonl").stat().st_mode & 0o077 == 0  # the owner's only
    entries = gateway.log()
    assert len(entries) == 5
    assert entries[0]["caller"] == "erp" and entries[0]["status"] == 200
    assert entries[0]["arguments"]["productid"] == "1111588191"
    assert [e["status"] for e in entries[1:]] == [403, 403, 403, 401]  # the sandbox refuses the canary key
    for secret in (DEMO_API_KEY, CANARY, ERP_TOKEN, OTHER_TOKEN):
        assert secret not in text
    err = _server_err(gateway)
    for secret in (DEMO_API_KEY, CANARY, ERP_TOKEN):
        assert secret not in err


# ---------------------------------------------------------------------- without a server
@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("UpdateProductImages", {"productid": "1111588191", "images": "['a','b']", "color": "GREEN"}),
        ("GetProductsInformation", {"productid": "42", "offerid": "x\\ny"}),
        ("UpdateProductsStocks", {"stocks": "[{'offer_id': 'a', 'stock': 3, 'warehouse_id': 7}]"}),
        ("GetProductList", {"filter": "{'visibility': 'ALL'}", "last": "abc"}),
    ],
)
def test_values_are_read_as_the_command_line_reads_them(name: str, options: dict[str, str]) -> None:
    method = REGISTRY[name]
    cli = convert_values(method, parse_invocation(method, [f"--{k}={v}" for k, v in options.items()]).values)
    call = function_call(Handler(name, Target(method=method)), list(options.items()), None, False)
    assert call.values == cli
    # JSON values that are not text read as the command line's text of them
    as_json = {k: (json.loads(v.replace("'", '"')) if v[:1] in "[{" else v) for k, v in options.items()}
    assert (
        function_call(Handler(name, Target(method=method)), list(as_json.items()), None, False).values == cli
    )


def test_a_value_naming_a_file_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('[{"offer_id": "from-the-file"}]', encoding="utf-8")
    method = REGISTRY["UpdateProductsStocks"]
    with pytest.raises(Refused) as refused:
        function_call(Handler("s", Target(method=method)), [("stocks", str(secret))], None, False)
    assert refused.value.outcome.status == 400 and b"from-the-file" not in refused.value.outcome.body
    images = REGISTRY["UpdateProductImages"]
    call = function_call(
        Handler("i", Target(method=images)), [("productid", 1), ("images", str(secret))], None, False
    )
    assert call.values[1] == [str(secret)]  # a plain value of an array: its one item, as text


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('[server]\ntoken = "abc"', "a token written in the file is refused"),
        ('[handlers.x]\nfunction = "NoSuchFunction"', "no OInt function 'NoSuchFunction'"),
        ("[handlers.UpdateProductImages.fixed]\nimagess = 1", "did you mean --images?"),
        ('[handlers.x]\noperation = "/v9/none"', "no Seller API operation"),
        ('[handlers.GetProductList]\nfunction = "UpdateProductImages"', "the key names GetProductList"),
        ('[handlers.x]\nfunction = "GetProductList"\ncallers = ["nobody"]', "no caller 'nobody'"),
        ('[server]\nprofle = "x"', "unknown setting 'profle'"),
    ],
)
def test_a_bad_config_is_one_line_and_exit_2(
    run_cli: Any, tmp_path: Path, config: str, expected: str
) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text(config, encoding="utf-8")
    r = run_cli("serve", "--config", str(path), "--sandbox", "--port", "0")
    assert r.code == 2 and expected in r.err, r.err
    assert r.err.count("\n") == 1 and "Traceback" not in r.err


def test_a_seller_account_without_a_token_is_refused_at_start(run_cli: Any) -> None:
    r = run_cli("serve", "--port", "0", env={"OZON_CLIENT_ID": "1", "OZON_API_KEY": CANARY})
    assert r.code == 2 and "needs an access token" in r.err and CANARY not in r.err
    assert run_cli("serve", "--help").out.startswith("oint serve:")


# ---------------------------------------------------------------------- docs/gateway.md
def _doc_blocks(language: str) -> list[str]:
    text = (ROOT / "docs" / "gateway.md").read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.M | re.S)


def test_the_documented_config_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (block,) = _doc_blocks("toml")
    path = tmp_path / "gateway.toml"
    path.write_text(block, encoding="utf-8")
    for name in ("OINT_GATEWAY_TOKEN", "WAREHOUSE_TOKEN", "SHOP2_STOCKS_TOKEN"):
        monkeypatch.setenv(name, f"{name.lower()}-value")
    settings = load(str(path))
    assert settings.identify("accounting-token-example") == Caller("accounting")
    assert settings.identify("shop2_stocks_token-value") == Caller("handler:shop2-stocks", "shop2-stocks")
    images = settings.handler("UpdateProductImages")
    assert (
        images is not None
        and images.callers == frozenset({"accounting"})
        and images.defaults == {"color": "GREEN"}
    )
    fixed = settings.handler("one-product-images")
    assert fixed is not None and fixed.fixed == {"productid": "1111588191"}
    off = settings.handler("ArchiveProducts")
    assert off is not None and not off.enabled
    assert settings.handler("GetProductList") is None  # serve_all = false
    listed = settings.handler("product-list")
    assert listed is not None and listed.target.name == "/v3/product/info/list"
    assert settings.log == str(tmp_path / "gateway-requests.jsonl")


def test_the_documented_curl_calls_answer(gateway: Gateway) -> None:
    text = (ROOT / "docs" / "gateway.md").read_text(encoding="utf-8")
    curl = text[text.index("## curl") : text.index("## 1C")]
    doc = json.loads(re.search(r"-d '(\{.*?\})'", curl, flags=re.S)[1])  # type: ignore[index]
    answer = gateway.post("/ozon/UpdateProductImages", doc)
    assert answer.status == 200, answer.text
    assert [p["url"] for p in answer.json()["result"]["pictures"]] == [*doc["images"], "GREEN"]
    # 1C may write a UTF-8 byte order mark before the JSON
    marked = urllib.request.Request(
        gateway.url + "/ozon/UpdateProductImages",
        data=b"\xef\xbb\xbf" + json.dumps(doc, ensure_ascii=False).encode("utf-8"),
        headers={"Authorization": f"Bearer {ERP_TOKEN}", "Content-Type": "application/json; charset=utf-8"},
    )
    with urllib.request.urlopen(marked, timeout=30) as r:
        assert r.status == 200
    # curl's -d without a Content-Type sends a form's type: a body that is a JSON object is read as JSON
    typed_as_form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert gateway.post("/ozon/UpdateProductImages", doc, headers=typed_as_form).status == 200
    form = dict(re.findall(r'--data-urlencode "?([a-z]+)=(.*?)"?(?: \\)?$', curl, flags=re.M))
    assert set(form) == {"productid", "images"}
    assert gateway.post("/ozon/UpdateProductImages", form=form).status == 200


def test_items_ozon_did_not_apply_are_told_by_headers(gateway: Gateway) -> None:
    """A 200 answer whose items Ozon did not all apply: the answer whole, the count in
    X-Oint-Item-Errors, and exit code 1 as `oint ozon` gives."""
    stocks = [{"offer_id": "NO-SUCH-OFFER", "stock": 1, "warehouse_id": 1020005000050693}]
    answer = gateway.post("/ozon/UpdateProductsStocks", {"stocks": stocks})
    assert answer.status == 200, answer.text
    assert answer.headers["x-oint-exit-code"] == "1" and answer.headers["x-oint-item-errors"] == "1"
    assert [x["updated"] for x in answer.json()["result"]] == [False]
    entry = gateway.log()[-1]
    assert entry["exit_code"] == 1 and entry["error"] == "Ozon did not apply 1 item(s)"


def test_a_profile_without_its_key_is_refused_at_start(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "gateway.toml").write_text(
        '[handlers.UpdateProductImages]\nprofile = "demo"\n', encoding="utf-8"
    )
    (tmp_path / "profiles.toml").write_text(PROFILES, encoding="utf-8")
    r = run_cli(
        "serve", "--config", str(tmp_path / "gateway.toml"), "--token", ERP_TOKEN, "--port", "0",
        env={"OINT_CONFIG": str(tmp_path / "profiles.toml")},
    )  # fmt: skip
    assert r.code == 2 and f"{PROFILE_KEY_ENV} (its api_key_env) is not set" in r.err, r.err
    assert ERP_TOKEN not in r.err + r.out


def test_a_seller_account_over_http(sandbox_url: str, tmp_path: Path) -> None:
    """Without --sandbox: the gateway's async clients call a server over HTTP (here `oint sandbox
    serve`, as Ozon): a profile's account for a declared handler, the caller's own credentials
    (OInt's clientid/apikey or Ozon's headers) elsewhere; keys and tokens stay out of the log."""
    profiles = PROFILES + f'base_url = "{sandbox_url}"\n'
    config = '[server]\nlog = "requests.jsonl"\nserve_all = true\n'
    config += '[handlers.UpdateProductImages]\nprofile = "demo"\n'
    (tmp_path / "gateway.toml").write_text(config, encoding="utf-8")
    env = _env(tmp_path)
    (tmp_path / "profiles.toml").write_text(profiles, encoding="utf-8")
    env.update(OZON_BASE_URL=sandbox_url, OINT_GATEWAY_TOKEN=ERP_TOKEN)
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oint",
            "serve",
            "--config",
            str(tmp_path / "gateway.toml"),
            "--port",
            str(port),
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    gateway = Gateway(f"http://127.0.0.1:{port}", proc, tmp_path)
    try:
        assert listening(port, proc), proc.stderr.read().decode() if proc.stderr else ""
        seed = gateway.post("/ozon/UpdateProductImages", SEED_DOC)
        assert seed.status == 200, seed.text
        assert_seed_shape(seed.json())
        mine = {"productid": [1111588191], "clientid": DEMO_CLIENT_ID, "apikey": DEMO_API_KEY}
        by_arguments = gateway.post("/ozon/GetProductsInformation", mine)
        assert by_arguments.status == 200 and by_arguments.json()["items"][0]["id"] == 1111588191
        headers = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY}
        by_headers = gateway.post("/ozon/v3/product/info/list", {"product_id": [1111588191]}, headers=headers)
        assert by_headers.status == 200 and by_headers.json()["items"][0]["id"] == 1111588191
        wrong = gateway.post("/ozon/GetProductsInformation", {**mine, "apikey": CANARY})
        assert wrong.status == 403 and wrong.headers["x-oint-exit-code"] == "1"  # Ozon's 403, as it came
        without = gateway.post("/ozon/GetProductsInformation", {"productid": [1]})
        assert without.status == 400 and "client_id and api_key are required" in without.json()["message"]
        text = (tmp_path / "requests.jsonl").read_text(encoding="utf-8")
        assert len(text.splitlines()) == 5
        for secret in (DEMO_API_KEY, CANARY, ERP_TOKEN):
            assert secret not in text
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_a_busy_port_or_a_stray_option_is_one_line(run_cli: Any) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = run_cli("serve", "--sandbox", "--port", str(port))
    assert busy.code == 2 and "cannot listen on 127.0.0.1" in busy.err and busy.err.count("\n") == 1
    stray = run_cli("serve", "--db", "x.sqlite3")
    assert stray.code == 2 and "give --sandbox too" in stray.err
    typo = run_cli("serve", "--sandox")
    assert typo.code == 2 and "did you mean --sandbox?" in typo.err


# ------------------------------------------------------------------------------ all-pages
SEEDED = 450  # with the demo's 4 products: three pages of GetProductList (200 a page)
ALL_ITEMS = SEEDED + 4
PAGED_CONFIG = f"""
[server]
serve_all = true
log = "requests.jsonl"
max_items = {ALL_ITEMS}  # the whole catalogue, exactly at the cap
"""


@pytest.fixture
def seeded(run_cli: Any, tmp_path: Path) -> Path:
    """A folder whose sandbox state (the gateway's) holds 450 more products, and a copy of it
    (cli.sqlite3) for the CLI to read the same catalogue."""
    db = tmp_path / "sandbox.sqlite3"
    r = run_cli("sandbox", "seed", "--products", str(SEEDED), "--db", str(db))
    assert r.code == 0, r.err
    shutil.copyfile(db, tmp_path / "cli.sqlite3")
    return tmp_path


@pytest.fixture
def paged_gateway(seeded: Path) -> Iterator[Gateway]:
    yield from _served(seeded, PAGED_CONFIG)


def _cli_lines(run_cli: Any, folder: Path, *args: str) -> list[Any]:
    printed = run_cli(
        "ozon", *args, "--sandbox", "--all-pages", env={"OINT_SANDBOX_DB": str(folder / "cli.sqlite3")}
    )
    assert printed.code == 0, printed.err
    return [json.loads(line) for line in printed.out.splitlines()]


def test_all_pages_of_a_function_come_whole_as_the_cli_prints_them(
    paged_gateway: Gateway, run_cli: Any
) -> None:
    """GetProductList (200 a page, by last_id) and GetProductsStocks (by cursor): every item of
    every page in one JSON array, the very items `oint ozon <Method> --all-pages` prints a line
    each, in the same order; as JSON and as form fields."""
    for function in ("GetProductList", "GetProductsStocks"):
        expected = _cli_lines(run_cli, paged_gateway.folder, function)
        assert len(expected) == ALL_ITEMS
        answer = paged_gateway.post(f"/ozon/{function}", {"all-pages": True})
        assert answer.status == 200, answer.text
        assert answer.headers["x-oint-exit-code"] == "0"
        assert answer.json() == expected, function
        one_page = paged_gateway.post(f"/ozon/{function}", {})
        assert one_page.status == 200 and len(json.dumps(one_page.json())) < len(answer.text) / 2
    form = paged_gateway.post("/ozon/GetProductList", form={"all-pages": "true"})
    assert form.status == 200 and form.json() == _cli_lines(run_cli, paged_gateway.folder, "GetProductList")
    logged = [line for line in paged_gateway.log() if line["call"] == "GetProductList"]
    assert logged[0]["arguments"] == {"all-pages": "true"} and logged[0]["status"] == 200


def test_all_pages_of_an_operation_come_whole_as_the_cli_prints_them(
    paged_gateway: Gateway, run_cli: Any
) -> None:
    """/v3/product/list at 100 a page: five pages, gathered; the body is Ozon's, with
    "all-pages" beside its fields."""
    body = {"filter": {"visibility": "ALL"}, "limit": 100}
    expected = _cli_lines(run_cli, paged_gateway.folder, "v3_product_list", "--body", json.dumps(body))
    assert len(expected) == ALL_ITEMS
    answer = paged_gateway.post("/ozon/v3/product/list", {**body, "all-pages": True})
    assert answer.status == 200, answer.text
    assert answer.json() == expected
    single = paged_gateway.post("/ozon/v3_product_list", {**body, "all-pages": False})
    assert single.status == 200 and len(single.json()["result"]["items"]) == 100


def test_all_pages_is_refused_where_nothing_pages(paged_gateway: Gateway) -> None:
    cases: list[tuple[str, Any, str]] = [
        ("/ozon/GetProductsInformation", {"productid": [1111588191], "all-pages": True}, "does not page"),
        ("/ozon/v2/products/stocks", {"stocks": [], "all-pages": True}, "does not page"),
        ("/ozon/GetProductList", {"all-pages": "maybe"}, "expected true or false"),
    ]
    for route, doc, expected in cases:
        answer = paged_gateway.post(route, doc)
        assert answer.status == 400, (route, answer.text)
        body = answer.json()
        assert body["code"] == 3 and expected in body["message"] and "\n" not in body["message"], body
        assert answer.headers["x-oint-exit-code"] == "2"
    assert "Traceback" not in _server_err(paged_gateway)
    # nothing was sent for them: no call in the log reached Ozon's answer
    assert {line["status"] for line in paged_gateway.log()} == {400}


@pytest.fixture
def capped_gateway(seeded: Path) -> Iterator[Gateway]:
    yield from _served(seeded, PAGED_CONFIG, "--max-items", str(ALL_ITEMS - 1))  # over the file's


def test_the_cap_on_all_pages_is_enforced(capped_gateway: Gateway) -> None:
    """One item more than --max-items: 422, Ozon's error shape with code 8, saying the cap; a
    list within it still answers."""
    for route, doc in (
        ("/ozon/GetProductList", {"all-pages": True}),
        ("/ozon/v3/product/list", {"filter": {"visibility": "ALL"}, "limit": 100, "all-pages": True}),
    ):
        answer = capped_gateway.post(route, doc)
        assert answer.status == 422, answer.text
        body = answer.json()
        assert body["code"] == 8 and f"more than {ALL_ITEMS - 1} items" in body["message"], body
        assert "x-oint-exit-code" not in answer.headers
    within = capped_gateway.post(
        "/ozon/v3/product/list", {"filter": {"offer_id": ["SEED-000001"]}, "all-pages": True}
    )
    assert within.status == 200 and len(within.json()) == 1, within.text


def test_max_items_must_be_a_positive_number(run_cli: Any, tmp_path: Path) -> None:
    bad = run_cli("serve", "--sandbox", "--max-items", "0")
    assert bad.code == 2 and bad.err.count("\n") == 1 and "--max-items" in bad.err
    config = tmp_path / "gateway.toml"
    config.write_text("[server]\nmax_items = -3\n", encoding="utf-8")
    r = run_cli("serve", "--sandbox", "--config", str(config))
    assert r.code == 2 and "max_items must be a whole number" in r.err and r.err.count("\n") == 1
