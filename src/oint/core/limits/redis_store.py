"""Ozon's limit windows in Redis: processes on several machines (`OINT_LIMITS=redis://host:port/db`).

Every acquire and every release is one Lua script, atomic in Redis: no process reads a window
and writes it back after another has changed it. Times are Redis's own clock (`TIME`), so
machines whose clocks differ still agree. A window is two sorted sets: `<key>:flight` (calls
sent and not answered; score: the lease's end) and `<key>:done` (answer times, the newest
`rate`), both expiring once they no longer matter. Keys name the account by its Client-Id.
A single Redis (or a primary with replicas), not Redis Cluster: an account's windows and an
address's are taken in one script.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from oint.core.errors import UsageError
from oint.core.limits import LimitStore, LimitsUnavailableError, describe
from oint.core.limits.lease import RELEASE, RENEW

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# When every window has a free slot: take one in each (ARGV[3] == '1') and answer '0', else
# answer the seconds until they may. KEYS: done, flight of each window; ARGV: token, lease,
# take, then rate and window (seconds) of each.
_ACQUIRE = (
    _NOW
    + """
local lease = tonumber(ARGV[2])
local start = now
for i = 1, #KEYS / 2 do
  local done, flight = KEYS[2 * i - 1], KEYS[2 * i]
  local rate, window = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  local expired = redis.call('ZRANGEBYSCORE', flight, '-inf', now, 'WITHSCORES')
  for j = 1, #expired, 2 do  -- a call whose lease ran out (its process died): answered then
    redis.call('ZADD', done, expired[j + 1], expired[j])
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', flight, '-inf', now) end
  redis.call('ZREMRANGEBYSCORE', done, '-inf', now - window)
  local ndone = redis.call('ZCARD', done)
  local busy = redis.call('ZCARD', flight) + ndone
  if busy >= rate then
    local first = busy - rate
    local free = now + window
    if first < ndone then
      free = tonumber(redis.call('ZRANGE', done, first, first, 'WITHSCORES')[2]) + window
    end
    if free > start then start = free end
  end
end
if start > now then return tostring(start - now) end
if ARGV[3] == '1' then
  for i = 1, #KEYS / 2 do
    local window = tonumber(ARGV[3 + 2 * i])
    redis.call('ZADD', KEYS[2 * i], now + lease, ARGV[1])
    redis.call('PEXPIRE', KEYS[2 * i], math.ceil((lease + window) * 1000))
  end
end
return '0'
"""
)

# The call holding `token` is answered: its slot leaves the flight for the log of answers.
_RELEASE = (
    _NOW
    + """
local lease = tonumber(ARGV[2])
for i = 1, #KEYS / 2 do
  local done, flight = KEYS[2 * i - 1], KEYS[2 * i]
  local rate, window = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  if redis.call('ZREM', flight, ARGV[1]) == 1 then
    redis.call('ZADD', done, now, ARGV[1])
    redis.call('ZREMRANGEBYRANK', done, 0, -(rate + 1))
    redis.call('PEXPIRE', done, math.ceil((window + lease) * 1000))
  end
end
return 1
"""
)

# Calls answered `age` seconds ago by a process gone. ARGV: tag, n windows, rate and window of
# each, then the ages.
_PRIME = (
    _NOW
    + """
local n = tonumber(ARGV[2])
for i = 1, n do
  local done = KEYS[2 * i - 1]
  local rate, window = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  for j = 3 + 2 * n, #ARGV do
    local age = tonumber(ARGV[j])
    if age < window then redis.call('ZADD', done, now - age, ARGV[1] .. ':' .. j) end
  end
  redis.call('ZREMRANGEBYRANK', done, 0, -(rate + 1))
  redis.call('PEXPIRE', done, math.ceil(window * 1000) + 1000)
end
return 1
"""
)

# A use of an item at ARGV[1] (member ARGV[2]); keep the newest ARGV[3] for ARGV[4] seconds.
_ITEM_TAKE = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[4]) * 1000) + 1000)
return 1
"""

_ITEM_GIVE_BACK = """
local found = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1], 'LIMIT', 0, 1)
if #found > 0 then redis.call('ZREM', KEYS[1], found[1]) end
return #found
"""


