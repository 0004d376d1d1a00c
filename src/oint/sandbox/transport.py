"""The sandbox plugged into the client in-process: no server, no sockets.

`OzonClient(sandbox=True)` and `oint ozon ... --sandbox` use these. State lives in the
SQLite file (`OINT_SANDBOX_DB`, default ~/.local/state/oint/sandbox.sqlite3), so
consecutive CLI calls see each other's effects.
"""

from __future__ import annotations

import time

from oint.ozon.transport.base import RawResponse, TransportTimeout
from oint.sandbox.core import Sandbox, SandboxResponse


def _raw(resp: SandboxResponse) -> RawResponse:
    return RawResponse(resp.status, resp.headers, resp.body)


class SandboxTransport:
    """Sync transport answering from an embedded `Sandbox`."""

    def __init__(self, db_path: str | None = None, sandbox: Sandbox | None = None) -> None:
        self.sandbox = sandbox or Sandbox(db_path)
        self._own = sandbox is None

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        resp = self.sandbox.handle(method, path, headers, body or b"")
        if resp.delay:
            if timeout is not None and resp.delay > timeout:
                time.sleep(timeout)
                raise TransportTimeout(f"no answer within {timeout:g}s")
            time.sleep(resp.delay)
        return _raw(resp)

    def close(self) -> None:
        if self._own:
            self.sandbox.close()


class AsyncSandboxTransport:
    """Async twin of `SandboxTransport` (the model is fast and synchronous)."""

    def __init__(self, db_path: str | None = None, sandbox: Sandbox | None = None) -> None:
        self.sandbox = sandbox or Sandbox(db_path)
        self._own = sandbox is None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> RawResponse:
        resp = self.sandbox.handle(method, path, headers, body or b"")
        if resp.delay:
            import asyncio  # only for injected slowness: the CLI never imports asyncio

            if timeout is not None and resp.delay > timeout:
                await asyncio.sleep(timeout)
                raise TransportTimeout(f"no answer within {timeout:g}s")
            await asyncio.sleep(resp.delay)
        return _raw(resp)

    async def aclose(self) -> None:
        if self._own:
            self.sandbox.close()
