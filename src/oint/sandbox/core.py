"""The sandbox's protocol layer: routes, auth, limits, faults and Ozon's error bodies.

`Sandbox.handle(method, path, headers, body)` is everything an HTTP server or an
in-process transport needs; it never touches sockets.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from oint.apis.seller import spec
from oint.apis.seller.spec import Operation, operation_problem, operations
from oint.core.errors import UsageError
from oint.sandbox import demo, model
from oint.sandbox.clock import ClockError, SandboxClock
from oint.sandbox.errors import (
    PER_SECOND,
    ApiError,
    SandboxStateError,
    deactivated,
    default_body,
    forbidden,
    internal,
    invalid,
    malformed,
    method_not_allowed,
    not_found,
    obsolete,
    rate_limited,
    unauthenticated,
)
from oint.sandbox.limits import ACCOUNT as ACCOUNTS
from oint.sandbox.limits import ADDRESS as ADDRESSES
from oint.sandbox.limits import WindowWatch
from oint.sandbox.model.base import FILES, Account, FileAnswer
from oint.sandbox.model.performance import is_performance
from oint.sandbox.store import Store

if TYPE_CHECKING:
    from oint.sandbox import structural

GLOBAL_RATE = 50  # requests per second per Client-Id (Ozon's global limit)
ADMIN_PREFIX = "/__sandbox/"
ADMIN_ROUTES = {  # action -> its methods
    "reset": ("POST",),
    "faults": ("POST",),
    "faults/clear": ("POST",),
    "requests": ("GET",),
    "requests/clear": ("POST",),
    "requests/log": ("POST",),
    "api-date": ("GET", "POST"),
    "clock": ("GET", "POST"),
    "buyers": ("GET", "POST"),
    "limits": ("GET",),
    "limits/clear": ("POST",),
    "performance": ("GET", "POST"),
    "push": ("GET", "POST"),
}
FILES_PREFIX = "files/"  # GET /__sandbox/files/<client id>/<kind>-<name>: files answers point to
API_DATE_ENV = "OINT_SANDBOX_API_DATE"
REQUEST_LOG_SIZE = 1000  # the newest requests kept in the log (OINT_SANDBOX_LOG), GET /__sandbox/requests
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
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


# An array the operation layer does not bound is bounded here, so that no request makes the model
# work for seconds (e.g. 200,000 SKUs): Ozon's own bounds are 100-1000 where documented.
DEFAULT_MAX_ITEMS = 1000


def validate_request(path: str, request: dict[str, Any]) -> None:
    """400 (code 3) when a request body breaks the operation layer's request schema (any
    operation of the layer: wrong types, unknown fields, enums, limits, required fields)."""
    problem = operation_problem(path, request, max_items=DEFAULT_MAX_ITEMS)
    if problem is not None:
        raise invalid(problem)


_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}")  # an HTTP token
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]{0,1000}")
_FRAMING_HEADERS = {"content-length", "transfer-encoding", "connection"}
MAX_FAULT_DELAY = 3600  # seconds


class FaultSpecError(ValueError):
    """A fault specification the sandbox cannot apply (bad status, times, delay, ...)."""


def check_fault(spec: Mapping[str, Any]) -> None:
    """Raise FaultSpecError naming the first bad field of a fault specification."""
    allowed = {"path", "status", "times", "body", "headers", "delay", "retry_after"}
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise FaultSpecError(f"unknown fault fields: {unknown} (known: {sorted(allowed)})")

    def number(name: str) -> float | None:
        value = spec.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise FaultSpecError(f"fault {name}: expected a number, got {value!r}")
        return float(value)

    path = spec.get("path", "*")
    if not isinstance(path, str) or not (path == "*" or path.startswith("/")):
        raise FaultSpecError(f'fault path: expected "*" or a path starting with "/", got {path!r}')
    status = spec.get("status", 500)
    # 1xx are not final answers (a client would wait for the real one): 200-599 only
    if isinstance(status, bool) or not isinstance(status, int) or not (status == 0 or 200 <= status <= 599):
        raise FaultSpecError(
            f"fault status: expected 0 (slowness only) or an HTTP status 200-599, got {status!r}"
        )
    times = spec.get("times", 1)
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise FaultSpecError(f"fault times: expected a whole number of at least 1, got {times!r}")
    delay = number("delay")
    if delay is not None and not 0 <= delay <= MAX_FAULT_DELAY:
        raise FaultSpecError(f"fault delay: expected 0 to {MAX_FAULT_DELAY} seconds, got {spec['delay']!r}")
    retry_after = number("retry_after")
    if retry_after is not None and retry_after < 0:
        raise FaultSpecError(f"fault retry_after: expected seconds >= 0, got {spec['retry_after']!r}")
    headers = spec.get("headers")
    if headers is not None and not (
        isinstance(headers, dict)
        and all(
            isinstance(k, str)
            and isinstance(v, str)
            and _HEADER_NAME.fullmatch(k)
            and _HEADER_VALUE.fullmatch(v)
            for k, v in headers.items()
        )
    ):
        raise FaultSpecError(
            "fault headers: expected an object of header names (letters, digits, -) to values of "
            f"printable ASCII, got {headers!r}"
        )
    framing = sorted(k for k in headers or {} if k.lower() in _FRAMING_HEADERS)
    if framing:
        raise FaultSpecError(f"fault headers: {framing} are set by the server, not by a fault")
    body = spec.get("body")
    if body is not None and not isinstance(body, (dict, str)):
        raise FaultSpecError(f"fault body: expected a JSON object, a string or null, got {body!r}")


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
def _templates() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The operations with path parameters (`/v1/cargoes-label/file/{file_guid}`) as patterns."""

    out = []
    for template, op in operations().items():
        if op.path_params:
            pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template))
            out.append((re.compile(pattern), template))
    return tuple(out)


