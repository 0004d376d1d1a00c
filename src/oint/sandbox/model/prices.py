"""(being written) Sandbox model of this area."""

from __future__ import annotations
