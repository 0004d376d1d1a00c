"""The sandbox as a transport of the client, in-process: no server, no sockets.

As httpx's ASGI transport serves an app, `connect()` serves the sandbox to a client:

    from oint.ozon import OzonClient
    from oint.sandbox import connect

    with OzonClient(transport=connect()) as ozon:          # the demo account: no keys needed
        ozon.get_products_information(product_id=[1111588191])

`connect_async()` is the twin for `AsyncOzonClient`. Each transport carries what the client reads
generically: `default_credentials` (the demo account's, used when no keys are given) and
`base_url` ("sandbox:" and the state file's absolute path, so that Ozon's own rate limits and switch-off
warnings stay off, and a bulk job records where it ran) and `server_time()` (the sandbox's clock).
`OzonClient(sandbox=True | path)` is the same through the entry point `provide` (see
`oint.core.transport.providers`); the CLI's `--sandbox` and `oint mcp` call `connect` directly.

State lives in the SQLite file (`db`, else `OINT_SANDBOX_DB`, default
~/.local/state/oint/sandbox.sqlite3), so consecutive CLI calls see each other's effects.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from oint.core.transport.base import RawResponse, TransportTimeout
from oint.sandbox.demo import (
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    DEMO_PERFORMANCE_CLIENT_ID,
    DEMO_PERFORMANCE_SECRET,
)

if TYPE_CHECKING:
    from oint.sandbox.core import Sandbox, SandboxResponse

SANDBOX_URL = "sandbox:"


def _url(db_path: str | None) -> str:
    """Where a sandbox transport sends: "sandbox:" and its state file, if one was given."""
    if not db_path:
        return SANDBOX_URL
    return SANDBOX_URL + (db_path if db_path == ":memory:" else os.path.abspath(db_path))


def _raw(resp: SandboxResponse) -> RawResponse:
    return RawResponse(resp.status, resp.headers, resp.body)


def _sandbox(db_path: str | None, sandbox: Sandbox | None) -> Sandbox:
    if sandbox is not None:
        return sandbox
    from oint.sandbox.core import Sandbox

    return Sandbox(db_path)


class _Transport:
    """What both sandbox transports hold: the sandbox (closed with the transport when it is owned),
    the demo account's credentials and `base_url`. The same transport answers the Performance API
    (`/api/client/...`: `default_performance_credentials` are the demo's client id and secret there)."""

    default_credentials = (DEMO_CLIENT_ID, DEMO_API_KEY)
    default_performance_credentials = (DEMO_PERFORMANCE_CLIENT_ID, DEMO_PERFORMANCE_SECRET)

    def __init__(
        self, db_path: str | None = None, sandbox: Sandbox | None = None, *, owned: bool | None = None
    ) -> None:
        """`owned`: whether closing the transport closes the sandbox (default: when it made it).
        `base_url` is "sandbox:" and the absolute path of `db_path` ("sandbox:" for the default file)."""
        self.sandbox = _sandbox(db_path, sandbox)
        self._own = sandbox is None if owned is None else owned
        self.base_url = _url(db_path)

    def server_time(self) -> float:
        """The sandbox's clock (epoch seconds), which `oint sandbox advance` moves on: what a
        default period (`oint ozon export postings`) counts back from."""
        return self.sandbox.clock()

    def api_day(self) -> dt.date:
        """The day of Ozon's API the sandbox plays (`Sandbox.today()`): what the client's warning
        about a switched-off operation compares its date with."""
        return self.sandbox.today()

    def close(self) -> None:
        """Also callable without a loop (an async client whose construction failed closes it so)."""
        if self._own:
            self.sandbox.close()


class SandboxTransport(_Transport):
    """Sync transport answering from an embedded `Sandbox` (its own unless one is given)."""

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


class AsyncSandboxTransport(_Transport):
    """Async twin of `SandboxTransport` (the model is fast and synchronous)."""

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
        self.close()


def _new_sandbox(
    db: str | None,
    api_date: str | dt.date | None,
    clock: Callable[[], float] | None,
    rate_limits: bool | None,
) -> Sandbox:
    from oint.sandbox.core import Sandbox

    options: dict[str, Any] = {"api_date": api_date, "rate_limits": rate_limits}
    if clock is not None:
        options["clock"] = clock
    return Sandbox(db, **options)


def connect(
    db: str | os.PathLike[str] | None = None,
    *,
    api_date: str | dt.date | None = None,
    clock: Callable[[], float] | None = None,
    rate_limits: bool | None = None,
) -> SandboxTransport:
    """A transport for `OzonClient` answering from a sandbox of its own over the state file `db`
    (else `OINT_SANDBOX_DB` or the default; ":memory:" for throw-away state). `api_date`, `clock`
    and `rate_limits` are `Sandbox`'s. Closing the client closes the sandbox."""
    path = None if db is None else os.fspath(db)
    return SandboxTransport(path, _new_sandbox(path, api_date, clock, rate_limits), owned=True)


def connect_async(
    db: str | os.PathLike[str] | None = None,
    *,
    api_date: str | dt.date | None = None,
    clock: Callable[[], float] | None = None,
    rate_limits: bool | None = None,
) -> AsyncSandboxTransport:
    """The twin of `connect` for `AsyncOzonClient`."""
    path = None if db is None else os.fspath(db)
    return AsyncSandboxTransport(path, _new_sandbox(path, api_date, clock, rate_limits), owned=True)


def provide(target: bool | str | os.PathLike[str], *, asynchronous: bool) -> Any:
    """The entry point `oint.transports: sandbox`: what `OzonClient(sandbox=target)` sends through
    (`target` True for the default state file, else its path)."""
    db = None if isinstance(target, bool) else os.fspath(target)
    return connect_async(db) if asynchronous else connect(db)
