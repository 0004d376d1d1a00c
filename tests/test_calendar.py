"""The calendar of Ozon's switch-offs (facts §10.1, issue 16): each operation is recorded in the
operation layer with its date and successor, and the sandbox plays it: dated the day before, the
operation answers as it always did; dated its switch-off day or later (today, 2026-12-07), Ozon's
410 `obsolete method cannot be used`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID

from oint.apis.seller import spec
from oint.sandbox.core import Sandbox

TODAY = "2026-12-07"  # the day facts §10.1 was written: every switch-off below had come
HEADERS = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY, "Content-Type": "application/json"}
EARLY = "2025-06-01"  # before Ozon switched off any of them
OBSOLETE = {"code": 12, "message": "obsolete method cannot be used", "details": []}
SINCE = {"since": "2025-01-01T00:00:00Z", "to": "2026-12-31T00:00:00Z"}

# facts §10.1: operation -> (switch-off date, successor); where two sources disagree, the later date
CALENDAR = {
    "/v3/posting/fbs/list": ("2026-08-31", "/v4/posting/fbs/list"),
    "/v3/posting/fbs/unfulfilled/list": ("2026-08-31", "/v4/posting/fbs/unfulfilled/list"),
    "/v2/posting/fbo/list": ("2026-08-31", "/v3/posting/fbo/list"),
    "/v2/posting/fbs/act/create": ("2026-09-07", "/v1/carriage/create"),
    "/v3/finance/transaction/list": ("2026-09-08", "/v1/finance/accrual/by-day"),
    "/v3/finance/transaction/totals": ("2026-09-08", "/v1/finance/accrual/by-day"),
    "/v1/posting/fbs/package-label/create": ("2026-11-02", "/v3/posting/fbs/package-label/create"),
    "/v1/posting/fbs/package-label/get": ("2026-11-02", "/v2/posting/fbs/package-label/get"),
    "/v2/posting/fbs/package-label": ("2026-11-02", "/v3/posting/fbs/package-label/create"),
    "/v2/posting/fbs/package-label/create": ("2026-11-02", "/v3/posting/fbs/package-label/create"),
    "/v1/product/info/stocks-by-warehouse/fbs": ("2026-04-07", "/v2/product/info/stocks-by-warehouse/fbs"),
}


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox(":memory:", api_date=EARLY, rate_limits=False)
    yield sandbox
    sandbox.close()


def send(box: Sandbox, path: str, body: dict[str, Any], day: str) -> tuple[int, Any]:
    dated = box.handle(
        "POST",
        "/__sandbox/api-date",
        {"Content-Type": "application/json"},
        json.dumps({"date": day}).encode(),
    )
    assert dated.status == 200 and json.loads(dated.body)["api_date"] == day
    answer = box.handle("POST", path, HEADERS, json.dumps(body).encode())
    return answer.status, json.loads(answer.body)


MONTH = {"from": "2026-01-01T00:00:00Z", "to": "2026-01-31T00:00:00Z"}
# a valid request for each (the answer may be Ozon's "not found" for what the demo account lacks)
BODIES: dict[str, dict[str, Any]] = {
    "/v3/posting/fbs/list": {"filter": SINCE, "limit": 10, "offset": 0},
    "/v3/posting/fbs/unfulfilled/list": {
        "filter": {"cutoff_from": "2025-01-01T00:00:00Z", "cutoff_to": "2027-12-31T00:00:00Z"},
        "limit": 10,
        "offset": 0,
    },
    "/v2/posting/fbo/list": {"filter": SINCE, "limit": 10},
    "/v2/posting/fbs/act/create": {"delivery_method_id": 1},
    "/v3/finance/transaction/list": {"filter": {"date": MONTH}, "page": 1, "page_size": 10},
    "/v3/finance/transaction/totals": {"date": MONTH},
    "/v1/posting/fbs/package-label/create": {"posting_number": ["1-1-1"]},
    "/v1/posting/fbs/package-label/get": {"task_id": 1},
    "/v2/posting/fbs/package-label": {"posting_number": ["1-1-1"]},
    "/v2/posting/fbs/package-label/create": {"posting_number": ["1-1-1"]},
    "/v1/product/info/stocks-by-warehouse/fbs": {"sku": [1626044001]},
}


def shape(status: int, answer: Any) -> tuple[int, Any]:
    """What must be the same as before: the status and, for a success, the answer's fields (task
    ids and times move on), for an error, the whole error."""
    if status == 200 and isinstance(answer, dict):
        result = answer.get("result")
        return status, (sorted(answer), sorted(result) if isinstance(result, dict) else type(result).__name__)
    return status, answer


def test_the_layer_records_every_switch_off_of_the_calendar() -> None:
    for path, (date, successor) in CALENDAR.items():
        op = spec.operation(path)
        assert (op.retired, op.successor) == (date, successor), path
        assert op.retired_on(dt.date.fromisoformat(TODAY))
        assert not op.retired_on(dt.date.fromisoformat(date) - dt.timedelta(days=1))


@pytest.mark.parametrize("path", list(CALENDAR))
def test_the_day_before_it_answers_and_from_its_day_on_410(box: Sandbox, path: str) -> None:
    body = BODIES[path]
    date = dt.date.fromisoformat(CALENDAR[path][0])
    before = (date - dt.timedelta(days=1)).isoformat()
    early = shape(*send(box, path, body, EARLY))
    assert early[0] != 410
    assert shape(*send(box, path, body, before)) == early, (path, before)
    for day in (date.isoformat(), TODAY):
        status, answer = send(box, path, body, day)
        assert (status, answer) == (410, OBSOLETE), (path, day)
    # the successor is served on the same day
    assert not spec.operation(CALENDAR[path][1]).retired_on(dt.date.fromisoformat(TODAY))


@pytest.mark.parametrize("day", ["2026-08-30", TODAY])
def test_the_cli_says_it_once_in_one_warning_line(run_cli: Any, sandbox_db: str, day: str) -> None:
    """A switched-off operation called by name from the CLI: one `oint: warning:` line with its date
    and successor (then Ozon's 410), on the sandbox's host as on Ozon's; nothing the day before."""
    body = json.dumps(BODIES["/v3/posting/fbs/list"])
    dated = {"OINT_SANDBOX_API_DATE": day}
    r = run_cli("ozon", "v3_posting_fbs_list", "--body", body, "--sandbox", env=dated)
    warned = [line for line in r.err.splitlines() if line.startswith("oint: warning:")]
    if day == TODAY:
        assert r.code == 1 and json.loads(r.out) == OBSOLETE, (r.out, r.err)
        assert warned == [
            "oint: warning: POST /v3/posting/fbs/list was switched off by Ozon on 2026-08-31; "
            "its successor is /v4/posting/fbs/list"
        ]
    else:
        assert r.code == 0 and "postings" in json.loads(r.out)["result"], r.err
        assert warned == []


def test_the_async_client_warns_too(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    import warnings

    import oint.core.client as base_client
    from oint.core.errors import GoneError, RetiredEndpointWarning
    from oint.ozon import AsyncOzonClient
    from oint.sandbox.transport import AsyncSandboxTransport

    monkeypatch.setattr(base_client, "_WARNED_RETIRED", set())

    async def call(day: str) -> None:
        box = Sandbox(":memory:", api_date=day, rate_limits=False)
        transport = AsyncSandboxTransport(sandbox=box, owned=True)
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, transport=transport) as ozon:
            await ozon.call("/v3/finance/transaction/totals", BODIES["/v3/finance/transaction/totals"])

    with warnings.catch_warnings():
        warnings.simplefilter("error", RetiredEndpointWarning)
        asyncio.run(call("2026-09-07"))  # the day before: no warning
    with pytest.warns(
        RetiredEndpointWarning, match=r"2026-09-08; its successor is /v1/finance/accrual/by-day"
    ):
        with pytest.raises(GoneError):
            asyncio.run(call(TODAY))
