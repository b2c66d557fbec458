"""Tasks the fault bench sends: each run leaves a line, so runs can be counted."""

from __future__ import annotations

import os
from pathlib import Path

from django.tasks import task

from portal.task_runner import at_most_once


def _run(token: str) -> str:
    log = Path(os.environ["FAULT_BENCH_RUNS"])
    with log.open("a") as runs:  # one short O_APPEND write per run: lines never mix
        runs.write(f"{token}\n")
    return token


@task
def mark(token: str) -> str:
    """Idempotent: a second run only writes a second line (counted as a retry)."""
    return _run(token)


@task
def mark_once(token: str) -> str:
    """Declared at most once: a second run would be a duplicate."""
    return _run(token)


at_most_once(mark_once)
