"""Command-line argument handling for `oint ozon <Method> --opt value ...`. Pure.

OInt's conventions: options are `--name value` (or `--name=value`); option names are
case-insensitive; values are converted by the parameter's kind (JSON arrays with single
quotes, JSON files, numbers, booleans, dates, escapes in plain strings).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from oint.compat.registry import Method
from oint.compat.values import BoolKind
from oint.core.errors import UsageError

# options every API method takes besides its own parameters
CREDENTIAL_OPTIONS = ("clientid", "apikey")
FLAG_OPTIONS = ("sandbox", "help", "debug", "allow-item-errors", "no-successor-warnings")
VALUE_OPTIONS = ("out", "base-url", "timeout", "retries", "db", "profile", "api", "ca-file")
# OInt's advanced call of a method that sends a request: `--config SETTINGS` (JSON text or a JSON
# file: timeout, retries, proxy, full response; `oint.apps.cli.conventions`), alone: their list
SETTINGS_OPTION = "config"


def pages(method: Method) -> bool:
    """Whether an OInt function calls a paged list (`--all-pages` applies)."""
    return method.endpoint is not None and method.endpoint.paging is not None


class Invocation:
    """A parsed `oint ozon <Method> ...` command line."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}  # method option -> raw text
        self.flags: set[str] = set()
        self.settings: dict[str, str] = {}  # out, base-url, clientid, apikey, ...


def split_options(tokens: list[str]) -> list[tuple[str, str | None]]:
    """`["--a", "1", "--b=2", "--c"]` -> [("a", "1"), ("b", "2"), ("c", None)]."""
    out: list[tuple[str, str | None]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if not tok.startswith("--") or tok == "--":
            raise UsageError(f"unexpected argument {_show(tok)}: options look like --name value")
        name, eq, value = tok[2:].partition("=")
        if not name:
            raise UsageError(f"unexpected argument {_show(tok)}")
        if eq:
            out.append((name.lower(), value))
            i += 1
        elif i + 1 < len(tokens) and not _is_option(tokens[i + 1]):
            out.append((name.lower(), tokens[i + 1]))
            i += 2
        else:
            out.append((name.lower(), None))
            i += 1
    return out


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice nearest to a misspelt `word` (difflib, case-insensitive), or None."""
    import difflib

    by_key: dict[str, str] = {}
    for choice in choices:
        by_key.setdefault(choice.casefold(), choice)
    found = difflib.get_close_matches(word.casefold(), list(by_key), n=1, cutoff=0.75)
    return by_key[found[0]] if found else None


def did_you_mean(word: str, choices: Iterable[str], prefix: str = "") -> str:
    """ " (did you mean --images?)" for a misspelt `word` among `choices` (each shown with `prefix`),
    or "" when none is near."""
    found = closest(word, choices)
    return f" (did you mean {prefix}{found}?)" if found else ""


def checked_options(tokens: list[str], allowed: Mapping[str, bool], see: str) -> dict[str, str | None]:
    """A command's options by name (`split_options`), each one of `allowed` (name -> takes a value):
    UsageError otherwise, pointing to `see`, the command whose help lists them."""
    out: dict[str, str | None] = {}
    for name, value in split_options(tokens):
        if name not in allowed:
            raise UsageError(f"unknown option --{name}{did_you_mean(name, allowed, '--')} (see: {see})")
        if allowed[name] and value is None:
            raise UsageError(f"option --{name} needs a value")
        if not allowed[name] and value is not None:
            raise UsageError(f"option --{name} takes no value")
        out[name] = value
    return out


def number_option(
    options: Mapping[str, Any],
    name: str,
    default: Any = None,
    kind: Callable[[str], Any] = float,
    *,
    noun: str = "a number",
    sign: Literal["any", "positive", "not negative"] = "any",
) -> Any:
    """Option `--name` as a number (`kind` of its text), or `default` when it is not given.
    UsageError when its text is not `noun`, or its value is not of the `sign` asked."""
    text = options.get(name)
    if text is None:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise UsageError(f"--{name}: expected {noun}, got {text!r}") from None
    if sign == "positive" and value <= 0:
        raise UsageError(f"--{name}: must be greater than 0")
    if sign == "not negative" and value < 0:
        raise UsageError(f"--{name}: must not be negative")
    return value


def _is_option(token: str) -> bool:
    return token.startswith("--") and len(token) > 2 and not token[2].isdigit()


def _show(token: str) -> str:
    return repr(token if len(token) <= 40 else token[:37] + "...")


def wants_help(method: Method, tokens: list[str]) -> bool:
    """`--help` or `-h` anywhere among a method's options (help wins over any other problem),
    except `-h` given as the value of an option that takes one (`--offerid -h`)."""
    takes_value = {*VALUE_OPTIONS, *CREDENTIAL_OPTIONS}
    takes_value.update(p.cli.lower() for p in method.params if not isinstance(p.kind, BoolKind))
    for i, tok in enumerate(tokens):
        if tok.lower() == "--help" or tok.lower().startswith("--help="):
            return True
        if tok == "-h":
            prev = tokens[i - 1].lower() if i else ""
            if not (prev.startswith("--") and prev[2:] in takes_value):
                return True
    return False


def parse_invocation(method: Method, tokens: list[str]) -> Invocation:
    """Sort the options of one call into method values, flags and settings (UsageError on unknowns)."""
    inv = Invocation()
    own = {p.cli.lower(): p for p in method.params}
    for name, value in split_options(tokens):
        if name in own:
            p = own[name]
            if value is None:
                if isinstance(p.kind, BoolKind):
                    value = "true"
                else:
                    raise UsageError(f"option --{name} needs a value")
            if name in inv.values:
                raise UsageError(f"option --{name} is given twice")
            inv.values[name] = value
        elif name in FLAG_OPTIONS or name == "all-pages":
            if value is not None and name != "help":
                raise UsageError(f"option --{name} takes no value")
            if name == "all-pages" and not pages(method):
                raise UsageError(f"{method.name_en} does not page: --all-pages does not apply")
            inv.flags.add(name)
        elif name == SETTINGS_OPTION:  # OInt's advanced call (`conventions`); no value: list its settings
            inv.settings[name] = "" if value is None else value
        elif name in VALUE_OPTIONS or (method.calls_api and name in CREDENTIAL_OPTIONS):
            if value is None:
                raise UsageError(f"option --{name} needs a value")
            inv.settings[name] = value
        else:
            common = [
                *FLAG_OPTIONS,
                *VALUE_OPTIONS,
                SETTINGS_OPTION,
                *(CREDENTIAL_OPTIONS if method.calls_api else ()),
            ]
            hint = did_you_mean(name, [*own, *common], "--")
            known = ", ".join("--" + p.cli for p in method.params) or "none"
            raise UsageError(f"unknown option --{name} for {method.name_en}{hint} (its options: {known})")
    return inv


def convert_values(method: Method, raw: dict[str, str]) -> tuple[Any, ...]:
    """Method parameter values, in order, from the raw option texts (UsageError on bad input)."""
    values: list[Any] = []
    for p in method.params:
        text = raw.get(p.cli.lower())
        if text is None:
            if p.required:
                raise UsageError(f"{method.name_en}: missing required option --{p.cli}")
            values.append(p.default)
        else:
            values.append(p.kind.parse_cli(text, p.cli))
    return tuple(values)
