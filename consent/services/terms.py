"""Terms versions: the default text, drafts, publication (freezing) and re-consent."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from consent.models import ConsentEvent, ConsentRecord, RecordKind, Scope, TermsScope, TermsVersion
from consent.selectors import owner_needs_reconsent
from consent.services.chain import chain_head_lock
from owners.models import Owner

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
    """Called when a version is published: number, time and text hash, once.

    Wagtail's publish saves the version and its scopes first, so the hash
    covers the scopes exactly as stored. Publishing a frozen version again
    changes nothing.
    """
    with transaction.atomic():
        if TermsVersion.objects.filter(pk=terms.pk).exclude(text_sha256="").exists():
            return
        chain_head_lock()  # serialise version numbering
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
