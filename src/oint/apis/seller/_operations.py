"""The Seller API's operations as client methods: `oint.core.operations`' mixins, typed by the
generated stub `_operations.pyi` beside this module (what mypy and editors read)."""

from oint.core.operations import AsyncOperations, SyncOperations

__all__ = ["AsyncOperations", "SyncOperations"]
