"""The layers' contracts (import-linter, `[tool.importlinter]` in pyproject.toml) hold on this tree
and fail on a tree with a bad import; no package uses another package's underscore names."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT

SRC = ROOT / "src" / "oint"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` over the package under `tree/src` with the project's contracts."""
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(SRC, tmp_path / "src" / "oint", ignore=shutil.ignore_patterns("__pycache__", "*.json"))
    return tmp_path


def test_the_contracts_hold_on_this_tree(tmp_path: Path) -> None:
    done = _lint_imports(_copy(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "bad", "contract"),
    [
        ("core/errors.py", "import oint.sandbox.core\n", "The kernel imports nothing of oint above it"),
        ("jobs/kinds.py", "import oint.sandbox\n", "The client and the jobs never import the sandbox"),
        # a function-local import counts as much as one at the top
        (
            "compat/registry.py",
            "def _hint() -> None:\n    from oint.jobs import kinds  # noqa\n",
            "Layers: apps > jobs | compat | sandbox > apis > core",
        ),
        ("sandbox/store.py", "from oint.ozon import OzonClient\n", "never the public facades"),
        ("apis/seller/spec.py", "from oint.compat import values\n", "Layers:"),
    ],
)
def test_a_bad_import_breaks_its_contract(tmp_path: Path, module: str, bad: str, contract: str) -> None:
    tree = _copy(tmp_path)
    target = tree / "src" / "oint" / module
    target.write_text(target.read_text(encoding="utf-8") + "\n\n" + bad, encoding="utf-8")
    done = _lint_imports(tree)
    assert done.returncode != 0, done.stdout
    broken = [line for line in done.stdout.splitlines() if line.endswith(" BROKEN")]
    assert any(contract in line for line in broken), done.stdout
    assert str(module.removesuffix(".py").replace("/", ".")) in done.stdout  # the import named


# ------------------------------------------------------------------ underscore names
def _package(module: str) -> str:
    """The package a module belongs to: its layer (`oint.core`, `oint.sandbox`, the facades
    `oint.ozon` and `oint.bulk`), and for the applications each application (`oint.apps.mcp`)."""
    parts = module.split(".")
    return ".".join(parts[:3] if parts[1] == "apps" and len(parts) > 3 else parts[:2])


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        yield ".".join(rel.parts), ast.parse(path.read_text(encoding="utf-8"))  # `x.__init__`: package x


FACADES = ("oint.ozon", "oint.bulk")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_names_of_other_packages(extra: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """Every use of another package's underscore name: `from oint.x._y import ...`,
    `from oint.x.y import _name`, and `obj._name` (not on self/cls) where `_name` is defined only
    in other packages (functions, methods, class attributes, `self._name = ...`)."""
    modules = list(_modules()) + [(name, ast.parse(text)) for name, text in extra]
    defined: dict[str, set[str]] = {}  # private name -> packages defining it
    for module, tree in modules:
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [
                    t.id if isinstance(t, ast.Name) else t.attr
                    for t in targets
                    if isinstance(t, (ast.Name, ast.Attribute))
                ]
            for name in names:
                if _private(name):
                    defined.setdefault(name, set()).add(_package(module))
    found: list[str] = []
    for module, tree in modules:
        own = _package(module)
        if own in FACADES:
            continue  # they re-export what users see, e.g. OInt's generated functions (oint.compat._api)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if not node.module.startswith("oint."):
                    continue
                home = _package(node.module)
                if home != own and any(_private(part) for part in node.module.split(".")):
                    found.append(f"{module}: from {node.module} import ...")
                for alias in node.names:
                    if _private(alias.name) and home != own:
                        found.append(f"{module}: from {node.module} import {alias.name}")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "hasattr", "setattr")
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
                and _private(node.args[1].value)
                and not (isinstance(node.args[0], ast.Name) and node.args[0].id in ("self", "cls"))
            ):
                homes = defined.get(node.args[1].value, set())
                if homes and own not in homes:
                    found.append(
                        f"{module}: {node.func.id} {node.args[1].value} of {', '.join(sorted(homes))}"
                    )
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                    continue
                homes = defined.get(node.attr, set())
                if homes and own not in homes:
                    found.append(f"{module}: ._{node.attr.lstrip('_')} of {', '.join(sorted(homes))}")
    return sorted(set(found))


def test_no_package_uses_another_packages_underscore_names() -> None:
    """The bulk jobs drove the client through `_encode`, `_headers` and `_transport`; they send with
    its public `send_raw` now."""
    assert private_names_of_other_packages() == []


def test_the_check_finds_private_names() -> None:
    sample = (
        "from oint.core.client import _ClientCore\n"
        "from oint.core._hidden import name\n"
        "from oint.jobs.engine import _own_package\n"
        "def send(client): return client._encode(1), self._encode(2)\n"
        "t = getattr(client, '_transport', None)\n"
    )
    found = private_names_of_other_packages((("oint.jobs.sample", sample),))
    assert [line for line in found if line.startswith("oint.jobs.sample")] == [
        "oint.jobs.sample: ._encode of oint.core",
        "oint.jobs.sample: from oint.core._hidden import ...",
        "oint.jobs.sample: from oint.core.client import _ClientCore",
        "oint.jobs.sample: getattr _transport of oint.core",
    ]
