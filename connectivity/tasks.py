"""Tasks of connectivity: the check runners (declared next to their services) and
the periodic re-check of connected recorders."""

from __future__ import annotations

from django.tasks import task

from connectivity import selectors, services
from connectivity.services import purge_expired_snapshots, run_check, run_checks
from portal import inflight, periodic

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

# Checks in flight: queued within CONNECTIVITY_QUEUE_MINUTES, running within their probe
# budget's deadline (connectivity.selectors); the reaper marks the rest lost.
inflight.register(
    inflight.Kind(
        name="connectivity.check",
        in_flight=selectors.checks_in_flight,
        overdue=selectors.checks_overdue,
        reap=services.checks_reap,
        sweep=services.checks_sweep,
        requeue="scheduled re-checks, at most twice a day per recorder (a probe only reads)",
    )
)
