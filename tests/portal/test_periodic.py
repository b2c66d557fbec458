"""Periodic tasks are declared once and scheduled by both engines."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_q.models import Schedule
from django_q.models import Task as QTask
from django_q.scheduler import scheduler

from portal import periodic
from portal.celery import RUN_TASK_NAME, beat_schedule
from portal.task_engines.q2 import RUN_FUNC
from portal.tasks import prune_task_results

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("engines")]

PRUNE = "portal.tasks.prune_task_results"


def sync() -> str:
    from io import StringIO

    out = StringIO()
    call_command("sync_schedules", stdout=out)
    return out.getvalue()


def test_the_registry_holds_the_result_pruning_task():
    names = [entry.name for entry in periodic.periodic_tasks()]

    assert PRUNE in names


def test_sync_schedules_writes_a_django_q2_schedule_for_each_periodic_task():
    sync()

    row = Schedule.objects.get(name=f"periodic:{PRUNE}")
    assert row.func == RUN_FUNC
    assert row.schedule_type == Schedule.DAILY
    local = timezone.localtime(row.next_run)
    assert (local.hour, local.minute) == (3, 17)
    assert row.next_run > timezone.now()


def test_sync_schedules_is_idempotent():
    sync()
    first = Schedule.objects.get(name=f"periodic:{PRUNE}")

    assert "0 created, 0 updated" in sync()
    assert Schedule.objects.get(name=f"periodic:{PRUNE}").next_run == first.next_run


def test_sync_schedules_removes_what_is_no_longer_registered_and_keeps_manual_ones():
    Schedule.objects.create(name="periodic:gone.task", func=RUN_FUNC, args="('gone', [], {})")
    Schedule.objects.create(name="made in the admin", func="math.floor", args="1.5")

    assert "1 removed" in sync()
    assert not Schedule.objects.filter(name="periodic:gone.task").exists()
    assert Schedule.objects.filter(name="made in the admin").exists()


@pytest.mark.django_db(transaction=True)  # django-q2's scheduler closes "old" connections
def test_django_q2_scheduler_enqueues_the_periodic_task_when_due(settings):
    settings.TASKS = {"default": {"BACKEND": "portal.task_engines.q2.Q2Backend"}}
    sync()
    Schedule.objects.filter(name=f"periodic:{PRUNE}").update(
        next_run=timezone.now() - timedelta(minutes=1)
    )

    scheduler()

    row = Schedule.objects.get(name=f"periodic:{PRUNE}")
    waiting = prune_task_results.get_result(row.task)
    assert waiting.status == TaskResultStatus.READY
    assert row.next_run > timezone.now()


def test_celery_beat_schedule_comes_from_the_same_registry():
    entry = beat_schedule()[PRUNE]

    assert entry["task"] == RUN_TASK_NAME
    assert entry["args"] == (PRUNE, [], {})
    assert entry["schedule"] == crontab(minute=17, hour=3)


def test_every_becomes_an_interval_on_both_engines():
    every = periodic.register(
        prune_task_results, name="test.every-ten", schedule=periodic.Every(minutes=10)
    )
    try:
        assert beat_schedule()["test.every-ten"]["schedule"] == timedelta(minutes=10)
        sync()
        row = Schedule.objects.get(name="periodic:test.every-ten")
        assert (row.schedule_type, row.minutes) == (Schedule.MINUTES, 10)
    finally:
        periodic._registry.pop(every.name)


def test_pruning_deletes_only_old_task_results():
    now = timezone.now()
    for name, age in (("old", 30), ("recent", 1)):
        stopped = now - dt.timedelta(days=age)
        QTask.objects.create(
            id=name.ljust(32, "x"), name=name, func=RUN_FUNC, started=stopped, stopped=stopped
        )

    result = prune_task_results.enqueue(days=14)  # the immediate engine in tests

    assert result.return_value == 1
    assert list(QTask.objects.values_list("name", flat=True)) == ["recent"]
