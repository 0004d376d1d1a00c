"""Today's Ozon: the ten OInt functions whose endpoints Ozon switched off, end to end.

- the seed example, verbatim from `scripts/demo.sh`, on a sandbox dated today (no switched-off
  endpoint in its request log), with `--api legacy` (Ozon's 410), and `--api legacy` on a sandbox
  dated before the switch-off;
- each of the ten functions through the CLI, `OzonClient` and `AsyncOzonClient`, today and at a
  date before its switch-off (OInt's endpoint, and the current implementation at that date);
- an unexpected 404/410 from OInt's endpoint completed by the current implementation in the same
  call, and used for the rest of the process;
- the policy (`api=`, `--api`, `OINT_OZON_API`), flows driven without I/O, typed methods of the
  successors, the sandbox's API date and request log, warnings.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import shlex
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from conftest import (
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    DEMO_WAREHOUSES,
    ROOT,
    V1_WAREHOUSE_KEYS,
    CliResult,
    SandboxServer,
    creds,
    http_client,
)
from test_seed_example import PICTURE, PICTURE2, assert_seed_shape

from oint.apis.seller import spec
from oint.compat import policy
from oint.compat.methods import REGISTRY
from oint.compat.registry import Method
from oint.core.errors import (
    GoneError,
    OzonWarning,
    RetiredEndpointWarning,
    SuccessorWarning,
    TaskFailedError,
)
from oint.core.flow import Flow, Request, Wait
from oint.ozon import AsyncOzonClient, NotFoundError, OzonClient, UsageError
from oint.sandbox.core import REQUEST_LOG_SIZE, Sandbox
from oint.sandbox.transport import SandboxTransport

# what the current implementations cannot do is tested where it matters (pytest.warns); elsewhere it is noise
pytestmark = pytest.mark.filterwarnings("ignore::oint.core.errors.SuccessorWarning")

TODAY = dt.datetime.now(dt.timezone.utc).date()
CHANGED = [m for m in REGISTRY if m.current is not None]
NAMES = [m.name_en for m in CHANGED]
OBSOLETE = {"code": 12, "message": "obsolete method cannot be used", "details": []}
SKU_1 = 1626044001
PRODUCT = 1111588191
ON_SALE = [1111588191, 1111588192, 1111588193]
MAX_BOOST, ELASTIC = 2840538, 1977747  # demo actions: every product a candidate; 143210609 takes part
MOSCOW = 2  # the demo cluster "Москва, МО и Дальние регионы"
CROSSDOCK_POINT = 1020001649180000  # a cross-docking drop-off point of that cluster
V1_PROMO_KEYS = {"id", "price", "action_price", "max_action_price", "add_mode", "min_stock", "stock"}


@pytest.fixture(autouse=True)
def _fresh_policy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No mode or date from the environment, and no endpoint remembered as switched off."""
    monkeypatch.delenv("OINT_OZON_API", raising=False)
    monkeypatch.delenv("OINT_OZON_TODAY", raising=False)
    policy.forget_gone()
    yield
    policy.forget_gone()


def switched_off(day: dt.date) -> set[str]:
    return {path for path, op in spec.operations().items() if op.retired_on(day)}


def legacy_path(m: Method) -> str:
    assert m.endpoint is not None
    return m.endpoint.path


def day_before(m: Method) -> str:
    """The last day OInt's endpoint of `m` worked at Ozon."""
    assert m.endpoint is not None and m.endpoint.retired is not None
    return (dt.date.fromisoformat(m.endpoint.retired) - dt.timedelta(days=1)).isoformat()


def stderr_is_warnings(err: str) -> None:
    """What the CLI may print besides the answer: warnings, one line each."""
    assert all(line.startswith("oint: warning: ") for line in err.splitlines()), err


# ================================================================== the seed example
def seed_command() -> list[str]:
    """`oint ozon ...` exactly as scripts/demo.sh runs it, without its `--sandbox`."""
    text = (ROOT / "scripts" / "demo.sh").read_text(encoding="utf-8").replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("oint ozon "))
    args = shlex.split(line)
    assert args[:3] == ["oint", "ozon", "ОбновитьИзображенияТовара"] and args[-1] == "--sandbox"
    return args[1:-1]


def test_seed_example_today_calls_no_switched_off_endpoint(run_cli: Any, server: SandboxServer) -> None:
    r: CliResult = run_cli(*seed_command(), "--base-url", server.url)
    assert r.code == 0 and r.err == "", r.err
    assert r.out.startswith('{\n "result": {')
    assert_seed_shape(r.json())
    log = server.requests()
    paths = [e["path"] for e in log]
    assert not set(paths) & switched_off(TODAY)
    assert paths[:2] == ["/v3/product/info/list", "/v2/product/pictures/import"]
    assert "/v1/product/import/info" in paths and paths[-1] == "/v2/product/pictures/info"
    assert all(e["status"] == 200 for e in log)
    info = http_client(server.url).get_products_information(PRODUCT)["items"][0]
    assert info["images"] == [PICTURE, PICTURE2] and info["color_image"] == ["GREEN"]


def test_seed_example_legacy_today_is_ozons_410(run_cli: Any, server: SandboxServer) -> None:
    r: CliResult = run_cli(*seed_command(), "--base-url", server.url, "--api", "legacy")
    assert r.code == 1
    assert r.json() == OBSOLETE
    assert [(e["path"], e["status"]) for e in server.requests()] == [("/v1/product/pictures/import", 410)]


def test_seed_example_legacy_on_a_sandbox_dated_before(run_cli: Any, server: SandboxServer) -> None:
    assert server.set_api_date("2026-09-01") == "2026-09-01"
    r: CliResult = run_cli(*seed_command(), "--base-url", server.url, "--api", "legacy")
    assert r.code == 0, r.out + r.err
    assert_seed_shape(r.json())
    assert [(e["path"], e["status"]) for e in server.requests()] == [("/v1/product/pictures/import", 200)]


