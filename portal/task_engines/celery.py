"""Celery (Redis or RabbitMQ broker, Redis result backend) behind Django's Tasks framework.

``CeleryBackend.enqueue`` returns a ``TaskResult`` at once; once the surrounding
transaction commits it writes a small "enqueued" record in the result backend
and sends ``portal.run_django_task`` with the same id. ``get_result`` reads
Celery's result (``result_extended`` carries the task's path and arguments):
PENDING with the enqueued record -> READY, STARTED -> RUNNING (with
``CELERY_TASK_TRACK_STARTED``), SUCCESS -> SUCCESSFUL, FAILURE -> FAILED.
"""

from __future__ import annotations

import json
import uuid
from contextlib import AbstractContextManager, nullcontext
from functools import partial
from typing import Any

from celery import states
from django.db import transaction
from django.tasks import TaskResult, TaskResultStatus
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import DEFAULT_TASK_QUEUE_NAME, Task, TaskError
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_enqueued
from django.utils import timezone

from portal import task_runner as runner
from portal.celery import RUN_TASK_NAMES, app, celery_task_name
from portal.task_engines import EngineStatus, redis_transport

ENQUEUED_PREFIX = "portal-task-enqueued-"

_STATUS = {
    states.PENDING: TaskResultStatus.READY,
    states.RECEIVED: TaskResultStatus.READY,
    states.RETRY: TaskResultStatus.READY,
    states.STARTED: TaskResultStatus.RUNNING,
    states.SUCCESS: TaskResultStatus.SUCCESSFUL,
    states.FAILURE: TaskResultStatus.FAILED,
    states.REVOKED: TaskResultStatus.FAILED,
}


def celery_queue(queue_name: str) -> str:
    """The Celery queue that serves a Django queue name."""
    if queue_name == DEFAULT_TASK_QUEUE_NAME:
        return str(app.conf.task_default_queue)
    return queue_name


class CeleryBackend(BaseTaskBackend):
    supports_defer = True
    supports_async_task = True
    supports_get_result = True
    supports_priority = False

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        task_result: TaskResult = TaskResult(
            task=task,
            id=str(uuid.uuid4()),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            finished_at=None,
            last_attempted_at=None,
            args=args,  # normalised to JSON here: a model instance fails loudly
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        transaction.on_commit(partial(self._send, task_result))
        return task_result

    def _send(self, task_result: TaskResult) -> None:
        task = task_result.task
        arguments = [task.module_path, task_result.args, task_result.kwargs, self.alias]
        enqueued_at = task_result.enqueued_at or timezone.now()
        key = ENQUEUED_PREFIX + task_result.id
        record = json.dumps({"args": arguments, "enqueued_at": enqueued_at.isoformat()})
        ttl = int(app.backend.expires or 86400)  # the record lives as long as the result
        along: AbstractContextManager[None] = nullcontext()
        with app.producer_or_acquire() as producer:
            channel = producer.channel
            on_redis = isinstance(channel, redis_transport.Channel)
            if on_redis and redis_transport.same_database(channel, app.backend.client):
                # in one MULTI/EXEC with the message
                along = channel.along_with_next_message(("set", (key, record), {"ex": ttl}))
            else:
                # the result backend's client: Celery's own set() calls the
                # deprecated SETEX
                app.backend.client.set(key, record, ex=ttl)
            with along:
                app.send_task(
                    celery_task_name(task.module_path),
                    args=arguments,
                    task_id=task_result.id,
                    queue=celery_queue(task.queue_name),
                    eta=task.run_after,
                    producer=producer,
                    # a Redis queue is a list that messages reach by name: no
                    # declaration per publish (workers declare their queues)
                    declare=[] if on_redis else None,
                    # shown by worker logs and monitors; Celery's saferepr of
                    # the same list costs more than the rest of the message
                    argsrepr=repr(arguments)[:1024],
                    kwargsrepr="{}",
                )
        task_enqueued.send(type(self), task_result=task_result)

    def get_result(self, result_id: str) -> TaskResult:
        meta = app.backend.get_task_meta(result_id)
        raw = app.backend.get(ENQUEUED_PREFIX + result_id)
        enqueued = json.loads(raw) if raw else None
        arguments = meta.get("args") if meta.get("name") in RUN_TASK_NAMES else None
        if arguments is None and enqueued is not None:
            arguments = enqueued["args"]
        if arguments is None:  # Celery says PENDING for ids it never saw
            raise TaskResultDoesNotExist(result_id)
        module_path, args, kwargs, *rest = arguments
        status = _STATUS.get(meta["status"], TaskResultStatus.READY)
        envelope = meta.get("result") if status == TaskResultStatus.SUCCESSFUL else None
        envelope = envelope if isinstance(envelope, dict) else {}
        errors = []
        if status == TaskResultStatus.FAILED:
            errors.append(_error_from(meta.get("result"), meta.get("traceback")))
        return runner.build_result(
            module_path=module_path,
            result_id=result_id,
            status=status,
            args=args,
            kwargs=kwargs,
            backend_alias=rest[0] if rest else self.alias,
            enqueued_at=runner.parse_time(enqueued["enqueued_at"]) if enqueued else None,
            started_at=runner.parse_time(envelope.get("started_at")),
            finished_at=(
                runner.parse_time(meta.get("date_done"))
                if status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)
                else None
            ),
            errors=errors,
            worker_ids=[meta["worker"]] if meta.get("worker") else [],
            return_value=envelope.get("return_value"),
        )


def _error_from(exc: Any, traceback: str | None) -> TaskError:
    if isinstance(exc, runner.TaskFailed):
        path = exc.exception_class_path
    elif isinstance(exc, BaseException):
        path = runner.class_path(type(exc))
    else:
        path = "builtins.Exception"
    return TaskError(exception_class_path=path, traceback=traceback or "")


def status() -> EngineStatus:
    """The broker answers a connection, and how many messages wait in the default queue."""
    queue = app.amqp.queues[app.conf.task_default_queue]
    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=2)
            with connection.channel() as channel:
                _, pending, _ = queue.bind(channel).queue_declare()
    except Exception as exc:  # kombu raises per-transport errors
        return EngineStatus(engine="celery", reachable=False, pending=None, detail=str(exc))
    return EngineStatus(engine="celery", reachable=True, pending=pending, detail=str(queue.name))
