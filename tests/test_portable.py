"""The project reads nothing outside its clone: no absolute paths to a workspace, no shared folder
beside the clone (the reference data the tests need is in `tests/data/`)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# a workspace path, a sibling "shared" folder, or `Path(...).parents[n] / "shared"`; spelled in
# pieces so that this file does not match itself
_SHARED = "sha" + "red"
OUTSIDE = re.compile("/" + "work/" + r"|\.\./" + _SHARED + r"|parents\[[0-9]+\] */ *['\"]" + _SHARED)


def test_no_path_outside_the_repository() -> None:
    files = [ROOT / "pyproject.toml"]
    for top in ("src", "tests", "scripts", "bench"):
        files += [p for p in (ROOT / top).rglob("*") if p.is_file() and ".venv" not in p.parts]
    hits = []
    for path in files:
        if path.suffix not in (".py", ".sh", ".toml", ".md", ".txt", ".json", ".cfg", ".ini", ""):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        hits += [
            f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
            for n, line in enumerate(text.splitlines(), 1)
            if OUTSIDE.search(line)
        ]
    assert not hits, "paths outside the repository:\n" + "\n".join(hits)


def test_type_check_covers_the_tests() -> None:
    """`mypy` (strict, run by scripts/test.sh) checks the tests too, with no loosened overrides."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    mypy = text[text.index("[tool.mypy]") :]
    files = re.search(r"^files\s*=\s*\[(.*?)\]", mypy, flags=re.M | re.S)
    assert files is not None and '"tests"' in files[1] and '"src/oint"' in files[1]
    assert re.search(r"^strict\s*=\s*true", mypy, flags=re.M)
    assert "disallow_untyped_defs = false" not in text and "ignore_errors = true" not in text
