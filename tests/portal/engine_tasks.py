"""Tasks the engine tests send to real workers (importable by those workers)."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from django.contrib.auth.models import Group
from django.tasks import TaskContext, task

from portal.task_runner import at_most_once

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


def _note_pid_and_wait(log: str, release: str) -> int:
    """Append this worker's pid to ``log``, then wait for ``release`` (at most 60 s)."""
    with Path(log).open("a") as lines:
        lines.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + 60
    while not Path(release).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(release)
        time.sleep(0.02)
    return len(Path(log).read_text().split())


@task
def note_pid_and_wait(log: str, release: str) -> int:
    """Idempotent (at least once): a re-delivered run just waits again."""
    return _note_pid_and_wait(log, release)


@task
def note_pid_and_wait_once(log: str, release: str) -> int:
    """Declared at most once: never run again after its worker died."""
    return _note_pid_and_wait(log, release)


at_most_once(note_pid_and_wait_once)
