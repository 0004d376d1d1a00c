#!/usr/bin/env python3
"""The sandbox's push records over a long simulated run, pruned and not: how many records the
state file keeps, its size, and what the pruning costs.

Buyers order R times a day from P products for D days (advanced 6 hours at a time), every push
type goes to a local receiver answering 200 (`bench/sandbox_push.py`'s), sent after each step by
`Sandbox.push_step`. Run twice on a state file: as shipped (finished pushes pruned
`pushes.RETENTION` after they finished) and with the pruning planned never (the old behaviour).

    python bench/push_prune.py [--products 100] [--orders-per-day 300] [--days 30]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from living import load_products, market
from sandbox_push import receiver

from oint.sandbox.model import pushes


@contextmanager
def pruning_off() -> Iterator[None]:
    saved = pushes._plan_prune

    def never(*args: Any) -> None:
        return None

    pushes._plan_prune = never  # type: ignore[assignment]
    try:
        yield
    finally:
        pushes._plan_prune = saved


@contextmanager
def timed_pruning(spent: list[float]) -> Iterator[None]:
    """Add the seconds each pruning takes to spent[0]."""
    saved = pushes.prune

    def prune(*args: Any, **kwargs: Any) -> int:
        start = time.perf_counter()
        try:
            return saved(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    pushes.prune = prune  # type: ignore[assignment]
    try:
        yield
    finally:
        pushes.prune = saved


def run(products: int, per_day: int, days: int, url: str, folder: str, name: str) -> list[str]:
    db = os.path.join(folder, f"{name}.sqlite3")
    m_iter = market(db=db)
    m = next(m_iter)
    load_products(m, products, stock=2 * per_day * days // products + 10)
    m.sandbox.push(url=url)
    m.admin("POST", "buyers", {"orders_per_day": per_day, "seed": 1, "cancel_share": 0.2})
    lines = []
    spent = 0.0
    for day in range(1, days + 1):
        start = time.perf_counter()
        for _ in range(4):
            m.advance("6h")
            m.sandbox.push_step()
        spent += time.perf_counter() - start
        if day % 5 == 0 or day == days:
            with m.sandbox.store.transaction():
                kept = m.sandbox.store.count("2128753", pushes.PUSH)
            shown = m.sandbox.push()
            size = os.path.getsize(db) / 2**20
            gone = sum(shown["pruned"].values())
            lines.append(f"| {name} | {day} | {kept:,} | {gone:,} | {size:.1f} | {spent:.1f} |")
    try:
        next(m_iter)
    except StopIteration:
        pass
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100)
    parser.add_argument("--orders-per-day", type=int, default=300)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    print(
        f"python bench/push_prune.py --products {args.products} --orders-per-day {args.orders_per_day}"
        f" --days {args.days}  ({platform.python_version()}, {platform.machine()}, {os.cpu_count()} cpus)\n"
    )
    print("| run | day | push records kept | pruned | state file MiB | seconds so far |")
    print("|---|---:|---:|---:|---:|---:|")
    pruning = [0.0]
    with tempfile.TemporaryDirectory() as folder, receiver() as url:
        with timed_pruning(pruning):
            for line in run(args.products, args.orders_per_day, args.days, url, folder, "pruned"):
                print(line, flush=True)
        with pruning_off():
            for line in run(args.products, args.orders_per_day, args.days, url, folder, "kept"):
                print(line, flush=True)
    print(f"\nthe prunings of the pruned run took {pruning[0]:.2f} s in all")


if __name__ == "__main__":
    main()
