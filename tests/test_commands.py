"""The command table (`oint.apps.cli.commands`): each command declared once drives the dispatcher,
`oint --help`, shell completion and "did you mean"."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from oint.apps.cli import commands
from oint.apps.cli.completion import candidates
from oint.apps.cli.main import main
from oint.apps.cli.render import start_page


def test_the_table_names_each_command_once_and_every_target_exists() -> None:
    for table in (commands.COMMANDS, commands.OZON_COMMANDS):
        names = [c.name for c in table]
        assert len(names) == len(set(names))
        for command in table:
            module, _, function = command.target.partition(":")
            assert callable(getattr(importlib.import_module(module), function)), command.target
            assert command.usage, command.name


def test_help_and_completion_come_from_the_table() -> None:
    page = start_page()
    for synopsis, text in commands.usage_lines(sandbox_commands="X"):
        if "{" not in synopsis and "X" not in synopsis:
            assert f"oint {synopsis}" in page and text in page
    assert candidates([""]) == list(commands.NAMES)
    assert set(commands.OZON_NAMES) <= set(candidates(["ozon", ""]))


@pytest.mark.parametrize("name", commands.NAMES)
def test_the_dispatcher_runs_what_the_table_names(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`oint NAME ARGS` calls the table's function with ARGS (any case of NAME)."""
    seen: list[Any] = []
    command = commands.find(name)
    assert command is not None
    module, _, function = command.target.partition(":")

    def fake(argv: list[str]) -> int:
        seen.append(argv)
        return 0

    monkeypatch.setattr(importlib.import_module(module), function, fake)
    assert main([name.upper(), "--x", "1"]) == 0
    assert seen == [["--x", "1"]]


def test_an_unknown_command_is_one_line_with_the_nearest(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["sandbx"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "did you mean sandbox" in err
