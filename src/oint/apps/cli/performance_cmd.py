"""`oint performance`: Ozon's Performance API (advertising) from the command line, from its
operation layer (`oint.apis.performance.spec`), as `oint ozon` calls the Seller API's operations.

oint performance ops [WORD ...]                          list the operations (verb, path, name, title)
oint performance list_campaigns --state CAMPAIGN_STATE_RUNNING     call one by name (or path), its
oint performance activate_campaign --campaign-id 123               fields and path parameters as options
oint performance list_campaigns --all-pages              every item of every page, as JSON lines
oint performance <name> --help                           its fields, path parameters and types
oint performance report --campaigns 1,2 --from 2026-09-01 --to 2026-11-30 --out stats.csv

Answers print as Ozon sends them (JSON; amounts in micro-roubles, raw); the help shows money
fields in roubles too. Bad input is one line on stderr and exit 2, before anything is sent.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from typing import Any

from oint.apis.performance import spec
from oint.apps.cli.args import did_you_mean, split_options
from oint.apps.cli.ops_cmd import field_value
from oint.compat.values import CollectionKind
from oint.core.errors import UsageError
from oint.core.layer import Operation

FLAGS = ("sandbox", "help", "debug", "all-pages")
VALUES = (
    "out",
    "base-url",
    "timeout",
    "retries",
    "db",
    "profile",
    "ca-file",
    "clientid",
    "clientsecret",
    "body",
)
REPORT_VALUES = (*VALUES[:-1], "campaigns", "from", "to", "group-by")
MICRO = 1_000_000

USAGE = """oint performance: Ozon's Performance API (advertising: campaigns, bids, statistics)

  oint performance ops [WORD ...]            the 48 operations (verb, path, name, Ozon's title)
  oint performance <name or path> [--FIELD value ...] [--body JSON] [--all-pages]
                                             call one; path parameters as options (--campaign-id 1)
  oint performance <name> --help             its fields and types
  oint performance report --campaigns ID,ID --from YYYY-MM-DD --to YYYY-MM-DD --out FILE
                                             a statistics report of any size (.csv, .xlsx, .jsonl):
                                             split at 10 campaigns and 62 days, merged

Credentials: --profile NAME (performance_client_id and its secret: 'oint profiles'), or
OZON_PERFORMANCE_CLIENT_ID and OZON_PERFORMANCE_CLIENT_SECRET (or --clientid/--clientsecret).
Also: --sandbox, --base-url URL, --out FILE, --timeout S, --retries N, --ca-file PEM, --debug
(each request and answer on stderr, the secret and the token hidden).
Money: budgets and bids are micro-roubles (1,000,000 = 1 rouble), sent and printed as Ozon has them.
"""


def run(argv: list[str]) -> int:
    """`oint performance ...` (the arguments after "performance")."""
    from oint.apps.cli.main import EXIT_OK

    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return EXIT_OK
    if argv[0] == "ops":
        return ops_command(argv[1:])
    if argv[0] == "report":
        return report_command(argv[1:])
    name = argv[0]
    op = spec.LAYER.find(name)
    if op is None:
        names = [o.name for o in spec.operations().values()]
        hint = did_you_mean(name, [*names, "ops", "report"])
        raise UsageError(f"no Performance API operation {name!r}{hint} ('oint performance ops' lists them)")
    return call_command(op, argv[1:])


# ------------------------------------------------------------------------------------ listing
def ops_command(words: list[str]) -> int:
    """The operations whose verb, path, name or title hold every word; exit 1 when none does."""
    wanted = [w.casefold() for w in words]
    found = [
        op
        for op in spec.operations().values()
        if all(w in f"{op.method} {op.path} {op.name} {op.title} {op.section}".casefold() for w in wanted)
    ]
    if not found:
        sys.stderr.write(f"oint: no Performance API operation matches {' '.join(words)!r}\n")
        return 1
    width = max(len(op.path) for op in found)
    named = max(len(op.name) for op in found)
    head = f"{len(found)} operations" + (f" matching {' '.join(words)!r}" if words else "")
    lines = [
        f"{head}. Call one: oint performance <name> [--FIELD value]; help: oint performance <name> --help",
        "",
    ]
    for op in found:
        marks = "pages" if op.paging else "file" if op.file else ""
        lines.append(
            f"  {op.method:<5} {op.path:<{width}}  {op.name:<{named}}  {marks:<5}  {op.title}".rstrip()
        )
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _fields(op: Operation) -> dict[str, Any]:
    return dict(spec.LAYER.schema(op.request).get("properties", {})) if op.request else {}


def _type_text(node: dict[str, Any]) -> str:
    node = spec.LAYER.resolve(node)
    kind = node.get("type")
    if kind == "array":
        return f"array of {_type_text(node.get('items', {}))}"
    if "anyOf" in node:
        return " or ".join(_type_text(n) for n in node["anyOf"])
    return str(kind or "object")


def option_name(path_param: str) -> str:
    """`campaignId` -> `campaign-id`, `UUID` -> `uuid`."""

    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", path_param).lower()


def operation_help(op: Operation) -> str:
    lines = [f"{op.method} {op.path}" + (f" - {op.title}" if op.title else ""), f"  name: {op.name}"]
    if op.paging is not None:
        lines.append(f"  pages by page number (items: {op.paging.items}): --all-pages walks them")
    if op.file:
        lines.append("  answers a file (CSV, or a ZIP of CSVs): --out FILE")
    if spec.is_report(op):
        rules = spec.report_rules()
        lines.append(
            f"  starts a report: at most {rules.max_campaigns} campaigns and {rules.max_days} days, one in "
            "preparation per account ('oint performance report' does it all)"
        )
    lines.append("")
    if op.path_params:
        lines.append("Path: " + ", ".join(f"--{option_name(p)} VALUE" for p in op.path_params))
        lines.append("")
    fields = _fields(op)
    where = "Query field" if op.method == "GET" else "Body field"
    if fields:
        rows = []
        for name, node in fields.items():
            money = " (micro-roubles: 1,000,000 = 1 ₽)" if spec.is_money(spec.LAYER.resolve(node)) else ""
            rows.append((name, _type_text(node) + money))
        width = max(len(where), *(len(r[0]) for r in rows))
        lines.append(f"{where:<{width}}  Type")
        lines += [f"{n:<{width}}  {t}" for n, t in rows]
        lines.append("")
        lines.append("Each field as --FIELD VALUE (arrays as JSON or one plain value), or --body JSON|FILE.")
        lines += _money_notes(op)
    else:
        lines.append("No fields.")
    lines.append("")
    example = f"oint performance {op.name}" + "".join(f" --{option_name(p)} 1" for p in op.path_params)
    lines.append(f"Example: {example}" + (" --all-pages" if op.paging else ""))
    return "\n".join(lines) + "\n"


def _money_notes(op: Operation) -> list[str]:
    """Nested amounts in micro-roubles (a bid of an item of `bids`), for the help."""
    notes: list[str] = []

    def walk(node: dict[str, Any], prefix: str, depth: int) -> None:
        node = spec.LAYER.resolve(node)
        if depth > 4:
            return
        if node.get("type") == "array":
            walk(node.get("items", {}), prefix + "[]", depth + 1)
            return
        for name, child in node.get("properties", {}).items():
            path = f"{prefix}.{name}" if prefix else name
            if spec.is_money(spec.LAYER.resolve(child)) and "." in path:
                notes.append(f'  {path}: micro-roubles (e.g. "{25 * MICRO}" = {roubles(25 * MICRO)})')
            walk(child, path, depth + 1)

    if op.request:
        walk(spec.LAYER.schema(op.request), "", 0)
    return ["Amounts:", *notes] if notes else []


def roubles(micro: int | str) -> str:
    """Micro-roubles for people: 25000000 -> "25 ₽", 12345678 -> "12.35 ₽"."""
    value = int(micro) / MICRO
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text.replace(',', ' ')} ₽"


# ------------------------------------------------------------------------------------ calling
def _folded(name: str) -> str:
    return name.replace("-", "").replace("_", "").casefold()


def parse_call(
    op: Operation, tokens: list[str], allowed: tuple[str, ...] = VALUES
) -> tuple[dict[str, Any], dict[str, Any], set[str], dict[str, str]]:
    """(fields, path parameters, flags, settings) of one call; UsageError on anything wrong,
    before anything is sent (the fields are checked against the layer's schema)."""
    fields = _fields(op)
    by_fold = {_folded(f): f for f in fields}
    params = {_folded(p): p for p in op.path_params}
    given: dict[str, Any] = {}
    path_params: dict[str, Any] = {}
    flags: set[str] = set()
    settings: dict[str, str] = {}
    for name, value in split_options(tokens):
        if name in FLAGS:
            if value is not None and name != "help":
                raise UsageError(f"option --{name} takes no value")
            flags.add(name)
        elif name in allowed:
            if value is None:
                raise UsageError(f"option --{name} needs a value")
            settings[name] = value
        elif _folded(name) in params:
            if not value:
                raise UsageError(f"option --{name} needs a value")
            path_params[params[_folded(name)]] = value
        elif _folded(name) in by_fold:
            field = by_fold[_folded(name)]
            if value is None:
                if spec.LAYER.resolve(fields[field]).get("type") != "boolean":
                    raise UsageError(f"option --{name} needs a value")
                value = "true"
            given[field] = field_value(fields[field], value, name, spec.LAYER.resolve)
        else:
            own = [*(option_name(p) for p in op.path_params), *fields]
            hint = did_you_mean(name, [*own, *FLAGS, *allowed], "--")
            known = ", ".join("--" + f for f in own) or "none"
            raise UsageError(f"unknown option --{name} for {op.name}{hint} (its options: {known})")
    body: dict[str, Any] = {}
    if "body" in settings:
        if not fields:
            raise UsageError(f"{op.name} takes no fields: --body does not apply")
        body.update(CollectionKind("object").parse_cli(settings.pop("body"), "body") or {})
    body.update(given)
    missing = [p for p in op.path_params if p not in path_params]
    if missing:
        raise UsageError(f"{op.name}: missing path parameter --{option_name(missing[0])}")
    problem = spec.operation_problem(op.key, body) if body else None
    if problem:
        raise UsageError(f"{op.name}: {problem}")
    return body, path_params, flags, settings


def make_client(flags: set[str], settings: dict[str, str]) -> Any:
    """The Performance client of a command's common options (UsageError on bad ones)."""
    from oint.apis.performance.client import PerformanceClient
    from oint.apps.cli.main import client_options

    options = client_options(flags, settings)
    if "sandbox" in options:  # the application builds the sandbox's transport itself
        from oint.sandbox.transport import connect

        state = options.pop("sandbox")
        options["transport"] = connect(None if state is True else state)
        try:
            return PerformanceClient(settings.get("clientid"), settings.get("clientsecret"), **options)
        except BaseException:
            options["transport"].close()
            raise
    return PerformanceClient(settings.get("clientid"), settings.get("clientsecret"), **options)


def call_command(op: Operation, tokens: list[str]) -> int:
    from oint.apps.cli.main import EXIT_OK, refuse_binary_to_terminal, run_call

    if any(t.lower() in ("--help", "-h") for t in tokens) or (
        not tokens and (op.path_params or _required(op))
    ):
        sys.stdout.write(operation_help(op))
        return EXIT_OK
    body, path_params, flags, settings = parse_call(op, tokens)
    out = settings.get("out")
    if out is not None:
        from oint.jobs.files import check_writable

        check_writable(out, "--out")
    refuse_binary_to_terminal(op.file, out)
    if "all-pages" in flags and op.paging is None:
        raise UsageError(f"{op.name} does not page: --all-pages does not apply")
    client = make_client(flags, settings)
    if "all-pages" in flags:
        return run_call(client, lambda c: _stream(c, op, body, out), out, streaming=True)
    return run_call(client, lambda c: c.call(op.key, body or None, **path_params), out)


def _required(op: Operation) -> bool:
    return bool(op.request and spec.LAYER.schema(op.request).get("required"))


def _stream(client: Any, op: Operation, body: dict[str, Any], out: str | None) -> None:
    sink = open(out, "w", encoding="utf-8") if out else sys.stdout
    try:
        for item in client.iter_items(op.key, body):
            sink.write(json.dumps(item, ensure_ascii=False) + "\n")
    finally:
        sink.flush()
        if sink is not sys.stdout:
            sink.close()


# ------------------------------------------------------------------------------------ report
REPORT_USAGE = """oint performance report: the statistics of campaigns over a period, in one file

  oint performance report --campaigns 123,456 --from 2026-09-01 --to 2026-11-30 --out stats.csv

  --campaigns ID,ID,...   the campaigns (any number: reports of at most 10 each)
  --from, --to            the first and last day (any span: reports of at most 62 days each)
  --out FILE              .csv, .xlsx (pip install 'oint[xlsx]') or .jsonl
  --group-by DATE         Ozon's grouping of rows (DATE, START_OF_WEEK, START_OF_MONTH)

The reports are made one after another (Ozon prepares one per account at a time), and their rows
merged into FILE (totals lines left out). Progress shows on a terminal. Common options as for any
call: --profile, --sandbox, --base-url, --timeout, --retries, --debug.
"""


def report_command(tokens: list[str]) -> int:
    from oint.apis.performance.reports import ReportFailed, plan
    from oint.apps.cli.main import EXIT_API, EXIT_OK, run_call
    from oint.jobs.files import check_output

    if not tokens or any(t.lower() in ("--help", "-h") for t in tokens):
        sys.stdout.write(REPORT_USAGE)
        return EXIT_OK
    flags: set[str] = set()
    settings: dict[str, str] = {}
    for name, value in split_options(tokens):
        if name in ("sandbox", "debug"):
            if value is not None:
                raise UsageError(f"option --{name} takes no value")
            flags.add(name)
        elif name in REPORT_VALUES:
            if not value:
                raise UsageError(f"option --{name} needs a value")
            settings[name] = value
        else:
            hint = did_you_mean(name, [*REPORT_VALUES, "sandbox", "debug"], "--")
            raise UsageError(
                f"unknown option --{name} for report{hint} (see: oint performance report --help)"
            )
    for needed in ("campaigns", "from", "to", "out"):
        if needed not in settings:
            raise UsageError(f"report: --{needed} is required (see: oint performance report --help)")
    campaigns = [c.strip() for c in settings["campaigns"].replace(";", ",").split(",") if c.strip()]
    bad = [c for c in campaigns if not c.isdigit()]
    if bad or not campaigns:
        raise UsageError(
            f"--campaigns: expected campaign ids separated by commas, got {settings['campaigns']!r}"
        )
    parts = plan(campaigns, _day(settings["from"], "--from"), _day(settings["to"], "--to"))
    out = settings["out"]
    check_output(out, "--out")
    client = make_client(flags, settings)
    progress = _progress_line if _stderr_is_terminal() else None
    rows: list[dict[str, str]] = []

    def make(c: Any) -> None:
        first, last = parts[0].date_from, parts[-1].date_to
        rows.extend(c.report(campaigns, first, last, group_by=settings.get("group-by"), progress=progress))

    try:
        code = run_call(client, make, None, streaming=True)  # an error answer: its JSON on stderr
    except ReportFailed as e:
        sys.stderr.write(f"oint: {e}\n")
        return EXIT_API
    finally:
        if progress is not None:
            sys.stderr.write("\n")
    if code != EXIT_OK:
        return code
    write_rows(out, rows)
    if _stderr_is_terminal():
        sys.stderr.write(f"oint: {len(rows)} rows from {len(parts)} report(s) in {out}\n")
    return EXIT_OK


def write_rows(out: str, rows: list[dict[str, str]]) -> None:
    from oint.jobs.files import open_writer

    columns = list(dict.fromkeys(key for row in rows for key in row))
    writer = open_writer(out, columns, "--out")
    try:
        for row in rows:
            writer.write(row)
    finally:
        writer.close()


def _day(text: str, option: str) -> str:
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise UsageError(f"{option}: expected a date YYYY-MM-DD, got {text!r}") from None


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _progress_line(done: int, total: int, state: str) -> None:
    sys.stderr.write(f"\roint: report {min(done + 1, total)} of {total}: {state or 'sent'}    ")
    sys.stderr.flush()
