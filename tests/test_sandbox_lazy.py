"""The embedded sandbox loads its model lazily, and what it defers still happens when it is needed.

Each check runs in a fresh interpreter (this one has imported every model module long ago):

- dispatch finds every stateful route by importing the module the route index names;
- a `--sandbox`-style call (`OzonClient(sandbox=path)` with a legacy call, and the CLI) on an existing
  state file imports the model module that owns its route and what runs before every request, not
  the living marketplace, not the structural answers, not every model module;
- what was registered by modules not yet imported runs all the same: buyers' orders due on the
  clock (the marketplace's actions), an import task whose processor another module plugs in
  (`pictures_v2`), a file made by a marketplace module (`labels`).

No timings here: bench/cli_and_calls.py measures them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import BEFORE_SWITCH_OFF, DEMO_API_KEY, DEMO_CLIENT_ID, ROOT

from oint.sandbox import routes
from oint.sandbox.core import Sandbox
from oint.sandbox.model import HOOKS, MARKETPLACE, MODULES, SUCCESSORS

PRODUCT = 1111588191
IMAGES = ["https://example.com/1.jpg", "https://example.com/2.jpg"]
MODEL = "oint.sandbox.model."
# the modules whose hooks run before every request (`oint.sandbox.model.HOOKS`)
HOOK_MODULES = {hook.partition(":")[0].rpartition(".")[2] for hook in HOOKS}

REPORT = """
import json, sys
print(json.dumps(sorted(m for m in sys.modules if m.startswith("oint.sandbox"))))
"""

LIBRARY_CALL = f"""
import sys
from oint.ozon import OzonClient
with OzonClient(sandbox=sys.argv[1]) as ozon:
    answer = ozon.update_product_images({PRODUCT}, {IMAGES!r}, color="GREEN")
assert answer["result"]["pictures"][0]["url"] == {IMAGES[0]!r}, answer
{REPORT}
"""

# the CLI prints its answer, then the report its last line
CLI_CALL = f"""
from oint.apps.cli.main import main
code = main(["ozon", "UpdateProductImages", "--clientid", {DEMO_CLIENT_ID!r}, "--apikey", {DEMO_API_KEY!r},
             "--productid", "{PRODUCT}", "--images", {json.dumps(IMAGES)!r}, "--sandbox"])
assert code == 0, code
{REPORT}
"""

# one request to a fresh Sandbox over the state file: its status and answer, the modules loaded
REQUEST = f"""
import json, sys
from oint.sandbox.core import Sandbox
from oint.sandbox.model.base import FILES
path, method, target, body = sys.argv[1:5]
sandbox = Sandbox(path)
headers = {{"Client-Id": {DEMO_CLIENT_ID!r}, "Api-Key": {DEMO_API_KEY!r}}}
response = sandbox.handle(method, target, headers, body.encode())
sandbox.close()
print(json.dumps({{
    "status": response.status,
    "answer": json.loads(response.body) if response.headers["content-type"] == "application/json" else None,
    "files": sorted(FILES),
    "modules": sorted(m for m in sys.modules if m.startswith("oint.sandbox")),
}}))
"""


def _run(code: str, *args: str, env: dict[str, str] | None = None) -> tuple[str, Any]:
    """What `code` printed before its last line, and its last line (JSON)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("OZON_", "OINT_"))}
    full_env.update(env or {})
    p = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, timeout=120, cwd=ROOT, env=full_env
    )
    assert p.returncode == 0, p.stderr.decode()
    before, _, last = p.stdout.decode().strip().rpartition("\n")
    return before, json.loads(last)


def _model_modules(modules: list[str]) -> set[str]:
    return {m[len(MODEL) :] for m in modules if m.startswith(MODEL)}


def _state_file(tmp_path: Path) -> str:
    """An existing state file (seeding a new one legitimately imports every seeding module)."""
    path = str(tmp_path / "state.sqlite3")
    Sandbox(path).close()
    return path


def _assert_lazy(modules: list[str]) -> None:
    loaded = _model_modules(modules)
    owners = {r.module for r in routes.load() if r.module}
    assert "pictures" in loaded  # the owner of /v1/product/pictures/import: the model answered
    assert loaded & owners == {"pictures"} | (HOOK_MODULES & owners), sorted(loaded)
    assert not loaded & (set(MARKETPLACE) - HOOK_MODULES), sorted(loaded)  # no marketplace
    assert not set(MODULES + SUCCESSORS + MARKETPLACE) <= loaded
    assert "oint.sandbox.structural" not in modules  # a model route needs no structural answer