def test_seed_example_on_the_embedded_sandbox(run_cli: Any, sandbox_db: str) -> None:
    env = {"OINT_SANDBOX_DB": sandbox_db}
    r: CliResult = run_cli(*seed_command(), "--sandbox", env=env)
    assert r.code == 0 and r.err == "", r.err
    assert_seed_shape(r.json())
    gone: CliResult = run_cli(*seed_command(), "--sandbox", "--api", "legacy", env=env)
    assert gone.code == 1 and gone.json() == OBSOLETE
    before: CliResult = run_cli(
        *seed_command(), "--sandbox", "--api", "legacy", env={**env, "OINT_SANDBOX_API_DATE": "2026-09-01"}
    )
    assert before.code == 0, before.out + before.err
    assert_seed_shape(before.json())


def test_seed_example_as_an_oint_style_function(server: SandboxServer) -> None:
    """`oint.ozon.update_product_images(client_id, api_key, ...)`: the same policy, `api=` as an option."""
    import oint.ozon

    args = (DEMO_CLIENT_ID, DEMO_API_KEY, str(PRODUCT), [PICTURE, PICTURE2])
    assert_seed_shape(oint.ozon.update_product_images(*args, color="GREEN", base_url=server.url))
    assert "/v2/product/pictures/import" in server.paths()
    server.set_api_date("2026-09-01")
    server.clear_requests()
    legacy = oint.ozon.update_product_images(*args, color="GREEN", base_url=server.url, api="legacy")
    assert_seed_shape(legacy)
    assert server.paths() == ["/v1/product/pictures/import"]


def test_seed_call_of_the_cli_stays_well_under_a_second(run_cli: Any, server: SandboxServer) -> None:
    times = []
    for _ in range(3):
        t0 = time.monotonic()
        r: CliResult = run_cli(*seed_command(), "--base-url", server.url)
        times.append(time.monotonic() - t0)
        assert r.code == 0, r.err
    assert min(times) < 0.8, times  # a whole process: start, five requests, a 50 ms wait


# ================================================================== each function, today and before
def _window() -> dict[str, str]:
    now = dt.datetime.now(dt.timezone.utc)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    return {"since": (now - dt.timedelta(days=360)).strftime(stamp), "to": now.strftime(stamp)}


def _calculated(client: OzonClient, operation_id: str) -> dict[str, Any]:
    for _ in range(20):
        draft: dict[str, Any] = client.get_fbo_draft(operation_id)
        if draft["status"] != "CALCULATION_STATUS_IN_PROGRESS":
            return draft
        time.sleep(0.05)
    raise AssertionError(f"draft {operation_id} still calculating")


Setup = tuple[tuple[Any, ...], list[str]]  # (Python arguments, CLI options)


def _images(_: OzonClient) -> Setup:
    images = ["https://example.com/today/1.jpg", "https://example.com/today/2.png"]
    return (PRODUCT, images, None, "GREEN"), [
        "--productid",
        str(PRODUCT),
        "--images",
        json.dumps(images),
        "--color",
        "GREEN",
    ]


def _check_images(answer: Any) -> None:
    pictures = answer["result"]["pictures"]
    assert [p["url"] for p in pictures] == [
        "https://example.com/today/1.jpg",
        "https://example.com/today/2.png",
        "GREEN",
    ]
    assert [(p["is_primary"], p["is_color"], p["is_360"]) for p in pictures] == [
        (True, False, False),
        (False, False, False),
        (False, True, False),
    ]
    assert {(p["product_id"], p["state"]) for p in pictures} == {(PRODUCT, "imported")}


def _check_candidates(answer: Any) -> None:
    result = answer["result"]
    assert result["total"] == 3 and [p["id"] for p in result["products"]] == ON_SALE
    assert result["last_id"] == ""
    first = result["products"][0]
    assert set(first) == V1_PROMO_KEYS
    assert first["price"] == 1300 and first["max_action_price"] == 1105 and first["add_mode"] == "NOT_SET"


def _check_participants(answer: Any) -> None:
    result = answer["result"]
    assert result["total"] == 1 and set(result["products"][0]) == V1_PROMO_KEYS
    assert {k: result["products"][0][k] for k in ("id", "action_price", "add_mode")} == {
        "id": PRODUCT,
        "action_price": 1150,
        "add_mode": "MANUAL",
    }


def _check_warehouses(answer: Any) -> None:
    warehouses = answer["result"]
    assert [w["warehouse_id"] for w in warehouses] == DEMO_WAREHOUSES
    assert all(set(w) == V1_WAREHOUSE_KEYS for w in warehouses)
    assert [w["is_rfbs"] for w in warehouses] == [False, True, False]
    assert [w["first_mile_type"]["first_mile_type"] for w in warehouses] == ["DropOff", "Pickup", "DropOff"]
    assert warehouses[0]["working_days"] == [1, 2, 3, 4, 5, 6] and warehouses[0]["status"] == "created"


def _postings(_: OzonClient) -> Setup:
    window = _window()
    return (window, {"analytics_data": True}), [
        "--filter",
        json.dumps(window),
        "--with",
        "{'analytics_data':true}",
    ]


def _check_postings(answer: Any) -> None:
    postings = answer["result"]
    assert len(postings) >= 10
    created = [p["created_at"] for p in postings]
    assert created == sorted(created)
    first = postings[0]
    assert first["analytics_data"]["warehouse_name"] and first["financial_data"] is None
    product = first["products"][0]
    assert isinstance(product["price"], str) and product["currency_code"] == "RUB"
    assert {"sku", "name", "quantity", "offer_id", "digital_codes"} <= set(product)


def _draft(_: OzonClient) -> Setup:
    return ([MOSCOW], {str(SKU_1): 5}), ["--clusters", f"[{MOSCOW}]", "--items", json.dumps({str(SKU_1): 5})]


def _check_draft_created(answer: Any) -> None:
    assert isinstance(answer["operation_id"], str) and answer["operation_id"]


def _draft_info(client: OzonClient) -> Setup:
    operation_id = client.create_fbo_draft([MOSCOW], {SKU_1: 5})["operation_id"]
    _calculated(client, operation_id)
    return (operation_id,), ["--oper", operation_id]


