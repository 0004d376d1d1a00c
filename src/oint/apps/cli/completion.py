"""`oint completion bash|zsh|fish`: shell completion scripts that ask oint for the candidates.

The scripts hold no names: on each Tab they run `oint completion --words WORD...` (the words
after `oint`, the last one being completed) which prints the candidates one per line, or
`:files` when a file name is expected. So they stay right as methods are added. The callback
imports the registry only (never the client or the sandbox), which keeps it fast.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from oint.apps.cli.args import CREDENTIAL_OPTIONS, FLAG_OPTIONS, SETTINGS_OPTION, VALUE_OPTIONS, pages
from oint.apps.cli.commands import NAMES, OZON_NAMES
from oint.compat.values import ArrayKind, BoolKind, CollectionKind
from oint.core.errors import UsageError

COMMANDS = NAMES  # the commands of oint (`oint.apps.cli.commands`, declared once)
OZON_COMMANDS = OZON_NAMES  # `oint ozon` commands besides the methods
SHELLS = ("bash", "zsh", "fish")
DOCTOR_OPTIONS = (
    "--scan", "--json", "--sandbox", "--profile", "--clientid", "--apikey", "--base-url", "--ca-file",
    "--timeout", "--db", "--help",
)  # fmt: skip
FILES = ":files"  # the callback's answer where a file name is expected
_FILE_OPTIONS = ("out", "db")

USAGE = """oint completion: shell completion of commands, Ozon methods (English and Russian), Seller API
operations (by name or path) and their options (--config of a call too) and values, and the
options of the other commands (oint serve, oint worker, ...)

  oint completion bash    eval "$(oint completion bash)"       e.g. in ~/.bashrc
  oint completion zsh     eval "$(oint completion zsh)"        in ~/.zshrc, after compinit
  oint completion fish    oint completion fish | source        or save it as
                          ~/.config/fish/completions/oint.fish

The scripts call oint back for the candidates: oint must be on PATH.
"""


def candidates(words: list[str]) -> list[str]:
    """Completions of the last of `words` (the words after `oint`; the last one may be "")."""
    *before, cur = words or [""]
    if not before:
        return _match([*COMMANDS, "--help", "--version"] if cur.startswith("-") else COMMANDS, cur)
    command, args = before[0].lower(), before[1:]
    if command == "ozon":
        return _ozon(args, cur)
    if command == "performance":
        return _performance(args, cur)
    if command == "sandbox":
        return _sandbox(args, cur)
    if command == "bulk":
        return _jobs(args, cur)
    if command == "webhooks":
        return _webhooks(args, cur)
    if command == "completion" and not args:
        return _match([*SHELLS, "--help"], cur)
    if command == "profiles" and not args:
        return _match(["--help"], cur)
    if command == "serve":
        return _serve(args, cur)
    if command == "worker":
        from oint.apps.cli.worker_cmd import OPTIONS

        return _match([f"--{name}" for name in OPTIONS] + ["--help"], cur) if cur.startswith("-") else []
    if command == "doctor":
        if args and args[-1].lower() in ("--scan", "--ca-file", "--db"):
            return [FILES]
        return _match(DOCTOR_OPTIONS, cur) if cur.startswith("-") else []
    return []


def _serve(args: list[str], cur: str) -> list[str]:
    """`oint serve`: its options (`oint.apps.gateway.cli.OPTIONS`, which its --help lists) and
    their values: a file for --config, --db, --log; a profile's name for --profile."""
    from oint.apps.gateway.cli import FILE_OPTIONS, OPTIONS

    def values(option: str, value: str) -> list[str]:
        option = option.lower()
        if option in FILE_OPTIONS:
            return [FILES]
        if option == "profile":
            return _match(_profile_names(), value)
        return []

    def takes_value(option: str, _current: str) -> bool:
        declared = OPTIONS.get(option.lower())
        return declared is not None and declared.value is not None

    found = _value(args, cur, values, takes_value)
    if found is not None:
        return found
    given = {a[2:].partition("=")[0].lower() for a in args if _is_option(a)}
    names = [f"--{name}" for name, option in OPTIONS.items() if option.repeatable or name not in given]
    return _match(names, cur) if cur.startswith("-") else []


