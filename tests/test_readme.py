"""The README's library example runs as pasted: one script, against the embedded sandbox."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def library_example() -> str:
    """The ```python block of the README's "The library" section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("\n## The library\n") :]
    section = section[: section.index("\n## ", 1)]
    blocks = re.findall(r"^```python\n(.*?)^```$", section, flags=re.M | re.S)
    assert len(blocks) == 1, "one Python block in the library section"
    return str(blocks[0])


def test_library_example_runs_as_pasted(tmp_path: Path) -> None:
    code = library_example()
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OZON_", "OINT_"))}
    env |= {"OINT_SANDBOX_DB": str(tmp_path / "sandbox.sqlite3"), "HOME": str(tmp_path)}
    r = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
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