def _check_draft(answer: Any) -> None:
    assert answer["status"] == "CALCULATION_STATUS_SUCCESS" and answer["draft_id"] > 0
    [cluster] = answer["clusters"]
    assert cluster["cluster_id"] == MOSCOW and cluster["cluster_name"]
    available = [w for w in cluster["warehouses"] if w["status"]["is_available"]]
    assert available and [w["total_rank"] for w in available] == list(range(1, len(available) + 1))
    assert available[0]["supply_warehouse"]["warehouse_id"] and available[0]["bundle_ids"]


def _timeslots(client: OzonClient) -> Setup:
    operation_id = client.create_fbo_draft([MOSCOW], {SKU_1: 5})["operation_id"]
    draft = _calculated(client, operation_id)
    warehouse = next(
        w["supply_warehouse"]["warehouse_id"]
        for w in draft["clusters"][0]["warehouses"]
        if w["status"]["is_available"]
    )
    start = dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time())
    end = dt.datetime.combine(TODAY + dt.timedelta(days=7), dt.time(23))
    return (start, end, draft["draft_id"], [warehouse]), [
        "--from",
        start.isoformat(),
        "--to",
        end.isoformat(),
        "--draft",
        str(draft["draft_id"]),
        "--whs",
        json.dumps([warehouse]),
    ]


def _check_timeslots(answer: Any) -> None:
    [at] = answer["drop_off_warehouse_timeslots"]
    assert at["drop_off_warehouse_id"] and at["warehouse_timezone"] == "Europe/Moscow"
    assert at["days"] and all(day["timeslots"] for day in at["days"])
    start = (TODAY + dt.timedelta(days=1)).isoformat()
    assert answer["requested_date_from"].startswith(start)


def _codes(_: OzonClient) -> Setup:
    return (PRODUCT, ["CODE-1", "CODE-2"]), ["--productid", str(PRODUCT), "--codes", "['CODE-1','CODE-2']"]


def _check_codes(answer: Any) -> None:
    assert isinstance(answer["result"]["task_id"], int) and answer["result"]["task_id"] > 0


def _codes_status(client: OzonClient) -> Setup:
    task_id = client.upload_product_activation_codes(PRODUCT, ["CODE-9"])["result"]["task_id"]
    for _ in range(20):  # OInt's endpoint keeps the task pending for a moment
        if client.get_codes_upload_status(task_id)["result"]["status"] != "pending":
            break
        time.sleep(0.05)
    return (task_id,), ["--taskid", str(task_id)]


def _check_codes_status(answer: Any) -> None:
    assert answer == {"result": {"status": "imported"}}


@dataclass(frozen=True)
class Case:
    setup: Callable[[OzonClient], Setup]
    check: Callable[[Any], None]


CASES: dict[str, Case] = {
    "UpdateProductImages": Case(_images, _check_images),
    "GetAvailablePromoProducts": Case(
        lambda _: ((MAX_BOOST,), ["--actionid", str(MAX_BOOST)]), _check_candidates
    ),
    "GetCurrentPromoProducts": Case(
        lambda _: ((ELASTIC,), ["--actionid", str(ELASTIC)]), _check_participants
    ),
    "GetWarehousesList": Case(lambda _: ((), []), _check_warehouses),
    "GetFBOShipmentsList": Case(_postings, _check_postings),
    "CreateFBODraft": Case(_draft, _check_draft_created),
    "GetFBODraft": Case(_draft_info, _check_draft),
    "GetFBOTimeslots": Case(_timeslots, _check_timeslots),
    "UploadProductActivationCodes": Case(_codes, _check_codes),
    "GetCodesUploadStatus": Case(_codes_status, _check_codes_status),
}


def test_the_ten_functions() -> None:
    assert sorted(NAMES) == sorted(CASES) and len(NAMES) == 10
    retired = {m.name_en for m in REGISTRY if m.endpoint is not None and m.endpoint.retired}
    assert retired == set(NAMES)


def call(
    channel: str, m: Method, py_args: tuple[Any, ...], cli_args: list[str], url: str, run_cli: Any
) -> Any:
    """One call of `m` through the CLI, OzonClient or AsyncOzonClient (mode and date from the env)."""
    if channel == "cli":
        r: CliResult = run_cli("ozon", m.name_en, *creds(url), *cli_args)
        assert r.code == 0, r.out + r.err
        stderr_is_warnings(r.err)
        return r.json()
    if channel == "sync":
        with http_client(url) as client:
            return getattr(client, m.python)(*py_args)

    async def go() -> Any:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=url, max_retries=0) as client:
            return await getattr(client, m.python)(*py_args)

    return asyncio.run(go())


CHANNELS = ("cli", "sync", "async")


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("era", ["today", "before", "before-current"])
@pytest.mark.parametrize("name", NAMES)
def test_each_function_today_and_before_its_switch_off(
    name: str, era: str, channel: str, server: SandboxServer, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """today: `auto` on a sandbox dated today (the current implementation); before: the sandbox and
    the client's "today" on the last day OInt's endpoint worked (`auto` takes OInt's endpoint);
    before-current: `--api current` on that day (the successors work at any date)."""
    m = REGISTRY[name]
    assert m.current is not None
    if era != "today":
        day = day_before(m)
        server.set_api_date(day)
        monkeypatch.setenv("OINT_OZON_TODAY", day)
        if era == "before-current":
            monkeypatch.setenv("OINT_OZON_API", "current")
    with http_client(server.url) as client:
        py_args, cli_args = CASES[name].setup(client)
    server.clear_requests()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuccessorWarning)
        answer = call(channel, m, py_args, cli_args, server.url, run_cli)
    CASES[name].check(answer)
    log = server.requests()
    paths = [e["path"] for e in log]
    assert all(e["status"] == 200 for e in log), log
    if era == "before":
        assert paths == [legacy_path(m)]
    else:
        assert paths and set(paths) <= set(m.current.uses), paths
        assert legacy_path(m) not in paths


# ================================================================== unexpected 404/410: the successor
def _setup_current(name: str, url: str) -> Setup:
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=url, max_retries=0, api="current") as client:
        return CASES[name].setup(client)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("name", NAMES)
