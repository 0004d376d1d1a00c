"""Generate `docs/reference.md`, the reference of every Ozon function, from the method registry.

    python -m tools.docs          # rewrite docs/reference.md
    python -m tools.docs --check  # exit 1 when docs/reference.md is out of date (run by the tests)

Everything comes from `REGISTRY`: the index grouped like OInt's documentation, and per function
its names, Python signatures, endpoint (with Ozon's retirement date and successor), parameters,
notes and a CLI example. The output is deterministic (no dates), so `--check` can compare it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from oint.compat.registry import GROUPS, Method, Param
from oint.compat.values import (
    IdKind,
    StringKind,
    as_int,
    as_number,
    as_str,
    without_blanks,
    xml_datetime_z,
)
from oint.compat.wording import lower_first, type_text
from tools.codegen import signature as python_parameters

TARGET = Path(__file__).resolve().parents[1] / "docs" / "reference.md"

OTHER_GROUP = ("Other", "Другое")
INDEX_HEAD = "| # | Function (EN) | Функция (RU) | Summary |"

CREDENTIAL_ROWS = (
    ("clientid", "client_id", IdKind.text, "Client identifier (Client-Id header); or OZON_CLIENT_ID"),
    ("apikey", "api_key", StringKind.text, "API key (Api-Key header); or OZON_API_KEY"),
)


# ----------------------------------------------------------------- Markdown text helpers
def cell(text: str) -> str:
    """Text for a Markdown table cell or paragraph: one line, `|` escaped, `<` kept literal outside code."""
    parts = " ".join(text.split()).split("`")
    for i in range(0, len(parts), 2):  # outside code spans
        parts[i] = parts[i].replace("<", "&lt;")
    return "`".join(parts).replace("|", "\\|")


def code(text: str) -> str:
    """An inline code span for `text` (backticks in it are fenced with a longer run)."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def anchor(m: Method) -> str:
    """GitHub's heading anchor of a method's section (its heading is the EN name)."""
    return m.name_en.lower()


def default_text(p: Param) -> str:
    """The default as a CLI user writes it; "" when there is none."""
    if p.required or p.default is None or p.default == "":
        return ""
    if isinstance(p.default, bool):
        return "true" if p.default else "false"
    return str(p.default)


CONVERSION_HINTS = {
    id(as_str): "as text",
    id(as_int): "as a number",
    id(as_number): "as a number",
    id(xml_datetime_z): "as text `YYYY-MM-DDTHH:MM:SSZ`",
    id(without_blanks): 'without its blank ("") fields',
}


def first_paragraph(text: str | None) -> str:
    """The first paragraph of a docstring as one line, whole (never cut mid-sentence), no final dot."""
    paragraph = (text or "").strip().split("\n\n")[0]
    return " ".join(paragraph.split()).rstrip(".")


def body_field_text(p: Param) -> str:
    """Where a parameter goes in the body: the key, how it is sent, and what is sent when it is empty."""
    if p.field is None:
        return ""
    text = code(p.field)
    hint = None
    if p.convert is not None:
        # a converter of the shared set has a fixed hint; others explain themselves in their docstring
        hint = CONVERSION_HINTS.get(id(p.convert)) or lower_first(first_paragraph(p.convert.__doc__))
    if hint:
        text += f" ({'each ' if p.per_item else ''}{cell(hint)})"
    if p.empty is not None:
        empty = p.empty() if callable(p.empty) else p.empty
        text += f"; {code(json.dumps(empty, ensure_ascii=False))} when empty"
    return text


def endpoint_text(m: Method) -> str:
    if m.endpoint is None:
        return "none: a local helper, no request is sent"
    text = code(str(m.endpoint))
    retirement = m.endpoint.retirement()
    if retirement and m.endpoint.successor:
        retirement = retirement.replace(m.endpoint.successor, code(m.endpoint.successor))
    return text + (f" ({retirement})" if retirement else "")


def operations_text(paths: Sequence[str]) -> str:
    """`POST /v2/...`, with `POST /v3/...`, ... (each operation with its verb)."""
    from oint.apis.seller.spec import operation

    texts = [code(str(operation(p))) for p in paths]
    return texts[0] + (", with " + ", ".join(texts[1:]) if texts[1:] else "")


