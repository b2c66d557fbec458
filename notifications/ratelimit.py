"""``WHATSAPP_RATE``: one pace shared by every worker on every machine.

A generic cell rate algorithm (GCRA) with no burst: the shared state is the
"theoretical arrival time" (TAT) of the next free slot. Each send reserves the
next slot (``TAT = max(TAT, now) + 1/rate``) and sleeps until its slot. Slots are
``1/rate`` apart, so no one-second window ever holds more than ``rate`` sends.

Where the state lives: Redis (one Lua script, atomic) when Celery runs; a row of
``RateBucket`` locked with ``SELECT ... FOR UPDATE`` on the embedded engine.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import redis
from django.conf import settings
from django.db import transaction

from notifications.models import RateBucket

BUCKET = "whatsapp"
# Under the configured rate, so that a send delayed past its slot (the worker's own
# database work, network jitter) cannot put rate + 1 sends into one of Meta's
# seconds. At 0.985 the fake counted 82 in one second at WHATSAPP_RATE=80; at
# 0.965 it counts at most 80 while the pace stays at ~97% of the rate
# (bench/whatsapp_bench.py).
SAFETY = 0.965

_LUA = """
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
if tat < now then tat = now end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', 60000)
return tostring(tat - now)
"""


def _interval() -> float:
    return 1.0 / (max(float(settings.WHATSAPP_RATE), 0.001) * SAFETY)


@cache
def _redis_script(url: str) -> Any:
    client = redis.Redis.from_url(url)
    return client.register_script(_LUA)


def _reserve_redis() -> float:
    script = _redis_script(settings.CELERY_BROKER_URL)
    # The clock is this machine's; all workers' clocks are NTP-synchronised.
    wait = script(keys=[f"cctvwarga:ratelimit:{BUCKET}"], args=[time.time(), _interval()])
    return float(wait)


def _reserve_db() -> float:
    now = time.time()
    with transaction.atomic():
        bucket, _created = RateBucket.objects.select_for_update().get_or_create(name=BUCKET)
        tat = max(bucket.stamp, now)
        bucket.stamp = tat + _interval()
        bucket.save(update_fields=["stamp"])
    return tat - now


def use_redis() -> bool:
    return settings.TASK_ENGINE == "celery" and settings.CELERY_BROKER_URL.startswith(
        ("redis://", "rediss://")
    )


def acquire() -> float:
    """Wait for this process's next slot; returns the seconds waited."""
    wait = _reserve_redis() if use_redis() else _reserve_db()
    if wait > 0:
        time.sleep(wait)
    return max(wait, 0.0)
