"""Shared fixtures: a real `oint sandbox serve` on a free local port, and a CLI runner.

- `sandbox_url`: base URL of the session's sandbox server, reset to the demo state
  before each test that uses it.
- `run_cli(*args)`: runs `python -m oint ...` as a subprocess; returns `CliResult`.
- `cli("Method", *args)`: `oint ozon Method` for the demo account on the HTTP sandbox.
- `ozon`: an `OzonClient` for the demo account on the HTTP sandbox, without retries.
- `clocked`: `(client, sandbox, clock)`, an in-process sandbox whose `Clock` the test moves.
- `sandbox_db`: a fresh state file for in-process `--sandbox` runs (OINT_SANDBOX_DB).
- `legacy_api`: OInt's own endpoints (`OINT_OZON_API=legacy`, i.e. `--api legacy` / `api="legacy"`)
  on the server dated `BEFORE_SWITCH_OFF`, before Ozon switched any of them off; for tests that pin
  the behaviour of those endpoints.
"""

from __future__ import annotations

import csv
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from services import PostgresServer, RedisServer, ServiceMissing

from oint.ozon import OzonClient
from oint.sandbox.core import Sandbox
from oint.sandbox.store import Store
from oint.sandbox.transport import SandboxTransport

DEMO_CLIENT_ID = "2128753"
DEMO_API_KEY = "7cc90d26-33e4-499b..."
BEFORE_SWITCH_OFF = "2025-06-01"  # an API date before Ozon switched off any endpoint OInt calls
ROOT = Path(__file__).resolve().parents[1]

# the demo account's warehouses: FBS (Moscow), rFBS (St Petersburg), bulky goods (Podolsk)
FBS, RFBS = 1020005000050693, 1020005000050694
DEMO_WAREHOUSES = [FBS, RFBS, 1020005000113280]
# the fields of a warehouse in /v1/warehouse/list's answer (GetWarehousesList)
V1_WAREHOUSE_KEYS = {
    "warehouse_id",
    "name",
    "is_rfbs",
    "is_able_to_set_price",
    "has_entrusted_acceptance",
    "first_mile_type",
    "is_kgt",
    "can_print_act_in_advance",
    "min_working_days",
    "is_karantin",
    "has_postings_limit",
    "postings_limit",
    "working_days",
    "min_postings_limit",
    "is_timetable_editable",
    "status",
    "is_economy",
    "is_presorted",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, doc: Any = None) -> Any:
    data = json.dumps(doc or {}).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


@dataclass
class SandboxServer:
    url: str
    db: str
    process: subprocess.Popen[bytes]

    def reset(self) -> None:
        _post(self.url + "/__sandbox/reset")

    def fault(self, **fault: Any) -> Any:
        """Inject a fault: path, status, times, body, headers, delay, retry_after."""
        return _post(self.url + "/__sandbox/faults", fault)

    def clear_faults(self) -> None:
        _post(self.url + "/__sandbox/faults/clear")

    def set_api_date(self, day: str | None) -> str:
        """Play Ozon's API of `day` (YYYY-MM-DD; None: today); reset() goes back to the default."""
        answer = _post(self.url + "/__sandbox/api-date", {"date": day})
        return str(answer["api_date"])

    def requests(self) -> list[dict[str, Any]]:
        """The requests the server answered since the last reset: [{method, path, status}]."""
        log: list[dict[str, Any]] = _get(self.url + "/__sandbox/requests")["requests"]
        return log

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests()]

    def clear_requests(self) -> None:
        _post(self.url + "/__sandbox/requests/clear")

    def request_log(self, since: int = 0, path: str | None = None, limit: int = 100_000) -> Any:
        """The log with bodies after sequence number `since`: {"requests": [...], "statuses": {"200": n}}."""
        return _post(self.url + "/__sandbox/requests/log", {"since": since, "path": path, "limit": limit})

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


SUITE_ANSWERS_TEST = "test_every_answer_of_the_suite_conforms"  # in test_sandbox_conformance.py