def operation_at(path: str) -> Operation | None:
    """The operation of the layer a request path names (path parameters filled in), or None. Only
    that operation is built (a call needs no other), unless the path fills in path parameters."""

    op = spec.find(path) if path.startswith("/") else None  # by path: never by name
    if op is not None:
        return op
    for pattern, template in _templates():
        if pattern.fullmatch(path):
            return spec.operation(template)
    return None


ID_SAMPLE = 50  # products a structural answer draws its ids from (besides the ones the request names)


def account_ids(account: Account, request: Mapping[str, Any] | None = None) -> structural.Ids:
    """Ids of the account's products and warehouses for the structural answers: the products the
    request names (by product id, offer id or SKU) and the first ones of the catalogue, read
    without loading a large catalogue whole."""
    from oint.sandbox import structural
    from oint.sandbox.model.products import ProductDoc, find_by_offer, find_by_sku, get_product, group_page
    from oint.sandbox.model.warehouses import all_warehouses

    asked = structural.asked_ids(request or {})
    docs: list[ProductDoc | None] = [get_product(account, pid) for pid in asked["product"][:100]]
    docs += [find_by_offer(account, str(offer)) for offer in asked["offer"][:100]]
    docs += [find_by_sku(account, sku) for sku in asked["sku"][:100]]
    first = group_page(account, "ALL", ID_SAMPLE)  # (the first of an index: nothing counted)
    products: dict[int, structural.Product] = {}
    for p in [*docs, *first]:
        if p is not None and int(p["id"]) not in products:
            products[int(p["id"])] = structural.Product(
                int(p["id"]), str(p["offer_id"]), int(p.get("sku") or 0)
            )
    warehouses = tuple(sorted(int(w["warehouse_id"]) for w in all_warehouses(account)))
    return structural.Ids(tuple(products.values()), warehouses)


def _switch_off_date(op: Operation) -> dt.date | None:
    """The day Ozon switches the operation off, if it does (the operation layer's `retired`)."""
    return dt.date.fromisoformat(op.retired) if op.retired else None


