"""A fake Performance API for the client's tests: a transport (sync and async) that checks every
request against the operation layer (`oint.apis.performance.spec`: verb, path and its parameters,
query fields, body schema) and the bearer token, and answers plausibly: tokens on a clock the test
moves, statistics reports that take a few polls to prepare (one at a time per account: a second
gets 429), CSV for one campaign and a ZIP of CSVs for several."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import json
import re
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from oint.apis.performance import spec
from oint.core.layer import Operation
from oint.core.transport.base import RawResponse

CLIENT_ID = "1-2@advertising.performance.ozon.ru"
SECRET = "CANARY-SECRET-7f3a"  # must never show anywhere
TOKEN_PREFIX = "CANARY-TOKEN-"


def day_rows(campaign: str, day: dt.date) -> tuple[str, str, str, str]:
    """The statistics the fake gives a campaign on a day: (date, campaign, views, spend)."""
    n = (int(campaign) * 7 + day.toordinal()) % 97
    return (day.isoformat(), campaign, str(n * 10), f"{n * 1.5:.2f}")


def csv_of(campaign: str, first: dt.date, last: dt.date) -> bytes:
    lines = [
        f"Статистика по кампании № {campaign}, {first:%d.%m.%Y}-{last:%d.%m.%Y}",
        "Дата;Показы;Расход, ₽",
    ]
    views = 0
    day = first
    while day <= last:
        date, _, shown, spend = day_rows(campaign, day)
        lines.append(f"{date};{shown};{spend}")
        views += int(shown)
        day += dt.timedelta(days=1)
    lines.append(f"Всего;{views};")
    return ("\ufeff" + "\n".join(lines) + "\n").encode()


class FakePerformance:
    """The server's state, shared by the sync and async transports."""

    base_url = "https://perf.test"

    def __init__(self, lifetime: float = 1800.0, clock: Any = None, polls: int = 2) -> None:
        self.lifetime = lifetime
        self.clock = clock or time.monotonic
        self.polls = polls  # state requests before a report is ready
        self.token_delay = 0.0  # seconds the token endpoint takes (races)
        self.tokens: dict[str, float] = {}  # token -> expiry
        self.token_times: list[float] = []
        self.calls: list[tuple[str, str, dict[str, list[str]], Any]] = []  # (method, template, query, body)
        self.unauthorized = 0
        self.reports: dict[str, dict[str, Any]] = {}
        self.preparing_most = 0
        self.refused = 0
        self.lock = threading.Lock()
        self.templates = [
            (re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(op.path)) + "$"), op)
            for op in spec.operations().values()
        ]

    # -- the checks
    def operation(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        for pattern, op in self.templates:
            found = pattern.match(path)
            if found and op.method == method:
                return op, dict(zip(op.path_params, found.groups(), strict=True))
        raise AssertionError(f"no operation {method} {path}")

    def revoke(self) -> None:
        self.tokens.clear()

    def preparing(self) -> int:
        return sum(1 for r in self.reports.values() if r["polls"] < self.polls)

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes | None) -> RawResponse:
        parts = urlsplit(target)
        query = parse_qs(parts.query, keep_blank_values=True)
        payload = json.loads(body) if body else None
        if parts.path == spec.token_rules().path:
            return self.token(method, headers, payload)
        auth = headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        with self.lock:
            expiry = self.tokens.get(token)
            if not auth.startswith("Bearer ") or expiry is None or self.clock() >= expiry:
                self.unauthorized += 1
                return json_answer(401, {"error": "unauthorized"})
        assert "Api-Key" not in headers and "Client-Id" not in headers
        op, params = self.operation(method, parts.path)
        for value in params.values():
            assert value and "{" not in value, target
        assert set(query) <= set(op.query), (target, op.query)
        if op.method == "GET":
            assert payload is None, target
            fields: dict[str, Any] = {k: v if len(v) > 1 else v[0] for k, v in query.items()}
            problem = None if not fields else spec.operation_problem(op.key, _typed(op, query))
        else:
            assert not query, target
            fields = payload if payload is not None else {}
            problem = spec.operation_problem(op.key, fields)
        assert problem is None, (target, problem)
        self.calls.append((method, op.path, query, payload))
        return self.respond(op, params, query, payload or {})

    def token(self, method: str, headers: dict[str, str], payload: Any) -> RawResponse:
        assert method == "POST" and "Authorization" not in headers
        if self.token_delay:
            time.sleep(self.token_delay)
        ok = payload == {"client_id": CLIENT_ID, "client_secret": SECRET, "grant_type": "client_credentials"}
        if not ok:
            return json_answer(401, {"error": "invalid_client", "error_description": "bad credentials"})
        with self.lock:
            number = len(self.token_times) + 1
            now = self.clock()
            self.token_times.append(now)
            token = f"{TOKEN_PREFIX}{number}"
            self.tokens[token] = now + self.lifetime
        return json_answer(200, {"access_token": token, "expires_in": self.lifetime, "token_type": "Bearer"})

    def respond(
        self, op: Operation, params: dict[str, str], query: dict[str, list[str]], body: Any
    ) -> RawResponse:
        if op.name == "submit_statistics":
            with self.lock:
                if self.preparing():
                    self.refused += 1
                    return json_answer(429, {"error": "one report at a time"})
                uuid = f"r{len(self.reports) + 1}"
                self.reports[uuid] = {"polls": 0, "body": body}
                self.preparing_most = max(self.preparing_most, self.preparing())
            return json_answer(200, {"UUID": uuid})
        uuid = params.get("UUID") or (query.get("UUID") or [""])[0]
        if op.name in ("report_state", "download_report") and uuid not in self.reports:
            return json_answer(200, {"state": "OK"}) if not op.file else self.respond_file(op)
        if op.name == "report_state":
            report = self.reports[params["UUID"]]
            report["polls"] += 1
            state = "OK" if report["polls"] >= self.polls else "IN_PROGRESS"
            return json_answer(200, {"UUID": params["UUID"], "state": state})
        if op.name == "download_report":
            report = self.reports[query["UUID"][0]]
            campaigns = report["body"]["campaigns"]
            first = dt.date.fromisoformat(report["body"]["dateFrom"])
            last = dt.date.fromisoformat(report["body"]["dateTo"])
            if len(campaigns) == 1:
                return RawResponse(200, {"content-type": "text/csv"}, csv_of(campaigns[0], first, last))
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as archive:
                for campaign in campaigns:
                    archive.writestr(f"{campaign}.csv", csv_of(campaign, first, last))
            return RawResponse(200, {"content-type": "application/zip"}, out.getvalue())
        if op.file:
            return self.respond_file(op)
        if op.name == "list_campaigns":
            return json_answer(200, {"list": [{"id": "11", "dailyBudget": "500000000"}]})
        return json_answer(200, {})

    @staticmethod
    def respond_file(op: Operation) -> RawResponse:
        return RawResponse(200, {"content-type": op.file or "text/csv"}, b"a;b\n1;2\n")


