"""Shell completion: the candidate callback (`oint completion --words ...`) and the bash, zsh
and fish scripts that call it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from oint.apps.cli.args import FLAG_OPTIONS, parse_invocation
from oint.apps.cli.bulk_cmd import jobs_command, ozon_command
from oint.apps.cli.completion import FILES, OZON_COMMANDS, candidates
from oint.apps.cli.sandbox_cmd import run as sandbox_run
from oint.compat.methods import REGISTRY
from oint.core.errors import UsageError
from oint.jobs.kinds import EXPORTS, KINDS

COMMON = [
    "--sandbox",
    "--base-url",
    "--out",
    "--timeout",
    "--retries",
    "--debug",
    "--db",
    "--help",
    "--profile",
    "--config",  # OInt's advanced call
]
OINT = Path(sys.executable).parent / "oint"  # the console script of the environment under test


def test_commands() -> None:
    expected = [
        "ozon",
        "performance",
        "sandbox",
        "bulk",
        "worker",
        "doctor",
        "profiles",
        "completion",
        "mcp",
        "serve",
        "webhooks",
    ]
    assert candidates([""]) == expected
    assert candidates(["webhooks", ""]) == [
        "serve",
        "list",
        "replay",
        "catch-up",
        "subscribe",
        "status",
        "--help",
    ]
    assert candidates(["webhooks", "serve", "--catch"]) == ["--catch-up-every"]
    assert candidates(["webhooks", "list", "--failed", "--"]) == ["--limit", "--inbox", "--help"]
    assert "--sandbox" in candidates(["webhooks", "subscribe", "https://x.example", "--"])
    assert candidates(["worker", "--th"]) == ["--threads"] and candidates(["worker", "--q"]) == [
        "--queue",
        "--quiet",
    ]
    assert candidates(["doctor", "--sc"]) == ["--scan"]
    assert candidates(["doctor", "--scan", ""]) == [FILES]
    assert candidates(["S"]) == ["sandbox", "serve"]
    assert candidates(["--"]) == ["--help", "--version"]
    assert candidates([]) == candidates([""])
    assert candidates(["completion", ""]) == ["bash", "zsh", "fish", "--help"]
    assert candidates(["nosuch", ""]) == []


@pytest.mark.parametrize(
    "prefix", ["UpdateProd", "updateprod", "GET", "обновит", "ОБНОВИТЬ", "Получить", "x", ""]
)
def test_method_names_by_prefix(prefix: str) -> None:
    found = candidates(["ozon", prefix])
    names = [m.name_en for m in REGISTRY] + [m.name_ru for m in REGISTRY] + list(OZON_COMMANDS)
    expected = {n for n in names if n.lower().startswith(prefix.lower())}
    assert set(found) == expected and len(found) == len(expected)
    for name in found:
        assert REGISTRY.get(name) is not None or name in OZON_COMMANDS  # a method the CLI accepts
    if prefix == "":
        assert len(found) == 2 * len(REGISTRY) + 3


def test_russian_and_english_names() -> None:
    assert candidates(["ozon", "обновитьизо"]) == ["ОбновитьИзображенияТовара"]
    assert "UpdateProductImages" in candidates(["ozon", "updateproducti"])
    assert candidates(["ozon", "-"]) == ["--help"]


@pytest.mark.parametrize("method", list(REGISTRY), ids=lambda m: m.name_en)
def test_options_of_every_method(method: Any) -> None:
    for name in (method.name_en, method.name_ru.upper()):
        found = candidates(["ozon", name, ""])
        assert found == candidates(["ozon", name, "--"])
        own = ["--" + p.cli for p in method.params]
        assert set(own) <= set(found)
        if method.calls_api:
            assert {"--clientid", "--apikey", *COMMON} <= set(found)
        else:
            assert "--clientid" not in found and "--sandbox" not in found and "--out" in found
        for option in found:  # every candidate is an option the CLI takes
            flag = option[2:] in FLAG_OPTIONS or option == "--all-pages"  # the flag of paged lists
            parse_invocation(method, [option] if flag else [option, "1"])


def test_options_by_prefix_and_already_given() -> None:
    assert candidates(["ozon", "UpdateProductImages", "--c"]) == [
        "--clientid",
        "--color",
        "--ca-file",
        "--config",
    ]
    assert candidates(["ozon", "updateproductimages", "--COL"]) == ["--color"]
    given = candidates(["ozon", "UpdateProductImages", "--productid", "5", "--color=RED", "--sandbox", ""])
    assert "--productid" not in given and "--color" not in given and "--sandbox" not in given
    assert "--images" in given and "--out" in given
    assert candidates(["ozon", "NoSuchMethod", ""]) == []


def test_values() -> None:
    m = ["ozon", "UpdateProductImages"]
    assert candidates([*m, "--out", ""]) == [FILES]
    assert candidates([*m, "--db", "st"]) == [FILES]
    assert candidates([*m, "--out=an"]) == [FILES]  # zsh and fish pass the word whole
    assert candidates([*m, "--out", "=", "an"]) == [FILES]  # bash splits it at '='
    assert candidates([*m, "--out", "="]) == [FILES]
    assert candidates([*m, "--images", ""]) == [FILES]  # JSON text or a JSON file
    assert candidates([*m, "--productid", ""]) == []
    given_flag = candidates([*m, "--sandbox", "--c"])  # a flag takes no value
    assert given_flag == ["--clientid", "--color", "--ca-file", "--config"]
    helper = ["ozon", "GetProductStructure"]
    assert candidates([*helper, "--empty", ""]) == ["true", "false"]
    assert candidates([*helper, "--empty", "--"]) == ["--lang", "--out", "--help"]  # `--empty` alone
    assert candidates([*helper, "--empty=t"]) == ["--empty=true"]


def test_config_of_a_call() -> None:
    """OInt's `--config SETTINGS` (the advanced call) is offered on every call that sends a
    request, functions and operations alike, with a file for its value; alone, it takes none."""
    for call in (["ozon", "UpdateProductImages"], ["ozon", "v3_product_list"], ["ozon", "/v3/product/list"]):
        assert candidates([*call, "--con"]) == ["--config"], call
        assert candidates([*call, "--config", ""]) == [FILES]
        assert candidates([*call, "--config=se"]) == [FILES]
        assert "--sandbox" in candidates([*call, "--config", "--"])  # `--config` alone lists the settings
        assert "--config" not in candidates([*call, "--config", "{}", "--"])
    assert "--config" not in candidates(["ozon", "GetProductStructure", "--"])  # sends no request


def test_serve_options_are_those_its_help_lists(run_cli: Any) -> None:
    from oint.apps.gateway.cli import settings_from

    helped = run_cli("serve", "--help")
    listed = dict(re.findall(r"^  (--[a-z-]+)( [A-Z]+)?", helped.out, flags=re.M))  # option: its value
    offered = candidates(["serve", "--"])
    assert offered == list(listed) and {"--config", "--sandbox", "--token", "--max-items", "--help"} <= set(
        offered
    )
    for option in offered:  # every one is an option `oint serve` takes, with a value where the help says
        given = [option, "1"] if listed[option] else [option]
        try:
            settings_from(given if option == "--sandbox" else ["--sandbox", *given])
        except UsageError as e:
            assert "unknown option" not in str(e) and "value" not in str(e), (option, e)
    assert candidates(["serve", "--port", "1", "--p"]) == ["--profile"]  # --port is given
    assert candidates(["serve", "--allowed-host", "a", "--al"]) == ["--allowed-host"]  # repeatable
    assert candidates(["serve", "--db", ""]) == [FILES] and candidates(["serve", "--log=x"]) == [FILES]
    assert candidates(["serve", "--port", ""]) == [] and candidates(["serve", ""]) == []


def test_profile_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    monkeypatch.setenv("OINT_CONFIG", str(config))
    m = ["ozon", "GetProductList"]
    assert candidates([*m, "--profile", ""]) == []  # no config file
    config.write_text(
        '[profiles.shop1]\nclient_id = 1\napi_key_env = "K"\n'
        '[profiles.shop2]\nclient_id = 2\napi_key = "keyring"\n'
    )
    assert candidates([*m, "--profile", ""]) == ["shop1", "shop2"]
    assert candidates([*m, "--profile", "SHOP2"]) == ["shop2"]
    assert candidates([*m, "--profile=s"]) == ["--profile=shop1", "--profile=shop2"]
    config.write_text("[profiles.shop1\n")
    assert candidates([*m, "--profile", ""]) == []  # a broken file: no candidates, no error


def test_sandbox_commands() -> None:
    subs = candidates(["sandbox", ""])
    assert {"serve", "reset", "account", "fault", "where"} <= set(subs) and subs[-1] == "--help"
    for sub in subs[:-1]:  # each is a command `oint sandbox` knows: it complains about the option only
        with pytest.raises(UsageError, match="unknown option --no-such-option"):
            sandbox_run([sub, "--no-such-option"])
    serve = candidates(["sandbox", "serve", ""])
    assert {"--port", "--host", "--db", "--quiet"} <= set(serve) and "--base-url" not in serve
    assert candidates(["sandbox", "serve", "--port", "8080", "--p"]) == []
    assert candidates(["sandbox", "serve", "--port", ""]) == []
    assert candidates(["sandbox", "reset", "--db", ""]) == [FILES]


def _accepted(command: Any, before: list[str], option: str) -> None:
    """`option` is one the command takes: it complains only about the bogus option after it."""
    for form in ([option], [option, "1"]):
        try:
            command([*before, *form, "--no-such-option"])
        except UsageError as e:
            if "needs a value" in str(e) and len(form) == 1:
                continue
            assert "unknown option --no-such-option" in str(e), (option, str(e))
            return
        raise AssertionError(f"{option}: the command ran")


def test_bulk_and_export_kinds_and_options() -> None:
    assert candidates(["ozon", "bulk", ""]) == [*KINDS, "--help"]
    assert candidates(["ozon", "BULK", "st"]) == ["stocks"]
    assert candidates(["ozon", "export", ""]) == [*EXPORTS, "--help"]
    assert candidates(["ozon", "export", "postings"]) == ["postings", "postings-fbo"]
    for command, kinds in (("bulk", KINDS), ("export", EXPORTS)):
        for kind in [*kinds, "/v1/barcode/add" if command == "bulk" else "v3_product_list"]:
            options = candidates(["ozon", command, kind, ""])
            assert {"--sandbox", "--clientid", "--profile", "--help"} <= set(options)
            for option in options[:-1]:  # every one is an option the command takes
                _accepted(ozon_command, [command, kind], option)
    stocks = ["ozon", "bulk", "stocks"]
    assert {"--file", "--report", "--dry-run", "--concurrency"} <= set(candidates([*stocks, "--"]))
    assert "--out" in candidates(["ozon", "export", "stocks", ""])
    for option in ("--file", "--report", "--db", "--body"):
        assert candidates([*stocks, option, ""]) == [FILES]
    assert candidates([*stocks, "--file=st"]) == [FILES]
    assert candidates([*stocks, "--file", "=", "st"]) == [FILES]
    assert candidates([*stocks, "--concurrency", ""]) == []
    assert candidates([*stocks, "--dry-run", "--d"]) == ["--db", "--debug"]  # a flag takes no value
    given = candidates([*stocks, "--file", "s.csv", "--sandbox", ""])
    assert "--file" not in given and "--sandbox" not in given and "--report" in given
    assert candidates(["ozon", "export", "stocks", "--out", "x"]) == [FILES]


def test_bulk_jobs_commands_ids_and_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OINT_JOBS_DIR", str(tmp_path / "jobs"))
    assert candidates(["bulk", ""]) == ["list", "show", "resume", "--help"]
    assert candidates(["bulk", "show", ""]) == []  # no jobs yet
    (tmp_path / "jobs").mkdir()
    for job in ("20261201-100000-stocks-ab12", "20261201-110000-prices-cd34"):
        (tmp_path / "jobs" / f"{job}.sqlite3").write_bytes(b"")
        (tmp_path / "jobs" / f"{job}.lock").write_bytes(b"")
    assert candidates(["bulk", "show", ""]) == ["20261201-100000-stocks-ab12", "20261201-110000-prices-cd34"]
    assert candidates(["bulk", "RESUME", "20261201-11"]) == ["20261201-110000-prices-cd34"]
    assert candidates(["bulk", "show", "-"]) == ["--help"]
    assert candidates(["bulk", "show", "J", ""]) == ["--report", "--failed", "--help"]
    assert candidates(["bulk", "show", "J", "--report", ""]) == [FILES]
    assert candidates(["bulk", "list", ""]) == ["--help"]
    assert candidates(["bulk", "nosuch", ""]) == []
    resume = candidates(["bulk", "resume", "J", ""])
    assert {"--concurrency", "--report", "--sandbox", "--profile"} <= set(resume)
    for before in (["show", "J"], ["resume", "J"], ["list"]):
        for option in candidates(["bulk", *before, ""])[:-1]:
            _accepted(jobs_command, before, option)


def test_sandbox_seed() -> None:
    seed = candidates(["sandbox", "seed", ""])
    assert seed == ["--products", "--prefix", "--clientid", "--db", "--help"]
    assert candidates(["sandbox", "seed", "--products", ""]) == []
    assert candidates(["sandbox", "seed", "--products", "10", "--p"]) == ["--prefix"]
    assert candidates(["sandbox", "seed", "--db", ""]) == [FILES]
    with pytest.raises(UsageError, match="unknown option --no-such-option"):
        sandbox_run(["seed", "--products", "1", "--no-such-option"])


def test_callback_through_the_cli(run_cli: Any) -> None:
    r = run_cli("completion", "--words", "ozon", "UpdateProductIm")
    assert r.code == 0 and r.out == "UpdateProductImages\n" and r.err == ""
    r = run_cli("completion", "--words", "ozon", "обновитьизо")
    assert r.code == 0 and r.out == "ОбновитьИзображенияТовара\n"
    r = run_cli("completion", "--words", "ozon", "UpdateProductImages", "--help", "-h", "--c")
    assert r.code == 0 and r.out.split() == ["--clientid", "--color", "--ca-file", "--config"]


def test_callback_imports_no_client_nor_sandbox() -> None:
    code = (
        "import sys\nfrom oint.apps.cli.main import main\n"
        "main(['completion', '--words', 'ozon', 'UpdateProductImages', '--c'])\n"
        "main(['completion', '--words', 'sandbox', 'serve', '--'])\n"
        "main(['completion', '--words', 'ozon', 'bulk', 'stocks', '--fi'])\n"
        "main(['completion', '--words', 'bulk', 'show', 'no-such-job'])\n"
        "main(['completion', '--words', 'serve', '--ma'])\n"
        "heavy = [m for m in sys.modules if m.startswith(('oint.sandbox', 'oint.compat.client', "
        "'oint.core.client', 'oint.core.transport', 'oint.compat._api', 'httpx', 'tomllib', 'tomli', "
        "'oint.jobs.jobs', 'oint.jobs.engine', 'oint.jobs.files'))]\n"
        "print(heavy, file=sys.stderr)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stderr.strip() == "[]", p.stderr
    assert p.stdout.split() == [
        "--clientid",
        "--color",
        "--ca-file",
        "--config",
        "--host",
        "--port",
        "--db",
        "--quiet",
        "--no-rate-limit",
        "--limit-per-ip",
        "--api-date",
        "--admin-token",
        "--help",
        "--file",
        "--max-items",
    ]


def test_scripts_and_usage(run_cli: Any) -> None:
    for shell in ("bash", "zsh", "fish"):
        r = run_cli("completion", shell)
        assert r.code == 0 and "oint completion --words" in r.out and r.err == ""
    usage = run_cli("completion")
    assert usage.code == 0 and "bash" in usage.out and usage.out == run_cli("completion", "--help").out
    bad = run_cli("completion", "tcsh")
    assert bad.code == 2 and bad.err.count("\n") == 1 and "bash, zsh or fish" in bad.err


def _script(shell: str) -> str:
    from oint.apps.cli.completion import script

    return script(shell)


def _env() -> dict[str, str]:
    if not OINT.exists():
        pytest.skip("the oint console script is not installed in this environment")
    return {**os.environ, "PATH": f"{OINT.parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def _shell(shell: str) -> str:
    path = shutil.which(shell)
    if path is None:
        pytest.skip(f"{shell} is not installed")
    return path


@pytest.mark.parametrize(("shell", "check"), [("bash", "-n"), ("zsh", "-n"), ("fish", "--no-execute")])
def test_scripts_parse(shell: str, check: str) -> None:
    p = subprocess.run(
        [_shell(shell), check], input=_script(shell), capture_output=True, text=True, timeout=30
    )
    assert p.returncode == 0, p.stderr


BASH_DRIVER = """
eval "$(oint completion bash)"
COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_oint_complete
printf '%s\\n' "${COMPREPLY[@]}"
"""


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["oint", "ozon", "UpdateProductIm"], ["UpdateProductImages"]),
        (["oint", "ozon", "обновитьизо"], ["ОбновитьИзображенияТовара"]),
        (["oint", "ozon", "UpdateProductImages", "--c"], ["--clientid", "--color", "--ca-file", "--config"]),
        (["oint", "ozon", "UpdateProductImages", "--out", "=", "an"], ["answers"]),
        (["oint", "ozon", "UpdateProductImages", "--out", "an"], ["answers"]),
        (["oint", "sa"], ["sandbox"]),
        (["oint", "ozon", "bulk", "st"], ["stocks"]),
        (["oint", "ozon", "bulk", "stocks", "--file", "an"], ["answers"]),
        (["oint", "ozon", "UpdateProductImages", "--con"], ["--config"]),
        (["oint", "ozon", "v3_product_list", "--con"], ["--config"]),
        (["oint", "serve", "--sandbox", "--max"], ["--max-items"]),
        (["oint", "serve", "--config", "an"], ["answers"]),
    ],
)
def test_bash_script_completes(tmp_path: Path, words: list[str], expected: list[str]) -> None:
    (tmp_path / "answers").mkdir()
    p = subprocess.run(
        [_shell("bash"), "-c", BASH_DRIVER, "driver", *words],
        capture_output=True,
        text=True,
        timeout=30,
        env=_env(),
        cwd=tmp_path,
    )
    assert p.returncode == 0 and p.stdout.split("\n")[:-1] == expected, (p.stdout, p.stderr)


ZSH_DRIVER = """
compdef() { : }
compset() { : }
compadd() { shift 2; print -l -- "$@" }
_files() { print -- FILES }
eval "$(oint completion zsh)"
words=("$@"); CURRENT=${#words}
_oint
"""


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["oint", "ozon", "обновитьизо"], ["ОбновитьИзображенияТовара"]),
        (["oint", "ozon", "UpdateProductImages", "--c"], ["--clientid", "--color", "--ca-file", "--config"]),
        (["oint", "ozon", "UpdateProductImages", "--out=an"], ["FILES"]),
        (["oint", "ozon", "UpdateProductImages", "--productid", ""], []),
        (["oint", "ozon", "UpdateProductImages", "--con"], ["--config"]),
        (["oint", "serve", "--al"], ["--allowed-host"]),
        (["oint", "serve", "--log", "x"], ["FILES"]),
    ],
)
def test_zsh_script_completes(words: list[str], expected: list[str]) -> None:
    """The script's logic with compsys's builtins stubbed (a real zsh, no terminal needed)."""
    p = subprocess.run(
        [_shell("zsh"), "-f", "-c", ZSH_DRIVER, "driver", *words],
        capture_output=True,
        text=True,
        timeout=30,
        env=_env(),
    )
    assert p.returncode == 0 and p.stdout.split("\n")[:-1] == expected, (p.stdout, p.stderr)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("oint ozon обновитьизо", ["ОбновитьИзображенияТовара"]),
        ("oint ozon UpdateProductImages --co", ["--color", "--config"]),
        ("oint ozon UpdateProductImages --out=an", ["--out=answers/"]),
        ("oint sa", ["sandbox"]),
        ("oint ozon UpdateProductImages --con", ["--config"]),
        ("oint serve --sandbox --ma", ["--max-items"]),
        ("oint serve --config an", ["answers/"]),
    ],
)
def test_fish_script_completes(tmp_path: Path, line: str, expected: list[str]) -> None:
    (tmp_path / "answers").mkdir()
    code = f'oint completion fish | source; complete -C "{line}"'
    p = subprocess.run(
        [_shell("fish"), "--no-config", "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        env=_env(),
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr
    assert [c.split("\t")[0] for c in p.stdout.splitlines()] == expected, (p.stdout, p.stderr)


def test_help_anywhere_in_bulk_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """`--help` is among the candidates everywhere: it shows the command's help wherever it is."""
    assert ozon_command(["bulk", "stocks", "--file", "no.csv", "--help"]) == 0
    assert "oint ozon bulk KIND --file FILE" in capsys.readouterr().out
    assert ozon_command(["export", "stocks", "-h"]) == 0
    assert "oint ozon export WHAT --out FILE" in capsys.readouterr().out
    assert jobs_command(["show", "J", "--help"]) == 0
    assert "oint bulk list" in capsys.readouterr().out
