"""What the applications add to the kernel's messages, which knows no commands: the command that
sends any number of items, named when a batch is over Ozon's maximum. Imports nothing: `oint.ozon`
and the applications install the hint at their import, which must stay cheap."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oint.core.layer import Operation

batch_hint: Callable[[Operation], str] | None = None


def set_batch_hint(hint: Callable[[Operation], str] | None) -> None:
    """What a too-large batch's message offers instead (e.g. `'oint ozon bulk stocks --file
    FILE' (oint.bulk)`); None: a generic hint."""
    global batch_hint
    batch_hint = hint
