"""`oint doctor`: what to run when something is off.

Checks, one line each: the host's name resolves, a TCP connection opens (its latency), TLS is
trusted (for https), the credentials are accepted (`/v1/roles`), the key's roles and expiry date
(a warning under 14 days, an error once expired), the clock against the server's `Date` header,
and Ozon's rate-limit headers (`Ratelimit-Remaining`) when sent. Exit 0 when no check fails, 1
when one does; `--json` for scripts. The key is never printed.

`oint doctor --scan PATH` looks through a folder of code (Python, 1C `.bsl`/`.os`, shell, JSON) for
Ozon paths and OInt function names, and lists each one whose operation Ozon switched off (or
switches off), with file:line, the date and the successor: exit 1 when one is found.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import ssl
import sys
import time
from collections.abc import Generator, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from oint.apps.cli.args import CREDENTIAL_OPTIONS, FLAG_OPTIONS, VALUE_OPTIONS, checked_options
from oint.core.errors import APIConnectionError, UsageError

CLIENT_FLAGS = ("sandbox", "debug")
CALL_ONLY = ("out", "api")  # value options of a call that say nothing about reaching Ozon
EXPIRY_WARNING_DAYS = 14
CLOCK_SKEW_WARNING = 60.0  # seconds between this machine's clock and the server's Date
RATE_LIMIT_HEADERS = ("ratelimit-remaining", "ratelimit-limit", "ratelimit-reset", "retry-after")
SCAN_SUFFIXES = (".py", ".bsl", ".os", ".sh", ".bash", ".json")
SKIP_FOLDERS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache"}
MAX_SCANNED_FILE = 5_000_000  # bytes: a larger file is not code

USAGE = """usage: oint doctor [--profile NAME | --clientid ID --apikey KEY] [--base-url URL | --sandbox]
                   [--ca-file PEM] [--timeout S] [--json]
       oint doctor --scan PATH [--json]

Check what a call needs, one line each (✔ fine, ⚠ warning, ✖ failed):
  name resolution, connection and latency, TLS (https), credentials accepted (/v1/roles),
  the key's roles and expiry date (warning under 14 days, failure once expired), the clock
  against the server's Date header, Ozon's rate-limit headers when it sends them.
Exit 0 when nothing failed, 1 when a check failed, 2 on bad options. The key is never printed.

--scan PATH   look through a folder (or a file) of code: Python, 1C (.bsl, .os), shell, JSON, for
              Ozon paths (/v1/warehouse/list) and OInt function names (GetWarehousesList,
              ПолучитьСписокСкладов) whose operation Ozon switched off, with file:line,
              the date and the successor to move to. Exit 1 when it finds one. No network.
