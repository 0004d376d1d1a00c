"""The gateway as an ASGI application (served by uvicorn: `oint serve`).

Every request goes through, in order: the Host and origin checks (the idea of the sandbox's
guard, `oint.sandbox.guard`: a gateway on a loopback address answers only the names of this
machine and the hosts allowed; no request from a web page of another site), the token
(`Authorization: Bearer ...`: 401), the handler (unknown or switched off: 404; a caller it does
not admit: 403), the verb (POST: 405), the arguments (`calls`: 400, 403 for a fixed one), and the
call. Every answer is JSON in Ozon's shapes, never a traceback. One JSON line per request goes to
the request log, without credentials or tokens.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import IO, Any
from urllib.parse import urlsplit

from oint.apps.gateway.calls import (
    INTERNAL,
    INVALID_ARGUMENT,
    NOT_FOUND,
    PERMISSION_DENIED,
    UNAUTHENTICATED,
    Call,
    Clients,
    Outcome,
    Refused,
    error,
    function_call,
    header_credentials,
    operation_call,
    read_arguments,
    run,
)
from oint.apps.gateway.config import ROUTE_PREFIX, Settings
from oint.sandbox.guard import WILDCARDS, HostPolicy, host_name

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY = 8 * 1024 * 1024  # bytes: Ozon's largest requests are far smaller
SHOWN_VALUE = 300  # characters of an argument's value kept in the request log
log = logging.getLogger("oint.gateway")


class RequestLog:
    """The request log: one JSON object a line (time, client, handler, call, caller, status,
    milliseconds, the caller's arguments, an error's message). Credentials never reach it:
    `apikey` is not among the arguments shown, and every secret the server knows (its tokens, the
    keys of its accounts, the request's own key and token) is replaced by "***" in the line."""

    def __init__(self, sink: IO[str], secrets: Iterable[str] = ()) -> None:
        self.sink = sink
        self.secrets = [s for s in secrets if s]
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str, secrets: Iterable[str] = ()) -> RequestLog:
        """Append to `path`; a new file is readable by its owner only (it holds callers' arguments)."""
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return cls(os.fdopen(descriptor, "a", encoding="utf-8"), secrets)  # closed by close()

    def redact(self, text: str, more: Iterable[str] = ()) -> str:
        for secret in sorted({*self.secrets, *(s for s in more if s)}, key=len, reverse=True):
            text = text.replace(secret, "***")
            quoted = json.dumps(secret, ensure_ascii=False)[1:-1]
            if quoted != secret:
                text = text.replace(quoted, "***")
        return text

    def write(self, entry: dict[str, Any], more_secrets: Iterable[str] = ()) -> None:
        line = self.redact(json.dumps(entry, ensure_ascii=False, default=str), more_secrets)
        with self._lock:
            self.sink.write(line + "\n")
            self.sink.flush()

    def close(self) -> None:
        self.sink.close()


