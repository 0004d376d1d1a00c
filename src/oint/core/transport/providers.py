"""Transports other packages provide, found by name through entry points (group `oint.transports`).

The client knows no transport but its own: `OzonClient(sandbox=True)` asks for the provider named
"sandbox", which oint's sandbox registers in this package's metadata (`pyproject.toml`):

    [project.entry-points."oint.transports"]
    sandbox = "oint.sandbox.transport:provide"

A provider is `provide(target, *, asynchronous) -> SyncTransport | AsyncTransport`: `target` is
what the keyword was given (True, or a path), `asynchronous` which client asks. The lookup reads
the installed packages' metadata once per process and name; applications that know the provider
(the CLI, the MCP server) build its transport themselves (`oint.sandbox.connect()`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from oint.core.errors import UsageError

GROUP = "oint.transports"
Provider = Callable[..., Any]


@cache
def provider(name: str) -> Provider:
    """The provider registered under `name` (UsageError when none is installed)."""
    from importlib.metadata import entry_points

    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not found:
        raise UsageError(
            f"no transport provider {name!r} is installed (entry point group {GROUP!r}): "
            "install oint with pip (pip install .) or pass transport= yourself"
        )
    loaded: Provider = found[0].load()
    return loaded


def provided(name: str, target: Any, *, asynchronous: bool) -> Any:
    """A transport from the provider `name` for `target` (sync, or async for the async client)."""
    return provider(name)(target, asynchronous=asynchronous)
