"""Data-subject requests under UU PDP, and deleting an account."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts import services as account_services
from consent.models import RESPONSE_DEADLINE, DataSubjectRequest, RequestKind, RequestStatus
from consent.selectors import scopes_in_force
from consent.services.withdrawal import consent_withdraw
from consent.snapshots import snapshots_delete
from owners import selectors as owner_selectors
from owners import services as owner_services
from owners.models import Camera, EnrolmentState, Owner
from police.jurisdiction import is_police_staff


def data_request_create(
    *, owner: Owner, user: Any, kind: str, details: str = ""
) -> DataSubjectRequest:
    if kind == RequestKind.CORRECTION and not details.strip():
        raise ValidationError(_("Tuliskan data mana yang perlu diperbaiki."), code="no_details")
    now = timezone.now()
    return DataSubjectRequest.objects.create(
        kind=kind,
        owner=owner,
        owner_name=owner.name,
        requester=user if getattr(user, "is_authenticated", False) else None,
        details=details.strip(),
        created_at=now,
        due_at=now + RESPONSE_DEADLINE,
    )


def data_request_close(
    *, request: DataSubjectRequest, status: str, resolution: str
) -> DataSubjectRequest:
    if status not in (RequestStatus.DONE, RequestStatus.REFUSED):
        raise ValidationError(_("Status tidak dikenal."), code="bad_status")
    if status == RequestStatus.REFUSED and not resolution.strip():
        raise ValidationError(_("Tuliskan alasan penolakan."), code="reason_required")
    request.status = status
    request.resolution = resolution.strip()
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "resolution", "closed_at"])
    return request


ACCOUNT_DELETION_EXPLANATION = _lazy(
    "Lokasi, perekam, kamera, kata sandi perekam, pendaftaran program dan keanggotaan Anda "
    "telah dihapus. Catatan persetujuan dan penarikannya (nama yang Anda ketik, waktu, alamat "
    "IP, versi syarat dan cakupan) tetap disimpan karena pengendali data wajib dapat "
    "membuktikan persetujuan (UU PDP Pasal 24); catatan itu tidak lagi "
    "terhubung ke akun Anda dan tidak dipakai untuk keperluan lain."
)


ACCOUNT_KEPT_EXPLANATION = _lazy(
    "Akun masuk Anda tetap ada karena Anda masih pengelola terakhir dari: %(owners)s, atau "
    "akun ini dipakai petugas. Jadikan anggota lain pengelola lalu keluar, atau hapus juga "
    "pemilik itu, agar akun Anda terhapus."
)


@transaction.atomic
def account_delete(*, owner: Owner, user: Any, ip_address: str | None = None) -> str:
    """Delete what the law lets us delete; keep the consent evidence. Returns the explanation.

    Sharing stops first (a withdrawal in the chain), then the owner's sites,
    recorders, cameras, enrolments and memberships go. The user account goes
    too unless it still belongs to another owner or to the police.
    """
    if not owner_selectors.owner_is_administered_by(owner=owner, user=user):
        raise ValidationError(
            _("Hanya pengelola akun pemilik yang boleh menghapus akun."), code="not_admin"
        )
    cameras = list(Camera.objects.filter(recorder__site__owner=owner))
    in_force = scopes_in_force(cameras=cameras)
    if any(in_force.values()) or any(
        c.enrolments.exclude(state=EnrolmentState.WITHDRAWN).exists() for c in cameras
    ):
        consent_withdraw(
            owner=owner,
            user=user,
            reason=_("Akun dihapus atas permintaan pemilik."),
            ip_address=ip_address,
        )
    for camera in cameras:
        snapshots_delete(camera=camera)
    DataSubjectRequest.objects.create(
        kind=RequestKind.DELETION,
        owner=None,
        owner_name=owner.name,
        requester=None,
        details="",
        status=RequestStatus.DONE,
        due_at=timezone.now() + RESPONSE_DEADLINE,
        closed_at=timezone.now(),
        resolution=str(ACCOUNT_DELETION_EXPLANATION),
    )
    owner_services.owner_delete(owner=owner)
    # The person leaves every other owner too, except where they are its last admin:
    # an invitation can never keep an account alive against its holder's wish.
    still_admin_of = owner_services.memberships_release(user=user)
    if still_admin_of or is_police_staff(user) or user.is_staff:
        return (
            str(ACCOUNT_DELETION_EXPLANATION)
            + " "
            + str(ACCOUNT_KEPT_EXPLANATION)
            % {"owners": ", ".join(o.name for o in still_admin_of) or "—"}
        )
    account_services.user_delete(user=user)
    return str(ACCOUNT_DELETION_EXPLANATION)