def test_unexpected_410_is_followed_by_the_successor_in_the_same_call(
    name: str, channel: str, server: SandboxServer, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = REGISTRY[name]
    assert m.current is not None
    day = day_before(m)
    server.set_api_date(day)  # OInt's endpoint still works at the sandbox...
    monkeypatch.setenv("OINT_OZON_TODAY", day)  # ...and `auto` takes it
    py_args, cli_args = _setup_current(name, server.url)  # ids the current implementation understands
    server.fault(path=legacy_path(m), status=410)  # ...but it answers 410 once
    server.clear_requests()
    if channel == "cli":
        r: CliResult = run_cli("ozon", name, *creds(server.url), *cli_args)
        assert r.code == 0, r.out + r.err
        assert f"oint: warning: {name}: POST {legacy_path(m)} answered 410; using " in r.err
        stderr_is_warnings(r.err)
        answer = r.json()
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            answer = call(channel, m, py_args, cli_args, server.url, run_cli)
        assert any(issubclass(w.category, OzonWarning) and "answered 410" in str(w.message) for w in caught)
    CASES[name].check(answer)
    log = server.requests()
    assert (log[0]["path"], log[0]["status"]) == (legacy_path(m), 410)
    assert log[1:] and {e["path"] for e in log[1:]} <= set(m.current.uses)
    assert all(e["status"] == 200 for e in log[1:])


def test_after_a_410_the_process_keeps_to_the_successor(
    server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = REGISTRY["GetWarehousesList"]
    monkeypatch.setenv("OINT_OZON_TODAY", day_before(m))
    server.set_api_date(day_before(m))
    server.fault(path="/v1/warehouse/list", status=410)
    with http_client(server.url) as ozon, warnings.catch_warnings():
        warnings.simplefilter("ignore", OzonWarning)
        _check_warehouses(ozon.get_warehouses_list())
        assert policy.gone("/v1/warehouse/list")
        server.clear_requests()
        _check_warehouses(ozon.get_warehouses_list())  # v1 would answer 429 now: once a minute
    assert server.paths() == ["/v2/warehouse/list"]


def test_an_unexpected_404_is_followed_too(server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OINT_OZON_TODAY", "2026-09-01")
    server.set_api_date("2026-09-01")
    server.fault(path="/v1/product/pictures/import", status=404, body={"code": 5, "message": "Not Found"})
    with http_client(server.url) as ozon, pytest.warns(OzonWarning, match="answered 404"):
        _check_images(ozon.update_product_images(*_images(ozon)[0]))
    assert policy.gone("/v1/product/pictures/import")
    assert server.paths()[:2] == ["/v1/product/pictures/import", "/v3/product/info/list"]


def test_a_real_not_found_stays_an_error(server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 404 that the current implementation confirms is the answer: OInt's endpoint is not given up."""
    monkeypatch.setenv("OINT_OZON_TODAY", "2026-10-01")
    server.set_api_date("2026-10-01")
    with http_client(server.url) as ozon, pytest.raises(NotFoundError) as e:
        ozon.get_available_promo_products(1)
    assert e.value.code == 5 and e.value.path == "/v2/actions/candidates"
    assert server.paths() == ["/v1/actions/candidates", "/v2/actions/candidates"]
    assert not policy.gone("/v1/actions/candidates")


def test_legacy_mode_never_falls_back(server: SandboxServer) -> None:
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=server.url, max_retries=0, api="legacy") as ozon:
        with pytest.raises(GoneError) as e:
            ozon.get_fbo_draft("01968c0f-6eb1-77dc-8df4-d930396b6106")
    assert e.value.to_dict() == OBSOLETE and server.paths() == ["/v1/draft/create/info"]


# ================================================================== the policy
def test_api_mode_from_argument_environment_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert policy.api_mode(None) == "auto" and policy.api_mode("LEGACY") == "legacy"
    monkeypatch.setenv("OINT_OZON_API", "current")
    assert policy.api_mode(None) == "current" and policy.api_mode("auto") == "auto"
    with pytest.raises(UsageError, match="api: expected one of auto, legacy, current"):
        OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, api="newest")
    monkeypatch.setenv("OINT_OZON_API", "v2")
    with pytest.raises(UsageError, match="OINT_OZON_API"):
        OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY)
    monkeypatch.setenv("OINT_OZON_API", "legacy")
    assert OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY).api == "legacy"
    assert AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, api="current").api == "current"


def test_bad_api_is_a_usage_error_on_the_cli(run_cli: Any, sandbox_url: str) -> None:
    r: CliResult = run_cli("ozon", "GetWarehousesList", *creds(sandbox_url), "--api", "newest")
    assert r.code == 2 and r.err == "oint: api: expected one of auto, legacy, current, got 'newest'\n"
    env = {"OINT_OZON_API": "sometimes"}
    r = run_cli("ozon", "GetWarehousesList", *creds(sandbox_url), env=env)
    assert r.code == 2 and "OINT_OZON_API" in r.err and "Traceback" not in r.err
    r = run_cli("ozon", "GetWarehousesList", *creds(sandbox_url), env={"OINT_OZON_TODAY": "soon"})
    assert r.code == 2 and "OINT_OZON_TODAY" in r.err


def test_auto_switches_on_the_recorded_date(monkeypatch: pytest.MonkeyPatch) -> None:
    m = REGISTRY["UpdateProductImages"]
    assert m.endpoint is not None and m.endpoint.retired == "2026-10-01"
    assert not policy.uses_current(m, "auto", dt.date(2026, 9, 30))
    assert policy.uses_current(m, "auto", dt.date(2026, 10, 1))
    assert policy.uses_current(m, "current", dt.date(2020, 1, 1))
    assert not policy.uses_current(m, "legacy", dt.date(2030, 1, 1))
    assert not policy.uses_current(REGISTRY["GetProductList"], "current", TODAY)  # no current implementation
    monkeypatch.setenv("OINT_OZON_TODAY", "2026-09-30")
    assert policy.today() == dt.date(2026, 9, 30)


# ================================================================== flows, without I/O
def drive(flow: Flow, answers: dict[str, list[Any]]) -> tuple[Any, list[Request | Wait]]:
    """Run a flow by hand: each request gets the next canned answer for its path."""
    steps: list[Request | Wait] = []
    reply: Any = None
    while True:
        try:
            step = flow.send(reply)
        except StopIteration as stop:
            return stop.value, steps
        steps.append(step)
        reply = None if isinstance(step, Wait) else answers[step.path].pop(0)


