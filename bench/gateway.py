"""`oint serve` against a process per call: the seed call (UpdateProductImages) on the embedded
sandbox, as `oint ozon ... --sandbox` (median wall time of a process) and as `POST
/ozon/UpdateProductImages` to a running gateway (median of sequential calls on one keep-alive
connection), then 100 concurrent calls (total wall time), with the sandbox's 50 rps limit on (the
client waits out its 429s) and off.

    python bench/gateway.py [--runs 10] [--calls 50]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import httpx
from harness import IMAGES, PRODUCT, accepting, free_port, median_wall

SEED = {"productid": PRODUCT, "images": IMAGES, "color": "GREEN"}


def start_gateway(db: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "oint", "serve", "--sandbox", "--db", db, "--port", str(port)],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    if not accepting(port, proc):
        proc.kill()
        raise RuntimeError("oint serve did not start")
    return proc, port


def sequential(port: int, calls: int) -> float:
    """Median seconds of one call, `calls` calls one after the other on one connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    body = json.dumps(SEED)
    times = []
    for _ in range(calls + 1):
        t0 = time.perf_counter()
        connection.request("POST", "/ozon/UpdateProductImages", body, {"Content-Type": "application/json"})
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 200
        times.append(time.perf_counter() - t0)
    connection.close()
    return statistics.median(times[1:])


def concurrent(port: int, calls: int = 100) -> tuple[float, list[int]]:
    async def run() -> list[int]:
        limits = httpx.Limits(max_connections=calls)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120) as http:
            answers = await asyncio.gather(
                *(
                    http.post("/ozon/GetProductsInformation", json={"productid": [PRODUCT]})
                    for _ in range(calls)
                )
            )
        return [a.status_code for a in answers]

    t0 = time.perf_counter()
    statuses = asyncio.run(run())
    return time.perf_counter() - t0, statuses


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "OINT_SANDBOX_DB": os.path.join(tmp, "cli.sqlite3")}
        command = [sys.executable, "-m", "oint", "ozon", "UpdateProductImages", "--productid", str(PRODUCT)]
        command += ["--images", json.dumps(IMAGES), "--color", "GREEN", "--sandbox"]
        per_process = median_wall(command, args.runs, env)
        print(
            f"oint ozon UpdateProductImages --sandbox, a process a call: {per_process * 1000:.0f} ms (median)"
        )
        for limits in ("1", "0"):
            proc, port = start_gateway(
                os.path.join(tmp, f"gateway{limits}.sqlite3"), {**env, "OINT_SANDBOX_RATE_LIMITS": limits}
            )
            try:
                if limits == "1":
                    one = sequential(port, args.calls)
                    print(f"POST /ozon/UpdateProductImages to oint serve: {one * 1000:.1f} ms (median)")
                took, statuses = concurrent(port)
                ok = sum(1 for s in statuses if s == 200)
                state = "on" if limits == "1" else "off"
                print(
                    f"100 concurrent calls, the 50 rps limit {state}: {ok}/100 answered 200 in {took:.2f} s"
                )
            finally:
                proc.terminate()
                proc.wait(timeout=30)


if __name__ == "__main__":
    main()
