"""`python -m tools.refresh URL` (issue 16, item 5): a copy of the stored OpenAPI structure with
planted differences, served over local HTTP, gives a report that lists exactly those differences,
and an operation layer (written under --out, the repository untouched) that has them, with the
facts overlay kept."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "reference" / "openapi-en-2026-05.structure.json"
LAYER = ROOT / "src" / "oint" / "apis" / "seller" / "data"
NEW_PATH = "/v1/oint-planted/new"


def planted() -> dict[str, Any]:
    """The stored document with the differences the report must list (and prose to drop)."""
    doc: dict[str, Any] = copy.deepcopy(json.loads(DOCUMENT.read_text(encoding="utf-8")))
    doc["info"] = {"title": "Seller API", "description": "prose that is not kept"}
    schemas = doc["components"]["schemas"]
    schemas["PlantedNewRequest"] = {
        "type": "object",
        "description": "prose that is not kept",
        "properties": {"offer_id": {"type": "string", "enum": ["A", "B"]}},
        "required": ["offer_id"],
    }
    doc["paths"][NEW_PATH] = {
        "post": {
            "operationId": "PlantedNew",
            "summary": "prose that is not kept",
            "requestBody": {
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/PlantedNewRequest"}}
                }
            },
            "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}},
        }
    }
    del doc["paths"]["/v3/supply-order/list"]
    doc["paths"]["/v2/warehouse/list"]["post"]["deprecated"] = True
    schemas["v2WarehouseListV2Request"]["required"] = ["cursor"]  # was ["limit"]
    schemas["AnalyticsProductQueriesRequestSortDir"]["enum"].append("RANDOM")
    schemas["AnalyticsProductQueriesRequestSortBy"]["enum"].remove("BY_GMV")
    return doc


EXPECTED = [
    "operations added: 1",
    f"  POST {NEW_PATH}",
    "operations removed (kept while reference/operations.json has them; record switch-offs in facts.json): 1",
    "  POST /v3/supply-order/list",
    "operations newly deprecated: 1",
    "  POST /v2/warehouse/list",
    "operations no longer deprecated: 0",
    "required fields changed: 2",
    "  v2WarehouseListV2Request.cursor: now required",
    "  v2WarehouseListV2Request.limit: no longer required",
    "enums changed: 2",
    "  AnalyticsProductQueriesRequestSortBy: -BY_GMV",
    "  AnalyticsProductQueriesRequestSortDir: +RANDOM",
]


class Served:
    """A document served over HTTP on a free loopback port, in a thread."""

    def __init__(self, body: bytes) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/swagger.json":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/swagger.json"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    srv = Served(json.dumps(planted(), ensure_ascii=False).encode("utf-8"))
    yield srv
    srv.stop()


def refresh(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return subprocess.run(
        [sys.executable, "-m", "tools.refresh", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


def report_lines(out: str) -> list[str]:
    lines = out.splitlines()
    assert lines[0].startswith("Changes in ")
    return [line for line in lines[1:] if not line.startswith("written: ")]


def test_report_lists_exactly_the_planted_differences(served: Served, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in (DOCUMENT, LAYER / "operations.json", LAYER / "schemas.json")}
    done = refresh(served.url, "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert report_lines(done.stdout) == EXPECTED
    after = {p.name: p.read_bytes() for p in (DOCUMENT, LAYER / "operations.json", LAYER / "schemas.json")}
    assert after == before  # --out: the repository is untouched

    written = (tmp_path / "reference" / DOCUMENT.name).read_text(encoding="utf-8")
    assert "prose that is not kept" not in written and NEW_PATH in written
    operations = json.loads((tmp_path / "data" / "operations.json").read_text(encoding="utf-8"))["operations"]
    new = operations[NEW_PATH]
    assert new["method"] == "POST" and "deprecated" not in new  # a newer document: new, not removed
    assert operations["/v2/warehouse/list"]["deprecated"] is True
    assert "/v3/supply-order/list" in operations  # reference/operations.json still has it
    # the facts overlay is kept: switch-off dates and successors, rate limits
    assert operations["/v1/warehouse/list"]["retired"] == "2026-04-07"
    assert operations["/v1/warehouse/list"]["successor"] == "/v2/warehouse/list"
    assert operations["/v2/products/stocks"]["rate_limits"] == [[80, 60]]
    schemas = {}
    for line in (tmp_path / "data" / "schemas.json").read_text(encoding="utf-8").splitlines()[1:-1]:
        name, _, schema = line.rstrip(",").partition(":")
        schemas[json.loads(name)] = json.loads(schema)
    assert "cursor" in schemas["WarehouseListV2"]["required"]
    assert "RANDOM" in schemas["AnalyticsProductQueries"]["properties"]["sort_dir"]["enum"]


def test_same_document_reports_nothing(tmp_path: Path) -> None:
    done = refresh(str(DOCUMENT), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert all(line.endswith(": 0") for line in report_lines(done.stdout))
    assert "written" not in done.stdout


def test_layer_from_the_stored_document_is_the_layer_we_have(tmp_path: Path) -> None:
    """Regenerating from the document the layer was made from changes only its label, and that the
    paths only the document has (not reference/operations.json) are no longer taken as removed:
    a refreshed document is newer than operations.json."""
    doc = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    source = tmp_path / "same.json"
    source.write_text(json.dumps(doc), encoding="utf-8")
    done = refresh(str(source), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    ours = json.loads((LAYER / "operations.json").read_text(encoding="utf-8"))["operations"]
    theirs = json.loads((tmp_path / "out" / "data" / "operations.json").read_text(encoding="utf-8"))[
        "operations"
    ]
    assert set(ours) == set(theirs)
    differing = [p for p in ours if {**ours[p], "sources": 0} != {**theirs[p], "sources": 0}]
    only_in_document = [p for p in ours if ours[p]["sources"] == ["2026-05"]]
    assert differing and set(differing) <= set(only_in_document)
    for path in differing:
        assert ours[path]["deprecated"] is True and "deprecated" not in theirs[path]
        assert {**ours[path], "sources": 0, "deprecated": 0} == {
            **theirs[path],
            "sources": 0,
            "deprecated": 0,
        }


def test_bad_sources_are_refused(tmp_path: Path) -> None:
    done = refresh(str(tmp_path / "missing.json"))
    assert done.returncode == 2 and done.stderr.startswith("refresh: ") and "Traceback" not in done.stderr
    (tmp_path / "x.json").write_text('{"a": 1}', encoding="utf-8")
    done = refresh(str(tmp_path / "x.json"), "--dry-run")
    assert done.returncode == 2 and "not an OpenAPI document" in done.stderr
    done = refresh()
    assert done.returncode == 2 and "usage:" in done.stderr
