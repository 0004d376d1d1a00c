"""`oint serve`: the gateway's command line. uvicorn (the `serve` extra) is imported only here."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from dataclasses import dataclass
from typing import Any

from oint.apps.cli.args import checked_options, number_option
from oint.apps.gateway.config import DEFAULT_MAX_ITEMS, DEFAULT_PORT, TOKEN_ENV, Settings, digest, load
from oint.core.errors import UsageError
from oint.core.listen import listening_sockets, shown


@dataclass(frozen=True)
class Option:
    """An option of `oint serve`, declared once: its parser, its lines of `--help` and its shell
    completion (`oint.apps.cli.completion`) all read `OPTIONS`."""

    value: str | None  # its value's name in the help; None: a flag
    help: str  # its description in `--help`, lines split by "\n"
    repeatable: bool = False


OPTIONS: dict[str, Option] = {
    "config": Option(
        "FILE",
        "handlers, callers and their tokens, fixed arguments, the request log (TOML;\n"
        "see docs/gateway.md). Without it every function and operation is served.",
    ),
    "sandbox": Option(None, "calls go to the embedded sandbox (state in --db or OINT_SANDBOX_DB)"),
    "db": Option("PATH", "the embedded sandbox's state file (with --sandbox)"),
    "profile": Option("NAME", "the seller account of handlers that name none (oint's config file)"),
    "host": Option("H", "the address to listen on (default 127.0.0.1)"),
    "port": Option("N", f"the port (default {DEFAULT_PORT}; 0: a free one, printed at start)"),
    "token": Option(
        "T",
        f"the access token of every handler; better: the {TOKEN_ENV} variable\n"
        "(a token on the command line shows in the process list)",
    ),
    "log": Option("FILE", "the request log, one JSON line per request (no keys, no tokens)"),
    "allowed-host": Option(
        "N", "a Host name to answer besides the address and localhost (repeatable)", repeatable=True
    ),
    "max-items": Option(
        "N",
        f'the most items an "all-pages" call answers (default {DEFAULT_MAX_ITEMS});\n'
        "a longer list is refused with 422",
    ),
    "help": Option(None, "this text"),
}
FILE_OPTIONS = ("config", "db", "log")  # the options whose value is a file's name


def _option_lines() -> str:
    lines: list[str] = []
    for name, option in OPTIONS.items():
        head = f"--{name}" + (f" {option.value}" if option.value else "")
        first, *more = option.help.split("\n")
        lines.append(f"  {head:<19}{first}")
        lines += [" " * 21 + line for line in more]
    return "\n".join(lines)


USAGE = f"""oint serve: OInt's functions and the Seller API's operations over HTTP, for 1C and other
callers that should not start a process per call.

  oint serve [--config FILE] [--sandbox [--db PATH] | --profile NAME] [--host H] [--port N]
             [--token T] [--log FILE] [--allowed-host N]... [--max-items N]

  POST /ozon/<Method>            an OInt function: its options as JSON keys or form fields
                                 {{"productid": 1111588191, "images": [...], "color": "GREEN"}}
                                 "all-pages": true: every item of every page of a list, in
                                 one JSON array (as --all-pages gives them, one a line)
  POST /ozon/v2/product/info     an operation by path (or /ozon/v2_product_info): Ozon's body
  Authorization: Bearer <token>  the answer is OInt's JSON, as `oint ozon <Method>` prints it

{_option_lines()}

