"""Writes done by officers: the moves through verification, field visits, stickers.

Which officer may make which move is decided here, once (``moves_for``): the
pages offer exactly these moves, and the services refuse any other. Every move
locks the enrolment and compares it with the state the officer saw, so two
officers acting at once cannot both move it.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from consent.services import access_log_record
from owners.models import Enrolment, EnrolmentState, EnrolmentTransition, Recorder
from owners.services import IllegalTransition, enrolment_transition
from police.models import Officer, OfficerRole, Region, UnitLevel
from portal.geo import distance_m
from registry import scoping
from workspace.models import FieldVisit, Sticker, StickerBatch
from workspace.stickers import sticker_sheet_pdf

S = EnrolmentState


class StaleMove(ValidationError):
    """Someone changed the enrolment since the officer opened the page."""


@dataclass(frozen=True)
class Move:
    to_state: str
    label: str | Promise
    needs_reason: bool = False
    #: Made through its own page ("field_visit": the visit form; "sticker": the QR page).
    via: str = ""


def _supervises(officer: Officer) -> bool:
    return officer.role in (OfficerRole.COMMANDER, OfficerRole.ANALYST)


def moves_for(*, officer: Officer, enrolment: Enrolment) -> list[Move]:
    """The moves ``officer`` may make on ``enrolment`` now (already scoped to them)."""
    state, role = enrolment.state, officer.role
    moves: list[Move] = []
    if state == S.SUBMITTED and _supervises(officer):
        moves.append(
            Move(S.CHECKED, gettext_lazy("Tandai lolos uji koneksi (dengan alasan)"), True)
        )
    if state == S.CHECKED and (
        role == OfficerRole.BHABINKAMTIBMAS
        or (_supervises(officer) and officer.unit.level == UnitLevel.POLSEK)
    ):
        moves.append(
            Move(
                S.VERIFIED, gettext_lazy("Verifikasi dengan kunjungan lapangan"), via="field_visit"
            )
        )
    if state == S.VERIFIED and role == OfficerRole.OPERATOR:
        moves.append(Move(S.CONNECTED, gettext_lazy("Hubungkan ke Command Center")))
    if state == S.CONNECTED and role == OfficerRole.BHABINKAMTIBMAS:
        moves.append(
            Move(S.STICKERED, gettext_lazy("Pasang stiker (buka halaman QR stiker)"), via="sticker")
        )
    if state in (S.SUBMITTED, S.CHECKED, S.VERIFIED) and role != OfficerRole.OPERATOR:
        moves.append(Move(S.REJECTED, gettext_lazy("Tolak (pemilik melihat alasannya)"), True))
    return moves


def _locked_as_seen(enrolment: Enrolment, expected_state: str) -> Enrolment:
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if locked.state != expected_state:
        last = (
            EnrolmentTransition.objects.filter(enrolment=locked)
            .select_related("actor")
            .order_by("-at", "-pk")
            .first()
        )
        who = (last.actor.get_full_name() if last and last.actor else "") or _("sistem")
        raise StaleMove(
            _("Sudah diubah oleh %(who)s menjadi “%(state)s”. Muat ulang halaman.")
            % {"who": who, "state": S(locked.state).label},
            code="stale",
        )
    return locked


@transaction.atomic
def enrolment_review(
    *,
    officer: Officer,
    enrolment: Enrolment,
    to_state: str,
    expected_state: str,
    reason: str = "",
) -> Enrolment:
    """Move ``enrolment`` as ``officer`` may (``moves_for``), from the state they saw.

    The caller loaded ``enrolment`` through ``registry.scoping`` (jurisdiction).
    """
    locked = _locked_as_seen(enrolment, expected_state)
    move = next(
        (m for m in moves_for(officer=officer, enrolment=locked) if m.to_state == to_state), None
    )
    if move is None or move.via:
        raise IllegalTransition(
            _("Peran Anda tidak dapat mengubah status ini di sini."), code="role_not_allowed"
        )
    if move.needs_reason and not reason.strip():
        raise IllegalTransition(_("Tuliskan alasannya."), code="reason_required")
    return enrolment_transition(
        enrolment=locked, to_state=to_state, actor=officer.user, reason=reason
    )


# --- field visits --------------------------------------------------------------------

PHOTO_MAX_BYTES = 12 * 1024 * 1024
PHOTO_MAX_SIDE = 1600


def _photo_jpeg(upload: Any) -> bytes:
    """The photo re-encoded as a JPEG of at most 1600 px, without its metadata (GPS, phone)."""
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": _("Foto paling besar 12 MB.")}, code="photo_too_big")
    try:
        with Image.open(upload) as image:
            image.load()
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError({"photo": _("Berkas ini bukan foto JPEG atau PNG.")}) from exc
    picture.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=80)
    return out.getvalue()


@transaction.atomic
def field_visit_record(
    *,
    officer: Officer,
    enrolment: Enrolment,
    expected_state: str,
    visited_at: datetime,
    met_whom: str,
    sees_public_space: bool,
    angle_ok: bool,
    advice: str,
    verify: bool,
    photo: Any = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    accuracy_m: int | None = None,
) -> FieldVisit:
    """Record a field visit; with ``verify`` the camera becomes verified (checked -> verified)."""
    locked = _locked_as_seen(enrolment, expected_state)
    allowed = any(m.to_state == S.VERIFIED for m in moves_for(officer=officer, enrolment=locked))
    if not allowed:
        raise IllegalTransition(
            _("Kunjungan lapangan untuk verifikasi hanya untuk kamera yang lolos uji koneksi."),
            code="role_not_allowed",
        )
    if visited_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"visited_at": _("Waktu kunjungan tidak boleh di masa depan.")})
    if verify and not sees_public_space:
        raise ValidationError(
            {"sees_public_space": _("Kamera yang tidak melihat ruang publik tidak diverifikasi.")}
        )
    site = locked.camera.recorder.site
    distance = (
        distance_m(latitude, longitude, site.latitude, site.longitude)
        if latitude is not None and longitude is not None
        else None
    )
    visit = FieldVisit(
        enrolment=locked,
        officer=officer,
        officer_name=str(officer.user)[:150],
        visited_at=visited_at,
        met_whom=met_whom.strip()[:150],
        sees_public_space=sees_public_space,
        angle_ok=angle_ok,
        advice=advice.strip(),
        verified=verify,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy_m,
        distance_m=distance,
    )
    if photo:
        name = f"field-visits/enrolment-{locked.pk}/{secrets.token_urlsafe(24)}.jpg"
        visit.photo.save(name, ContentFile(_photo_jpeg(photo)), save=False)
    visit.save()
    if verify:
        enrolment_transition(
            enrolment=locked,
            to_state=S.VERIFIED,
            actor=officer.user,
            reason=_("kunjungan lapangan %(when)s") % {"when": f"{visited_at:%Y-%m-%d %H:%M}"},
        )
    return visit


def field_visit_photos_purge(*, now: datetime | None = None) -> int:
    """Delete field-visit photos older than ``FIELD_VISIT_PHOTO_RETENTION_DAYS``."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.FIELD_VISIT_PHOTO_RETENTION_DAYS)
    purged = 0
    for visit in FieldVisit.objects.exclude(photo="").filter(visited_at__lt=cutoff):
        visit.photo.delete(save=False)
        FieldVisit.objects.filter(pk=visit.pk).update(photo="")
        purged += 1
    return purged


