"""`oint mcp`: the MCP server's command line. The SDK is imported only when the server starts."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from oint.apps.cli.args import number_option
from oint.apps.mcp.access import WritePolicy
from oint.apps.mcp.service import Service, Settings, default_out_dir
from oint.core.errors import UsageError

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

Bulk jobs (bulk_start, bulk_progress, bulk_report, bulk_list) keep their journals in OINT_JOBS_DIR
(default ~/.local/state/oint/jobs) with those of `oint ozon bulk`: `oint bulk resume JOB` goes on
with a job the server was running when it stopped.

Needs the MCP SDK: pip install 'oint[mcp]'.
"""

FLAGS = ("sandbox", "help")
VALUES = ("db", "base-url", "profile", "confirm-over", "max-items", "out-dir", "http")


def parse(argv: list[str]) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-h", "help"):
            arg = "--help"
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
        elif name in VALUES:
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
        return importlib.import_module("oint.core.profiles")
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


def _folder(path: str) -> str:
    if not os.path.isdir(path):
        raise UsageError(f"--files-dir: {path!r} is not a folder")
    return os.path.realpath(path)


def _http_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"--http: expected HOST:PORT, e.g. 127.0.0.1:8000, got {text!r}")
    return host.strip("[]"), int(port)


def run(argv: list[str]) -> int:
    opts = parse(argv)
    if opts.get("help"):
        sys.stdout.write(USAGE)
        return 0
    address = _http_address(opts["http"]) if "http" in opts else None
    try:
        server = importlib.import_module("oint.apps.mcp.server")
    except ImportError as e:
        if (e.name or "").split(".")[0] == "mcp":
            raise UsageError(
                "oint mcp needs the MCP SDK, not installed here: pip install 'oint[mcp]'"
            ) from None
        raise UsageError(f"oint mcp: the MCP SDK cannot be loaded ({e}): pip install 'oint[mcp]'") from None
    settings, profiles, secrets, env_credentials = settings_from(opts)
    import logging

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
