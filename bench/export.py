#!/usr/bin/env python3
"""`oint ozon export` over catalogues of growing size: does the time grow linearly?

For each size (default 12,500 / 25,000 / 50,000 / 100,000 products): a fresh sandbox state seeded
with `oint sandbox seed`, then `oint ozon export stocks|prices|products --sandbox --quiet` into a
CSV, as a user runs it (one process each, in-process sandbox). Printed per export: the wall time,
the time per 1,000 products (flat when the export is linear), and the growth against the previous
size (2.0x for a doubled catalogue is linear, 4.0x quadratic). `--baseline SRC` times the same
exports of the same state with another copy of oint first (its `src` folder, e.g. of an earlier
commit: `git archive COMMIT src | tar -x -C /tmp/old`), so that both run under the same load.

    python bench/export.py [--sizes 12500,25000,50000,100000] [--runs 1] [--what stocks,prices,products]
        [--baseline /tmp/old/src]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def export_seconds(what: str, db: str, out: str, runs: int, src: str | None = None) -> float:
    """The median wall time of `runs` exports of `what` from the state file `db` (by the oint
    of `src` when given)."""
    env = {**os.environ, "PYTHONPATH": src} if src else None
    cmd = [
        sys.executable,
        "-m",
        "oint",
        "ozon",
        "export",
        what,
        "--sandbox",
        "--db",
        db,
        "--out",
        out,
        "--quiet",
    ]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="12500,25000,50000,100000")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--what", default="stocks,prices,products")
    ap.add_argument("--baseline", help="the src folder of another oint, timed first")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = args.what.split(",")
    tmp = Path(tempfile.mkdtemp(prefix="oint-export-bench-"))
    print(
        f"bench/export.py --sizes {args.sizes} --runs {args.runs}"
        f" ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, load {' '.join(f'{x:.2f}' for x in os.getloadavg())})"
    )
    print(f"{'products':>9} {'export':<9} {'seconds':>8} {'s/1,000':>8} {'growth':>7}", end="")
    print(f" {'baseline':>9} {'growth':>7}" if args.baseline else "")
    previous: dict[str, float] = {}
    before: dict[str, float] = {}
    try:
        for n in sizes:
            db = str(tmp / f"sandbox-{n}.sqlite3")
            seed = [sys.executable, "-m", "oint", "sandbox", "seed", "--products", str(n), "--db", db]
            subprocess.run(seed, check=True, stdout=subprocess.DEVNULL)
            for what in kinds:
                out = str(tmp / f"{what}.csv")
                base = ""
                if args.baseline:
                    old = export_seconds(what, db, out, args.runs, args.baseline)
                    old_growth = f"{old / before[what]:.2f}x" if what in before else "-"
                    before[what] = old
                    base = f" {old:>9.2f} {old_growth:>7}"
                seconds = export_seconds(what, db, out, args.runs)
                growth = f"{seconds / previous[what]:.2f}x" if what in previous else "-"
                previous[what] = seconds
                row = f"{n:>9,} {what:<9} {seconds:>8.2f} {seconds / n * 1000:>8.3f} {growth:>7}"
                print(row + base, flush=True)
            os.remove(db)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
