"""`oint mcp`: the MCP server's command line. The SDK is imported only when the server starts."""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

from oint.apps.cli.args import number_option
from oint.apps.mcp.access import WritePolicy
from oint.apps.mcp.service import Service, Settings, default_out_dir
from oint.core.errors import UsageError
from oint.core.lazy import load_module

USAGE = """oint mcp: an MCP server for AI assistants (Claude Desktop, Cursor, VS Code...) to run an Ozon
store through oint. Speaks MCP over stdio (the default) or streamable HTTP.

  oint mcp [--sandbox [--db PATH] | --base-url URL] [--profile NAME]
           [--allow-write [SCOPES]] [--confirm-over N] [--max-items N] [--out-dir DIR]
           [--files-dir DIR]... [--http HOST:PORT]

  --sandbox           every tool runs on oint's embedded sandbox (a demo store), state in --db or
                      OINT_SANDBOX_DB. The default when no credentials are configured.
  --profile NAME      the default seller account (a profile of oint's config file); tools take a
                      profile argument to pick another. Else OZON_CLIENT_ID / OZON_API_KEY.
  --allow-write       allow changes to the store (read-only by default); SCOPES limits them to words
                      of the operations' paths, OInt groups or tool names: --allow-write prices,stocks
  --confirm-over N    a change of more than N items first answers a preview and a confirm token
                      (default 1; dry_run=true previews any change)
  --max-items N       long lists in answers are cut to N items, with a token for more (default 20)
  --out-dir DIR       where save=true writes whole answers (default ~/.local/state/oint/mcp)
  --files-dir DIR     bulk_start may read .csv/.xlsx/.jsonl files in DIR (and its subfolders, not
                      through links that lead out of it); repeat for more folders. Without it
                      the server reads no file: bulk jobs take their items as rows
  --http HOST:PORT    serve streamable HTTP at http://HOST:PORT/mcp instead of stdio
  --webhooks-inbox PATH|URL  offer webhooks_inbox, a read of this push inbox (oint webhooks serve's:
                      a SQLite file or a postgresql:// URL); without it the server reads none

Bulk jobs (bulk_start, bulk_progress, bulk_report, bulk_list) keep their journals with those of
`oint ozon bulk`: in OINT_JOBS (a folder or a postgresql:// URL), else OINT_JOBS_DIR (default
~/.local/state/oint/jobs). `oint bulk resume JOB` goes on with a job the server was running when
it stopped.

OInt's MCP interface (its five generic tools, @@Name variables from a config file):
  oint mcp start --config FILE|default [--log FILE] [--sandbox [--db PATH] | --base-url URL]
                 [--profile NAME] [--allow-write [SCOPES]]      (see: oint mcp start --help)
  oint mcp config --empty true|false                             a config file to start from

Needs the MCP SDK: pip install 'oint[mcp]'.
"""

START_USAGE = """oint mcp start: OpenIntegrations' MCP server over oint (stdio), for set-ups made for OInt.

  oint mcp start --config FILE|default [--log FILE] [--sandbox [--db PATH] | --base-url URL]
                 [--profile NAME] [--allow-write [SCOPES]] [--out-dir DIR]

  -c, --config FILE   a JSON file {"vars": {"Name": "value", ...}} (or that JSON itself); a tool
                      parameter written @@Name is replaced by the value of Name before the call.
                      "default" (the default): mcp.json in oint's config folder (beside the file
                      of `oint profiles`) if it exists, else no variables
  -l, --log FILE      append a line per tool call and answer to FILE, secrets replaced by ***
  --sandbox           calls go to oint's embedded sandbox (a demo store), state in --db or
                      OINT_SANDBOX_DB; else to Ozon (--base-url, --profile as everywhere)
  --allow-write       allow changes to the store (read-only by default); SCOPES limits them, as for
                      `oint mcp`. An allowed change is sent at once: OInt's tools have no preview
  --out-dir DIR       where answers that are files (PDF labels) are written

Tools: get_services, get_service_methods, get_method_parameters, execute_method, get_variables.
Services: ozon (OInt's 53 functions, CLI option names as parameters) and ozon_api (every operation
of the Seller API, its top-level body fields as parameters). Values of variables whose names say
key, token, secret or password, and any value passed as apikey, never appear in an answer or the log.
Make a config with: oint mcp config --empty false > oint-mcp.json
"""

CONFIG_USAGE = """oint mcp config: print a config file for `oint mcp start`, as OInt's does.

  oint mcp config [--empty true|false]    (-e; default true: {"vars": {}})

With --empty false the vars hold examples: @@ClientId and @@ApiKey for the credentials.
"""

FLAGS = ("sandbox", "help")
VALUES = ("db", "base-url", "profile", "confirm-over", "max-items", "out-dir", "http", "webhooks-inbox")


