"""OInt's MCP interface, beside ours: `oint mcp start --config FILE|default [--log FILE]` serves the
five generic tools of OpenIntegrations' MCP server over oint's catalogue, without the SDK here
(`oint.apps.mcp.server` serves any service with `tools`, `call`, `text`, `instructions`, `aclose`).

The tools, named and shaped as OInt's (each answer is one text block holding a JSON document):
- `get_services` -> `{"services": [{"name", "title"}]}`: "ozon" (OInt's 53 functions) and "ozon_api"
  (every operation of the Seller API, by its name: its top-level request fields are its parameters);
- `get_service_methods {service}` -> `{"methods": [{"name", "description"}]}` (an unknown service: none);
- `get_method_parameters {service, method}` -> `{"parameters": [{"name", "types", "description",
  "default_value"}]}`, names as CLI options (`clientid`, `productid`);
- `execute_method {service, method, parameters}` -> `{"execution_result": "<what the CLI prints>"}`;
  a parameter value `@@Name` is replaced by `vars.Name` of the config file before the call;
- `get_variables` -> `{"vars": ["@@Name", ...]}`: names only, never values.

Secrets stay out of the chat: a value of `vars` whose name says key, token, secret or password, and
any value given as `apikey`, is replaced by *** in every answer, error and log line; the Api-Key
lives in the client's headers only. Writes obey `--allow-write` (and its scopes) as our own tools do;
there is no preview or confirm token in OInt's shape: an allowed write is sent at once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from oint.apis.seller import spec
from oint.apis.seller.spec import Operation
from oint.apps.catalog import fields
from oint.apps.mcp import answers
from oint.apps.mcp.access import READ, WRITE, WritePolicy, method_access, operation_access
from oint.apps.mcp.tools import ToolSpec
from oint.compat.methods import REGISTRY
from oint.compat.registry import Method
from oint.compat.values import relaxed_json
from oint.core.errors import APIStatusError, OzonError, UsageError

SERVICE_FUNCTIONS, SERVICE_OPERATIONS = "ozon", "ozon_api"
SERVICES = (
    {"name": SERVICE_FUNCTIONS, "title": "Ozon"},
    {"name": SERVICE_OPERATIONS, "title": "Ozon Seller API: every operation (parameters: body fields)"},
)
TOOL_NAMES = (
    "get_services",
    "get_variables",
    "get_service_methods",
    "get_method_parameters",
    "execute_method",
)
SECRET_NAME = re.compile(r"key|token|secret|pass", re.IGNORECASE)
CREDENTIALS = (
    ("clientid", "String", "Client identifier (Client-Id header)"),
    ("apikey", "String", "API key (Api-Key header); pass it as @@Name of a config variable"),
)
DEFAULT_CONFIG_NAME = "mcp.json"


# ------------------------------------------------------------------ the config file
def default_config_path() -> str:
    """Where `--config default` looks: mcp.json beside oint's config file (`oint.core.profiles`:
    OINT_CONFIG's folder, else $XDG_CONFIG_HOME/oint or ~/.config/oint)."""
    from oint.core.profiles import config_path

    return os.path.join(os.path.dirname(config_path()), DEFAULT_CONFIG_NAME)


def load_vars(config: str) -> dict[str, str]:
    """The `vars` of a config: a JSON file, JSON text ({...}), or "default" (mcp.json in oint's
    config folder when there is one, else no variables, as OInt's default is an empty config).
    UsageError, naming the problem but never a value, when it is not OInt's shape."""
    if config == "default":
        path = default_config_path()
        if not os.path.exists(path):
            return {}
        config = path
    if config.lstrip().startswith("{"):
        where, text = "--config", config
    else:
        where = f"--config {config!r}"
        try:
            with open(config, encoding="utf-8-sig") as fh:
                text = fh.read()
        except OSError as e:
            raise UsageError(f"{where}: cannot read the file ({e.strerror or type(e).__name__})") from None
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise UsageError(f"{where}: not valid JSON (line {getattr(e, 'lineno', '?')})") from None
    if not isinstance(doc, dict):
        raise UsageError(f'{where}: expected a JSON object such as {{"vars": {{...}}}}')
    raw = doc.get("vars", {})
    if not isinstance(raw, dict):
        raise UsageError(f'{where}: "vars" must be an object of names and values')
    out: dict[str, str] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            out[name] = value
        elif isinstance(value, (bool, int, float)):
            out[name] = json.dumps(value)
        elif isinstance(value, (list, dict)):
            out[name] = json.dumps(value, ensure_ascii=False)
        else:
            raise UsageError(f"{where}: variable {name!r} has no value (null)")
    return out


