"""WHATSAPP_RATE: one pace for every worker; a batch reserves its slots in one step."""

from __future__ import annotations

import itertools

import pytest
import redis

from notifications import ratelimit

pytestmark = pytest.mark.django_db


def test_reserved_slots_are_spaced_by_the_rate_and_follow_each_other(settings):
    settings.WHATSAPP_RATE = 50
    first = ratelimit.reserve(3)
    second = ratelimit.reserve(2)
    step = 1 / (50 * ratelimit.SAFETY)
    slots = first + second
    assert [round(b - a, 6) for a, b in itertools.pairwise(slots)] == [round(step, 6)] * 4


def test_the_redis_pace_is_shared_in_the_same_way(settings):
    settings.TASK_ENGINE = "celery"
    settings.WHATSAPP_RATE = 50
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(ratelimit._KEY)
    first = ratelimit.reserve(3)
    second = ratelimit.reserve(2)
    slots = first + second
    step = 1 / (50 * ratelimit.SAFETY)
    assert [round(b - a, 6) for a, b in itertools.pairwise(slots)] == [round(step, 6)] * 4
    assert ratelimit.next_slot() == pytest.approx(slots[-1] + step)


def test_reserving_nothing_takes_no_slot():
    assert ratelimit.reserve(0) == []
