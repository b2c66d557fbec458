"""Plain Celery, for the baseline rows of ``bench/tasks_bench.py``.

A Celery app as the Celery documentation sets one up for Redis: kombu's own
Redis transport, Celery's own Redis result backend, Celery's default settings,
and one Celery task called directly (``ping.delay()``), with no Django Tasks
layer in between. Workers: ``celery -A bench.celery_stock worker``. The broker
and result URLs come from ``BENCH_STOCK_REDIS_URL``.
"""

from __future__ import annotations

import os

from celery import Celery

REDIS_URL = os.environ.get("BENCH_STOCK_REDIS_URL", "redis://127.0.0.1:6379/13")

app = Celery("bench_stock", broker=REDIS_URL, backend=REDIS_URL)
app.conf.broker_connection_retry_on_startup = True


@app.task(name="bench.celery_stock.ping")
def ping() -> str:
    return "pong"
