"""`oint sandbox ...`: serve the sandbox over HTTP, reset it, inject faults, add accounts."""

from __future__ import annotations

import json
import os
import sys

from oint.cli.args import split_options
from oint.ozon.errors import UsageError

USAGE = """oint sandbox: a local emulator of the Ozon Seller API

  oint sandbox serve [--host 127.0.0.1] [--port 8080] [--db PATH] [--quiet] [--no-rate-limit]
        [--api-date YYYY-MM-DD]
        serve it over HTTP (use with --base-url http://127.0.0.1:8080); --no-rate-limit turns
        off Ozon's 50 requests/s per Client-Id (for benchmarks; OINT_SANDBOX_RATE_LIMITS=0 too);
        --api-date plays Ozon's API of that day (default: today, or OINT_SANDBOX_API_DATE):
        endpoints Ozon had switched off by then answer 410 "obsolete method cannot be used"
  oint sandbox reset [--db PATH]
        back to the demo account (Client-Id 2128753, Api-Key 7cc90d26-33e4-499b...)
  oint sandbox account --clientid ID --apikey KEY [--empty] [--db PATH]
        add another seller account (with a copy of the demo catalogue unless --empty)
  oint sandbox fault --status 429 [--path /v1/...] [--times 1] [--retry-after 2] [--delay S]
        [--body TEXT|JSON] [--db PATH]: make the next requests fail, to test error handling
  oint sandbox faults-clear [--db PATH]
  oint sandbox where
        print the state file used by --sandbox

The state file: --db, else OINT_SANDBOX_DB, else ~/.local/state/oint/sandbox.sqlite3.
"""


def _options(argv: list[str], allowed: dict[str, bool]) -> dict[str, str | None]:
    """Options of a subcommand; `allowed` maps name -> takes a value."""
    out: dict[str, str | None] = {}
    for name, value in split_options(argv):
        if name not in allowed:
            raise UsageError(f"unknown option --{name} (see: oint sandbox)")
        if allowed[name] and value is None:
            raise UsageError(f"option --{name} needs a value")
        if not allowed[name] and value is not None:
            raise UsageError(f"option --{name} takes no value")
        out[name] = value
    return out


def _int(opts: dict[str, str | None], name: str, default: int) -> int:
    text = opts.get(name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"--{name}: expected a whole number, got {text!r}") from None


def _float(opts: dict[str, str | None], name: str, default: float | None) -> float | None:
    text = opts.get(name)
    if text is None:
        return default
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"--{name}: expected a number, got {text!r}") from None


def run(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    sub, rest = argv[0].lower(), argv[1:]
    if sub == "serve":
        opts = _options(
            rest,
            {
                "host": True,
                "port": True,
                "db": True,
                "quiet": False,
                "no-rate-limit": False,
                "api-date": True,
            },
        )
        port = _int(opts, "port", 8080)
        if not 0 <= port <= 65535:
            raise UsageError(f"--port: {port} is not a port number")
        api_date = opts.get("api-date")
        from oint.sandbox.core import API_DATE_ENV, parse_api_date

        try:
            parse_api_date(api_date if api_date is not None else os.environ.get(API_DATE_ENV))
        except ValueError as e:
            where = "--api-date" if api_date is not None else API_DATE_ENV
            raise UsageError(f"{where}: {e}") from None
        from oint.sandbox.app import serve

        serve(
            opts.get("host") or "127.0.0.1",
            port,
            opts.get("db"),
            log_level="warning" if "quiet" in opts else "info",
            rate_limits=False if "no-rate-limit" in opts else None,
            api_date=api_date,
        )
        return 0

    from oint.sandbox.core import Sandbox
    from oint.sandbox.store import default_db_path

    if sub == "where":
        _options(rest, {})
        sys.stdout.write(default_db_path() + "\n")
        return 0
    if sub == "reset":
        opts = _options(rest, {"db": True})
        sb = Sandbox(opts.get("db"))
        sb.reset()
        sys.stdout.write(f"sandbox reset: {sb.store.path}\n")
        sb.close()
        return 0
    if sub == "account":
        opts = _options(rest, {"clientid": True, "apikey": True, "name": True, "empty": False, "db": True})
        if not opts.get("clientid") or not opts.get("apikey"):
            raise UsageError("oint sandbox account needs --clientid and --apikey")
        from oint.sandbox.demo import add_account

        sb = Sandbox(opts.get("db"))
        with sb.store.transaction():
            add_account(
                sb.store,
                str(opts["clientid"]),
                str(opts["apikey"]),
                opts.get("name") or "",
                now=sb.clock(),
                with_demo_data="empty" not in opts,
            )
        sys.stdout.write(f"account {opts['clientid']} added to {sb.store.path}\n")
        sb.close()
        return 0
    if sub == "fault":
        opts = _options(
            rest,
            {
                "path": True,
                "status": True,
                "times": True,
                "retry-after": True,
                "delay": True,
                "body": True,
                "db": True,
            },
        )
        body_text = opts.get("body")
        body: object = None
        if body_text is not None:
            try:
                body = json.loads(body_text)
            except ValueError:
                body = body_text
        sb = Sandbox(opts.get("db"))
        fault = sb.add_fault(
            opts.get("path") or "*",
            _int(opts, "status", 500),
            times=_int(opts, "times", 1),
            body=body,
            delay=_float(opts, "delay", 0.0) or 0.0,
            retry_after=_float(opts, "retry-after", None),
        )
        sys.stdout.write(json.dumps(fault, ensure_ascii=False) + "\n")
        sb.close()
        return 0
    if sub == "faults-clear":
        opts = _options(rest, {"db": True})
        sb = Sandbox(opts.get("db"))
        sb.clear_faults()
        sb.close()
        return 0
    raise UsageError(f"unknown sandbox command {sub!r} (see: oint sandbox)")
