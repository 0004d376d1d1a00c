"""tools/relayout.py, which rewrites names of the old layout (rerun after each merge): nothing is
left to rewrite, and its rules keep what users write and what is no module."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT
from tools import relayout

ALL = relayout.RULES + relayout.INTERNAL_RULES


def moved(text: str) -> str:
    """`text` as rewritten inside the package (where even the facades' names move)."""
    return relayout.rewrite(text, ALL)


def test_nothing_of_the_old_layout_is_left() -> None:
    done = subprocess.run(
        [sys.executable, "tools/relayout.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout


def test_modules_and_paths_move() -> None:
    assert moved("from oint.ozon.errors import UsageError") == "from oint.core.errors import UsageError"
    assert moved("import oint.ozon.transport.fast") == "import oint.core.transport.fast"
    assert moved("from oint.bulk.jobs import Job") == "from oint.jobs.jobs import Job"
    assert moved("python -m oint.ozon.codegen --check") == "python -m tools.codegen --check"
    assert moved("see src/oint/ozon/_api.py") == "see src/oint/compat/_api.py"
    assert moved("from oint.cli.main import main") == "from oint.apps.cli.main import main"


def test_a_facade_import_of_submodules_is_split() -> None:
    text = "from oint.ozon import OzonClient, policy, spec"
    assert moved(text) == (
        "from oint.ozon import OzonClient\nfrom oint.compat import policy\nfrom oint.apis.seller import spec"
    )


def test_what_users_write_and_what_is_no_module_stay() -> None:
    for text in (
        "oint.ozon.update_product_images(client_id, api_key, 1, [])",  # the facade's function
        "from oint.ozon import OzonClient",
        "from oint import bulk",
        "~/.local/state/oint/mcp",  # a folder, not the package
        "git show {commit}:src/oint/ozon/transport/fast.py  # relayout: keep",
    ):
        assert relayout.rewrite(text, relayout.RULES) == text
    # the public types module is rewritten only inside the package
    assert relayout.rewrite("import oint.ozon.types", relayout.RULES) == "import oint.ozon.types"
    assert moved("from oint.ozon import types as t") == "from oint.apis.seller import types as t"


def test_a_second_run_changes_nothing() -> None:
    once = moved("from oint.ozon.spec import Operation\nimport oint.mcp.server")
    assert moved(once) == once