def parse(
    argv: list[str], values: tuple[str, ...] = VALUES, short: dict[str, str] | None = None
) -> dict[str, Any]:
    """Options by name (`values` take a value; `short` maps -c to config...); UsageError on others."""
    opts: dict[str, Any] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-h", "help"):
            arg = "--help"
        if short and arg in short:
            arg = "--" + short[arg]
        if not arg.startswith("--"):
            raise UsageError(f"oint mcp: unexpected argument {arg!r} (see: oint mcp --help)")
        name, eq, value = arg[2:].partition("=")
        if name == "allow-write":
            if not eq and i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                i += 1
                value = argv[i]
            opts[name] = value
        elif name == "files-dir":
            if not eq:
                if i + 1 >= len(argv):
                    raise UsageError(f"oint mcp: --{name} needs a value")
                i += 1
                value = argv[i]
            opts.setdefault(name, []).append(value)
        elif name in FLAGS and not eq:
            opts[name] = True
        elif name in values:
            if not eq:
                if i + 1 >= len(argv):
                    raise UsageError(f"oint mcp: --{name} needs a value")
                i += 1
                value = argv[i]
            opts[name] = value
        else:
            raise UsageError(f"oint mcp: unknown option --{name} (see: oint mcp --help)")
        i += 1
    return opts


def _count(opts: dict[str, Any], name: str, default: int) -> int:
    count: int = number_option(opts, name, default, int, noun="a whole number", sign="not negative")
    return count


def _profiles_module() -> Any:
    try:
        return load_module("oint.core.profiles")
    except ImportError:  # profiles are not in this oint yet
        return None


def load_profiles() -> tuple[dict[str, str], list[str]]:
    """The profiles of oint's config file (name -> "client ID, URL") and their keys, to redact."""
    module = _profiles_module()
    if module is None or not os.path.exists(module.config_path()):
        return {}, []
    described: dict[str, str] = {}
    keys: list[str] = []
    for name, p in module.load_profiles().items():
        account = f"client {p.client_id}" if p.client_id else "Performance API only"
        described[name] = account + (f", {p.base_url}" if p.base_url else "")
        for env in (getattr(p, "api_key_env", None), getattr(p, "performance_secret_env", None)):
            if env and os.environ.get(env):
                keys.append(os.environ[env])
    return described, keys


def settings_from(opts: dict[str, Any]) -> tuple[Settings, dict[str, str], list[str], bool]:
    from oint.sandbox.demo import DEMO_API_KEY

    profiles, keys = load_profiles()
    env_credentials = bool(os.environ.get("OZON_CLIENT_ID") and os.environ.get("OZON_API_KEY"))
    profile = opts.get("profile") or os.environ.get("OINT_PROFILE") or None
    if profile is None and len(profiles) == 1 and not env_credentials:
        profile = next(iter(profiles))
    if profile is not None and profiles and profile not in profiles:
        raise UsageError(f"unknown profile {profile!r}; profiles: {', '.join(profiles)}")
    if profile is not None and _profiles_module() is None:
        raise UsageError("--profile: this oint has no profiles yet (use OZON_CLIENT_ID / OZON_API_KEY)")
    base_url = opts.get("base-url")
    if base_url:  # refused at start, as every command does, not at the first tool call
        from oint.core.base_url import check_base_url

        base_url = check_base_url(base_url, "--base-url")
    sandbox: bool | str = False
    implicit = False
    if opts.get("sandbox"):
        if base_url:
            raise UsageError("--sandbox and --base-url exclude each other")
        sandbox = opts.get("db") or os.environ.get("OINT_SANDBOX_DB") or True
        profile = None
    elif not (base_url or env_credentials or profiles or profile):
        sandbox = opts.get("db") or os.environ.get("OINT_SANDBOX_DB") or True
        implicit = True
    settings = Settings(
        sandbox=sandbox,
        base_url=base_url,
        profile=profile,
        policy=WritePolicy.parse(opts.get("allow-write")),
        confirm_over=_count(opts, "confirm-over", 1),
        max_items=max(1, _count(opts, "max-items", 20)),
        out_dir=opts.get("out-dir") or default_out_dir(),
        files_dirs=tuple(_folder(d) for d in opts.get("files-dir", [])),
        webhooks_inbox=_webhooks_inbox(opts.get("webhooks-inbox")),
    )
    secrets = [
        *keys,
        os.environ.get("OZON_API_KEY") or "",
        os.environ.get("OZON_PERFORMANCE_CLIENT_SECRET") or "",
        DEMO_API_KEY,
    ]
    if implicit:
        sys.stderr.write(
            "oint mcp: no Ozon credentials configured: serving the sandbox (a local demo store)\n"
        )
    return settings, profiles, secrets, env_credentials


