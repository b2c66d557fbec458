"""manage.py task_ping --wait N: send a ping through the configured engine and wait for it."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.tasks import TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist

from portal.tasks import ping


class Command(BaseCommand):
    help = "Enqueue a ping task through TASK_ENGINE and wait until a worker has run it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--wait", type=float, default=30.0, help="seconds to wait for the result (30)"
        )

    def handle(self, *args: Any, wait: float, **options: Any) -> None:
        engine = settings.TASK_ENGINE
        started = time.monotonic()
        result = ping.enqueue()
        deadline = started + wait
        while not result.is_finished:
            if time.monotonic() >= deadline:
                raise CommandError(
                    f"ping {result.id} did not complete within {wait:g} s on engine "
                    f"{engine!r} (status {result.status}); is a worker running "
                    "(manage.py qcluster / celery -A portal worker)?",
                    returncode=1,
                )
            time.sleep(0.1)
            try:
                result.refresh()
            except TaskResultDoesNotExist:
                pass  # not written yet by the engine
        if result.status != TaskResultStatus.SUCCESSFUL:
            error = result.errors[-1].exception_class_path if result.errors else "unknown"
            raise CommandError(f"ping {result.id} failed on {engine!r}: {error}", returncode=1)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"pong from {engine} in {elapsed:.2f} s (task {result.id}, "
            f"worker {', '.join(result.worker_ids) or '-'})"
        )
