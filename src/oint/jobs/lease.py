"""The leases of the bulk jobs' workers: one account's jobs run one at a time, under the lease
`account_lease_name(client_id)` in the queue's Redis. A lease is `oint.core.limits.lease.Lease`
(the leases of a shared store of limits: a token, SET NX PX, renewal and release by Lua scripts on
the server) over a `RedisStore` of the queue's URL:

    lease = Lease(RedisStore(url), account_lease_name("2128753"), seconds=10)
    if lease.acquire():          # taken, or somebody else holds it
        ...                      # lease.renew() every seconds/3: True held, False lost, None unknown
        lease.release()          # by its token: never another holder's

A holder that dies (kill -9, power loss, a network cut) loses it when its time runs out, and
another worker may take it. When Redis lost the key (restarted without it), renewal takes it
again: the holder never stopped holding it, and nobody else could have taken it from a server that
was down.
"""

from __future__ import annotations

from oint.core.limits.lease import Lease as Lease  # the workers' leases are the shared store's

PREFIX = "oint:lease:"


def account_lease_name(client_id: str) -> str:
    """The name of the lease under which one account's bulk jobs run, one at a time."""
    return f"{PREFIX}account:{client_id}"
