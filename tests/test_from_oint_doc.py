"""docs/from-oint.md runs as written: every line of its `sh` blocks, in order, in one fresh folder,
on the embedded sandbox, ends with the exit code the page gives it (`# exit N`, else 0). An
`oint mcp start` line is started for real and asked for its tools by the MCP SDK's client.

The block after `<!-- run: oint serve -->` runs as one shell script: the gateway in the background,
a curl call to it (curl from Debian's package, installed by .ci/run), then the gateway stopped."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

PAGE = Path(__file__).resolve().parent.parent / "docs" / "from-oint.md"
SERVE_MARK = "<!-- run: oint serve -->"
EXIT = re.compile(r"\s+#\s*exit\s+(\d+)\s*$")


def blocks() -> list[tuple[bool, list[str]]]:
    """The page's `sh` blocks: (needs `oint serve`, lines)."""
    out: list[tuple[bool, list[str]]] = []
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```sh":
            before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            body: list[str] = []
            i += 1
            while lines[i].strip() != "```":
                if lines[i].strip():
                    body.append(lines[i].strip())
                i += 1
            out.append((before == SERVE_MARK, body))
        i += 1
    return out


def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OZON_", "OINT_"))}
    bin_dir = str(Path(sys.executable).parent)  # where the `oint` script of this install is
    env.update(
        PATH=bin_dir + os.pathsep + env.get("PATH", ""),
        OINT_SANDBOX_DB=str(tmp_path / "sandbox.sqlite3"),
        OINT_CONFIG=str(tmp_path / "config" / "config.toml"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        OINT_JOBS_DIR=str(tmp_path / "jobs"),
    )
    return env


def expected_code(line: str) -> tuple[str, int]:
    found = EXIT.search(line)
    return (line[: found.start()], int(found.group(1))) if found else (line, 0)


def start_mcp(line: str, cwd: Path, env: dict[str, str]) -> list[str]:
    """Start the `oint mcp start ...` of `line` and list its tools and services."""
    argv = shlex.split(line)
    assert argv[:3] == ["oint", "mcp", "start"]
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "oint", *argv[1:]], env=env, cwd=str(cwd)
    )

    async def main() -> list[str]:
        with open(cwd / "mcp-stderr.txt", "w", encoding="utf-8") as errlog:
            async with Client(stdio_client(params, errlog=errlog)) as client:
                tools = await client.list_tools()
                services = await client.call_tool("get_services", {})
                assert not services.is_error
                return [t.name for t in tools.tools]

    return asyncio.run(main())


def run_lines(lines: list[str], cwd: Path, env: dict[str, str]) -> list[str]:
    ran: list[str] = []
    for raw in lines:
        line, code = expected_code(raw)
        if line.startswith("oint mcp start "):
            names = start_mcp(line, cwd, env)
            assert names == [
                "get_services",
                "get_variables",
                "get_service_methods",
                "get_method_parameters",
                "execute_method",
            ]
        else:
            done = subprocess.run(
                ["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == code, (line, done.stdout[-2000:], done.stderr[-2000:])
            assert "Traceback" not in done.stderr, (line, done.stderr)
        ran.append(line)
    return ran


def test_the_pages_commands_run(tmp_path: Path) -> None:
    env = environment(tmp_path)
    ran: list[str] = []
    for needs_serve, lines in blocks():
        if not needs_serve:
            ran += run_lines(lines, tmp_path, env)
    text = " ".join(ran)
    for shown in ("--config", "_base64_", "oint mcp config", "oint mcp start", "doctor --scan", "ops"):
        assert shown in text, shown
    assert (tmp_path / "info.json").exists() and (tmp_path / "oint-mcp.log").exists()
    assert len(ran) >= 15


def test_the_gateway_block_runs(tmp_path: Path) -> None:
    serve = [lines for needs_serve, lines in blocks() if needs_serve]
    assert serve
    for lines in serve:
        done = subprocess.run(
            ["bash", "-c", "\n".join(lines)],
            cwd=tmp_path,
            env=environment(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert '"pictures"' in done.stdout
