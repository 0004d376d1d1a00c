"""The `oint` command line. Thin: every method comes from the registry.

Exit codes: 0 success; 1 Ozon answered with an error (its JSON is printed) or could not
be reached; 2 usage error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, NoReturn

from oint.ozon.errors import UsageError

EXIT_OK, EXIT_API, EXIT_USAGE = 0, 1, 2


def _out(text: str, path: str | None = None) -> None:
    data = text.encode("utf-8")
    if path:
        try:
            with open(path, "wb") as fh:
                fh.write(data)
        except OSError as e:
            raise UsageError(f"--out: cannot write {path!r}: {e.strerror}") from None
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


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
        from oint.cli.render import start_page

        _out(start_page())
        return EXIT_OK
    if argv[0] in ("-V", "--version", "version"):
        from oint import __version__

        _out(f"oint {__version__}\n")
        return EXIT_OK
    command, rest = argv[0].lower(), argv[1:]
    if command == "ozon":
        return _ozon(rest)
    if command == "sandbox":
        from oint.cli.sandbox_cmd import run

        return run(rest)
    raise UsageError(f"unknown library {argv[0]!r}: try 'oint ozon' or 'oint sandbox'")


def _ozon(argv: list[str]) -> int:
    from oint.ozon.methods import REGISTRY

    if not argv or argv[0] in ("-h", "--help", "help"):
        from oint.cli.render import method_list

        _out(method_list(REGISTRY))
        return EXIT_OK
    method = REGISTRY.get(argv[0])
    if method is None:
        raise UsageError(f"unknown Ozon method {argv[0]!r}: 'oint ozon' lists them")
    from oint.cli.args import convert_values, parse_invocation

    inv = parse_invocation(method, argv[1:])
    shows_help = method.calls_api or any(p.required for p in method.params)
    if "help" in inv.flags or (not argv[1:] and shows_help):
        from oint.cli.render import method_help

        _out(method_help(method))
        return EXIT_OK
    values = convert_values(method, inv.values)
    out_path = inv.settings.get("out")
    if method.local is not None:
        _out(_json_text(method.run_local(values)), out_path)
        return EXIT_OK
    return _call_api(method, values, inv.flags, inv.settings, out_path)


def _number_setting(settings: dict[str, str], name: str, kind: type) -> Any:
    text = settings.get(name)
    if text is None:
        return None
    try:
        value = kind(text)
    except ValueError:
        raise UsageError(f"--{name}: expected a number, got {text!r}") from None
    if value < 0:
        raise UsageError(f"--{name}: must not be negative")
    return value


def _call_api(
    method: Any, values: tuple[Any, ...], flags: set[str], settings: dict[str, str], out: str | None
) -> int:
    from oint.ozon.base_client import SyncClientBase
    from oint.ozon.errors import APIConnectionError, APIStatusError

    options: dict[str, Any] = {}
    timeout = _number_setting(settings, "timeout", float)
    if timeout is not None:
        options["timeout"] = timeout
    retries = _number_setting(settings, "retries", int)
    if retries is not None:
        options["max_retries"] = retries
    if "sandbox" in flags:
        if "base-url" in settings:
            raise UsageError("--sandbox and --base-url exclude each other")
        options["sandbox"] = settings.get("db") or os.environ.get("OINT_SANDBOX_DB") or True
    elif "base-url" in settings:
        options["base_url"] = settings["base-url"]
    if "debug" in flags:
        import logging

        logging.basicConfig(level=logging.INFO, format="oint: %(message)s")
    client = SyncClientBase(settings.get("clientid"), settings.get("apikey"), **options)
    try:
        result = client._call(method, values)
    except APIStatusError as e:
        _out(_json_text(e.to_dict()), out)
        wait = e.headers.get("retry-after") if e.status == 429 else None
        if wait:
            sys.stderr.write(f"oint: Ozon asks to wait {wait} s before the next call of this method\n")
        return EXIT_API
    except APIConnectionError as e:
        sys.stderr.write(f"oint: {e}\n")
        return EXIT_API
    finally:
        client.close()
    _out(_json_text(result), out)
    return EXIT_OK
