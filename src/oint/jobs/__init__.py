"""Bulk jobs: the engine (pure steps), kinds, result readers, file intake, the journal and the
drivers. Users import the public names from `oint.bulk`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oint.core.layer import Operation


def batch_hint(op: Operation) -> str:
    """The bulk command that sends any number of items of `op`, for the message of a too-large
    batch: the applications and `oint.ozon` install it (`oint.core.hints.set_batch_hint`); the
    table of kinds loads only when a batch is too large."""
    from oint.jobs.kinds import batch_hint

    return batch_hint(op)
