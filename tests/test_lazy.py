"""oint's one lazy-loading mechanism (`oint.core.lazy`): targets loaded on first use, PEP 562 facades
over it, the `Loaded` class attribute; and a check of the tree that no other mechanism creeps back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from oint.core.lazy import Loaded, exports, load, load_module

SRC = Path(__file__).resolve().parents[1] / "src" / "oint"
LAZY = SRC / "core" / "lazy.py"


def _fresh(code: str) -> list[str]:
    """Run `code` in a new interpreter; its printed lines."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_load_names_a_module_or_one_of_its_names() -> None:
    import json.decoder

    assert load("json.decoder") is json.decoder
    assert load("json.decoder:JSONDecoder") is json.decoder.JSONDecoder
    assert load_module("json") is sys.modules["json"]
    with pytest.raises(ModuleNotFoundError):
        load("oint.no_such_module:x")
    with pytest.raises(AttributeError):
        load("json:no_such_name")


def test_a_target_is_imported_only_when_first_read() -> None:
    lines = _fresh(
        "import sys\n"
        "from oint.core.lazy import Loaded\n"
        "class C:\n"
        "    codec = Loaded('oint.core.dates:parse_datetime')\n"
        "print('oint.core.dates' in sys.modules)\n"
        "first = C.codec\n"
        "print('oint.core.dates' in sys.modules, first is C().codec)\n"
    )
    assert lines == ["False", "True", "True"]


def test_loaded_keeps_its_value_once_read() -> None:
    class Holder:
        decoder: Loaded[type] = Loaded("json.decoder:JSONDecoder")

    import json.decoder

    assert Holder.decoder is json.decoder.JSONDecoder
    assert Holder().decoder is json.decoder.JSONDecoder
    assert "json.decoder:JSONDecoder" in repr(vars(Holder)["decoder"])


def test_a_facade_loads_each_name_once_and_keeps_it() -> None:
    lines = _fresh(
        "import sys\n"
        "import oint.bulk\n"
        "print('oint.jobs.jobs' in sys.modules, 'Job' in vars(oint.bulk))\n"
        "job = oint.bulk.Job\n"
        "print('oint.jobs.jobs' in sys.modules, vars(oint.bulk)['Job'] is job)\n"
    )
    assert lines == ["False", "False", "True", "True"]


def test_exports_answers_unknown_names_as_python_does() -> None:
    module_name = __name__
    getattr_, dir_ = exports(module_name, {"Decoder": "json.decoder:JSONDecoder"}, more=lambda: {"extra": 42})
    import json.decoder

    assert getattr_("Decoder") is json.decoder.JSONDecoder
    assert getattr_("extra") == 42
    with pytest.raises(AttributeError, match=f"module {module_name!r} has no attribute 'missing'"):
        getattr_("missing")
    with pytest.raises(AttributeError):
        getattr_("__path__")  # dunder names are never looked up in `more` (import machinery asks)
    assert {"Decoder", "extra"} <= set(dir_())
    del globals()["Decoder"], globals()["extra"]


def test_the_public_facades_still_answer_every_name() -> None:
    import oint.bulk
    import oint.ozon
    import oint.ozon.types

    assert oint.ozon.OzonClient.__name__ == "OzonClient"
    assert callable(oint.ozon.update_product_images)
    assert "update_product_images" in dir(oint.ozon)
    assert oint.ozon.types.V3PostingFbsListRequest is not None
    assert callable(oint.bulk.run)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        oint.ozon.nothing_here  # noqa: B018


def _violations(tree: ast.Module) -> list[str]:
    found: list[str] = []
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef) and statement.name == "__getattr__":
            found.append(f"line {statement.lineno}: a module __getattr__ (use oint.core.lazy.exports)")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            if name in {"import_module", "__import__"}:
                found.append(f"line {node.lineno}: {name}() (use oint.core.lazy.load)")
        if isinstance(node, ast.FunctionDef) and node.name == "__get__":
            found.append(f"line {node.lineno}: a descriptor's __get__ (use oint.core.lazy.Loaded)")
        if isinstance(node, ast.Import) and any(alias.name == "importlib" for alias in node.names):
            found.append(f"line {node.lineno}: import importlib (use oint.core.lazy)")
    return found


