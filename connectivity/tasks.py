"""Tasks: thin adapters that take ids and call the services."""

from __future__ import annotations

import importlib

from django.conf import settings
from django.tasks import task

from connectivity import services

RECHECK_EVERY_MINUTES = 60


@task()
def run_check(check_id: int) -> None:
    services.check_run(check_id=check_id)


@task()
def run_checks(check_ids: list[int]) -> None:
    services.checks_run_many(
        check_ids=check_ids, concurrency=settings.CONNECTIVITY_RECHECK_CONCURRENCY
    )


@task()
def recheck_connected_recorders() -> int:
    """Periodic: queue checks of connected recorders not checked in
    ``CONNECTIVITY_RECHECK_HOURS``. Running it hourly spreads the daily re-checks
    over the day instead of one burst."""
    return len(services.recheck_schedule())


def _register_periodic() -> bool:
    """Declare the hourly re-check with the project's periodic registry.

    Boundary: ``portal/periodic.py`` comes with the task-engine work; until it is
    merged this does nothing and the task can be run by hand.
    """
    try:
        periodic = importlib.import_module("portal.periodic")
    except ImportError:
        return False
    periodic.register(
        recheck_connected_recorders,
        schedule=periodic.Every(minutes=RECHECK_EVERY_MINUTES),
        name="connectivity.recheck_connected_recorders",
    )
    return True


_register_periodic()
