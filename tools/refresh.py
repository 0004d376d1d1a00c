"""Refresh the operation layer from a newer OpenAPI document of Ozon's, and say what changed.

    python -m tools.refresh FILE|URL            # reference/ and every generated file, then the report
    python -m tools.refresh FILE|URL --dry-run  # the report only: nothing written
    python -m tools.refresh FILE|URL --out DIR  # the document's structure and the operation layer
                                                # written under DIR (reference/, data/), not here

FILE or URL: Ozon's Seller API document (`swagger.json`). Ozon's own address
(docs.ozon.ru/api/seller/swagger.json) sits behind a JavaScript challenge; the public daily mirror
serves the same file: https://raw.githubusercontent.com/vispar-tech/ozon-seller-api-schema/main/schemas/ozon-seller-api-openapi.json

The document is kept as structure only (`scripts/refresh_reference.py`'s `strip`: no descriptions,
summaries or examples) in `reference/openapi-en-2026-05.structure.json` (the name the generator
reads), marked newer than `reference/operations.json`, so that paths only it has are new
operations, not removed ones. `reference/facts.json` (switch-off dates, successors, limits,
corrections) is laid over it as before by `tools/gen_operations.py`; then `python -m tools.generate`
rewrites the types, docs and route index.

The report compares the new document with the one the layer was made from: operations added,
removed, newly deprecated (and no longer deprecated); required fields and enum values changed,
per schema of `components` and per inline request/response schema of an operation. Exit 0 when
written (or, with --dry-run, whatever the changes), 2 on bad arguments or a document that cannot
be read.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scripts.refresh_reference import dump, strip

# the generator (not type-checked: mypy's exclude) loaded by name, so that mypy does not follow it
gen_operations: Any = importlib.import_module("tools.gen_operations")

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
VERBS = ("get", "post", "put", "delete", "patch")
MAX_DOCUMENT = 100_000_000  # bytes read from a URL at most


class RefreshError(Exception):
    """A document that cannot be read or is not an OpenAPI document."""


def load(source: str, timeout: float = 60.0) -> dict[str, Any]:
    """The OpenAPI document at `source`: a file, or an http(s) URL."""
    try:
        if source.startswith(("http://", "https://")):
            request = urllib.request.Request(source, headers={"User-Agent": "oint-refresh"})
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                data = answer.read(MAX_DOCUMENT + 1)
            if len(data) > MAX_DOCUMENT:
                raise RefreshError(f"{source}: larger than {MAX_DOCUMENT} bytes")
        else:
            data = Path(source).read_bytes()
        doc = json.loads(data)
    except (OSError, ValueError) as e:
        raise RefreshError(f"{source}: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("paths"), dict) or "components" not in doc:
        raise RefreshError(f"{source}: not an OpenAPI document (no paths and components)")
    return doc


def structure(openapi: dict[str, Any], label: str) -> dict[str, Any]:
    """The document without prose, as `reference/` keeps it, marked newer than operations.json."""
    return {
        "openapi": openapi.get("openapi", ""),
        "paths": strip(openapi["paths"]),
        "components": {k: strip(v) for k, v in openapi["components"].items()},
        "x-oint-label": label,
        "x-oint-newer": True,
    }


# ------------------------------------------------------------------ the change report
def operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """ "POST /v1/x" -> the operation, for every operation of the document."""
    found = {}
    for path, item in doc["paths"].items():
        for verb, op in (item or {}).items():
            if verb in VERBS and isinstance(op, dict):
                found[f"{verb.upper()} {path}"] = op
    return found


def _walk(node: Any, where: str, depth: int = 0) -> Iterator[tuple[str, str, Any]]:
    """("field" | "required" | "enum", location, value) for each schema node, each object's
    required fields and each enum under `node`, without following $refs (each named schema is
    walked on its own)."""
    if not isinstance(node, dict) or depth > 30:
        return
    yield "field", where, None
    if "enum" in node:
        yield "enum", where, node["enum"]
    if node.get("type") == "object" or "properties" in node:
        yield "required", where, node.get("required") or []
    for field, sub in (node.get("properties") or {}).items():
        yield from _walk(sub, f"{where}.{field}", depth + 1)
    if "items" in node:
        yield from _walk(node["items"], f"{where}[]", depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(node.get(key) or []):
            yield from _walk(sub, f"{where}<{key}{i}>", depth + 1)
    if isinstance(node.get("additionalProperties"), dict):
        yield from _walk(node["additionalProperties"], f"{where}{{}}", depth + 1)


def _facts(doc: dict[str, Any]) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    for name, schema in doc["components"].get("schemas", {}).items():
        for kind, where, value in _walk(schema, name):
            out[kind, where] = value
    for key, op in operations(doc).items():
        parts = [("request", (op.get("requestBody") or {}).get("content", {}))]
        parts.append(("response", ((op.get("responses") or {}).get("200") or {}).get("content", {})))
        for part, content in parts:
            for media in content.values():
                schema = (media or {}).get("schema")
                if isinstance(schema, dict) and "$ref" not in schema:
                    for kind, where, value in _walk(schema, f"{key} {part}"):
                        out[kind, where] = value
    return out


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    """What changed from `old` to `new` (both OpenAPI documents), each list sorted."""
    old_ops, new_ops = operations(old), operations(new)
    both = sorted(set(new_ops) & set(old_ops))
    report: dict[str, list[str]] = {
        "added": sorted(set(new_ops) - set(old_ops)),
        "removed": sorted(set(old_ops) - set(new_ops)),
        "deprecated": [k for k in both if new_ops[k].get("deprecated") and not old_ops[k].get("deprecated")],
        "undeprecated": [
            k for k in both if old_ops[k].get("deprecated") and not new_ops[k].get("deprecated")
        ],
        "required": [],
        "enums": [],
    }
    before, after = _facts(old), _facts(new)
    kept = {where for kind, where in before if kind == "field"} & {
        where for kind, where in after if kind == "field"
    }
    for kind, where in sorted(set(before) | set(after)):
        if kind == "field" or where not in kept:  # a schema or field added or removed: not a change of it
            continue
        was, now = before.get((kind, where)), after.get((kind, where))
        if was == now:
            continue
        if kind == "required":
            was, now = was or [], now or []
            for field in sorted(set(now) - set(was)):
                report["required"].append(f"{where}.{field}: now required")
            for field in sorted(set(was) - set(now)):
                report["required"].append(f"{where}.{field}: no longer required")
        elif was is None:
            report["enums"].append(f"{where}: new enum {' '.join(map(str, now or []))}")
        elif now is None:
            report["enums"].append(f"{where}: enum dropped")
        else:
            plus = [v for v in now if v not in was]
            minus = [v for v in was if v not in now]
            if plus or minus:
                change = " ".join([*(f"+{v}" for v in plus), *(f"-{v}" for v in minus)])
                report["enums"].append(f"{where}: {change}")
    return report


HEADINGS = {
    "added": "operations added",
    "removed": (
        "operations removed (kept while reference/operations.json has them; record switch-offs in facts.json)"
    ),
    "deprecated": "operations newly deprecated",
    "undeprecated": "operations no longer deprecated",
    "required": "required fields changed",
    "enums": "enums changed",
}


def render_report(report: dict[str, list[str]], source: str) -> str:
    lines = [f"Changes in {source} against the document the layer was made from:"]
    for key, heading in HEADINGS.items():
        items = report[key]
        lines.append(f"{heading}: {len(items)}")
        lines += [f"  {item}" for item in items]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ writing
def write_layer(new_structure: dict[str, Any], out: Path | None) -> list[Path]:
    """Write the structure and regenerate: under `out` (reference/ and data/ there only), or here
    (reference/ and every generated file, `python -m tools.generate`). The written files."""
    if out is None:
        target = REFERENCE / gen_operations.OPENAPI
        dump(target, new_structure)
        done = subprocess.run([sys.executable, "-m", "tools.generate"], cwd=ROOT)
        if done.returncode != 0:
            raise RefreshError("python -m tools.generate failed after the document was written")
        return [target, gen_operations.SPEC / "operations.json", gen_operations.SPEC / "schemas.json"]
    reference, data = out / "reference", out / "data"
    reference.mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    for name in ("operations.json", "facts.json"):  # the other inputs, as they are
        (reference / name).write_bytes((REFERENCE / name).read_bytes())
    dump(reference / gen_operations.OPENAPI, new_structure)
    files = gen_operations.render(gen_operations.build(reference), data)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return [reference / gen_operations.OPENAPI, *files]


def main(argv: list[str]) -> int:
    args = list(argv)
    dry = "--dry-run" in args
    if dry:
        args.remove("--dry-run")
    out: Path | None = None
    if "--out" in args:
        at = args.index("--out")
        if at + 1 >= len(args):
            print("refresh: --out needs a folder", file=sys.stderr)
            return 2
        out = Path(args[at + 1])
        del args[at : at + 2]
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m tools.refresh FILE|URL [--dry-run | --out DIR]", file=sys.stderr)
        return 2
    source = args[0]
    try:
        new_doc = load(source)
    except RefreshError as e:
        print(f"refresh: {e}", file=sys.stderr)
        return 2
    old = json.loads((REFERENCE / gen_operations.OPENAPI).read_text(encoding="utf-8"))
    label = dt.date.today().isoformat()  # how the layer's `sources` names this document
    new_structure = structure(new_doc, label)
    sys.stdout.write(render_report(compare(old, new_structure), source))
    if dry:
        return 0
    written = write_layer(new_structure, out)
    sys.stdout.write("written: " + ", ".join(str(p) for p in written) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
