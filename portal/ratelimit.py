"""Fixed-window rate limits kept in the cache, shared by every process using that cache."""

from __future__ import annotations

import time

from django.core.cache import cache


class RateLimitExceeded(Exception):
    """Over the limit; ``retry_after`` seconds until the window ends."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"rate limited ({scope}); retry after {retry_after}s")
        self.scope = scope
        self.retry_after = retry_after


def hit(key: str, *, limit: int, window: int, scope: str = "") -> None:
    """Count one event for ``key``; raise ``RateLimitExceeded`` past ``limit`` per ``window`` s.

    ``limit`` 0 or less disables the limit.
    """
    if limit <= 0:
        return
    window = max(1, window)
    now = time.time()
    bucket = int(now // window)
    cache_key = f"ratelimit:{key}:{bucket}"
    cache.add(cache_key, 0, timeout=window * 2)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=window * 2)
        count = 1
    if count > limit:
        raise RateLimitExceeded(scope or key, max(1, int((bucket + 1) * window - now)))
