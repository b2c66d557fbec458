"""Tasks of the police workspace: field-visit photo retention, the nightly rollup rebuild."""

from __future__ import annotations

from django.tasks import task

from consent.services import retention_purge_record
from portal import periodic
from workspace import rollups, services


@task()
def purge_field_visit_photos() -> int:
    """Daily: delete field-visit photos past ``FIELD_VISIT_PHOTO_RETENTION_DAYS``."""
    purged = services.field_visit_photos_purge()
    retention_purge_record(kind="field_visit_photo", purged=purged)
    return purged


periodic.register(
    purge_field_visit_photos,
    schedule=periodic.DailyAt(hour=2, minute=45),
    name="workspace.purge_field_visit_photos",
)


@task()
def rebuild_rollups() -> int:
    """Nightly: recount the dashboard rollups (repairs writes that bypassed the receivers)."""
    return rollups.rollups_rebuild()


periodic.register(
    rebuild_rollups,
    schedule=periodic.DailyAt(hour=3, minute=15),
    name="workspace.rebuild_rollups",
)