A gateway to a seller account needs a token. Status codes: 200 the answer; 400 bad input; 401 no
or a bad token; 403 a fixed argument sent, or a caller not admitted; 404 no such handler, or
switched off; Ozon's own status and JSON for Ozon's errors; 502/504 Ozon not reached. The header
X-Oint-Exit-Code gives the exit code `oint ozon` would have given.
Needs uvicorn: pip install 'oint[serve]'.
"""
_TAKES_VALUE = {name: option.value is not None for name, option in OPTIONS.items() if not option.repeatable}


def _split(argv: list[str]) -> tuple[dict[str, str | None], list[str]]:
    """The options, `--allowed-host` (repeatable) apart."""
    rest: list[str] = []
    hosts: list[str] = []
    i = 0
    while i < len(argv):
        name, eq, value = argv[i].partition("=")
        if name == "--allowed-host":
            if not eq:
                if i + 1 >= len(argv):
                    raise UsageError("option --allowed-host needs a value")
                i += 1
                value = argv[i]
            hosts.append(value)
        elif argv[i] in ("-h", "help"):
            rest.append("--help")
        else:
            rest.append(argv[i])
        i += 1
    return checked_options(rest, _TAKES_VALUE, "oint serve --help"), hosts


def settings_from(argv: list[str]) -> Settings | None:
    """The settings of a command line (None: --help), config file first, options over it."""
    options, hosts = _split(argv)
    if "help" in options:
        return None
    settings = Settings()
    secrets: list[str] = []
    if options.get("config"):
        settings = load(str(options["config"]), settings)
    if "sandbox" in options:  # with --profile: the profile's credentials, sent to the embedded sandbox
        settings.sandbox = str(options.get("db") or os.environ.get("OINT_SANDBOX_DB") or "") or True
    elif options.get("db"):
        raise UsageError("--db is the sandbox's state file: give --sandbox too")
    if options.get("profile"):
        settings.profile = str(options["profile"])
    if options.get("host"):
        settings.host = str(options["host"])
    port = number_option(options, "port", None, int, noun="a port number", sign="not negative")
    if port is not None:
        settings.port = port
    if options.get("log"):
        settings.log = str(options["log"])
    max_items = number_option(options, "max-items", None, int, noun="a number of items", sign="positive")
    if max_items is not None:
        settings.max_items = max_items
    settings.allowed_hosts += tuple(hosts)
    token = options.get("token") or os.environ.get(TOKEN_ENV)
    if token:
        settings.tokens += (digest(token),)
        secrets.append(token)
    if settings.open and not settings.sandbox:
        raise UsageError(
            f"a gateway to a seller account needs an access token: --token, {TOKEN_ENV}, "
            "or tokens in the config file ([server] or [callers])"
        )
    settings.secrets += tuple(secrets)
    return settings


def account_secrets(settings: Settings) -> list[str]:
    """The keys of the accounts the gateway may use, to keep out of its request log."""
    found = [os.environ.get("OZON_API_KEY") or ""]
    profiles = {settings.profile, *(h.profile for h in settings.handlers.values())} - {None}
    if profiles:
        from oint.core.profiles import load_profile

        for name in profiles:
            assert name is not None
            found.append(load_profile(name).api_key())
    if settings.sandbox:
        from oint.sandbox.demo import DEMO_API_KEY

        found.append(DEMO_API_KEY)
    return [s for s in found if s]


def _warning_line(message: Warning | str, *args: Any, **kwargs: Any) -> None:
    """Python warnings (a switched-off endpoint, what a successor cannot do) as one line on stderr."""
    sys.stderr.write(f"oint serve: warning: {message}\n")


def run(argv: list[str]) -> int:
    """`oint serve ...` (exit 2 with one line on a bad option or config)."""
    settings = settings_from(argv)
    if settings is None:
        sys.stdout.write(USAGE)
        return 0
    try:
        import uvicorn
    except ImportError:
        raise UsageError("oint serve needs uvicorn: pip install 'oint[serve]'") from None

    from oint.apps.gateway.app import GatewayApp, RequestLog
    from oint.apps.gateway.calls import Clients

    warnings.showwarning = _warning_line
    logging.basicConfig(stream=sys.stderr, format="%(message)s")
    secrets = [*settings.secrets, *account_secrets(settings)]
    clients = Clients(settings)
    try:
        clients.check({p for p in (settings.profile, *(h.profile for h in settings.handlers.values())) if p})
        request_log = RequestLog.open(settings.log, secrets) if settings.log else None
    except OSError as e:
        raise UsageError(f"--log: cannot write {settings.log!r}: {e.strerror or type(e).__name__}") from None
    app: Any = GatewayApp(settings, clients, request_log)

    if settings.sandbox:
        account = "the embedded sandbox"
    else:
        account = (
            f"profile {settings.profile}" if settings.profile else "the callers' or the server's account"
        )
    served = f"{len(settings.handlers)} handler(s)" + (
        ", every OInt function and operation" if settings.serve_all else ""
    )

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if not self.should_exit:
                found = [sock.getsockname()[:2] for server in self.servers for sock in server.sockets or ()]
                host, port = found[0] if found else ("?", 0)
                sys.stderr.write(
                    f"oint serve: http://{shown(host, port)}/ozon/<Method> ({served}; {account})\n"
                )
                sys.stderr.flush()

    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="warning", access_log=False
    )
    Server(config).run(sockets=listening_sockets(settings.host, settings.port))
    return 0
