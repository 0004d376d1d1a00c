"""A client install does not pull a web server: uvicorn is the `serve` extra, which only
`oint sandbox serve` needs; without it that command says how to install it (exit 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the test extra installs tomli there
    import tomli as tomllib


def _project() -> dict[str, object]:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        project: dict[str, object] = tomllib.load(fh)["project"]
    return project


def test_uvicorn_is_an_extra_not_a_dependency() -> None:
    project = _project()
    names = [str(d).split(">")[0].split("=")[0].split(";")[0].strip() for d in project["dependencies"]]  # type: ignore[attr-defined]
    assert "uvicorn" not in names and "httpx" in names
    extras: dict[str, list[str]] = project["optional-dependencies"]  # type: ignore[assignment]
    assert any(d.startswith("uvicorn") for d in extras["serve"])
    assert any(d.startswith("uvicorn") for d in extras["test"])


def test_serve_without_uvicorn_says_how_to_install_it(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['uvicorn'] = None  # as if it were not installed\n"
        "from oint.apps.cli.main import main\n"
        f"raise SystemExit(main(['sandbox', 'serve', '--port', '0', '--db', {str(tmp_path / 's.db')!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "pip install 'oint[serve]'" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""


def test_the_client_and_the_embedded_sandbox_never_import_uvicorn(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from oint.ozon import OzonClient\n"
        "from oint.sandbox import connect\n"
        f"with OzonClient(transport=connect({str(tmp_path / 's.db')!r})) as ozon:\n"
        "    ozon.call('/v3/product/list', {'filter': {}, 'limit': 1})\n"
        "print('uvicorn' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