def test_the_pictures_flow_is_pure() -> None:
    m = REGISTRY["UpdateProductImages"]
    assert m.current is not None
    body = m.build((PRODUCT, [PICTURE, PICTURE2], None, "GREEN")).body
    assert body is not None
    answers: dict[str, list[Any]] = {
        "/v3/product/info/list": [{"items": [{"id": PRODUCT, "offer_id": "143210609"}]}],
        "/v2/product/pictures/import": [{"task_id": 77}],
        "/v1/product/import/info": [
            {"result": {"items": [{"offer_id": "143210609", "status": "pending"}]}},
            {"result": {"items": [{"offer_id": "143210609", "status": "imported"}]}},
        ],
        "/v2/product/pictures/info": [
            {
                "items": [
                    {
                        "product_id": PRODUCT,
                        "primary_photo": [],
                        "photo": [PICTURE],
                        "errors": [{"url": PICTURE2}],
                    }
                ]
            }
        ],
    }
    answer, steps = drive(m.current.run(body), answers)
    assert [s.path if isinstance(s, Request) else "wait" for s in steps] == [
        "/v3/product/info/list",
        "/v2/product/pictures/import",
        "wait",
        "/v1/product/import/info",
        "wait",
        "/v1/product/import/info",
        "/v2/product/pictures/info",
    ]
    sent = steps[1]
    assert isinstance(sent, Request) and sent.body == {
        "items": [{"offer_id": "143210609", "images": [PICTURE, PICTURE2], "color_image": "GREEN"}]
    }
    waits = [s.seconds for s in steps if isinstance(s, Wait)]
    assert waits == sorted(waits) and waits[0] <= 0.1
    assert [p["state"] for p in answer["result"]["pictures"]] == ["imported", "pending", "imported"]


def test_a_failed_pictures_task_raises() -> None:
    m = REGISTRY["UpdateProductImages"]
    assert m.current is not None
    body = m.build((PRODUCT, [PICTURE], None, "")).body
    assert body is not None
    answers: dict[str, list[Any]] = {
        "/v3/product/info/list": [{"items": [{"id": PRODUCT, "offer_id": "X"}]}],
        "/v2/product/pictures/import": [{"task_id": 5}],
        "/v1/product/import/info": [
            {
                "result": {
                    "items": [
                        {"offer_id": "X", "status": "failed", "errors": [{"code": "E", "message": "no"}]}
                    ]
                }
            }
        ],
    }
    with pytest.raises(TaskFailedError) as e:
        drive(m.current.run(body), answers)
    assert e.value.code == "TASK_FAILED" and e.value.details[0]["code"] == "E"


def test_promotions_offset_walks_the_v2_pages() -> None:
    m = REGISTRY["GetAvailablePromoProducts"]
    assert m.current is not None
    body = m.build((MAX_BOOST, 150)).body
    assert body is not None

    def page(first: int, n: int, last: str) -> dict[str, Any]:
        products = [
            {"id": i, "price": {"amount": "10.50", "currency": "RUB"}} for i in range(first, first + n)
        ]
        return {"products": products, "total": 260, "last_id": last}

    answers = {"/v2/actions/candidates": [page(0, 100, "a"), page(100, 50, "b"), page(150, 100, "c")]}
    answer, steps = drive(m.current.run(body), answers)
    asked = [s.body for s in steps if isinstance(s, Request)]
    assert asked == [
        {"action_id": MAX_BOOST, "limit": 100},
        {"action_id": MAX_BOOST, "limit": 50, "last_id": "a"},
        {"action_id": MAX_BOOST, "limit": 100, "last_id": "b"},
    ]
    products = answer["result"]["products"]
    assert [p["id"] for p in products] == list(range(150, 250)) and products[0]["price"] == 10.5
    assert answer["result"]["total"] == 260 and answer["result"]["last_id"] == "c"


def test_the_sync_and_async_drivers_send_the_same_requests(server: SandboxServer) -> None:
    with warnings.catch_warnings(), http_client(server.url) as ozon:
        warnings.simplefilter("ignore", SuccessorWarning)
        py_args, _ = _timeslots(ozon)
        server.clear_requests()
        call("sync", REGISTRY["GetFBOTimeslots"], py_args, [], server.url, None)
        sync_paths = server.paths()
        server.clear_requests()
        call("async", REGISTRY["GetFBOTimeslots"], py_args, [], server.url, None)
    assert server.paths() == sync_paths == ["/v2/draft/create/info", "/v2/draft/timeslot/info"]


# ================================================================== what the successors cannot do
def test_images360_are_not_sent_and_a_warning_says_so(cli: Any, server: SandboxServer) -> None:
    r: CliResult = cli(
        "UpdateProductImages",
        "--productid",
        str(PRODUCT),
        "--images",
        PICTURE,
        "--images360",
        "https://x.ru/3.jpg",
    )
    assert r.code == 0
    assert r.err == (
        "oint: warning: UpdateProductImages: Ozon removed 360° images: /v2/product/pictures/import has no "
        "images360, so the 1 given were not sent\n"
    )
    assert [p["url"] for p in r.json()["result"]["pictures"]] == [PICTURE]
    with http_client(server.url) as ozon, pytest.warns(SuccessorWarning, match="360"):
        ozon.update_product_images(PRODUCT, [PICTURE2], ["https://x.ru/3.jpg"])


def test_activation_codes_set_the_digital_stock(server: SandboxServer) -> None:
    with http_client(server.url) as ozon:
        with pytest.warns(SuccessorWarning, match="codes were not sent"):
            task = ozon.upload_product_activation_codes(1111588192, ["A", "B", "C"])["result"]["task_id"]
        assert task == 1111588192
        assert ozon.get_codes_upload_status(task) == {"result": {"status": "imported"}}
        with pytest.raises(NotFoundError, match="task 3300000001 not found"):
            ozon.get_codes_upload_status(3300000001)
        with pytest.raises(TaskFailedError, match="archived"), pytest.warns(SuccessorWarning):
            ozon.upload_product_activation_codes(1111588194, ["X"])  # the demo's archived product
    assert "/v1/product/digital/stocks/import" in server.paths()


