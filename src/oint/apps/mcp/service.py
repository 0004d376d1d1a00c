"""The engine of the MCP server, without the SDK: tools answer here.

`Service.call(name, arguments)` runs one tool: an OInt function through the public client API
(`client.run_method`), or a discovery tool (search, describe, call, more). Writes go through the guard:
refused unless `--allow-write` allows them; a change of more than `confirm_over` items (or any
with `dry_run`) answers a preview and a one-use token; the call with the token sends exactly the
previewed request. Answers are sized for a model (`oint.apps.mcp.answers`); the Api-Key is never part
of an answer (it lives in the client's headers only, and any echo is redacted).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from oint.apis.seller import spec
from oint.apis.seller.spec import Operation
from oint.apps.mcp import answers, catalog
from oint.apps.mcp import performance as perf
from oint.apps.mcp.access import WRITE, WritePolicy, method_access, operation_access, performance_access
from oint.apps.mcp.tools import (
    CALL,
    DESCRIBE,
    META_ARGS,
    MORE,
    SEARCH,
    ToolConfig,
    ToolSpec,
    build_tools,
    instructions,
)
from oint.compat.methods import REGISTRY
from oint.compat.registry import Method
from oint.core.errors import OzonError, UsageError
from oint.core.flow import Request

if TYPE_CHECKING:
    from oint.apps.mcp.jobs import BulkJobs

CONFIRM_TTL = 600.0  # seconds a preview's token stays valid


def default_out_dir() -> str:
    """Where `save=true` writes answers: $XDG_STATE_HOME/oint/mcp or ~/.local/state/oint/mcp."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "oint", "mcp")


def _calls_today(method: Method) -> str:
    """The endpoints a call of `method` uses today (`oint.compat.policy`: the mode of OINT_OZON_API,
    today's date): its current implementation's once Ozon switched OInt's endpoint off."""
    from oint.compat import policy

    op = method.endpoint
    assert op is not None
    if method.current is None or not policy.uses_current(method, policy.api_mode(), policy.today()):
        return f"{op.method} {op.path}"
    main, *others = [spec.operation(path) for path in method.current.uses]
    return f"{main.method} {main.path}" + (f", with {', '.join(o.path for o in others)}" if others else "")


@dataclass(frozen=True)
class Settings:
    """How the server reaches Ozon and what it allows (from `oint mcp`'s options)."""

    sandbox: bool | str = True  # True or a state file: the embedded sandbox; False: live
    base_url: str | None = None
    profile: str | None = None  # the default seller account
    policy: WritePolicy = field(default_factory=WritePolicy)
    confirm_over: int = 1
    max_items: int = 20
    max_chars: int = answers.MAX_CHARS
    out_dir: str = field(default_factory=default_out_dir)
    files_dirs: tuple[str, ...] = ()  # folders bulk_start may read files from (--files-dir); none: rows only
    timeout: float = 60.0
    max_retries: int = 2


@dataclass
class Reply:
    payload: Any
    is_error: bool = False


class Refused(OzonError):
    """A write the server's policy does not allow."""


@dataclass
class Pending:
    tool: str
    profile: str | None
    request: Request
    arguments: dict[str, Any]
    expires: float


