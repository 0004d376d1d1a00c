"""The README's library example runs as pasted: one script, against the embedded sandbox."""

from __future__ import annotations

from pathlib import Path

from conftest import readme_python, run_example


def library_example() -> str:
    """The ```python block of the README's "The library" section."""
    return readme_python("The library")


def test_library_example_runs_as_pasted(tmp_path: Path) -> None:
    code = library_example()
    r = run_example(code, tmp_path)
    assert r.returncode == 0, r.stderr
    # the sync part, then the async part (asyncio.run), then the OInt-style call
    assert r.stdout.splitlines() == ["https://example.com/1.jpg 143210609", "143210609"], r.stdout
    assert (tmp_path / "sandbox.sqlite3").exists()  # it ran on the sandbox, not on Ozon
    assert "asyncio.run(" in code and "await " in code


def test_library_example_is_checked_for_what_it_shows() -> None:
    code = library_example()
    compile(code, "README.md", "exec")  # no top-level await / async with: a plain script
    for shown in ("OzonClient(", "AsyncOzonClient(", "oint.ozon.update_product_images(", "RateLimitError"):
        assert shown in code
