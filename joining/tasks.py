"""Tasks of joining: the estate import's preview and write (declared next to their
services in ``joining.estate_import``), the estate's batch of checks, and the import
job as a kind of work in flight for the lost-work reaper (``portal.inflight``)."""

from __future__ import annotations

import datetime as dt

from joining import estate_selectors
from joining.estate_actions import run_estate_checks
from joining.estate_import import (
    import_apply,
    import_jobs_reap,
    import_jobs_sweep,
    import_preview,
)
from portal import inflight

__all__ = ["import_apply", "import_preview", "run_estate_checks"]


def imports_reap(now: dt.datetime) -> inflight.Reaped:
    return inflight.Reaped(lost=import_jobs_reap(now=now))


def imports_sweep(now: dt.datetime) -> int:
    return import_jobs_sweep(now=now)


# A job whose worker died is failed ("Impor terputus; jalankan lagi"), never left in
# progress; its write is one transaction, so nothing is half-written. Not re-queued:
# the person runs it again from its page, and a re-run finds what the first one wrote.
inflight.register(
    inflight.Kind(
        name="joining.import",
        in_flight=estate_selectors.import_jobs_in_flight,
        overdue=estate_selectors.import_jobs_overdue,
        reap=imports_reap,
        sweep=imports_sweep,
        requeue="nothing: the manager runs a lost import again (one transaction, idempotent)",
    )
)
