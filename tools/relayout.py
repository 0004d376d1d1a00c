"""Rewrite module names and paths of the old layout (everything in `oint.ozon`, `oint.bulk`,
`oint.cli`, `oint.mcp`) to the kernel layout (`oint.core`, `oint.apis.seller`, `oint.compat`,
`oint.jobs`, `oint.apps`, `tools`). Re-runnable: a file already rewritten is left as it is.

    python tools/relayout.py            # rewrite in place, list the files changed
    python tools/relayout.py --check    # exit 1 when something is still to rewrite

It is run again after each merge of `main`, whose new files arrive with the old names. The facades
`oint.ozon` (its top level and `oint.ozon.types`) and `oint.bulk` (top level) stay public names:
they are rewritten only inside the package and the tools, never in the README, the docs or the
tests, which show what users write.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# old module -> new module; the longest match wins (a prefix: `oint.ozon.transport.fast` follows
# `oint.ozon.transport`)
MODULES: dict[str, str] = {
    "oint.ozon.errors": "oint.core.errors",
    "oint.ozon.retry": "oint.core.retry",
    "oint.ozon.paging": "oint.core.paging",
    "oint.ozon.validate": "oint.core.validate",
    "oint.ozon.base_url": "oint.core.base_url",
    "oint.ozon.profiles": "oint.core.profiles",
    "oint.ozon.transport": "oint.core.transport",
    "oint.ozon.base_client": "oint.core.client",
    "oint.ozon.flow": "oint.compat.flows",  # its generic part (Request, Wait, Flow) is oint.core.flow
    "oint.ozon.spec": "oint.apis.seller.spec",
    "oint.ozon._operations": "oint.apis.seller._operations",
    "oint.ozon.registry": "oint.compat.registry",
    "oint.ozon.values": "oint.compat.values",
    "oint.ozon.methods": "oint.compat.methods",
    "oint.ozon.policy": "oint.compat.policy",
    "oint.ozon.structures": "oint.compat.structures",
    "oint.ozon.wording": "oint.compat.wording",
    "oint.ozon.functions": "oint.compat.functions",
    "oint.ozon._api": "oint.compat._api",
    "oint.ozon.client": "oint.compat.client",
    "oint.ozon.catalog": "oint.apps.catalog",
    "oint.ozon.codegen_ops": "tools.codegen_ops",
    "oint.ozon.codegen": "tools.codegen",
    "oint.ozon.docs": "tools.docs",
    "oint.listen": "oint.core.listen",
    "oint.cli": "oint.apps.cli",
    "oint.mcp": "oint.apps.mcp",
    **{
        f"oint.bulk.{name}": f"oint.jobs.{name}"
        for name in (
            "engine",
            "export",
            "files",
            "intake",
            "jobs",
            "journal",
            "kinds",
            "limits",
            "report",
            "results",
        )
    },
}
# public names: rewritten only in src/ and tools/ (internal code uses the real modules)
FACADES: dict[str, str] = {"oint.ozon.types": "oint.apis.seller.types"}

# paths in prose, scripts and configuration (before the module rules, which would not see them)
PATHS: dict[str, str] = {
    "oint/ozon/spec/*.json": "oint/apis/seller/data/*.json",
    "ozon/spec/*.json": "apis/seller/data/*.json",
    "oint/ozon/spec/operations.json": "oint/apis/seller/data/operations.json",
    "oint/ozon/spec/schemas.json": "oint/apis/seller/data/schemas.json",
    "oint/ozon/spec/__init__.py": "oint/apis/seller/spec.py",
    "scripts/gen_operations.py": "tools/gen_operations.py",
    "src/oint/ozon/codegen": "tools/codegen",
    "src/oint/ozon/docs.py": "tools/docs.py",
}

TREES = ("src", "tests", "bench", "scripts", "tools", "docs")
FILES = ("README.md", "pyproject.toml", "reference/README.md")
SUFFIXES = {".py", ".pyi", ".md", ".toml", ".sh", ".txt", ".cfg", ".ini"}
SELF = Path(__file__).resolve()
SKIPPED = {SELF, ROOT / "tests" / "test_relayout.py"}  # they name the old layout on purpose


def _module_rules(table: dict[str, str]) -> list[tuple[re.Pattern[str], str]]:
    rules: list[tuple[re.Pattern[str], str]] = []
    for old in sorted(table, key=len, reverse=True):
        new = table[old]
        # `from oint.ozon import spec` -> `from oint.apis.seller import spec`
        parent, _, leaf = old.rpartition(".")
        new_parent, _, new_leaf = new.rpartition(".")
        if leaf == new_leaf:
            rules.append(
                (
                    re.compile(rf"\bfrom {re.escape(parent)} import {leaf}\b"),
                    f"from {new_parent} import {leaf}",
                )
            )
        else:
            rules.append(
                (re.compile(rf"\bfrom {re.escape(parent)} import {leaf}\b(?! as)"), f"import {new} as {leaf}")
            )
        # dotted names, and the same as a path in the repository (`src/oint/ozon/errors.py`; not
        # `~/.local/state/oint/mcp`, which is no module)
        rules.append((re.compile(rf"(?<![\w.]){re.escape(old)}(?![\w])"), new))
        rules.append(
            (
                re.compile(rf"(?<![\w.])src/{re.escape(old.replace('.', '/'))}(?![\w])"),
                "src/" + new.replace(".", "/"),
            )
        )
    return rules


RULES = [(re.compile(re.escape(old)), new) for old, new in PATHS.items()] + _module_rules(MODULES)
INTERNAL_RULES = _module_rules(FACADES)


def internal(path: Path) -> bool:
    """Inside the package or the tools, where even the facades' names are rewritten."""
    rel = path.relative_to(ROOT).parts
    return rel[0] == "tools" or (
        rel[0] == "src" and rel[1:3] != ("oint", "ozon") and rel[1:3] != ("oint", "bulk")
    )


