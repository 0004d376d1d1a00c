"""The commands of `oint`, declared once: the dispatcher (`main`), `oint --help` (`render.start_page`),
shell completion and "did you mean" all read this table.

A command names the function that runs it as a target "module:function" (argv -> exit code,
`oint.core.lazy`); the module is imported only when the command runs, so `oint --help` and a call
of one command load nothing of the others. `oint ozon` has commands of its own besides OInt's
functions and the Seller API's operations (`OZON_COMMANDS`), declared the same way.
"""

from __future__ import annotations

from typing import NamedTuple

from oint.core.lazy import load


class Command(NamedTuple):
    name: str
    target: str  # "module:function": the function takes the arguments after the command's name
    usage: tuple[tuple[str, str], ...]  # (synopsis after "oint ", what it does): lines of `oint --help`


COMMANDS: tuple[Command, ...] = (
    Command(
        "ozon",
        "oint.apps.cli.main:ozon_command",
        (
            ("ozon", "list the Ozon methods (English and Russian names)"),
            ("ozon <Method>", "show a method's options and an example"),
            ("ozon <Method> --opt value", "call it; add --sandbox to use the local sandbox"),
        ),
    ),
    Command(
        "performance",
        "oint.apps.cli.performance_cmd:run",
        (
            ("performance ops", "the Performance API's operations (advertising: campaigns, bids)"),
            ("performance <name> --opt value", "call one; 'oint performance <name> --help' tells"),
            ("performance report --campaigns ...", "statistics of any size in one file (CSV, XLSX)"),
        ),
    ),
    Command(
        "sandbox",
        "oint.apps.cli.sandbox_cmd:run",
        (
            ("sandbox serve [--port 8080]", "run the Ozon sandbox as an HTTP server (and its web view)"),
            ("sandbox {sandbox_commands}", "the sandbox's state, clock, faults ('oint sandbox' tells)"),
        ),
    ),
    Command(
        "bulk",
        "oint.apps.cli.bulk_cmd:jobs_command",
        (("bulk list|show|resume [JOB]", "the jobs of 'oint ozon bulk': progress, failures, resume"),),
    ),
    Command(
        "worker",
        "oint.apps.cli.worker_cmd:run",
        (("worker --queue redis://...", "run bulk jobs queued with 'oint ozon bulk ... --queue'"),),
    ),
    Command(
        "doctor",
        "oint.apps.cli.doctor_cmd:run",
        (("doctor [--scan PATH]", "check connection, key, expiry; find switched-off calls"),),
    ),
    Command(
        "profiles",
        "oint.apps.cli.main:profiles_command",
        (("profiles", "list the seller accounts of the config file"),),
    ),
    Command(
        "completion",
        "oint.apps.cli.main:completion_command",
        (("completion bash|zsh|fish", "print a shell completion script"),),
    ),
    Command(
        "mcp",
        "oint.apps.mcp.cli:run",
        (
            ("mcp [--sandbox]", "serve the tools to AI assistants (pip install 'oint[mcp]')"),
            ("mcp start --config FILE", "OInt's MCP server: its five tools, @@variables from FILE"),
        ),
    ),
    Command(
        "serve",
        "oint.apps.gateway.cli:run",
        (("serve [--config FILE] [--sandbox]", "OInt's functions over HTTP, for 1C ('oint serve --help')"),),
    ),
    Command(
        "webhooks",
        "oint.apps.cli.webhooks_cmd:run",
        (
            ("webhooks serve [--port N]", "receive Ozon's pushes: stored, then given to your code"),
            ("webhooks list|replay|status", "the inbox, failed deliveries, subscriptions ('oint webhooks')"),
        ),
    ),
)

# `oint ozon` commands besides OInt's functions and the operations; each takes the arguments after
# `oint ozon` (its own name first)
OZON_COMMANDS: tuple[Command, ...] = (
    Command(
        "ops",
        "oint.apps.cli.ops_cmd:ops_main",
        (("ozon ops [WORD]", "every Seller API operation; call one by path or name"),),
    ),
    Command(
        "bulk",
        "oint.apps.cli.bulk_cmd:ozon_command",
        (("ozon bulk KIND --file FILE", "send thousands of items (stocks, prices...) at Ozon's quota"),),
    ),
    Command(
        "export",
        "oint.apps.cli.bulk_cmd:ozon_command",
        (("ozon export WHAT --out FILE", "every page of a list to CSV, XLSX or JSON lines"),),
    ),
)

NAMES = tuple(c.name for c in COMMANDS)
OZON_NAMES = tuple(c.name for c in OZON_COMMANDS)


def find(name: str, table: tuple[Command, ...] = COMMANDS) -> Command | None:
    """The command of that name (any case), or None."""
    name = name.lower()
    return next((c for c in table if c.name == name), None)


def run(command: Command, argv: list[str]) -> int:
    """Import the command's module and run it on `argv`."""
    code: int = load(command.target)(argv)
    return code


def usage_lines(**fields: str) -> list[tuple[str, str]]:
    """Every (synopsis, text) of `oint --help`, in the table's order, `oint ozon`'s own commands
    after its first lines; `fields` fill the synopses' {placeholders}."""
    lines: list[tuple[str, str]] = []
    for command in COMMANDS:
        lines += [(synopsis.format(**fields), text) for synopsis, text in command.usage]
        if command.name == "ozon":
            lines += [line for sub in OZON_COMMANDS for line in sub.usage]
    return lines
