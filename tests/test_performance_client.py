"""The Performance API's clients against a fake server that checks each request against the layer
(`tests/perf_fake.py`): every operation as a typed method on both clients, the bearer token (one
per lifetime, renewed once when revoked, one purchase for concurrent calls), reports split and
merged, file answers read into rows, and secrets kept out of reprs, errors and logs."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import math
import threading
import zipfile
from typing import Any

import pytest
from perf_fake import (
    CLIENT_ID,
    SECRET,
    TOKEN_PREFIX,
    AsyncFakeTransport,
    FakePerformance,
    FakeTransport,
    day_rows,
)

from oint.apis.performance import spec
from oint.apis.performance.client import PERFORMANCE_BASE_URL
from oint.core.layer import Operation
from oint.performance import (
    AsyncPerformanceClient,
    AuthenticationError,
    PerformanceClient,
    UsageError,
    Waiting,
    plan,
    rows,
)

FAST = Waiting(first=0.0, factor=1.0, most=0.0, give_up=10.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def sample(node: dict[str, Any], depth: int = 0) -> Any:
    """A valid value of a schema node: every field filled where it is an object."""
    node = spec.LAYER.resolve(node)
    kind = node.get("type")
    if "anyOf" in node:
        return sample(node["anyOf"][0], depth)
    if kind == "array":
        return [sample(node.get("items", {}), depth + 1)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "object" or "properties" in node:
        if depth > 3:
            return {}
        return {k: sample(v, depth + 1) for k, v in node.get("properties", {}).items()}
    return "1"


def fields_of(op: Operation) -> dict[str, Any] | None:
    if op.request is None:
        return None
    return {k: sample(v) for k, v in spec.LAYER.schema(op.request).get("properties", {}).items()}


def sync_client(server: FakePerformance, **options: Any) -> PerformanceClient:
    return PerformanceClient(CLIENT_ID, SECRET, transport=FakeTransport(server), **options)


def async_client(server: FakePerformance, **options: Any) -> AsyncPerformanceClient:
    return AsyncPerformanceClient(CLIENT_ID, SECRET, transport=AsyncFakeTransport(server), **options)


def test_the_host_is_the_layers() -> None:
    assert spec.base_url() == PERFORMANCE_BASE_URL
    assert PerformanceClient(CLIENT_ID, SECRET).base_url == PERFORMANCE_BASE_URL


def test_every_operation_is_a_typed_method_of_the_sync_client() -> None:
    server = FakePerformance()
    client = sync_client(server)
    for op in spec.operations().values():
        method = getattr(client, op.name)
        args = [f"{p}-1" for p in op.path_params]
        fields = fields_of(op)
        answer = method(*args, fields) if fields is not None else method(*args)
        method_sent, template, query, body = server.calls[-1]
        assert (method_sent, template) == (op.method, op.path), op.name
        if op.method == "GET":
            assert set(query) == set(fields or {}), op.name  # every field went in the query string
        else:
            assert body == (fields or {}), op.name
        if op.file:
            assert isinstance(answer, bytes)
    assert len(server.calls) == 48 and len(server.token_times) == 1


def test_every_operation_is_a_typed_method_of_the_async_client() -> None:
    server = FakePerformance()

    async def run() -> None:
        async with async_client(server) as client:
            for op in spec.operations().values():
                args = [f"{p}-1" for p in op.path_params]
                fields = fields_of(op)
                method = getattr(client, op.name)
                await (method(*args, fields) if fields is not None else method(*args))
                assert server.calls[-1][:2] == (op.method, op.path), op.name

    asyncio.run(run())
    assert len(server.calls) == 48 and len(server.token_times) == 1


def test_path_parameters_by_keyword_and_paging() -> None:
    server = FakePerformance()
    client = sync_client(server)
    client.activate_campaign(campaign_id=77)
    assert server.calls[-1][:2] == ("POST", "/api/client/campaign/{campaignId}/activate")
    client.call("PUT /api/client/campaign/{campaignId}/products", {"bids": []}, campaignId=5)
    assert server.calls[-1][:2] == ("PUT", "/api/client/campaign/{campaignId}/products")
    items = list(client.iter_list_campaigns({"campaignIds": ["11"]}))
    assert items == [{"id": "11", "dailyBudget": "500000000"}]
    assert server.calls[-1][2] == {"campaignIds": ["11"], "page": ["1"], "pageSize": ["100"]}
    with pytest.raises(UsageError):
        client.call("/api/client/campaign/{campaignId}/products", {})  # two verbs: which?


def test_a_thousand_calls_over_several_lifetimes_buy_one_token_per_lifetime() -> None:
    clock = Clock()
    server = FakePerformance(lifetime=60.0, clock=clock)
    client = sync_client(server, clock=clock)
    for _ in range(1000):
        client.list_bid_limits()
        clock.now += 0.6  # 600 s in all: ten lifetimes
    renew_every = 60.0 - min(60.0, 60.0 / 30)  # a thirtieth of the lifetime early
    assert len(server.token_times) == math.ceil(600 / renew_every) == client.tokens_fetched == 11
    gaps = [b - a for a, b in zip(server.token_times, server.token_times[1:], strict=False)]
    assert all(renew_every <= gap < renew_every + 0.61 for gap in gaps), gaps
    assert server.unauthorized == 0


def test_the_real_lifetime_renews_a_minute_early() -> None:
    clock = Clock()
    server = FakePerformance(lifetime=1800.0, clock=clock)
    client = sync_client(server, clock=clock)
    client.list_bid_limits()
    clock.now += 1739
    client.list_bid_limits()
    assert len(server.token_times) == 1
    clock.now += 1
    client.list_bid_limits()
    assert len(server.token_times) == 2


def test_a_revoked_token_is_renewed_once_transparently() -> None:
    server = FakePerformance()
    client = sync_client(server)
    for i in range(100):
        if i == 50:
            server.revoke()
        assert client.list_campaigns() == {"list": [{"id": "11", "dailyBudget": "500000000"}]}
    assert len(server.token_times) == 2 and server.unauthorized == 1


def test_a_token_refused_twice_is_an_error_not_a_loop() -> None:
    server = FakePerformance()
    client = sync_client(server)
    client.list_campaigns()
    server.lifetime = -1.0  # every token now expires at once
    server.revoke()
    with pytest.raises(AuthenticationError):
        client.list_campaigns()
    assert server.unauthorized == 2 and len(server.token_times) == 2


def test_concurrent_threads_share_one_token_purchase() -> None:
    server = FakePerformance()
    server.token_delay = 0.05
    client = sync_client(server)
    barrier = threading.Barrier(16)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                client.list_bid_limits()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(server.calls) == 80
    assert len(server.token_times) == 1


def test_concurrent_tasks_share_one_token_purchase() -> None:
    server = FakePerformance()
    server.token_delay = 0.05

    async def run() -> None:
        async with async_client(server) as client:
            await asyncio.gather(*(client.list_bid_limits() for _ in range(30)))

    asyncio.run(run())
    assert len(server.calls) == 30 and len(server.token_times) == 1


def test_a_long_request_is_split_at_ozons_limits() -> None:
    campaigns = [str(100 + i) for i in range(15)]
    parts = plan(campaigns, "2026-01-01", "2026-03-31")  # 90 days, 15 campaigns
    assert len(parts) == 4
    assert all(len(p.campaigns) <= 10 and (p.date_to - p.date_from).days + 1 <= 62 for p in parts)
    covered = {
        (c, p.date_from + dt.timedelta(days=d))
        for p in parts
        for c in p.campaigns
        for d in range((p.date_to - p.date_from).days + 1)
    }
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=d) for d in range(90)]
    assert covered == {(c, d) for c in campaigns for d in days}
    assert sum(len(p.campaigns) * ((p.date_to - p.date_from).days + 1) for p in parts) == 15 * 90
    with pytest.raises(UsageError):
        plan([], "2026-01-01", "2026-01-02")
    with pytest.raises(UsageError):
        plan(["1"], "2026-01-02", "2026-01-01")
    with pytest.raises(UsageError):
        plan(["1"], "2026-13-01", "2026-01-01")


def expected_rows(campaigns: list[str], first: dt.date, last: dt.date) -> set[tuple[str, str, str, str]]:
    out = set()
    day = first
    while day <= last:
        out |= {day_rows(c, day) for c in campaigns}
        day += dt.timedelta(days=1)
    return out


def as_tuples(found: list[dict[str, str]]) -> list[tuple[str, str, str, str]]:
    return [(r["Дата"], r["campaign_id"], r["Показы"], r["Расход, ₽"]) for r in found]


def test_report_of_90_days_and_15_campaigns_merges_four_reports() -> None:
    server = FakePerformance(polls=3)
    client = sync_client(server)
    campaigns = [str(100 + i) for i in range(15)]
    seen: list[tuple[int, int, str]] = []
    found = client.report(
        campaigns, "2026-01-01", "2026-03-31", waiting=FAST, progress=lambda *a: seen.append(a)
    )
    tuples = as_tuples(found)
    assert len(tuples) == len(set(tuples)) == 15 * 90  # no totals line, nothing twice
    assert set(tuples) == expected_rows(campaigns, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert len(server.reports) == 4 and server.preparing_most == 1 and server.refused == 0
    assert seen[0] == (0, 4, "IN_PROGRESS") and seen[-1] == (4, 4, "OK")


def test_two_threads_of_one_account_never_have_two_reports_in_preparation() -> None:
    server = FakePerformance(polls=4)
    found: list[list[dict[str, str]]] = []

    def work(campaign: str) -> None:
        client = sync_client(server)
        found.append(
            client.report([campaign], "2026-01-01", "2026-01-10", waiting=Waiting(0.001, 1.0, 0.001))
        )

    threads = [threading.Thread(target=work, args=(str(200 + i),)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(found) == 4 and all(len(f) == 10 for f in found)
    assert server.refused == 0 and server.preparing_most == 1


def test_async_report_and_tasks_of_one_account_take_turns() -> None:
    server = FakePerformance(polls=3)

    async def run() -> list[list[dict[str, str]]]:
        async with async_client(server) as client:
            return await asyncio.gather(
                *(client.report([str(300 + i)], "2026-02-01", "2026-02-05", waiting=FAST) for i in range(3))
            )

    results = asyncio.run(run())
    assert [len(r) for r in results] == [5, 5, 5]
    assert server.refused == 0 and server.preparing_most == 1


def test_rows_of_a_csv_and_of_a_zip() -> None:
    text = (
        "\ufeffКампания № 42, январь\nДата;Показы;Расход\n2026-01-01;10;1,5\n2026-01-02;3;0\nВсего;13;1,5\n"
    )
    assert rows(text.encode()) == [
        {"Дата": "2026-01-01", "Показы": "10", "Расход": "1,5", "campaign_id": "42"},
        {"Дата": "2026-01-02", "Показы": "3", "Расход": "0", "campaign_id": "42"},
        {"Дата": "Всего", "Показы": "13", "Расход": "1,5", "campaign_id": "42"},
    ]
    assert len(rows(text.encode(), totals=False)) == 2
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("777.csv", "date,views\n2026-01-01,5\n")
        archive.writestr("778.csv", "date,views\n2026-01-01,6\n")
    assert rows(out.getvalue()) == [
        {"date": "2026-01-01", "views": "5", "campaign_id": "777"},
        {"date": "2026-01-01", "views": "6", "campaign_id": "778"},
    ]
    with pytest.raises(ValueError):
        rows(b"PK\x03\x04 broken")
    with pytest.raises(ValueError):
        rows(b"\xff\xfe\x00")


def test_credentials_from_the_environment_and_their_absence(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OZON_PERFORMANCE_CLIENT_ID", "OZON_PERFORMANCE_CLIENT_SECRET", "OINT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(UsageError, match="client_id and client_secret are required") as caught:
        PerformanceClient()
    assert "OZON_PERFORMANCE_CLIENT_SECRET" in str(caught.value)
    monkeypatch.setenv("OZON_PERFORMANCE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("OZON_PERFORMANCE_CLIENT_SECRET", SECRET)
    server = FakePerformance()
    client = PerformanceClient(transport=FakeTransport(server))
    client.list_bid_limits()
    assert len(server.token_times) == 1


def test_secrets_never_show(caplog: pytest.LogCaptureFixture) -> None:
    server = FakePerformance()
    caplog.set_level(logging.DEBUG)
    client = sync_client(server, debug=True)
    client.list_campaigns()
    client.download_report({"UUID": "x"})
    shown = [repr(client), str(client), repr(client._bearer), caplog.text]
    bad = PerformanceClient(CLIENT_ID, SECRET + "-wrong", transport=FakeTransport(server), debug=True)
    with pytest.raises(AuthenticationError) as caught:
        bad.list_campaigns()
    shown += [str(caught.value), repr(caught.value), repr(bad), caplog.text]
    text = "\n".join(shown)
    assert SECRET not in text and TOKEN_PREFIX not in text
    assert "/api/client/token" in caplog.text and '"client_secret":"<redacted>"' in caplog.text
    assert '"access_token": "<redacted>"' in caplog.text