def routing_lines(m: Method) -> list[str]:
    """Where a function with a current implementation goes: today's endpoints and OInt's, and when."""
    op = m.endpoint
    if op is None or m.current is None:
        return [f"- Endpoint: {endpoint_text(m)}"]
    since = f"since {op.retired}" if op.retired else "always"
    before = f"before {op.retired}" if op.retired else "never"
    return [
        f"- Endpoint today: the current implementation: {operations_text(m.current.uses)} "
        f"(`--api auto` {since}; `--api current` always)",
        f"- Falls back to: OInt's endpoint {endpoint_text(m)}: with `--api legacy`; `--api auto` uses it "
        f"{before}, and goes on with the current implementation when it answers 404 or 410",
    ]


def rate_limit_text(limit: tuple[int, float]) -> str:
    calls, seconds = limit
    per = (
        {1: "second", 60: "minute", 3600: "hour", 86400: "day"}.get(int(seconds))
        if seconds == int(seconds)
        else None
    )
    requests = "1 request" if calls == 1 else f"{calls} requests"
    return f"{requests} per {per}" if per else f"{requests} per {seconds:g} seconds"


# ----------------------------------------------------------------- sections
def grouped(methods: Iterable[Method]) -> list[tuple[str, str, list[Method]]]:
    """(EN title, RU title, methods) in OInt's group order; unknown groups last, under "Other"."""
    methods = list(methods)
    out = []
    for slug, (title_en, title_ru) in GROUPS.items():
        members = [m for m in methods if m.group == slug]
        if members:
            out.append((title_en, title_ru, members))
    rest = [m for m in methods if m.group not in GROUPS]
    if rest:
        out.append((*OTHER_GROUP, rest))
    return out


def index(methods: Sequence[Method]) -> list[str]:
    lines = ["## Index", ""]
    number = 0
    for title_en, title_ru, members in grouped(methods):
        lines += [f"### {title_en} / {title_ru}", "", INDEX_HEAD, "|-:|-|-|-|"]
        for m in members:
            number += 1
            kind = "" if m.calls_api else " *(local)*"
            link = f"[{m.name_en}](#{anchor(m)})"
            lines.append(f"| {number} | {link} | {cell(m.name_ru)} | {cell(m.summary)}{kind} |")
        lines.append("")
    return lines


def signatures(m: Method) -> list[str]:
    """The Python forms of one method: client methods (sync, async) and the OInt-style module function."""
    own = python_parameters(m, credentials=False)
    lines = ["```python"]
    if m.calls_api:
        lines += [
            f"OzonClient(client_id, api_key).{m.python}({own}) -> Any",
            f"await AsyncOzonClient(client_id, api_key).{m.python}({own}) -> Any",
            f"oint.ozon.{m.python}({python_parameters(m, credentials=True)}) -> Any",
        ]
    else:
        lines += [
            f"oint.ozon.{m.python}({own}) -> Any",
            f"OzonClient.{m.python}({own}) -> Any",
            f"AsyncOzonClient.{m.python}({own}) -> Any  # a plain call, not awaited",
        ]
    return [*lines, "```"]