class RedisStore(LimitStore):
    name = "redis"

    def __init__(self, url: str, timeout: float = 2.0) -> None:
        super().__init__(describe(url))
        try:
            import redis
            from redis.backoff import ExponentialBackoff
            from redis.retry import Retry
        except ImportError:
            raise UsageError(
                f"shared limits in Redis ({self.url}) need the redis package: pip install 'oint[redis]'"
            ) from None
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError,)
        try:
            self.client: Any = redis.Redis.from_url(
                url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                # a restarted server: the connection kept is dead, a new one is made and the
                # script sent again (a script never ran on a connection that failed to send it)
                retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 3),
                retry_on_error=[redis.ConnectionError],
                health_check_interval=30,
            )
        except ValueError as e:
            raise UsageError(f"limits: {self.url}: {e}") from None
        self._acquire_script = self.client.register_script(_ACQUIRE)
        self._release_script = self.client.register_script(_RELEASE)
        self._prime_script = self.client.register_script(_PRIME)
        self._take_script = self.client.register_script(_ITEM_TAKE)
        self._give_back_script = self.client.register_script(_ITEM_GIVE_BACK)
        self._lease_renew_script = self.client.register_script(RENEW)
        self._lease_release_script = self.client.register_script(RELEASE)

    def _run(self, what: Callable[[], Any]) -> Any:
        try:
            return what()
        except self._errors as e:
            reason = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise LimitsUnavailableError(
                f"shared limits: Redis at {self.url} is unreachable: {reason}"
            ) from None

    def check(self) -> None:
        """Raise `LimitsUnavailableError` unless Redis answers."""
        self._run(self.client.ping)

    @staticmethod
    def _keys(keys: tuple[str, ...]) -> list[str]:
        return [part for key in keys for part in (f"{key}:done", f"{key}:flight")]

    @staticmethod
    def _rules(rules: list[tuple[int, float]]) -> list[str]:
        return [part for rate, window in rules for part in (str(rate), repr(window))]

    def _acquire(self, keys: tuple[str, ...], rules: list[tuple[int, float]], token: str) -> float:
        args = [token, repr(self.lease), "1", *self._rules(rules)]
        answer = self._run(lambda: self._acquire_script(keys=self._keys(keys), args=args))
        return float(answer)

    def _release(self, keys: tuple[str, ...], rules: list[tuple[int, float]], token: str) -> None:
        args = [token, repr(self.lease), *self._rules(rules)]
        self._run(lambda: self._release_script(keys=self._keys(keys), args=args))

    def _free_in(self, keys: tuple[str, ...], rules: list[tuple[int, float]]) -> float:
        args = ["", repr(self.lease), "0", *self._rules(rules)]
        return float(self._run(lambda: self._acquire_script(keys=self._keys(keys), args=args)))

    def _prime(self, keys: tuple[str, ...], rules: list[tuple[int, float]], ages: list[float]) -> None:
        tag = f"primed:{self._tag}:{next(self._count)}"
        args = [tag, str(len(keys)), *self._rules(rules), *(repr(a) for a in ages)]
        self._run(lambda: self._prime_script(keys=self._keys(keys), args=args))

    @staticmethod
    def _item_key(space: str, key: str) -> str:
        return f"oint:items:{space}:{key}"

    def item_times(self, space: str, key: str, depth: int) -> list[float]:
        found = self._run(lambda: self.client.zrange(self._item_key(space, key), -depth, -1, withscores=True))
        return [float(score) for _, score in found]

    def item_take(self, space: str, key: str, now: float, depth: int, horizon: float) -> None:
        member = f"{now!r}:{self._tag}:{next(self._count)}"
        args = [repr(now), member, str(depth), repr(horizon)]
        self._run(lambda: self._take_script(keys=[self._item_key(space, key)], args=args))

    def item_give_back(self, space: str, key: str, at: float) -> None:
        self._run(lambda: self._give_back_script(keys=[self._item_key(space, key)], args=[repr(at)]))

    def item_times_many(self, space: str, keys: Sequence[str], depth: int) -> list[list[float]]:
        """The uses of a batch's items in one round trip (a pipeline), not one per item."""

        def read() -> list[Any]:
            pipe = self.client.pipeline(transaction=False)
            for key in keys:
                pipe.zrange(self._item_key(space, key), -depth, -1, withscores=True)
            return list(pipe.execute())

        found = self._run(read) if keys else []
        return [[float(score) for _, score in uses] for uses in found]

    def item_take_many(self, space: str, keys: Sequence[str], now: float, depth: int, horizon: float) -> None:
        """The uses of a batch's items recorded in one round trip (each item's script, pipelined)."""

        def take() -> None:
            pipe = self.client.pipeline(transaction=False)
            for key in keys:
                member = f"{now!r}:{self._tag}:{next(self._count)}"
                args = [repr(now), member, str(depth), repr(horizon)]
                self._take_script(keys=[self._item_key(space, key)], args=args, client=pipe)
            pipe.execute()

        if keys:
            self._run(take)

    # leases: SET NX PX, renewed and released by token in Lua (`oint.core.limits.lease`)
    def lease_take(self, name: str, token: str, seconds: float) -> bool:
        ms = max(1, int(seconds * 1000))
        return bool(self._run(lambda: self.client.set(name, token, nx=True, px=ms)))

    def lease_renew(self, name: str, token: str, seconds: float) -> bool:
        args = [token, str(max(1, int(seconds * 1000)))]
        return bool(self._run(lambda: self._lease_renew_script(keys=[name], args=args)))

    def lease_release(self, name: str, token: str) -> bool:
        return bool(self._run(lambda: self._lease_release_script(keys=[name], args=[token])))

    def lease_remaining(self, name: str) -> float:
        ms = int(self._run(lambda: self.client.pttl(name)))
        return max(0.0, ms / 1000)

    def close(self) -> None:
        self.client.close()
