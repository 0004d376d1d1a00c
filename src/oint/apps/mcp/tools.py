"""The tool list, generated: one tool per OInt function of the registry, the discovery tools
that reach every operation of the Seller API, and the bulk-job tools over `oint.bulk` (their kinds
from `oint.jobs.kinds`). Nothing here is written per tool; the SDK glue (`oint.apps.mcp.server`) serves
`build_tools(...)` as it is, and a test compares the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from oint.apps.mcp.access import LOCAL, READ, WRITE, Access, WritePolicy, method_access
from oint.apps.mcp.catalog import kind_schema
from oint.compat.methods import REGISTRY
from oint.compat.registry import GROUPS, Method
from oint.compat.values import is_filled

SEARCH, DESCRIBE, CALL, MORE = "ozon_api_search", "ozon_api_describe", "ozon_api_call", "ozon_more"
BULK_START, BULK_PROGRESS, BULK_REPORT, BULK_LIST = "bulk_start", "bulk_progress", "bulk_report", "bulk_list"
PERFORMANCE_REPORT = "performance_report"
META_ARGS = ("profile", "dry_run", "confirm", "save")  # tool arguments that are not OInt parameters

ToolKind = Literal["oint", "search", "describe", "call", "more", "bulk", "report"]


@dataclass(frozen=True)
class ToolConfig:
    """What the descriptions and schemas depend on: the server's target and write policy."""

    sandbox: bool = True
    policy: WritePolicy = field(default_factory=WritePolicy)
    profiles: tuple[str, ...] = ()
    default_profile: str | None = None
    confirm_over: int = 1
    max_items: int = 20
    files: bool = False  # bulk_start reads files (the server has --files-dir folders)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str | None
    description: str
    input_schema: dict[str, Any]
    kind: ToolKind
    access: Access  # of an OInt function; the discovery tools read (`ozon_api_call`: as its operation)
    annotations: dict[str, bool]


def target_text(config: ToolConfig) -> str:
    if config.sandbox:
        return "SANDBOX: calls go to oint's local sandbox of the Seller API (a demo store), not to Ozon."
    return "LIVE: calls go to the seller's real Ozon account."


def _write_text(config: ToolConfig, allowed: bool) -> str:
    if not allowed:
        return "WRITE, refused now: the server is read-only (the user may restart it with --allow-write)."
    return (
        f"WRITE: over {config.confirm_over} item(s) (or with dry_run) answers a preview and a token; "
        "call again with confirm=TOKEN to send."
    )


def _meta_properties(config: ToolConfig, access: Access) -> dict[str, Any]:
    """The arguments every API tool adds: `profile` (when there are profiles to choose from), and
    `save` (reads) or `dry_run` / `confirm` (writes)."""
    if access == LOCAL:
        return {}
    props: dict[str, Any] = {}
    if config.profiles:
        default = f" (default {config.default_profile})" if config.default_profile else ""
        props["profile"] = {
            "type": "string",
            "enum": list(config.profiles),
            "description": f"Seller account{default}.",
        }
    if access == WRITE:
        props["dry_run"] = {"type": "boolean", "description": "Only preview; answers a confirm token."}
        props["confirm"] = {"type": "string", "description": "A preview's token: sends that request."}
    else:
        props["save"] = {"type": "boolean", "description": "Also save the whole answer to a file."}
    return props


def method_schema(method: Method, config: ToolConfig) -> dict[str, Any]:
    """The input schema of an OInt function: its parameters by kind, then the meta arguments."""
    props: dict[str, Any] = {}
    for p in method.params:
        schema = kind_schema(p.kind)
        schema["description"] = f"{p.doc} ({p.ru})"
        if is_filled(p.default) and not isinstance(p.default, (list, dict)):
            schema["default"] = p.default
        props[p.name] = schema
    clash = set(props) & set(META_ARGS)
    if clash:
        raise ValueError(f"{method.name_en}: parameter names {sorted(clash)} clash with meta arguments")
    props.update(_meta_properties(config, method_access(method)))
    required = [p.name for p in method.params if p.required]
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


def _annotations(access: Access, sandbox: bool) -> dict[str, bool]:
    if access == WRITE:
        return {"read_only_hint": False, "destructive_hint": True, "open_world_hint": not sandbox}
    return {"read_only_hint": True, "open_world_hint": access != LOCAL and not sandbox}


