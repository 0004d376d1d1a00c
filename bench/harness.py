"""What the benchmarks share: the demo account, `oint sandbox serve` on a free port, the `oint`
command as a user runs it, and the median wall time of a command.

The benchmarks run as scripts (`python bench/NAME.py`), so this folder is on their `sys.path`.
"""

from __future__ import annotations

import json
import shutil
import socket
import statistics
import subprocess
import sys
import time
from typing import IO, Any

CLIENT_ID, API_KEY = "2128753", "7cc90d26-33e4-499b..."
PRODUCT = 1111588191  # the demo's product whose pictures the benchmarks set
IMAGES = ["https://example.com/1.jpg", "https://example.com/2.jpg"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def accepting(port: int, proc: subprocess.Popen[Any], seconds: float = 15.0) -> bool:
    """Wait until the server `proc` accepts connections on local `port`: True; False if it exits or
    `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def start_sandbox(
    db: str, *options: str, env: dict[str, str] | None = None, stderr: int | IO[Any] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`oint sandbox serve --quiet` on a free port with state file `db` (and `options`), once it
    accepts connections: the process and its URL."""
    port = free_port()
    serve = ["sandbox", "serve", "--port", str(port), "--db", db, "--quiet", *options]
    proc = subprocess.Popen([sys.executable, "-m", "oint", *serve], env=env, stderr=stderr)
    if not accepting(port, proc):
        proc.kill()
        raise RuntimeError("sandbox did not start")
    return proc, f"http://127.0.0.1:{port}"


def update_images_command(url: str, *options: str) -> list[str]:
    """`oint ozon UpdateProductImages` of the demo's PRODUCT to IMAGES, GREEN, on the server at
    `url` (and `options`): the installed `oint` script, as a user runs it, else `python -m oint`."""
    oint = shutil.which("oint")
    return [
        *([oint] if oint else [sys.executable, "-m", "oint"]),
        "ozon",
        "UpdateProductImages",
        "--clientid",
        CLIENT_ID,
        "--apikey",
        API_KEY,
        "--base-url",
        url,
        "--productid",
        str(PRODUCT),
        "--images",
        json.dumps(IMAGES),
        "--color",
        "GREEN",
        *options,
    ]


def median_wall(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    """The median wall time (s) of `runs` runs of `cmd`, after one more to warm the caches."""
    times = []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])
