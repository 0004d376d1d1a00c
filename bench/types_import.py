"""Import time of the request/answer types and of the client, this tree against another one, run
side by side (alternately, so that both see the same load of the machine).

    python bench/types_import.py OTHER/src [RUNS]   # OTHER: e.g. `git archive BASE src | tar -x -C OTHER`

Each figure is the lower quartile of RUNS fresh `python -c ...` processes (default 20), in ms.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
    other, runs = Path(argv[0]).resolve(), int(argv[1]) if len(argv) > 1 else 20
    here = ROOT / "src"
    print(f"| python -c | {other} (ms) | {here} (ms) |\n|---|---:|---:|")
    for code in SNIPPETS:
        times: dict[Path, list[float]] = {other: [], here: []}
        for _ in range(runs):
            for src in (other, here):
                times[src].append(wall_ms(src, code))
        low = {src: statistics.quantiles(t, n=4)[0] for src, t in times.items()}
        print(f"| `{code}` | {low[other]:.1f} | {low[here]:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
