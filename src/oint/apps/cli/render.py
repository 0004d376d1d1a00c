"""Text pages of the CLI, rendered from the registry: start page, method list, method help."""

from __future__ import annotations

from oint import LIBRARIES, __version__
from oint.compat.registry import GROUPS, Method, Param, Registry
from oint.compat.wording import type_text


def start_page() -> str:
    """`oint --help`: every command (a test checks it against the dispatcher's lists)."""
    from oint.apps.cli.commands import usage_lines
    from oint.apps.cli.sandbox_cmd import HELP as SANDBOX_HELP

    sandbox_commands = "|".join(name for name in SANDBOX_HELP if name != "serve")
    lines = [
        f"oint {__version__}: OpenIntegrations-compatible command line for the Ozon Seller API",
        "",
        "Libraries:",
    ]
    lines += [f"  {name:<10} {text}" for name, text in LIBRARIES.items()]
    lines += [
        "",
        "Usage:",
    ]
    for synopsis, text in usage_lines(sandbox_commands=sandbox_commands):
        synopsis = "oint " + synopsis
        if len(synopsis) > 33:  # a long synopsis: its text on the next line
            lines += [f"  {synopsis}", f"  {'':<33} {text}"]
        else:
            lines.append(f"  {synopsis:<33} {text}")
    lines += [
        "  oint --version                    the version",
        "",
        "Common options: --clientid, --apikey (or OZON_CLIENT_ID / OZON_API_KEY), --profile NAME",
        "(or OINT_PROFILE), --base-url URL (or OZON_BASE_URL), --sandbox, --out FILE,",
        "--timeout SECONDS, --retries N, --ca-file PEM (a private CA to trust too),",
        "--debug (each request and answer on stderr: method, URL, status, time, headers with",
        "the Api-Key redacted, bodies shortened).",
    ]
    return "\n".join(lines) + "\n"


def method_list(registry: Registry) -> str:
    lines = [f"oint ozon: {len(registry)} methods. Help on one: oint ozon <Method>", ""]
    for slug, (title_en, title_ru) in GROUPS.items():
        methods = [m for m in registry if m.group == slug]
        if not methods:
            continue
        lines.append(f"{title_en} / {title_ru}")
        width = max(len(m.name_en) for m in methods)
        for m in methods:
            lines.append(f"  {m.name_en:<{width}}  {m.name_ru}")
            lines.append(f"  {'':<{width}}  {m.summary}")
        lines.append("")
    return "\n".join(lines)


_CREDENTIALS = (
    ("--clientid", "string", "yes", "", "Client identifier (Client-Id header); or OZON_CLIENT_ID"),
    ("--apikey", "string", "yes", "", "API key (Api-Key header); or OZON_API_KEY"),
)


def _default_text(p: Param) -> str:
    if p.required:
        return ""
    d = p.default
    if d is None or d == "":
        return ""
    if isinstance(d, bool):
        return str(d).lower()
    return str(d)


def _routing(m: Method) -> list[str]:
    """Which endpoints a function with a current implementation calls today, and its fallback."""
    from oint.apis.seller.spec import operation
    from oint.compat.policy import today

    op, current = m.endpoint, m.current
    assert op is not None and current is not None
    day = today()
    uses = [str(operation(path)) for path in current.uses]
    now = uses[0] + (f" (with {', '.join(p.split(' ', 1)[1] for p in uses[1:])})" if uses[1:] else "")
    retirement = op.retirement()
    if op.retired_on(day):
        return [
            f"Ozon endpoint today ({day}, --api auto): {now}, the current implementation",
            f"Falls back to: OInt's {op} ({retirement}) with --api legacy only",
        ]
    when = f" until {op.retired}" if op.retired else ""
    return [
        f"Ozon endpoint today ({day}, --api auto): OInt's {op}{when}"
        + (f" ({retirement})" if retirement else ""),
        f"Falls back to: {now}, the current implementation, when that answers 404 or 410 "
        "(always with --api current)",
    ]


def method_help(m: Method) -> str:
    lines = [f"{m.name_en} / {m.name_ru}", f"  {m.summary}", ""]
    if m.endpoint is not None and m.current is not None:
        lines += _routing(m)
    elif m.endpoint is not None:
        retirement = m.endpoint.retirement()
        lines.append(f"Ozon endpoint: {m.endpoint}" + (f" ({retirement})" if retirement else ""))
    else:
        lines.append("Local helper: builds a structure, sends no request.")
    lines.append("")
    rows: list[tuple[str, str, str, str, str]] = list(_CREDENTIALS) if m.calls_api else []
    rows += [
        (f"--{p.cli}", type_text(p), "yes" if p.required else "no", _default_text(p), p.doc) for p in m.params
    ]
    if rows:
        head = ("Option", "Type", "Required", "Default", "Description")
        widths = [max(len(r[i]) for r in [*rows, head]) for i in range(4)]
        lines.append("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=False)) + "  " + head[4])
        lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 11)
        for r in rows:
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[4])
        lines.append("")
    if m.notes:
        lines.append("Notes:")
        lines += [f"  - {n}" for n in m.notes]
        lines.append("")
    if m.current is not None and m.current.notes:
        lines.append("Current implementation:")
        lines += [f"  - {n}" for n in m.current.notes]
        lines.append("")
    if m.calls_api:
        lines.append("Also: --sandbox (local sandbox), --profile NAME, --base-url URL, --out FILE,")
        lines.append("      --timeout S, --retries N, --ca-file PEM (a private CA to trust too),")
        lines.append("      --debug (each request and answer on stderr, the Api-Key redacted)")
        lines.append("      --config SETTINGS: OInt's advanced call (timeout, retries, proxy, adv_response);")
        lines.append("      --config alone lists them; --out _hex_|_base64_|_utf8_ prints the answer so")
        if m.endpoint is not None and m.endpoint.paging is not None:
            lines.append("      --all-pages: every item of every page, one JSON line each")
        if m.current is not None:
            lines.append("      --api auto|legacy|current (or OINT_OZON_API): which endpoint, see above")
            lines.append("      --no-successor-warnings (or OINT_SUCCESSOR_WARNINGS=off): no line about what")
            lines.append("      the current implementation cannot do")
        lines.append("")
    if m.example:
        lines.append("Example:")
        lines.append(f"  {m.example}")
        lines.append("")
    return "\n".join(lines)
