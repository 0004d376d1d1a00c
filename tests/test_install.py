"""oint installs anywhere: the sdist and the wheel are built from a copy of the sources, the wheel
is installed into a fresh venv outside the clone (pip) and as a uv tool, and the installed `oint`
runs the README's seed example, `oint --version`, `oint mcp --sandbox` and `oint serve --sandbox`
in an empty folder, without opening a file of the clone (an audit hook watches every open)."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, free_port, listening
from test_seed_example import assert_seed_shape

MCP_TESTED = ((2, 3), (3, 0))  # the MCP SDK's range the extra allows and this test runs: >=2.3,<3

# Run inside the installed interpreter: `oint` as its console script would, with an audit hook
# that reports every file opened under the clone (argv[1]); exit code 97 if any was.
WATCHED_MAIN = """
import sys
clone = sys.argv[1]
opened = []
def watch(event, args):
    if event == "open" and isinstance(args[0], (str, bytes)):
        path = args[0].decode() if isinstance(args[0], bytes) else args[0]
        if path.startswith(clone):
            opened.append(path)
sys.addaudithook(watch)
from oint.apps.cli.main import main
try:
    code = main(sys.argv[2:])
except SystemExit as e:
    code = e.code
if opened:
    sys.stderr.write("opened in the clone: " + ", ".join(sorted(set(opened))) + "\\n")
    code = 97
sys.exit(code)
"""


def _seed_command() -> list[str]:
    """The seed example as the README shows it (`oint ozon ОбновитьИзображенияТовара ... --sandbox`)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^ {4}(oint ozon ОбновитьИзображенияТовара .* --sandbox)$", text, flags=re.M)
    assert found, "the README shows the seed example"
    return shlex.split(found[1])[1:]


def _run(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _build(tmp: Path) -> tuple[Path, Path]:
    """The sdist and the wheel, built by `python -m build` (sdist first, the wheel from it) from a
    copy of what the sdist should need: pyproject.toml, README.md, MANIFEST.in and src/."""
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "MANIFEST.in"):
        shutil.copy(ROOT / name, source / name)
    ignored = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(ROOT / "src", source / "src", ignore=ignored)
    built = _run(
        [sys.executable, "-m", "build", "--outdir", str(tmp / "dist"), str(source)], tmp, dict(os.environ)
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (sdist,) = (tmp / "dist").glob("oint-*.tar.gz")
    (wheel,) = (tmp / "dist").glob("oint-*.whl")
    return sdist, wheel


def _package_files() -> set[str]:
    return {
        p.relative_to(ROOT / "src").as_posix()
        for p in (ROOT / "src" / "oint").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def _clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """No variable of the developer's that could point back into the clone or to their accounts."""
    env = {"PATH": os.defpath, "HOME": str(tmp / "home"), "LANG": "C.UTF-8"}
    for name in ("SSL_CERT_FILE", "PIP_CERT", "PIP_FIND_LINKS", "PIP_DEFAULT_TIMEOUT", "PIP_INDEX_URL"):
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(extra)
    return env


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_wheel_installs_and_runs_anywhere(tmp_path: Path) -> None:
    sdist, wheel = _build(tmp_path)
    with zipfile.ZipFile(wheel) as z:
        in_wheel = {n for n in z.namelist() if not n.startswith("oint-")}
    assert _package_files() <= in_wheel, f"missing from the wheel: {sorted(_package_files() - in_wheel)}"
    assert not [n for n in in_wheel if not n.startswith("oint/")], "only the package in the wheel"
    with tarfile.open(sdist) as t:
        in_sdist = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    assert {"src/" + f for f in _package_files()} <= in_sdist
    assert not [n for n in in_sdist if n.startswith(("tests/", "tools/", "reference/"))]

    work = tmp_path / "work"
    (tmp_path / "home").mkdir()
    work.mkdir()
    env = _clean_env(tmp_path, OINT_SANDBOX_DB=str(work / "sandbox.sqlite3"))
    venv = tmp_path / "venv"
    made = _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(venv)], work, env)
    assert made.returncode == 0, made.stderr
    python, oint = venv / "bin" / "python", venv / "bin" / "oint"
    installed = _run([str(python), "-m", "pip", "install", "-q", f"{wheel}[mcp,serve]"], work, env, 600)
    assert installed.returncode == 0, installed.stderr[-3000:]

    # the package comes from the venv, and the MCP SDK pip chose is in the tested range
    where = _run([str(python), "-c", "import oint, mcp; print(oint.__file__)"], work, env)
    assert where.stdout.strip().startswith(str(venv)), where.stdout + where.stderr
    mcp_version = _run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('mcp'))"], work, env
    )
    major_minor = tuple(int(x) for x in mcp_version.stdout.strip().split(".")[:2])
    assert MCP_TESTED[0] <= major_minor < MCP_TESTED[1], mcp_version.stdout
    assert 'mcp = ["mcp>=2.3,<3"]' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")

    version = _run([str(oint), "--version"], work, env)
    assert version.returncode == 0 and version.stdout == f"oint {importlib.metadata.version('oint')}\n"

    seed = _run([str(python), "-c", WATCHED_MAIN, str(ROOT), *_seed_command()], work, env)
    assert seed.returncode == 0, seed.stderr
    assert_seed_shape(json.loads(seed.stdout))

    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    mcp = subprocess.run(
        [str(oint), "mcp", "--sandbox"],
        input=json.dumps(initialize) + "\n",
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    answer = json.loads(mcp.stdout.splitlines()[0])
    assert answer["id"] == 1 and "tools" in answer["result"]["capabilities"], mcp.stdout + mcp.stderr

    port = free_port()
    server = subprocess.Popen(
        [str(oint), "serve", "--sandbox", "--port", str(port)], cwd=work, env=env, stderr=subprocess.PIPE
    )
    try:
        assert listening(port, server), server.stderr.read().decode() if server.stderr else ""
        doc = {
            "productid": 1111588191,
            "images": "['https://example.com/a.jpg','https://example.com/b.jpg']",
            "color": "GREEN",
        }
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/ozon/UpdateProductImages", json.dumps(doc).encode()
        )
        with urllib.request.urlopen(request, timeout=60) as r:
            pictures = json.loads(r.read())["result"]["pictures"]
        assert [p["url"] for p in pictures] == [
            "https://example.com/a.jpg",
            "https://example.com/b.jpg",
            "GREEN",
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)

    # uv tool install of the wheel: its own venv, `oint` in the tool bin folder
    import uv

    tools, bin_dir = tmp_path / "uv-tools", tmp_path / "uv-bin"
    uv_env = {
        **env,
        "UV_TOOL_DIR": str(tools),
        "UV_TOOL_BIN_DIR": str(bin_dir),
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_CONFIG": "1",
    }
    base_python = getattr(sys, "_base_executable", sys.executable)
    spec = f"{wheel}[serve,mcp]"  # as the README says
    tool = _run([uv.find_uv_bin(), "tool", "install", "--python", base_python, spec], work, uv_env, 600)
    assert tool.returncode == 0, tool.stderr[-3000:]
    tool_version = _run([str(bin_dir / "oint"), "--version"], work, env)
    assert tool_version.returncode == 0 and tool_version.stdout.startswith("oint ")
    tool_seed = _run(
        [str(bin_dir / "oint"), *_seed_command()], work, {**env, "OINT_SANDBOX_DB": str(work / "uv.db")}
    )
    assert tool_seed.returncode == 0, tool_seed.stderr
    assert_seed_shape(json.loads(tool_seed.stdout))