class Sandbox:
    """The emulated Seller API over one SQLite store.

    `api_date` is the day of Ozon's API the sandbox plays: an operation whose switch-off date (in
    the operation layer) is on or before it answers 410 "obsolete method cannot be used". It is
    a date or YYYY-MM-DD, else `OINT_SANDBOX_API_DATE`, else the clock's day (today).

    `admin_token`: when set, the admin routes (`/__sandbox/...`) need the header
    `Authorization: Bearer <token>` (401 otherwise). Raises `SandboxStateError` when the
    state file cannot be used.
    """

    def __init__(
        self,
        db_path: str | None = None,
        *,
        clock: Callable[[], float] | None = None,
        rate_limits: bool | None = None,
        api_date: str | dt.date | None = None,
        admin_token: str | None = None,
        time_scale: float | None = None,
        limit_per_ip: bool | None = None,
    ) -> None:
        """`limit_per_ip` (or `OINT_SANDBOX_LIMIT_PER_IP=1`) also keeps Ozon's 50 requests a second
        per client address, across accounts (`handle(..., client_address=)`). What the windows saw:
        `self.watch` (`oint.sandbox.limits`, `GET /__sandbox/limits`). `clock`: the base of Ozon's
        time, epoch seconds (default: the wall clock), running `time_scale` times faster
        (OINT_TIME_SCALE by default, as the client's limits do); the sandbox's clock (`self.clock`,
        `oint.sandbox.clock`) can then be frozen, advanced, set or
        run at another rate, shared through the state file."""
        try:
            self.configured_api_date = parse_api_date(
                api_date if api_date is not None else os.environ.get(API_DATE_ENV)
            )
        except ValueError as e:
            raise UsageError(f"{'api_date' if api_date is not None else API_DATE_ENV}: {e}") from None
        self.api_date = self.configured_api_date
        self.store = Store(db_path)
        if time_scale is None:
            from oint.core.retry import time_scale as env_scale

            time_scale = env_scale()
        self.time_scale = time_scale
        self.clock = SandboxClock(self.store, clock, time_scale)
        self.log_size = _env_int("OINT_SANDBOX_LOG", REQUEST_LOG_SIZE)  # requests kept in the log (0: none)
        if rate_limits is None:  # OINT_SANDBOX_RATE_LIMITS=0 turns the global 50 rps limit off (benchmarks)
            rate_limits = os.environ.get("OINT_SANDBOX_RATE_LIMITS", "1").lower() not in (
                "0",
                "false",
                "no",
                "off",
            )
        self.rate_limits = rate_limits
        if limit_per_ip is None:
            limit_per_ip = os.environ.get("OINT_SANDBOX_LIMIT_PER_IP", "").lower() in (
                "1",
                "true",
                "yes",
                "on",
            )
        self.limit_per_ip = limit_per_ip
        self.watch = WindowWatch()
        self.store.watch = self.watch
        self.admin_token = admin_token or None
        from oint.sandbox.model.pushes import default_timeout

        self.push_timeout = default_timeout()  # seconds a push waits for its answer (Ozon: 5)
        # where pushes may go: None, anywhere (the embedded sandbox pushes for its own user); the
        # served one pushes to loopback addresses and the names `oint sandbox serve --push-to` gives
        # (an account set by anyone who reaches the server must not make it post to any host)
        self.push_hosts: frozenset[str] | None = None
        # OINT_SANDBOX_RECORD=FILE appends every answer of the model (2xx) to FILE as JSON lines
        # {"method", "path", "status", "body"}: the test suite checks them against Ozon's document
        self.record_path = os.environ.get("OINT_SANDBOX_RECORD") or None
        self._recent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        try:
            with self.store.transaction():
                if self.store.get_meta("seeded") is None:
                    demo.seed(self.store, self.clock())
                    self.store.set_meta("seeded", "1")
        except sqlite3.Error as e:
            self.store.close()
            raise self.store.state_error(e) from None

    def close(self) -> None:
        self.store.close()

    def reset(self) -> None:
        """Back to the demo state (and the API date it was started with; the request log emptied;
        the clock back to its base: changes made to it are forgotten)."""
        with self.store.transaction():
            self.store.wipe()
            self.clock.restore_anchor()
            demo.seed(self.store, self.clock())
            self.store.set_meta("seeded", "1")
        self.api_date = self.configured_api_date
        self.watch.clear()

    def today(self) -> dt.date:
        """The API date in effect: the one set, else the clock's (UTC) day."""
        if self.api_date is not None:
            return self.api_date
        return dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc).date()

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The newest requests answered (at most `log_size`): [{method, path, status}]."""
        with self.store.transaction():
            return self.store.last_requests(self.log_size)

    # ------------------------------------------------------------------ protocol
    def handle(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        client_address: str | None = None,
    ) -> SandboxResponse:
        """Answer one request as Ozon would. `headers` names may have any case; `client_address`
        (the HTTP adapter's peer) counts in the per-address window (`limit_per_ip`).

        Thread-safe (the store serialises transactions). Raises `SandboxStateError` only when
        the state file fails under it; every other problem is an answer."""
        path, _, query = path.partition("?")
        method = method.upper()
        try:
            if path.startswith(ADMIN_PREFIX):
                try:
                    return self._admin(method, path[len(ADMIN_PREFIX) :], headers, body)
                except ApiError as e:
                    return _error(e)
            # one transaction a request: the fault it takes, the model's changes (a savepoint of
            # their own: an error answer undoes them) and its line in the request log
            with self.store.transaction():
                response = self._answer(method, path, headers, body, client_address, query)
                if self.log_size > 0:
                    client_id = next((v for k, v in headers.items() if k.lower() == "client-id"), "")
                    if is_performance(path):  # an account's bearer token, not its Client-Id
                        from oint.sandbox.model.performance.auth import owner

                        client_id = owner(self.store, headers)
                    self.store.log_request(
                        self.clock(),
                        client_id.strip(),
                        method,
                        path,
                        response.status,
                        body,
                        self.log_size,
                        answer=response.body,
                        answer_type=response.headers.get("content-type", ""),
                    )
        except sqlite3.Error as e:
            raise self.store.state_error(e) from None
        return response

    def _answer(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        client_address: str | None = None,
        query: str = "",
    ) -> SandboxResponse:
        try:
            with self.store.transaction():
                fault = self._take_fault(path)
        except ApiError as e:
            return _error(e)
        if fault is not None and fault.status:
            response = fault
        elif is_performance(path):
            response = self._performance(method, path, query, headers, body)
        else:
            response = self._dispatch(method, path, headers, body, client_address)
            if fault is not None:  # slowness only
                response.delay = fault.delay
        return response

    def _dispatch(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        client_address: str | None = None,
    ) -> SandboxResponse:
        try:
            op = operation_at(path)  # every operation of the layer is served (structural.py without a model)
            if op is None:
                raise not_found()
            handler = model.handler(method, op.path)  # imports only the module that owns the route
            off = _switch_off_date(op)
            switched_off = off is not None and off <= self.today()  # answered after auth, see below
            if op.method != method and handler is None and not switched_off:
                raise method_not_allowed([op.method])
            lower = {k.lower(): v for k, v in headers.items()}
            client_id, api_key = lower.get("client-id", "").strip(), lower.get("api-key", "").strip()
            if not client_id or not api_key:
                raise unauthenticated()
            if self.rate_limits:
                self._check_rate(client_id, client_address if self.limit_per_ip else None)
            content_type = lower.get("content-type", "")
            if method == "GET":
                request: dict[str, Any] = {}
            elif op.form and content_type.split(";", 1)[0].strip().lower() == "multipart/form-data":
                from oint.sandbox import forms

                schema = {"$ref": "#/schemas/" + op.request} if op.request else None
                request = forms.parse_form(content_type, body, schema, spec.schemas())
            else:
                request = self._parse_body(body)
            now = self.clock()
            with self.store.savepoint():
                acct = self.store.get("*", "account", client_id)
                if acct is None or acct.get("api_key") != api_key:
                    raise forbidden()
                if demo.key_expired(acct, now):  # keys expire (facts §10.2); 403/code 7 presumed (§1.2)
                    raise deactivated()
                if switched_off:
                    raise obsolete()
                if method != "GET":
                    validate_request(op.path, request)
                host = lower.get("host", "").strip()
                account = Account(self.store, client_id, now, f"http://{host}" if host else "sandbox:")
                model.before_request(account)
                if handler is not None:
                    answer = handler(account, request)
                    if isinstance(answer, FileAnswer):
                        return SandboxResponse(200, {"content-type": answer.media}, answer.content)
                elif op.file:
                    from oint.sandbox import structural

                    media, content = structural.file_answer(op, request)
                    return SandboxResponse(200, {"content-type": media}, content)
                else:
                    from oint.sandbox import structural

                    answer = structural.answer(op, request, account_ids(account, request))
            response = _json(200, answer)
            if self.record_path:
                self._record(method, path, response)
            return response
        except ApiError as e:
            return _error(e)
        except (sqlite3.Error, SandboxStateError):
            raise
        except Exception as e:  # a bug in the model must still answer like a server would
            return _bug(method, path, e)

    def _performance(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> SandboxResponse:
        """A request of the Performance API (`oint.sandbox.model.performance`): its own routes and
        bearer tokens; errors in the same JSON shape."""
        from oint.sandbox.model.performance import dispatch

        try:
            host = next((v for k, v in headers.items() if k.lower() == "host"), "").strip()
            answer = dispatch.answer(
                self.store,
                self.clock(),
                method,
                path,
                query,
                headers,
                body,
                self._parse_body,
                f"http://{host}" if host else "sandbox:",
            )
            if isinstance(answer, FileAnswer):
                return SandboxResponse(200, {"content-type": answer.media}, answer.content)
            response = _json(200, answer)
            if self.record_path:
                self._record(method, path, response)
            return response
        except ApiError as e:
            return _error(e)
        except (sqlite3.Error, SandboxStateError):
            raise
        except Exception as e:  # a bug in the model must still answer like a server would
            return _bug(method, path, e)

    def _record(self, method: str, path: str, response: SandboxResponse) -> None:
        line = b'{"method":%s,"path":%s,"status":%d,"body":%s}\n' % (
            json.dumps(method).encode(),
            json.dumps(path).encode(),
            response.status,
            response.body,
        )
        assert self.record_path is not None
        with open(self.record_path, "ab") as fh:  # one write per line: safe across processes
            fh.write(line)

    @staticmethod
    def _parse_body(body: bytes) -> dict[str, Any]:
        if not body.strip():
            return {}
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            line, column = _position(body[: e.start].decode("utf-8", "replace"), e.start)
            raise malformed(f"syntax error ({line}:{column}): invalid UTF-8") from None
        try:
            doc = json.loads(text, parse_constant=_no_constant)
        except json.JSONDecodeError as e:
            raise malformed(f"syntax error ({e.lineno}:{e.colno}): {_decoder_reason(e, text)}") from None
        except RecursionError:
            raise malformed("syntax error: exceeded max recursion depth") from None
        except ValueError:  # NaN, Infinity
            raise malformed("syntax error: unexpected token") from None
        if not isinstance(doc, dict):
            raise malformed("syntax error (1:1): unexpected token, expected {")
        if _SURROGATE_ESCAPE.search(body):  # "\ud800" alone decodes to a string no file can hold
            try:
                json.dumps(doc, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise malformed("invalid UTF-8 in string") from None
        return doc

    def _check_rate(self, client_id: str, address: str | None = None) -> None:
        """Ozon's 50 requests a second per Client-Id (and per client address when given), counted
        at arrival; a request refused by one window counts in none."""
        now = time.monotonic()
        window = 1.0 / self.time_scale
        owners = [(ACCOUNTS, client_id)] + ([(ADDRESSES, address)] if address else [])
        with self._lock:
            logs = []
            for kind, owner in owners:
                q = self._recent.setdefault(f"{kind}:{owner}", deque())
                while q and q[0] <= now - window:
                    q.popleft()
                logs.append(q)
            allowed = all(len(q) < GLOBAL_RATE for q in logs)
            for kind, owner in owners:
                self.watch.seen(kind, owner, "*", GLOBAL_RATE, 1.0, now, window, allowed)
            if not allowed:
                raise rate_limited(PER_SECOND, 1)
            for q in logs:
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
        delay: float | None = 0.0,
        retry_after: float | None = None,
    ) -> dict[str, Any]:
        """Make the next `times` requests to `path` ("*" = any) fail with `status` (and/or be slow).

        `body`: a dict (sent as JSON), a string (sent as text/html) or None (Ozon-style error
        JSON for the status). `status` 0 with a `delay` only slows the real answer down.
        Raises `FaultSpecError` for a specification that makes no sense.
        """
        check_fault(
            {
                "path": path,
                "status": status,
                "times": times,
                "body": body,
                "headers": headers,
                "delay": delay,
                "retry_after": retry_after,
            }
        )
        hdrs = dict(headers or {})
        if retry_after is not None:
            hdrs["Retry-After"] = f"{retry_after:g}"
        fault = {
            "path": path,
            "status": status,
            "times": times,
            "body": body,
            "headers": hdrs,
            "delay": delay or 0.0,
        }
        with self.store.transaction():
            key = self.store.next_id("fault", 1)
            self.store.put("*", "fault", key, fault)
        return fault

    def clear_faults(self) -> None:
        from oint.sandbox.model import pushes

        with self.store.transaction():
            for key, _ in self.store.items("*", "fault"):
                self.store.delete("*", "fault", key)
            pushes.clear_faults(self.store)

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
                doc = body if body is not None else default_body(f["status"])
                resp = _json(f["status"], doc, hdrs)
            resp.delay = f["delay"]
            return resp
        return None

    # ------------------------------------------------------------------ admin
    def _admin(self, method: str, action: str, headers: Mapping[str, str], body: bytes) -> SandboxResponse:
        if self.admin_token is not None:
            import hmac

            given = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
            scheme, _, token = given.strip().partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(  # schemes are case-insensitive
                token.strip().encode(), self.admin_token.encode()
            ):
                raise unauthenticated(
                    "the sandbox's admin routes need the header Authorization: Bearer <admin token>",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        if action.startswith(FILES_PREFIX):
            if method != "GET":
                raise method_not_allowed(("GET",))
            return self._file(action[len(FILES_PREFIX) :])
        methods = ADMIN_ROUTES.get(action)
        if methods is None:
            raise not_found()
        if method not in methods:
            raise method_not_allowed(methods)
        request = self._parse_body(body)
        if action == "reset":
            self.reset()
            return _json(200, {"result": "reset"})
        if action == "faults":
            if "push" in request:  # {"push": "drop" | "delay", "times", "delay", "types"}
                return _json(200, {"result": self._push_fault(request)})
            try:
                check_fault(request)
                return _json(200, {"result": self.add_fault(**request)})
            except FaultSpecError as e:
                raise invalid(str(e)) from None
        if action == "faults/clear":
            self.clear_faults()
            return _json(200, {"result": "cleared"})
        if action == "requests":
            return _json(200, {"requests": self.requests, "kept": self.log_size})
        if action == "requests/clear":
            with self.store.transaction():
                self.store.clear_requests()
            return _json(200, {"result": "cleared"})
        if action == "requests/log":  # with bodies: {since, path, limit}
            with self.store.transaction():
                found = self.store.requests(
                    int(request.get("since") or 0), request.get("path"), int(request.get("limit") or 1000)
                )
                counts = self.store.status_counts()
            return _json(200, {"requests": found, "statuses": counts})
        if action == "clock":
            return _json(200, self._clock(method, request))
        if action == "limits":  # what the windows saw, per account (and address): oint.sandbox.limits
            return _json(200, {**self.watch.report(), "limit_per_ip": self.limit_per_ip})
        if action == "limits/clear":
            self.watch.clear()
            return _json(200, {"result": "cleared"})
        if action == "buyers":
            return _json(200, self._buyers(method, request))
        if action == "performance":
            return _json(200, self.performance(**request) if method == "POST" else self.performance())
        if action == "push":
            return _json(200, self._push(method, request))
        if method == "POST":  # api-date
            try:
                self.api_date = (
                    parse_api_date(request.get("date")) if "date" in request else self.configured_api_date
                )
            except ValueError as e:
                raise invalid(str(e)) from None
        return _json(200, {"api_date": self.today().isoformat(), "set": self.api_date is not None})

    def _clock(self, method: str, request: dict[str, Any]) -> dict[str, Any]:
        """GET: the clock; POST {advance, freeze, rate, set}: change it (see `change_clock`)."""
        if method == "GET":
            return self.clock.describe()
        try:
            return self.change_clock(**request)
        except ClockError as e:
            raise invalid(str(e)) from None

    # ------------------------------------------------------------------ the living marketplace
    def change_clock(self, **change: Any) -> dict[str, Any]:
        """Change the clock ({set, rate, freeze, advance}: `oint.sandbox.clock.changed`), then let
        every account's marketplace catch up with the new time; returns the clock's description.
        Raises `ClockError` for a change that makes no sense."""
        answer = self.clock.change(**change)
        self.catch_up()
        return answer

    def advance(self, duration: str | float) -> dict[str, Any]:
        """Move sandbox time on by `duration` ("2h", "1d", "1w", seconds): what was due meanwhile
        (buyers' orders, deliveries, returns, ...) happens, in time order."""
        return self.change_clock(advance=duration)

    def buyers(self, client_id: str | None = None, **settings: Any) -> dict[str, Any]:
        """Set the buyers of an account (the demo one by default): orders_per_day, seed,
        fbo_share, cancel_share, return_share, review_share, question_share, chat_share (see
        `oint.sandbox.model.buyers`); without settings, read them. Raises `BuyersError` for a bad
        setting, `ApiError` (404) for an unknown account."""
        from oint.sandbox.model import buyers

        client_id = str(client_id or demo.DEMO_CLIENT_ID)
        now = self.clock()
        with self.store.transaction():
            if self.store.get("*", "account", client_id) is None:
                raise not_found(f"no sandbox account {client_id}")
            account = Account(self.store, client_id, now)
            if settings:
                model.before_request(account)  # what was due under the old settings happens first
                buyers.configure(account, **settings)
            return {"client_id": client_id, **buyers.describe(account)}

    def _buyers(self, method: str, request: dict[str, Any]) -> dict[str, Any]:
        """GET: every account's buyers; POST {client_id, settings...}: set them (`buyers`)."""
        from oint.sandbox.model import buyers

        if method == "GET":
            with self.store.transaction():
                ids = [client_id for client_id, _ in self.store.items("*", "account")]
            return {"accounts": {client_id: self.buyers(client_id) for client_id in ids}}
        settings = dict(request)
        client_id = settings.pop("client_id", None)
        if not settings:
            raise invalid("buyers: give at least one setting (orders_per_day, seed, fbo_share, ...)")
        try:
            return self.buyers(None if client_id is None else str(client_id), **settings)
        except buyers.BuyersError as e:
            raise invalid(str(e)) from None

    def performance(self, **change: Any) -> dict[str, Any]:
        """The Performance API's settings and counters; with `token_lifetime` / `report_seconds`
        (seconds of sandbox time) changes them, with `revoke=True` revokes every token first
        (`oint.sandbox.model.performance.auth`). Raises `ApiError` (400) for a bad change.

        Answers {settings, counters: {tokens_issued, reports_started, reports_refused,
        max_reports_in_preparation}, tokens (live ones), reports_in_preparation (now)}."""
        from oint.sandbox.model.performance import auth, reports

        now = self.clock()
        with self.store.transaction():
            revoked = auth.revoke(self.store) if change.pop("revoke", False) is True else 0
            settings = auth.configure(self.store, change) if change else auth.settings(self.store)
            tokens = [t for _, t in self.store.items("*", auth.TOKEN_KIND) if t["expires_at"] > now]
            busy = sum(
                len(reports.in_preparation(Account(self.store, client_id, now)))
                for client_id, _ in self.store.items("*", "account")
            )
            return {
                "settings": settings,
                "counters": auth.counters(self.store),
                "tokens": len(tokens),
                "revoked": revoked,
                "reports_in_preparation": busy,
            }

    # ------------------------------------------------------------------ push notifications
    def push(
        self,
        client_id: str | None = None,
        *,
        url: str | None = None,
        types: list[str] | None = None,
        off: bool = False,
    ) -> dict[str, Any]:
        """An account's push notifications (the demo one by default): `url` sets (or confirms
        again, resuming suspended pushes) the one URL everything goes to, for `types` (all by
        default); `off` removes every URL; neither: read. Returns the status
        (`oint.sandbox.model.pushes.status`). ApiError (400) for a bad URL or type, (404)
        for an unknown account."""
        from oint.sandbox.model import pushes

        client_id = str(client_id or demo.DEMO_CLIENT_ID)
        with self.store.transaction():
            if self.store.get("*", "account", client_id) is None:
                raise not_found(f"no sandbox account {client_id}")
            account = Account(self.store, client_id, self.clock())
            if off or url is not None:
                model.before_request(account)  # what was due happens first, pushed as set till now
            if off:
                pushes.switch_off(account)
            elif url is not None:  # the one URL: others removed, this one set or confirmed again
                url = pushes.check_url(url)
                for endpoint in pushes.endpoints(account):
                    if endpoint["url"] != url:
                        pushes.switch_off(account, endpoint["id"])
                pushes.confirm(account, url, types)
            return pushes.status(account)

    def push_step(self, until: float | None = None) -> int:
        """Send the pushes due by `until` (sandbox time; by default the clock's now, after the
        marketplace caught up with it), resends due by then included: `oint.sandbox.push.step`.
        The number of attempts made."""
        from oint.sandbox import push

        return push.step(self, until)

    def _push(self, method: str, request: dict[str, Any]) -> dict[str, Any]:
        """GET: the demo account's pushes; POST {client_id, url, types, off}: set them (`push`)."""
        if method == "GET":
            return self.push()
        unknown = sorted(set(request) - {"client_id", "url", "types", "off"})
        if unknown:
            raise invalid(f"push: unknown fields {unknown} (known: client_id, url, types, off)")
        types = request.get("types")
        if types is not None and not isinstance(types, list):
            raise invalid("push: types must be an array of push types")
        client_id = request.get("client_id")
        return self.push(
            None if client_id is None else str(client_id),
            url=None if request.get("url") is None else str(request["url"]),
            types=types,
            off=bool(request.get("off")),
        )

    def add_push_fault(
        self, action: str, *, times: int = 1, delay: float = 0.0, types: list[str] | tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Drop (`action` "drop": never sent) the next `times` pushes (of `types`, any without), or
        hold them back `delay` seconds of sandbox time ("delay"). ValueError for a bad one."""
        from oint.sandbox.model import pushes

        with self.store.transaction():
            return pushes.add_fault(self.store, action, times, delay, types)

    def _push_fault(self, request: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(request) - {"push", "times", "delay", "types"})
        if unknown:
            raise invalid(f"push fault: unknown fields {unknown} (known: push, times, delay, types)")
        types = request.get("types") or ()
        if not isinstance(types, (list, tuple)):
            raise invalid("push fault types: expected an array of push types")
        try:
            return self.add_push_fault(
                str(request["push"]),
                times=request.get("times", 1),
                delay=request.get("delay", 0.0),
                types=tuple(str(t) for t in types),
            )
        except ValueError as e:
            raise invalid(str(e)) from None

    def _file(self, rest: str) -> SandboxResponse:
        """A file an answer pointed to (`file_url`): `<client id>/<kind>-<name>`."""
        client_id, _, name = rest.partition("/")
        kind, _, key = name.partition("-")
        model.load_all()  # the makers are registered by the modules that make the files
        maker = FILES.get(kind)
        with self.store.transaction():
            if maker is None or self.store.get("*", "account", client_id) is None:
                raise not_found()
            made = maker(Account(self.store, client_id, self.clock()), key)
        if made is None:
            raise not_found()
        return SandboxResponse(200, {"content-type": made.media}, made.content)

    def catch_up(self) -> None:
        """Run every account's marketplace up to the clock's time (what each account's next
        request would do first)."""
        now = self.clock()
        with self.store.transaction():
            for client_id, _ in self.store.items("*", "account"):
                model.before_request(Account(self.store, client_id, now))


def _position(text: str, offset: int) -> tuple[int, int]:
    """(line, column), from 1, of a character offset into `text`."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _decoder_reason(e: json.JSONDecodeError, text: str) -> str:
    """Ozon's (protojson's) words for what Python's JSON decoder found: never Python's own text."""
    if e.pos >= len(text.rstrip()) or e.msg.startswith("Unterminated"):
        return "unexpected EOF"
    if e.msg.startswith("Invalid control character"):
        return "invalid character in string"
    if e.msg.startswith(("Invalid \\escape", "Invalid \\uXXXX")):
        return "invalid escape sequence in string"
    token = text[e.pos : e.pos + 1]
    return f"unexpected token {json.dumps(token)}" if token.strip() else "unexpected token"


def _no_constant(name: str) -> Any:
    raise ValueError(f"invalid value {name}")


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name) or default)
    except ValueError:
        return default


def _bug(method: str, path: str, e: Exception) -> SandboxResponse:
    """The 500 of a request the model failed on, logged in one line (the traceback with --debug,
    or the logger at DEBUG)."""
    import logging

    log = logging.getLogger("oint.sandbox")
    log.error(
        "sandbox bug answering %s %s: %s: %s",
        method,
        path,
        type(e).__name__,
        e,
        exc_info=log.isEnabledFor(logging.DEBUG),
    )
    return _error(internal())
