"""kombu's Redis transport, with fewer round trips and less work per message.

- kombu builds a new ``redis.Redis`` object around its connection pool for every
  publish, every "unacked" bookkeeping write and every acknowledgement. The
  object holds no connection (each command borrows one from the pool), but
  building it fills a table of some 170 response callbacks: a producer paid that
  once per enqueue and a worker twice per task (``bench/tasks_bench.py``). This
  channel builds the object once per pool and reuses it; the asynchronous client
  for BRPOP and pub/sub stays kombu's own.
- :meth:`Channel.along_with_next_message` sends a few Redis commands in the same
  MULTI/EXEC as the next message put on a queue: the Celery backend writes its
  "enqueued" record with the message, one round trip instead of two, and never
  a message without its record.

Chosen for ``redis://`` and ``rediss://`` brokers by ``CELERY_BROKER_TRANSPORT``
in ``portal/settings.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu.transport import redis as kombu_redis
from kombu.utils.json import dumps

# (method name, positional arguments, keyword arguments) of a redis-py command
Command = tuple[str, tuple[Any, ...], dict[str, Any]]


class Channel(kombu_redis.Channel):
    _sync_client: Any = None
    _with_next_put: list[Command] = []

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:
            return super()._create_client(asynchronous=True)
        client = self._sync_client
        # a reconnect replaces the pool: the client follows it
        if client is None or client.connection_pool is not self.pool:
            client = self._sync_client = super()._create_client()
        return client

    @contextmanager
    def along_with_next_message(self, *commands: Command) -> Iterator[None]:
        """Run ``commands`` in one transaction with the next message put on a queue.

        When the message takes another path (a publish batch, a queue with an
        expiry), the commands run on their own once the publish has returned;
        when the publish fails, they do not run at all.
        """
        self._with_next_put = list(commands)
        try:
            yield
        except BaseException:
            self._with_next_put = []
            raise
        leftover, self._with_next_put = self._with_next_put, []
        if leftover:
            with self.conn_or_acquire() as client, client.pipeline() as pipe:
                _queue_commands(pipe, leftover)
                pipe.execute()

    def _put(self, queue: str, message: dict[str, Any], **kwargs: Any) -> None:
        commands = self._with_next_put
        if (
            not commands
            or kwargs.get("_publish_batch") is not None
            or (self._expires and queue in self._expires)
        ):
            return super()._put(queue, message, **kwargs)
        key = self._q_for_pri(queue, self._get_message_priority(message, reverse=False))
        with self.conn_or_acquire() as client, client.pipeline() as pipe:
            _queue_commands(pipe, commands)
            pipe.lpush(key, dumps(message))
            pipe.execute()
        # only once sent: a publish that kombu retries after a lost connection
        # sends the commands again with the message
        self._with_next_put = []
        return None


def _queue_commands(pipe: Any, commands: list[Command]) -> None:
    for name, args, kwargs in commands:
        getattr(pipe, name)(*args, **kwargs)


def same_database(channel: Channel, client: Any) -> bool:
    """Whether ``client`` (redis-py) talks to the server and database of ``channel``."""
    ours = channel.pool.connection_kwargs
    theirs = client.connection_pool.connection_kwargs
    return all(
        ours.get(name) == theirs.get(name) for name in ("host", "port", "path", "db", "username")
    )


class Transport(kombu_redis.Transport):
    Channel = Channel
