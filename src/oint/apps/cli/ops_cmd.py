"""Every Seller API operation from the command line, from the operation layer (`oint.apis.seller.spec`).

oint ozon ops [WORD ...]                       list operations (path, paging, Ozon's title)
oint ozon /v4/posting/fbs/list --body '{...}'  call one by path ...
oint ozon v4_posting_fbs_list --limit 10 ...   ... or by name, with top-level fields as options
oint ozon v4_posting_fbs_list --help           its body fields and types
oint ozon v4_posting_fbs_list ... --all-pages  every item of every page, as JSON lines
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from typing import Any

from oint.apis.seller import spec
from oint.apps.cli.args import (
    CREDENTIAL_OPTIONS,
    FLAG_OPTIONS,
    SETTINGS_OPTION,
    VALUE_OPTIONS,
    did_you_mean,
    split_options,
)
from oint.compat.values import CollectionKind, parse_bool
from oint.core.errors import UsageError

OPERATION_NAME = re.compile(r"^v\d+_[a-z0-9_]+$")
OWN_FLAGS = ("all-pages",)
MAX_FIELD_ROWS = 120


def is_operation(name: str) -> bool:
    """Does `name` look like an operation (a path or a `v3_…` name) that the layer knows?"""
    if not (name.startswith("/") or OPERATION_NAME.match(name.lower().replace("-", "_"))):
        return False
    return spec.find(name) is not None


# ------------------------------------------------------------------------------------ listing
def list_operations(words: list[str]) -> str | None:
    """`oint ozon ops [WORD ...]`: the operations matching every word (path, name, Ozon's title,
    OInt function, field names; English or Russian); None when none matches."""
    from oint.apps.catalog import matching

    found = matching(" ".join(words))
    if not found:
        return None
    head = f"{len(found)} operations" + (f" matching {' '.join(words)!r}" if words else "")
    lines = [f"{head}. Call one: oint ozon <path or name> --body JSON; help: oint ozon <name> --help", ""]
    width = max(len(op.path) for op in found)
    for op in found:
        marks = []
        if op.paging is not None:
            marks.append(f"pages:{op.paging.style}")
        if op.retired:
            marks.append(f"off {op.retired}")
        elif op.deprecated:
            marks.append("deprecated")
        lines.append(f"  {op.method:<4} {op.path:<{width}}  {', '.join(marks):<22} {op.title}".rstrip())
    return "\n".join(lines) + "\n"


def ops_command(words: list[str]) -> int:
    """`oint ozon ops [WORD ...]`: the list on stdout; as grep, exit 1 with one line on stderr
    when nothing matches."""
    text = list_operations(words)
    if text is None:
        sys.stderr.write(
            f"oint: no operation matches {' '.join(words)!r} ('oint ozon ops' lists all "
            f"{len(spec.operations())})\n"
        )
        return 1
    sys.stdout.write(text)
    return 0


# ------------------------------------------------------------------------------------ help
def field_rows(schema_name: str | None) -> list[tuple[str, str, str, str]]:
    """(field path, type, required, notes) for the fields of a request, nested ones dotted."""
    from oint.apps.catalog import fields

    rows = []
    for f in fields(schema_name)[:MAX_FIELD_ROWS]:
        notes = [f.limits] if f.limits else []
        if f.enum:
            notes.append("one of " + ", ".join(f.enum[:8]) + (", …" if len(f.enum) > 8 else ""))
        rows.append((f.path, f.type, "yes" if f.required else "", "; ".join(notes)))
    return rows


def operation_help(op: spec.Operation) -> str:
    lines = [f"{op.method} {op.path}" + (f" - {op.title}" if op.title else ""), f"  name: {op.name}"]
    if op.paging is not None:
        size = f", page size up to {op.paging.max}" if op.paging.max else ""
        lines.append(
            f"  pages by {op.paging.style} (items: {op.paging.items or '?'}{size}): --all-pages walks them"
        )
    if op.batch is not None:
        most = f", at most {op.batch.max} per request" if op.batch.max else ""
        lines.append(f"  batch field: {op.batch.field}{most}")
    if op.rate_limits:
        lines.append("  Ozon's limit: " + ", ".join(f"{n} per {s:g} s" for n, s in op.rate_limits))
    if op.retirement():
        lines.append(f"  {op.retirement()}")
    lines.append("")
    if op.path_params:
        lines.append("Path: " + ", ".join(f"--{p} VALUE" for p in op.path_params))
        lines.append("")
    rows = field_rows(op.request) if op.has_body else []
    if rows:
        head = ("Body field", "Type", "Required", "Notes")
        widths = [min(48, max(len(r[i]) for r in [*rows, head])) for i in range(3)]
        lines.append("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=False)) + "  " + head[3])
        for r in rows:
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[3])
        if len(rows) >= MAX_FIELD_ROWS:
            lines.append(f"  ... (first {MAX_FIELD_ROWS} fields)")
        lines.append("")
        lines.append("Body: --body JSON|FILE, and/or each top-level field as --FIELD VALUE (objects and")
        lines.append("arrays as JSON, single quotes allowed, or a path to a JSON file).")
    elif op.has_body:
        lines.append("Body: --body JSON|FILE (Ozon's document describes no fields).")
    else:
        lines.append("No body.")
    lines.append("Also: --sandbox, --base-url URL, --profile NAME, --out FILE, --timeout S, --retries N,")
    lines.append("      --ca-file PEM, --debug (each request and answer on stderr, the Api-Key redacted)")
    lines.append("      --config SETTINGS (OInt's advanced call; alone: a list), --out _hex_|_base64_|_utf8_")
    lines.append("")
    example = f"oint ozon {op.name}"
    if op.has_body:
        example += " --body '{...}'"
    lines.append(f"Example: {example} --sandbox" + (" --all-pages" if op.paging else ""))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------ calling
def field_value(
    node: dict[str, Any],
    text: str,
    option: str,
    resolve: Callable[[dict[str, Any]], dict[str, Any]] = spec.resolve,
) -> Any:
    """`--option text` as the value of a body field whose schema is `node` (`resolve` follows the
    `$ref`s of the API's layer): numbers, booleans, strings, a list of one plain value, JSON."""
    node = resolve(node)
    kind = node.get("type")
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            raise UsageError(f"--{option}: expected a whole number, got {text!r}") from None
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            raise UsageError(f"--{option}: expected a number, got {text!r}") from None
    if kind == "boolean":
        return parse_bool(text)
    if kind == "string":
        return text
    if kind == "array" and not text.lstrip().startswith("[") and not text.lower().endswith(".json"):
        return [field_value(node.get("items", {}), text, option, resolve)]  # one plain value: a one-item list
    want = "object" if kind == "object" else "any"
    return CollectionKind(want).parse_cli(text, option)


def _field_named(option: str, fields: dict[str, Any]) -> str | None:
    """The body field an option names: as written, with '-' for '_', in any case (option names are
    read case-insensitively, as OInt's are: --warehouseid is warehouseId)."""
    for name in (option, option.replace("-", "_")):
        if name in fields:
            return name
    folded = {f.casefold(): f for f in fields}
    return folded.get(option.casefold()) or folded.get(option.replace("-", "_").casefold())


def parse_call(
    op: spec.Operation, tokens: list[str]
) -> tuple[dict[str, Any], dict[str, Any], set[str], dict[str, str]]:
    """(body, path parameters, flags, settings) of one call (UsageError on unknown options)."""
    fields = spec.resolve({"$ref": "#/schemas/" + op.request}).get("properties", {}) if op.request else {}
    body: dict[str, Any] = {}
    given: dict[str, Any] = {}
    path_params: dict[str, Any] = {}
    flags: set[str] = set()
    settings: dict[str, str] = {}
    for name, value in split_options(tokens):
        if name in FLAG_OPTIONS or name in OWN_FLAGS:
            if value is not None and name != "help":
                raise UsageError(f"option --{name} takes no value")
            flags.add(name)
        elif name == SETTINGS_OPTION:  # OInt's advanced call (`conventions`); no value: list its settings
            settings[name] = "" if value is None else value
        elif name in VALUE_OPTIONS or name in CREDENTIAL_OPTIONS or name == "body":
            if value is None:
                raise UsageError(f"option --{name} needs a value")
            settings[name] = value
        elif name in op.path_params or name.replace("-", "_") in op.path_params:
            if value is None:
                raise UsageError(f"option --{name} needs a value")
            path_params[name.replace("-", "_")] = value
        elif op.has_body and _field_named(name, fields) is not None:
            field = _field_named(name, fields) or name
            if value is None:
                if spec.resolve(fields[field]).get("type") != "boolean":
                    raise UsageError(f"option --{name} needs a value")
                value = "true"
            given[field] = field_value(fields[field], value, name)
        else:
            own = [*op.path_params, *fields]
            common = [*FLAG_OPTIONS, *OWN_FLAGS, *VALUE_OPTIONS, *CREDENTIAL_OPTIONS, "body"]
            hint = did_you_mean(name, [*own, *common], "--")
            known = ", ".join("--" + f for f in own) or "none but --body"
            raise UsageError(f"unknown option --{name} for {op.name}{hint} (its fields: {known})")
    if "body" in settings:
        if not op.has_body:
            raise UsageError(f"{op.name} takes no body")
        text = settings.pop("body")
        loaded = CollectionKind("object").parse_cli(text, "body")
        body.update(loaded or {})
    body.update(given)
    missing = [p for p in op.path_params if p not in path_params]
    if missing:
        raise UsageError(f"{op.name}: missing path parameter --{missing[0]}")
    return body, path_params, flags, settings


def run_operation(name: str, tokens: list[str]) -> int:
    from oint.apps.cli.conventions import is_special_out, settings_help
    from oint.apps.cli.main import (
        EXIT_OK,
        check_out,
        make_client,
        refuse_binary_to_terminal,
        run_call,
        take_call_settings,
    )

    op = spec.operation(name)
    if not tokens or any(t.lower() in ("--help", "-h") for t in tokens):
        sys.stdout.write(operation_help(op))
        return EXIT_OK
    body, path_params, flags, settings = parse_call(op, tokens)
    if settings.get("config") == "":
        sys.stdout.write(settings_help(True))
        return EXIT_OK
    call, recorder = take_call_settings(settings)
    out = settings.get("out")
    check_out(out, flags)
    if not is_special_out(out):
        refuse_binary_to_terminal(op.file, out)
    client = make_client(flags, settings, call, recorder)
    if "all-pages" in flags:
        if op.paging is None:
            client.close()
            raise UsageError(f"{op.name} does not page: --all-pages does not apply")
        return run_call(client, lambda c: _stream(c, op, body, out), out, streaming=True)
    return run_call(
        client,
        lambda c: c.call(op.path, body if op.has_body else None, **path_params),
        out,
        operation=op.path,
        flags=flags,
        full=recorder if call is not None and call.full_response else None,
    )


def page_rows(client: Any, op: spec.Operation, body: dict[str, Any]) -> Any:
    """What `--all-pages` of an operation gives: every item, or every page where the items' place
    is unknown — an iterator from a client, an async iterator from an async client (the gateway)."""
    return (
        client.iter_items(op.path, body)
        if op.paging and op.paging.items
        else client.iter_pages(op.path, body)
    )


def _stream(client: Any, op: spec.Operation, body: dict[str, Any], out: str | None) -> None:
    """Every item (or every page, where the items' place is unknown) as JSON lines."""
    rows = page_rows(client, op, body)
    sink = open(out, "w", encoding="utf-8") if out else sys.stdout
    try:
        for row in rows:
            sink.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        sink.flush()
        if sink is not sys.stdout:
            sink.close()


__all__ = ["is_operation", "list_operations", "operation_help", "ops_command", "run_operation"]


def ops_main(argv: list[str]) -> int:
    """`oint ozon ops ...` as the command table runs it (`argv` from "ops" on)."""
    return ops_command(argv[1:])
