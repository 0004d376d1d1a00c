"""Push notifications end to end (issue 17): the served sandbox's buyers order for a simulated
day, the sandbox pushes each event as Ozon does to `oint webhooks serve` (real HTTP, a free port),
whose handler (`webhook_handlers.ship_new_postings`) ships every new FBS posting through the
library. On the way the receiver is killed with SIGKILL and started again (the sandbox's resends
fill the gap) and one new-posting push is dropped on purpose (`oint webhooks catch-up` fills it).
In the end every posting is shipped and the handler saw every event exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import (
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    SandboxServer,
    free_port,
    listening,
    sandbox_client,
    start_server,
)
from living import EVERYTHING, FBS_WAREHOUSE, Market, load_products

from oint.apis.webhooks.inbox import open_inbox
from oint.core.retry import RetryPolicy
from oint.ozon import OzonClient
from oint.sandbox.core import Sandbox

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parent
AUTH = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY}


class Receiver:
    """`oint webhooks serve` in its own process group, on a port of its own, restartable."""

    def __init__(self, folder: Path, sandbox_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/ozon/push"
        self.inbox = str(folder / "inbox.sqlite3")
        self.record = folder / "handled.txt"
        self.log = folder / "receiver.log"
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
            "OINT_TEST_RECORD": str(self.record),
            "OINT_TEST_SANDBOX_URL": sandbox_url,
            "OINT_TEST_CLIENT_ID": DEMO_CLIENT_ID,
            "OINT_TEST_API_KEY": DEMO_API_KEY,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "oint",
                "webhooks",
                "serve",
                "--port",
                str(self.port),
                "--inbox",
                self.inbox,
                "--allow-from",
                "127.0.0.1/32",
                "--handler",
                "webhook_handlers:ship_new_postings",
                "--workers",
                "2",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
            start_new_session=True,
        )
        assert listening(self.port, self.process), (
            self.process.stderr.read().decode() if self.process.stderr else ""
        )

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def handled(self) -> list[tuple[str, str, str]]:
        """(type, posting number, key) of every call of the handler, in order."""
        if not self.record.exists():
            return []
        return [tuple(line.split(" ", 2)) for line in self.record.read_text().splitlines()]  # type: ignore[misc]

    def pending(self) -> int:
        """Events of the inbox not yet delivered (or being delivered)."""
        inbox = open_inbox(self.inbox)
        try:
            return inbox.counts()["pending"]
        finally:
            inbox.close()

    def catch_up(self, sandbox_url: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "oint",
                "webhooks",
                "catch-up",
                "--inbox",
                self.inbox,
                "--base-url",
                sandbox_url,
                "--clientid",
                DEMO_CLIENT_ID,
                "--apikey",
                DEMO_API_KEY,
            ],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )


def admin(server: SandboxServer, action: str, body: dict[str, Any] | None = None) -> Any:
    answer = httpx.post(f"{server.url}/__sandbox/{action}", json=body or {}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_for(done: Callable[[], bool], what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.3)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[SandboxServer]:
    """A served sandbox whose demo account sells 20 products with FBS stock (made in-process on
    its state file first)."""
    db = str(tmp_path / "sandbox.sqlite3")
    sandbox = Sandbox(db, rate_limits=False)
    with sandbox_client(sandbox) as client:
        load_products(Market(sandbox, client, sandbox.clock), count=20, stock=40)  # type: ignore[arg-type]
    sandbox.close()
    server = start_server(db, "--no-rate-limit")
    yield server
    server.stop()


def test_pushes_to_a_receiver_ship_every_posting_once_despite_a_kill_and_a_dropped_push(
    served: SandboxServer, tmp_path: Path
) -> None:
    receiver = Receiver(tmp_path, served.url)
    receiver.start()
    ozon = OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=served.url, retry=RetryPolicy(max_retries=0))

    def fbs_postings() -> list[dict[str, Any]]:
        body = {"filter": {**EVERYTHING, "warehouse_ids": [str(FBS_WAREHOUSE)]}}
        return list(ozon.iter_items("/v4/posting/fbs/list", body))

    def all_handled() -> bool:
        postings = fbs_postings()
        seen = {number for kind, number, _ in receiver.handled() if kind == "TYPE_NEW_POSTING"}
        waiting = [p for p in postings if p["status"] == "awaiting_packaging"]
        return bool(postings) and not waiting and {p["posting_number"] for p in postings} <= seen

    try:
        subscribed = httpx.post(
            f"{served.url}/v1/notification/set",
            json={
                "url": receiver.url,
                "types": ["TYPE_NEW_POSTING", "TYPE_POSTING_CANCELLED", "TYPE_STATE_CHANGED"],
            },
            headers=AUTH,
            timeout=30,
        )
        assert subscribed.status_code == 200, subscribed.text
        admin(served, "buyers", {"orders_per_day": 60, "seed": 7, "fbo_share": 0})

        # morning: orders pushed, handled, shipped
        admin(served, "clock", {"advance": "6h"})
        wait_for(all_handled, "the morning's postings shipped")
        first = len(fbs_postings())

        # the receiver dies (SIGKILL) while the buyers go on: the pushes fail, Ozon's resends fill the gap.
        # It is killed between two deliveries (none in flight): a kill while a handler runs makes that
        # one event come again (at least once, test_webhooks_receiver.py), which is not this test's point
        wait_for(lambda: receiver.pending() == 0, "no delivery in flight")
        receiver.kill()
        admin(served, "clock", {"advance": "6h"})
        wait_for(
            lambda: any(
                a["status"] is None for p in admin(served, "push")["recent"] for a in p.get("attempts", [])
            ),
            "a push that found the receiver down",
        )
        receiver.start()
        admin(served, "clock", {"advance": "30m"})  # the resends come due
        wait_for(all_handled, "the postings of the outage shipped after the restart")
        second = len(fbs_postings())
        assert second > first

        # one new-posting push is dropped on purpose: catch-up finds its posting
        admin(served, "faults", {"push": "drop", "times": 1, "types": ["TYPE_NEW_POSTING"]})
        before = {number for kind, number, _ in receiver.handled() if kind == "TYPE_NEW_POSTING"}
        admin(served, "clock", {"advance": "12h"})
        wait_for(
            lambda: (
                len({p["posting_number"] for p in fbs_postings()} - before)
                == len({n for k, n, _ in receiver.handled() if k == "TYPE_NEW_POSTING"} - before) + 1
            ),
            "every new posting but the dropped one handled",
        )
        missing = {p["posting_number"] for p in fbs_postings()} - {
            n for k, n, _ in receiver.handled() if k == "TYPE_NEW_POSTING"
        }
        assert len(missing) == 1  # the dropped push's posting, still awaiting packaging
        done = receiver.catch_up(served.url)
        assert done.returncode == 0, done.stderr
        wait_for(all_handled, "the dropped push's posting shipped after catch-up")
        # the shipments' own pushes (state changes) come after the last handled posting: the run
        # ends once the sandbox has sent every push and the receiver has delivered every event
        wait_for(
            lambda: admin(served, "push")["pushes"].get("pending", 0) == 0 and receiver.pending() == 0,
            "every push sent and every event delivered",
        )
    finally:
        receiver.kill()
        ozon.close()

    assert receiver.pending() == 0
    assert " failed" not in receiver.log.read_text()  # no delivery had to be retried
    calls = receiver.handled()
    keys = Counter(key for _, _, key in calls)
    assert [k for k, n in keys.items() if n > 1] == []  # every event reached the handler once
    postings = fbs_postings_after = [
        p
        for p in OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=served.url).iter_items(
            "/v4/posting/fbs/list", {"filter": {**EVERYTHING, "warehouse_ids": [str(FBS_WAREHOUSE)]}}
        )
    ]
    assert len(postings) >= 10, len(postings)
    assert next(iter(missing)) in {n for k, n, _ in calls if k == "TYPE_NEW_POSTING"}  # caught up
    assert not [p for p in fbs_postings_after if p["status"] == "awaiting_packaging"]
    shipped = Counter(p["status"] for p in postings)
    assert (
        shipped["awaiting_deliver"] + shipped["delivering"] + shipped["delivered"]
        >= len(postings) - shipped["cancelled"]
    ), shipped
    assert json.dumps(calls).count(DEMO_API_KEY) == 0
