"""Tasks of connectivity: the check runners (declared next to their services) and
the periodic re-check of connected recorders."""

from __future__ import annotations

from django.tasks import task

from connectivity import services
from connectivity.services import run_check, run_checks
from portal import periodic

__all__ = ["recheck_connected_recorders", "run_check", "run_checks"]

RECHECK_EVERY_MINUTES = 60


@task()
def recheck_connected_recorders() -> int:
    """Periodic: queue checks of connected recorders not checked in
    ``CONNECTIVITY_RECHECK_HOURS``. Running it hourly spreads the daily re-checks
    over the day instead of one burst."""
    return len(services.recheck_schedule())


periodic.register(
    recheck_connected_recorders,
    schedule=periodic.Every(minutes=RECHECK_EVERY_MINUTES),
    name="connectivity.recheck_connected_recorders",
)