def test_draft_ids_of_the_switched_off_endpoint_are_a_usage_error(cli: Any) -> None:
    r: CliResult = cli("GetFBODraft", "--oper", "01968c0f-6eb1-77dc-8df4-d930396b6106")
    assert r.code == 2 and "operation id of /v1/draft/create" in r.err


def test_crossdock_and_multi_cluster_drafts(server: SandboxServer) -> None:
    with http_client(server.url) as ozon, warnings.catch_warnings():
        warnings.simplefilter("ignore", SuccessorWarning)
        cross = ozon.create_fbo_draft([MOSCOW], {SKU_1: 3}, "CREATE_TYPE_CROSSDOCK", CROSSDOCK_POINT)
        multi = ozon.create_fbo_draft([MOSCOW, 144], {SKU_1: 3})
        assert _calculated(ozon, cross["operation_id"])["status"] == "CALCULATION_STATUS_SUCCESS"
        draft = _calculated(ozon, multi["operation_id"])
        assert [c["cluster_id"] for c in draft["clusters"]] == [MOSCOW, 144]
        failed = _calculated(ozon, ozon.create_fbo_draft([999], {SKU_1: 1})["operation_id"])
    assert failed["status"] == "CALCULATION_STATUS_FAILED" and failed["errors"][0]["unknown_cluster_ids"] == [
        "999"
    ]
    assert server.paths()[:2] == ["/v1/draft/crossdock/create", "/v1/draft/multi-cluster/create"]


def test_fbo_postings_offset_and_periods_longer_than_a_year(server: SandboxServer) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    long = {
        "since": (now - dt.timedelta(days=800)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "to": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    with http_client(server.url) as ozon:
        everything = ozon.get_fbo_shipments_list(long)["result"]
        assert len(everything) == 11
        numbers = [p["posting_number"] for p in everything]
        assert [
            p["posting_number"] for p in ozon.get_fbo_shipments_list(long, offset=4)["result"]
        ] == numbers[4:]
        assert ozon.get_fbo_shipments_list(long, offset=50)["result"] == []
        delivered = ozon.get_fbo_shipments_list(dict(long, status="delivered"), {"financial_data": True})[
            "result"
        ]
    assert delivered and {p["status"] for p in delivered} == {"delivered"}
    product = delivered[0]["financial_data"]["products"][0]
    assert product["commission_percent"] == 15 and product["quantity"] >= 1
    assert product["payout"] == pytest.approx(
        product["price"] * product["quantity"] - product["commission_amount"]
    )
    bodies = [e for e in server.paths() if e == "/v3/posting/fbo/list"]
    assert len(bodies) >= 8  # three year-long windows per call


# ================================================================== typed methods of the successors
def test_typed_methods_cover_every_successor() -> None:
    sync = OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url="http://typed.invalid")
    async_ = AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url="http://typed.invalid")
    stub = (ROOT / "src" / "oint" / "apis" / "seller" / "_operations.pyi").read_text(encoding="utf-8")
    for m in CHANGED:
        assert m.current is not None and m.endpoint is not None and m.endpoint.successor
        for path in {*m.current.uses, m.endpoint.successor}:
            name = spec.operation(path).name
            assert callable(getattr(sync, name)) and callable(getattr(async_, name)), name
            typed_body = rf"def {name}\(self, body: [a-z_]+\.\w+"  # a TypedDict of oint.ozon.types
            assert re.search(rf"\n    {typed_body}", stub) and re.search(rf"\n    async {typed_body}", stub)


