"""The project's own tasks: a ping to check an engine end to end, and housekeeping."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from portal import inflight, periodic
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


@task
def reap_lost_work() -> dict[str, dict[str, int | str]]:
    """Mark work past its deadline as lost (re-queue it where safe); hand unsent work
    to the engine. Every kind registers itself with ``portal.inflight``."""
    return {report.name: inflight.report_json(report) for report in inflight.reap_all()}


# Every minute: a check's deadline is a few minutes, and a pass with nothing to do
# is one indexed query per kind.
periodic.register(reap_lost_work, schedule=periodic.Every(minutes=1))
