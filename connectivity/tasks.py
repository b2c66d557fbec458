"""Tasks of connectivity: the check runners (declared next to their services) and
the periodic re-check of connected recorders."""

from __future__ import annotations

from django.tasks import task

from connectivity import services
from connectivity.services import purge_expired_snapshots, run_check, run_checks
from portal import periodic

__all__ = ["purge_expired_snapshots", "recheck_connected_recorders", "run_check", "run_checks"]

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
# Snapshots past the retention period their scope (e) states; daily, at night.
periodic.register(
    purge_expired_snapshots,
    schedule=periodic.DailyAt(hour=2, minute=30),
    name="connectivity.purge_expired_snapshots",
)