--json        the checks (or the findings) as one JSON document
"""

SYMBOLS = {"ok": "✔", "warn": "⚠", "fail": "✖", "skip": "·"}
PLAIN = {"ok": "[ok]", "warn": "[warn]", "fail": "[FAIL]", "skip": "[skip]"}


@dataclass
class Check:
    """One line of the report: `status` is ok, warn, fail or skip."""

    name: str
    status: str
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


def run(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    # the client options of every call (`main.make_client` reads them), less what concerns one call
    allowed = {name: False for name in FLAG_OPTIONS if name in CLIENT_FLAGS}
    allowed.update({name: True for name in (*VALUE_OPTIONS, *CREDENTIAL_OPTIONS) if name not in CALL_ONLY})
    allowed.update({"scan": True, "json": False})
    options = checked_options(argv, allowed, "oint doctor --help")
    as_json = "json" in options
    if "scan" in options:
        others = set(options) - {"scan", "json"}
        if others:
            raise UsageError(f"--scan reads files only: --{sorted(others)[0]} does not apply")
        return _report_scan(scan(str(options["scan"])), as_json)
    flags = {name for name, value in options.items() if not allowed[name]}
    settings = {name: str(value) for name, value in options.items() if allowed[name]}
    flags.discard("json")
    from oint.apps.cli.main import make_client

    client = make_client(flags, settings)
    try:
        checks = list(diagnose(client, embedded="sandbox" in flags))
    finally:
        client.close()
    return _report(checks, as_json)


# ------------------------------------------------------------------ the checks
def diagnose(client: Any, *, embedded: bool = False) -> Iterator[Check]:
    """The checks, in order; a failed step of reaching the server ends them."""
    base = client.base_url
    if embedded:
        yield Check("server", "ok", f"the embedded sandbox ({base}): no network", {"base_url": base})
    else:
        parts = urlsplit(base)
        host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
        yield Check("server", "ok", base, {"base_url": base})
        reached = yield from _reach(host, port, parts.scheme == "https", client)
        if not reached:
            return
    yield from _api_checks(client)


def _reach(host: str, port: int, tls: bool, client: Any) -> Generator[Check, None, bool]:
    """Name resolution, TCP connection, TLS: True when the server can be reached."""
    start = time.perf_counter()
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        yield Check("name resolution", "fail", f"{host}: {_reason(e)}")
        return False
    ms = _ms(start)
    shown = sorted({str(a[4][0]) for a in addresses})
    yield Check(
        "name resolution", "ok", f"{host} -> {', '.join(shown[:3])} ({ms} ms)", {"addresses": shown, "ms": ms}
    )
    start = time.perf_counter()
    try:
        sock = socket.create_connection((host, port), timeout=client.timeout or 10)
    except OSError as e:
        yield Check("connection", "fail", f"{host}:{port}: {_reason(e)}")
        return False
    ms = _ms(start)
    try:
        yield Check("connection", "ok", f"{host}:{port} ({ms} ms)", {"ms": ms})
        if not tls:
            return True
        start = time.perf_counter()
        from oint.core.client import trusting  # the system's CAs and those of --ca-file, as calls trust

        context = trusting(client.ca_file) or ssl.create_default_context()
        try:
            with context.wrap_socket(sock, server_hostname=host) as secure:
                version = secure.version()
        except ssl.SSLCertVerificationError as e:
            hint = "trust its CA with --ca-file PEM (or a profile's ca_file)"
            yield Check("TLS", "fail", f"certificate not trusted: {e.verify_message or e.reason}; {hint}")
            return False
        except (ssl.SSLError, OSError) as e:
            yield Check("TLS", "fail", _reason(e))
            return False
        ms = _ms(start)
        yield Check(
            "TLS",
            "ok",
            f"{version}, certificate trusted for {host} ({ms} ms)",
            {"version": version, "ms": ms},
        )
        return True
    finally:
        sock.close()


def _api_checks(client: Any) -> Iterator[Check]:
    """`/v1/roles` with the client's credentials: accepted, roles, expiry, clock, rate-limit headers."""

    start = time.perf_counter()
    try:
        answer = client.send_raw("POST", "/v1/roles", {})
    except APIConnectionError as e:
        yield Check("credentials", "fail", f"/v1/roles could not be called: {e}")
        return
    ms = _ms(start)
    received = time.time()
    body = _json(answer.content)
    who = f"Client-Id {client.client_id}"
    if answer.status in (401, 403):
        yield Check(
            "credentials",
            "fail",
            f"{who} refused: HTTP {answer.status}{_message(body)}",
            {"status": answer.status},
        )
        if _deactivated(body):  # /v1/roles itself refused, so no date: say what that means
            yield Check(
                "key expiry",
                "fail",
                "the key has expired or was deactivated (Ozon's keys expire three months after they"
                " are made): make a new one in the seller's account",
                {"status": answer.status},
            )
    elif answer.status != 200 or not isinstance(body, dict):
        yield Check(
            "credentials",
            "fail",
            f"/v1/roles answered HTTP {answer.status}{_message(body)}",
            {"status": answer.status},
        )
    else:
        yield Check("credentials", "ok", f"{who} accepted ({ms} ms for /v1/roles)", {"ms": ms})
        yield from _key_checks(body, received)
    yield _clock_check(answer.headers, received)
    yield _limits_check(answer.headers)


