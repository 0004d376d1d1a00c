"""(being written) OInt Ozon functions of this area."""

from __future__ import annotations

from oint.ozon.registry import Method

METHODS: tuple[Method, ...] = ()
