"""The sandbox's protocol layer: routes, auth, limits, faults and Ozon's error bodies.

`Sandbox.handle(method, path, headers, body)` is everything an HTTP server or an
in-process transport needs; it never touches sockets.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from oint.sandbox import demo
from oint.sandbox.errors import INVALID_ARGUMENT, ApiError, obsolete
from oint.sandbox.model import ROUTES
from oint.sandbox.model.base import BEFORE_REQUEST, Account
from oint.sandbox.store import Store

GLOBAL_RATE = 50  # requests per second per Client-Id (Ozon's global limit)
ADMIN_PREFIX = "/__sandbox/"
API_DATE_ENV = "OINT_SANDBOX_API_DATE"
REQUEST_LOG_SIZE = 1000  # the newest requests kept for GET /__sandbox/requests
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(slots=True)
class SandboxResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds the adapter waits before answering (injected slowness)


def _json(status: int, doc: Any, headers: dict[str, str] | None = None) -> SandboxResponse:
    return SandboxResponse(
        status, {"content-type": "application/json", **(headers or {})}, _dumps(doc).encode()
    )


def _error(e: ApiError) -> SandboxResponse:
    return _json(e.status, e.body(), {k.lower(): v for k, v in e.headers.items()})


def parse_api_date(value: str | dt.date | None) -> dt.date | None:
    """An API date from text (YYYY-MM-DD) or a date; None or "" for "today" (ValueError when malformed)."""
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text or text.lower() == "today":
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"API date: expected YYYY-MM-DD, got {value!r}") from None


@lru_cache(maxsize=1)
def _switch_off_dates() -> dict[str, dt.date]:
    """Every operation Ozon switches off, with the date, from the operation layer."""
    from oint.ozon.spec import operations

    return {path: dt.date.fromisoformat(op.retired) for path, op in operations().items() if op.retired}


class Sandbox:
    """The emulated Seller API over one SQLite store.

    `api_date` is the day of Ozon's API the sandbox plays: an operation whose switch-off date (in
    the operation layer) is on or before it answers 410 "obsolete method cannot be used". It is
    a date or YYYY-MM-DD, else `OINT_SANDBOX_API_DATE`, else the clock's day (today).
    """

    def __init__(
        self,
        db_path: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
        rate_limits: bool | None = None,
        api_date: str | dt.date | None = None,
    ) -> None:
        try:
            self.configured_api_date = parse_api_date(
                api_date if api_date is not None else os.environ.get(API_DATE_ENV)
            )
        except ValueError as e:
            from oint.ozon.errors import UsageError

            raise UsageError(f"{'api_date' if api_date is not None else API_DATE_ENV}: {e}") from None
        self.api_date = self.configured_api_date
        self.requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self.store = Store(db_path)
        self.clock = clock
        if rate_limits is None:  # OINT_SANDBOX_RATE_LIMITS=0 turns the global 50 rps limit off (benchmarks)
            rate_limits = os.environ.get("OINT_SANDBOX_RATE_LIMITS", "1").lower() not in (
                "0",
                "false",
                "no",
                "off",
            )
        self.rate_limits = rate_limits
        self._recent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        with self.store.transaction():
            if self.store.get_meta("seeded") is None:
                demo.seed(self.store, clock())
                self.store.set_meta("seeded", "1")

    def close(self) -> None:
        self.store.close()

    def reset(self) -> None:
        """Back to the demo state (and the API date it was started with; the request log emptied)."""
        with self.store.transaction():
            self.store.wipe()
            demo.seed(self.store, self.clock())
            self.store.set_meta("seeded", "1")
        self.api_date = self.configured_api_date
        self.requests.clear()

    def today(self) -> dt.date:
        """The API date in effect: the one set, else the clock's (UTC) day."""
        if self.api_date is not None:
            return self.api_date
        return dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc).date()

    # ------------------------------------------------------------------ protocol
    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> SandboxResponse:
        """Answer one request as Ozon would. `headers` names may have any case."""
        path = path.split("?", 1)[0]
        if path.startswith(ADMIN_PREFIX):
            try:
                return self._admin(method, path[len(ADMIN_PREFIX) :], body)
            except ApiError as e:
                return _error(e)
        response = self._answer(method, path, headers, body)
        self.requests.append({"method": method, "path": path, "status": response.status})
        return response

    def _answer(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> SandboxResponse:
        try:
            with self.store.transaction():
                fault = self._take_fault(path)
            if fault is not None and fault.status:
                return fault
        except ApiError as e:
            return _error(e)
        response = self._dispatch(method, path, headers, body)
        if fault is not None:  # slowness only
            response.delay = fault.delay
        return response

    def _dispatch(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> SandboxResponse:
        try:
            off = _switch_off_dates().get(path)
            switched_off = off is not None and off <= self.today()  # answered after auth, see below
            handler = ROUTES.get((method, path))
            if handler is None and not switched_off:
                if any(p == path for _, p in ROUTES):
                    raise ApiError(405, 12, "method is not allowed")
                raise ApiError(404, 5, "Not Found")
            lower = {k.lower(): v for k, v in headers.items()}
            client_id, api_key = lower.get("client-id", "").strip(), lower.get("api-key", "").strip()
            if not client_id or not api_key:
                raise ApiError(401, 16, "Client-Id and Api-Key headers are required")
            if self.rate_limits:
                self._check_rate(client_id)
            request = self._parse_body(body) if method != "GET" else {}
            now = self.clock()
            with self.store.transaction():
                acct = self.store.get("*", "account", client_id)
                if acct is None or acct.get("api_key") != api_key:
                    raise ApiError(403, 7, "Invalid Api-Key, please check the key and try again")
                if switched_off or handler is None:
                    raise obsolete()
                account = Account(self.store, client_id, now)
                for hook in BEFORE_REQUEST:
                    hook(account)
                answer = handler(account, request)
            return _json(200, answer)
        except ApiError as e:
            return _error(e)
        except Exception as e:  # a bug in the model must still answer like a server would
            import logging

            logging.getLogger("oint.sandbox").exception("sandbox bug answering %s %s", method, path)
            return _json(500, {"code": 13, "message": f"Internal error: {type(e).__name__}", "details": []})

    @staticmethod
    def _parse_body(body: bytes) -> dict[str, Any]:
        if not body.strip():
            return {}
        try:
            doc = json.loads(body)
        except ValueError as e:
            raise ApiError(400, INVALID_ARGUMENT, f"proto: syntax error: {e}") from None
        if not isinstance(doc, dict):
            raise ApiError(400, INVALID_ARGUMENT, "proto: syntax error: expected an object")
        return doc

    def _check_rate(self, client_id: str) -> None:
        now = time.monotonic()
        with self._lock:
            q = self._recent.setdefault(client_id, deque())
            while q and q[0] <= now - 1.0:
                q.popleft()
            if len(q) >= GLOBAL_RATE:
                raise ApiError(
                    429, 8, "You have reached request rate limit per second", headers={"Retry-After": "1"}
                )
            q.append(now)

    # ------------------------------------------------------------------ faults
    def add_fault(
        self,
        path: str = "*",
        status: int = 500,
        *,
        times: int = 1,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        retry_after: float | None = None,
    ) -> dict[str, Any]:
        """Make the next `times` requests to `path` ("*" = any) fail with `status` (and/or be slow).

        `body`: a dict (sent as JSON), a string (sent as text/html) or None (Ozon-style error
        JSON for the status). `status` 0 with a `delay` only slows the real answer down.
        """
        hdrs = dict(headers or {})
        if retry_after is not None:
            hdrs["Retry-After"] = str(retry_after)
        fault = {
            "path": path,
            "status": status,
            "times": times,
            "body": body,
            "headers": hdrs,
            "delay": delay,
        }
        with self.store.transaction():
            key = self.store.next_id("fault", 1)
            self.store.put("*", "fault", key, fault)
        return fault

    def clear_faults(self) -> None:
        with self.store.transaction():
            for key, _ in self.store.items("*", "fault"):
                self.store.delete("*", "fault", key)

    def _take_fault(self, path: str) -> SandboxResponse | None:
        for key, f in self.store.items("*", "fault"):
            if f["path"] not in ("*", path):
                continue
            f["times"] -= 1
            if f["times"] <= 0:
                self.store.delete("*", "fault", key)
            else:
                self.store.put("*", "fault", key, f)
            if not f["status"]:  # slowness only: the real answer follows after the delay
                return SandboxResponse(0, {}, b"", f["delay"])
            hdrs = {k.lower(): str(v) for k, v in f["headers"].items()}
            body = f["body"]
            if isinstance(body, str):
                resp = SandboxResponse(f["status"], {"content-type": "text/html", **hdrs}, body.encode())
            else:
                doc = body if body is not None else _default_fault_body(f["status"])
                resp = _json(f["status"], doc, hdrs)
            resp.delay = f["delay"]
            return resp
        return None

    # ------------------------------------------------------------------ admin
    def _admin(self, method: str, action: str, body: bytes) -> SandboxResponse:
        request = self._parse_body(body)
        if action == "reset" and method == "POST":
            self.reset()
            return _json(200, {"result": "reset"})
        if action == "faults" and method == "POST":
            allowed = {"path", "status", "times", "body", "headers", "delay", "retry_after"}
            unknown = set(request) - allowed
            if unknown:
                raise ApiError(400, INVALID_ARGUMENT, f"unknown fault fields: {sorted(unknown)}")
            return _json(200, {"result": self.add_fault(**request)})
        if action == "faults/clear" and method == "POST":
            self.clear_faults()
            return _json(200, {"result": "cleared"})
        if action == "requests" and method == "GET":
            return _json(200, {"requests": list(self.requests), "kept": REQUEST_LOG_SIZE})
        if action == "requests/clear" and method == "POST":
            self.requests.clear()
            return _json(200, {"result": "cleared"})
        if action == "api-date":
            if method == "POST":
                try:
                    self.api_date = (
                        parse_api_date(request.get("date")) if "date" in request else self.configured_api_date
                    )
                except ValueError as e:
                    raise ApiError(400, INVALID_ARGUMENT, str(e)) from None
            elif method != "GET":
                raise ApiError(405, 12, "method is not allowed")
            return _json(200, {"api_date": self.today().isoformat(), "set": self.api_date is not None})
        raise ApiError(404, 5, "Not Found")


def _default_fault_body(status: int) -> dict[str, Any]:
    messages = {
        429: (8, "You have reached request rate limit per second"),
        500: (13, "Internal error"),
        503: (14, "Service Unavailable"),
        403: (7, "Invalid Api-Key, please check the key and try again"),
    }
    if status == 410:
        return obsolete().body()
    code, message = messages.get(status, (2, f"HTTP {status}"))
    return {"code": code, "message": message, "details": []}
