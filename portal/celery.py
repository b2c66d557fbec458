"""The Celery application: ``celery -A portal worker`` and ``celery -A portal beat``.

Apps never declare Celery tasks. There is one generic Celery task,
``portal.run_django_task``, that imports a ``django.tasks.Task`` by its module
path and runs it (see ``portal.task_engines.runner``). Celery reads every
``CELERY_*`` Django setting (:func:`celery_settings`). Beat builds its schedule
from ``portal.periodic``, the same registry that ``manage.py sync_schedules``
writes for django-q2.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from celery import Celery, Task
from celery.backends.redis import RedisBackend
from celery.beat import PersistentScheduler
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


class PolledRedisBackend(RedisBackend):
    """Celery's Redis result backend, without a pub/sub subscription per sent task.

    The stock backend subscribes the sending process to every task's result
    channel so that ``AsyncResult.get()`` can block on it; ours polls
    (``CeleryBackend.get_result``), and the subscription per enqueue costs more
    than the enqueue itself. ``AsyncResult.get()`` still works: it subscribes
    when it is called.
    """

    def on_task_call(self, producer: Any, task_id: str) -> None:
        pass


def celery_settings() -> dict[str, Any]:
    """Django's ``CELERY_*`` settings under Celery's own names (``task_acks_late``).

    A plain dict rather than ``config_from_object("django.conf:settings",
    namespace="CELERY")``: Celery looks settings up dozens of times at every
    send and every task, and each lookup through Django's lazy settings object
    cost about 30 µs here against 4 µs in a dict, a third of an enqueue
    (``bench/tasks_bench.py``). The settings come from the environment when the
    process starts, so a snapshot loses nothing.
    """
    from django.conf import settings

    return {
        name.removeprefix("CELERY_").lower(): getattr(settings, name)
        for name in dir(settings)
        if name.startswith("CELERY_")
    }


app = Celery("portal")
app.config_from_object(celery_settings())
# Every redis:// and rediss:// result URL gets our backend. Rewriting the URL in
# app.conf would not do: Celery reads a CELERY_RESULT_BACKEND environment
# variable before its configuration, and production sets that variable.
app.loader.override_backends = {
    "redis": f"{__name__}:PolledRedisBackend",
    "rediss": f"{__name__}:PolledRedisBackend",
}

RUN_TASK_NAME = "portal.run_django_task"


@app.task(name=RUN_TASK_NAME, bind=True)
def run_django_task(
    self: Task,
    module_path: str,
    args: list[Any],
    kwargs: dict[str, Any],
    backend_alias: str = "default",
) -> dict[str, Any]:
    from portal.task_engines import runner

    return runner.run(
        module_path=module_path,
        args=list(args),
        kwargs=dict(kwargs),
        result_id=self.request.id,
        backend_alias=backend_alias,
    )


def beat_schedule() -> dict[str, dict[str, Any]]:
    """Celery beat entries for every registered periodic task."""
    from portal.periodic import DailyAt, Every, periodic_tasks

    entries: dict[str, dict[str, Any]] = {}
    for periodic in periodic_tasks():
        schedule: timedelta | crontab
        if isinstance(periodic.schedule, Every):
            schedule = timedelta(minutes=periodic.schedule.minutes)
        elif isinstance(periodic.schedule, DailyAt):
            schedule = crontab(minute=periodic.schedule.minute, hour=periodic.schedule.hour)
        else:  # pragma: no cover - the registry only accepts the two kinds
            raise TypeError(periodic.schedule)
        entries[periodic.name] = {
            "task": RUN_TASK_NAME,
            "schedule": schedule,
            "args": (periodic.task.module_path, list(periodic.args), dict(periodic.kwargs)),
            "options": {"queue": periodic.queue} if periodic.queue else {},
        }
    return entries


class PeriodicRegistryScheduler(PersistentScheduler):
    """Beat's default scheduler, with its entries taken from ``portal.periodic``.

    Built here rather than at import: beat creates the scheduler after Django
    is set up, so every app's ``tasks`` module can be imported.
    """

    def setup_schedule(self) -> None:
        self.app.conf.beat_schedule = beat_schedule()
        super().setup_schedule()
