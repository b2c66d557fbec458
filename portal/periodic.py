"""Periodic work, declared once and scheduled by whichever engine runs.

An app registers its periodic tasks next to them, in its ``tasks`` module::

    from django.tasks import task
    from portal import periodic

    @task
    def recheck_connected_recorders() -> int: ...

    periodic.register(recheck_connected_recorders, schedule=periodic.Every(minutes=60))

django-q2 gets ``Schedule`` rows from ``manage.py sync_schedules`` (run at start,
idempotent); Celery beat builds its ``beat_schedule`` from the same list
(``portal.celery.PeriodicRegistryScheduler``). Two kinds of schedule, both
understood by both engines without extra packages: every N minutes, and daily
at a local time (``TIME_ZONE``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.tasks import Task
from django.tasks.base import DEFAULT_TASK_QUEUE_NAME
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Every:
    minutes: int

    def __post_init__(self) -> None:
        if not 1 <= self.minutes <= 32767:  # django-q2 stores a PositiveSmallIntegerField
            raise ValueError("Every(minutes=...) takes 1 to 32767 minutes")


@dataclass(frozen=True)
class DailyAt:
    hour: int
    minute: int = 0

    def __post_init__(self) -> None:
        if not (0 <= self.hour <= 23 and 0 <= self.minute <= 59):
            raise ValueError("DailyAt takes an hour 0-23 and a minute 0-59")


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    task: Task
    schedule: Every | DailyAt
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def queue(self) -> str | None:
        """The engine queue, or None for the default one."""
        if self.task.queue_name == DEFAULT_TASK_QUEUE_NAME:
            return None
        return self.task.queue_name


_registry: dict[str, PeriodicTask] = {}


def register(
    task: Task,
    *,
    schedule: Every | DailyAt,
    name: str | None = None,
    args: tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
) -> PeriodicTask:
    """Declare that ``task`` runs on ``schedule``; the name defaults to its module path."""
    if not isinstance(task, Task):
        raise TypeError("register() takes a django.tasks.Task (declare it with @task)")
    if not isinstance(schedule, Every | DailyAt):
        raise TypeError("schedule must be periodic.Every(...) or periodic.DailyAt(...)")
    periodic = PeriodicTask(
        name=name or task.module_path,
        task=task,
        schedule=schedule,
        args=tuple(args),
        kwargs=dict(kwargs or {}),
    )
    _registry[periodic.name] = periodic
    return periodic


def periodic_tasks() -> list[PeriodicTask]:
    """Every registered periodic task, after importing each app's ``tasks`` module."""
    autodiscover_modules("tasks")
    return sorted(_registry.values(), key=lambda periodic: periodic.name)
