"""The registry of work in flight: every kind with a status is reaped by one task."""

from __future__ import annotations

import pytest
from django.utils import timezone

from connectivity.models import Check
from portal import inflight
from portal.tasks import reap_lost_work

pytestmark = pytest.mark.django_db


def test_every_kind_of_work_with_a_status_is_registered():
    names = {kind.name for kind in inflight.kinds()}

    assert {"connectivity.check", "joining.import", "notifications.message"} <= names
    for kind in inflight.kinds():
        assert kind.requeue  # each says what it re-queues, and why that is safe
        assert kind.overdue(timezone.now()).count() == 0
        assert kind.in_flight(timezone.now()).count() == 0


def test_one_kind_failing_does_not_stop_the_others():
    def broken(now):
        raise RuntimeError("table locked")

    inflight.register(
        inflight.Kind(
            name="test.broken",
            in_flight=lambda now: Check.objects.none(),
            overdue=lambda now: Check.objects.none(),
            reap=broken,
        )
    )
    try:
        reports = reap_lost_work.enqueue().return_value
    finally:
        inflight._registry.pop("test.broken")

    assert reports["test.broken"]["error"] == "RuntimeError: table locked"
    assert reports["connectivity.check"] == {"lost": 0, "requeued": 0, "swept": 0}
