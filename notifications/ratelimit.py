"""``WHATSAPP_RATE``: one pace shared by every worker on every machine.

A generic cell rate algorithm (GCRA) with no burst: the shared state is the
"theoretical arrival time" (TAT) of the next free slot. A sender reserves the
next ``n`` slots in one step (``TAT = max(TAT, now) + n/rate``) and sends each
message at its own slot. Slots are ``1/rate`` apart, so no one-second window ever
holds more than ``rate`` sends, as long as each send leaves at its slot: a send
that would leave more than ``LATE`` after its slot must take a new slot instead
(``notifications.services.outbox_send`` does).

Where the state lives: Redis (one Lua script, atomic) when Celery runs; a row of
``RateBucket`` locked with ``SELECT ... FOR UPDATE`` on the embedded engine. One
reservation costs one round trip, whatever ``n``.
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
_KEY = f"cctvwarga:ratelimit:{BUCKET}"
# Under the configured rate, so that a send delayed past its slot (a busy machine,
# network jitter) cannot put rate + 1 sends into one of Meta's seconds. At 0.985
# the fake counted 82 in one second at WHATSAPP_RATE=80; at 0.965 it counts at
# most 80 while the pace stays at ~97% of the rate (bench/whatsapp_bench.py).
SAFETY = 0.965
# How late after its slot a send may still leave. Sends that leave within LATE of
# slots spaced 1/(SAFETY*rate) apart put at most ceil((1 + LATE) * SAFETY * rate)
# into any one-second window: at most the rate while LATE < 1/SAFETY - 1 (36 ms).
# The rest of that margin is for the request's own way to Meta: at LATE = 20 ms
# the fake once counted 81 in a second at WHATSAPP_RATE=80 on a machine loaded
# ten times over its cores; at 10 ms, at most 80.
LATE = 0.01

# Reserve n slots: returns the first one (seconds since the epoch, as a string;
# microseconds written out, as Lua's tostring keeps only 14 digits). The key lives
# at least a minute past the last reserved slot.
_LUA = """
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
if tat < now then tat = now end
local after = tat + n * interval
local ttl = math.ceil((after - now) * 1000) + 60000
redis.call('SET', KEYS[1], string.format('%.6f', after), 'PX', ttl)
return string.format('%.6f', tat)
"""


def interval() -> float:
    """Seconds between two slots."""
    return 1.0 / (max(float(settings.WHATSAPP_RATE), 0.001) * SAFETY)


@cache
def _redis(url: str) -> Any:
    return redis.Redis.from_url(url)


@cache
def _redis_script(url: str) -> Any:
    return _redis(url).register_script(_LUA)


def _reserve_redis(n: int, now: float) -> float:
    script = _redis_script(settings.CELERY_BROKER_URL)
    # The clock is this machine's; all workers' clocks are NTP-synchronised.
    first = script(keys=[_KEY], args=[now, interval(), n])
    return float(first)


def _reserve_db(n: int, now: float) -> float:
    with transaction.atomic():
        bucket, _created = RateBucket.objects.select_for_update().get_or_create(name=BUCKET)
        first = max(bucket.stamp, now)
        bucket.stamp = first + n * interval()
        bucket.save(update_fields=["stamp"])
    return first


def use_redis() -> bool:
    return settings.TASK_ENGINE == "celery" and settings.CELERY_BROKER_URL.startswith(
        ("redis://", "rediss://")
    )


def reserve(n: int) -> list[float]:
    """The next ``n`` slots of the shared pace (seconds since the epoch), in order.

    A slot not used is lost (the pace never runs ahead to make up for it).
    """
    if n <= 0:
        return []
    now = time.time()
    first = _reserve_redis(n, now) if use_redis() else _reserve_db(n, now)
    step = interval()
    return [first + i * step for i in range(n)]


def next_slot() -> float:
    """When the next free slot comes (seconds since the epoch); reserves nothing."""
    now = time.time()
    if use_redis():
        stamp = _redis(settings.CELERY_BROKER_URL).get(_KEY)
    else:
        stamp = RateBucket.objects.filter(name=BUCKET).values_list("stamp", flat=True).first()
    return max(float(stamp or 0), now)


def wait_for(slot: float) -> None:
    wait = slot - time.time()
    if wait > 0:
        time.sleep(wait)


def is_late(slot: float) -> bool:
    """True when a send at ``slot`` would now leave too late to keep the rate."""
    return time.time() - slot > LATE


def acquire() -> float:
    """Wait for this process's next slot (a new one if it woke too late); the seconds waited."""
    start = time.time()
    while True:
        [slot] = reserve(1)
        wait_for(slot)
        if not is_late(slot):
            return time.time() - start
