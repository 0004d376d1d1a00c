"""The `oint` command line. Thin: every method comes from the registry.

Exit codes: 0 success; 1 Ozon answered with an error (its JSON is printed), could not be
reached, or did not apply some items of a write (`--allow-item-errors`: 0); 2 usage error
(one line on stderr, never a traceback); 3 the call succeeded but `--out FILE` could not be
written (the answer is printed on stdout instead). With `--out FILE` an error answer goes to the
file and one line on stderr says so. An answer that is a file (a PDF label) is never written to a
terminal: without `--out` it is refused (exit 2, before sending when the operation layer says the
answer is a file); a pipe or a redirection gets it. `oint ozon bulk|export` and `oint bulk` live in
`oint.apps.cli.bulk_cmd`.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any, NoReturn

from oint import __version__
from oint.core.errors import APIConnectionError, APIStatusError, SuccessorWarning, UsageError

EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_UNWRITTEN = 0, 1, 2, 3


def _out(text: str | bytes, path: str | None = None) -> bool:
    """Write `text` (or a file's bytes) to `path` (or stdout). An answer is never lost: when the
    file cannot be written, it goes to stdout, a line on stderr says so, and the result is False."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if path:
        try:
            with open(path, "wb") as fh:
                fh.write(data)
            return True
        except OSError as e:
            reason = e.strerror or type(e).__name__
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            sys.stderr.write(f"oint: --out: could not write {path!r} ({reason}); the answer is on stdout\n")
            return False
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return True


def _json_text(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    sys.stderr.write(f"oint: {message}\n")
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        return _main(argv)
    except UsageError as e:
        _fail(str(e))
    except KeyboardInterrupt:
        sys.stderr.write("oint: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        from oint.apps.cli.render import start_page

        _out(start_page())
        return EXIT_OK
    if argv[0] in ("-V", "--version", "version"):
        _out(f"oint {__version__}\n")
        return EXIT_OK
    from oint.apps.cli import commands

    command = commands.find(argv[0])
    if command is not None:
        return commands.run(command, argv[1:])
    from oint.apps.cli.args import did_you_mean

    hint = did_you_mean(argv[0], commands.NAMES)
    raise UsageError(f"unknown command {argv[0]!r}{hint}: 'oint --help' lists the commands")


def completion_command(argv: list[str]) -> int:
    """`oint completion`."""
    from oint.apps.cli import completion

    if argv and argv[0] == "--words":  # the callback of the scripts: candidates, one per line
        _out("".join(c + "\n" for c in completion.candidates(argv[1:])))
        return EXIT_OK
    if not argv or argv[0] in ("-h", "--help", "help"):
        _out(completion.USAGE)
        return EXIT_OK
    if len(argv) == 1 and argv[0].lower() in completion.SHELLS:
        _out(completion.script(argv[0].lower()))
        return EXIT_OK
    raise UsageError(f"oint completion: expected bash, zsh or fish, got {' '.join(argv)!r}")


PROFILES_USAGE = """oint profiles: the seller accounts of oint's config file

  oint profiles            list the profiles: client_id, base_url, where the key comes from
  oint ozon <Method> ... --profile NAME    call with a profile (or set OINT_PROFILE=NAME)

The config file: OINT_CONFIG, else $XDG_CONFIG_HOME/oint/config.toml, else
~/.config/oint/config.toml. A profile:

  [profiles.shop1]
  client_id = "2128753"
  api_key_env = "SHOP1_KEY"     # or: api_key = "keyring" (keyring set oint shop1)
  base_url = "https://api-seller.ozon.ru"   # optional
  ca_file = "corporate-ca.pem"  # optional: a CA to trust too (relative to the config file)
  performance_client_id = "..." # optional: the Performance API's account (oint performance)
  performance_secret_env = "SHOP1_ADS"   # or: performance_secret = "keyring" (user shop1:performance)

Keys are never written in the file: oint refuses a file that holds one.
"""


def profiles_command(argv: list[str]) -> int:
    """`oint profiles`."""
    if argv and argv[0] in ("-h", "--help", "help"):
        _out(PROFILES_USAGE)
        return EXIT_OK
    if argv:
        raise UsageError(f"oint profiles takes no arguments, got {argv[0]!r} (see: oint profiles --help)")
    from oint.core.profiles import config_path, load_profiles

    path = config_path()
    if not os.path.exists(path):
        _out(f"No profiles: no config file {path!r} (see: oint profiles --help)\n")
        return EXIT_OK
    profiles = load_profiles(path)
    rows = [("profile", "client_id", "base_url", "key from")]
    for p in profiles.values():
        key = p.key_source
        if p.api_key_env is not None and p.client_id:
            key += " (set)" if os.environ.get(p.api_key_env) else " (not set)"
        if p.performance_source is not None:  # the Performance API's account (advertising)
            key += f"; Performance API {p.performance_client_id}: {p.performance_source}"
            if p.performance_secret_env is not None:
                key += " (set)" if os.environ.get(p.performance_secret_env) else " (not set)"
        rows.append((p.name, p.client_id or "-", p.base_url or "-", key))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"Profiles in {path}:" if profiles else f"No profiles in {path}."]
    if profiles:
        lines += [
            "  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[3] for r in rows
        ]
    _out("\n".join(lines) + "\n")
    return EXIT_OK


def ozon_command(argv: list[str]) -> int:
    """`oint ozon`: OInt's functions, the operations and the commands of `commands.OZON_COMMANDS`."""
    from oint.compat.methods import REGISTRY

    if not argv or argv[0] in ("-h", "--help", "help"):
        from oint.apps.cli.render import method_list

        _out(method_list(REGISTRY))
        return EXIT_OK
    from oint.apps.cli import commands

    own = commands.find(argv[0], commands.OZON_COMMANDS)
    if own is not None:
        return commands.run(own, argv)
    method = REGISTRY.get(argv[0])
    if method is None:
        from oint.apps.cli import ops_cmd

        if ops_cmd.is_operation(argv[0]):
            return ops_cmd.run_operation(argv[0], argv[1:])
        hint = "'oint ozon' lists OInt's methods, 'oint ozon ops' every operation"
        raise UsageError(f"unknown Ozon method {argv[0]!r}{_nearest_method(argv[0])}: {hint}")
    from oint.apps.cli.args import convert_values, parse_invocation, wants_help

    shows_help = method.calls_api or any(p.required for p in method.params)
    if wants_help(method, argv[1:]) or (not argv[1:] and shows_help):
        from oint.apps.cli.render import method_help

        _out(method_help(method))
        return EXIT_OK
    inv = parse_invocation(method, argv[1:])
    if inv.settings.get("config") == "":  # OInt's `--config` with no value: the call settings
        from oint.apps.cli.conventions import settings_help

        _out(settings_help(method.calls_api))
        return EXIT_OK
    if method.local is not None and "config" in inv.settings:
        raise UsageError(f"{method.name_en} sends no request: --config (call settings) does not apply")
    call, recorder = take_call_settings(inv.settings)
    values = convert_values(method, inv.values)
    out_path = inv.settings.get("out")
    check_out(out_path, inv.flags)
    if method.local is not None:
        return _written(_shown(_json_text(method.run_local(values)), out_path))
    return _call_api(method, values, inv.flags, inv.settings, out_path, call, recorder)


def take_call_settings(settings: dict[str, str]) -> tuple[Any, Any]:
    """OInt's `--config SETTINGS` of a call, taken out of `settings` (its timeout and retries put
    in): the checked `conventions.CallSettings` (None without it) and the recorder of the full
    response (UsageError on bad settings)."""
    text = settings.pop("config", None)
    if text is None:
        return None, None
    from oint.apps.cli import conventions

    call = conventions.load(text)
    call.apply(settings)
    return call, conventions.Recorder()


def check_out(out: str | None, flags: Collection[str]) -> None:
    """`--out`: a file that can be written, or one of OInt's special values (`_hex_`, `_base64_`,
    `_utf8_`: the answer printed as such), which a stream of pages cannot take (UsageError)."""
    if out is None:
        return
    from oint.apps.cli.conventions import is_special_out

    if is_special_out(out):
        if "all-pages" in flags:
            raise UsageError(f"--out {out} prints one answer: it does not go with --all-pages")
        return
    from oint.jobs.files import check_writable

    check_writable(out, "--out")


def _shown(text: str | bytes, out: str | None) -> bool:
    """`_out`, with `--out _hex_|_base64_|_utf8_` printing the answer in that form."""
    from oint.apps.cli.conventions import is_special_out, represent

    if is_special_out(out):
        assert out is not None
        return _out(represent(text, out.lower()))
    return _out(text, out)


def _nearest_method(name: str) -> str:
    """ " (did you mean UpdateProductImages?)" for a misspelt OInt function, `oint ozon` command or
    operation (by name or path), or ""."""
    from oint.apis.seller import spec
    from oint.apps.cli.args import did_you_mean
    from oint.apps.cli.commands import OZON_NAMES
    from oint.apps.cli.ops_cmd import OPERATION_NAME
    from oint.compat.methods import REGISTRY

    if name.startswith("/"):
        return did_you_mean(name, spec.operations())
    if OPERATION_NAME.match(name.lower().replace("-", "_")):
        return did_you_mean(name, [spec.operation(path).name for path in spec.operations()])
    names = [m.name_en for m in REGISTRY] + [m.name_ru for m in REGISTRY]
    return did_you_mean(name, [*names, *OZON_NAMES])


def _written(ok: bool) -> int:
    return EXIT_OK if ok else EXIT_UNWRITTEN


def _warning_line(message: Warning | str, *args: Any, **kwargs: Any) -> None:
    """Python warnings (e.g. what a current implementation cannot do) as one line on stderr."""
    sys.stderr.write(f"oint: warning: {message}\n")


def client_options(flags: Collection[str], settings: Mapping[str, str]) -> dict[str, Any]:
    """The client's keyword arguments from the options every API command takes (`--timeout`,
    `--retries`, `--sandbox`/`--db`, `--base-url`, `--profile`, `--api`, `--ca-file`, `--debug`):
    the one parser of them, for calls, operations, bulk jobs, exports and doctor (UsageError on a
    bad one). `sandbox` is the state file, or True for the default one."""
    from oint.apps.cli.args import number_option
    from oint.core.base_url import check_base_url

    options: dict[str, Any] = {}
    timeout = number_option(settings, "timeout", sign="positive")
    if timeout is not None:
        options["timeout"] = timeout
    retries = number_option(settings, "retries", None, int, sign="not negative")
    if retries is not None:
        options["max_retries"] = retries
    if "sandbox" in flags:
        if "base-url" in settings:
            raise UsageError("--sandbox and --base-url exclude each other")
        options["sandbox"] = settings.get("db") or os.environ.get("OINT_SANDBOX_DB") or True
    elif "base-url" in settings:
        options["base_url"] = check_base_url(settings["base-url"], "--base-url")
    if "profile" in settings:
        if not settings["profile"]:
            raise UsageError("--profile: needs a profile name ('oint profiles' lists them)")
        options["profile"] = settings["profile"]
    if "api" in settings:
        options["api"] = settings["api"]
    if "ca-file" in settings:
        if "sandbox" in options:
            raise UsageError("--ca-file: the sandbox (--sandbox) is not reached over TLS")
        from oint.core.client import check_ca_file

        options["ca_file"] = check_ca_file(settings["ca-file"], "--ca-file")
    if "debug" in flags:  # each request and answer on stderr (the key redacted), and the retries
        import logging

        logging.basicConfig(level=logging.INFO, format="oint: %(message)s")
        logging.getLogger("oint.sandbox").setLevel(logging.DEBUG)  # --sandbox: a model bug's traceback
        options["debug"] = True
    return options


def make_client(flags: set[str], settings: dict[str, str], call: Any = None, recorder: Any = None) -> Any:
    """The client an API command asks for with its common options (UsageError on bad ones), and
    OInt's call settings (`conventions.CallSettings`: a proxy, the full response seen by `recorder`)."""
    from oint.compat.base import SyncOIntClient

    options = client_options(flags, settings)

    warnings.showwarning = _warning_line
    if "no-successor-warnings" in flags:
        warnings.filterwarnings("ignore", category=SuccessorWarning)
    if "sandbox" in options:  # the application builds the sandbox's transport itself
        from oint.sandbox.transport import connect

        state = options.pop("sandbox")
        options["transport"] = connect(None if state is True else state)
        try:
            if call is not None:
                from oint.apps.cli.conventions import adapt

                adapt(call, options, recorder)
            return SyncOIntClient(settings.get("clientid"), settings.get("apikey"), **options)
        except BaseException:
            options["transport"].close()
            raise
    if call is not None:
        from oint.apps.cli.conventions import adapt

        adapt(call, options, recorder)
    return SyncOIntClient(settings.get("clientid"), settings.get("apikey"), **options)


def run_call(
    client: Any,
    call: Callable[[Any], Any],
    out: str | None,
    *,
    streaming: bool = False,
    operation: str | None = None,
    flags: set[str] | frozenset[str] = frozenset(),
    full: Any = None,
) -> int:
    """Run `call(client)` and print its answer as JSON (a file's bytes as they are), or Ozon's
    error JSON; the exit code says which. A `streaming` call writes its own output (None back) and
    its error goes to stderr, so that what it wrote stays well-formed. With the path of the
    `operation` called, an answer whose items Ozon did not all apply exits 1 (unless
    `--allow-item-errors` is among the `flags`). With `full` (a `conventions.Recorder`: OInt's
    adv_response) the answer is {status, body, headers}; `out` may be one of OInt's special values
    (`_hex_`...), which print the answer in that form."""
    from oint.apps.cli.conventions import is_special_out

    shown_as = out if is_special_out(out) else None
    if shown_as is not None:
        out = None
    try:
        result = call(client)
    except APIStatusError as e:
        error = e.to_dict()
        if full is not None:
            error = {"status": e.status, "body": error, "headers": dict(e.headers)}
        if streaming:
            sys.stderr.write("oint: " + json.dumps(error, ensure_ascii=False) + "\n")
        elif _out(_json_text(error), out) and out:  # the terminal still learns it failed
            sys.stderr.write(f"oint: {error_line(e)}; the error JSON is in {out}\n")
        wait = e.headers.get("retry-after") if e.status == 429 else None
        if wait:
            sys.stderr.write(f"oint: Ozon asks to wait {wait} s before the next call of this method\n")
        return EXIT_API
    except APIConnectionError as e:
        sys.stderr.write(f"oint: {e}\n")
        return EXIT_API
    finally:
        client.close()
    if streaming:
        return EXIT_OK
    shown = full.full(result) if full is not None else result
    if shown_as is not None:
        code = _written(_shown(shown if isinstance(shown, bytes) else _json_text(shown), shown_as))
    elif isinstance(shown, bytes) and out is None and _is_terminal():
        sys.stderr.write(f"oint: {binary_refusal(len(shown))}\n")
        return EXIT_USAGE
    else:
        code = _written(_out(shown if isinstance(shown, bytes) else _json_text(shown), out))
    if code == EXIT_OK and operation is not None and "allow-item-errors" not in flags:
        from oint.jobs.results import item_errors  # a write whose items Ozon did not all apply

        failed = item_errors(operation, result)
        if failed:
            sys.stderr.write(
                f"oint: Ozon did not apply {len(failed)} item(s) (--allow-item-errors: exit 0)\n"
            )
            return EXIT_API
    return code


def error_line(e: Any) -> str:
    """One line for Ozon's error answer `e` (an `APIStatusError`): status, code, message."""
    code = f", code {e.code}" if e.code is not None else ""
    message = " ".join(str(e.message).split())
    if len(message) > 200:
        message = message[:197] + "..."
    return f"Ozon answered HTTP {e.status}{code}" + (f": {message}" if message else "")


def _is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stdout
        return False


def binary_refusal(size: int | None = None, media: str | None = None) -> str:
    """Why a file answer is not written to a terminal (as httpie and gh refuse to)."""
    what = "a file" + (f" ({media})" if media else "") + (f" of {size} bytes" if size is not None else "")
    return f"the answer is {what}, not shown in a terminal: add --out FILE, or redirect stdout (> FILE)"


def refuse_binary_to_terminal(media: str | None, out: str | None) -> None:
    """Before sending: an operation whose answer is a file (`media`, e.g. application/pdf) with no
    `--out` and stdout a terminal is refused (UsageError), so nothing is sent for nothing."""
    if media and out is None and _is_terminal():
        raise UsageError(binary_refusal(media=media))


def _call_api(
    method: Any,
    values: tuple[Any, ...],
    flags: set[str],
    settings: dict[str, str],
    out: str | None,
    call: Any = None,
    recorder: Any = None,
) -> int:
    client = make_client(flags, settings, call, recorder)
    if "all-pages" in flags:
        return run_call(client, lambda c: stream_pages(c, method, values, out), out, streaming=True)
    return run_call(
        client,
        lambda c: c.run_method(method, values),
        out,
        operation=method.operation,
        flags=flags,
        full=recorder if call is not None and call.full_response else None,
    )


def method_pages(client: Any, method: Any, values: tuple[Any, ...]) -> Iterator[Any]:
    """The items of every page of an OInt list function, page after page: the client's
    `iter_method_pages` (the function's own paging option moved on, each page read once by
    `oint.compat.policy.page_flows`). A function without such an option already reads every page
    (GetWarehousesList): its items, once."""
    from oint.core.paging import page_items

    for answer in client.iter_method_pages(method, values):
        yield from page_items(method.endpoint, answer)


def stream_pages(client: Any, method: Any, values: tuple[Any, ...], out: str | None) -> None:
    """`--all-pages` of an OInt function: every item of every page as a JSON line (stdout or `out`)."""
    sink = open(out, "w", encoding="utf-8") if out else sys.stdout
    try:
        for item in method_pages(client, method, values):
            sink.write(json.dumps(item, ensure_ascii=False) + "\n")
    finally:
        sink.flush()
        if sink is not sys.stdout:
            sink.close()
