"""One call through the gateway: the caller's arguments, the client that runs them, and the
outcome as an HTTP answer.

An OInt function's arguments are OInt's option names (any case) as JSON keys or form fields; each
value is read as `oint ozon <Method> --option value` reads its text (`oint.apps.cli.args`: the
same unknown-option and missing-option messages, the parameter kinds of `oint.compat.values`),
except that no value is taken for a file name on the server. A JSON value that is not a string
is first written as the command line would carry it (numbers as digits, arrays and objects as
JSON). An operation takes Ozon's own request body.

`"all-pages": true` (an argument of a function, a top-level key beside an operation's body: no
field of Ozon's has a hyphen) reads every page of a list as `--all-pages` does, by the CLI's own
walk (the client's `iter_method_pages`, `ops_cmd.page_rows`), and answers its items (or pages, where the
items' place is unknown) as one JSON array: the lines `--all-pages` prints, gathered. At most
`Settings.max_items` of them (`--max-items`): a longer list is refused with 422, code 8.

Outcomes, with the exit code `oint ozon` would have given (`X-Oint-Exit-Code`):
200 the answer (exit 0; exit 1 and `X-Oint-Item-Errors` when Ozon did not apply some items);
400 bad input, Ozon's error shape with code 3 (exit 2); Ozon's error: its status and JSON (exit 1);
a task that failed after Ozon's 200: 422 (exit 1); an "all-pages" list longer than the cap: 422,
code 8 (no exit code: the CLI has no cap); Ozon not reached: 502, or 504 on a timeout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from oint.apps.cli.args import (
    FLAG_OPTIONS,
    SETTINGS_OPTION,
    VALUE_OPTIONS,
    pages,
    parse_invocation,
)
from oint.apps.gateway.config import CREDENTIALS, Handler, Settings, cli_text, parse_value
from oint.core.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    UsageError,
)

JSON_MEDIA = "application/json; charset=utf-8"
EXIT_OK, EXIT_API, EXIT_USAGE = 0, 1, 2
# the CLI's, chosen by the server (OInt's --config too: its proxy, timeout and retries are the server's)
SERVER_OPTIONS = frozenset({*FLAG_OPTIONS, *VALUE_OPTIONS, SETTINGS_OPTION})
ALL_PAGES = "all-pages"  # the caller's --all-pages: every page of a list in one answer
_OPTION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")

# Ozon's error codes (gRPC's) for the gateway's own refusals
INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED = 3, 5, 7, 16
DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, UNAVAILABLE = 4, 8, 13, 14


@dataclass
class Outcome:
    """An HTTP answer of the gateway. `note` is what the request log says of an error."""

    status: int
    body: bytes
    media: str = JSON_MEDIA
    exit_code: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    note: str | None = None


def json_text(doc: Any) -> bytes:
    """An answer as `oint ozon <Method>` prints it (OInt's indentation)."""
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def error(status: int, code: int, message: str, exit_code: int | None = None) -> Outcome:
    """An answer in Ozon's error shape."""
    doc = {"code": code, "message": message, "details": []}
    return Outcome(status, json_text(doc), exit_code=exit_code, note=message)


class Refused(Exception):
    """A request the gateway answers itself, before any call."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.outcome = error(status, code, message, EXIT_USAGE if status == 400 else None)


def bad_input(message: str) -> Refused:
    return Refused(400, INVALID_ARGUMENT, message)


# ------------------------------------------------------------------------------------ reading
def read_arguments(content_type: str, body: bytes, *, form: bool) -> list[tuple[str, Any]]:
    """The (name, value) pairs of a request body: a JSON object, or (where `form`) form fields.
    A body that starts with "{" is JSON whatever its Content-Type says (curl's -d sends a form's
    type by default); a UTF-8 byte order mark (as 1C may write one) is ignored."""
    media = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bad_input("the request body is not UTF-8 text") from None
    is_json = media == "application/json" or media.endswith("+json") or text.lstrip().startswith("{")
    if not is_json and media == "application/x-www-form-urlencoded" and form:
        return parse_qsl(text, keep_blank_values=True)
    if not text.strip():
        return []
    if not is_json:
        accepted = "a JSON object" + (" or form fields (application/x-www-form-urlencoded)" if form else "")
        raise Refused(
            415, INVALID_ARGUMENT, f"send the arguments as {accepted}, not {media or 'untyped text'}"
        )
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise bad_input(f"the request body is not valid JSON: {e}") from None
    if not isinstance(doc, dict):
        raise bad_input(f"the request body must be a JSON object {{...}}, not {type(doc).__name__}")
    return list(doc.items())


def header_credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """Ozon's own headers, `Client-Id` and `Api-Key`, if the caller sent both."""
    client_id, api_key = headers.get("client-id"), headers.get("api-key")
    if client_id is None and api_key is None:
        return None
    if not client_id or not api_key:
        raise bad_input("send both Client-Id and Api-Key, or neither")
    return client_id, api_key


@dataclass
class Call:
    """A call ready to run: an OInt function's values, or an operation's body and path parameters,
    and the caller's credentials (None: the server's)."""

    handler: Handler
    values: tuple[Any, ...] = ()
    body: dict[str, Any] | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    credentials: tuple[str, str] | None = None
    shown: dict[str, Any] = field(default_factory=dict)  # the caller's arguments, for the log
    all_pages: bool = False  # every page of a list, its items in one JSON array


def _is_all_pages(name: Any) -> bool:
    return isinstance(name, str) and name.lower() == ALL_PAGES


def _take_all_pages(texts: list[tuple[str, str]], name: str, paged: bool) -> bool:
    """Whether the caller asked for every page (`"all-pages": true`; a form's empty field, as the
    bare flag, too), taken out of `texts`; refused where the call does not page, as the CLI does."""
    asked = [text for option, text in texts if option == ALL_PAGES]
    texts[:] = [(option, text) for option, text in texts if option != ALL_PAGES]
    if len(asked) > 1:
        raise bad_input(f"{ALL_PAGES} is given twice")
    if not asked or asked[0].strip().lower() == "false":
        return False
    if asked[0].strip().lower() not in ("true", ""):
        raise bad_input(f"{ALL_PAGES}: expected true or false, got {asked[0][:40]!r}")
    if not paged:
        raise bad_input(f"{name} does not page: {ALL_PAGES} does not apply")
    return True


def _refuse_fixed(handler: Handler, names: list[str]) -> None:
    for name in names:
        if name in handler.fixed:
            raise Refused(
                403, PERMISSION_DENIED, f"{name} is fixed on the server for {handler.key}: leave it out"
            )


def function_call(
    handler: Handler, pairs: list[tuple[str, Any]], credentials: tuple[str, str] | None, server_account: bool
) -> Call:
    """The call of an OInt function from the caller's (name, value) pairs, read as the CLI reads
    its options, over the handler's defaults and under its fixed arguments."""
    method = handler.target.method
    assert method is not None
    texts: list[tuple[str, str]] = []
    for name, value in pairs:
        if not isinstance(name, str) or not _OPTION.match(name):
            raise bad_input(f"unknown option {str(name)[:60]!r} for {method.name_en}")
        if value is None:
            continue
        texts.append((name.lower(), cli_text(value)))
    all_pages = _take_all_pages(texts, method.name_en, pages(method))
    given = [name for name, _ in texts]
    servers = [name for name in given if name in SERVER_OPTIONS]
    if servers:
        raise bad_input(f"--{servers[0]} is the server's to set, not a caller's")
    _refuse_fixed(handler, given)
    if server_account and any(name in CREDENTIALS for name in given):
        raise Refused(
            403,
            PERMISSION_DENIED,
            f"the Ozon account of {handler.key} is set on the server: send no clientid/apikey",
        )
    merged = [(k, v) for k, v in handler.defaults.items() if k not in given] + texts
    merged += list(handler.fixed.items())
    try:
        inv = parse_invocation(method, [f"--{name}={text}" for name, text in merged])
    except UsageError as e:
        raise bad_input(str(e)) from None
    if "clientid" in inv.settings or "apikey" in inv.settings:
        if credentials is not None:
            raise bad_input("credentials twice: in the headers and in the arguments")
        if not inv.settings.get("clientid") or not inv.settings.get("apikey"):
            raise bad_input("send both clientid and apikey, or neither")
        credentials = (inv.settings["clientid"], inv.settings["apikey"])
    values: list[Any] = []
    try:
        for p in method.params:
            text = inv.values.get(p.cli.lower())
            if text is None:
                if p.required:
                    raise UsageError(f"{method.name_en}: missing required option --{p.cli}")
                values.append(p.default)
            else:
                values.append(parse_value(p.kind, text, p.cli))
    except UsageError as e:
        raise bad_input(str(e)) from None
    shown = {name: text for name, text in texts if name not in CREDENTIALS}
    if all_pages:
        shown[ALL_PAGES] = "true"
    return Call(handler, tuple(values), credentials=credentials, shown=shown, all_pages=all_pages)


def operation_call(
    handler: Handler, pairs: list[tuple[str, Any]], query: str, credentials: tuple[str, str] | None
) -> Call:
    """The call of an operation: the caller's JSON object is Ozon's request body (over the
    handler's defaults, under its fixed fields); path parameters come from the query string."""
    op = handler.target.operation
    assert op is not None
    asked = [
        (ALL_PAGES, cli_text(value)) for name, value in pairs if _is_all_pages(name) and value is not None
    ]
    all_pages = _take_all_pages(asked, op.name, op.paging is not None)
    pairs = [(name, value) for name, value in pairs if not _is_all_pages(name)]
    names = [name for name, _ in pairs]
    _refuse_fixed(handler, names)
    if pairs and not op.has_body:
        raise bad_input(f"{op.path} takes no body")
    body = {**handler.defaults, **dict(pairs), **handler.fixed}
    params = dict(parse_qsl(query, keep_blank_values=True))
    unknown = [p for p in params if p not in op.path_params]
    if unknown:
        known = ", ".join(op.path_params) or "none"
        raise bad_input(f"{op.path} has no path parameter {unknown[0]!r} (its path parameters: {known})")
    missing = [p for p in op.path_params if p not in params]
    if missing:
        raise bad_input(
            f"{op.path}: missing path parameter {missing[0]!r} (in the query string: ?{missing[0]}=...)"
        )
    return Call(
        handler,
        body=body if op.has_body else None,
        path_params=params,
        credentials=credentials,
        shown={**dict(pairs), **({ALL_PAGES: True} if all_pages else {})},
        all_pages=all_pages,
    )


# ------------------------------------------------------------------------------------ clients
class Clients:
    """The async clients calls run on: one per profile, made on first use and kept; a caller's
    own credentials get a client for that call. On the sandbox every client shares one `Sandbox`."""

    def __init__(self, settings: Settings, timeout: float | None = 30.0, max_retries: int = 3) -> None:
        self.settings = settings
        self.options: dict[str, Any] = {"timeout": timeout, "max_retries": max_retries}
        self._kept: dict[str | None, Any] = {}
        self._sandbox: Any = None
        self._db: str | None = None
        if settings.sandbox:
            from oint.sandbox.core import Sandbox

            self._db = settings.sandbox if isinstance(settings.sandbox, str) else None
            self._sandbox = Sandbox(self._db)

    def _sandbox_transport(self) -> Any:
        if self._sandbox is None:
            return None
        from oint.sandbox.transport import AsyncSandboxTransport

        return AsyncSandboxTransport(self._db, self._sandbox, owned=False)

    def _new(self, client_id: str | None, api_key: str | None, profile: str | None) -> Any:
        from oint.compat.base import AsyncOIntClient

        transport = self._sandbox_transport()
        options = dict(self.options)
        if transport is not None:
            options["transport"] = transport
        if profile is not None:
            options["profile"] = profile
        return AsyncOIntClient(client_id, api_key, **options)

    def kept(self, profile: str | None) -> Any:
        """The client of a profile (None: the server's own account: the sandbox's demo account,
        or OZON_CLIENT_ID / OZON_API_KEY)."""
        if profile not in self._kept:
            self._kept[profile] = self._new(None, None, profile)
        return self._kept[profile]

    def of_caller(self, credentials: tuple[str, str]) -> Any:
        """A client with the caller's credentials; the caller of this method closes it."""
        return self._new(credentials[0], credentials[1], None)

    def check(self, profiles: set[str | None]) -> None:
        """Make the clients of these profiles now, so that a missing profile or key is said at
        start (UsageError), not at the first call."""
        for profile in profiles:
            self.kept(profile)

    async def aclose(self) -> None:
        for client in self._kept.values():
            await client.aclose()
        self._kept.clear()
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None


# ------------------------------------------------------------------------------------ running
async def run(call: Call, clients: Clients, profile: str | None) -> Outcome:
    """Run a call and make its answer (never raises for Ozon's errors, bad input or a network
    failure: each is an `Outcome`)."""
    own = call.credentials is not None
    try:
        client = (
            clients.of_caller(call.credentials) if call.credentials is not None else clients.kept(profile)
        )
    except UsageError as e:
        return error(400, INVALID_ARGUMENT, str(e), EXIT_USAGE)
    try:
        return await _answer(call, client, clients.settings.max_items)
    finally:
        if own:
            await client.aclose()


class _TooMany(Exception):
    """An "all-pages" list longer than the gateway's cap."""


async def _every_page(call: Call, client: Any, cap: int) -> list[Any]:
    """The rows `--all-pages` would print for `call`, walked as the CLI walks them: an OInt
    function page by page (the client's `iter_method_pages`), an operation by the client's own paging
    (`ops_cmd.page_rows`). More than `cap` rows: `_TooMany`, and no further page is read."""
    from oint.apps.cli.ops_cmd import page_rows
    from oint.core.paging import page_items

    rows: list[Any] = []
    method, op = call.handler.target.method, call.handler.target.operation
    if method is not None:
        endpoint = method.endpoint
        assert endpoint is not None  # a paged function's (function_call checked)
        pages = client.iter_method_pages(method, call.values)
        try:
            async for answer in pages:
                rows += page_items(endpoint, answer)
                if len(rows) > cap:
                    raise _TooMany
        finally:
            await pages.aclose()
        return rows
    assert op is not None
    walk = page_rows(client, op, call.body or {})
    try:
        async for row in walk:
            rows.append(row)
            if len(rows) > cap:
                raise _TooMany
    finally:
        await walk.aclose()
    return rows


async def _answer(call: Call, client: Any, max_items: int) -> Outcome:
    target = call.handler.target
    try:
        if call.all_pages:
            try:
                rows = await _every_page(call, client, max_items)
            except _TooMany:
                message = (
                    f"the list has more than {max_items} items, the most this gateway answers in one "
                    "call (its max_items): narrow the filter, or read it page by page"
                )
                return error(422, RESOURCE_EXHAUSTED, message)
            return Outcome(200, json_text(rows), exit_code=EXIT_OK)
        if target.method is not None:
            result = await client.run_method(target.method, call.values)
            path = target.method.operation
            media = target.method.endpoint.file if target.method.endpoint is not None else None
        else:
            assert target.operation is not None
            result = await client.call(target.operation.path, call.body, **call.path_params)
            path, media = target.operation.path, target.operation.file
    except UsageError as e:
        return error(400, INVALID_ARGUMENT, str(e), EXIT_USAGE)
    except APIStatusError as e:
        status = e.status if e.status >= 400 else 422  # a task that failed after Ozon's 200
        headers = {"retry-after": e.headers["retry-after"]} if "retry-after" in e.headers else {}
        return Outcome(status, json_text(e.to_dict()), exit_code=EXIT_API, headers=headers, note=str(e))
    except APITimeoutError as e:
        return error(504, DEADLINE_EXCEEDED, f"Ozon did not answer in time: {e}", EXIT_API)
    except APIConnectionError as e:
        return error(502, UNAVAILABLE, f"Ozon could not be reached: {e}", EXIT_API)
    if isinstance(result, bytes):
        return Outcome(200, result, media or "application/octet-stream", EXIT_OK)
    outcome = Outcome(200, json_text(result), exit_code=EXIT_OK)
    if path is not None:
        from oint.jobs.results import item_errors

        failed = item_errors(path, result)
        if failed:
            outcome.exit_code = EXIT_API
            outcome.headers["x-oint-item-errors"] = str(len(failed))
            outcome.note = f"Ozon did not apply {len(failed)} item(s)"
    return outcome