def method_tool(method: Method, config: ToolConfig) -> ToolSpec:
    access = method_access(method)
    parts = [method.summary, f"RU: {method.name_ru}."]
    op = method.endpoint
    if op is None:
        parts.append("Local helper: builds a structure, calls nothing.")
    else:
        where = f"Ozon: {op.method} {op.path}"
        retired = op.retirement()
        parts.append(f"{where} ({retired})." if retired else f"{where}.")
        if method.current is not None:
            parts.append("Today it calls " + ", ".join(method.current.uses) + ".")
        if access == WRITE:
            parts.append(_write_text(config, config.policy.allows(op.path, [method.name_en], method.group)))
            parts += list(method.notes[:1])  # a write's first caveat; ozon_api_describe gives them all
    if op is not None and config.sandbox:
        parts.append("Sandbox: demo store, not Ozon.")
    return ToolSpec(
        name=method.name_en,
        title=None,
        description=" ".join(parts),
        input_schema=method_schema(method, config),
        kind="oint",
        access=access,
        annotations=_annotations(access, config.sandbox),
    )


def discovery_tools(config: ToolConfig) -> list[ToolSpec]:
    """Search, describe and call any operation of the Seller API; page through a long answer."""
    target = target_text(config)
    writes = (
        "Write operations are refused: the server is read-only (restart with --allow-write)."
        if config.policy.read_only
        else _write_text(config, True) + f" Allowed: {config.policy.describe()}."
    )
    read_meta = _meta_properties(config, READ)
    write_meta = _meta_properties(config, WRITE)
    local = _annotations(LOCAL, config.sandbox)  # they answer without calling Ozon
    operation = {
        "type": "string",
        "description": "Operation name (v4_posting_fbs_list; list_campaigns of the Performance API) or path.",
    }
    described = {
        "type": "string",
        "description": "Operation name (v4_posting_fbs_list), path, or an OInt tool's name.",
    }
    return [
        ToolSpec(
            name=SEARCH,
            title="Search the Ozon Seller API / Поиск методов API",
            description=(
                "Find operations of the whole Ozon Seller API (about 500) by words in English or "
                "Russian: path words, names, Ozon's Russian titles, field names. Answers the best "
                "matches with access (read/write) and the OInt tool that calls one, if any. "
                "api=performance searches the Performance API (advertising: campaigns, bids, "
                "statistics; 48 operations) instead."
            ),
            input_schema={
                "type": "object",
                "properties": {
                    "query": {
                        "type": "string",
                        "description": "Words, e.g. 'fbs postings list' or 'остатки'.",
                    },
                    "limit": {"type": "integer", "minimum": 1, "maximum": 30, "default": 10},
                    "access": {"type": "string", "enum": [READ, WRITE], "description": "Only these."},
                    "api": {
                        "type": "string",
                        "enum": ["seller", "performance"],
                        "description": "Which API (default seller).",
                    },
                },
                "required": ["query"],
            },
            kind="search",
            access=READ,
            annotations=local,
        ),
        ToolSpec(
            name=DESCRIBE,
            title="Describe an Ozon API operation / Описание метода API",
            description=(
                "The request fields of one operation (types, required, allowed values, limits), an "
                "outline of its answer, paging, batch size and rate limits. Read it before "
                f"{CALL}. Given an OInt tool's name: its notes and the operation it calls."
            ),
            input_schema={
                "type": "object",
                "properties": {"operation": described},
                "required": ["operation"],
            },
            kind="describe",
            access=READ,
            annotations=local,
        ),
        ToolSpec(
            name=CALL,
            title="Call an Ozon API operation / Вызов метода API",
            description=(
                f"Call any operation of the Seller API, or of the Performance API (advertising), with a "
                f"JSON body ({DESCRIBE} lists its fields; a Performance GET's fields go in its query "
                "string; amounts there are micro-roubles, 1,000,000 = 1 rouble). all_pages=true walks "
                f"every page of a paged read and answers all items. {writes} {target}"
            ),
            input_schema={
                "type": "object",
                "properties": {
                    "operation": operation,
                    "body": {"type": "object", "description": "The request body, as Ozon documents it."},
                    "path_params": {"type": "object", "description": "Values of {placeholders} in the path."},
                    "all_pages": {"type": "boolean", "description": "Read every page (paged reads only)."},
                    **read_meta,
                    **{k: v for k, v in write_meta.items() if k not in read_meta},
                },
                "required": ["operation"],
            },
            kind="call",
            access=READ,
            annotations=(
                _annotations(READ, config.sandbox)
                if config.policy.read_only
                else _annotations(WRITE, config.sandbox)
            ),
        ),
        ToolSpec(
            name=MORE,
            title="More items of a long answer / Продолжение длинного ответа",
            description=(
                f"Long lists in answers are cut to their first {config.max_items} items, with a token; "
                "this gives the next items of such a list."
            ),
            input_schema={
                "type": "object",
                "properties": {
                    "token": {"type": "string", "description": "The list's token (answer's _oint.lists)."},
                    "offset": {"type": "integer", "minimum": 0, "description": "First item (default: next)."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 200},
                },
                "required": ["token"],
            },
            kind="more",
            access=READ,
            annotations=local,
        ),
    ]


