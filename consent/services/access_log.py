"""The police access log: who in the police looked at or exported which owner data."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import batched
from typing import Any

from django.core.exceptions import ValidationError
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
    batch_size: int = 1000,
) -> int:
    """Write one access-log entry per owner, each naming only that owner; returns the count.

    ``purposes`` yields ``(owner_id, purpose)`` pairs, one per owner (an export
    lists many owners, and each owner's log says what the export held of theirs).
    They are read and written ``batch_size`` at a time, so memory stays flat
    however many owners there are. Call it inside a transaction to write all or none.
    """
    through = AccessLogEntry.owners.through
    common = {
        "officer": officer,
        "officer_name": str(officer.user)[:150],
        "unit": officer.unit,
        "unit_name": officer.unit.name[:150],
        "action": action[:20],
    }
    written = 0
    for batch in batched(purposes, batch_size):
        entries = []
        for _owner_id, purpose in batch:
            purpose = (purpose or "").strip()
            if not purpose:
                raise ValidationError(
                    _("Tuliskan tujuan atau nomor perkara."), code="purpose_required"
                )
            entries.append(AccessLogEntry(**common, purpose=purpose[:300]))
        AccessLogEntry.objects.bulk_create(entries)
        through.objects.bulk_create(
            [
                through(accesslogentry_id=entry.pk, owner_id=owner_id)
                for entry, (owner_id, _purpose) in zip(entries, batch, strict=True)
            ]
        )
        written += len(entries)
    return written