@pytest.fixture(scope="session", autouse=True)
def sandbox_answers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every sandbox of the session (in-process, `--sandbox` subprocesses, the server) appends its
    2xx answers to this JSON-lines file; `SUITE_ANSWERS_TEST`, run last, checks them all."""
    path = tmp_path_factory.mktemp("answers") / "answers.jsonl"
    path.touch()
    old = os.environ.get("OINT_SANDBOX_RECORD")
    os.environ["OINT_SANDBOX_RECORD"] = str(path)
    yield path
    if old is None:
        os.environ.pop("OINT_SANDBOX_RECORD", None)
    else:
        os.environ["OINT_SANDBOX_RECORD"] = old


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.name == SUITE_ANSWERS_TEST)  # stable: that one goes last


def listening(port: int, proc: subprocess.Popen[bytes], seconds: float = 30) -> bool:
    """Wait until the server `proc` started accepts connections on local `port`: True; False if it
    exits or `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.05)


def start_server(db: str, *args: str, env: dict[str, str] | None = None) -> SandboxServer:
    """`oint sandbox serve` on a free port with state file `db` (extra `args`, `env`); the
    caller stops it with `server.stop()`."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "oint", "sandbox", "serve", "--port", str(port), "--db", db, "--quiet", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    if not listening(port, proc):
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise RuntimeError(f"sandbox server did not start: {err}")
    return SandboxServer(f"http://127.0.0.1:{port}", db, proc)


@pytest.fixture(scope="session")
def _server(tmp_path_factory: pytest.TempPathFactory, sandbox_answers: Path) -> Iterator[SandboxServer]:
    db = str(tmp_path_factory.mktemp("sandbox") / "server.sqlite3")
    # the global 50 rps is tested in-process and in test_limits; here it would make tests flaky
    server = start_server(db, "--no-rate-limit")
    yield server
    server.stop()


@pytest.fixture
def server(_server: SandboxServer) -> Iterator[SandboxServer]:
    """The session's sandbox server, reset to the demo state, faults cleared afterwards."""
    _server.reset()
    yield _server
    _server.clear_faults()


@pytest.fixture
def sandbox_url(server: SandboxServer) -> str:
    return server.url


@pytest.fixture
def legacy_api(server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """OInt's own endpoints, as before Ozon switched them off: `OINT_OZON_API=legacy` for the CLI
    and the clients made in the test, the server's API date `BEFORE_SWITCH_OFF`, and the same day
    for the clients' calendar (`OINT_OZON_TODAY`: no warning about a switch-off yet to come)."""
    monkeypatch.setenv("OINT_OZON_API", "legacy")
    monkeypatch.setenv("OINT_OZON_TODAY", BEFORE_SWITCH_OFF)
    return server.set_api_date(BEFORE_SWITCH_OFF)


@pytest.fixture
def sandbox_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    db = str(tmp_path / "sandbox.sqlite3")
    monkeypatch.setenv("OINT_SANDBOX_DB", db)
    return db


# the developer's own profiles and shared limits stay out of the tests
NO_PROFILE = ("OINT_PROFILE", "OINT_CONFIG", "OINT_LIMITS", "OINT_LIMITS_IP", "OINT_LIMITS_FALLBACK")


@pytest.fixture(autouse=True)
def _no_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NO_PROFILE:
        monkeypatch.delenv(name, raising=False)


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def run_cli() -> Any:
    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> CliResult:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("OZON_") and k not in NO_PROFILE}
        full_env.update(env or {})
        p = subprocess.run(
            [sys.executable, "-m", "oint", *args],
            capture_output=True,
            env=full_env,
            timeout=60,
            input=input.encode() if input is not None else None,
        )
        return CliResult(p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8"))

    return run


def creds(url: str) -> list[str]:
    """CLI options for the demo account against a sandbox server."""
    return ["--clientid", DEMO_CLIENT_ID, "--apikey", DEMO_API_KEY, "--base-url", url]


Cli = Callable[..., CliResult]


@pytest.fixture
def cli(run_cli: Any, sandbox_url: str) -> Cli:
    """`cli("Method", "--opt", "value")`: `oint ozon Method` for the demo account on the HTTP sandbox."""

    def call(name: str, *args: str) -> CliResult:
        result: CliResult = run_cli("ozon", name, *creds(sandbox_url), *args)
        return result

    return call


def http_client(url: str) -> OzonClient:
    """The demo account's client on a sandbox server, without retries."""
    return OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=url, max_retries=0)


@pytest.fixture
def ozon(sandbox_url: str) -> Iterator[OzonClient]:
    with http_client(sandbox_url) as client:
        yield client


class Clock:
    """A settable clock for an in-process `Sandbox(..., clock=clock)`: the test moves `clock.now`."""

    def __init__(self, now: float = 1_760_000_000.0) -> None:  # 2025-10-09T08:53:20Z
        self.now = now

    def __call__(self) -> float:
        return self.now


def sqlite_steps(store: Store, work: Callable[[], Any], every: int = 1000) -> int:
    """How much SQLite work `work` does on `store`, in `every`s of its virtual machine's steps:
    a count of the rows it visits that does not depend on the machine's speed."""
    steps = 0

    def tick() -> int:
        nonlocal steps
        steps += 1
        return 0

    store._db.set_progress_handler(tick, every)
    try:
        work()
    finally:
        store._db.set_progress_handler(None, every)
    return steps


def sandbox_client(
    sandbox: Sandbox, client_id: str = DEMO_CLIENT_ID, api_key: str = DEMO_API_KEY
) -> OzonClient:
    """A client that calls an in-process sandbox directly: no HTTP, no client-side rate limit, no retries."""
    return OzonClient(
        client_id,
        api_key,
        base_url="http://sandbox.invalid",
        rate_limit=False,
        transport=SandboxTransport(sandbox=sandbox),
        max_retries=0,
    )


@pytest.fixture
def sandbox_rate_limits() -> bool | None:
    """`clocked`'s global 50 rps limit: None leaves it to OINT_SANDBOX_RATE_LIMITS (on by default).

    A test module overrides this fixture to change it for its `clocked` tests."""
    return None


@pytest.fixture
def clocked(sandbox_rate_limits: bool | None) -> Iterator[tuple[OzonClient, Sandbox, Clock]]:
    """An in-memory in-process sandbox whose time the test moves, and a client on it."""
    clock = Clock()
    sandbox = Sandbox(":memory:", clock=clock, rate_limits=sandbox_rate_limits)
    with sandbox_client(sandbox) as client:
        yield client, sandbox, clock
    sandbox.close()


def single_quoted(value: Any) -> str:
    """JSON the way OInt's CLI examples write it: strings in single quotes."""
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list):
        return "[" + ",".join(single_quoted(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{single_quoted(k)}:{single_quoted(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def attribute(
    attribute_id: int, value: str = "", dictionary_value_id: int = 0, complex_id: int = 0
) -> dict[str, Any]:
    """A product attribute with one value (and its dictionary value id, when not 0)."""
    entry: dict[str, Any] = {"value": value}
    if dictionary_value_id:
        entry["dictionary_value_id"] = dictionary_value_id
    return {"id": attribute_id, "complex_id": complex_id, "values": [entry]}


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> str:
    """A CSV file (UTF-8) of the header and rows at `path`; its name."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


def read_csv(path: str | Path) -> list[dict[str, str]]:
    """The rows of a CSV file with a header row, as dicts."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def readme_python(section: str) -> str:
    """The one ```python block of the README's `## {section}` section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    part = text[text.index(f"\n## {section}\n") :]
    part = part[: part.index("\n## ", 1)]
    blocks = re.findall(r"^```python\n(.*?)^```$", part, flags=re.M | re.S)
    assert len(blocks) == 1, f"one Python block in the README's {section!r} section"
    return str(blocks[0])