def template(empty: bool) -> dict[str, Any]:
    """`oint mcp config --empty true|false`: an empty config, or one whose vars show what to put."""
    if empty:
        return {"vars": {}}
    return {
        "vars": {
            "ClientId": "your Client-Id: pass it to execute_method as @@ClientId",
            "ApiKey": "your Api-Key: pass it as @@ApiKey, the key itself never enters the chat",
            "TextKey": "any text; a parameter value @@TextKey is replaced by it before the call",
        }
    }


# ------------------------------------------------------------------ the log
class CallLog:
    """`--log FILE`: one line per event, appended, secrets replaced by *** (a no-op without a file)."""

    def __init__(self, path: str | None, secrets: Iterable[str] = ()) -> None:
        self._secrets = list(secrets)
        self._fh: TextIO | None = None
        if path:
            try:
                self._fh = open(path, "a", encoding="utf-8")  # kept open while serving
            except OSError as e:
                raise UsageError(f"--log: cannot write {path!r} ({e.strerror or type(e).__name__})") from None

    def add_secret(self, secret: str) -> None:
        if secret and secret not in self._secrets:
            self._secrets.append(secret)

    def write(self, text: str) -> None:
        if self._fh is None:
            return
        stamp = dt.datetime.now().isoformat(timespec="seconds")
        self._fh.write(f"[{stamp}] {answers.redact(text, self._secrets)}\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


# ------------------------------------------------------------------ the service
@dataclass(frozen=True)
class Target:
    """Where `execute_method` sends: the sandbox (True or its state file) or a live base URL /
    profile; the write policy of `--allow-write`."""

    sandbox: bool | str = False
    base_url: str | None = None
    profile: str | None = None
    policy: WritePolicy = field(default_factory=WritePolicy)
    out_dir: str = ""
    timeout: float = 60.0
    max_retries: int = 2


@dataclass
class Reply:
    payload: Any
    is_error: bool = False


def _schema(properties: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required)}


def _tool(name: str, description: str, properties: dict[str, Any], required: tuple[str, ...]) -> ToolSpec:
    read_only = name != "execute_method"
    return ToolSpec(
        name=name,
        title=None,
        description=description,
        input_schema=_schema(properties, required),
        kind="oint",
        access=READ if read_only else WRITE,
        annotations={"readOnlyHint": read_only, "openWorldHint": not read_only},
    )


def oint_tools() -> list[ToolSpec]:
    """OInt's five tools with OInt's argument names and schemas."""
    service = {"type": "string", "description": "Service name (command): ozon, or ozon_api"}
    method = {"type": "string", "description": "Method name, as get_service_methods lists it"}
    parameters = {
        "type": "object",
        "description": "Named parameters (CLI option names, values as text); @@Name takes a config variable",
        "additionalProperties": True,
    }
    return [
        _tool("get_services", "Lists the services (CLI commands) this server offers", {}, ()),
        _tool(
            "get_variables",
            "Lists the names of the config file's variables (@@Name), to pass instead of secrets",
            {},
            (),
        ),
        _tool("get_service_methods", "Lists the methods of one service", {"service": service}, ("service",)),
        _tool(
            "get_method_parameters",
            "Lists a method's parameters with their types, descriptions and defaults",
            {"service": service, "method": method},
            ("service", "method"),
        ),
        _tool(
            "execute_method",
            "Runs a method with named parameters; the result is the text the CLI prints",
            {"service": service, "method": method, "parameters": parameters},
            ("service", "method", "parameters"),
        ),
    ]


