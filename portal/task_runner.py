"""What both engines run in their worker processes, and how results read back.

An engine never calls an app's function directly: it calls :func:`run` with the
task's module path, its JSON arguments and the result id. ``run`` imports the
``django.tasks.Task``, calls it, sends Django's ``task_started`` and
``task_finished`` signals, and returns a small JSON envelope (return value,
start time, worker id). When the task raises, ``run`` raises :class:`TaskFailed`
whose message is the original exception's class path, chained to it, so that
each engine stores a traceback and the class can be read back as a ``TaskError``.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime
from traceback import format_exception
from typing import Any

from django.tasks import Task, TaskContext, TaskResult, TaskResultStatus
from django.tasks.base import TaskError
from django.tasks.signals import task_finished, task_started
from django.utils import timezone
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

# Module paths of the tasks that must never run twice (``at_most_once``).
_at_most_once: set[str] = set()


def at_most_once(task: Task) -> Task:
    """Declare that ``task`` must not run twice, even when its worker dies mid-run.

    By default a task is delivered *at least once*: when its worker is killed
    (SIGKILL, out of memory, a machine restart), Celery puts the message back
    (``acks_late`` with ``reject_on_worker_lost``) and django-q2 delivers it again
    after ``Q2_RETRY`` seconds. Such tasks must be idempotent: a second run finds
    the first one's result (a check that finished returns at once).

    A task whose effect cannot be undone or detected afterwards (a WhatsApp send
    that may have reached the citizen) is declared here instead: Celery
    acknowledges it before it runs, so a killed worker loses that run; the
    reaper of its kind (``portal.inflight``) then marks its item lost and never
    re-queues it. django-q2 cannot acknowledge early: its first delivery claims
    the result row, and a second delivery fails with ``WorkerLost``::

        @task
        def send_message(message_id: int) -> None: ...

        task_runner.at_most_once(send_message)
    """
    if not isinstance(task, Task):
        raise TypeError("at_most_once() takes a django.tasks.Task (declare it with @task)")
    _at_most_once.add(task.module_path)
    return task


def runs_at_most_once(module_path: str) -> bool:
    return module_path in _at_most_once


class WorkerLost(Exception):
    """An at-most-once task whose earlier delivery was cut off: it is not run again."""


class TaskFailed(Exception):
    """A django task raised; ``args[0]`` is the original exception's class path."""

    @property
    def exception_class_path(self) -> str:
        return str(self.args[0]) if self.args else f"{__name__}.TaskFailed"


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def load_task(module_path: str) -> Task:
    task = import_string(module_path)
    if not isinstance(task, Task):
        raise TypeError(f"{module_path!r} is not a django.tasks.Task")
    return task


def class_path(exc_type: type[BaseException]) -> str:
    return f"{exc_type.__module__}.{exc_type.__qualname__}"


def run(
    *,
    module_path: str,
    args: list[Any],
    kwargs: dict[str, Any],
    result_id: str,
    backend_alias: str,
    enqueued_at: datetime | None = None,
) -> dict[str, Any]:
    """Run one task; return the envelope ``{"return_value", "started_at", "worker_id"}``."""
    task = load_task(module_path)
    started_at = timezone.now()
    this_worker = worker_id()
    task_result: TaskResult = TaskResult(
        task=task,
        id=result_id,
        status=TaskResultStatus.RUNNING,
        enqueued_at=enqueued_at,
        started_at=started_at,
        finished_at=None,
        last_attempted_at=started_at,
        args=args,
        kwargs=kwargs,
        backend=backend_alias,
        errors=[],
        worker_ids=[this_worker],
    )
    sender = type(task.get_backend())
    task_started.send(sender=sender, task_result=task_result)
    try:
        if task.takes_context:
            value = task.call(TaskContext(task_result=task_result), *args, **kwargs)
        else:
            value = task.call(*args, **kwargs)
        value = normalize_json(value)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        object.__setattr__(task_result, "finished_at", timezone.now())
        object.__setattr__(task_result, "status", TaskResultStatus.FAILED)
        task_result.errors.append(
            TaskError(
                exception_class_path=class_path(type(exc)),
                traceback="".join(format_exception(exc)),
            )
        )
        task_finished.send(sender=sender, task_result=task_result)
        raise TaskFailed(class_path(type(exc))) from exc
    object.__setattr__(task_result, "finished_at", timezone.now())
    object.__setattr__(task_result, "status", TaskResultStatus.SUCCESSFUL)
    object.__setattr__(task_result, "_return_value", value)
    task_finished.send(sender=sender, task_result=task_result)
    return {"return_value": value, "started_at": started_at.isoformat(), "worker_id": this_worker}


def build_result(
    *,
    module_path: str,
    result_id: str,
    status: TaskResultStatus,
    args: list[Any],
    kwargs: dict[str, Any],
    backend_alias: str,
    enqueued_at: datetime | None = None,
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
    errors: list[TaskError] | None = None,
    worker_ids: list[str] | None = None,
    return_value: Any = None,
) -> TaskResult:
    """A ``TaskResult`` as read back from an engine's store."""
    result: TaskResult = TaskResult(
        task=load_task(module_path),
        id=result_id,
        status=status,
        enqueued_at=enqueued_at,
        started_at=started_at,
        finished_at=finished_at,
        last_attempted_at=started_at or finished_at,
        args=list(args),
        kwargs=dict(kwargs),
        backend=backend_alias,
        errors=errors or [],
        worker_ids=worker_ids or [],
    )
    if status == TaskResultStatus.SUCCESSFUL:
        object.__setattr__(result, "_return_value", return_value)
    return result


def parse_time(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
