"""The living marketplace driven like a seller would, for the tests and the benchmark.

`Market` is an in-process sandbox on a test clock (`Sandbox(clock=...)`, whose sandbox clock the
admin route moves) with the demo account's client. `run_week(...)` loads products with FBS
stock, lets buyers order for a simulated week and ships every posting through the library on
today's API (exemplars of marked products, label tasks and their PDF files, carriages and their
acts), moving rFBS postings on itself.
`pdf_pages(data)` checks that a file is a PDF whose cross-reference table is right.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from conftest import DEMO_CLIENT_ID, Clock, sandbox_client

from oint.core.errors import APIStatusError
from oint.ozon import OzonClient
from oint.sandbox.core import Sandbox
from oint.sandbox.seed import seed_catalogue

START = 1_790_000_000.0  # 2026-09-21T14:13:20Z
# the API the market plays: today's (the sandbox's default), on the successors of the operations
# Ozon switched off in August-November 2026 (v4 FBS lists, v3 label tasks, carriages)
API_DATE = "2026-12-07"
FBS_WAREHOUSE = 1020005000050693
RFBS_WAREHOUSE = 1020005000050694
EVERYTHING = {"since": "2026-06-01T00:00:00Z", "to": "2027-05-31T00:00:00Z"}
MARK = "0104601234567890215Abc123"  # 01 + GTIN-14, 21 + serial


@dataclass
class Market:
    sandbox: Sandbox
    client: OzonClient
    clock: Clock
    shipped: list[str] = field(default_factory=list)
    labels: list[bytes] = field(default_factory=list)
    acts: list[bytes] = field(default_factory=list)

    def admin(self, method: str, action: str, body: Any = None) -> Any:
        response = self.sandbox.handle(method, f"/__sandbox/{action}", {}, json.dumps(body or {}).encode())
        assert response.status == 200, response.body
        return json.loads(response.body)

    def advance(self, duration: str) -> Any:
        return self.admin("POST", "clock", {"advance": duration})

    def postings(self, **flt: Any) -> list[dict[str, Any]]:
        body = {"filter": {**EVERYTHING, **flt}, "with": {"analytics_data": True, "financial_data": True}}
        return list(self.client.iter_items("/v4/posting/fbs/list", body))

    def ship_waiting(self) -> None:
        """Every posting to be packed: marks set where needed, shipped (two packages when it has two
        units or more, every fifth), labels downloaded; rFBS postings moved on by the seller."""
        waiting = self.postings(statuses=["awaiting_packaging"])
        for n, posting in enumerate(waiting):
            number = posting["posting_number"]
            if posting["requirements"]["products_requiring_mandatory_mark"]:
                self.set_marks(number)
            lines = [{"product_id": p["sku"], "quantity": p["quantity"]} for p in posting["products"]]
            units = [
                {"product_id": p["sku"], "quantity": 1}
                for p in posting["products"]
                for _ in range(p["quantity"])
            ]
            packages = [{"products": lines}]
            if len(units) >= 2 and n % 5 == 0:
                packages = [{"products": units[:1]}, {"products": units[1:]}]
            answer = self.client.call(
                "/v4/posting/fbs/ship", {"posting_number": number, "packages": packages}
            )
            self.shipped += answer["result"]
        if waiting:
            numbers = [p["posting_number"] for p in self.postings(statuses=["awaiting_deliver"])][:20]
            if numbers:
                self.labels.append(self.label(numbers))
        for posting in self.postings(
            statuses=["awaiting_deliver", "delivering"], warehouse_ids=[str(RFBS_WAREHOUSE)]
        ):
            number = posting["posting_number"]
            if posting["status"] == "awaiting_deliver":
                track = {
                    "tracking_numbers": [{"posting_number": number, "tracking_number": f"RP{number[-6:]}"}]
                }
                self.client.call("/v2/fbs/posting/tracking-number/set", track)
                self.client.call("/v2/fbs/posting/delivering", {"posting_number": [number]})
            else:
                self.client.call("/v2/fbs/posting/delivered", {"posting_number": [number]})

    def label(self, numbers: list[str]) -> bytes:
        """The labels of packed postings as a PDF: a task (`/v3/posting/fbs/package-label/create`),
        ready seconds later (`/v2/posting/fbs/package-label/get`), its file downloaded."""
        tasks = self.client.call("/v3/posting/fbs/package-label/create", {"posting_numbers": numbers})
        task = next(t["task_id"] for t in tasks["tasks"] if t["task_type"] == "big_label")
        self.advance("10s")
        done = self.client.call("/v2/posting/fbs/package-label/get", {"task_id": task})
        assert done["status"]["code"] == "completed", done
        fetched = self.sandbox.handle("GET", done["file_url"].removeprefix("sandbox:"), {}, b"")
        assert fetched.status == 200, fetched.body
        return fetched.body

    def set_marks(self, number: str) -> None:
        got = self.client.call("/v6/fbs/posting/product/exemplar/create-or-get", {"posting_number": number})
        products = [
            {
                "product_id": p["product_id"],
                "exemplars": [
                    {
                        "exemplar_id": e["exemplar_id"],
                        "marks": [{"mark": MARK, "mark_type": "mandatory_mark"}],
                    }
                    for e in p["exemplars"]
                ],
            }
            for p in got["products"]
            if p["is_mandatory_mark_needed"]
        ]
        self.client.call(
            "/v6/fbs/posting/product/exemplar/set", {"posting_number": number, "products": products}
        )
        status = self.client.call("/v5/fbs/posting/product/exemplar/status", {"posting_number": number})
        assert status["status"] == "ship_available", status

    def hand_over(self) -> None:
        """A carriage for each delivery method with postings waiting for the courier
        (`/v1/carriage/create`), approved (`/v1/carriage/approve`), its act downloaded once formed."""
        methods = {p["delivery_method"]["id"] for p in self.postings(statuses=["awaiting_deliver"])}
        for method in sorted(methods):
            try:
                carriage = self.client.call("/v1/carriage/create", {"delivery_method_id": method})
            except APIStatusError:  # rFBS methods or postings in a carriage already: nothing to hand over
                continue
            number = carriage["carriage_id"]
            self.client.call("/v1/carriage/approve", {"carriage_id": number, "containers_count": 1})
            self.advance("1m")
            self.acts.append(self.client.call("/v2/posting/fbs/act/get-pdf", {"id": number}))


def market(clock: Clock | None = None, db: str = ":memory:") -> Iterator[Market]:
    clock = clock or Clock(START)
    sandbox = Sandbox(db, clock=clock, rate_limits=False, api_date=API_DATE)
    with sandbox_client(sandbox) as client:
        yield Market(sandbox, client, clock)
    sandbox.close()


def load_products(m: Market, count: int = 20, stock: int = 30) -> dict[int, int]:
    """`count` products on sale with `stock` units each on the FBS warehouse: {product id: stock}."""
    seed_catalogue(m.sandbox.store, DEMO_CLIENT_ID, count, prefix="LIVE", now=m.sandbox.clock())
    ids = [
        p["product_id"]
        for p in m.client.iter_items("/v3/product/list", {"filter": {"visibility": "ALL"}, "limit": 1000})
        if str(p["offer_id"]).startswith("LIVE-")
    ]
    entries = [{"product_id": pid, "stock": stock, "warehouse_id": FBS_WAREHOUSE} for pid in ids]
    for i in range(0, len(entries), 100):  # Ozon's batch
        answer = m.client.call("/v2/products/stocks", {"stocks": entries[i : i + 100]})
        assert all(r["updated"] for r in answer["result"]), answer
    return {pid: stock for pid in ids}


def run_week(m: Market, orders_per_day: int = 30, seed: int = 11, days: int = 7, step: str = "6h") -> None:
    """Buyers for `days` days; every step the seller ships what waits and hands it over."""
    m.admin("POST", "buyers", {"orders_per_day": orders_per_day, "seed": seed, "fbo_share": 0.1})
    for _ in range(days * 4):
        m.advance(step)
        m.ship_waiting()
        m.hand_over()
    m.admin("POST", "buyers", {"orders_per_day": 0})
    for _ in range(14):  # two more weeks: the last parcels arrive, buyers return, review, write
        m.advance("1d")
        m.ship_waiting()
        m.hand_over()


_OBJ = re.compile(rb"(\d+) 0 obj")


def pdf_pages(data: bytes) -> int:
    """The page count of a PDF after checking its structure: header, the cross-reference table's
    offsets pointing at their objects, a trailer with a root, %%EOF."""
    assert data.startswith(b"%PDF-1."), data[:20]
    assert data.rstrip().endswith(b"%%EOF")
    start = int(data[data.rindex(b"startxref") + 9 :].split()[0])
    assert data[start : start + 4] == b"xref"
    lines = data[start:].split(b"\n")
    count = int(lines[1].split()[1])
    for number, entry in enumerate(lines[2 : 2 + count]):
        offset, _, kind = entry.split()
        if kind == b"n":
            found = _OBJ.match(data, int(offset))
            assert found and int(found.group(1)) == number, (number, offset)
    trailer = data[data.rindex(b"trailer") :]
    assert b"/Root" in trailer and b"/Size %d" % count in trailer
    return len(re.findall(rb"/Type /Page\b", data))
