"""Size of the generated request/answer types: total lines, `TypedDict` classes, and how many of them
are structurally distinct.

    python bench/types_size.py                      # this tree's src/oint/apis/seller/types/ (or types.py)
    python bench/types_size.py OLD/types.py NEW/types/
    python bench/types_size.py --compare OLD/types.py NEW/types/   # every old name, the same type?

Read from the source alone (`ast`), independently of the generator: two classes are the same when
they have the same fields, each field of the same type (`Required` and `total` included) where
classes named in a type are compared the same way, recursively (the coarsest such partition: Moore's
refinement, so that self-referring classes compare too). Field order and the order of a union's
members do not matter; names do not matter, `TypeAlias`es are seen through.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Module:
    lines: int = 0
    classes: dict[str, tuple[bool, dict[str, ast.expr]]] = field(default_factory=dict)  # (total, fields)
    aliases: dict[str, ast.expr] = field(default_factory=dict)


def _annotation(node: ast.expr) -> ast.expr:
    """A string annotation (a forward reference) parsed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _annotation(ast.parse(node.value, mode="eval").body)
    return node


def _total(keywords: list[ast.keyword]) -> bool:
    for kw in keywords:
        if kw.arg == "total" and isinstance(kw.value, ast.Constant):
            return bool(kw.value.value)
    return True


def read(paths: list[Path]) -> Module:
    """Every TypedDict and TypeAlias of the files `paths` (one namespace: names are unique)."""
    out = Module()
    for path in paths:
        text = path.read_text(encoding="utf-8")
        out.lines += text.count("\n")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id == "TypedDict" for b in node.bases
            ):
                fields = {
                    s.target.id: _annotation(s.annotation)
                    for s in node.body
                    if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                }
                out.classes[node.name] = (_total(node.keywords), fields)
            elif (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "TypedDict"
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value.args[1], ast.Dict)
            ):
                table = node.value.args[1]
                fields = {
                    k.value: _annotation(v)
                    for k, v in zip(table.keys, table.values, strict=True)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                }
                out.classes[node.targets[0].id] = (_total(node.value.keywords), fields)
            elif (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(node.annotation, ast.Name)
                and node.annotation.id == "TypeAlias"
                and node.value is not None
            ):
                out.aliases[node.target.id] = _annotation(node.value)
            elif isinstance(node, ast.ImportFrom) and node.module and ".types" in node.module:
                for name in node.names:  # re-exports under another name: `from .x import A as B`
                    if name.asname and name.asname != name.name:
                        out.aliases[name.asname] = ast.Name(name.name)
    return out


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # module.Name
        return node.attr
    return None


def _shape(node: ast.expr, module: Module, blocks: dict[str, int], seen: frozenset[str] = frozenset()) -> str:
    """A type expression as text, class names replaced by their block, aliases expanded, unions sorted."""
    name = _name(node)
    if name is not None:
        if name in module.classes:
            return f"#{blocks[name]}"
        if name in module.aliases and name not in seen:
            return _shape(module.aliases[name], module, blocks, seen | {name})
        return name
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        parts: list[str] = []
        stack: list[ast.expr] = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, ast.BinOp) and isinstance(item.op, ast.BitOr):
                stack += [item.left, item.right]
            else:
                parts.append(_shape(item, module, blocks, seen))
        return " | ".join(sorted(set(parts)))
    if isinstance(node, ast.Subscript):
        inner = node.slice
        args = inner.elts if isinstance(inner, ast.Tuple) else [inner]
        head = _shape(node.value, module, blocks, seen)
        return head + "[" + ", ".join(_shape(a, module, blocks, seen) for a in args) + "]"
    return ast.dump(node)


def distinct(module: Module) -> dict[str, int]:
    """Each class's block: classes in the same block are structurally identical."""
    blocks = dict.fromkeys(module.classes, 0)
    count = 1
    while True:
        keys: dict[str, tuple[object, ...]] = {}
        for name, (total, fields) in module.classes.items():
            shape = tuple(sorted((f, _shape(e, module, blocks)) for f, e in fields.items()))
            keys[name] = (blocks[name], total, shape)
        numbering: dict[tuple[object, ...], int] = {}
        blocks = {name: numbering.setdefault(key, len(numbering)) for name, key in keys.items()}
        if len(numbering) == count:
            return blocks
        count = len(numbering)


class _Prefix(ast.NodeTransformer):
    def __init__(self, names: set[str], prefix: str) -> None:
        self.names, self.prefix = names, prefix

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return ast.Name(self.prefix + node.id) if node.id in self.names else node

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        return ast.Name(self.prefix + node.attr) if node.attr in self.names else node


def _prefixed(module: Module, prefix: str) -> Module:
    rename = _Prefix(set(module.classes) | set(module.aliases), prefix)
    out = Module(lines=module.lines)
    for name, (total, fields) in module.classes.items():
        out.classes[prefix + name] = (total, {f: rename.visit(e) for f, e in fields.items()})
    for name, e in module.aliases.items():
        out.aliases[prefix + name] = rename.visit(e)
    return out


def compare(old: Module, new: Module) -> tuple[list[str], list[str], list[str]]:
    """Every public name of `old`: (the same type in `new`, missing from `new`, another type)."""
    both = _prefixed(old, "old:")
    both.classes.update(_prefixed(new, "new:").classes)
    both.aliases.update(_prefixed(new, "new:").aliases)
    blocks = distinct(both)
    same, missing, differ = [], [], []
    for name in sorted(set(old.classes) | set(old.aliases)):
        if name not in new.classes and name not in new.aliases:
            missing.append(name)
            continue
        shapes = {_shape(ast.Name(prefix + name), both, blocks) for prefix in ("old:", "new:")}
        (same if len(shapes) == 1 else differ).append(name)
    return same, missing, differ


def files(target: Path) -> list[Path]:
    return sorted(target.glob("*.py")) if target.is_dir() else [target]


def figures(target: Path) -> tuple[int, int, int]:
    """(total lines, TypedDict classes, structurally distinct classes) of a file or a package."""
    module = read(files(target))
    return module.lines, len(module.classes), len(set(distinct(module).values()))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--compare"]:  # --compare OLD NEW: does every name of OLD name the same type in NEW?
        same, missing, differ = compare(read(files(Path(argv[1]))), read(files(Path(argv[2]))))
        print(f"{len(same):,} names the same type, {len(missing):,} missing, {len(differ):,} another type")
        for name in missing + differ:
            print(" ", name)
        return 1 if missing or differ else 0
    here = ROOT / "src" / "oint" / "apis" / "seller"
    targets = [Path(a) for a in argv] or [here / "types" if (here / "types").is_dir() else here / "types.py"]
    print("| types | lines | classes | distinct classes |\n|---|---:|---:|---:|")
    for target in targets:
        lines, classes, unique = figures(target)
        print(f"| {target} | {lines:,} | {classes:,} | {unique:,} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
