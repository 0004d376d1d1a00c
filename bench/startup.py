"""Start-up of the kernel layout against an earlier tree, side by side in one run: the import of the
client, `oint ozon --help`, and the seed call of `scripts/demo.sh` (UpdateProductImages with
`--sandbox`: the embedded sandbox, its state file already made).

    python bench/startup.py [BEFORE] [AFTER] [--runs N]    # revisions, default main and HEAD

Each revision is exported with `git archive` into a temporary folder and run from its `src/` (the
same interpreter and installed dependencies for both). The runs interleave (before, after, before,
...) so that the machine's load falls on both alike; the figure is the lower quartile of the wall
times of each command (ms), less sensitive to the other processes of a shared machine than the mean.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import API_KEY, CLIENT_ID, IMAGES, PRODUCT

ROOT = Path(__file__).resolve().parent.parent

COMMANDS: dict[str, list[str]] = {
    'python -c "from oint.ozon import OzonClient"': ["-c", "from oint.ozon import OzonClient"],
    "oint ozon --help": ["-m", "oint", "ozon", "--help"],
    "oint ozon UpdateProductImages ... --sandbox": [
        "-m",
        "oint",
        "ozon",
        "UpdateProductImages",
        "--clientid",
        CLIENT_ID,
        "--apikey",
        API_KEY,
        "--productid",
        str(PRODUCT),
        "--images",
        repr(IMAGES),
        "--color",
        "GREEN",
        "--sandbox",
    ],
}


def export(revision: str, into: Path) -> str:
    """The tree of `revision` in `into`; its short commit."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    done = subprocess.run(["git", "rev-parse", "--short", revision], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip()


def timed(tree: Path, args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) ms of one run; CPU (user + system of the child) is what other processes of a
    loaded machine disturb least."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True)
    elapsed = (time.perf_counter() - started) * 1000
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{args} failed in {tree}: {done.stderr.decode()[-500:]}")
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime + cpu_after.ru_stime - cpu_before.ru_stime) * 1000
    return elapsed, cpu


def lower_quartile(values: list[float]) -> float:
    return statistics.quantiles(values, n=4)[0]


def main(argv: list[str]) -> int:
    runs = 20
    if "--runs" in argv:
        at = argv.index("--runs")
        runs = int(argv[at + 1])
        argv = argv[:at] + argv[at + 2 :]
    before, after = (argv + ["main", "HEAD"][len(argv) :])[:2]
    with tempfile.TemporaryDirectory() as tmp:
        trees = {}
        for label, revision in (("before", before), ("after", after)):
            tree = Path(tmp) / label
            commit = export(revision, tree)
            env = {
                **os.environ,
                "PYTHONPATH": str(tree / "src"),
                "OINT_SANDBOX_DB": str(tree / "demo.sqlite3"),
                "OINT_CONFIG": str(tree / "no-config.toml"),
            }
            trees[label] = (tree, env, f"{revision} ({commit})")
            for args in COMMANDS.values():  # warm up: byte code, the sandbox's state file
                timed(tree, args, env)
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(runs):
            for name, args in COMMANDS.items():
                for label, (tree, env, _title) in trees.items():
                    times.setdefault((name, label), []).append(timed(tree, args, env))
    print(f"Lower quartile of {runs} runs, ms; before = {trees['before'][2]}, after = {trees['after'][2]}\n")
    print("| command | wall before | wall after | ratio | CPU before | CPU after | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in COMMANDS:
        row = f"| `{name}` "
        for metric in (0, 1):
            b = lower_quartile([t[metric] for t in times[(name, "before")]])
            a = lower_quartile([t[metric] for t in times[(name, "after")]])
            row += f"| {b:.0f} | {a:.0f} | {a / b:.2f} "
        print(row + "|")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
