"""The police access log: who in the police looked at or exported which owner data."""

from __future__ import annotations

from collections.abc import Iterable
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
