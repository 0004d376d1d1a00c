"""The push receiver's figures (issue 17): events stored per second and answer latency.

    python bench/webhooks.py [--events 2000] [--rounds 5] [--concurrency 200] [--postgres URL]

1. The inbox alone, in this process: `Inbox.put` one event per transaction (what the receiver does
   for each push), on SQLite (WAL, synchronous=FULL) and PostgreSQL.
2. `oint webhooks serve` over HTTP on a free local port, no handler (store only) and with a handler
   (`webhook_handlers:record`, delivery running beside the answers): `--rounds` waves of
   `--concurrency` pushes sent at once (each a distinct TYPE_STATE_CHANGED); the time of each
   answer (p50, p99, max) and the events stored per second over the whole run.
PostgreSQL: `--postgres URL` (an empty database), else a throw-away cluster from tests/services.py
(fsync off: its figures are of the software, not of a disk). Results go to bench/webhooks-RESULTS.md
by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from conftest import free_port, listening

from oint.webhooks import open_inbox, parse

TESTS = str(Path(__file__).resolve().parent.parent / "tests")


def push_body(n: int) -> dict[str, Any]:
    return {
        "message_type": "TYPE_STATE_CHANGED",
        "posting_number": f"{n // 5:08d}-0001-1",
        "new_state": f"posting_state_{n % 5}",
        "changed_state_date": f"2026-12-07T10:{(n // 60) % 60:02d}:{n % 60:02d}Z",
    }


def inbox_rate(where: str, events: int) -> float:
    inbox = open_inbox(where)
    bodies = [parse(push_body(n)) for n in range(events)]
    start = time.perf_counter()
    for event in bodies:
        inbox.put(event)
    elapsed = time.perf_counter() - start
    inbox.close()
    return events / elapsed


def serve(inbox: str, *extra: str, env: dict[str, str] | None = None) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oint",
            "webhooks",
            "serve",
            "--port",
            str(port),
            "--allow-from",
            "127.0.0.1/32",
            "--inbox",
            inbox,
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": TESTS, **(env or {})},
    )
    if not listening(port, process):
        raise RuntimeError("oint webhooks serve did not start")
    return f"http://127.0.0.1:{port}/", process


class Connection:
    """One keep-alive HTTP/1.1 connection written by hand: the client's own cost stays small
    (httpx spent four times the receiver's CPU here), so the figures are the receiver's."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, url: str) -> Connection:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer, f"{parts.hostname}:{parts.port}")

    async def post(self, doc: Any) -> tuple[int, bytes]:
        body = json.dumps(doc).encode()
        head = (
            f"POST / HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def waves(url: str, rounds: int, concurrency: int, offset: int) -> tuple[list[float], float]:
    """`rounds` waves of `concurrency` pushes sent at once, one per connection: each answer's time,
    and the whole run's."""
    timings: list[float] = []
    connections = [await Connection.open(url) for _ in range(concurrency)]
    await connections[0].post({"message_type": "TYPE_PING", "time": "2026-12-07T10:00:00Z"})

    async def one(connection: Connection, n: int) -> None:
        start = time.perf_counter()
        status, answer = await connection.post(push_body(offset + n))
        timings.append(time.perf_counter() - start)
        assert status == 200, answer

    begin = time.perf_counter()
    for r in range(rounds):
        await asyncio.gather(*(one(c, r * concurrency + i) for i, c in enumerate(connections)))
    total = time.perf_counter() - begin
    for connection in connections:
        connection.close()
    return timings, total


def http_figures(
    inbox: str, rounds: int, concurrency: int, *extra: str, env: dict[str, str] | None = None
) -> dict[str, float]:
    url, process = serve(inbox, *extra, env=env)
    try:
        timings, total = asyncio.run(waves(url, rounds, concurrency, 1_000_000))
    finally:
        process.terminate()
        process.wait(30)
    timings.sort()
    return {
        "p50_ms": statistics.median(timings) * 1000,
        "p99_ms": timings[int(len(timings) * 0.99) - 1] * 1000,
        "max_ms": timings[-1] * 1000,
        "events_per_s": len(timings) / total,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--postgres", default=None)
    args = ap.parse_args()
    server = None
    if args.postgres is None:
        from services import PostgresServer

        server = PostgresServer.start()
    folder = Path(tempfile.mkdtemp(prefix="oint-bench-webhooks-"))
    try:

        def pg() -> str:
            return args.postgres if server is None else server.create_database()

        print(f"python {platform.python_version()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
        print(f"inbox.put, one transaction per event, {args.events} events:")
        print(f"  SQLite      {inbox_rate(str(folder / 'a.db'), args.events):8.0f} events/s")
        print(f"  PostgreSQL  {inbox_rate(pg(), args.events):8.0f} events/s")
        record = str(folder / "record.txt")
        for name, inbox in (("SQLite", str(folder / "b.db")), ("PostgreSQL", pg())):
            for label, extra in (
                ("store only", ()),
                ("with a handler", ("--handler", "webhook_handlers:record")),
            ):
                if label == "with a handler" and name == "SQLite":
                    inbox = str(folder / "c.db")
                if label == "with a handler" and name == "PostgreSQL":
                    inbox = pg()
                f = http_figures(
                    inbox, args.rounds, args.concurrency, *extra, env={"OINT_TEST_RECORD": record}
                )
                waves_text = f"{args.rounds}x{args.concurrency} at once"
                print(
                    f"HTTP {name:10} {label:15} {waves_text}: p50 {f['p50_ms']:6.1f} ms"
                    f"  p99 {f['p99_ms']:6.1f} ms  max {f['max_ms']:6.1f} ms"
                    f"  {f['events_per_s']:6.0f} events/s"
                )
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
