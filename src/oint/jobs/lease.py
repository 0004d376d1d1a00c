"""Leases in Redis: one holder at a time of a name (an account's bulk jobs), for a short time
that the holder keeps renewing; a holder that dies (kill -9, power loss, a network cut) loses
it when its time runs out, and another worker may take it.

    lease = Lease(redis_client, "oint:lease:account:2128753", seconds=10)
    if lease.acquire():          # SET NX PX: taken, or somebody else holds it
        ...                      # lease.renew() every seconds/3: True held, False lost, None unknown
        lease.release()          # by its token (a Lua script): never another holder's

Renewal, release and the check of the holder run as Lua scripts, atomically on the server (the
same as the leases of a shared store of limits, `oint.core.limits.lease`, whose module has them).
When Redis lost the key (restarted without it), renewal takes it again: the holder never
stopped holding it, and nobody else could have taken it from a server that was down.
"""

from __future__ import annotations

import uuid
from typing import Any

from oint.core.limits.lease import RELEASE, RENEW  # the scripts of every lease in Redis

PREFIX = "oint:lease:"


def account_lease_name(client_id: str) -> str:
    """The name of the lease under which one account's bulk jobs run, one at a time."""
    return f"{PREFIX}account:{client_id}"


class Lease:
    """A lease of `name` held for `seconds` after each renewal (see the module)."""

    def __init__(self, client: Any, name: str, seconds: float) -> None:
        self.client = client
        self.name = name
        self.seconds = seconds
        self.token = uuid.uuid4().hex
        self._renew = client.register_script(RENEW)
        self._release = client.register_script(RELEASE)

    @property
    def _ms(self) -> int:
        return max(1, int(self.seconds * 1000))

    def acquire(self) -> bool:
        """Take the lease if nobody holds it (SET NX PX)."""
        return bool(self.client.set(self.name, self.token, nx=True, px=self._ms))

    def renew(self) -> bool | None:
        """Keep the lease `seconds` longer: True while held (or taken again after Redis lost it),
        False when another holder has it, None when Redis cannot be reached (unknown)."""
        import redis

        try:
            return bool(self._renew(keys=[self.name], args=[self.token, self._ms]))
        except redis.RedisError:
            return None

    def release(self) -> bool:
        """Give the lease up if still ours (False otherwise, or when Redis cannot be reached: the
        lease then runs out by itself)."""
        import redis

        try:
            return bool(self._release(keys=[self.name], args=[self.token]))
        except redis.RedisError:
            return False

    def remaining(self) -> float:
        """Seconds until the current holder's lease runs out (0: free or unknown)."""
        import redis

        try:
            ms = int(self.client.pttl(self.name))
        except redis.RedisError:
            return 0.0
        return max(0.0, ms / 1000)
