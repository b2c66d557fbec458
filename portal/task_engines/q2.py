"""django-q2 behind Django's Tasks framework (the embedded default).

``Q2Backend.enqueue`` writes one row in django-q2's ORM broker table (``OrmQ``)
once the surrounding transaction commits; ``manage.py qcluster`` picks it up and
runs :func:`run_django_task`, which runs the Django task. The ``TaskResult`` id
is the django-q2 task id, so ``get_result`` reads django-q2's own tables:

* a ``django_q.Task`` row (written when the task finished) -> SUCCESSFUL/FAILED;
* else the broker row -> READY (waiting, or deferred with ``run_after``) or
  RUNNING (claimed by a cluster: its lock lies in the future);
* else it does not exist (never enqueued, rolled back, or pruned).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import DatabaseError, transaction
from django.tasks import TaskResult, TaskResultStatus
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import DEFAULT_TASK_QUEUE_NAME, Task, TaskError
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_enqueued
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.models import Task as QTask
from django_q.signals import pre_enqueue, pre_execute
from django_q.signing import SignedPackage

from portal import task_runner as runner
from portal.task_engines import EngineStatus

#: the function django-q2 calls; a Schedule row names it too.
RUN_FUNC = "portal.task_engines.q2.run_django_task"

# The django-q2 task the current worker process is running: a worker runs one task
# at a time, and a task created by the scheduler only learns its id from
# django-q2's ``pre_execute`` signal.
_current_task: dict[str, Any] = {}

#: the key of the result django-q2 holds for an at-most-once task while it runs
CLAIMED = "portal_claimed_by"


def _remember_task_id(sender: Any, func: Any, task: dict[str, Any], **kwargs: Any) -> None:
    global _current_task
    _current_task = task


pre_execute.connect(_remember_task_id, dispatch_uid="portal.task_engines.q2")


def run_django_task(
    module_path: str,
    args: list[Any],
    kwargs: dict[str, Any],
    backend_alias: str = "default",
) -> dict[str, Any]:
    """Called by a django-q2 worker: run the Django task at ``module_path``."""
    # importing the task's module first registers it if it is at most once
    runner.load_task(module_path)
    if runner.runs_at_most_once(module_path) and not _claim_first_delivery():
        raise runner.TaskFailed(runner.class_path(runner.WorkerLost))
    return runner.run(
        module_path=module_path,
        args=list(args),
        kwargs=dict(kwargs),
        result_id=_current_task.get("id") or "",
        backend_alias=backend_alias,
    )


def _claim_first_delivery() -> bool:
    """Whether this is the first delivery of the current task (then it is claimed).

    django-q2's ORM broker acknowledges a task only after its result is saved, so a
    task whose worker died is delivered again after ``Q2_RETRY``. For an
    at-most-once task (``task_runner.at_most_once``) the first delivery writes its
    result row before running, marked as claimed; a later delivery finds the row
    and fails with ``WorkerLost`` instead of running twice. django-q2 overwrites the
    row with the real result when the task ends.
    """
    task = _current_task
    if not task.get("id"):
        return True
    _, created = QTask.objects.get_or_create(
        id=task["id"],
        defaults={
            "name": task.get("name", "")[:100],
            "func": RUN_FUNC,
            "args": task.get("args", ()),
            "kwargs": task.get("kwargs", {}),
            "started": task.get("started") or timezone.now(),
            "stopped": timezone.now(),
            "success": False,
            "result": {CLAIMED: runner.worker_id()},
            "cluster": task.get("cluster"),
            "attempt_count": 0,
        },
    )
    return created


def list_key(queue_name: str) -> str:
    """The django-q2 cluster that serves a Django queue name."""
    return Conf.CLUSTER_NAME if queue_name == DEFAULT_TASK_QUEUE_NAME else queue_name


class Q2Backend(BaseTaskBackend):
    supports_defer = True
    supports_async_task = True
    supports_get_result = True
    supports_priority = False

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        now = timezone.now()
        task_result: TaskResult = TaskResult(
            task=task,
            id=uuid.uuid4().hex,  # django-q2 task ids are 32 characters
            status=TaskResultStatus.READY,
            enqueued_at=now,
            started_at=None,
            finished_at=None,
            last_attempted_at=None,
            args=args,  # normalised to JSON here: a model instance fails loudly
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        transaction.on_commit(partial(self._push, task_result, now))
        return task_result

    def _push(self, task_result: TaskResult, enqueued_at: datetime) -> None:
        task = task_result.task
        package: dict[str, Any] = {
            "id": task_result.id,
            "name": task.module_path[-100:],
            "func": RUN_FUNC,
            "args": (task.module_path, task_result.args, task_result.kwargs, self.alias),
            "kwargs": {},
            "started": enqueued_at,
            "run_after": task.run_after,  # django-q2 ignores it; get_result reads it
        }
        if Conf.ACK_FAILURES:
            package["ack_failure"] = True
        if Conf.CACHED:
            package["cached"] = Conf.CACHED
        pre_enqueue.send(sender="django_q", task=package)
        OrmQ.objects.using(Conf.ORM).create(
            key=list_key(task.queue_name),
            payload=SignedPackage.dumps(package),
            lock=task.run_after or timezone.now(),
        )
        task_enqueued.send(type(self), task_result=task_result)

    def get_result(self, result_id: str) -> TaskResult:
        finished = self._finished(result_id)
        if finished is not None:
            return finished
        waiting = self._waiting(result_id)
        if waiting is not None:
            return waiting
        # the cluster may have saved the result between the two reads
        finished = self._finished(result_id)
        if finished is not None:
            return finished
        raise TaskResultDoesNotExist(result_id)

    def _finished(self, result_id: str) -> TaskResult | None:
        row = QTask.objects.filter(id=result_id).first()
        if row is None or (
            not row.success and isinstance(row.result, dict) and CLAIMED in row.result
        ):
            return None  # not saved yet (an at-most-once task's claim is no result)
        if row.func != RUN_FUNC:
            raise TaskResultDoesNotExist(f"{result_id} is not a Django task")
        module_path, args, kwargs, *rest = row.args
        common = {
            "module_path": module_path,
            "result_id": result_id,
            "args": args,
            "kwargs": kwargs,
            "backend_alias": rest[0] if rest else self.alias,
            "enqueued_at": row.started,  # django-q2 stamps "started" at enqueue time
            "finished_at": row.stopped,
        }
        if row.success:
            envelope = row.result or {}
            return runner.build_result(
                status=TaskResultStatus.SUCCESSFUL,
                started_at=runner.parse_time(envelope.get("started_at")),
                worker_ids=[envelope.get("worker_id") or row.cluster or ""],
                return_value=envelope.get("return_value"),
                **common,
            )
        return runner.build_result(
            status=TaskResultStatus.FAILED,
            errors=[_error_from(row.result)],
            worker_ids=[row.cluster or ""] * max(row.attempt_count, 1),
            **common,
        )

    def _waiting(self, result_id: str) -> TaskResult | None:
        now = timezone.now()
        for row in OrmQ.objects.using(Conf.ORM).only("payload", "lock").iterator():
            package = row.task
            if package.get("id") != result_id:
                continue
            if package.get("func") != RUN_FUNC:
                raise TaskResultDoesNotExist(f"{result_id} is not a Django task")
            module_path, args, kwargs, *rest = package["args"]
            # a cluster claims a row by pushing its lock past "now"; a deferred
            # row's lock is its run_after until then.
            run_after = package.get("run_after")
            deferred = run_after is not None and run_after > now
            claimed = not deferred and row.lock is not None and row.lock > now
            return runner.build_result(
                module_path=module_path,
                result_id=result_id,
                status=TaskResultStatus.RUNNING if claimed else TaskResultStatus.READY,
                args=args,
                kwargs=kwargs,
                backend_alias=rest[0] if rest else self.alias,
                enqueued_at=package.get("started"),
            )
        return None


def _error_from(result: Any) -> TaskError:
    """django-q2 stores a failure as ``"<message> : <traceback>"``."""
    text = str(result or "")
    message, _, traceback = text.partition(" : ")
    if "." in message and " " not in message:  # our runner's TaskFailed(class path)
        return TaskError(exception_class_path=message, traceback=traceback)
    return TaskError(exception_class_path="builtins.Exception", traceback=text)


def status() -> EngineStatus:
    """The broker answers when its table does; pending = tasks ready to run."""
    try:
        pending = (
            OrmQ.objects.using(Conf.ORM)
            .filter(key=Conf.CLUSTER_NAME, lock__lte=timezone.now())
            .count()
        )
    except DatabaseError as exc:
        return EngineStatus(engine="q2", reachable=False, pending=None, detail=str(exc))
    return EngineStatus(engine="q2", reachable=True, pending=pending, detail=f"ORM {Conf.ORM}")


def prune_results(*, older_than: timedelta) -> int:
    """Delete django-q2 task results that finished before ``now - older_than``."""
    deleted, _ = QTask.objects.filter(stopped__lt=timezone.now() - older_than).delete()
    return deleted
