"""Every generated file, in the order they depend on each other, with one command:

    python -m tools.generate           # rewrite what is out of date
    python -m tools.generate --check   # exit 1 when any generated file is out of date (a test runs it)

1. the operation layer from `reference/` (`tools/gen_operations.py`): `src/oint/apis/seller/data/`;
   the Performance API's from `reference/performance/` (`tools.gen_performance`):
   `src/oint/apis/performance/data/`;
2. the Seller API's types and typed operations, and OInt's generated methods (`tools.codegen`); the
   Performance API's (`tools.codegen_performance`): `src/oint/apis/performance/types.py`, `_operations.py`;
3. the reference of OInt's functions, `docs/reference.md` (`tools.docs`), and of the Performance
   API's operations, `docs/performance.md` (`tools.docs_performance`);
4. the sandbox's route index, `src/oint/sandbox/data/routes.json` (`tools.routes`).

Each step runs in a process of its own, so that it reads what the step before it wrote.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (what it makes, the command that writes it, the command that checks it)
STEPS: list[tuple[str, list[str], list[str]]] = [
    ("operation layer", ["tools/gen_operations.py"], ["tools/gen_operations.py", "--check"]),
    (
        "Performance API operation layer",
        ["-m", "tools.gen_performance"],
        ["-m", "tools.gen_performance", "--check"],
    ),
    ("types, typed operations, OInt's methods", ["-m", "tools.codegen"], ["-m", "tools.codegen", "--check"]),
    (
        "Performance API types and typed operations",
        ["-m", "tools.codegen_performance"],
        ["-m", "tools.codegen_performance", "--check"],
    ),
    ("docs/reference.md", ["-m", "tools.docs"], ["-m", "tools.docs", "--check"]),
    ("docs/performance.md", ["-m", "tools.docs_performance"], ["-m", "tools.docs_performance", "--check"]),
    ("sandbox route index", ["-m", "tools.routes", "--write"], ["-m", "tools.routes", "--check"]),
]


def main(argv: list[str]) -> int:
    unknown = [a for a in argv if a != "--check"]
    if unknown:
        print(f"usage: python -m tools.generate [--check] (unknown: {' '.join(unknown)})", file=sys.stderr)
        return 2
    check = "--check" in argv
    failed = []
    for what, write, verify in STEPS:
        done = subprocess.run([sys.executable, *(verify if check else write)], cwd=ROOT)
        if done.returncode != 0:
            failed.append(what)
            if not check:  # the next steps read this one's output
                break
    if failed:
        verb = "out of date" if check else "failed"
        print(
            f"{verb}: {', '.join(failed)}" + (": run python -m tools.generate" if check else ""),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