def bulk_tools(config: ToolConfig) -> list[ToolSpec]:
    """Bulk jobs (`oint.bulk`): start one over rows or a file (checked and previewed first), follow
    it, read what Ozon refused, list the jobs."""
    from oint.jobs.kinds import KINDS

    kinds = "; ".join(f"{name} ({kind.text})" for name, kind in KINDS.items())
    writes = (
        _write_text(config, False).replace("WRITE, refused now", "Writes are refused now")
        if config.policy.read_only
        else f"Writes allowed: {config.policy.describe()}."
    )
    job = {"type": "string", "description": "The job's id (or a unique part of it)."}
    local = _annotations(LOCAL, config.sandbox)
    return [
        ToolSpec(
            name=BULK_START,
            title="Start a bulk job / Массовая загрузка",
            description=(
                "Send many items (a file, hundreds of rows) at Ozon's quota as a background job: requests "
                "as large as Ozon allows, within its rate limits, each item's outcome read from Ozon's "
                "answers, resumable. Items: rows (JSON objects of Ozon's fields)"
                + (
                    " or a CSV/XLSX/JSON-lines file of the folders this server may read (header: Ozon's "
                    "fields, nested ones dotted)"
                    if config.files
                    else " (this server reads no files)"
                )
                + ". The first call checks every row and "
                "answers a preview and a confirm token (or the problems by row and column); confirm=TOKEN "
                f"starts the job and answers its id at once ({BULK_PROGRESS} follows it). Kinds: {kinds}; "
                f"or any batched operation by path or name. {writes} {target_text(config)}"
            ),
            input_schema={
                "type": "object",
                "properties": {
                    "kind": {
                        "type": "string",
                        "description": "A kind named above, or a batched operation by path or name.",
                    },
                    "rows": {
                        "type": "array",
                        "items": {"type": "object"},
                        "description": 'The items, e.g. [{"offer_id": "A1", "warehouse_id": 1, "stock": 5}].',
                    },
                    **(
                        {
                            "file": {
                                "type": "string",
                                "description": "Or a .csv, .xlsx or .jsonl file in the folders the server "
                                "was started with (--files-dir), by path or relative to such a folder.",
                            }
                        }
                        if config.files
                        else {}
                    ),
                    "body": {"type": "object", "description": "Fields added to every request."},
                    **{k: v for k, v in _meta_properties(config, WRITE).items() if k != "dry_run"},
                },
                "required": ["kind"],
            },
            kind="bulk",
            access=WRITE,
            annotations=_annotations(WRITE, config.sandbox),
        ),
        ToolSpec(
            name=BULK_PROGRESS,
            title="Progress of a bulk job / Ход загрузки",
            description=(
                "A bulk job's state: items confirmed, failed, pending and in flight, items per minute, "
                "ETA, and what to do next."
            ),
            input_schema={"type": "object", "properties": {"job": job}, "required": ["job"]},
            kind="bulk",
            access=LOCAL,
            annotations=local,
        ),
        ToolSpec(
            name=BULK_REPORT,
            title="Report of a bulk job / Отчёт о загрузке",
            description=(
                "The items of a bulk job Ozon refused, with Ozon's errors: counts by error code and the "
                "first items (row, item, code, message). save=true writes every item's outcome to a file."
            ),
            input_schema={
                "type": "object",
                "properties": {
                    "job": job,
                    "limit": {"type": "integer", "minimum": 1, "maximum": 200, "description": "Items shown."},
                    "save": {"type": "boolean", "description": "Write the whole report to a file."},
                    "format": {"type": "string", "enum": ["csv", "xlsx", "jsonl"], "default": "csv"},
                },
                "required": ["job"],
            },
            kind="bulk",
            access=LOCAL,
            annotations=local,
        ),
        ToolSpec(
            name=BULK_LIST,
            title="Bulk jobs / Список загрузок",
            description="The bulk jobs on this machine (oint mcp's and oint ozon bulk's), newest first.",
            input_schema={"type": "object", "properties": {}},
            kind="bulk",
            access=LOCAL,
            annotations=local,
        ),
    ]