def test_a_library_sandbox_call_loads_only_what_it_needs(tmp_path: Path) -> None:
    path = _state_file(tmp_path)
    env = {"OINT_OZON_API": "legacy", "OINT_SANDBOX_API_DATE": BEFORE_SWITCH_OFF}
    _assert_lazy(_run(LIBRARY_CALL, path, env=env)[1])


def test_a_cli_sandbox_call_loads_only_what_it_needs(tmp_path: Path) -> None:
    path = _state_file(tmp_path)
    env = {"OINT_OZON_API": "legacy", "OINT_SANDBOX_API_DATE": BEFORE_SWITCH_OFF, "OINT_SANDBOX_DB": path}
    printed, modules = _run(CLI_CALL, env=env)
    assert json.loads(printed)["result"]["pictures"][0]["url"] == IMAGES[0]
    _assert_lazy(modules)


def test_a_structural_answer_loads_no_route_module(tmp_path: Path) -> None:
    path = _state_file(tmp_path)
    operation = "/v1/actions/auto-add/products/list"
    _, report = _run(REQUEST, path, "POST", operation, "{}")
    assert report["status"] == 200, report
    assert routes.owner(operation) is None  # structural: no model owns it
    loaded = _model_modules(report["modules"])
    owners = {r.module for r in routes.load() if r.module}
    assert loaded & owners <= HOOK_MODULES | {"warehouses"}, sorted(loaded)  # ids of the account
    assert not loaded & (set(MARKETPLACE) - HOOK_MODULES), sorted(loaded)


def test_due_orders_run_in_a_process_that_never_imported_the_marketplace(tmp_path: Path) -> None:
    path = _state_file(tmp_path)
    sandbox = Sandbox(path)
    sandbox.buyers(orders_per_day=200, seed=7)
    sandbox.clock.change(advance="1d")  # the day passes in the state file; nobody has caught up yet
    assert sandbox.buyers()["orders"] == 0
    sandbox.close()

    _, report = _run(
        REQUEST, path, "POST", "/v2/product/pictures/info", json.dumps({"product_id": [PRODUCT]})
    )
    assert report["status"] == 200, report
    assert set(MARKETPLACE) <= _model_modules(report["modules"])  # loaded because something was due
    sandbox = Sandbox(path)
    assert sandbox.buyers()["orders"] > 0  # the day's orders were made, by the fresh process
    sandbox.close()


def test_a_plugged_in_processor_settles_its_task_in_a_fresh_process(tmp_path: Path) -> None:
    path = _state_file(tmp_path)
    sandbox = Sandbox(path)
    headers = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY}
    body = {"items": [{"offer_id": "143210609", "images": IMAGES}]}
    made = sandbox.handle("POST", "/v2/product/pictures/import", headers, json.dumps(body).encode())
    assert made.status == 200, made.body
    task_id = json.loads(made.body)["task_id"]
    sandbox.clock.change(advance="1m")  # the task's time has come; no request has settled it
    sandbox.close()

    _, report = _run(REQUEST, path, "POST", "/v1/product/import/info", json.dumps({"task_id": task_id}))
    assert report["status"] == 200, report
    assert [item["status"] for item in report["answer"]["result"]["items"]] == ["imported"]
    assert "pictures_v2" in _model_modules(report["modules"])


def test_a_file_maker_of_a_module_not_yet_imported_is_found(tmp_path: Path) -> None:
    path = _state_file(tmp_path)
    _, report = _run(REQUEST, path, "GET", f"/__sandbox/files/{DEMO_CLIENT_ID}/labels-none", "")
    assert report["status"] == 404  # the maker was found and knows no such file
    assert {"labels", "act"} <= set(report["files"])


# every stateful route of the index found by dispatch, which imports only the module the index names
OWNED = """
import json
from oint.sandbox import routes
from oint.sandbox.model import handler
stateful = [r for r in routes.load() if r.kind == "stateful"]
print(json.dumps([r.path for r in stateful if handler(r.method, r.path) is None]))
"""


def test_dispatch_finds_every_stateful_route_through_the_index() -> None:
    assert _run(OWNED)[1] == []
