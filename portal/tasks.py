"""The project's own tasks: a ping to check an engine end to end, and housekeeping."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from portal import periodic
from portal.task_engines.q2 import prune_results


@task
def ping() -> dict[str, str]:
    """Answer "pong" from whichever worker runs it (``manage.py task_ping``)."""
    return {"pong": "pong", "at": timezone.now().isoformat()}


@task
def prune_task_results(days: int = 14) -> int:
    """Delete stored django-q2 task results older than ``days`` (Celery expires its own)."""
    return prune_results(older_than=timedelta(days=days))


periodic.register(prune_task_results, schedule=periodic.DailyAt(hour=3, minute=17))