def _performance(args: list[str], cur: str) -> list[str]:
    """`oint performance`: an operation's name (or ops, report), then its options."""
    from oint.apis.performance import spec
    from oint.apps.cli import performance_cmd

    if not args:
        return _match([*(op.name for op in spec.operations().values()), "ops", "report", "--help"], cur)
    if args[-1].lower() in ("--out", "--ca-file", "--db", "--body"):
        return [FILES]
    if not cur.startswith("-"):
        return []
    if args[0].lower() == "report":
        return _match(["--" + o for o in (*performance_cmd.REPORT_VALUES, "sandbox", "debug", "help")], cur)
    op = spec.LAYER.find(args[0])
    if op is None:
        return []
    fields = list(spec.LAYER.schema(op.request).get("properties", {})) if op.request else []
    own = [performance_cmd.option_name(p) for p in op.path_params]
    return _match(["--" + o for o in (*own, *fields, *performance_cmd.FLAGS, *performance_cmd.VALUES)], cur)


def _match(pool: list[str] | tuple[str, ...], cur: str) -> list[str]:
    """The names of `pool` that start with `cur`, case-insensitively (as the CLI reads them)."""
    prefix = cur.casefold()
    seen: dict[str, None] = {}
    for name in pool:
        if name.casefold().startswith(prefix):
            seen.setdefault(name, None)
    return list(seen)


def _ozon(args: list[str], cur: str) -> list[str]:
    from oint.compat.methods import REGISTRY

    if not args:  # the method name, or bulk / export / ops, or an operation's name or path
        if cur.startswith("-"):
            return _match(["--help"], cur)
        if cur.startswith("/") or re.match(r"(?i)v\d*$|v\d+[_-]", cur):
            return _operations(cur)
        names = [m.name_en for m in REGISTRY] + [m.name_ru for m in REGISTRY]
        return _match([*names, *OZON_COMMANDS], cur)
    if args[0].lower() in ("bulk", "export"):
        return _ozon_bulk(args[0].lower(), args[1:], cur)
    method = REGISTRY.get(args[0])
    if method is None:
        return _operation_options(args[0], args[1:], cur)
    own = {p.cli.lower(): p for p in method.params}
    common = [*FLAG_OPTIONS, *VALUE_OPTIONS, SETTINGS_OPTION] if method.calls_api else ["out", "help"]
    paged = ["all-pages"] if pages(method) else []
    names = [
        *(CREDENTIAL_OPTIONS if method.calls_api else ()),
        *(p.cli for p in method.params),
        *common,
        *paged,
    ]
    takes_value = {n for n in names if n.lower() not in (*FLAG_OPTIONS, *paged)}

    def values(option: str, value: str) -> list[str]:
        option = option.lower()
        if option not in takes_value:
            return []
        if option in (*_FILE_OPTIONS, SETTINGS_OPTION):  # --config: JSON text or a JSON file
            return [FILES]
        if option == "profile":
            return _match(_profile_names(), value)
        if option == "api":
            return _match(["auto", "legacy", "current"], value)
        p = own.get(option)
        if p is None:
            return []
        if isinstance(p.kind, BoolKind):
            return _match(["true", "false"], value)
        if isinstance(p.kind, (ArrayKind, CollectionKind)):  # JSON text or a JSON file
            return [FILES]
        return []

    def is_value(option: str, cur: str) -> bool:
        option = option.lower()
        bool_flag = option in own and isinstance(own[option].kind, BoolKind)
        # `--empty` alone is true; `--config` alone lists the call settings
        alone = bool_flag or option == SETTINGS_OPTION
        return option in takes_value and not (alone and cur.startswith("-"))

    found = _value(args[1:], cur, values, is_value)
    if found is not None:
        return found
    given = {a[2:].partition("=")[0].lower() for a in args[1:] if _is_option(a)}
    return _match(["--" + n for n in names if n.lower() not in given], cur)


def _operations(cur: str) -> list[str]:
    """Operations of the layer by path (`/v3/posting/...`) or by name (`v3_posting_...`)."""
    from oint.apis.seller import spec

    paths = spec.operations()
    if cur.startswith("/"):
        return _match(sorted(paths), cur)
    return _match(sorted(spec.operation(path).name for path in paths), cur.replace("-", "_"))


