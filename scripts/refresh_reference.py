"""Refresh `reference/` from Ozon's published API descriptions, keeping structure only.

    python scripts/refresh_reference.py DIR

DIR holds `openapi-en-2026-05.json` (Ozon's English OpenAPI document) and `operations.json`
(the structure of every current operation). Both are written to `reference/` without prose:
descriptions, summaries, examples and vendor extensions are dropped, so the repository keeps
facts (paths, types, required fields, enums, limits) and no text of Ozon's. Everything else in
the project (`tools/gen_operations.py`, the conformance tests) reads only `reference/`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "reference"
PROSE = frozenset({"description", "summary", "example", "examples", "externalDocs", "title"})


def strip(node: Any, *, field_map: bool = False) -> Any:
    """`node` without prose keys; the keys of a `properties` map are field names and stay."""
    if isinstance(node, list):
        return [strip(x) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if not field_map and (key in PROSE or key.startswith("x-")):
            continue
        out[key] = strip(value, field_map=key == "properties" and not field_map)
    return out


def dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    src = Path(argv[0])
    openapi = json.loads((src / "openapi-en-2026-05.json").read_text(encoding="utf-8"))
    structure = {
        "openapi": openapi["openapi"],
        "paths": strip(openapi["paths"]),
        "components": {k: strip(v) for k, v in openapi["components"].items()},
    }
    OUT.mkdir(exist_ok=True)
    dump(OUT / "openapi-en-2026-05.structure.json", structure)
    operations = json.loads((src / "operations.json").read_text(encoding="utf-8"))
    dump(OUT / "operations.json", operations)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