def _key_checks(body: dict[str, Any], now: float) -> Iterator[Check]:
    roles = [r for r in body.get("roles") or [] if isinstance(r, dict)]
    names = [str(r.get("name", "")) for r in roles]
    methods = sum(len(r.get("methods") or []) for r in roles)
    if roles:
        yield Check(
            "roles", "ok", f"{', '.join(names)} ({methods} methods)", {"roles": names, "methods": methods}
        )
    else:
        yield Check("roles", "warn", "the key has no roles: every call will be refused", {"roles": []})
    text = body.get("expires_at")
    expires = _moment(text)
    if expires is None:
        yield Check("key expiry", "skip", "the server sent no expiry date")
        return
    left = (expires - now) / 86400
    day = dt.datetime.fromtimestamp(expires, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    data = {"expires_at": text, "days_left": round(left, 1)}
    if left <= 0:
        yield Check(
            "key expiry", "fail", f"the key expired on {day}: make a new one in the seller's account", data
        )
    elif left < EXPIRY_WARNING_DAYS:
        yield Check(
            "key expiry", "warn", f"the key expires on {day}, in {_days(left)}: make a new one soon", data
        )
    else:
        yield Check("key expiry", "ok", f"{day} ({_days(left)} left)", data)


def _clock_check(headers: dict[str, str], received: float) -> Check:
    from email.utils import parsedate_to_datetime

    text = headers.get("date")
    if not text:
        return Check("clock", "skip", "the server sent no Date header")
    try:
        server = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return Check("clock", "skip", f"the server's Date header is not a date: {text!r}")
    skew = received - (server + 0.5)  # Date is the server's time cut to whole seconds
    data = {"skew_seconds": round(skew, 1), "server_date": text}
    if abs(skew) > CLOCK_SKEW_WARNING:
        way = "ahead of" if skew > 0 else "behind"
        return Check("clock", "warn", f"this machine's clock is {abs(skew):.0f} s {way} the server's", data)
    return Check("clock", "ok", f"within {max(abs(skew), 1.0):.0f} s of the server's Date", data)


def _limits_check(headers: dict[str, str]) -> Check:
    sent = {name: headers[name] for name in RATE_LIMIT_HEADERS if name in headers}
    sent.update({k: v for k, v in headers.items() if k.startswith("x-ratelimit")})
    if not sent:
        return Check(
            "rate limits", "skip", "no rate-limit headers sent (Ozon's limit: 50 requests/s per Client-Id)"
        )
    shown = ", ".join(f"{'-'.join(w.capitalize() for w in k.split('-'))}: {v}" for k, v in sent.items())
    return Check("rate limits", "ok", shown, {"headers": sent})


# ------------------------------------------------------------------ scan
@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    found: str  # the path or the function name as written
    operation: str
    retired: str
    successor: str | None
    function: str | None = None  # OInt's function, when a name was found


PATH_PATTERN = re.compile(r"/v\d+/[A-Za-z0-9_\-/{}.]*[A-Za-z0-9_}]")


def _retired_index() -> tuple[dict[str, Any], dict[str, tuple[Any, Any]], re.Pattern[str] | None]:
    """Retired operations by path; OInt's functions whose operation is retired by each of their
    names (casefolded), with the pattern that finds them."""
    from oint.apis.seller import spec
    from oint.compat.methods import REGISTRY

    retired = {path: op for path, op in spec.operations().items() if op.retired}
    functions: dict[str, tuple[Any, Any]] = {}
    for method in REGISTRY:
        op = retired.get(method.operation or "")
        if op is not None:
            for name in (method.name_en, method.name_ru):
                functions[name.casefold()] = (method, op)
    if not functions:
        return retired, functions, None
    names = sorted(functions, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w])(" + "|".join(re.escape(n) for n in names) + r")(?![\w])", re.IGNORECASE)
    return retired, functions, pattern


def _files(root: str) -> Iterator[str]:
    if os.path.isfile(root):
        yield root
        return
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIP_FOLDERS)
        for name in sorted(names):
            if name.lower().endswith(SCAN_SUFFIXES):
                yield os.path.join(folder, name)


