"""Issue 16: what users read — the README, the docs, the MCP server's tool descriptions and the
CLI's help — names an operation Ozon has switched off only to say so: on the same line as
"switched off", "off at Ozon", "retired", "410" or "off DATE", or followed by its date in
parentheses (the README's table of OInt's switched-off endpoints). The calendar is the operation
layer's, on the fixed day 2026-12-07 (facts §10.1), not the machine's clock."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from oint.apis.seller import spec
from oint.apps.cli.main import main
from oint.apps.mcp.tools import ToolConfig, build_tools, instructions
from oint.compat.methods import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 12, 7)
RETIRED = sorted(
    (op for op in spec.operations().values() if op.retired_on(TODAY)), key=lambda op: -len(op.path)
)
# a path not followed by more of a path, or a method name as a word
NAMED = re.compile(
    "|".join(
        [re.escape(op.path) + r"(?![\w/{-])" for op in RETIRED]
        + [r"\b" + re.escape(op.name) + r"\b" for op in RETIRED]
    )
)
SAID_OFF = re.compile(
    r"switched[ -]off|off at Ozon|\bretired\b|\b410\b|obsolete|\boff \d{4}-\d\d-\d\d|until Ozon switched",
    re.I,
)
DATE_AFTER = re.compile(r"`?\s*\(\d{4}-\d\d-\d\d\)")


def unsaid(text: str, where: str) -> list[str]:
    """Each line of `text` naming a switched-off operation without saying it is switched off."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        for found in NAMED.finditer(line):
            if SAID_OFF.search(line) or DATE_AFTER.match(line, found.end()):
                continue
            out.append(f"{where}:{number}: {found.group()} in {line.strip()[:160]!r}")
    return out


def test_the_scan_sees_a_bare_mention_and_passes_a_said_one() -> None:
    assert len(RETIRED) >= 30 and spec.operation("/v3/posting/fbs/list") in RETIRED
    assert unsaid("call `/v3/posting/fbs/list` for postings", "x") != []
    assert unsaid("ozon.v3_finance_transaction_list(body)", "x") != []
    assert unsaid("`/v3/posting/fbs/list` was switched off 2026-08-31", "x") == []
    assert (
        unsaid("| GetWarehousesList | `/v2/warehouse/list` | `/v1/warehouse/list` (2026-04-07) |", "x") == []
    )
    assert unsaid("`/v4/posting/fbs/list` and /v3/posting/fbs/list/more", "x") == []


def test_readme_and_docs() -> None:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    found = [line for f in files for line in unsaid(f.read_text(encoding="utf-8"), str(f.relative_to(ROOT)))]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("sandbox", [True, False])
def test_mcp_tool_descriptions(sandbox: bool) -> None:
    config = ToolConfig(sandbox=sandbox)
    found = unsaid(instructions(config), "instructions")
    for tool in build_tools(config):
        text = "\n".join([tool.description, json.dumps(tool.input_schema, ensure_ascii=False, indent=0)])
        found += unsaid(text, tool.name)
    assert not found, "\n".join(found)


def help_text(*args: str) -> str:
    """`oint ARGS --help` run in this process (the CLI writes to `sys.stdout.buffer`)."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code: object
        try:
            code = main([*args, "--help"])
        except SystemExit as e:  # SystemExit(None) is success; SystemExit("message") is exit 1
            code = 0 if e.code is None else e.code
    assert code == 0, (args, err.getvalue())
    out.flush()
    buffer = out.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


COMMANDS = [
    (),
    ("ozon",),
    ("ozon", "bulk"),
    ("ozon", "export"),
    ("bulk",),
    ("sandbox",),
    ("mcp",),
    ("profiles",),
]


def test_cli_help() -> None:
    found = []
    for args in [*COMMANDS, *(("ozon", m.name_en) for m in REGISTRY)]:
        found += unsaid(help_text(*args), "oint " + " ".join(args) + " --help")
    assert not found, "\n".join(found)
