"""Tasks of joining: the estate import's preview and write (declared next to their
services in ``joining.estate_import``) and the periodic reaper of lost import jobs."""

from __future__ import annotations

from joining.estate_import import import_apply, import_preview, reap_import_jobs
from portal import periodic

__all__ = ["import_apply", "import_preview", "reap_import_jobs"]

REAP_EVERY_MINUTES = 5

# An import job whose worker died is failed, never left "in progress".
periodic.register(
    reap_import_jobs,
    schedule=periodic.Every(minutes=REAP_EVERY_MINUTES),
    name="joining.reap_import_jobs",
)