def test_each_successor_through_its_typed_method(ozon: OzonClient) -> None:
    offer = "143210609"
    task = ozon.v2_product_pictures_import({"items": [{"offer_id": offer, "images": [PICTURE2]}]})["task_id"]
    status = "pending"
    for _ in range(20):
        status = ozon.v1_product_import_info({"task_id": task})["result"]["items"][0]["status"]
        if status != "pending":
            break
        time.sleep(0.05)
    assert status == "imported"
    assert ozon.v2_product_pictures_info({"product_id": [str(PRODUCT)]})["items"][0]["photo"] == [PICTURE2]
    assert ozon.v3_product_info_list({"offer_id": [offer]})["items"][0]["images"] == [PICTURE2]

    candidates = ozon.v2_actions_candidates({"action_id": MAX_BOOST, "limit": 2})
    assert len(candidates["products"]) == 2 and candidates["total"] == 3 and candidates["last_id"]
    assert candidates["products"][0]["price"] == {"amount": "1300.00", "currency": "RUB"}
    assert [p["id"] for p in ozon.iter_v2_actions_candidates({"action_id": MAX_BOOST, "limit": 1})] == ON_SALE
    assert [p["add_mode"] for p in ozon.v2_actions_products({"action_id": ELASTIC})["products"]] == ["MANUAL"]

    warehouses = ozon.v2_warehouse_list({"limit": 2})
    assert len(warehouses["warehouses"]) == 2 and warehouses["has_next"] and warehouses["cursor"]
    assert [w["warehouse_id"] for w in ozon.iter_v2_warehouse_list({"limit": 1})] == DEMO_WAREHOUSES
    assert (
        ozon.v2_warehouse_list({"limit": 5, "warehouse_ids": [str(DEMO_WAREHOUSES[1])]})["warehouses"][0][
            "first_mile"
        ]["type"]
        == "PICK_UP"
    )

    window = _window()
    since, until = window["since"], window["to"]
    postings = ozon.v3_posting_fbo_list({"filter": {"since": since, "to": until}, "limit": 3})
    assert len(postings["postings"]) == 3 and postings["has_next"] and postings["cursor"]
    assert set(postings["postings"][0]["products"][0]["price"]) == {"amount", "currency"}
    every = list(ozon.iter_v3_posting_fbo_list({"filter": {"since": since, "to": until}}))
    assert len(every) >= 10 and len({p["posting_number"] for p in every}) == len(every)

    created = ozon.v1_draft_direct_create(
        {"cluster_info": {"macrolocal_cluster_id": MOSCOW, "items": [{"sku": SKU_1, "quantity": 2}]}}
    )
    draft_id = created["draft_id"]
    assert draft_id and created["errors"] == []
    info = ozon.v2_draft_create_info({"draft_id": draft_id})
    for _ in range(20):
        if info["status"] != "CALCULATION_STATUS_IN_PROGRESS":
            break
        time.sleep(0.05)
        info = ozon.v2_draft_create_info({"draft_id": draft_id})
    assert info["status"] == "CALCULATION_STATUS_SUCCESS"
    warehouse = info["clusters"][0]["warehouses"][0]["storage_warehouse"]["warehouse_id"]
    start = (TODAY + dt.timedelta(days=1)).isoformat() + "T00:00:00Z"
    end = (TODAY + dt.timedelta(days=3)).isoformat() + "T00:00:00Z"
    slots = ozon.v2_draft_timeslot_info(
        {
            "draft_id": draft_id,
            "date_from": start,
            "date_to": end,
            "selected_cluster_warehouses": [
                {"macrolocal_cluster_id": MOSCOW, "storage_warehouse_id": warehouse}
            ],
        }
    )
    assert slots["error_reason"] == "" and slots["result"]["drop_off_warehouse_timeslots"]["days"]
    cross = ozon.v1_draft_crossdock_create(
        {
            "cluster_info": {"macrolocal_cluster_id": MOSCOW, "items": [{"sku": SKU_1, "quantity": 1}]},
            "delivery_info": {"type": "DROP_OFF", "drop_off_warehouse": {"warehouse_id": CROSSDOCK_POINT}},
        }
    )
    multi = ozon.v1_draft_multi_cluster_create(
        {
            "clusters_info": [
                {"macrolocal_cluster_id": c, "items": [{"sku": SKU_1, "quantity": 1}]} for c in (MOSCOW, 7)
            ]
        }
    )
    assert (
        cross["draft_id"] and multi["draft_id"] and len({draft_id, cross["draft_id"], multi["draft_id"]}) == 3
    )

    stocks = ozon.v1_product_digital_stocks_import(
        {"stocks": [{"offer_id": offer, "stock": 4}, {"offer_id": "NOPE", "stock": 1}]}
    )["status"]
    assert [(e["offer_id"], e["updated"]) for e in stocks] == [(offer, True), ("NOPE", False)]
    assert stocks[0]["product_id"] == PRODUCT and stocks[1]["errors"][0]["code"] == "NOT_FOUND"


def test_readme_request_example_works_on_the_sandbox(ozon: OzonClient) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'client.request("POST", "/v2/warehouse/list", {"limit": 50})' in readme
    answer = ozon.request("POST", "/v2/warehouse/list", {"limit": 50})
    assert [w["warehouse_id"] for w in answer["warehouses"]] == DEMO_WAREHOUSES and answer[
        "has_next"
    ] is False


# ================================================================== the sandbox's API date and log
def test_every_switched_off_operation_answers_410_and_only_then(tmp_path: Any) -> None:
    clock_day = dt.datetime(2026, 11, 28, 12, tzinfo=dt.timezone.utc).timestamp()
    sandbox = Sandbox(str(tmp_path / "s.sqlite3"), clock=lambda: clock_day, rate_limits=False)
    headers = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY}
    retired = {p: op for p, op in spec.operations().items() if op.retired}
    assert len(retired) >= 20
    for path, op in retired.items():
        answer = sandbox.handle(op.method, path, headers, b"{}")
        assert (answer.status, json.loads(answer.body)) == (410, OBSOLETE), path
    no_key = sandbox.handle("POST", "/v1/warehouse/list", {}, b"{}")
    assert no_key.status == 401  # who asks comes first, as for every endpoint
    sandbox.api_date = dt.date(2026, 3, 15)  # a day before the v1 drafts were switched off
    assert sandbox.handle("POST", "/v1/draft/create/info", headers, b'{"operation_id": "x"}').status == 404
    assert (
        sandbox.handle("POST", "/v1/product/upload_digital_codes/info", headers, b'{"task_id": 1}').status
        == 410
    )
    for successor in {op.successor for op in retired.values() if op.successor}:
        assert sandbox.handle("POST", successor, headers, b"{}").status != 410, successor
    sandbox.close()


def test_api_date_from_the_constructor_environment_and_clock(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "s.sqlite3")
    assert Sandbox(db, api_date="2026-09-01").today() == dt.date(2026, 9, 1)
    assert Sandbox(db, api_date=dt.date(2025, 1, 2)).today() == dt.date(2025, 1, 2)
    assert Sandbox(db, clock=lambda: 1_760_000_000.0).today() == dt.date(2025, 10, 9)  # the clock's day
    monkeypatch.setenv("OINT_SANDBOX_API_DATE", "2026-04-06")
    sandbox = Sandbox(db)
    assert sandbox.today() == dt.date(2026, 4, 6)
    sandbox.api_date = dt.date(2030, 1, 1)
    sandbox.reset()  # back to the date it started with
    assert sandbox.today() == dt.date(2026, 4, 6)
    monkeypatch.setenv("OINT_SANDBOX_API_DATE", "next week")
    with pytest.raises(UsageError, match="OINT_SANDBOX_API_DATE"):
        Sandbox(db)


def test_embedded_sandbox_takes_its_date_from_the_environment(run_cli: Any, sandbox_db: str) -> None:
    env = {"OINT_SANDBOX_DB": sandbox_db, "OINT_SANDBOX_API_DATE": "2026-04-06"}
    r: CliResult = run_cli("ozon", "GetWarehousesList", "--sandbox", "--api", "legacy", env=env)
    assert r.code == 0 and r.err == "", r.err
    _check_warehouses(r.json())
    r = run_cli(
        "ozon",
        "GetWarehousesList",
        "--sandbox",
        "--api",
        "legacy",
        env={**env, "OINT_SANDBOX_API_DATE": "2026-04-07"},
    )
    assert r.code == 1 and r.json() == OBSOLETE
    r = run_cli("ozon", "GetWarehousesList", "--sandbox", env={**env, "OINT_SANDBOX_API_DATE": "soon"})
    assert r.code == 2 and "OINT_SANDBOX_API_DATE" in r.err and "Traceback" not in r.err


