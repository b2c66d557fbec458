"""The Celery application: ``celery -A portal worker`` and ``celery -A portal beat``.

Apps never declare Celery tasks. There is one generic Celery task,
``portal.run_django_task``, that imports a ``django.tasks.Task`` by its module
path and runs it (see ``portal.task_runner``). Celery reads every
``CELERY_*`` Django setting (:func:`celery_settings`). Beat builds its schedule
from ``portal.periodic``, the same registry that ``manage.py sync_schedules``
writes for django-q2.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from celery import Celery, Task, states
from celery.backends.redis import RedisBackend
from celery.beat import PersistentScheduler
from celery.exceptions import BackendStoreError
from celery.schedules import crontab
from kombu.utils.encoding import bytes_to_str

from portal import task_runner
from portal.periodic import DailyAt, Every, periodic_tasks

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


# Store a task's result unless a SUCCESS is stored already (a redelivered copy of
# a task must not overwrite it), and publish it for AsyncResult.get() waiters.
_STORE_UNLESS_SUCCEEDED = """
local current = redis.call('GET', KEYS[1])
if current then
    local ok, meta = pcall(cjson.decode, current)
    if ok and type(meta) == 'table' and meta['status'] == 'SUCCESS' then
        return 0
    end
end
local ttl = tonumber(ARGV[2])
if ttl > 0 then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
else
    redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1
"""


class PolledRedisBackend(RedisBackend):
    """Celery's Redis result backend, with fewer round trips per task.

    - No pub/sub subscription per sent task: the stock backend subscribes the
      sending process to every task's result channel so that
      ``AsyncResult.get()`` can block on it; ours polls
      (``CeleryBackend.get_result``), and the subscription per enqueue cost more
      than the enqueue itself. ``AsyncResult.get()`` still works: it subscribes
      when it is called.
    - A worker stores a result in one round trip: the stock backend reads the
      stored result first (not to overwrite a SUCCESS), then writes and
      publishes in a second. One Lua script does all three, atomically, for the
      JSON serializer (the script reads JSON); other serializers take Celery's
      own path.
    """

    _store_script: Any = None

    def on_task_call(self, producer: Any, task_id: str) -> None:
        pass

    def _store_result(
        self,
        task_id: str,
        result: Any,
        state: str,
        traceback: str | None = None,
        request: Any = None,
        **kwargs: Any,
    ) -> Any:
        if self.serializer != "json":
            return super()._store_result(task_id, result, state, traceback, request, **kwargs)
        meta = self._get_result_meta(
            result=result, state=state, traceback=traceback, request=request
        )
        meta["task_id"] = bytes_to_str(task_id)
        value = self.encode(meta)
        if len(value) > self._MAX_STR_VALUE_SIZE:
            raise BackendStoreError(
                "value too large for Redis backend", state=state, task_id=task_id
            )
        expires = self.failure_expires if state == states.FAILURE else self.expires
        self.ensure(
            self._store_unless_succeeded,
            (self.get_key_for_task(task_id), value, int(expires or 0)),
        )
        return result

    def _store_unless_succeeded(self, key: bytes, value: str, expires: int) -> None:
        if self._store_script is None:
            self._store_script = self.client.register_script(_STORE_UNLESS_SUCCEEDED)
        self._store_script(keys=[key], args=[value, expires])


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
# variable before its configuration (docs/operations.md lists it; the bench sets it).
app.loader.override_backends = {
    "redis": f"{__name__}:PolledRedisBackend",
    "rediss": f"{__name__}:PolledRedisBackend",
}

RUN_TASK_NAME = "portal.run_django_task"
RUN_ONCE_TASK_NAME = "portal.run_django_task_once"
RUN_TASK_NAMES = frozenset({RUN_TASK_NAME, RUN_ONCE_TASK_NAME})


def _run(
    task: Task, module_path: str, args: list[Any], kwargs: dict[str, Any], backend_alias: str
) -> dict[str, Any]:
    # The one body of both Celery tasks below; they differ only in when they are acked.
    return task_runner.run(
        module_path=module_path,
        args=list(args),
        kwargs=dict(kwargs),
        result_id=task.request.id,
        backend_alias=backend_alias,
    )


# At least once (the default): the message is acknowledged after the task ran, and
# put back when the worker process running it dies (SIGKILL, out of memory), so
# another worker runs it again. The tasks sent this way are idempotent
# (``task_runner.at_most_once`` says why and lists the exceptions).
#
# A database that cannot be reached (PostgreSQL restarting) fails such a task with
# an OperationalError or InterfaceError; being idempotent, it is sent again after
# each of DATABASE_RETRY_DELAYS (about 3.5 minutes in all) before it is reported
# failed. django-q2 needs no such rule: its broker is that database, so a task that
# could not store its result is delivered again after Q2_RETRY.
DATABASE_UNAVAILABLE = frozenset(
    {"django.db.utils.OperationalError", "django.db.utils.InterfaceError"}
)
DATABASE_RETRY_DELAYS = (2, 4, 8, 16, 30, 30, 30, 30, 30, 30)


@app.task(name=RUN_TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True)
def run_django_task(
    self: Task,
    module_path: str,
    args: list[Any],
    kwargs: dict[str, Any],
    backend_alias: str = "default",
) -> dict[str, Any]:
    try:
        return _run(self, module_path, args, kwargs, backend_alias)
    except task_runner.TaskFailed as failed:
        retries = self.request.retries
        if failed.exception_class_path in DATABASE_UNAVAILABLE and retries < len(
            DATABASE_RETRY_DELAYS
        ):
            raise self.retry(countdown=DATABASE_RETRY_DELAYS[retries], exc=failed) from failed
        raise


# At most once: acknowledged before it runs, for the tasks declared with
# ``task_runner.at_most_once`` (a WhatsApp send: a second run could reach the citizen
# twice). A killed worker loses the run; the kind's reaper marks the item lost.
@app.task(name=RUN_ONCE_TASK_NAME, bind=True, acks_late=False)
def run_django_task_once(
    self: Task,
    module_path: str,
    args: list[Any],
    kwargs: dict[str, Any],
    backend_alias: str = "default",
) -> dict[str, Any]:
    return _run(self, module_path, args, kwargs, backend_alias)


def celery_task_name(module_path: str) -> str:
    """The Celery task that runs the Django task at ``module_path``."""
    return RUN_ONCE_TASK_NAME if task_runner.runs_at_most_once(module_path) else RUN_TASK_NAME


def beat_schedule() -> dict[str, dict[str, Any]]:
    """Celery beat entries for every registered periodic task."""
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
            "task": celery_task_name(periodic.task.module_path),
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
