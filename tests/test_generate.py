"""`python -m tools.generate [--check]`: every generated file, in order, with one command."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT
from tools import generate


def test_every_generated_file_is_fresh() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tools.generate", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def test_check_runs_every_step_and_names_the_stale_ones(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    stale = ["-c", "raise SystemExit(1)"]
    fresh = ["-c", "print('checked')"]
    monkeypatch.setattr(generate, "STEPS", [("first", stale, stale), ("second", fresh, fresh)])
    assert generate.main(["--check"]) == 1
    out, err = capfd.readouterr()
    assert "checked" in out  # the second step ran after the first failed
    assert "out of date: first: run python -m tools.generate" in err


def test_writing_stops_at_a_failed_step(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    failing = ["-c", "raise SystemExit(3)"]
    later = ["-c", "print('should not run')"]
    monkeypatch.setattr(generate, "STEPS", [("layer", failing, failing), ("types", later, later)])
    assert generate.main([]) == 1
    out, err = capfd.readouterr()
    assert "should not run" not in out and "failed: layer" in err
    assert generate.main(["--bogus"]) == 2