def performance_tools(config: ToolConfig) -> list[ToolSpec]:
    """The Performance API's own tool: a statistics report of any size, answered as rows (its
    operations are reached through search, describe and call)."""
    props: dict[str, Any] = {
        "campaigns": {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "description": "Campaign ids (any number: reports of at most 10 campaigns each).",
        },
        "date_from": {"type": "string", "format": "date", "description": "First day, YYYY-MM-DD."},
        "date_to": {"type": "string", "format": "date", "description": "Last day, YYYY-MM-DD (any span)."},
        "group_by": {"type": "string", "enum": ["DATE", "START_OF_WEEK", "START_OF_MONTH"]},
        **_meta_properties(config, READ),
    }
    if "profile" in props:
        props["profile"] = {**props["profile"], "description": "Account (its Performance API credentials)."}
    return [
        ToolSpec(
            name=PERFORMANCE_REPORT,
            title="Advertising statistics / Статистика рекламных кампаний",
            description=(
                "Statistics of advertising campaigns (Ozon's Performance API) over a period, as rows: "
                "split into Ozon's reports of at most 10 campaigns and 62 days, made one after another "
                "(Ozon prepares one per account at a time), waited for and merged. Takes as long as "
                f"Ozon takes to prepare them. Reads only. {target_text(config)}"
            ),
            input_schema={
                "type": "object",
                "properties": props,
                "required": ["campaigns", "date_from", "date_to"],
            },
            kind="report",
            access=READ,
            annotations=_annotations(READ, config.sandbox),
        )
    ]


def build_tools(config: ToolConfig) -> list[ToolSpec]:
    """Every tool the server offers, in order: OInt's functions (catalogue order), then discovery,
    the bulk jobs and the Performance API's report."""
    return (
        [method_tool(m, config) for m in REGISTRY]
        + discovery_tools(config)
        + bulk_tools(config)
        + performance_tools(config)
    )


def instructions(config: ToolConfig, profiles: dict[str, str] | None = None) -> str:
    """The server's instructions to the assistant."""
    lines = [
        "oint: an Ozon seller's store through the Ozon Seller API.",
        target_text(config),
        f"Access: {config.policy.describe()}.",
        f"Tools: the {len(REGISTRY)} functions of OpenIntegrations' Ozon library (English names; "
        "Russian names in the descriptions), and for the rest of the API "
        f"{SEARCH} -> {DESCRIBE} -> {CALL}.",
        f"{DESCRIBE} with an OInt tool's name gives all its notes.",
        f"Advertising (Ozon's Performance API: campaigns, bids, statistics): {SEARCH} with "
        f"api=performance, then {DESCRIBE} and {CALL} by name (list_campaigns); {PERFORMANCE_REPORT} "
        "answers a campaign report's rows. Its amounts are micro-roubles (1,000,000 = 1 rouble).",
        f"Many items at once (a file, hundreds of rows): {BULK_START} runs them as a background job "
        f"(every row checked first); {BULK_PROGRESS}, {BULK_REPORT} and {BULK_LIST} follow jobs.",
        f"Long lists are cut to {config.max_items} items with a token for {MORE}; save=true writes a "
        "whole answer to a file. Errors carry Ozon's code and message and a hint.",
    ]
    if not config.policy.read_only:
        lines.insert(
            3,
            f"Writes of more than {config.confirm_over} item(s) answer a preview and a token: show the "
            "preview to the user and send (confirm=TOKEN) only when they agree.",
        )
    if profiles:
        listed = ", ".join(f"{k} ({v})" for k, v in profiles.items())
        lines.append(f"Seller accounts (the profile argument): {listed}.")
    groups = ", ".join(en for en, _ in GROUPS.values())
    lines.append(f"OInt groups: {groups}.")
    return "\n".join(lines)
