"""Failed password logins counted per account, whatever the IP (the per-IP limit on /auth is app.py's).

`limit` failures for one e-mail within `window` seconds of the first refuse every further try for that e-mail, right
password or not, with a 429 and `Retry-After` until the window ends; a successful login clears the count. Counts live
in the app's shared store: Redis when `REDIS_URL` is set, so every instance counts together, else process memory.
Keys are a hash of the e-mail, never the address. Two failures racing on two instances may count once: the limit is
approximate by one or two, which is enough to stop guessing.
"""

from __future__ import annotations

import hashlib

from litestar.stores.base import Store

from workcommunities.lib.errors import TooManyRequests


class LoginThrottle:
    def __init__(self, store: Store, *, limit: int, window: int) -> None:
        self.store = store
        self.limit = limit
        self.window = window

    @staticmethod
    def _key(email: str) -> str:
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()

    async def check(self, email: str) -> None:
        """A 429 while the account is locked."""
        key = self._key(email)
        if int(await self.store.get(key) or 0) >= self.limit:
            raise TooManyRequests(retry_after=await self.store.expires_in(key) or self.window)

    async def failed(self, email: str) -> None:
        key = self._key(email)
        failures = int(await self.store.get(key) or 0) + 1
        # The window runs from the first failure: later ones keep its end.
        remaining = await self.store.expires_in(key) if failures > 1 else None
        await self.store.set(key, str(failures), expires_in=remaining or self.window)

    async def succeeded(self, email: str) -> None:
        await self.store.delete(self._key(email))
