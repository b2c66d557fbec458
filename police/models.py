"""Reference data of the police side: regions, units, officers and programs."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from police.regions import region_code_parent
from portal.geo import validate_point_in_indonesia


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("Provinsi")
    REGENCY = 2, _("Kabupaten/Kota")
    DISTRICT = 3, _("Kecamatan")
    VILLAGE = 4, _("Kelurahan/Desa")


# Kemendagri codes: 31 / 31.73 / 31.73.01 / 31.73.01.1001
REGION_CODE_PATTERNS = {
    RegionLevel.PROVINCE: re.compile(r"^\d{2}$"),
    RegionLevel.REGENCY: re.compile(r"^\d{2}\.\d{2}$"),
    RegionLevel.DISTRICT: re.compile(r"^\d{2}\.\d{2}\.\d{2}$"),
    RegionLevel.VILLAGE: re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"),
}


def level_for_code(code: str) -> RegionLevel | None:
    for level, pattern in REGION_CODE_PATTERNS.items():
        if pattern.match(code):
            return RegionLevel(level)
    return None


class Region(models.Model):
    """An Indonesian administrative area with its official (Kemendagri) code.

    The code is hierarchical, so "everything inside 36.71" is a prefix match.
    """

    code = models.CharField(_("kode wilayah"), max_length=13, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    level = models.PositiveSmallIntegerField(_("tingkat"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("induk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    latitude = models.DecimalField(
        _("lintang"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("bujur"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        expected = level_for_code(self.code or "")
        if expected is None:
            raise ValidationError(
                {"code": _("Kode wilayah harus berbentuk 31, 31.73, 31.73.01 atau 31.73.01.1001.")}
            )
        if self.level and expected != self.level:
            raise ValidationError({"code": _("Kode wilayah tidak cocok dengan tingkatnya.")})
        self.level = expected
        if expected == RegionLevel.PROVINCE:
            if self.parent_id:
                raise ValidationError({"parent": _("Provinsi tidak mempunyai induk.")})
        elif self.parent is None or region_code_parent(self.code) != self.parent.code:
            raise ValidationError(
                {"parent": _("Induk wilayah harus wilayah yang kodenya mengawali kode ini.")}
            )
        validate_point_in_indonesia(self.latitude, self.longitude)


class UnitLevel(models.IntegerChoices):
    POLDA = 1, _("Polda")
    POLRES = 2, _("Polres/Polresta")
    POLSEK = 3, _("Polsek")


class PoliceUnit(models.Model):
    """Polda > Polres/Polresta > Polsek; each covers regions (its jurisdiction)."""

    name = models.CharField(_("nama"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    level = models.PositiveSmallIntegerField(_("tingkat"), choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("satuan atas"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    regions = models.ManyToManyField(
        Region, verbose_name=_("wilayah hukum"), related_name="police_units", blank=True
    )

    class Meta:
        verbose_name = _("satuan kepolisian")
        verbose_name_plural = _("satuan kepolisian")
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.level == UnitLevel.POLDA and self.parent_id:
            raise ValidationError({"parent": _("Polda tidak mempunyai satuan atas.")})
        if self.level != UnitLevel.POLDA:
            if self.parent is None or self.parent.level != self.level - 1:
                raise ValidationError(
                    {"parent": _("Polres berada di bawah Polda, Polsek di bawah Polres.")}
                )


class OfficerRole(models.TextChoices):
    COMMANDER = "commander", _("Pimpinan")
    ANALYST = "analyst", _("Analis")
    BHABINKAMTIBMAS = "bhabinkamtibmas", _("Bhabinkamtibmas")
    OPERATOR = "operator", _("Operator Command Center")


class Officer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pengguna"),
        on_delete=models.CASCADE,
        related_name="officer",
    )
    unit = models.ForeignKey(
        PoliceUnit, verbose_name=_("satuan"), on_delete=models.PROTECT, related_name="officers"
    )
    role = models.CharField(_("peran"), max_length=20, choices=OfficerRole.choices)
    rank = models.CharField(_("pangkat"), max_length=40, blank=True)
    nrp = models.CharField(_("NRP"), max_length=20, blank=True)
    villages = models.ManyToManyField(
        Region,
        verbose_name=_("desa/kelurahan binaan"),
        blank=True,
        related_name="bhabinkamtibmas",
        limit_choices_to={"level": RegionLevel.VILLAGE},
    )
    active = models.BooleanField(
        _("aktif"),
        default=True,
        help_text=_(
            "Petugas yang pensiun atau pindah tugas keluar dari ruang kerja polisi seketika."
        ),
    )

    class Meta:
        verbose_name = _("petugas")
        verbose_name_plural = _("petugas")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} {self.unit}"


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    ACTIVE = "active", _("Berjalan")
    CLOSED = "closed", _("Selesai")


class Program(models.Model):
    """A police campaign with a target number of cameras (Mataraksa: 1,000)."""

    name = models.CharField(_("nama"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    unit = models.ForeignKey(
        PoliceUnit, verbose_name=_("satuan"), on_delete=models.PROTECT, related_name="programs"
    )
    target = models.PositiveIntegerField(_("target kamera"), validators=[MinValueValidator(1)])
    area = models.ManyToManyField(
        Region, verbose_name=_("wilayah program"), related_name="programs"
    )
    starts_on = models.DateField(_("mulai"))
    ends_on = models.DateField(_("selesai"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT
    )
    summary = models.TextField(_("ringkasan"), blank=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("program")
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError(
                {"ends_on": _("Tanggal selesai tidak boleh sebelum tanggal mulai.")}
            )


class UnitTarget(models.Model):
    """A program's target for one unit below the program's unit (set by program admins).

    Units without one share what is left of their parent's target evenly
    (``police.targets.unit_shares``), and the dashboard says so.
    """

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="unit_targets"
    )
    unit = models.ForeignKey(
        PoliceUnit, verbose_name=_("satuan"), on_delete=models.CASCADE, related_name="targets"
    )
    target = models.PositiveIntegerField(_("target kamera"))

    class Meta:
        verbose_name = _("target satuan")
        verbose_name_plural = _("target satuan")
        ordering = ["program", "unit__level", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "unit"], name="unit_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.program} — {self.unit}: {self.target}"

    def clean(self) -> None:
        if not (self.program_id and self.unit_id):
            return
        unit: PoliceUnit | None = self.unit.parent
        while unit is not None and unit.pk != self.program.unit_id:
            unit = unit.parent
        if unit is None:
            raise ValidationError(
                {"unit": _("Pilih satuan di bawah satuan pemilik program.")}, code="not_below"
            )
