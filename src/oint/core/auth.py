"""Bearer tokens of OAuth client credentials, kept between calls (the Performance API's auth).

`BearerToken` is the bookkeeping only: which token is valid now, when to renew it, which one a
401 revoked. The client base (`oint.core.client`) sends the token request (an API's client says
which: `token_request()`), under `lock` (threads) or `async_lock` (tasks) so that concurrent calls
share one fetch. A client without a `BearerToken` (the Seller API: static headers) pays nothing.

The token, like the secret it is bought with, never appears in a repr, a log or an error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class BearerToken:
    """The token of one client: valid until `renew_before` seconds before it expires (at most a
    thirtieth of its lifetime, so that a short-lived token is still used), then renewed; `drop`
    forgets a token the server refused. `clock` (monotonic seconds) is for tests; durations from
    the server are divided by `time_scale` (`OINT_TIME_SCALE`: a sandbox that plays time faster)."""

    def __init__(
        self,
        lifetime: float,
        renew_before: float,
        *,
        clock: Callable[[], float] | None = None,
        time_scale: float = 1.0,
    ) -> None:
        self.lifetime = lifetime
        self.renew_before = renew_before
        self.clock = clock or time.monotonic
        self.time_scale = time_scale
        self.fetched = 0  # tokens bought so far (diagnostics, tests)
        self.lock = threading.Lock()
        self._async_lock: Any = None
        self._headers: dict[str, str] | None = None
        self._renew_at = 0.0

    def __repr__(self) -> str:
        state = "none yet" if self._headers is None else "held"
        return f"BearerToken({state}, fetched={self.fetched})"

    @property
    def async_lock(self) -> Any:
        """An `asyncio.Lock` of the running event loop, made on first use in it (a lock belongs to
        one loop: a client used from `asyncio.run` after `asyncio.run` gets a new one)."""
        import asyncio

        loop = asyncio.get_running_loop()
        if self._async_lock is None or self._async_lock[0] is not loop:
            self._async_lock = (loop, asyncio.Lock())
        return self._async_lock[1]

    def headers(self) -> dict[str, str] | None:
        """The headers of the valid token (`Authorization: Bearer ...`), or None: fetch one."""
        if self._headers is not None and self.clock() < self._renew_at:
            return self._headers
        return None

    def accept(self, answer: Any, base: dict[str, str]) -> dict[str, str]:
        """Keep the token of a token answer (`access_token`, `expires_in`); the headers to send:
        `base` and the token's Authorization. ValueError for an answer without a token (its text
        is not shown: it may hold one)."""
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token or not (token.isascii() and token.isprintable()):
            raise ValueError("the token answer holds no usable access_token")
        try:
            lifetime = float(answer.get("expires_in") or self.lifetime)
        except (TypeError, ValueError):
            lifetime = self.lifetime
        lifetime = max(lifetime / self.time_scale, 0.0)
        self._renew_at = self.clock() + lifetime - min(self.renew_before / self.time_scale, lifetime / 30)
        self._headers = {**base, "Authorization": f"Bearer {token}"}
        self.fetched += 1
        return self._headers

    def drop(self, headers: dict[str, str]) -> None:
        """The server refused the token `headers` carry (401): forget it, unless another call has
        renewed it meanwhile."""
        if headers is self._headers:
            self._headers = None
