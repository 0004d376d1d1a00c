"""`--help` / `-h` on every command of the CLI (oint, ozon, each method, profiles, completion):
exit 0, the help page on stdout, nothing on stderr; help wins over other problems of the line."""

from __future__ import annotations

from typing import Any

import pytest

from oint.apps.cli.args import wants_help
from oint.apps.cli.main import main
from oint.apps.cli.render import method_help, method_list, start_page
from oint.compat.methods import REGISTRY

HELP = ("--help", "-h")


def _run(capsysbinary: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsysbinary.readouterr()
    return code, captured.out.decode(), captured.err.decode()


@pytest.mark.parametrize("flag", HELP)
def test_every_method_answers_help(capsysbinary: Any, flag: str) -> None:
    for m in REGISTRY:
        page = method_help(m)
        for name in (m.name_en, m.name_ru.lower()):
            assert _run(capsysbinary, "ozon", name, flag) == (0, page, "")
        # help wins over other options, wrong ones included
        assert _run(capsysbinary, "ozon", m.name_en, "--no-such-option", "x", flag) == (0, page, "")


@pytest.mark.parametrize("flag", HELP)
def test_commands_answer_help(run_cli: Any, flag: str) -> None:
    pages = {
        (): start_page(),
        ("ozon",): method_list(REGISTRY),
        ("ozon", "UpdateProductImages"): method_help(REGISTRY["UpdateProductImages"]),
    }
    for argv, page in pages.items():
        r = run_cli(*argv, flag)
        assert (r.code, r.out, r.err) == (0, page, ""), argv
    for argv, needle in ((("profiles",), "oint profiles:"), (("completion",), "oint completion:")):
        r = run_cli(*argv, flag)
        assert r.code == 0 and r.out.startswith(needle) and r.err == "", argv
    assert run_cli("ozon", "NoSuchMethod", flag).code == 2  # help of what does not exist: an error


def test_start_page_names_the_commands() -> None:
    page = start_page()
    for needle in (
        "oint ozon",
        "oint sandbox",
        "oint profiles",
        "oint completion",
        "--profile",
        "OINT_PROFILE",
    ):
        assert needle in page


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        (["--help"], True),
        (["--HELP"], True),
        (["--help=yes"], True),
        (["-h"], True),
        (["--productid", "1", "-h"], True),
        (["--sandbox", "-h"], True),  # a flag takes no value
        (["--nope", "-h"], True),
        (["--offerid", "-h"], True),  # not an option of this method
        (["--productid", "-h"], False),  # the value of --productid
        (["--out", "-h"], False),
        (["--productid=-h"], False),
        (["--productid", "1"], False),
        ([], False),
    ],
)
def test_wants_help(tokens: list[str], expected: bool) -> None:
    assert wants_help(REGISTRY["UpdateProductImages"], tokens) is expected
