"""Task engines behind Django's Tasks framework.

``TASK_ENGINE`` picks one: ``q2`` (django-q2 with its ORM broker, the embedded
default), ``celery`` (Celery with Redis or RabbitMQ) or ``immediate`` (tests).
Apps declare tasks with ``django.tasks.task`` and never import an engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class EngineStatus:
    engine: str
    reachable: bool
    pending: int | None
    detail: str = ""


def engine_status() -> EngineStatus:
    """Whether the configured engine's broker answers, and how many tasks wait."""
    engine = settings.TASK_ENGINE
    # Only the configured engine is imported: each one imports its library
    # (django-q2's models, Celery) at import time.
    if engine == "q2":
        from portal.task_engines.q2 import status
    elif engine == "celery":
        from portal.task_engines.celery import status
    else:
        return EngineStatus(engine=engine, reachable=True, pending=0, detail="in-process")
    return status()
