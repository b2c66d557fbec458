"""WHATSAPP_RATE: one pace for every worker; a batch reserves its slots in one step."""

from __future__ import annotations

import itertools

import pytest
import redis

from notifications import ratelimit

pytestmark = pytest.mark.django_db


def evenly_spaced(slots, step):
    # Redis keeps the time to the microsecond.
    return all(b - a == pytest.approx(step, abs=2e-6) for a, b in itertools.pairwise(slots))


def test_reserved_slots_are_spaced_by_the_rate_and_follow_each_other(settings):
    # One message a second: the first reservation reaches 20 s ahead, so the second
    # one follows it however slow the machine is.
    settings.WHATSAPP_RATE = 1
    first = ratelimit.reserve(20)
    second = ratelimit.reserve(2)
    assert evenly_spaced(first + second, 1 / ratelimit.SAFETY)


def test_the_redis_pace_is_shared_in_the_same_way(settings):
    settings.TASK_ENGINE = "celery"
    settings.WHATSAPP_RATE = 1
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(ratelimit._KEY)
    try:
        first = ratelimit.reserve(20)
        second = ratelimit.reserve(2)
        step = 1 / ratelimit.SAFETY
        assert evenly_spaced(first + second, step)
        assert ratelimit.next_slot() == pytest.approx(second[-1] + step, abs=1e-3)
    finally:
        client.delete(ratelimit._KEY)  # nobody else waits for the slots taken here


def test_reserving_nothing_takes_no_slot():
    assert ratelimit.reserve(0) == []
