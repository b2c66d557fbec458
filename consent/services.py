"""Writes on consent: terms versions, the hash chain, withdrawal, data-subject
requests and the police access log.

Every write to the chain goes through ``_chain_append``, which locks the chain
head (one row, ``SELECT ... FOR UPDATE``) so two signatures at the same moment
cannot both link to the same previous record.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from consent.models import (
    DEFAULT_SCOPES,
    RESPONSE_DEADLINE,
    AccessLogEntry,
    ChainHead,
    ConsentEvent,
    ConsentRecord,
    ConsentState,
    DataSubjectRequest,
    RecordCamera,
    RecordKind,
    RequestKind,
    RequestStatus,
    Scope,
    SignerCapacity,
    TermsScope,
    TermsVersion,
)
from owners.models import Camera, Enrolment, EnrolmentState, MemberRole, Owner
from owners.services import enrolment_transition

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
SIGNATURE_MAX_CHARS = 150_000  # a data URL; a drawn signature PNG is ~10-40 kB
SIGNATURE_PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


NOT_CURRENT_MESSAGE = _lazy(
    "Versi syarat ini bukan versi terbaru. Muat ulang halaman dan baca versi terbaru."
)


class SigningRefused(ValidationError):
    """The agreement cannot be signed as asked; the message says why."""


class WithdrawalRefused(ValidationError):
    """The withdrawal cannot be made as asked; the message says why."""


# --- terms ----------------------------------------------------------------------

DEFAULT_TERMS = {
    "title_id": "Persetujuan berbagi data kamera CCTV Warga",
    "title_en": "CCTV Warga camera data-sharing consent",
    "body_id": (
        "Dengan persetujuan ini Anda, sebagai pemilik kamera atau kuasanya yang sah, "
        "mengizinkan kepolisian memakai data kamera Anda hanya untuk cakupan yang Anda pilih "
        "di bawah. Persetujuan ini sukarela dan dapat Anda tarik kapan saja dari halaman "
        "Persetujuan; penarikan berlaku seketika. Dasar hukum: Undang-Undang Nomor 27 Tahun "
        "2022 tentang Pelindungan Data Pribadi (UU PDP). Anda berhak mengakses, memperbaiki "
        "dan meminta penghapusan data Anda."
    ),
    "body_en": (
        "With this consent you, as the camera owner or their lawful representative, allow "
        "the police to use your camera's data only for the scopes you choose below. Consent "
        "is voluntary and you can withdraw it at any time from the Consent page; withdrawal "
        "takes effect at once. Legal basis: Law No. 27 of 2022 on Personal Data Protection "
        "(UU PDP). You have the right to access, correct and ask for deletion of your data."
    ),
}

DEFAULT_SCOPE_TEXTS: dict[str, dict[str, Any]] = {
    Scope.LISTED: {
        "purpose_id": "Kamera tercatat di daftar kamera warga, agar polisi tahu ada kamera "
        "yang dapat dimintai bantuan di lokasi ini.",
        "purpose_en": "The camera is listed in the citizens' camera registry so the police "
        "know a camera exists at this place.",
        "recipient_id": "Polsek, Polres dan Polda yang wilayah hukumnya mencakup lokasi "
        "kamera: lokasi, arah kamera dan kontak pemilik.",
        "recipient_en": "The Polsek, Polres and Polda whose jurisdiction covers the camera: "
        "location, direction and the owner's contact.",
        "retention_id": "Selama persetujuan berlaku; dihapus dari daftar seketika saat ditarik.",
        "retention_en": "While consent is in force; removed from the list at once on withdrawal.",
        "retention_days": 0,
    },
    Scope.FOOTAGE_ON_REQUEST: {
        "purpose_id": "Polisi boleh meminta rekaman untuk kejadian tertentu; Anda memutuskan "
        "setiap kali apakah rekaman diberikan.",
        "purpose_en": "The police may ask for footage of a specific incident; you decide "
        "each time whether to hand it over.",
        "recipient_id": "Penyidik satuan polisi yang mengajukan permintaan.",
        "recipient_en": "Investigators of the police unit making the request.",
        "retention_id": "Selama perkara berjalan, paling lama 2 tahun.",
        "retention_en": "For as long as the case runs, at most 2 years.",
        "retention_days": 730,
    },
    Scope.LIVE_INCIDENT: {
        "purpose_id": "Command Center boleh melihat siaran langsung hanya saat ada alarm "
        "atau kejadian di sekitar kamera.",
        "purpose_en": "The Command Center may watch the live stream only during an alarm "
        "or incident near the camera.",
        "recipient_id": "Operator Command Center Polres wilayah kamera.",
        "recipient_en": "Command Center operators of the camera's Polres.",
        "retention_id": "Tidak direkam oleh polisi kecuali menjadi barang bukti.",
        "retention_en": "Not recorded by the police unless it becomes evidence.",
        "retention_days": 0,
    },
    Scope.LIVE_ALWAYS: {
        "purpose_id": "Command Center boleh melihat siaran langsung kamera ini 24 jam.",
        "purpose_en": "The Command Center may watch this camera's live stream around the clock.",
        "recipient_id": "Operator Command Center Polres wilayah kamera.",
        "recipient_en": "Command Center operators of the camera's Polres.",
        "retention_id": "Tidak direkam oleh polisi kecuali menjadi barang bukti.",
        "retention_en": "Not recorded by the police unless it becomes evidence.",
        "retention_days": 0,
    },
    Scope.SNAPSHOT: {
        "purpose_id": "Satu cuplikan gambar disimpan untuk memeriksa arah dan sudut kamera.",
        "purpose_en": "One still image is kept to verify the camera's direction and angle.",
        "recipient_id": "Bhabinkamtibmas dan petugas verifikasi Polsek wilayah kamera.",
        "recipient_en": "The Bhabinkamtibmas and verification officers of the camera's Polsek.",
        "retention_id": "90 hari, atau dihapus seketika saat persetujuan ditarik.",
        "retention_en": "90 days, or deleted at once when consent is withdrawn.",
        "retention_days": 90,
    },
}


@transaction.atomic
def terms_draft_create(
    *, based_on: TermsVersion | None = None, user: Any | None = None
) -> TermsVersion:
    """A new draft version, copied from ``based_on`` (or from the default text)."""
    if based_on is not None:
        fields = {f: getattr(based_on, f) for f in DEFAULT_TERMS}
        scopes = [
            {f: getattr(s, f) for f in (*DEFAULT_SCOPE_TEXTS[Scope.LISTED], "scope")}
            for s in based_on.scopes.all()
        ]
    else:
        fields = dict(DEFAULT_TERMS)
        scopes = [{"scope": str(k), **v} for k, v in DEFAULT_SCOPE_TEXTS.items()]
    draft = TermsVersion(live=False, **fields)
    draft.save()
    for s in scopes:
        TermsScope.objects.create(terms=draft, **s)
    draft.save_revision(user=user if getattr(user, "is_authenticated", False) else None)
    return draft


def terms_publish(*, terms: TermsVersion, user: Any | None = None) -> TermsVersion:
    """Publish the latest revision of a draft (what the admin's Publish button does)."""
    actor = user if getattr(user, "is_authenticated", False) else None
    revision = terms.latest_revision or terms.save_revision(user=actor)
    revision.publish(user=actor, skip_permission_checks=True)
    terms.refresh_from_db()
    return terms


def terms_freeze(*, terms: TermsVersion) -> None:
    """Called once, when a version is first published: number, time and text hash."""
    with transaction.atomic():
        _lock_chain_head()  # serialise version numbering
        number = (TermsVersion.objects.aggregate(m=Max("version"))["m"] or 0) + 1
        scopes = list(TermsScope.objects.filter(terms_id=terms.pk).order_by("scope"))
        digest = terms.compute_sha256(scopes)
        now = timezone.now()
        TermsVersion.objects.filter(pk=terms.pk).update(
            version=number, published_at=now, text_sha256=digest
        )
        terms.version, terms.published_at, terms.text_sha256 = number, now, digest
        reconsent_request_all(terms=terms)


def reconsent_request_all(*, terms: TermsVersion) -> int:
    """Ask every owner with an agreement on an older version to consent again.

    The old agreement stays in force until they do. Each request is an event
    the notifications app turns into a WhatsApp message (``reconsent_hook``).
    """
    owner_ids = (
        ConsentRecord.objects.filter(kind=RecordKind.AGREEMENT, owner__isnull=False)
        .exclude(terms_version=terms.version)
        .values_list("owner_id", flat=True)
        .distinct()
    )
    from consent.selectors import owner_needs_reconsent

    count = 0
    for owner in Owner.objects.filter(pk__in=list(owner_ids)):
        if owner_needs_reconsent(owner=owner):  # nothing to ask after a full withdrawal
            reconsent_hook(owner=owner, terms=terms)
            count += 1
    return count


def reconsent_hook(*, owner: Owner, terms: TermsVersion) -> ConsentEvent:
    """Hook for the notifications app: one "please consent again" event per owner."""
    return ConsentEvent.objects.create(
        kind=ConsentEvent.Kind.RECONSENT_NEEDED,
        owner=owner,
        data={"terms_version": terms.version, "terms_sha256": terms.text_sha256},
    )


# --- the chain --------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def record_payload(record: ConsentRecord, cameras: Iterable[RecordCamera]) -> dict[str, Any]:
    """Everything the hash covers: the evidence columns and the cameras."""
    return {
        "seq": record.seq,
        "receipt_id": str(record.receipt_id),
        "kind": record.kind,
        "created_at": record.created_at.astimezone(UTC).isoformat(),
        "owner_ref": record.owner_ref,
        "owner_name": record.owner_name,
        "actor_ref": record.actor_ref,
        "signer_name": record.signer_name,
        "capacity": record.capacity,
        "authority_statement": record.authority_statement,
        "terms_version": record.terms_version,
        "terms_sha256": record.terms_sha256,
        "language": record.language,
        "ip_address": record.ip_address or "",
        "user_agent": record.user_agent,
        "signature_sha256": hashlib.sha256(record.signature_image.encode()).hexdigest()
        if record.signature_image
        else "",
        "reason": record.reason,
        "cameras": [
            {
                "camera_ref": c.camera_ref,
                "label": c.camera_label,
                "scopes": c.scopes,
                "withdrawn_scopes": c.withdrawn_scopes,
            }
            for c in sorted(cameras, key=lambda c: c.camera_ref)
        ],
    }


def record_hash(*, prev_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical_json(payload)}".encode()).hexdigest()


def _lock_chain_head() -> ChainHead:
    """Lock the singleton head row; every append waits here for the one before it.

    On PostgreSQL this is SELECT ... FOR UPDATE; SQLite ignores it but its
    IMMEDIATE transactions (settings) already let one writer in at a time.
    """
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        try:
            with transaction.atomic():
                ChainHead.objects.create(pk=1)
        except IntegrityError:
            pass  # another process created it first
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def _chain_append(*, fields: dict[str, Any], cameras: list[dict[str, Any]]) -> ConsentRecord:
    """Append one record; the caller holds a transaction."""
    return _chain_append_many(items=[(fields, cameras)])[0]


def _chain_append_many(
    *, items: list[tuple[dict[str, Any], list[dict[str, Any]]]]
) -> list[ConsentRecord]:
    """Append records in order under one lock of the head; the caller holds a transaction."""
    head = _lock_chain_head()
    now = timezone.now()
    prev, seq = head.last_hash, head.length
    built: list[tuple[ConsentRecord, list[RecordCamera]]] = []
    for fields, cameras in items:
        seq += 1
        record = ConsentRecord(seq=seq, created_at=now, prev_hash=prev, **fields)
        entries = [RecordCamera(record=record, **c) for c in cameras]
        record.record_hash = record_hash(prev_hash=prev, payload=record_payload(record, entries))
        prev = record.record_hash
        built.append((record, entries))
    records = ConsentRecord.objects.bulk_create([r for r, _e in built], batch_size=500)
    entries_all = []
    for record, entries in zip(records, (e for _r, e in built), strict=True):
        for entry in entries:
            entry.record = record
            entries_all.append(entry)
    RecordCamera.objects.bulk_create(entries_all, batch_size=2000)
    latest = {e.camera_id: e for e in entries_all if e.camera_id is not None}
    ConsentState.objects.bulk_create(
        [
            ConsentState(camera_id=camera_id, scopes=e.scopes, record=e.record)
            for camera_id, e in latest.items()
        ],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["camera"],
        update_fields=["scopes", "record"],
    )
    head.length, head.last_hash = seq, prev
    head.save(update_fields=["length", "last_hash"])
    return records


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    broken_receipt: str = ""
    problem: str = ""


def chain_verify() -> ChainReport:
    """Follow the chain from the first record; report the first one that does not hold."""
    prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    terms_hashes: dict[int, str] = {}
    in_force: dict[int, tuple[str, ConsentRecord]] = {}
    records = ConsentRecord.objects.order_by("seq").prefetch_related("cameras")
    for record in records.iterator(chunk_size=500):

        def broken(
            problem: str, record: ConsentRecord = record, checked: int = checked
        ) -> ChainReport:
            return ChainReport(False, checked, record.seq, str(record.receipt_id), problem)

        if record.seq != expected_seq:
            return broken(f"expected record #{expected_seq}, found #{record.seq} (missing record)")
        if record.prev_hash != prev:
            return broken("prev_hash does not match the previous record's hash")
        cameras = list(record.cameras.all())
        if record_hash(prev_hash=prev, payload=record_payload(record, cameras)) != (
            record.record_hash
        ):
            return broken("record content does not match its hash")
        for c in cameras:
            if c.camera_id is not None and c.camera_id != c.camera_ref:
                return broken(f"camera link changed ({c.camera_ref} → {c.camera_id})")
        if record.owner_id is not None and record.owner_id != record.owner_ref:
            return broken("owner link changed")
        if record.terms_id is not None:
            if record.terms_id not in terms_hashes:
                terms = TermsVersion.objects.get(pk=record.terms_id)
                terms_hashes[record.terms_id] = (
                    terms.text_sha256 if terms.compute_sha256() == terms.text_sha256 else "!"
                )
            if terms_hashes[record.terms_id] != record.terms_sha256:
                return broken("the signed terms text no longer matches its hash")
        for c in cameras:
            in_force[c.camera_ref] = (c.scopes, record)
        prev = record.record_hash
        expected_seq += 1
        checked += 1
    head = ChainHead.objects.filter(pk=1).first()
    if checked and (head is None or head.length != checked or head.last_hash != prev):
        return ChainReport(
            False, checked, checked + 1, "", "records after the last one are missing"
        )
    return _verify_scopes_in_force(in_force=in_force, checked=checked)


def _verify_scopes_in_force(
    *, in_force: dict[int, tuple[str, ConsentRecord]], checked: int
) -> ChainReport:
    """The derived table police lists read must equal a replay of the chain."""
    for state in ConsentState.objects.select_related("record").order_by("camera_id"):
        expected = in_force.get(state.camera_id)
        if expected is None or (expected[0], expected[1].pk) != (state.scopes, state.record_id):
            culprit = expected[1] if expected else state.record
            return ChainReport(
                False,
                checked,
                culprit.seq,
                str(culprit.receipt_id),
                f"scopes in force for camera {state.camera_id} do not match the chain",
            )
    stored = set(ConsentState.objects.values_list("camera_id", flat=True))
    existing = set(Camera.objects.filter(pk__in=list(in_force)).values_list("pk", flat=True))
    missing = sorted(pk for pk in existing - stored if in_force[pk][0])
    if missing:
        culprit = in_force[missing[0]][1]
        return ChainReport(
            False,
            checked,
            culprit.seq,
            str(culprit.receipt_id),
            f"scopes in force for camera {missing[0]} are missing",
        )
    return ChainReport(True, checked)


# --- signing ----------------------------------------------------------------------


def _validate_signature_image(data_url: str) -> str:
    data_url = (data_url or "").strip()
    if not data_url:
        return ""
    if len(data_url) > SIGNATURE_MAX_CHARS or not data_url.startswith(SIGNATURE_PREFIX):
        raise SigningRefused(
            _("Gambar tanda tangan tidak valid atau terlalu besar."), code="bad_signature"
        )
    try:
        raw = base64.b64decode(data_url[len(SIGNATURE_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as e:
        raise SigningRefused(_("Gambar tanda tangan tidak valid."), code="bad_signature") from e
    if not raw.startswith(PNG_MAGIC):
        raise SigningRefused(_("Gambar tanda tangan tidak valid."), code="bad_signature")
    return data_url


def normalise_ip(ip_address: str | None) -> str | None:
    """The form the database gives back, so the hash reads the same later."""
    try:
        return ipaddress.ip_address((ip_address or "").strip()).compressed
    except ValueError:
        return None


def camera_label(camera: Camera) -> str:
    return f"{camera.recorder.site.name} / {camera}"


@transaction.atomic
def agreement_sign(
    *,
    owner: Owner,
    user: Any,
    terms: TermsVersion,
    cameras: Iterable[Camera],
    scopes: Iterable[str],
    signer_name: str,
    confirmed: bool,
    language: str,
    ip_address: str | None = None,
    user_agent: str = "",
    capacity: str = SignerCapacity.OWNER,
    authority_statement: str = "",
    signature_image: str = "",
) -> ConsentRecord:
    """Record the owner's signature of ``terms`` for ``cameras`` and ``scopes``.

    Refused (``SigningRefused`` with a message) when the version is not the
    current one, no scope or camera is chosen, a camera is not the signer's, or
    an organisation signs without a declaration of authority.
    """
    from consent.selectors import current_terms, scopes_in_force
    from portal import roles

    current = current_terms()
    if current is None or terms.pk != current.pk:
        raise SigningRefused(str(NOT_CURRENT_MESSAGE), code="not_current")
    if (
        not roles.owners_editable_by(user)
        .filter(pk=owner.pk, memberships__user=user, memberships__role=MemberRole.ADMIN)
        .exists()
    ):
        raise SigningRefused(
            _("Hanya pengelola akun pemilik yang boleh menandatangani persetujuan."),
            code="not_admin",
        )
    chosen = sorted(set(scopes))
    offered = set(terms.scopes.values_list("scope", flat=True))
    if not chosen:
        raise SigningRefused(_("Pilih paling sedikit satu cakupan."), code="no_scope")
    if not set(chosen) <= offered:
        raise SigningRefused(_("Cakupan yang dipilih tidak ada di versi ini."), code="bad_scope")
    if not DEFAULT_SCOPES <= set(chosen):
        raise SigningRefused(
            _("Cakupan (a) terdaftar di registri diperlukan untuk cakupan lain."),
            code="listed_required",
        )
    camera_ids = {c.pk for c in cameras}
    if not camera_ids:
        raise SigningRefused(_("Pilih paling sedikit satu kamera."), code="no_camera")
    allowed = list(
        roles.cameras_editable_by(user)
        .filter(pk__in=camera_ids, recorder__site__owner=owner)
        .select_related("recorder__site")
    )
    if len(allowed) != len(camera_ids):
        raise SigningRefused(
            _("Ada kamera yang bukan milik Anda. Pilih hanya kamera Anda sendiri."),
            code="foreign_camera",
        )
    signer_name = " ".join((signer_name or "").split())
    if len(signer_name) < 3:
        raise SigningRefused(_("Ketik nama lengkap Anda."), code="no_name")
    if not confirmed:
        raise SigningRefused(
            _("Centang kotak persetujuan untuk menandatangani."), code="not_confirmed"
        )
    authority_statement = (authority_statement or "").strip()
    if owner.is_organisation:
        capacity = SignerCapacity.REPRESENTATIVE
    if capacity == SignerCapacity.REPRESENTATIVE and len(authority_statement) < 10:
        raise SigningRefused(
            _("Sebagai kuasa, tuliskan pernyataan kewenangan Anda mewakili pemilik."),
            code="no_authority",
        )
    image = _validate_signature_image(signature_image)
    before = scopes_in_force(cameras=allowed)
    record = _chain_append(
        fields={
            "kind": RecordKind.AGREEMENT,
            "owner": owner,
            "owner_ref": owner.pk,
            "owner_name": owner.name,
            "actor": user,
            "actor_ref": user.pk,
            "signer_name": signer_name,
            "capacity": capacity,
            "authority_statement": authority_statement,
            "terms": terms,
            "terms_version": terms.version,
            "terms_sha256": terms.text_sha256,
            "language": "en" if language == "en" else "id",
            "ip_address": normalise_ip(ip_address),
            "user_agent": (user_agent or "")[:400],
            "signature_image": image,
        },
        cameras=[
            {
                "camera": c,
                "camera_ref": c.pk,
                "camera_label": camera_label(c)[:200],
                "scopes": "".join(chosen),
            }
            for c in allowed
        ],
    )
    for c in allowed:
        if Scope.SNAPSHOT in before.get(c.pk, "") and Scope.SNAPSHOT not in chosen:
            snapshots_delete(camera=c)
    return record


def demo_agreements_ensure(*, owners: QuerySet[Owner], batch: int = 500) -> int:
    """DEMO DATA ONLY: write the agreements generated demo owners would have signed.

    Cameras in the verification pipeline get (a) (verified ones also (b));
    connected ones also (c) and (d); every third camera (e). Cameras whose only
    enrolment is withdrawn get an agreement followed by a withdrawal. Owners
    that already have a record are skipped, so a second run adds nothing. Never
    call this for real owners.
    """
    from consent.selectors import current_terms

    terms = current_terms()
    if terms is None:
        return 0
    pipeline: dict[str, str] = {
        EnrolmentState.SUBMITTED: "a",
        EnrolmentState.CHECKED: "a",
        EnrolmentState.VERIFIED: "ab",
        EnrolmentState.CONNECTED: "abcd",
        EnrolmentState.STICKERED: "abcd",
        EnrolmentState.WITHDRAWN: "a",
    }
    todo = list(
        owners.exclude(pk__in=ConsentRecord.objects.values("owner_ref"))
        .order_by("pk")
        .values_list("pk", "name", "is_organisation")
    )
    added = 0
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        states: dict[int, set[str]] = {}
        for camera_id, state in Enrolment.objects.filter(
            camera__recorder__site__owner__in=[o[0] for o in chunk]
        ).values_list("camera_id", "state"):
            states.setdefault(camera_id, set()).add(state)
        cameras_of: dict[int, list[tuple[int, str]]] = {}
        for camera_id, owner_id, site_name, name, channel in (
            Camera.objects.filter(recorder__site__owner__in=[o[0] for o in chunk])
            .order_by("pk")
            .values_list(
                "pk", "recorder__site__owner_id", "recorder__site__name", "name", "channel"
            )
        ):
            label = f"{site_name} / {name or f'Kamera {channel}'}"[:200]
            cameras_of.setdefault(owner_id, []).append((camera_id, label))
        items: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        for owner_id, owner_name, is_org in chunk:
            common = {
                "owner_id": owner_id,
                "owner_ref": owner_id,
                "owner_name": owner_name,
                "signer_name": owner_name[:150],
            }
            groups: dict[str, list[dict[str, Any]]] = {}
            withdrawn: list[dict[str, Any]] = []
            for camera_id, label in cameras_of.get(owner_id, []):
                camera_states = states.get(camera_id, set())
                scopes = {s for st in camera_states for s in pipeline.get(st, "")}
                if not scopes:
                    continue
                if camera_id % 3 == 0:
                    scopes.add("e")
                code = "".join(sorted(scopes))
                entry = {"camera_id": camera_id, "camera_ref": camera_id, "camera_label": label}
                groups.setdefault(code, []).append({**entry, "scopes": code})
                if camera_states == {EnrolmentState.WITHDRAWN}:
                    withdrawn.append({**entry, "scopes": "", "withdrawn_scopes": code})
            for _code, group in sorted(groups.items()):
                items.append(
                    (
                        {
                            **common,
                            "kind": RecordKind.AGREEMENT,
                            "capacity": SignerCapacity.REPRESENTATIVE
                            if is_org
                            else SignerCapacity.OWNER,
                            "authority_statement": "Data demo." if is_org else "",
                            "terms": terms,
                            "terms_version": terms.version,
                            "terms_sha256": terms.text_sha256,
                            "language": "id",
                            "user_agent": "seed_demo",
                        },
                        group,
                    )
                )
            if withdrawn:
                items.append(
                    ({**common, "kind": RecordKind.WITHDRAWAL, "reason": "Data demo."}, withdrawn)
                )
        with transaction.atomic():
            _chain_append_many(items=items)
        added += len(items)
    return added


# --- withdrawal -------------------------------------------------------------------


def snapshot_prefix(*, camera: Camera) -> str:
    """Where connectivity stores a camera's snapshots in default storage (a contract)."""
    return f"snapshots/camera-{camera.pk}/"


def snapshots_delete(*, camera: Camera) -> int:
    """Delete every stored snapshot of ``camera``; returns how many files went."""
    prefix = snapshot_prefix(camera=camera)
    try:
        _dirs, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return 0
    for name in files:
        default_storage.delete(prefix + name)
    return len(files)


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
    from consent.selectors import scopes_in_force
    from portal import roles

    if (
        not roles.owners_editable_by(user)
        .filter(pk=owner.pk, memberships__user=user, memberships__role=MemberRole.ADMIN)
        .exists()
    ):
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
    record = _chain_append(
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


# --- data-subject requests ----------------------------------------------------------


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


@transaction.atomic
def account_delete(*, owner: Owner, user: Any, ip_address: str | None = None) -> str:
    """Delete what the law lets us delete; keep the consent evidence. Returns the explanation.

    Sharing stops first (a withdrawal in the chain), then the owner's sites,
    recorders, cameras, enrolments and memberships go. The user account goes
    too unless it still belongs to another owner or to the police.
    """
    from consent.selectors import scopes_in_force

    if not owner.memberships.filter(user=user, role=MemberRole.ADMIN).exists():
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
    owner.sites.all().delete()
    owner.delete()
    other = user.memberships.exists() or hasattr(user, "officer") or user.is_staff
    if not other:
        user.delete()
    return str(ACCOUNT_DELETION_EXPLANATION)


# --- access log ---------------------------------------------------------------------


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
