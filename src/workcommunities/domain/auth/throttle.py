"""Password logins counted per account, whatever the IP (the per-IP limit on /auth is app.py's).

Every try for an e-mail is counted before its password is checked, in one atomic step: within `window` seconds of
the first, the try after `limit` is refused with a 429 and `Retry-After` until the window ends, right password or
not, and tries sent at once cannot slip past the count while bcrypt runs. A successful login clears the count.
`limit` 0 switches the lock off. Counts live in Redis when `REDIS_URL` is set (INCR, so every instance counts
together), else in the worker's memory. Keys are a hash of the e-mail, never the address.
"""

from __future__ import annotations

import hashlib
import time
from typing import Protocol

from workcommunities.lib.errors import TooManyRequests

KEY_PREFIX = "workcommunities:login:"
MEMORY_KEYS = 100_000  # expired counts are dropped when the memory counter grows past this


class Counter(Protocol):
    async def hit(self, key: str, window: int) -> tuple[int, int]:
        """Count one try: the count within the window (which starts at the first) and the seconds it has left."""
        ...

    async def clear(self, key: str) -> None: ...

    async def close(self) -> None: ...


class MemoryCounter:
    """A worker's own counts. Reading and writing a count awaits nothing, so the event loop makes it atomic."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}  # key: (count, end of its window)

    async def hit(self, key: str, window: int) -> tuple[int, int]:
        now = time.monotonic()
        count, ends = self._counts.get(key, (0, 0.0))
        if ends <= now:
            count, ends = 0, now + window
            if len(self._counts) >= MEMORY_KEYS:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        self._counts[key] = (count + 1, ends)
        return count + 1, max(1, round(ends - now))

    async def clear(self, key: str) -> None:
        self._counts.pop(key, None)

    async def close(self) -> None:
        pass


class RedisCounter:
    def __init__(self, url: str) -> None:
        import redis.asyncio

        self._redis = redis.asyncio.Redis.from_url(url)

    async def hit(self, key: str, window: int) -> tuple[int, int]:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=window, nx=True)  # the window starts at the first try
            pipe.incr(key)  # keeps the expiry
            pipe.ttl(key)
            _, count, ttl = await pipe.execute()
        return int(count), max(1, int(ttl))

    async def clear(self, key: str) -> None:
        await self._redis.delete(key)

    async def close(self) -> None:
        await self._redis.aclose()


class LoginThrottle:
    def __init__(self, counter: Counter, *, limit: int, window: int) -> None:
        self.counter = counter
        self.limit = limit
        self.window = window

    @staticmethod
    def _key(email: str) -> str:
        return KEY_PREFIX + hashlib.sha256(email.strip().lower().encode()).hexdigest()

    async def attempt(self, email: str) -> None:
        """Count a try for this account before its password is checked; a 429 past the limit."""
        if self.limit > 0:
            count, remaining = await self.counter.hit(self._key(email), self.window)
            if count > self.limit:
                raise TooManyRequests(retry_after=remaining)

    async def succeeded(self, email: str) -> None:
        if self.limit > 0:
            await self.counter.clear(self._key(email))

    async def close(self) -> None:
        await self.counter.close()


def build_login_throttle(redis_url: str, *, limit: int, window: int) -> LoginThrottle:
    counter: Counter = RedisCounter(redis_url) if redis_url else MemoryCounter()
    return LoginThrottle(counter, limit=limit, window=window)
