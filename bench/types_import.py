"""Import time of the request/answer types and of the client in two trees, run side by side
(alternately, so that both see the same load of the machine).

    python bench/types_import.py BEFORE/src AFTER/src [RUNS]
    # a tree of a commit: mkdir -p DIR && git archive COMMIT src | tar -x -C DIR

Each figure is the lower quartile of RUNS fresh `python -c ...` processes (default 20), in ms.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SNIPPETS = (
    "pass",
    "import oint.ozon.types",
    "from oint.ozon.types import V3PostingFbsListRequest",
    "from oint.ozon import OzonClient",
)


def wall_ms(src: Path, code: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return (time.perf_counter() - start) * 1000


def main(argv: list[str]) -> int:
    before, after = Path(argv[0]).resolve(), Path(argv[1]).resolve()
    runs = int(argv[2]) if len(argv) > 2 else 20
    print(f"| python -c | {before} (ms) | {after} (ms) |\n|---|---:|---:|")
    for code in SNIPPETS:
        times: dict[Path, list[float]] = {before: [], after: []}
        for src in (before, after):
            wall_ms(src, code)  # compiles the tree's .pyc files once, outside the figures
        for _ in range(runs):
            for src in (before, after):
                times[src].append(wall_ms(src, code))
        low = {src: statistics.quantiles(t, n=4)[0] for src, t in times.items()}
        print(f"| `{code}` | {low[before]:.1f} | {low[after]:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
