"""Withdrawing consent: enrolments end, snapshots go, and the chain records it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from consent.models import ConsentEvent, ConsentRecord, RecordKind
from consent.selectors import scopes_in_force
from consent.services.chain import chain_append
from consent.services.signing import camera_label, normalise_ip
from consent.snapshots import snapshots_delete
from owners import selectors as owner_selectors
from owners.models import Camera, EnrolmentState, Owner
from owners.services import enrolment_transition


class WithdrawalRefused(ValidationError):
    """The withdrawal cannot be made as asked; the message says why."""


@transaction.atomic
def consent_withdraw(
    *,
    owner: Owner,
    user: Any,
    cameras: Iterable[Camera] | None = None,
    reason: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
) -> ConsentRecord:
    """Withdraw consent for ``cameras`` (all of the owner's when ``None``), at once.

    Enrolments become withdrawn, snapshots are deleted, the withdrawal joins
    the chain and an event is left for notifications.
    """
    if not owner_selectors.owner_is_administered_by(owner=owner, user=user):
        raise WithdrawalRefused(
            _("Hanya pengelola akun pemilik yang boleh menarik persetujuan."), code="not_admin"
        )
    qs = Camera.objects.filter(recorder__site__owner=owner).select_related("recorder__site")
    if cameras is not None:
        ids = {c.pk for c in cameras}
        qs = qs.filter(pk__in=ids)
        if qs.count() != len(ids):
            raise WithdrawalRefused(_("Ada kamera yang bukan milik Anda."), code="foreign_camera")
    targets = list(qs)
    in_force = scopes_in_force(cameras=targets)
    targets = [
        c
        for c in targets
        if in_force.get(c.pk) or c.enrolments.exclude(state=EnrolmentState.WITHDRAWN).exists()
    ]
    if not targets:
        raise WithdrawalRefused(
            _("Tidak ada persetujuan aktif untuk kamera yang dipilih."), code="nothing_to_withdraw"
        )
    for camera in targets:
        for enrolment in camera.enrolments.exclude(state=EnrolmentState.WITHDRAWN):
            enrolment_transition(
                enrolment=enrolment,
                to_state=EnrolmentState.WITHDRAWN,
                actor=user,
                reason=_("Pemilik menarik persetujuan."),
            )
        snapshots_delete(camera=camera)
    actor_name = getattr(user, "get_full_name", lambda: str(user))()
    record = chain_append(
        fields={
            "kind": RecordKind.WITHDRAWAL,
            "owner": owner,
            "owner_ref": owner.pk,
            "owner_name": owner.name,
            "actor": user,
            "actor_ref": user.pk,
            "signer_name": actor_name[:150],
            "reason": (reason or "").strip(),
            "ip_address": normalise_ip(ip_address),
            "user_agent": (user_agent or "")[:400],
        },
        cameras=[
            {
                "camera": c,
                "camera_ref": c.pk,
                "camera_label": camera_label(c)[:200],
                "scopes": "",
                "withdrawn_scopes": in_force.get(c.pk, ""),
            }
            for c in targets
        ],
    )
    ConsentEvent.objects.create(
        kind=ConsentEvent.Kind.WITHDRAWN,
        owner=owner,
        record=record,
        data={"cameras": [c.pk for c in targets], "receipt_id": str(record.receipt_id)},
    )
    return record