def _operation_options(name: str, args: list[str], cur: str) -> list[str]:
    """After `oint ozon <operation>`: its path parameters and top-level body fields as options
    (`--limit`, `--filter`), the common ones, and their values: an enum's values, true/false for a
    boolean, a file for --body, --out, --db and for objects and arrays (JSON files)."""
    from oint.apis.seller import spec
    from oint.apps.cli.ops_cmd import OWN_FLAGS, is_operation

    if not is_operation(name):
        return []
    op = spec.operation(name)
    fields = (
        spec.resolve({"$ref": "#/schemas/" + op.request}).get("properties", {})
        if op.request and op.has_body
        else {}
    )
    flags = [*FLAG_OPTIONS, *(OWN_FLAGS if op.paging else ())]
    names = [
        *op.path_params,
        *fields,
        *(["body"] if op.has_body else []),
        *CREDENTIAL_OPTIONS,
        *VALUE_OPTIONS,
        SETTINGS_OPTION,
        *flags,
    ]

    def field_of(option: str) -> dict[str, object] | None:
        node = fields.get(option) or fields.get(option.replace("-", "_"))
        return spec.resolve(node) if isinstance(node, dict) else None

    def values(option: str, value: str) -> list[str]:
        option = option.lower()
        if option in (*_FILE_OPTIONS, "body", SETTINGS_OPTION):
            return [FILES]
        if option == "profile":
            return _match(_profile_names(), value)
        node = field_of(option)
        if node is None:
            return []
        if node.get("type") == "boolean":
            return _match(["true", "false"], value)
        enum = node.get("enum")
        if isinstance(enum, list):
            return _match([str(v) for v in enum], value)
        if node.get("type") in ("object", "array"):
            return [FILES]
        return []

    def is_value(option: str, cur: str) -> bool:
        option = option.lower()
        if option in flags or (option == SETTINGS_OPTION and cur.startswith("-")):
            return False
        node = field_of(option)
        return not (node is not None and node.get("type") == "boolean" and cur.startswith("-"))

    found = _value(args, cur, values, is_value)
    if found is not None:
        return found
    given = {a[2:].partition("=")[0].lower() for a in args if _is_option(a)}
    return _match(["--" + n for n in names if n.lower() not in given], cur)


def _value(
    args: list[str],
    cur: str,
    values: Callable[[str, str], list[str]],
    is_value: Callable[[str, str], bool],
) -> list[str] | None:
    """The candidates when `cur` is an option's value: `--opt=val` (zsh, fish), `--opt = val` (bash
    splits at '='), `--opt val` (when `is_value(opt, cur)`); None when it is not a value."""
    if cur.startswith("--") and "=" in cur:
        option, _, value = cur.partition("=")
        found = values(option[2:], value)
        return found if found == [FILES] else [f"{option}={v}" for v in found]
    if cur == "=" and args and _is_option(args[-1]):
        return values(args[-1][2:], "")
    if len(args) >= 2 and args[-1] == "=" and _is_option(args[-2]):
        return values(args[-2][2:], cur)
    if args and _is_option(args[-1]) and "=" not in args[-1] and is_value(args[-1][2:], cur):
        return values(args[-1][2:], cur)
    return None


def _table_options(table: dict[str, bool], args: list[str], cur: str) -> list[str]:
    """The options of a bulk command (`table`: name -> takes a value) and their values."""
    from oint.apps.cli.bulk_cmd import FILE_OPTIONS

    def values(option: str, value: str) -> list[str]:
        option = option.lower()
        if not table.get(option):
            return []
        if option in FILE_OPTIONS:
            return [FILES]
        if option == "profile":
            return _match(_profile_names(), value)
        return []

    found = _value(args, cur, values, lambda option, _: bool(table.get(option.lower())))
    if found is not None:
        return found
    given = {a[2:].partition("=")[0].lower() for a in args if _is_option(a)}
    return _match(["--" + n for n in [*table, "help"] if n not in given], cur)


def _ozon_bulk(command: str, args: list[str], cur: str) -> list[str]:
    """`oint ozon bulk KIND` and `oint ozon export WHAT`: the kinds (oint.jobs.kinds), the options."""
    from oint.apps.cli.bulk_cmd import BULK_OPTIONS, EXPORT_OPTIONS
    from oint.jobs.kinds import EXPORTS, KINDS

    kinds, options = (KINDS, BULK_OPTIONS) if command == "bulk" else (EXPORTS, EXPORT_OPTIONS)
    if not args:
        return _match([*kinds, "--help"], cur)
    return _table_options(options, args[1:], cur)