def _webhooks_inbox(where: str | None) -> str | None:
    """The push inbox to read, checked at start (UsageError when it cannot be opened)."""
    if where is None:
        return None
    from oint.apis.webhooks.inbox import open_inbox

    if "://" not in where and not os.path.isfile(where):
        raise UsageError(f"--webhooks-inbox: no inbox at {where!r} (oint webhooks serve --inbox makes one)")
    open_inbox(where).close()
    return where


def _folder(path: str) -> str:
    if not os.path.isdir(path):
        raise UsageError(f"--files-dir: {path!r} is not a folder")
    return os.path.realpath(path)


def _http_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"--http: expected HOST:PORT, e.g. 127.0.0.1:8000, got {text!r}")
    return host.strip("[]"), int(port)


START_VALUES = ("config", "log", "db", "base-url", "profile", "out-dir")


def _load_server() -> Any:
    try:
        return load_module("oint.apps.mcp.server")
    except ImportError as e:
        if (e.name or "").split(".")[0] == "mcp":
            raise UsageError(
                "oint mcp needs the MCP SDK, not installed here: pip install 'oint[mcp]'"
            ) from None
        raise UsageError(f"oint mcp: the MCP SDK cannot be loaded ({e}): pip install 'oint[mcp]'") from None


def config(argv: list[str]) -> int:
    """`oint mcp config --empty true|false`: OInt's config template, as JSON on stdout."""
    opts = parse(argv, ("empty",), {"-e": "empty"})
    if opts.get("help"):
        sys.stdout.write(CONFIG_USAGE)
        return 0
    text = str(opts.get("empty", "true")).strip().lower()
    if text not in ("true", "false"):
        raise UsageError(f"oint mcp config: --empty takes true or false, got {opts.get('empty')!r}")
    from oint.apps.mcp.oint_tools import template

    sys.stdout.write(json.dumps(template(text == "true"), ensure_ascii=False, indent=1) + "\n")
    return 0


def start(argv: list[str]) -> int:
    """`oint mcp start`: OInt's five tools over stdio (`oint.apps.mcp.oint_tools`)."""
    opts = parse(argv, START_VALUES, {"-c": "config", "-l": "log"})
    if opts.get("help"):
        sys.stdout.write(START_USAGE)
        return 0
    from oint.apps.mcp.oint_tools import CallLog, OIntToolService, Target, load_vars
    from oint.sandbox.demo import DEMO_API_KEY

    variables = load_vars(str(opts.get("config") or "default"))
    base_url = opts.get("base-url")
    if base_url:
        from oint.core.base_url import check_base_url

        base_url = check_base_url(base_url, "--base-url")
    sandbox: bool | str = False
    if opts.get("sandbox"):
        if base_url:
            raise UsageError("--sandbox and --base-url exclude each other")
        sandbox = opts.get("db") or os.environ.get("OINT_SANDBOX_DB") or True
    elif opts.get("db"):
        raise UsageError("--db is the sandbox's state file: it goes with --sandbox")
    profile = opts.get("profile") or None
    if profile is not None and sandbox:
        raise UsageError("--profile: the sandbox (--sandbox) has its own demo account")
    server = _load_server()
    _, keys = load_profiles()
    secrets = [*keys, os.environ.get("OZON_API_KEY") or "", DEMO_API_KEY]
    log = CallLog(opts.get("log"), secrets)
    target = Target(
        sandbox=sandbox,
        base_url=base_url,
        profile=profile,
        policy=WritePolicy.parse(opts.get("allow-write")),
        out_dir=opts.get("out-dir") or default_out_dir(),
    )
    service = OIntToolService(target, variables, secrets=secrets, log=log)
    log.write(f"--SERVER START-- {len(variables)} variable(s); " + service.instructions())
    import anyio

    anyio.run(server.serve_stdio, service)
    return 0


def run(argv: list[str]) -> int:
    if argv and argv[0] == "start":
        return start(argv[1:])
    if argv and argv[0] == "config":
        return config(argv[1:])
    opts = parse(argv)
    if opts.get("help"):
        sys.stdout.write(USAGE)
        return 0
    address = _http_address(opts["http"]) if "http" in opts else None
    server = _load_server()
    settings, profiles, secrets, env_credentials = settings_from(opts)

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="oint mcp: %(message)s")
    service = Service(settings, profiles=profiles, secrets=secrets, env_credentials=env_credentials)
    if address is not None:
        host, port = address
        from oint.core.listen import listening_sockets

        sockets = listening_sockets(host, port)  # a busy port or no such address: one line, exit 2
        if host not in ("127.0.0.1", "localhost", "::1"):
            sys.stderr.write(
                f"oint mcp: serving {host}:{port} without authentication: "
                "anyone who reaches it can use the tools\n"
            )
        server.serve_http(service, host, port, sockets)
        return 0
    import anyio

    anyio.run(server.serve_stdio, service)
    return 0