class OIntToolService:
    """The engine of `oint mcp start`: OInt's five tools over the registry and the operation layer."""

    server_name = "oint-mcp-server"

    def __init__(
        self,
        target: Target,
        variables: Mapping[str, str],
        *,
        secrets: Iterable[str] = (),
        log: CallLog | None = None,
    ) -> None:
        self.target = target
        self.variables = dict(variables)
        self._secrets = [s for s in secrets if s]
        self._secrets += [v for k, v in self.variables.items() if SECRET_NAME.search(k) and v]
        self.log = log or CallLog(None)
        for s in self._secrets:
            self.log.add_secret(s)
        self._tools = {t.name: t for t in oint_tools()}
        self._clients: dict[tuple[str | None, str | None], Any] = {}

    # ---------------------------------------------------------------- the service protocol
    def tools(self) -> list[ToolSpec]:
        return list(self._tools.values())

    def instructions(self) -> str:
        where = (
            "oint's local sandbox of the Seller API (a demo store)"
            if self.target.sandbox
            else "the seller's real Ozon account"
        )
        writes = "read-only" if self.target.policy.read_only else f"writes: {self.target.policy.describe()}"
        return (
            f"OpenIntegrations-style tools over oint; calls go to {where} ({writes}). "
            "get_services -> get_service_methods -> get_method_parameters -> execute_method; "
            "pass secrets as @@Name (get_variables lists the names)."
        )

    def text(self, reply: Reply) -> str:
        return answers.redact(json.dumps(reply.payload, ensure_ascii=False), self._secrets)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
        self.log.close()

    async def call(self, name: str, arguments: Mapping[str, Any] | None) -> Reply:
        args = dict(arguments or {})
        given = args.get("parameters")
        if isinstance(given, dict):  # a key passed as it is (not as @@Name) is a secret from now on
            for key, value in given.items():
                if str(key).lower().lstrip("-") == "apikey" and isinstance(value, str):
                    self._secret(str(self._substitute(value)))
        self.log.write(f"tool {name} {json.dumps(args, ensure_ascii=False, default=str)}")
        try:
            reply = await self._call(name, args)
        except (UsageError, Refused) as e:
            reply = Reply(
                {"execution_result": str(e)} if name == "execute_method" else {"error": str(e)}, True
            )
        self.log.write(f"tool {name}: {'error' if reply.is_error else 'ok'} {self.text(reply)[:2000]}")
        return reply

    # ---------------------------------------------------------------- the tools
    async def _call(self, name: str, args: dict[str, Any]) -> Reply:
        if name == "get_services":
            return Reply({"services": list(SERVICES)})
        if name == "get_variables":
            return Reply({"vars": [f"@@{k}" for k in self.variables]})
        if name == "get_service_methods":
            return Reply({"methods": service_methods(str(args.get("service") or ""))})
        if name == "get_method_parameters":
            service, method = str(args.get("service") or ""), str(args.get("method") or "")
            return Reply({"parameters": method_parameters(service, method)})
        if name == "execute_method":
            return await self._execute(args)
        raise UsageError(f"unknown tool {name!r}: the tools are {', '.join(TOOL_NAMES)}")

    async def _execute(self, args: dict[str, Any]) -> Reply:
        service, name = str(args.get("service") or ""), str(args.get("method") or "")
        given = args.get("parameters")
        if given is None:
            given = {}
        if not isinstance(given, dict):
            raise UsageError("execute_method: parameters must be an object of names and values")
        values = {str(k).lower().lstrip("-"): self._substitute(v) for k, v in given.items()}
        client_id, api_key = values.pop("clientid", None), values.pop("apikey", None)
        if api_key:
            self._secret(api_key)
        if service == SERVICE_FUNCTIONS:
            method = REGISTRY.get(name)
            if method is None:
                raise UsageError(f"ozon has no method {name!r}: get_service_methods lists them")
            return await self._run_function(method, values, client_id, api_key)
        if service == SERVICE_OPERATIONS:
            op = spec.find(name.strip())
            if op is None:
                raise UsageError(f"ozon_api has no method {name!r}: get_service_methods lists them")
            return await self._run_operation(op, values, client_id, api_key)
        raise UsageError(f"no service {service!r}: get_services lists them (ozon, ozon_api)")

    def _substitute(self, value: Any) -> Any:
        """`@@Name` -> the variable's value (left as it is when there is no such variable, as OInt
        does); other values as given (text, or JSON values the model sent as such)."""
        if isinstance(value, str) and value.startswith("@@"):
            found = self.variables.get(value[2:])
            return value if found is None else found
        return value

    def _secret(self, value: str) -> None:
        if value and value not in self._secrets:
            self._secrets.append(value)
            self.log.add_secret(value)

    async def _run_function(
        self, method: Method, given: dict[str, Any], client_id: Any, api_key: Any
    ) -> Reply:
        by_cli = {p.cli.lower(): p for p in method.params}
        unknown = sorted(set(given) - set(by_cli))
        if unknown:
            known = ", ".join(p.cli for p in method.params) or "none"
            raise UsageError(f"{method.name_en}: unknown parameter(s) {', '.join(unknown)} (its: {known})")
        values = [p.default for p in method.params]
        for i, p in enumerate(method.params):
            if p.cli.lower() in given:
                values[i] = given[p.cli.lower()]  # text, or a JSON value as the model sent it
        normalised = method.normalise(values)  # bad input: UsageError before anything is sent
        if method.local is not None:
            return Reply({"execution_result": _cli_text(method.run_local(tuple(normalised)))})
        op = method.endpoint
        assert op is not None
        if method_access(method) == WRITE:
            self._check_allowed(op, method.name_en, [method.name_en], method.group)
        client = self._client(client_id, api_key)
        return await self._result(client.run_method(method, tuple(values)), method.name_en)

    async def _run_operation(
        self, op: Operation, given: dict[str, Any], client_id: Any, api_key: Any
    ) -> Reply:
        top = {f.path: f for f in fields(op.request, max_depth=1)} if op.has_body else {}
        path_params = {p: given.pop(p.lower()) for p in op.path_params if p.lower() in given}
        missing = [p for p in op.path_params if p not in path_params]
        if missing:
            raise UsageError(f"{op.name}: missing path parameter(s) {', '.join(missing)}")
        lowered = {k.lower(): k for k in top}
        unknown = sorted(k for k in given if k not in lowered)
        if unknown:
            raise UsageError(
                f"{op.name}: unknown parameter(s) {', '.join(unknown)} (its: {', '.join(top) or 'none'})"
            )
        body = {lowered[k]: _field_value(v, top[lowered[k]].type) for k, v in given.items()}
        if operation_access(op) == WRITE:
            self._check_allowed(op, op.name, [op.name], None)
        client = self._client(client_id, api_key)
        return await self._result(client.call(op.name, body, **path_params), op.name)

    async def _result(self, awaitable: Any, name: str) -> Reply:
        try:
            result = await awaitable
        except APIStatusError as e:
            return Reply({"execution_result": _cli_text(e.to_dict())}, True)
        except OzonError as e:
            return Reply({"execution_result": str(e)}, True)
        if isinstance(result, (bytes, bytearray)):
            path = answers.save(bytes(result), self.target.out_dir or _default_out_dir(), name)
            return Reply({"execution_result": _cli_text({"file": path, "bytes": len(result)})})
        return Reply({"execution_result": _cli_text(result)})

    def _check_allowed(self, op: Operation, name: str, names: list[str], group: str | None) -> None:
        policy = self.target.policy
        if policy.allows(op.path, names, group):
            return
        what = f"{name} changes the store ({op.method} {op.path})"
        if policy.read_only:
            raise Refused(
                f"{what}, and this server is read-only. Nothing was sent. The user can allow changes by "
                "restarting `oint mcp start` with --allow-write (all) or --allow-write SCOPES."
            )
        raise Refused(f"{what}, which is outside the allowed writes: {policy.describe()}. Nothing was sent.")

    def _client(self, client_id: Any, api_key: Any) -> Any:
        """A client per pair of credentials given (none: the profile's or the environment's), kept."""
        key = (None if client_id is None else str(client_id), None if api_key is None else str(api_key))
        if key in self._clients:
            return self._clients[key]
        from oint.compat.client import AsyncOzonClient

        options: dict[str, Any] = {"timeout": self.target.timeout, "max_retries": self.target.max_retries}
        if self.target.sandbox:
            from oint.sandbox.transport import connect_async

            state = self.target.sandbox
            options["transport"] = connect_async(state if isinstance(state, str) else None)
        else:
            if self.target.base_url:
                options["base_url"] = self.target.base_url
            if self.target.profile:
                options["profile"] = self.target.profile
        client = AsyncOzonClient(key[0], key[1], **options)
        self._clients[key] = client
        return client