def _typed(op: Operation, query: dict[str, list[str]]) -> dict[str, Any]:
    """Query values as the request schema types them (the schema is of JSON fields)."""
    props = spec.LAYER.schema(op.request).get("properties", {}) if op.request else {}
    out: dict[str, Any] = {}
    for name, values in query.items():
        kind = spec.LAYER.resolve(props.get(name, {})).get("type")
        if kind == "array":
            out[name] = values
        elif kind == "integer":
            out[name] = int(values[0])
        elif kind == "number":
            out[name] = float(values[0])
        elif kind == "boolean":
            out[name] = values[0] == "true"
        else:
            out[name] = values[0]
    return out


def json_answer(status: int, doc: Any) -> RawResponse:
    return RawResponse(status, {"content-type": "application/json"}, json.dumps(doc).encode())


class FakeTransport:
    def __init__(self, server: FakePerformance) -> None:
        self.server = server
        self.base_url = server.base_url

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        return self.server.answer(method, path, headers, body)

    def close(self) -> None:
        pass


class AsyncFakeTransport:
    def __init__(self, server: FakePerformance) -> None:
        self.server = server
        self.base_url = server.base_url

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        if path.startswith(spec.token_rules().path) and self.server.token_delay:
            await asyncio.sleep(self.server.token_delay)  # the other tasks run meanwhile
            delay, self.server.token_delay = self.server.token_delay, 0.0
            try:
                return self.server.answer(method, path, headers, body)
            finally:
                self.server.token_delay = delay
        await asyncio.sleep(0)
        return self.server.answer(method, path, headers, body)

    async def aclose(self) -> None:
        pass


class Served:
    """The fake on a local HTTP server: `url` to give `--base-url`."""

    def __init__(self, fake: FakePerformance, url: str) -> None:
        self.fake = fake
        self.url = url


@contextlib.contextmanager
def serve_http(fake: FakePerformance) -> Iterator[Served]:
    """Serve `fake` over HTTP on a free port of 127.0.0.1 while the block runs. A request the layer
    does not allow is answered 599 with the reason (and the test's check of `calls` sees it missing)."""

    class Handler(BaseHTTPRequestHandler):
        def handle_one(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = dict(self.headers.items())
            try:
                raw = fake.answer(self.command, self.path, headers, body)
            except AssertionError as e:
                raw = json_answer(599, {"error": str(e)})
            self.send_response(raw.status)
            for name, value in raw.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw.content)))
            self.end_headers()
            self.wfile.write(raw.content)

        do_GET = do_POST = do_PUT = do_PATCH = handle_one

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(fake, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
