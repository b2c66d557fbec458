"""kombu's Redis transport, with one client object per channel for its plain commands.

kombu builds a new ``redis.Redis`` object around its connection pool for every
publish, every "unacked" bookkeeping write and every acknowledgement. The object
holds no connection (each command borrows one from the pool and gives it back),
but building it fills a table of some 170 response callbacks, which cost more
CPU than the Redis round trip itself: a producer paid it once per enqueue and a
worker twice per task (``bench/tasks_bench.py``). This channel builds the object
once per pool and reuses it; the asynchronous client for BRPOP and pub/sub is
kombu's own. Chosen for ``redis://`` and ``rediss://`` brokers by
``CELERY_BROKER_TRANSPORT`` in ``portal/settings.py``.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _sync_client: Any = None

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:
            return super()._create_client(asynchronous=True)
        client = self._sync_client
        # a reconnect replaces the pool: the client follows it
        if client is None or client.connection_pool is not self.pool:
            client = self._sync_client = super()._create_client()
        return client


class Transport(kombu_redis.Transport):
    Channel = Channel
