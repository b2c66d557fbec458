"""The police access log: who in the police looked at or exported which owner data."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import batched
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.models import AccessLogEntry
from owners.models import Camera, Owner


def access_log_record(
    *,
    officer: Any,
    action: str,
    purpose: str,
    cameras: Iterable[Camera] = (),
    owners: Iterable[Owner] = (),
) -> AccessLogEntry:
    """Write who in the police looked at or exported which owner data, and why.

    Every police view or export of owner data calls this. ``purpose`` is the
    reason or case reference the officer gave; it may not be empty.
    """
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError(_("Tuliskan tujuan atau nomor perkara."), code="purpose_required")
    camera_list = list(cameras)
    owner_ids = {o.pk for o in owners} | set(
        Camera.objects.filter(pk__in=[c.pk for c in camera_list]).values_list(
            "recorder__site__owner_id", flat=True
        )
    )
    entry = AccessLogEntry.objects.create(
        officer=officer,
        officer_name=str(officer.user)[:150],
        unit=officer.unit,
        unit_name=officer.unit.name[:150],
        action=action[:20],
        purpose=purpose[:300],
    )
    entry.cameras.set(camera_list)
    entry.owners.set(owner_ids)
    return entry


def access_log_record_each_owner(
    *,
    officer: Any,
    action: str,
    purposes: Iterable[tuple[int, str]],
    batch_size: int = 5000,
) -> int:
    """Write one access-log entry per owner, each naming only that owner; returns the count.

    ``purposes`` yields ``(owner_id, purpose)`` pairs, one per owner (an export
    lists many owners, and each owner's log says what the export held of theirs).
    They are read and written ``batch_size`` at a time, so memory stays flat
    however many owners there are; on PostgreSQL each batch is three statements
    (ids from the sequence, then the entries and their owners from arrays), elsewhere
    ``bulk_create``. Call it inside a transaction to write all or none.
    """
    common = {
        "officer_id": officer.pk,
        "officer_name": str(officer.user)[:150],
        "unit_id": officer.unit_id,
        "unit_name": officer.unit.name[:150],
        "action": action[:20],
    }
    written = 0
    for batch in batched(purposes, batch_size):
        owner_ids = [owner_id for owner_id, _purpose in batch]
        texts = [(purpose or "").strip()[:300] for _owner_id, purpose in batch]
        if not all(texts):
            raise ValidationError(_("Tuliskan tujuan atau nomor perkara."), code="purpose_required")
        if connection.vendor == "postgresql":
            _insert_postgresql(common, owner_ids, texts)
        else:
            _insert_portable(common, owner_ids, texts)
        written += len(batch)
    return written


def _insert_portable(common: dict[str, Any], owner_ids: list[int], texts: list[str]) -> None:
    through = AccessLogEntry.owners.through
    entries = AccessLogEntry.objects.bulk_create(
        [AccessLogEntry(**common, purpose=text) for text in texts]
    )
    through.objects.bulk_create(
        [
            through(accesslogentry_id=entry.pk, owner_id=owner_id)
            for entry, owner_id in zip(entries, owner_ids, strict=True)
        ]
    )


def _insert_postgresql(common: dict[str, Any], owner_ids: list[int], texts: list[str]) -> None:
    qn = connection.ops.quote_name
    table = AccessLogEntry._meta.db_table
    through = AccessLogEntry.owners.through._meta.db_table
    columns = ["officer_id", "officer_name", "unit_id", "unit_name", "action"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(texts)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"INSERT INTO {qn(table)} (id, {', '.join(qn(c) for c in columns)}, at, purpose) "  # noqa: S608 (names only)
            f"SELECT e.id, {', '.join(['%s'] * len(columns))}, %s, e.purpose "
            "FROM unnest(%s::bigint[], %s::text[]) AS e(id, purpose)",
            [*(common[c] for c in columns), timezone.now(), ids, texts],
        )
        cursor.execute(
            f"INSERT INTO {qn(through)} (accesslogentry_id, owner_id) "  # noqa: S608 (names only)
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[])",
            [ids, owner_ids],
        )