def run_example(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`code` run as a pasted script, in and at home in `tmp_path`, its embedded sandbox's state in
    `tmp_path / "sandbox.sqlite3"`, with no Ozon or OInt settings from the environment."""
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OZON_", "OINT_"))}
    env |= {"OINT_SANDBOX_DB": str(tmp_path / "sandbox.sqlite3"), "HOME": str(tmp_path)}
    return subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )


FILM_CATEGORY, FILM_TYPE = 17028922, 91565  # the demo's products: protective films
BRAND, TNVED = 85, 22232  # attributes of that type: brand, ТН ВЭД (customs code)
TNVED_FILM = 971030001  # a value of attribute 22232 (ТН ВЭД) in the sandbox's dictionary


def film_product(
    offer_id: str,
    attributes: list[dict[str, Any]] | None = None,
    *,
    without: tuple[int, ...] = (),
    **fields: Any,
) -> dict[str, Any]:
    """A product for /v3/product/import in category 17028922 / type 91565 that passes the sandbox's
    checks: priced and measured like the demo's, with one picture and the `attributes` (by default
    every one the type requires: brand, model, colour, ТН ВЭД, description) but those whose ids are
    in `without`; `fields` are set over it."""
    if attributes is None:
        attributes = [
            attribute(BRAND, "Samsung", 5060050),
            attribute(9048, f"Модель {offer_id}"),
            attribute(10096, "gray", 61576),
            attribute(TNVED, "3919900000", TNVED_FILM),
            attribute(4191, f"Описание товара {offer_id}"),
        ]
    item: dict[str, Any] = {
        "description_category_id": FILM_CATEGORY,
        "type_id": FILM_TYPE,
        "name": f"Защитная плёнка {offer_id}",
        "offer_id": offer_id,
        "price": "1300",
        "old_price": "1500",
        "vat": "0.1",
        "height": 250,
        "width": 150,
        "depth": 10,
        "dimension_unit": "mm",
        "weight": 100,
        "weight_unit": "g",
        "images": ["https://openintegrations.dev/test_data/picture.jpg"],
        "attributes": [a for a in attributes if a["id"] not in without],
    }
    item.update(fields)
    return item


# --- Real Redis and PostgreSQL (tests/services.py): started once per session on free local ports ---


def _service_missing(reason: str) -> None:
    """Missing servers fail the test under CI (`.ci/run` installs them), and skip it elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must install it (.ci/run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """`redis-server` on a free port for the session; tests that kill or restart it use their own."""
    try:
        server = RedisServer.start()
    except ServiceMissing as exc:
        _service_missing(str(exc))
        raise
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, emptied before the test (`FLUSHALL`): `redis://127.0.0.1:PORT/0`."""
    redis_server.flush()
    return redis_server.url


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throw-away PostgreSQL cluster on a free port for the session."""
    try:
        server = PostgresServer.start()
    except ServiceMissing as exc:
        _service_missing(str(exc))
        raise
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A new empty database of the session's PostgreSQL: `postgresql://postgres@127.0.0.1:PORT/t_...`."""
    return postgres_server.create_database()
