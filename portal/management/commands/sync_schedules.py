"""manage.py sync_schedules: write django-q2 Schedule rows for the periodic registry.

Idempotent: a second run changes nothing. Rows this command owns are named
``periodic:<name>``; those no longer registered are deleted; other schedules
(made by hand in the admin) are left alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from portal.periodic import DailyAt, Every, PeriodicTask, periodic_tasks
from portal.task_engines.q2 import RUN_FUNC

PREFIX = "periodic:"


def schedule_fields(periodic: PeriodicTask) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "func": RUN_FUNC,
        "args": repr((periodic.task.module_path, list(periodic.args), dict(periodic.kwargs))),
        "kwargs": None,
        "repeats": -1,
        "cluster": periodic.queue,
        "cron": None,
    }
    if isinstance(periodic.schedule, Every):
        fields |= {"schedule_type": Schedule.MINUTES, "minutes": periodic.schedule.minutes}
    else:
        fields |= {"schedule_type": Schedule.DAILY, "minutes": None}
    return fields


def first_run(schedule: Every | DailyAt, *, now: datetime) -> datetime:
    if isinstance(schedule, Every):
        return now + timedelta(minutes=schedule.minutes)
    local = timezone.localtime(now)
    at = local.replace(hour=schedule.hour, minute=schedule.minute, second=0, microsecond=0)
    return at if at > local else at + timedelta(days=1)


class Command(BaseCommand):
    help = "Create or update django-q2 schedules from portal.periodic (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        created = updated = unchanged = 0
        names = []
        for periodic in periodic_tasks():
            name = (PREFIX + periodic.name)[:100]
            names.append(name)
            wanted = schedule_fields(periodic)
            row = Schedule.objects.filter(name=name).first()
            if row is None:
                Schedule.objects.create(
                    name=name, next_run=first_run(periodic.schedule, now=now), **wanted
                )
                created += 1
            elif any(getattr(row, key) != value for key, value in wanted.items()):
                for key, value in wanted.items():
                    setattr(row, key, value)
                row.next_run = first_run(periodic.schedule, now=now)
                row.save()
                updated += 1
            else:
                unchanged += 1
        removed, _ = (
            Schedule.objects.filter(name__startswith=PREFIX).exclude(name__in=names).delete()
        )
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"schedules: {created} created, {updated} updated, {unchanged} unchanged, "
                f"{removed} removed"
            )