# --- the Command Center --------------------------------------------------------------


def recorder_credentials_reveal(*, officer: Officer, recorder: Recorder, reason: str) -> dict:
    """The recorder's sign-in, for connecting it; written to the owner-visible access log."""
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError(
            _("Tuliskan mengapa Anda perlu kata sandi perekam ini."), code="reason_required"
        )
    cameras = list(scoping.cameras_visible_to(officer.user).filter(recorder=recorder))
    access_log_record(officer=officer, action="credentials", purpose=reason[:300], cameras=cameras)
    return {"username": recorder.username, "password": recorder.password}


# --- stickers --------------------------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def _new_code(prefix: str) -> str:
    return f"{prefix}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


@transaction.atomic
def sticker_batch_create(*, officer: Officer, village: Region | None = None) -> StickerBatch:
    """Stickers for every connected camera the officer may see (in ``village``) that has none."""
    enrolments = scoping.enrolments_visible_to(officer.user).filter(
        state=S.CONNECTED, sticker__isnull=True
    )
    if village is not None:
        enrolments = enrolments.filter(camera__recorder__site__village=village)
    enrolments = enrolments.select_related("program", "camera__recorder__site__village")
    rows = list(enrolments.order_by("camera__recorder__site__village__name", "pk")[:500])
    if not rows:
        raise ValidationError(
            _("Tidak ada kamera terhubung yang belum punya stiker di wilayah ini."),
            code="nothing_to_print",
        )
    batch = StickerBatch.objects.create(unit=officer.unit, village=village, created_by=officer.user)
    for enrolment in rows:
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    Sticker.objects.create(
                        enrolment=enrolment,
                        batch=batch,
                        token=secrets.token_urlsafe(16),
                        code=_new_code(enrolment.program.slug[:3].upper()),
                    )
                break
            except IntegrityError:  # a code already taken: draw again
                continue
    batch.pdf.save(
        f"stickers/batch-{batch.pk}-{secrets.token_urlsafe(12)}.pdf",
        ContentFile(sticker_sheet_pdf(list(batch.stickers.select_related("enrolment__program")))),
        save=True,
    )
    return batch


@transaction.atomic
def sticker_place(
    *,
    officer: Officer,
    sticker: Sticker,
    latitude: Decimal | None,
    longitude: Decimal | None,
) -> Sticker:
    """The Bhabinkamtibmas marks the sticker as placed here: the camera becomes stickered."""
    locked = (
        Sticker.objects.select_for_update()
        .select_related("enrolment__camera__recorder__site")
        .get(pk=sticker.pk)
    )
    if locked.placed_at is not None:
        raise ValidationError(_("Stiker ini sudah ditandai terpasang."), code="already_placed")
    enrolment = locked.enrolment
    if (
        officer.role != OfficerRole.BHABINKAMTIBMAS
        or not officer.villages.filter(pk=enrolment.camera.recorder.site.village_id).exists()
    ):
        raise IllegalTransition(
            _("Hanya Bhabinkamtibmas desa ini yang menandai stiker terpasang."),
            code="role_not_allowed",
        )
    if not scoping.enrolments_visible_to(officer.user).filter(pk=enrolment.pk).exists():
        raise IllegalTransition(_("Kamera ini tidak lagi ikut program."), code="withdrawn")
    _locked_as_seen(enrolment, S.CONNECTED)
    site = enrolment.camera.recorder.site
    locked.placed_at = timezone.now()
    locked.placed_by = officer
    locked.placed_latitude, locked.placed_longitude = latitude, longitude
    if latitude is not None and longitude is not None:
        locked.placed_distance_m = distance_m(latitude, longitude, site.latitude, site.longitude)
    locked.save()
    enrolment_transition(
        enrolment=enrolment,
        to_state=S.STICKERED,
        actor=officer.user,
        reason=_("stiker %(code)s terpasang") % {"code": locked.code},
    )
    return locked
