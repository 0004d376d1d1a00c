"""The gateway's settings: the TOML file of `oint serve --config FILE`, and the handlers it declares.

    [server]
    host = "127.0.0.1"            # --host wins
    port = 8090                   # --port wins
    profile = "shop1"             # the account of handlers that name none (--profile wins)
    log = "gateway.jsonl"         # the request log, JSON lines (--log wins)
    allowed_hosts = ["erp.lan"]   # Host names answered besides localhost and the bound address
    serve_all = false             # also every OInt function and operation not declared below
    token_env = "GATEWAY_TOKEN"   # a token for every handler (or token_sha256 = "<hex digest>")
    max_items = 10000             # the most items an "all-pages" call answers (--max-items wins)

    [callers.accounting]          # a caller: its token, by digest or environment variable
    token_sha256 = "9f86d081..."  # printf %s "$TOKEN" | sha256sum

    [handlers.UpdateProductImages]           # POST /ozon/UpdateProductImages
    profile = "shop1"
    callers = ["accounting"]                 # who may call it (default: any caller)
    [handlers.UpdateProductImages.fixed]     # set on the server: a caller that sends one is refused
    productid = 1111588191
    [handlers.UpdateProductImages.defaults]  # used when the caller leaves them out
    color = "GREEN"

    [handlers.product-info]                  # POST /ozon/product-info
    operation = "/v2/product/info"           # an operation (or function = "...": an OInt function)
    enabled = false                          # switched off: 404

A handler's key is its URL, `/ozon/<key>`, and names the OInt function it runs unless it says
`function` or `operation`. Tokens are never written in the file (a `token` setting is refused):
only their SHA-256 digests, or the name of the environment variable holding them. Without a
config file every OInt function and operation is served (`serve_all`), with `--profile`'s account.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from oint.apis.seller import spec
from oint.apps.cli.args import did_you_mean
from oint.compat.methods import REGISTRY
from oint.compat.registry import Method
from oint.compat.values import ArrayKind, CollectionKind, Kind
from oint.core.errors import UsageError
from oint.core.layer import Operation

ROUTE_PREFIX = "/ozon/"
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8090
DEFAULT_MAX_ITEMS = 10_000  # the most items an "all-pages" call gathers into its one answer
TOKEN_ENV = "OINT_GATEWAY_TOKEN"  # the token of `--token`, kept out of the process list
CREDENTIALS = ("clientid", "apikey")  # the CLI's credential options: server-side where a profile is set

_SERVER_KEYS = (
    "host",
    "port",
    "profile",
    "log",
    "allowed_hosts",
    "serve_all",
    "token_env",
    "token_sha256",
    "max_items",
)
_CALLER_KEYS = ("token_env", "token_sha256")
_HANDLER_KEYS = (
    "function",
    "operation",
    "profile",
    "enabled",
    "callers",
    "fixed",
    "defaults",
    "token_env",
    "token_sha256",
)
_HEX_DIGEST = re.compile(r"^[0-9a-fA-F]{64}$")
_KEY = re.compile(r"^[^/\s?#%]+$")


def digest(token: str) -> bytes:
    """The SHA-256 digest a token is kept and compared as."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def cli_text(value: Any) -> str:
    """A JSON (or TOML) value as the text `--option value` would carry: strings as they are,
    booleans as true/false, numbers, arrays and objects as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"

    return json.dumps(value, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class Target:
    """What a handler runs: an OInt function or an operation of the Seller API."""

    method: Method | None = None
    operation: Operation | None = None

    @property
    def name(self) -> str:
        if self.method is not None:
            return self.method.name_en
        assert self.operation is not None
        return self.operation.path


def target_of(name: str) -> Target | None:
    """The function (by its English, Russian or Python name, any case) or the operation (by path,
    with or without the leading slash, or by name) that `name` means, or None."""
    method = REGISTRY.get(name)
    if method is not None:
        return Target(method=method)
    if "/" in name:
        op = spec.find("/" + name.lstrip("/"))
    else:
        op = spec.find(name) if re.match(r"^v\d+[_-]", name, flags=re.I) else None
    return Target(operation=op) if op is not None else None


@dataclass(frozen=True)
class Handler:
    """One URL of the gateway. For a function, `fixed` and `defaults` map its options (lower case)
    to their CLI text; for an operation, top-level body fields to JSON values. `callers`: the
    callers allowed (None: any); `tokens`: digests of tokens of this handler's own."""

    key: str
    target: Target
    profile: str | None = None
    enabled: bool = True
    fixed: Mapping[str, Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    callers: frozenset[str] | None = None
    tokens: tuple[bytes, ...] = ()

    @property
    def restricted(self) -> bool:
        """Whether only named callers or the handler's own tokens may call it."""
        return self.callers is not None or bool(self.tokens)


@dataclass(frozen=True)
class Caller:
    """Who sent a request: a named caller, the server's token (`name` "*"), a handler's own token
    (`handler` its key), or nobody in particular on an open gateway (`name` "")."""

    name: str
    handler: str | None = None


@dataclass
class Settings:
    """Everything `oint serve` runs with (the config file, then the command line over it)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    profile: str | None = None
    sandbox: bool | str = False
    log: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    serve_all: bool = True
    max_items: int = DEFAULT_MAX_ITEMS  # the cap of an "all-pages" answer
    tokens: tuple[bytes, ...] = ()  # the server's tokens, for any handler not restricted
    callers: dict[str, tuple[bytes, ...]] = field(default_factory=dict)
    handlers: dict[str, Handler] = field(default_factory=dict)  # by key, casefolded
    governing: dict[str, Handler] = field(default_factory=dict)  # by target name: handlers keyed by it
    secrets: tuple[str, ...] = ()  # tokens known in clear (--token, the environment): kept out of the log

    @property
    def open(self) -> bool:
        """No token at all: only allowed on the sandbox."""
        return not (self.tokens or self.callers or any(h.tokens for h in self.handlers.values()))

    def identify(self, token: str | None) -> Caller | None:
        """Who holds `token` (None: nobody, unless the gateway is open). Compared by digest, in
        constant time."""
        if self.open:
            return Caller("")
        if not token:
            return None
        given = digest(token)
        if any(hmac.compare_digest(given, d) for d in self.tokens):
            return Caller("*")
        for name, digests in self.callers.items():
            if any(hmac.compare_digest(given, d) for d in digests):
                return Caller(name)
        for handler in self.handlers.values():
            if any(hmac.compare_digest(given, d) for d in handler.tokens):
                return Caller(f"handler:{handler.key}", handler.key)
        return None

    def handler(self, key: str) -> Handler | None:
        """The handler of URL `/ozon/<key>`: a declared one (even switched off), also under any
        other name of the function or operation its key names (the Russian name, the Python name,
        an operation's path or name), so that no other name escapes its settings; else with
        `serve_all` the function or operation `key` names, on the server's account."""
        declared = self.handlers.get(key.casefold())
        if declared is not None:
            return declared
        target = target_of(key)
        if target is None:
            return None
        governing = self.governing.get(target.name)
        if governing is not None:
            return governing
        return Handler(key, target) if self.serve_all else None

    def allows(self, caller: Caller, handler: Handler) -> bool:
        if caller.name == "":
            return True
        if caller.handler is not None:
            return caller.handler == handler.key
        if handler.callers is not None:
            return caller.name in handler.callers
        return not handler.tokens


# ------------------------------------------------------------------------------------ loading
def _toml(path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as e:
        raise UsageError(f"--config: cannot read {path!r}: {e.strerror or type(e).__name__}") from None
    try:
        doc: dict[str, Any] = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UsageError(f"--config {path!r}: not UTF-8 text") from None
    except ValueError as e:
        raise UsageError(f"--config {path!r}: malformed TOML: {e}") from None
    return doc


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UsageError(f"{where}: expected a table")
    return value


def _known(table: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    allowed = tuple(allowed)
    for key in table:
        if key == "token":
            raise UsageError(
                f"{where}: a token written in the file is refused; give its SHA-256 digest "
                '(token_sha256 = "...", printf %s "$TOKEN" | sha256sum) or token_env = "VARIABLE"'
            )
        if key not in allowed:  # the value is never shown: it might be a secret
            raise UsageError(f"{where}: unknown setting {key!r} (settings: {', '.join(allowed)})")


def _tokens(table: Mapping[str, Any], where: str, clear: list[str]) -> tuple[bytes, ...]:
    """The digests of a table's token_sha256 / token_env (UsageError if malformed or unset); a
    token read from the environment is added to `clear` (to be kept out of the request log)."""
    found: list[bytes] = []
    hexed = table.get("token_sha256")
    if hexed is not None:
        if not isinstance(hexed, str) or not _HEX_DIGEST.match(hexed):
            raise UsageError(f"{where}: token_sha256 must be 64 hexadecimal digits (a SHA-256 digest)")
        found.append(bytes.fromhex(hexed))
    env = table.get("token_env")
    if env is not None:
        if not isinstance(env, str) or not env.strip():
            raise UsageError(f"{where}: token_env must name an environment variable")
        token = os.environ.get(env)
        if not token:
            raise UsageError(f"{where}: environment variable {env} (its token_env) is not set")
        found.append(digest(token))
        clear.append(token)
    return tuple(found)


def parse_value(kind: Kind, text: str, option: str) -> Any:
    """`--option text` read by the parameter's kind, as the CLI reads it, except that the gateway
    never takes a value for the name of a file on the server: an array or object must be JSON
    (a plain value of an array kind is its one item, as on the command line)."""
    if (
        isinstance(kind, (ArrayKind, CollectionKind))
        and text.strip()
        and not text.lstrip().startswith(("[", "{"))
    ):
        if isinstance(kind, ArrayKind):
            return [parse_value(kind.item, text, option)]
        raise UsageError(
            f"--{option}: expected JSON text {{...}} or [...] (the gateway reads no files), got {text!r}"
        )
    return kind.parse_cli(text, option)


def _function_arguments(method: Method, values: Any, where: str) -> dict[str, str]:
    """A handler's fixed or default arguments of an OInt function, as CLI texts by option, each
    read once as a call will read it (UsageError on an unknown option or a bad value)."""
    table = _table(values, where)
    texts = {str(k).lower(): cli_text(v) for k, v in table.items()}
    params = {p.cli.lower(): p for p in method.params}
    for name, text in texts.items():
        if name in CREDENTIALS:
            raise UsageError(f'{where}: credentials come from a profile (profile = "NAME"), not {name}')
        if name not in params:
            hint = did_you_mean(name, params, "--")
            raise UsageError(f"{where}: {method.name_en} has no option --{name}{hint}")
        parse_value(params[name].kind, text, f"{name} ({where})")
    return texts


def _operation_fields(op: Operation, values: Any, where: str) -> dict[str, Any]:
    table = _table(values, where)
    if table and not op.has_body:
        raise UsageError(f"{where}: {op.path} takes no body")
    fields = spec.resolve({"$ref": "#/schemas/" + op.request}).get("properties", {}) if op.request else {}
    for name in table:
        if fields and name not in fields:
            raise UsageError(f"{where}: {op.path} has no body field {name!r}")
    return dict(table)


def _handler(key: str, table: Any, server: Settings, clear: list[str]) -> Handler:
    where = f"handler {key!r}"
    if not _KEY.match(key):
        raise UsageError(f"{where}: a handler's key is its URL /ozon/<key>: no '/', spaces, '?', '#' or '%'")
    table = _table(table, where)
    _known(table, _HANDLER_KEYS, where)
    function, operation = table.get("function"), table.get("operation")
    if function is not None and operation is not None:
        raise UsageError(f"{where}: give function or operation, not both")
    if operation is not None:
        op = (
            spec.find("/" + str(operation).lstrip("/"))
            if "/" in str(operation)
            else spec.find(str(operation))
        )
        if op is None:
            raise UsageError(f"{where}: no Seller API operation {operation!r} ('oint ozon ops' lists them)")
        target = Target(operation=op)
    else:
        name = str(function) if function is not None else key
        method = REGISTRY.get(name)
        if method is None:
            raise UsageError(
                f'{where}: no OInt function {name!r}: name one with function = "..." '
                'or an operation with operation = "/v2/..."'
            )
        target = Target(method=method)
    clash = target_of(key)
    if clash is not None and clash != target:
        raise UsageError(f"{where}: the key names {clash.name}, but the handler runs {target.name}")
    profile = table.get("profile")  # None: the server's (--profile, [server] profile)
    if profile is not None and (not isinstance(profile, str) or not profile):
        raise UsageError(f"{where}: profile must be a profile's name")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise UsageError(f"{where}: enabled must be true or false")
    callers = table.get("callers")
    if callers is not None:
        if not isinstance(callers, list) or not all(isinstance(c, str) for c in callers):
            raise UsageError(f"{where}: callers must be a list of caller names")
        unknown = [c for c in callers if c not in server.callers]
        if unknown:
            raise UsageError(f"{where}: no caller {unknown[0]!r} in [callers]")
    if target.method is not None:
        fixed: dict[str, Any] = _function_arguments(target.method, table.get("fixed", {}), f"{where}, fixed")
        defaults: dict[str, Any] = _function_arguments(
            target.method, table.get("defaults", {}), f"{where}, defaults"
        )
    else:
        assert target.operation is not None
        fixed = _operation_fields(target.operation, table.get("fixed", {}), f"{where}, fixed")
        defaults = _operation_fields(target.operation, table.get("defaults", {}), f"{where}, defaults")
    both = set(fixed) & set(defaults)
    if both:
        raise UsageError(f"{where}: {sorted(both)[0]!r} is both fixed and a default")
    return Handler(
        key,
        target,
        profile,
        enabled,
        fixed,
        defaults,
        frozenset(callers) if callers is not None else None,
        _tokens(table, where, clear),
    )


def load(path: str, settings: Settings | None = None) -> Settings:
    """The settings of a config file (UsageError, one line, on anything wrong in it)."""
    settings = settings or Settings()
    doc = _toml(path)
    _known(doc, ("server", "callers", "handlers"), f"--config {path!r}")
    server = _table(doc.get("server", {}), "[server]")
    _known(server, _SERVER_KEYS, "[server]")
    if "host" in server:
        settings.host = str(server["host"])
    if "port" in server:
        port = server["port"]
        if isinstance(port, bool) or not isinstance(port, int):
            raise UsageError("[server]: port must be a number")
        settings.port = port
    if "profile" in server:
        settings.profile = str(server["profile"])
    if "log" in server:
        log = str(server["log"])
        settings.log = (
            log if os.path.isabs(log) else os.path.join(os.path.dirname(os.path.abspath(path)), log)
        )
    if "max_items" in server:
        cap = server["max_items"]
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise UsageError("[server]: max_items must be a whole number, 1 or more")
        settings.max_items = cap
    hosts = server.get("allowed_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise UsageError("[server]: allowed_hosts must be a list of host names")
    settings.allowed_hosts = tuple(hosts)
    serve_all = server.get("serve_all", False)
    if not isinstance(serve_all, bool):
        raise UsageError("[server]: serve_all must be true or false")
    settings.serve_all = serve_all
    clear: list[str] = []
    settings.tokens = _tokens(server, "[server]", clear)
    for name, table in _table(doc.get("callers", {}), "[callers]").items():
        table = _table(table, f"caller {name!r}")
        _known(table, _CALLER_KEYS, f"caller {name!r}")
        digests = _tokens(table, f"caller {name!r}", clear)
        if not digests:
            raise UsageError(f"caller {name!r}: no token: add token_sha256 or token_env")
        settings.callers[name] = digests
    for key, table in _table(doc.get("handlers", {}), "[handlers]").items():
        handler = _handler(key, table, settings, clear)
        if key.casefold() in settings.handlers:
            raise UsageError(f"handler {key!r} is declared twice (keys are read in any case)")
        settings.handlers[key.casefold()] = handler
        if target_of(key) is not None:  # keyed by its function's or operation's own name
            settings.governing[handler.target.name] = handler
    settings.secrets += tuple(clear)
    return settings
