"""Consent: versioned terms with tiered scopes, the hash-chained record of
agreements and withdrawals, data-subject requests and the police access log.

Rules live in ``consent.services`` (writes) and ``consent.selectors`` (reads).
The model layer only guards invariants of single rows: a published terms
version and a chain record never change once written.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import DraftStateMixin, RevisionMixin


class Scope(models.TextChoices):
    """Data-sharing tiers per camera. (a) is the default and the only one pre-ticked."""

    LISTED = "a", _("(a) Terdaftar di registri polisi")
    FOOTAGE_ON_REQUEST = "b", _("(b) Rekaman atas permintaan")
    LIVE_INCIDENT = "c", _("(c) Siaran langsung saat kejadian")
    LIVE_ALWAYS = "d", _("(d) Siaran langsung 24 jam ke Command Center")
    SNAPSHOT = "e", _("(e) Cuplikan gambar untuk verifikasi")


DEFAULT_SCOPES = frozenset({Scope.LISTED.value})

# What each scope lets the police do, in plain words for the public page
# (consent:scopes); the terms' own purpose/recipient/retention texts follow it.
SCOPE_POLICE_MAY = {
    Scope.LISTED: _(
        "Petugas polisi di wilayah Anda tahu ada kamera di titik ini (lokasi, arah, "
        "sudut pandang) dan bisa menghubungi Anda bila ada kejadian di sekitarnya. "
        "Mereka tidak melihat gambar kamera."
    ),
    Scope.FOOTAGE_ON_REQUEST: _(
        "Polisi boleh meminta rekaman dari waktu tertentu bila ada kejadian. Anda yang "
        "memutuskan setiap kali; izin ini sendiri tidak membuka akses apa pun."
    ),
    Scope.LIVE_INCIDENT: _(
        "Petugas Command Center boleh membuka siaran langsung kamera Anda selama ada "
        "kejadian di sekitarnya. Setiap akses tercatat di log akses yang bisa Anda baca."
    ),
    Scope.LIVE_ALWAYS: _(
        "Command Center boleh melihat siaran langsung kamera Anda kapan saja. Setiap "
        "akses tercatat di log akses yang bisa Anda baca."
    ),
    Scope.SNAPSHOT: _(
        "Saat uji koneksi, sistem menyimpan satu gambar diam dari kamera agar petugas "
        "bisa memeriksa arahnya. Gambar itu dihapus setelah masa simpannya habis atau "
        "saat Anda menarik persetujuan."
    ),
}


class PublishedTermsImmutable(ValidationError):
    """A published terms version (or its scopes) cannot change; make a new version."""


class ChainRecordImmutable(ValidationError):
    """Consent records are append-only."""


# --- terms ------------------------------------------------------------------

# Fields of a terms version that are part of its text. A published version never
# changes any of them.
TERMS_TEXT_FIELDS = ("title_id", "title_en", "body_id", "body_en")
SCOPE_TEXT_FIELDS = (
    "scope",
    "purpose_id",
    "purpose_en",
    "recipient_id",
    "recipient_en",
    "retention_id",
    "retention_en",
    "retention_days",
)


class TermsVersion(DraftStateMixin, RevisionMixin, ClusterableModel):
    """One version of the consent terms, in Indonesian and English.

    Administrators edit a draft in the Wagtail admin (every save is a revision);
    publishing freezes it: the version number, the publication time and the
    SHA-256 of its exact text are set (``consent.services.terms_freeze``, on
    Wagtail's ``published`` signal), and from then on nothing in it changes.
    A change is a new version (``consent.services.terms_draft_create``).
    """

    title_id = models.CharField(_("judul (Indonesia)"), max_length=200)
    title_en = models.CharField(_("judul (Inggris)"), max_length=200)
    body_id = models.TextField(_("isi (Indonesia)"))
    body_en = models.TextField(_("isi (Inggris)"))
    version = models.PositiveIntegerField(_("nomor versi"), null=True, blank=True, unique=True)
    published_at = models.DateTimeField(_("diterbitkan"), null=True, blank=True)
    text_sha256 = models.CharField(_("SHA-256 teks"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("versi syarat persetujuan")
        verbose_name_plural = _("versi syarat persetujuan")
        ordering = ["-version", "-pk"]

    def __str__(self) -> str:
        if self.version:
            return f"v{self.version} — {self.title_id}"
        return f"{_('Draf')} — {self.title_id}"

    panels = [
        MultiFieldPanel(
            [FieldPanel("title_id"), FieldPanel("body_id")], heading=_("Bahasa Indonesia")
        ),
        MultiFieldPanel([FieldPanel("title_en"), FieldPanel("body_en")], heading=_("English")),
        InlinePanel("scopes", heading=_("Cakupan berbagi data"), min_num=1),
    ]

    @property
    def is_frozen(self) -> bool:
        return bool(self.text_sha256)

    def canonical_text(self, scopes: list[TermsScope] | None = None) -> str:
        """The exact text that is hashed: both languages and every scope, in order."""
        if scopes is None:
            scopes = list(self.scopes.all())
        parts = [
            "CCTV Warga — syarat persetujuan / consent terms",
            f"[id] {self.title_id}",
            self.body_id,
            f"[en] {self.title_en}",
            self.body_en,
        ]
        for s in sorted(scopes, key=lambda s: s.scope):
            parts += [
                f"[scope {s.scope}]",
                f"purpose/id: {s.purpose_id}",
                f"purpose/en: {s.purpose_en}",
                f"recipient/id: {s.recipient_id}",
                f"recipient/en: {s.recipient_en}",
                f"retention/id: {s.retention_id}",
                f"retention/en: {s.retention_en}",
                f"retention_days: {s.retention_days}",
            ]
        return "\n".join(p.replace("\r\n", "\n") for p in parts)

    def compute_sha256(self, scopes: list[TermsScope] | None = None) -> str:
        return hashlib.sha256(self.canonical_text(scopes).encode("utf-8")).hexdigest()

    def text(self, language: str) -> tuple[str, str]:
        if language == "en":
            return self.title_en, self.body_en
        return self.title_id, self.body_id

    def revisions_relabel(self) -> None:
        """Give the revisions the admin titles this version by their frozen label.

        Wagtail's admin titles a snippet by its latest revision's ``object_str``, and
        the revision that was published was saved while this was a draft ("Draf — …").
        """
        self.revisions.filter(pk__in=[self.live_revision_id, self.latest_revision_id]).update(
            object_str=str(self)
        )

    def _frozen_row(self) -> TermsVersion | None:
        if self.pk is None:
            return None
        row = TermsVersion.objects.filter(pk=self.pk).first()
        return row if row is not None and row.is_frozen else None

    def clean(self) -> None:
        if self._frozen_row() is not None:
            raise PublishedTermsImmutable(
                _(
                    "Versi yang sudah terbit tidak bisa diubah. "
                    "Buat versi baru dari versi ini untuk mengubah teksnya."
                ),
                code="published_terms_immutable",
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        frozen = self._frozen_row()
        if frozen is not None:
            changed = [
                f
                for f in (*TERMS_TEXT_FIELDS, "version", "published_at", "text_sha256", "live")
                if getattr(frozen, f) != getattr(self, f)
            ]
            if changed:
                raise PublishedTermsImmutable(
                    _("Versi yang sudah terbit tidak bisa diubah."),
                    code="published_terms_immutable",
                )
        super().save(*args, **kwargs)


class TermsScope(models.Model):
    """What one scope of a terms version means: purpose, recipient, retention."""

    terms = ParentalKey(TermsVersion, on_delete=models.CASCADE, related_name="scopes")
    scope = models.CharField(_("cakupan"), max_length=1, choices=Scope.choices)
    purpose_id = models.TextField(_("tujuan (Indonesia)"))
    purpose_en = models.TextField(_("tujuan (Inggris)"))
    recipient_id = models.TextField(_("penerima data (Indonesia)"))
    recipient_en = models.TextField(_("penerima data (Inggris)"))
    retention_id = models.TextField(_("masa simpan (Indonesia)"))
    retention_en = models.TextField(_("masa simpan (Inggris)"))
    retention_days = models.PositiveIntegerField(
        _("masa simpan (hari)"), default=0, help_text=_("0 = tidak ada data yang disimpan")
    )

    panels = [
        FieldPanel("scope"),
        FieldPanel("purpose_id"),
        FieldPanel("purpose_en"),
        FieldPanel("recipient_id"),
        FieldPanel("recipient_en"),
        FieldPanel("retention_id"),
        FieldPanel("retention_en"),
        FieldPanel("retention_days"),
    ]

    class Meta:
        verbose_name = _("cakupan")
        verbose_name_plural = _("cakupan")
        ordering = ["scope"]
        constraints = [
            models.UniqueConstraint(fields=["terms", "scope"], name="terms_scope_unique")
        ]

    def __str__(self) -> str:
        return str(Scope(self.scope).label)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if (
            self.terms_id
            and TermsVersion.objects.filter(pk=self.terms_id).exclude(text_sha256="").exists()
        ):
            raise PublishedTermsImmutable(
                _("Versi yang sudah terbit tidak bisa diubah."), code="published_terms_immutable"
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if TermsVersion.objects.filter(pk=self.terms_id).exclude(text_sha256="").exists():
            raise PublishedTermsImmutable(
                _("Versi yang sudah terbit tidak bisa diubah."), code="published_terms_immutable"
            )
        return super().delete(*args, **kwargs)

    def text(self, language: str) -> dict[str, str]:
        suffix = "en" if language == "en" else "id"
        return {
            "purpose": getattr(self, f"purpose_{suffix}"),
            "recipient": getattr(self, f"recipient_{suffix}"),
            "retention": getattr(self, f"retention_{suffix}"),
        }


# --- the chain ----------------------------------------------------------------


class ChainHead(models.Model):
    """Singleton row locked (SELECT ... FOR UPDATE) while a record is appended."""

    length = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("ujung rantai persetujuan")

    def __str__(self) -> str:
        return f"#{self.length} {self.last_hash[:12]}"


class RecordKind(models.TextChoices):
    AGREEMENT = "agreement", _("Persetujuan")
    WITHDRAWAL = "withdrawal", _("Penarikan persetujuan")


class SignerCapacity(models.TextChoices):
    """Who signs: the owner in person; an organisation's own officer (director,
    manager) for it; or a representative (an estate manager) for other people's cameras."""

    OWNER = "owner", _("Pemilik kamera")
    SIGNATORY = "signatory", _("Pengurus yang berwenang atas nama organisasi pemilik")
    REPRESENTATIVE = "representative", _("Kuasa/pengelola yang berwenang")