def test_no_other_lazy_loading_mechanism_in_the_tree() -> None:
    """Deferred imports go through `oint.core.lazy` only: no module `__getattr__`, `importlib`,
    `__import__` or home-made descriptor elsewhere (docs/DEVELOPING.md, "Lazy loading")."""
    problems = [
        f"{path.relative_to(SRC.parent)} {problem}"
        for path in sorted(SRC.rglob("*.py"))
        if path != LAZY
        for problem in _violations(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert problems == []


def test_the_check_finds_each_kind_of_violation() -> None:
    bad = ast.parse(
        "import importlib\n"
        "def __getattr__(name): ...\n"
        "class D:\n"
        "    def __get__(self, obj, owner=None): ...\n"
        "def f():\n"
        "    return importlib.import_module('x'), __import__('y')\n"
    )
    kinds = sorted(problem.split(": ", 1)[1].split(" (")[0] for problem in _violations(bad))
    assert kinds == [
        "__import__()",
        "a descriptor's __get__",
        "a module __getattr__",
        "import importlib",
        "import_module()",
    ]


# An import inside a function must defer something: a module the enclosing module's own import does
# not load already. (package, line) pairs exempt, with the reason.
DEFERS_NOTHING_ALLOWED = {
    # the 53 functions' modules import REGISTRY from their package: a cycle only a function can break
    "oint.compat.methods",
}

_PROBE = r"""
import json, os, sys
result = {}
for name in sys.argv[1:]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            __import__(name)
            loaded = sorted(sys.modules)
        except BaseException:
            loaded = None
        os.write(write, json.dumps(loaded).encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 1 << 16):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    result[name] = json.loads(b"".join(chunks))
print(json.dumps(result))
"""


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _local_imports(path: Path) -> list[tuple[int, list[str]]]:
    """(line, modules) of each import statement inside a function of `path`; `from P import name`
    counts as P.name when that is a module of the tree."""
    found: list[tuple[int, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Import):
                found.append((inner.lineno, [alias.name for alias in inner.names]))
            elif isinstance(inner, ast.ImportFrom) and inner.module and inner.level == 0:
                folder = SRC.parent / inner.module.replace(".", "/")
                names = [
                    f"{inner.module}.{alias.name}"
                    if (folder / f"{alias.name}.py").exists() or (folder / alias.name).is_dir()
                    else inner.module
                    for alias in inner.names
                ]
                found.append((inner.lineno, names))
    return found


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="the probe forks (POSIX)")
def test_every_import_inside_a_function_defers_something() -> None:
    """A function-local import of a module that importing the enclosing module loads anyway buys
    no start-up time: it belongs at the top (docs/DEVELOPING.md, "Lazy loading")."""
    local = {
        _module_name(path): imports
        for path in sorted(SRC.rglob("*.py"))
        if (imports := _local_imports(path)) and _module_name(path) not in DEFERS_NOTHING_ALLOWED
    }
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *local], capture_output=True, text=True, check=True, timeout=300
    )
    loaded: dict[str, list[str] | None] = __import__("json").loads(done.stdout)
    wasted = [
        f"{module}:{line} {', '.join(names)}"
        for module, imports in local.items()
        if (already := loaded.get(module)) is not None  # a module needing an absent extra is skipped
        for line, names in imports
        if all(name in already for name in names)
    ]
    assert wasted == []


def test_a_module_another_thread_is_importing_is_waited_for(tmp_path: Path) -> None:
    """Two threads load the same target while its module is still being imported by the first:
    the second waits for it, never getting a half-made module (a push handler's two delivery
    threads met `partially initialized module` before)."""
    import threading

    (tmp_path / "oint_slow_probe.py").write_text("import time\ntime.sleep(0.4)\nVALUE = 42\n")
    sys.path.insert(0, str(tmp_path))
    got: list[object] = []
    errors: list[BaseException] = []

    def take() -> None:
        try:
            got.append(load("oint_slow_probe:VALUE"))
        except BaseException as exc:
            errors.append(exc)

    try:
        first = threading.Thread(target=take)
        first.start()
        import time

        time.sleep(0.1)  # the first thread is inside the module's import now
        second = threading.Thread(target=take)
        second.start()
        first.join(5)
        second.join(5)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("oint_slow_probe", None)
    assert errors == [] and got == [42, 42]