def parameter_table(m: Method) -> list[str]:
    with_field = m.calls_api
    head = ["CLI option", "Python name", "Type", "Required", "Default"]
    head += ["Body field", "Description"] if with_field else ["Description"]
    lines = ["| " + " | ".join(head) + " |", "|" + "-|" * len(head)]
    rows: list[list[str]] = []
    if m.calls_api:
        for option, name, type_doc, doc in CREDENTIAL_ROWS:
            rows.append([code("--" + option), code(name), type_doc, "yes", "", "(header)", doc])
    for p in m.params:
        row = [
            code("--" + p.cli),
            code(p.name),
            cell(type_text(p)),
            "yes" if p.required else "no",
            code(default_text(p)) if default_text(p) else "",
        ]
        if with_field:
            row.append(body_field_text(p))
        row.append(cell(p.doc))
        rows.append(row)
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def section(m: Method) -> list[str]:
    lines = [f"### {m.name_en}", "", f"**{cell(m.name_ru)}**: {cell(m.summary)}", ""]
    lines.append(f"- Names: {code(m.name_en)} / {code(m.name_ru)}; Python {code(m.python)}")
    lines += routing_lines(m)
    if m.rate_limit:
        lines.append(f"- Ozon's limit: {rate_limit_text(m.rate_limit)} per account")
    if m.fixed:
        fixed = ", ".join(code(f"{k}: {json.dumps(v, ensure_ascii=False)}") for k, v in m.fixed.items())
        lines.append(f"- Always sent: {fixed}")
    lines += ["", *signatures(m), ""]
    if m.params or m.calls_api:
        lines += ["Parameters:", "", *parameter_table(m), ""]
    else:
        lines += ["Parameters: none.", ""]
    if m.notes:
        lines += ["Notes:", ""]
        lines += [f"- {cell(note)}" for note in m.notes]
        lines.append("")
    if m.current is not None and m.current.notes:
        lines += ["Current implementation:", ""]
        lines += [f"- {cell(note)}" for note in m.current.notes]
        lines.append("")
    if m.example:
        lines += ["Example:", "", "```sh", m.example, "```", ""]
    return lines


def generate(methods: Sequence[Method] | None = None) -> str:
    """The whole reference as Markdown text (from `REGISTRY` unless `methods` is given)."""
    if methods is None:
        from oint.compat.methods import REGISTRY

        methods = list(REGISTRY)
    api = sum(1 for m in methods if m.calls_api)
    lines = [
        "# Ozon functions: reference",
        "",
        "<!-- GENERATED by `python -m tools.docs` from the method registry: do not edit. -->",
        "",
        f"{len(methods)} functions of OpenIntegrations' Ozon library: {api} call the Ozon Seller API, "
        f"{len(methods) - api} are local helpers that build structures and send nothing.",
        "",
        "Every function is available four ways: the CLI (`oint ozon <EN or RU name> --option value`, names "
        "case-insensitive), `OzonClient` and `AsyncOzonClient` methods, and OInt-style module functions "
        "`oint.ozon.<python_name>(...)` (API functions take `client_id, api_key` first). API calls accept "
        "the options `--sandbox`, `--base-url URL`, `--out FILE`, `--timeout S`, `--retries N` on the CLI "
        "(keyword options "
        "`base_url=`, `sandbox=`, `timeout=`, `max_retries=` in Python), and `--api auto|legacy|current` "
        "(`api=`, or `OINT_OZON_API`) for the functions whose endpoints Ozon switched off.",
        "",
    ]
    retiring = [m for m in methods if m.endpoint is not None and (m.endpoint.retired or m.endpoint.successor)]
    if retiring:
        lines += [
            "Endpoints Ozon has switched off or deprecated. Each of these functions has a current "
            "implementation built on the successors, with OInt's name, options and answer shape: "
            "`--api auto` (the default) uses it from the switch-off date and OInt's endpoint before "
            "(going on with the current implementation if that answers 404 or 410), `--api legacy` "
            "always OInt's endpoint, `--api current` always the current implementation. The sandbox "
            "answers a switched-off endpoint with 410 from its date on (`oint sandbox serve --api-date`).",
            "",
        ]
        for m in retiring:
            now = f" -> {operations_text(m.current.uses[:1])}" if m.current is not None else ""
            lines.append(f"- [{m.name_en}](#{anchor(m)}): {endpoint_text(m)}{now}")
        lines.append("")
    lines += index(methods)
    for title_en, title_ru, members in grouped(methods):
        lines += [f"## {title_en} / {title_ru}", ""]
        for m in members:
            lines += section(m)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None, target: Path = TARGET) -> int:
    argv = sys.argv[1:] if argv is None else argv
    unknown = [a for a in argv if a != "--check"]
    if unknown:
        print(f"usage: python -m tools.docs [--check] (unknown: {' '.join(unknown)})", file=sys.stderr)
        return 2
    text = generate()
    if "--check" in argv:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date: run python -m tools.docs", file=sys.stderr)
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    from oint.compat.methods import REGISTRY

    print(f"wrote {target} ({len(REGISTRY)} functions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