class ConsentRecord(models.Model):
    """One link of the append-only consent chain: an agreement or a withdrawal.

    ``record_hash`` = SHA-256 of ``prev_hash`` and the canonical JSON of the
    record's own fields and cameras (``consent.services.record_payload``).
    Foreign keys may become empty when an account is deleted; the ``*_ref``
    and ``*_name`` columns keep the evidence the hash covers.
    """

    seq = models.PositiveBigIntegerField(_("urutan"), unique=True)
    receipt_id = models.UUIDField(_("nomor tanda terima"), default=uuid.uuid4, unique=True)
    kind = models.CharField(_("jenis"), max_length=10, choices=RecordKind.choices)
    created_at = models.DateTimeField(_("waktu (UTC)"))
    owner = models.ForeignKey(
        "owners.Owner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consent_records",
        verbose_name=_("pemilik"),
    )
    owner_ref = models.PositiveBigIntegerField()
    owner_name = models.CharField(_("nama pemilik"), max_length=150)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("pelaku"),
    )
    actor_ref = models.PositiveBigIntegerField(null=True, blank=True)
    signer_name = models.CharField(_("nama lengkap penanda tangan"), max_length=150)
    capacity = models.CharField(
        _("kedudukan"), max_length=16, choices=SignerCapacity.choices, default=SignerCapacity.OWNER
    )
    authority_statement = models.TextField(_("pernyataan kewenangan"), blank=True)
    terms = models.ForeignKey(
        TermsVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name=_("versi syarat"),
    )
    terms_version = models.PositiveIntegerField(null=True, blank=True)
    terms_sha256 = models.CharField(max_length=64, blank=True)
    language = models.CharField(_("bahasa yang ditampilkan"), max_length=5, blank=True)
    ip_address = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)
    user_agent = models.CharField(_("peramban"), max_length=400, blank=True)
    signature_image = models.TextField(_("tanda tangan gambar (data URL)"), blank=True)
    reason = models.TextField(_("alasan"), blank=True)
    prev_hash = models.CharField(max_length=64)
    record_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("catatan persetujuan")
        verbose_name_plural = _("catatan persetujuan")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_kind_display()} — {self.owner_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ChainRecordImmutable(_("Catatan persetujuan tidak bisa diubah."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ChainRecordImmutable(_("Catatan persetujuan tidak bisa dihapus."))


class RecordCamera(models.Model):
    """A camera covered by a record, with the scopes in force after the record.

    For an agreement ``scopes`` are the scopes granted; for a withdrawal they
    are empty (``withdrawn_scopes`` says what stopped).
    """

    record = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="cameras")
    camera = models.ForeignKey(
        "owners.Camera",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consent_entries",
    )
    camera_ref = models.PositiveBigIntegerField()
    camera_label = models.CharField(max_length=200)
    scopes = models.CharField(max_length=8, blank=True)
    withdrawn_scopes = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["record__seq", "camera_ref"]
        constraints = [
            models.UniqueConstraint(fields=["record", "camera_ref"], name="record_camera_unique")
        ]
        indexes = [models.Index(fields=["camera", "record"])]

    def __str__(self) -> str:
        return f"{self.camera_label}: {self.scopes or '-'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ChainRecordImmutable(_("Catatan persetujuan tidak bisa diubah."))
        super().save(*args, **kwargs)

    @property
    def scope_list(self) -> list[str]:
        return list(self.scopes)


class ConsentState(models.Model):
    """The scopes in force per camera: the latest chain record that names it.

    Derived from the chain and written in the same transaction as each record,
    so police lists filter with one join instead of searching the chain.
    ``verify_consent_chain`` replays the chain and reports any row that differs.
    """

    camera = models.OneToOneField(
        "owners.Camera", primary_key=True, on_delete=models.CASCADE, related_name="consent_state"
    )
    scopes = models.CharField(max_length=8, blank=True)
    record = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("persetujuan yang berlaku")
        verbose_name_plural = _("persetujuan yang berlaku")
        indexes = [models.Index(fields=["scopes"])]

    def __str__(self) -> str:
        return f"{self.camera_id}: {self.scopes or '-'}"


# --- events, requests, access log ---------------------------------------------


class ConsentEvent(models.Model):
    """Outbox of consent events for other apps (notifications reads it)."""

    class Kind(models.TextChoices):
        WITHDRAWN = "withdrawn", _("Persetujuan ditarik")
        RECONSENT_NEEDED = "reconsent_needed", _("Perlu persetujuan ulang")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    owner = models.ForeignKey(
        "owners.Owner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    record = models.ForeignKey(
        ConsentRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("peristiwa persetujuan")
        verbose_name_plural = _("peristiwa persetujuan")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


RESPONSE_DEADLINE = timedelta(hours=3 * 24)


class RequestKind(models.TextChoices):
    EXPORT = "export", _("Salinan data")
    CORRECTION = "correction", _("Perbaikan data")
    DELETION = "deletion", _("Hapus akun")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Diterima")
    DONE = "done", _("Selesai")
    REFUSED = "refused", _("Ditolak dengan alasan")


class DataSubjectRequest(models.Model):
    """An owner's request under UU PDP (access, correction, deletion).

    The controller answers within 3 x 24 hours (UU PDP Pasal 30, 32, 40).
    """

    kind = models.CharField(_("jenis"), max_length=10, choices=RequestKind.choices)
    owner = models.ForeignKey(
        "owners.Owner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="data_requests",
        verbose_name=_("pemilik"),
    )
    owner_name = models.CharField(_("nama pemilik"), max_length=150)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    details = models.TextField(_("rincian"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    created_at = models.DateTimeField(_("diajukan"), default=timezone.now)
    due_at = models.DateTimeField(_("batas waktu"))
    closed_at = models.DateTimeField(_("diselesaikan"), null=True, blank=True)
    resolution = models.TextField(_("jawaban"), blank=True)

    class Meta:
        verbose_name = _("permintaan subjek data")
        verbose_name_plural = _("permintaan subjek data")
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.owner_name}"


class AccessAction(models.TextChoices):
    """What an officer did with owner data; the owner's access log shows the label."""

    LIST = "list", _("Melihat daftar")
    VIEW = "view", _("Melihat data kamera")
    PURPOSE = "purpose", _("Mencatat tujuan")
    EXPORT = "export", _("Ekspor")
    CREDENTIALS = "credentials", _("Membuka kata sandi perekam")
    PHOTO = "photo", _("Melihat foto kunjungan")
    SNAPSHOT = "snapshot", _("Mengambil cuplikan")


class AccessLogEntry(models.Model):
    """A police view or export of owner data (UU PDP accountability)."""

    officer = models.ForeignKey(
        "police.Officer", null=True, on_delete=models.SET_NULL, related_name="access_log"
    )
    officer_name = models.CharField(_("petugas"), max_length=150)
    unit = models.ForeignKey(
        "police.PoliceUnit", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit_name = models.CharField(_("satuan"), max_length=150)
    at = models.DateTimeField(_("waktu"), auto_now_add=True)
    action = models.CharField(_("tindakan"), max_length=20, choices=AccessAction.choices)
    purpose = models.CharField(_("tujuan / nomor perkara"), max_length=300)
    cameras = models.ManyToManyField("owners.Camera", related_name="access_log", blank=True)
    owners = models.ManyToManyField("owners.Owner", related_name="access_log", blank=True)

    class Meta:
        verbose_name = _("log akses polisi")
        verbose_name_plural = _("log akses polisi")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.officer_name} {self.action} {self.at:%Y-%m-%d %H:%M}"


class RetentionPurge(models.Model):
    """One run of the retention job for one kind of data: how many items it deleted.

    The periods are those the scopes state (``TermsScope.retention_days``); this
    table shows that they are enforced, and when.
    """

    kind = models.CharField(_("jenis data"), max_length=40)
    purged = models.PositiveIntegerField(_("dihapus"))
    at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        verbose_name = _("penghapusan masa simpan")
        verbose_name_plural = _("penghapusan masa simpan")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.purged} @ {self.at:%Y-%m-%d %H:%M}"


# The WhatsApp opt-in text, versioned: a record keeps the version and the words it
# answered. A new wording gets a new version; old records keep theirs.
MESSAGING_OPT_IN_VERSION = "wa-1"
MESSAGING_OPT_IN_TEXTS = {
    "wa-1": (
        "Saya setuju menerima kabar CCTV Warga (status kamera, undangan, kode masuk) "
        "lewat WhatsApp di nomor ini. Saya bisa berhenti kapan saja dengan membalas "
        "BERHENTI atau lewat halaman profil."
    ),
}


class MessagingChannel(models.TextChoices):
    SIGNUP = "signup", _("Pendaftaran")
    PROFILE = "profile", _("Halaman profil")
    WHATSAPP = "whatsapp", _("Balasan WhatsApp")
    DELIVERY = "delivery", _("Nomor tidak dapat menerima WhatsApp")


class MessagingConsent(models.Model):
    """Append-only: a phone number said yes or no to WhatsApp messages.

    The latest row of a number is its state. Each row keeps the version and the
    words of the opt-in text, the channel it came through and the time, next to the
    consent records, and shows in "Data saya".
    """

    phone = models.CharField(_("nomor HP"), max_length=20, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opted_in = models.BooleanField(_("setuju"))
    text_version = models.CharField(_("versi teks"), max_length=20)
    text = models.TextField(_("teks"))
    channel = models.CharField(_("saluran"), max_length=10, choices=MessagingChannel.choices)
    at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        verbose_name = _("persetujuan WhatsApp")
        verbose_name_plural = _("persetujuan WhatsApp")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["phone", "-at"], name="messaging_consent_latest")]

    def __str__(self) -> str:
        return f"{self.phone}: {'ya' if self.opted_in else 'tidak'} ({self.channel})"