class Service:
    def __init__(
        self,
        settings: Settings,
        *,
        profiles: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        env_credentials: bool = False,
    ) -> None:
        """`profiles`: name -> a description without secrets (client id); `secrets`: strings never
        to appear in an answer (Api-Keys); `env_credentials`: OZON_CLIENT_ID/OZON_API_KEY are set."""
        self.settings = settings
        self.profiles = dict(profiles or {})
        self.config = ToolConfig(
            sandbox=bool(settings.sandbox),
            policy=settings.policy,
            profiles=tuple(self.profiles),
            default_profile=settings.profile,
            confirm_over=settings.confirm_over,
            max_items=settings.max_items,
            files=bool(settings.files_dirs),
        )
        self._tools = {t.name: t for t in build_tools(self.config)}
        self._secrets = tuple(s for s in secrets if s)
        self._env_credentials = env_credentials
        self._clients: dict[str | None, Any] = {}
        self._performance_clients: dict[str | None, Any] = {}
        self._pending: dict[str, Pending] = {}
        self.lists = answers.ListStore()
        self._bulk: BulkJobs | None = None  # made on the first bulk tool's call

    # ------------------------------------------------------------------ listing
    def tools(self) -> list[ToolSpec]:
        return list(self._tools.values())

    def instructions(self) -> str:
        return instructions(self.config, self.profiles)

    def text(self, reply: Reply) -> str:
        """The reply as the JSON text the model reads, secrets redacted."""
        return answers.redact(answers.dumps(reply.payload), self._secrets)

    async def aclose(self) -> None:
        if self._bulk is not None:
            await self._bulk.aclose()
        for client in [*self._clients.values(), *self._performance_clients.values()]:
            await client.aclose()
        self._clients.clear()
        self._performance_clients.clear()

    # ------------------------------------------------------------------ calling
    async def call(self, name: str, arguments: Mapping[str, Any] | None) -> Reply:
        tool = self._tools.get(name)
        if tool is None:
            return Reply(
                {"error": {"message": f"unknown tool {name!r}"}, "hint": "tools/list names them."}, True
            )
        args = dict(arguments or {})
        op: Operation | None = None
        try:
            if tool.kind == "oint":
                method = REGISTRY[name]
                op = method.endpoint
                return Reply(await self._oint(method, args))
            if tool.kind == "search":
                return Reply(self._search(args))
            if tool.kind == "describe":
                key = str(_required(args, "operation"))
                function = REGISTRY.get(key) if not key.startswith("/") else None
                if function is not None:
                    return Reply(catalog.describe_method(function))
                described = _operation(key)
                if perf.is_performance(described):
                    return Reply(perf.describe(described))
                return Reply(catalog.describe(described))
            if tool.kind == "more":
                return Reply(self._more(args))
            if tool.kind == "bulk":
                return await self._bulk_jobs().call(name, args)
            if tool.kind == "report":
                return Reply(await self._performance_report(args))
            op = _operation(_required(args, "operation"))
            return Reply(await self._call_operation(op, args))
        except Refused as e:
            return Reply({"error": {"message": str(e)}, "refused": True}, True)
        except OzonError as e:
            return Reply(answers.error(e, op), True)

    async def _oint(self, method: Method, args: dict[str, Any]) -> Any:
        meta = {k: args.pop(k) for k in META_ARGS if k in args}
        names = [p.name for p in method.params]
        unknown = sorted(set(args) - set(names))
        if unknown:
            raise UsageError(
                f"{method.name_en}: unknown argument(s) {', '.join(unknown)}; arguments: {', '.join(names)}"
            )
        if method.local is not None:
            return _plain_names(method, lambda: method.run_local(method.bind((), args)))
        op = method.endpoint
        assert op is not None
        profile = meta.get("profile") or None
        if method_access(method) == WRITE:
            self.check_allowed(op, method.name_en, [method.name_en], method.group, _calls_today(method))
            token = meta.get("confirm")
            if token:
                pending = self.peek(token)
                args = args or dict(pending.arguments)
                profile = profile if "profile" in meta else pending.profile
            values = _plain_names(method, lambda: method.bind((), args))
            request = _plain_names(method, lambda: method.build(values))
            if token:
                self.confirm(token, method.name_en, profile, request)
            elif meta.get("dry_run") or _items(op, request.body) > self.settings.confirm_over:
                return self._preview(method.name_en, profile, request, args, op)
            client = self.client(profile)
            return self._answer(await _plain_names_async(method, client.run_method(method, values)), None, "")
        values = _plain_names(method, lambda: method.bind((), args))
        client = self.client(profile)
        result = await _plain_names_async(method, client.run_method(method, values))
        return self._answer(result, method.name_en, "save" if meta.get("save") else "")

    async def _call_operation(self, op: Operation, args: dict[str, Any]) -> Any:
        allowed = {"operation", "body", "path_params", "all_pages", *META_ARGS}
        unknown = sorted(set(args) - allowed)
        if unknown:
            raise UsageError(f"{CALL}: unknown argument(s) {', '.join(unknown)}")
        body = args.get("body") or {}
        path_params = args.get("path_params") or {}
        if not isinstance(body, dict) or not isinstance(path_params, dict):
            raise UsageError(f"{CALL}: body and path_params must be JSON objects")
        profile = args.get("profile") or None
        advertising = perf.is_performance(op)
        if advertising and body:
            from oint.apis.performance.spec import operation_problem

            problem = operation_problem(op.key, body)  # checked here: nothing is previewed or sent
            if problem:
                raise UsageError(f"{op.name}: {problem}")
        access = performance_access(op) if advertising else operation_access(op)
        if access == WRITE and args.get("confirm") and "path_params" not in args:
            path_params = dict(self.peek(args["confirm"]).arguments.get("path_params") or {})  # as previewed
        try:
            path = op.url_path(path_params)
        except KeyError as e:
            raise UsageError(str(e.args[0])) from None
        if access == WRITE:
            # a Performance operation's name says more than its path (update_campaign_bids is
            # PUT .../products): --allow-write bids allows it
            names = [op.name, *op.name.split("_")] if advertising else [op.name]
            self.check_allowed(op, CALL, names, None)
            if advertising:
                from oint.apis.performance.spec import LAYER
                from oint.core.flow import request as layer_request

                request = layer_request(LAYER, op.key, body, path_params)  # a GET's query included
            else:
                request = Request(op.method, path, body if op.has_body and op.method != "GET" else None)
            token = args.get("confirm")
            if token:
                pending = self.peek(token)
                if "body" not in args:
                    request = pending.request
                profile = profile if "profile" in args else pending.profile
                self.confirm(token, CALL, profile, request)
                body = request.body or {}
            elif args.get("dry_run") or _items(op, body) > self.settings.confirm_over:
                return self._preview(CALL, profile, request, {"operation": op.name, **args}, op)
            if advertising:  # exactly the request previewed (a GET's fields are in its query string)
                sent = await self.performance_client(profile).request(
                    request.method, request.path, request.body
                )
                return self._answer(sent, None, "")
            client = self.client(profile)
            return self._answer(await client.call(op.name, body, **path_params), None, "")
        client = self.performance_client(profile) if advertising else self.client(profile)
        if args.get("all_pages"):
            if op.paging is None:
                raise UsageError(f"{op.name} does not page: call it without all_pages")
            items = [item async for item in client.iter_items(op.key, body)]
            result: Any = {"items": items, "total": len(items)}
        else:
            result = await client.call(op.key, body or None, **path_params)
        return self._answer(result, op.name, "save" if args.get("save") else "")

    async def _performance_report(self, args: dict[str, Any]) -> Any:
        """`performance_report`: every part of a campaign report made, waited for, merged; its rows."""
        allowed = {"campaigns", "date_from", "date_to", "group_by", "profile", "save"}
        unknown = sorted(set(args) - allowed)
        if unknown:
            raise UsageError(f"performance_report: unknown argument(s) {', '.join(unknown)}")
        campaigns = _required(args, "campaigns")
        if not isinstance(campaigns, list) or not all(isinstance(c, (str, int)) for c in campaigns):
            raise UsageError("performance_report: campaigns must be a list of campaign ids")
        from oint.apis.performance.reports import plan

        parts = plan(campaigns, _required(args, "date_from"), _required(args, "date_to"))
        client = self.performance_client(args.get("profile") or None)
        rows = await client.report(
            campaigns, parts[0].date_from, parts[-1].date_to, group_by=args.get("group_by") or None
        )
        result = {"rows": rows, "total": len(rows), "reports": len(parts)}
        return self._answer(result, "performance_report", "save" if args.get("save") else "")

    def _bulk_jobs(self) -> BulkJobs:
        if self._bulk is None:
            from oint.apps.mcp.jobs import BulkJobs  # the bulk library loads with the first bulk tool

            self._bulk = BulkJobs(self)
        return self._bulk

    def _search(self, args: dict[str, Any]) -> Any:
        query = str(_required(args, "query"))
        limit = min(max(int(args.get("limit") or 10), 1), 30)
        access = args.get("access")
        api = args.get("api") or "seller"
        if api not in ("seller", "performance"):
            raise UsageError(f"{SEARCH}: api is seller or performance, got {api!r}")
        searching = perf.search if api == "performance" else catalog.search
        found = searching(query, limit, access if access in ("read", "write") else None)
        return (
            {"query": query, "found": found}
            if found
            else {"query": query, "found": [], "hint": "Try other words."}
        )

    def _more(self, args: dict[str, Any]) -> Any:
        offset = args.get("offset")
        limit = min(max(int(args.get("limit") or self.settings.max_items), 1), 200)
        page = self.lists.page(str(_required(args, "token")), None if offset is None else int(offset), limit)
        return answers.shape(page, limit, None, None, self.settings.max_chars)

    # ------------------------------------------------------------------ answers
    def _answer(self, result: Any, name: str | None, save: str) -> Any:
        if isinstance(result, (bytes, bytearray)):
            path = answers.save(result, self.settings.out_dir, name or "answer")
            return {"file": path, "bytes": len(result)}
        saved = answers.save(result, self.settings.out_dir, name or "answer") if save else None
        return answers.shape(result, self.settings.max_items, self.lists, saved, self.settings.max_chars)

    # ------------------------------------------------------------------ the write guard
    def check_allowed(
        self, op: Operation, tool: str, names: list[str], group: str | None, calls: str | None = None
    ) -> None:
        """Refused unless the write policy allows `op`; `calls` says which endpoints the call would
        use today (default `op` itself)."""
        policy = self.settings.policy
        if policy.allows(op.path, names, group):
            return
        what = f"{tool} changes the store ({calls or f'{op.method} {op.path}'})"
        if policy.read_only:
            raise Refused(
                f"{what}, and this server is read-only. Nothing was sent. The user can allow changes "
                "by restarting `oint mcp` with --allow-write (all) or --allow-write SCOPES "
                "(e.g. prices,stocks)."
            )
        raise Refused(f"{what}, which is outside the allowed writes: {policy.describe()}. Nothing was sent.")

    def _preview(
        self, tool: str, profile: str | None, request: Request, args: dict[str, Any], op: Operation
    ) -> Any:
        token = self.remember(tool, profile, request, {k: v for k, v in args.items() if k not in META_ARGS})
        body = answers.shape(request.body, self.settings.max_items, None, None, self.settings.max_chars)
        preview: dict[str, Any] = {
            "call": f"{request.method} {request.path}",
            "body": body,
            "items": _items(op, request.body),
            "account": self.account(profile),
        }
        if perf.is_performance(op):  # amounts in roubles, for the person who confirms
            preview["api"] = perf.API
            fields = args.get("body") if isinstance(args.get("body"), dict) else request.body
            amounts = perf.amounts(op, fields or {})
            if amounts:
                preview["amounts"] = amounts
        return {
            "preview": preview,
            "confirm": token,
            "expires_in_s": int(CONFIRM_TTL),
            "next": (
                f"Nothing was sent. Show this to the user; to send it, call {tool} again with "
                f'confirm="{token}" (and the same arguments, or none).'
            ),
        }

    def remember(self, tool: str, profile: str | None, request: Request, arguments: dict[str, Any]) -> str:
        """A one-use token for `request` (what the preview showed), valid CONFIRM_TTL seconds."""
        now = time.monotonic()
        for t in [t for t, p in self._pending.items() if p.expires < now]:
            del self._pending[t]
        token = "C" + secrets.token_urlsafe(8)
        self._pending[token] = Pending(tool, profile, request, arguments, now + CONFIRM_TTL)
        return token

    def peek(self, token: str) -> Pending:
        """The pending write a confirm token stands for (UsageError when unknown or expired)."""
        pending = self._pending.get(str(token))
        if pending is None or pending.expires < time.monotonic():
            raise UsageError("unknown or expired confirm token: ask for a new preview (dry_run=true)")
        return pending

    def confirm(self, token: str, tool: str, profile: str | None, request: Request) -> None:
        """Use up a confirm token: it must have been given for this tool, profile and request."""
        pending = self.peek(token)
        if pending.tool != tool or pending.profile != profile or pending.request != request:
            raise UsageError(
                "this confirm token was given for another request: the arguments differ from the preview; "
                "ask for a new preview"
            )
        del self._pending[str(token)]

    def account(self, profile: str | None) -> str:
        """Which account a tool acts on, in words (the sandbox's, a profile, or the environment's)."""
        name = profile or self.settings.profile
        if self.settings.sandbox:
            return "sandbox demo account"
        return f"profile {name}" if name else "OZON_CLIENT_ID"

    # ------------------------------------------------------------------ clients
    def performance_client(self, profile: str | None) -> Any:
        """The Performance API's client of a profile (None: the server's), made once and kept: on
        the sandbox its demo account, else the profile's `performance_client_id` and secret, else
        OZON_PERFORMANCE_CLIENT_ID / OZON_PERFORMANCE_CLIENT_SECRET."""
        name = profile or self.settings.profile
        if name in self._performance_clients:
            return self._performance_clients[name]
        from oint.apis.performance.client import AsyncPerformanceClient

        options: dict[str, Any] = {"timeout": self.settings.timeout, "max_retries": self.settings.max_retries}
        if self.settings.sandbox:
            if profile:
                raise UsageError(
                    "the server runs on the sandbox, where profiles do not apply: leave out profile"
                )
            from oint.sandbox.transport import connect_async

            sandbox = self.settings.sandbox
            options["transport"] = connect_async(sandbox if isinstance(sandbox, str) else None)
        else:
            if self.settings.base_url:
                options["base_url"] = self.settings.base_url
            if name:
                if self.profiles and name not in self.profiles:
                    raise UsageError(f"unknown profile {name!r}; profiles: {', '.join(self.profiles)}")
                options["profile"] = name
        client = AsyncPerformanceClient(**options)
        self._performance_clients[name] = client
        return client

    def client(self, profile: str | None) -> Any:
        """The client of a profile (None: the server's), made once and kept."""
        name = profile or self.settings.profile
        if name in self._clients:
            return self._clients[name]
        from oint.compat.client import AsyncOzonClient

        options: dict[str, Any] = {"timeout": self.settings.timeout, "max_retries": self.settings.max_retries}
        if self.settings.sandbox:
            if profile:
                raise UsageError(
                    "the server runs on the sandbox, where profiles do not apply: leave out profile, or "
                    "restart `oint mcp` without --sandbox to reach real seller accounts"
                )
            from oint.sandbox.transport import connect_async

            sandbox = self.settings.sandbox
            options["transport"] = connect_async(sandbox if isinstance(sandbox, str) else None)
        else:
            if self.settings.base_url:
                options["base_url"] = self.settings.base_url
            if name:
                if self.profiles and name not in self.profiles:
                    raise UsageError(f"unknown profile {name!r}; profiles: {', '.join(self.profiles)}")
                options["profile"] = name
            elif not self._env_credentials and self.profiles:
                raise UsageError(f"choose a seller account: profile is one of {', '.join(self.profiles)}")
        client = AsyncOzonClient(**options)
        self._clients[name] = client
        return client