FROM_LINE = re.compile(r"^([ \t]*)from (oint\.ozon|oint\.bulk) import ([^(\n#]+?)[ \t]*$", re.MULTILINE)


def _split_submodules(found: re.Match[str]) -> str:
    """`from oint.ozon import OzonClient, policy, spec`: the moved submodules get lines of their
    own (then rewritten by the module rules); the facade's names stay."""
    indent, package, names = found.group(1), found.group(2), [n.strip() for n in found.group(3).split(",")]
    moved = [n for n in names if f"{package}.{n.split(' as ')[0]}" in MODULES]
    if not moved or len(names) == 1:
        return found.group(0)
    kept = [n for n in names if n not in moved]
    lines = [f"{indent}from {package} import {', '.join(kept)}"] if kept else []
    lines += [f"{indent}from {package} import {n}" for n in moved]
    return "\n".join(lines)


KEEP = "relayout: keep"  # a line that names the old layout on purpose (e.g. a path in an old commit)


OLD = re.compile(r"oint[./](ozon|bulk|cli|mcp|listen)\b|scripts/gen_operations")  # a file without it is left


def rewrite(text: str, rules: list[tuple[re.Pattern[str], str]]) -> str:
    if not OLD.search(text):
        return text
    if KEEP in text:
        lines = text.split("\n")
        return "\n".join(line if KEEP in line else rewrite(line, rules) for line in lines)
    text = FROM_LINE.sub(_split_submodules, text)
    for pattern, new in rules:
        text = pattern.sub(new, text)
    return text


def files() -> list[Path]:
    found = [ROOT / name for name in FILES if (ROOT / name).exists()]
    for tree in TREES:
        found += [p for p in (ROOT / tree).rglob("*") if p.suffix in SUFFIXES and p.is_file()]
    return sorted(
        p
        for p in found
        if p.resolve() not in SKIPPED
        and "__pycache__" not in p.parts
        and not any(part.endswith(".egg-info") for part in p.parts)
    )


def main(argv: list[str]) -> int:
    check = "--check" in argv
    changed = []
    for path in files():
        old = path.read_text(encoding="utf-8")
        new = rewrite(old, RULES + (INTERNAL_RULES if internal(path) else []))
        if new != old:
            changed.append(path.relative_to(ROOT))
            if not check:
                path.write_text(new, encoding="utf-8")
    for path in changed:
        print(path)
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