def _shown(arguments: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in arguments.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        out[name] = text if len(text) <= SHOWN_VALUE else text[: SHOWN_VALUE - 3] + "..."
    return out


def _same_origin(origin: str, host: str) -> bool:
    parts = urlsplit(origin.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # "null" (a sandboxed frame, a file: page) and anything else
    return parts.netloc == host.strip().lower()


class GatewayApp:
    """The ASGI application of one gateway."""

    def __init__(self, settings: Settings, clients: Clients, request_log: RequestLog | None = None) -> None:
        self.settings = settings
        self.clients = clients
        self.request_log = request_log
        self.hosts = HostPolicy.of(settings.host, settings.allowed_hosts)
        # bound to every address with no names given: nothing to check the Host against
        self.checks_hosts = not (host_name(settings.host) in WILDCARDS and not self.hosts.allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        began, started = time.perf_counter(), time.time()
        context: dict[str, Any] = {}
        try:
            outcome = await self._answer(scope, receive, context)
        except Exception as e:  # never a traceback: Ozon's error shape, one line in the server's log
            log.error("oint serve: failure answering %s: %s", scope.get("path"), type(e).__name__)
            outcome = error(500, INTERNAL, "the gateway failed to answer: see the server's log")
        headers = [
            (b"content-type", outcome.media.encode("latin-1")),
            (b"content-length", str(len(outcome.body)).encode()),
        ]
        if outcome.exit_code is not None:
            headers.append((b"x-oint-exit-code", str(outcome.exit_code).encode()))
        if outcome.status == 401:
            headers.append((b"www-authenticate", b'Bearer realm="oint"'))
        headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in outcome.headers.items()]
        if self.request_log is not None:  # before the answer: a caller that got it finds its line
            self._log(scope, started, time.perf_counter() - began, outcome, context)
        await send({"type": "http.response.start", "status": outcome.status, "headers": headers})
        await send({"type": "http.response.body", "body": outcome.body})

    def _log(
        self, scope: Scope, started: float, seconds: float, outcome: Outcome, context: dict[str, Any]
    ) -> None:
        assert self.request_log is not None
        client = scope.get("client")
        entry = {
            "time": dt.datetime.fromtimestamp(started, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "client": client[0] if client else None,
            "method": scope.get("method"),
            "path": scope.get("path"),
            "handler": context.get("handler"),
            "call": context.get("call"),
            "caller": context.get("caller"),
            "status": outcome.status,
            "exit_code": outcome.exit_code,
            "ms": round(seconds * 1000, 1),
            "arguments": _shown(context.get("arguments") or {}),
        }
        if outcome.note:
            entry["error"] = outcome.note
        self.request_log.write(entry, context.get("secrets", ()))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.clients.aclose()
                if self.request_log is not None:
                    self.request_log.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -------------------------------------------------------------------------------- checks
    def _guard(self, headers: dict[str, str]) -> Outcome | None:
        host = headers.get("host", "")
        if self.checks_hosts and not self.hosts.trusts(host):
            return error(
                403,
                PERMISSION_DENIED,
                f"host {host_name(host) or '(none)'!r} is not served here: the gateway answers to the "
                "address it listens on, localhost and the hosts given with --allowed-host",
            )
        if headers.get("sec-fetch-site", "").strip().lower() in ("cross-site", "same-site"):
            return error(
                403, PERMISSION_DENIED, "the gateway takes no requests from web pages of other sites"
            )
        origin = headers.get("origin")
        if origin is not None and not _same_origin(origin, host):
            return error(
                403, PERMISSION_DENIED, f"the gateway takes no requests from origin {origin.strip()!r}"
            )
        return None

    async def _body(self, receive: Receive) -> bytes | None:
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                return None
            if not message.get("more_body"):
                return bytes(body)

    async def _answer(self, scope: Scope, receive: Receive, context: dict[str, Any]) -> Outcome:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self._guard(headers)
        if refusal is not None:
            return refusal
        path = str(scope.get("path") or "/")
        if not path.startswith(ROUTE_PREFIX) or len(path) == len(ROUTE_PREFIX):
            return error(
                404, NOT_FOUND, f"the gateway serves POST {ROUTE_PREFIX}<Method> (and operations by path)"
            )
        scheme, _, token = headers.get("authorization", "").strip().partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        context["secrets"] = [token] if token else []
        caller = self.settings.identify(token or None)
        if caller is None:
            return error(401, UNAUTHENTICATED, "send a valid access token: Authorization: Bearer <token>")
        context["caller"] = caller.name or None
        key = path[len(ROUTE_PREFIX) :]
        handler = self.settings.handler(key)
        context["handler"] = key
        if handler is None:
            return error(404, NOT_FOUND, f"no handler {key!r} here")
        context["call"] = handler.target.name
        if not handler.enabled:
            return error(404, NOT_FOUND, f"handler {key!r} is switched off")
        if not self.settings.allows(caller, handler):
            return error(403, PERMISSION_DENIED, f"this token may not call {key!r}")
        if scope.get("method") != "POST":
            outcome = error(405, INVALID_ARGUMENT, f"{key} is called with POST")
            outcome.headers["allow"] = "POST"
            return outcome
        body = await self._body(receive)
        if body is None:
            return error(
                413, INVALID_ARGUMENT, f"the request body is larger than {MAX_BODY} bytes, or was cut"
            )
        profile = handler.profile or self.settings.profile
        try:
            credentials = header_credentials(headers)
            if credentials is not None:
                context["secrets"].append(credentials[1])
                if profile is not None:
                    raise Refused(
                        403,
                        PERMISSION_DENIED,
                        f"the Ozon account of {handler.key} is set on the server: send no Client-Id/Api-Key",
                    )
            pairs = read_arguments(
                headers.get("content-type", ""), body, form=handler.target.method is not None
            )
            context["secrets"] += [str(v) for k, v in pairs if isinstance(k, str) and k.lower() == "apikey"]
            call: Call
            if handler.target.method is not None:
                call = function_call(handler, pairs, credentials, profile is not None)
            else:
                call = operation_call(
                    handler, pairs, str(scope.get("query_string", b"").decode("latin-1")), credentials
                )
        except Refused as e:
            return e.outcome
        context["arguments"] = call.shown
        return await run(call, self.clients, profile)
