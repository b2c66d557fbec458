"""Tasks the engine tests send to real workers (importable by those workers)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.contrib.auth.models import Group
from django.tasks import TaskContext, task

logger = logging.getLogger(__name__)


@task
def log_stream_url(url: str) -> None:
    """Log a stream URL with its credentials, as a careless probe might."""
    logger.warning("opening stream %s", url)


@task
def record_visit(name: str) -> str:
    """Leave a row the test can see: the worker reached the test database."""
    Group.objects.create(name=name)
    return name


@task
def wait_for_file(path: str) -> str:
    """Stay RUNNING until the test creates ``path`` (at most 60 s)."""
    deadline = time.monotonic() + 60
    while not Path(path).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.02)
    return "released"


@task
def fail_loudly(message: str) -> None:
    raise ValueError(message)


@task(takes_context=True)
def my_result_id(context: TaskContext) -> str:
    return context.task_result.id
