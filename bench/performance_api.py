"""What the Performance API's hooks cost the Seller API's calls, and what a Performance call costs.

`client.call` on a transport that answers `{}` at once (no sockets, no server): the client's own
work per call. The Seller API's `SellerClient` is timed on this tree and on an older commit (its
`src/` taken with `git archive` into a temporary folder), in alternating rounds so that machine noise
hits both alike; `PerformanceClient` (token held, one renewal per lifetime) on this tree.

    python bench/performance_api.py [--before COMMIT] [--calls 20000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TIMER = r"""
import json, sys, time
from oint.core.transport.base import RawResponse

class Nothing:
    base_url = "http://127.0.0.1:9"
    answer = RawResponse(200, {"content-type": "application/json"}, b"{}")
    def request(self, method, path, headers, body, timeout):
        if path == "/api/client/token":
            return RawResponse(200, {"content-type": "application/json"},
                               b'{"access_token": "t", "expires_in": 1800, "token_type": "Bearer"}')
        return self.answer
    def close(self):
        pass

which, calls = sys.argv[1], int(sys.argv[2])
if which == "seller":
    from oint.apis.seller.client import SellerClient
    client = SellerClient("1", "key", transport=Nothing())
    operation, body = "/v1/warehouse/list", {}
else:
    from oint.performance import PerformanceClient
    client = PerformanceClient("1", "secret", transport=Nothing())
    operation, body = "/api/client/statistics/products/sku", {"campaignIds": ["1"]}
for _ in range(2000):
    client.call(operation, body)
start = time.perf_counter()
for _ in range(calls):
    client.call(operation, body)
print(json.dumps((time.perf_counter() - start) / calls * 1e6))
"""


def run(src: Path, which: str, calls: int) -> float:
    done = subprocess.run(
        [sys.executable, "-c", TIMER, which, str(calls)],
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(done.stdout))


def source_of(commit: str, into: Path) -> Path:
    data = subprocess.run(["git", "archive", commit, "src"], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(into, filter="data")
    return into / "src"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default="ecfb87d")
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        before = source_of(args.before, Path(folder))
        now = ROOT / "src"
        times: dict[str, list[float]] = {"seller before": [], "seller now": [], "performance now": []}
        for _ in range(args.rounds):
            times["seller before"].append(run(before, "seller", args.calls))
            times["seller now"].append(run(now, "seller", args.calls))
            times["performance now"].append(run(now, "performance", args.calls))
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<16} {median:6.2f} µs/call (median of {args.rounds} rounds of {args.calls})")
    ratio = statistics.median(times["seller now"]) / statistics.median(times["seller before"])
    print(f"seller now / before: {ratio:.3f}x  (before: {args.before})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
