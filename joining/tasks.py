"""Tasks of joining: the estate import's preview and write (declared next to their
services in ``joining.estate_import``) and the periodic reaper of lost import jobs."""

from __future__ import annotations

import datetime as dt

from joining import estate_selectors
from joining.estate_import import import_apply, import_jobs_reap, import_preview, reap_import_jobs
from portal import inflight, periodic

__all__ = ["import_apply", "import_preview", "reap_import_jobs"]

REAP_EVERY_MINUTES = 5

# An import job whose worker died is failed, never left "in progress".
periodic.register(
    reap_import_jobs,
    schedule=periodic.Every(minutes=REAP_EVERY_MINUTES),
    name="joining.reap_import_jobs",
)


def _reap_import_jobs(now: dt.datetime) -> inflight.Reaped:
    return inflight.Reaped(lost=import_jobs_reap(now=now))


# The same reaper, also run by portal.tasks.reap_lost_work (every minute) with the
# other kinds of work in flight; running it twice is harmless.
inflight.register(
    inflight.Kind(
        name="joining.import_job",
        in_flight=estate_selectors.import_jobs_in_flight,
        overdue=estate_selectors.import_jobs_overdue,
        reap=_reap_import_jobs,
        requeue="nothing: a write is one transaction, the person runs the file again",
    )
)