def scan(root: str) -> tuple[int, list[Finding]]:
    """(files read, findings) for a folder or file of code."""
    if not os.path.exists(root):
        raise UsageError(f"--scan: {root!r} does not exist")
    retired, functions, pattern = _retired_index()
    findings: list[Finding] = []
    count = 0
    for path in _files(root):
        try:
            if os.path.getsize(path) > MAX_SCANNED_FILE:
                continue
            with open(path, encoding="utf-8-sig", errors="replace") as fh:
                lines = fh.read().splitlines()
        except OSError:
            continue
        count += 1
        shown = os.path.relpath(path, root) if os.path.isdir(root) else path
        for number, text in enumerate(lines, 1):
            for match in PATH_PATTERN.finditer(text):
                op = retired.get(match.group(0).rstrip("/."))
                if op is not None:
                    findings.append(Finding(shown, number, match.group(0), op.path, op.retired, op.successor))
            if pattern is not None:
                for match in pattern.finditer(text):
                    method, op = functions[match.group(1).casefold()]
                    findings.append(
                        Finding(
                            shown, number, match.group(1), op.path, op.retired, op.successor, method.name_en
                        )
                    )
    return count, findings


def _report_scan(result: tuple[int, list[Finding]], as_json: bool) -> int:
    count, findings = result
    today = dt.date.today().isoformat()
    if as_json:
        doc = {"files": count, "findings": [asdict(f) for f in findings]}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
        return 1 if findings else 0
    marks = _symbols()
    lines = []
    for f in findings:
        when = "switched off" if f.retired <= today else "switches off"
        what = f"{f.found} (OInt, calls {f.operation})" if f.function else f.found
        use = f", use {f.successor}" if f.successor else ""
        lines.append(f"{marks['fail']} {f.file}:{f.line}: {what}: {when} {f.retired}{use}")
    places = len({(f.file, f.line) for f in findings})
    total = (
        f"{len(findings)} use(s) of switched-off operations on {places} line(s)"
        if findings
        else "nothing switched off"
    )
    lines.append(f"{marks['warn' if findings else 'ok']} scanned {count} file(s): {total}")
    _write("\n".join(lines) + "\n")
    return 1 if findings else 0


# ------------------------------------------------------------------ output
def _report(checks: list[Check], as_json: bool) -> int:
    failed = any(c.status == "fail" for c in checks)
    if as_json:
        doc = {"ok": not failed, "checks": [asdict(c) for c in checks]}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    else:
        marks = _symbols()
        _write("".join(f"{marks[c.status]} {c.name}: {c.detail}\n" for c in checks))
    return 1 if failed else 0


def _symbols() -> dict[str, str]:
    """✔/⚠/✖ where the output's encoding can show them, else plain words."""
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "".join(SYMBOLS.values()).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return PLAIN
    return SYMBOLS


def _write(text: str) -> None:
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    sys.stdout.write(text.encode(encoding, errors="replace").decode(encoding, errors="replace"))
    sys.stdout.flush()


def _ms(start: float) -> int:
    return round((time.perf_counter() - start) * 1000)


def _days(days: float) -> str:
    whole = int(days)
    return f"{whole} day{'s' if whole != 1 else ''}" if whole else f"{days * 24:.0f} hours"


def _reason(e: BaseException) -> str:
    if isinstance(e, ConnectionRefusedError):
        return "connection refused (nothing listens there)"
    if isinstance(e, socket.timeout | TimeoutError):
        return "timed out"
    text = getattr(e, "strerror", None) or str(e) or type(e).__name__
    return str(text)


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


DEACTIVATED_KEY = "api-key is deactivated"  # Ozon's answer to an expired key (facts §1.2)


def _deactivated(body: Any) -> bool:
    """Whether an error body is Ozon's refusal of a deactivated (expired) key."""
    return isinstance(body, dict) and DEACTIVATED_KEY in str(body.get("message", "")).lower()


def _message(body: Any) -> str:
    if isinstance(body, dict) and body.get("message"):
        return f": {' '.join(str(body['message']).split())[:200]}"
    return ""


def _moment(text: Any) -> float | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.timestamp()