class Refused(OzonError):
    """A write `--allow-write` does not allow."""


# ------------------------------------------------------------------ the catalogue in OInt's shapes
def service_methods(service: str) -> list[dict[str, str]]:
    if service == SERVICE_FUNCTIONS:
        return [{"name": m.name_en, "description": m.summary} for m in REGISTRY]
    if service == SERVICE_OPERATIONS:
        out = []
        for path in spec.operations():
            op = spec.operation(path)
            out.append({"name": op.name, "description": f"{op.title} ({op.method} {op.path})"})
        return out
    return []  # OInt answers an unknown service with no methods


def method_parameters(service: str, name: str) -> list[dict[str, Any]]:
    """A method's parameters as OInt describes them (an unknown method: none, as OInt)."""
    if service == SERVICE_FUNCTIONS:
        method = REGISTRY.get(name)
        if method is None:
            return []
        rows = [_row(n, t, d, "") for n, t, d in CREDENTIALS] if method.endpoint is not None else []
        return rows + [_row(p.cli, p.type_doc, p.doc, _default(p.required, p.default)) for p in method.params]
    if service == SERVICE_OPERATIONS:
        op = spec.find(name.strip())
        if op is None:
            return []
        rows = [_row(n, t, d, "") for n, t, d in CREDENTIALS]
        rows += [_row(p, "String", "path parameter", "") for p in op.path_params]
        if op.has_body and op.method != "GET":
            rows += [
                _row(f.path, f.type, f.line(), "" if f.required else "Empty value")
                for f in fields(op.request, max_depth=1)
            ]
        return rows
    return []


def _row(name: str, types: str, description: str, default: str) -> dict[str, Any]:
    return {"name": name, "types": types, "description": description, "default_value": default}


def _default(required: bool, default: Any) -> str:
    if required:
        return ""
    if default is None or default == "":
        return "Empty value"
    return str(default).lower() if isinstance(default, bool) else str(default)


def _field_value(value: Any, type_text: str) -> Any:
    """A body field from a text value: JSON for non-string fields ('[1, 2]', '5', 'true'), the
    text itself for a string field or text that is not JSON."""
    if not isinstance(value, str) or type_text.startswith("string"):
        return value

    try:
        return relaxed_json(value)
    except ValueError:
        return value


def _cli_text(doc: Any) -> str:
    """The JSON text `oint ozon` prints (OInt's indentation)."""
    return json.dumps(doc, ensure_ascii=False, indent=1, default=str)


def _default_out_dir() -> str:
    from oint.apps.mcp.service import default_out_dir

    return default_out_dir()


__all__ = [
    "CallLog",
    "OIntToolService",
    "Refused",
    "Reply",
    "Target",
    "default_config_path",
    "load_vars",
    "method_parameters",
    "oint_tools",
    "service_methods",
    "template",
]
