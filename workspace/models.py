"""What officers record in the field: visits, and the stickers that mark enrolled cameras."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.private_files import private_storage


def field_visit_photo_path(instance: object, filename: str) -> str:
    """The service names the file (unguessable, under the enrolment's prefix)."""
    return filename


class FieldVisit(models.Model):
    """A Bhabinkamtibmas (or Polsek officer) visit to a camera, the basis of verification."""

    enrolment = models.ForeignKey(
        "owners.Enrolment", on_delete=models.CASCADE, related_name="field_visits"
    )
    officer = models.ForeignKey(
        "police.Officer", null=True, on_delete=models.SET_NULL, related_name="field_visits"
    )
    officer_name = models.CharField(_("petugas"), max_length=150)
    visited_at = models.DateTimeField(_("waktu kunjungan"))
    met_whom = models.CharField(_("bertemu dengan"), max_length=150)
    sees_public_space = models.BooleanField(_("kamera melihat ruang publik"))
    angle_ok = models.BooleanField(_("sudut sudah tepat untuk cakupan"))
    advice = models.TextField(_("saran kepada pemilik"), blank=True)
    verified = models.BooleanField(_("diverifikasi saat kunjungan"), default=False)
    photo = models.FileField(
        _("foto"), upload_to=field_visit_photo_path, storage=private_storage, blank=True
    )
    latitude = models.DecimalField(
        _("lintang lokasi petugas"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("bujur lokasi petugas"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    accuracy_m = models.PositiveIntegerField(_("akurasi lokasi (m)"), null=True, blank=True)
    distance_m = models.PositiveIntegerField(
        _("jarak dari titik lokasi (m)"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("kunjungan lapangan")
        verbose_name_plural = _("kunjungan lapangan")
        ordering = ["-visited_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.enrolment} {self.visited_at:%Y-%m-%d}"


class StickerBatch(models.Model):
    """One printed A4 sheet set of stickers for a village or a Polsek."""

    unit = models.ForeignKey(
        "police.PoliceUnit", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    village = models.ForeignKey(
        "police.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    pdf = models.FileField(
        _("PDF"), upload_to=field_visit_photo_path, storage=private_storage, blank=True
    )

    class Meta:
        verbose_name = _("cetakan stiker")
        verbose_name_plural = _("cetakan stiker")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.created_at:%Y-%m-%d}"


class Sticker(models.Model):
    """The sticker of one enrolled camera: a short code and an unguessable QR token."""

    enrolment = models.OneToOneField(
        "owners.Enrolment", on_delete=models.CASCADE, related_name="sticker"
    )
    batch = models.ForeignKey(
        StickerBatch, null=True, on_delete=models.SET_NULL, related_name="stickers"
    )
    token = models.CharField(max_length=32, unique=True)
    code = models.CharField(_("kode"), max_length=12, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    placed_at = models.DateTimeField(_("terpasang"), null=True, blank=True)
    placed_by = models.ForeignKey(
        "police.Officer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    placed_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    placed_distance_m = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("stiker")
        verbose_name_plural = _("stiker")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class EnrolmentRollup(models.Model):
    """How many enrolments of a program are in each state in each village.

    Kept up to date in the same transaction as every enrolment change
    (``workspace.rollups``), so dashboards read a few hundred rows instead of
    counting every enrolment per request. ``rollups_rebuild`` recounts.
    """

    program = models.ForeignKey("police.Program", on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey("police.Region", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("rekap pendaftaran")
        verbose_name_plural = _("rekap pendaftaran")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "village", "state"], name="enrolment_rollup_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_id}/{self.village_id}/{self.state}: {self.n}"


class EnrolmentWeekRollup(models.Model):
    """Per program, village and week (its Monday): cameras that began or stopped counting.

    ``delta`` is +1 for each enrolment that entered a counted state (verified,
    connected, stickered) that week and -1 for each that left one; the weekly
    trend is its running sum.
    """

    program = models.ForeignKey("police.Program", on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey("police.Region", on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    delta = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("rekap mingguan")
        verbose_name_plural = _("rekap mingguan")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "village", "week"], name="enrolment_week_rollup_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_id}/{self.village_id}/{self.week}: {self.delta:+d}"