def _jobs(args: list[str], cur: str) -> list[str]:
    """`oint bulk list|show|resume`: the commands, job ids from the jobs folder, the options."""
    from oint.apps.cli.bulk_cmd import JOBS_OPTIONS

    if not args:
        return _match([*JOBS_OPTIONS, "--help"], cur)
    sub = args[0].lower()
    options = JOBS_OPTIONS.get(sub)
    if options is None:
        return []
    if sub == "list":
        return _table_options(options, args[1:], cur)
    if len(args) == 1:  # the job id comes first
        if cur.startswith("-"):
            return _match(["--help"], cur)
        from oint.jobs.journal import job_ids

        return _match(job_ids(), cur)
    return _table_options(options, args[2:], cur)


def _webhooks(args: list[str], cur: str) -> list[str]:
    """`oint webhooks serve|list|...`: the commands, their options (webhooks_cmd.OPTIONS)."""
    from oint.apps.cli.webhooks_cmd import SUBCOMMANDS, options_of

    if not args:
        return _match([*SUBCOMMANDS, "--help"], cur)
    sub = args[0].lower()
    if sub not in SUBCOMMANDS:
        return []
    rest = args[1:]
    if sub in ("replay", "subscribe") and rest and not rest[0].startswith("-"):
        rest = rest[1:]  # the event's id, the URL
    return _table_options(options_of(sub), rest, cur)


def _is_option(token: str) -> bool:
    return token.startswith("--") and len(token) > 2


def _profile_names() -> list[str]:
    from oint.core.profiles import config_path, load_profiles

    if not os.path.exists(config_path()):
        return []
    try:
        return list(load_profiles())
    except UsageError:
        return []


def _sandbox(args: list[str], cur: str) -> list[str]:
    """Subcommands and their options, read from `oint sandbox`'s own usage text."""
    from oint.apps.cli.sandbox_cmd import USAGE as SANDBOX_USAGE

    blocks = re.split(r"^  oint sandbox ", SANDBOX_USAGE, flags=re.M)[1:]
    commands = {b.split(None, 1)[0]: b for b in blocks if b.split()}
    if not args:
        return _match([*commands, "--help"], cur)
    block = commands.get(args[0].lower())
    if block is None:
        return []
    if len(args) >= 2 and _is_option(args[-1]) and re.search(re.escape(args[-1]) + r" [^\]\s-]", block):
        return [FILES] if args[-1] == "--db" else []  # the option takes a value
    first_line, _, rest = block.partition("\n")
    options = re.findall(r"--[a-z][a-z-]*", first_line) + re.findall(r"\[(--[a-z][a-z-]*)", rest)
    given = {a.lower() for a in args[1:]}
    return _match([o for o in options if o not in given] + ["--help"], cur)


def script(shell: str) -> str:
    return _SCRIPTS[shell]


_BASH = r"""# oint completion for bash: eval "$(oint completion bash)"
_oint_complete() {
    local cur="${COMP_WORDS[COMP_CWORD]}" IFS=$'\n'
    local -a found
    found=($(oint completion --words "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
    if [[ "${found[0]}" == ":files" ]]; then
        [[ "$cur" == "=" ]] && cur=""
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
    else
        COMPREPLY=("${found[@]}")
    fi
}
complete -F _oint_complete oint
"""

_ZSH = r"""#compdef oint
# oint completion for zsh: eval "$(oint completion zsh)" (after compinit)
_oint() {
    local -a found
    found=("${(@f)$(oint completion --words "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    if [[ "${found[1]}" == ":files" ]]; then
        compset -P '*='
        _files
    elif [[ -n "${found[1]}" ]]; then
        compadd -U -- "${found[@]}"
    fi
}
compdef _oint oint
"""

_FISH = r"""# oint completion for fish: oint completion fish | source
function __oint_complete
    set -l cur (commandline -ct)
    set -l words (commandline -opc)
    set -e words[1]
    set -l found (oint completion --words $words "$cur" 2>/dev/null)
    if test "$found[1]" = ":files"
        set -l prefix (string match -r -- '^--[^=]*=' "$cur")
        for path in (__fish_complete_path (string replace -r -- '^--[^=]*=' '' "$cur"))
            echo "$prefix$path"
        end
    else
        printf '%s\n' $found
    end
end
complete -c oint -f -a '(__oint_complete)'
"""

_SCRIPTS = {"bash": _BASH, "zsh": _ZSH, "fish": _FISH}