def test_serve_checks_its_api_date(run_cli: Any) -> None:
    r: CliResult = run_cli("sandbox", "serve", "--api-date", "2026-13-01")
    assert r.code == 2 and r.err.startswith("oint: --api-date: ") and "Traceback" not in r.err
    assert "--api-date YYYY-MM-DD" in run_cli("sandbox", "--help").out


def test_admin_api_date_route(server: SandboxServer) -> None:
    assert server.set_api_date("2026-04-06") == "2026-04-06"
    assert server.set_api_date(None) == TODAY.isoformat()
    with pytest.raises(Exception, match="400"):
        server.set_api_date("tomorrow-ish")
    server.reset()
    assert server.set_api_date("2026-04-06") == "2026-04-06"


def test_request_log_is_bounded(tmp_path: Any) -> None:
    sandbox = Sandbox(":memory:", rate_limits=False)
    client = OzonClient(
        DEMO_CLIENT_ID,
        DEMO_API_KEY,
        base_url="http://sandbox.invalid",
        transport=SandboxTransport(sandbox=sandbox),
    )
    for _ in range(REQUEST_LOG_SIZE + 5):
        client.request("POST", "/v1/cluster/list", {"cluster_type": "CLUSTER_TYPE_OZON"})
    with pytest.raises(GoneError):
        client.request("POST", "/v1/warehouse/list")
    client.close()
    assert len(sandbox.requests) == REQUEST_LOG_SIZE
    assert sandbox.requests[-1] == {"method": "POST", "path": "/v1/warehouse/list", "status": 410}
    assert all(set(e) == {"method", "path", "status"} for e in sandbox.requests)
    sandbox.reset()
    assert not sandbox.requests
    sandbox.close()


# ================================================================== warnings at Ozon's own host
def test_a_switched_off_endpoint_at_ozons_host_warns_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import oint.core.client as base_client

    monkeypatch.setattr(base_client, "_WARNED_RETIRED", set())

    def gone(request: httpx.Request) -> httpx.Response:
        return httpx.Response(410, json=OBSOLETE)

    mock = httpx.Client(transport=httpx.MockTransport(gone))
    with OzonClient("1", "key", http_client=mock, max_retries=0, api="legacy", rate_limit=False) as ozon:
        with pytest.warns(RetiredEndpointWarning) as caught:
            with pytest.raises(GoneError):
                ozon.get_warehouses_list()
        [warning] = caught
        assert str(warning.message) == (
            "POST /v1/warehouse/list was switched off by Ozon on 2026-04-07; "
            "its successor is /v2/warehouse/list"
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error", RetiredEndpointWarning)
            with pytest.raises(GoneError):
                ozon.request("POST", "/v1/warehouse/list")  # said once per process


def test_the_warning_on_any_host_and_not_before_the_day(
    server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: the sandbox's HTTP server warns as Ozon's host does (by `OINT_OZON_TODAY`); the
    embedded sandbox by its own API date, so that dated before the switch-off nothing is said."""
    import oint.core.client as base_client

    monkeypatch.setattr(base_client, "_WARNED_RETIRED", set())
    monkeypatch.setenv("OINT_OZON_TODAY", "2026-12-07")
    with http_client(server.url) as ozon, pytest.warns(RetiredEndpointWarning, match="2026-08-31"):
        with pytest.raises(GoneError):
            ozon.call("/v3/posting/fbs/list", {"filter": {}, "limit": 1, "offset": 0})
    monkeypatch.setattr(base_client, "_WARNED_RETIRED", set())
    before = SandboxTransport(
        sandbox=Sandbox(":memory:", api_date="2026-08-30", rate_limits=False), owned=True
    )
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, transport=before) as ozon, warnings.catch_warnings():
        warnings.simplefilter("error", RetiredEndpointWarning)
        ozon.call(
            "/v3/posting/fbs/list",
            {
                "filter": {"since": "2026-08-01T00:00:00Z", "to": "2026-08-30T00:00:00Z"},
                "limit": 1,
                "offset": 0,
            },
        )
    after = SandboxTransport(
        sandbox=Sandbox(":memory:", api_date="2026-08-31", rate_limits=False), owned=True
    )
    with (
        OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, transport=after) as ozon,
        pytest.warns(RetiredEndpointWarning, match="/v4/posting/fbs/list"),
    ):
        with pytest.raises(GoneError):
            ozon.call("/v3/posting/fbs/list", {"filter": {}, "limit": 1, "offset": 0})


# ================================================================== help, docs
@pytest.mark.parametrize("name", NAMES)
def test_help_shows_todays_endpoint_and_the_fallback(name: str, run_cli: Any) -> None:
    m = REGISTRY[name]
    assert m.current is not None and m.endpoint is not None
    text = run_cli("ozon", name).out
    today_line = next(line for line in text.splitlines() if line.startswith("Ozon endpoint today"))
    assert f"({TODAY}, --api auto): {spec.operation(m.current.uses[0])}" in today_line
    assert f"Falls back to: OInt's {m.endpoint}" in text and "--api auto|legacy|current" in text
    before: str = run_cli("ozon", name, env={"OINT_OZON_TODAY": day_before(m)}).out
    assert (
        f"Ozon endpoint today ({day_before(m)}, --api auto): OInt's {m.endpoint} until {m.endpoint.retired}"
        in before
    )


def test_reference_and_readme_name_both_endpoints() -> None:
    reference = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for m in CHANGED:
        assert m.current is not None and m.endpoint is not None
        section = reference.split(f"\n### {m.name_en}\n", 1)[1].split("\n### ", 1)[0]
        assert (
            f"- Endpoint today: the current implementation: `{spec.operation(m.current.uses[0])}`" in section
        )
        assert f"- Falls back to: OInt's endpoint `{m.endpoint}`" in section
        row = next(line for line in readme.splitlines() if line.startswith(f"| {m.name_en} |"))
        assert f"`{m.current.uses[0]}`" in row and f"`{m.endpoint.path}` ({m.endpoint.retired})" in row