def _required(args: Mapping[str, Any], name: str) -> Any:
    value = args.get(name)
    if value in (None, ""):
        raise UsageError(f"missing required argument {name}")
    return value


def _operation(key: Any) -> Operation:
    """An operation of the Seller API, else of the Performance API (their names and paths differ)."""
    found = spec.find(str(key).strip()) or perf.find(str(key))
    if found is None:
        raise UsageError(
            f"no Seller or Performance API operation {key!r}: {SEARCH} finds them by words "
            "(api=performance for advertising)"
        )
    return found


def _items(op: Operation, body: Any) -> int:
    """How many items a write changes: the length of its batch field, else one."""
    if perf.is_performance(op):
        return perf.items(body)
    if op.batch is not None and isinstance(body, dict) and isinstance(body.get(op.batch.field), list):
        return len(body[op.batch.field])
    return 1


def _rename(method: Method, e: UsageError) -> UsageError:
    """The registry's messages name CLI options (--productid); tools name arguments (product_id)."""
    text = str(e)
    for p in sorted(method.params, key=lambda p: -len(p.cli)):
        text = text.replace(f"--{p.cli}", p.name)
    return UsageError(text)


def _plain_names(method: Method, thunk: Any) -> Any:
    try:
        return thunk()
    except UsageError as e:
        raise _rename(method, e) from None


async def _plain_names_async(method: Method, awaitable: Any) -> Any:
    try:
        return await awaitable
    except UsageError as e:
        raise _rename(method, e) from None


__all__ = ["DESCRIBE", "MORE", "SEARCH", "Refused", "Reply", "Service", "Settings"]
