"""Owners, their sites, recorders and cameras, and cameras' enrolment in programs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.crypto import EncryptedTextField
from portal.geo import validate_point_in_indonesia


class OwnerKind(models.TextChoices):
    RESIDENT = "resident", _("Warga")
    BUSINESS = "business", _("Usaha")
    ESTATE = "estate", _("Pengelola perumahan/kawasan")
    GOVERNMENT = "government", _("Instansi pemerintah")
    COMMUNITY = "community", _("Komunitas (RT/RW)")


class Owner(models.Model):
    """A person or an organisation that owns sites. Access goes through memberships."""

    kind = models.CharField(_("jenis"), max_length=12, choices=OwnerKind.choices)
    name = models.CharField(_("nama"), max_length=150)
    is_organisation = models.BooleanField(_("organisasi"), default=False)
    contact_phone = models.CharField(_("telepon kontak"), max_length=20, blank=True)
    contact_email = models.EmailField(_("email kontak"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        related_name="owners",
        verbose_name=_("anggota"),
    )

    class Meta:
        verbose_name = _("pemilik")
        verbose_name_plural = _("pemilik")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    ADMIN = "admin", _("Pengelola")
    EDITOR = "editor", _("Penyunting")
    VIEWER = "viewer", _("Pemantau")


class Membership(models.Model):
    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("peran"), max_length=10, choices=MemberRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("keanggotaan")
        verbose_name_plural = _("keanggotaan")
        constraints = [
            models.UniqueConstraint(fields=["owner", "user"], name="membership_unique_owner_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.owner} ({self.role})"


class Site(models.Model):
    owner = models.ForeignKey(
        Owner, verbose_name=_("pemilik"), on_delete=models.CASCADE, related_name="sites"
    )
    name = models.CharField(_("nama lokasi"), max_length=120)
    address = models.CharField(_("alamat"), max_length=255)
    village = models.ForeignKey(
        "police.Region",
        verbose_name=_("kelurahan/desa"),
        on_delete=models.PROTECT,
        related_name="sites",
        limit_choices_to={"level": 4},
    )
    latitude = models.DecimalField(_("lintang"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("bujur"), max_digits=9, decimal_places=6)
    # The owner's own reference for the place ("Blok A1 No. 7"): the key an estate
    # import matches on, so a second import updates instead of duplicating.
    ref = models.CharField(_("kode lokasi"), max_length=120, blank=True, default="")
    # Who the Bhabinkamtibmas meets at the place (E.164 phone).
    contact_name = models.CharField(_("nama kontak"), max_length=120, blank=True, default="")
    contact_phone = models.CharField(_("nomor HP kontak"), max_length=20, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lokasi")
        verbose_name_plural = _("lokasi")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "ref"],
                condition=~models.Q(ref=""),
                name="site_unique_owner_ref",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        validate_point_in_indonesia(self.latitude, self.longitude)
        if self.village_id and self.village.level != 4:
            raise ValidationError(
                {"village": _("Pilih kelurahan/desa, bukan kecamatan atau kota.")}
            )


class RecorderBrand(models.TextChoices):
    HIKVISION = "hikvision", "Hikvision / HiWatch / Annke / EZVIZ"
    DAHUA = "dahua", "Dahua / Amcrest"
    XIONGMAI = "xiongmai", "Xiongmai / XMEye"
    UNIVIEW = "uniview", "Uniview"
    TAPO = "tapo", "TP-Link Tapo"
    GENERIC = "generic", _("Lainnya (umum)")


def port_validators() -> list:
    return [MinValueValidator(1), MaxValueValidator(65535)]


class Recorder(models.Model):
    """A DVR/NVR, or a standalone IP camera, at a site."""

    site = models.ForeignKey(
        Site, verbose_name=_("lokasi"), on_delete=models.CASCADE, related_name="recorders"
    )
    name = models.CharField(_("nama perekam"), max_length=120, blank=True)
    brand = models.CharField(_("merek"), max_length=12, choices=RecorderBrand.choices)
    model = models.CharField(_("model"), max_length=80, blank=True)
    host = models.CharField(_("alamat host"), max_length=253)
    onvif_enabled = models.BooleanField(_("ONVIF aktif"), default=True)
    onvif_port = models.PositiveIntegerField(
        _("port ONVIF"), default=80, validators=port_validators()
    )
    rtsp_port = models.PositiveIntegerField(
        _("port RTSP"), default=554, validators=port_validators()
    )
    rtsp_path = models.CharField(_("path RTSP khusus"), max_length=255, blank=True)
    username = models.CharField(_("nama pengguna"), max_length=64, blank=True)
    password = EncryptedTextField(_("kata sandi"), blank=True, default="")
    # What the last probe learned.
    manufacturer = models.CharField(_("pabrikan"), max_length=80, blank=True)
    firmware = models.CharField(_("firmware"), max_length=80, blank=True)
    serial = models.CharField(_("nomor seri"), max_length=80, blank=True)
    channel_count = models.PositiveSmallIntegerField(_("jumlah kanal"), default=0)
    online = models.BooleanField(_("daring"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("perekam")
        verbose_name_plural = _("perekam")
        ordering = ["site", "pk"]

    def __str__(self) -> str:
        return self.name or f"{self.get_brand_display()} @ {self.site}"


class CameraMount(models.TextChoices):
    WALL = "wall", _("Dinding")
    POLE = "pole", _("Tiang")
    CEILING = "ceiling", _("Plafon")
    STREET_LAMP = "street_lamp", _("Tiang lampu jalan")


class CameraType(models.TextChoices):
    FIXED = "fixed", _("Tetap")
    DOME = "dome", _("Dome")
    PANNING = "panning", _("PTZ")


class SurveillanceZone(models.TextChoices):
    TOWN = "town", _("Jalan/lingkungan")
    TRAFFIC = "traffic", _("Lalu lintas")
    PARKING = "parking", _("Parkir")
    SHOP = "shop", _("Toko")
    BUILDING = "building", _("Bangunan")
    GATE = "gate", _("Gerbang")


class Camera(models.Model):
    """A channel of a recorder, described with OpenStreetMap's surveillance tags.

    direction = camera:direction, angle = camera:angle, mount = camera:mount,
    zone = surveillance:zone, sees_public_space = surveillance=public/outdoor.
    """

    recorder = models.ForeignKey(
        Recorder, verbose_name=_("perekam"), on_delete=models.CASCADE, related_name="cameras"
    )
    channel = models.PositiveSmallIntegerField(
        _("kanal"), validators=[MinValueValidator(1), MaxValueValidator(256)]
    )
    name = models.CharField(_("nama kamera"), max_length=120, blank=True)
    latitude = models.DecimalField(_("lintang"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("bujur"), max_digits=9, decimal_places=6)
    direction = models.PositiveSmallIntegerField(
        _("arah (derajat)"),
        validators=[MaxValueValidator(359)],
        help_text=_("0 = utara, 90 = timur, 180 = selatan, 270 = barat"),
    )
    angle = models.PositiveSmallIntegerField(
        _("sudut pandang (derajat)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(360)],
    )
    range_m = models.PositiveSmallIntegerField(
        _("jangkauan (meter)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    mount = models.CharField(
        _("pemasangan"), max_length=12, choices=CameraMount.choices, default=CameraMount.WALL
    )
    camera_type = models.CharField(
        _("tipe"), max_length=8, choices=CameraType.choices, default=CameraType.FIXED
    )
    height_m = models.DecimalField(
        _("tinggi pasang (meter)"),
        max_digits=4,
        decimal_places=1,
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(50)],
    )
    zone = models.CharField(
        _("zona"), max_length=10, choices=SurveillanceZone.choices, default=SurveillanceZone.TOWN
    )
    sees_public_space = models.BooleanField(_("melihat ruang publik"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kamera")
        verbose_name_plural = _("kamera")
        ordering = ["recorder", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["recorder", "channel"], name="camera_unique_recorder_channel"
            ),
            models.CheckConstraint(
                condition=models.Q(direction__lte=359), name="camera_direction_0_359"
            ),
            models.CheckConstraint(
                condition=models.Q(angle__gte=1, angle__lte=360), name="camera_angle_1_360"
            ),
        ]

    def __str__(self) -> str:
        return self.name or _("Kamera %(channel)s") % {"channel": self.channel}

    def clean(self) -> None:
        validate_point_in_indonesia(self.latitude, self.longitude)

    def osm_tags(self) -> dict[str, str]:
        return {
            "man_made": "surveillance",
            "surveillance": "public" if self.sees_public_space else "outdoor",
            "surveillance:type": "camera",
            "surveillance:zone": self.zone,
            "camera:type": self.camera_type,
            "camera:mount": self.mount,
            "camera:direction": str(self.direction),
            "camera:angle": str(self.angle),
            "height": str(self.height_m),
        }


class EnrolmentState(models.TextChoices):
    DRAFT = "draft", _("Draf")
    SUBMITTED = "submitted", _("Diajukan")
    CHECKED = "checked", _("Lolos uji koneksi")
    VERIFIED = "verified", _("Terverifikasi")
    CONNECTED = "connected", _("Terhubung ke Command Center")
    STICKERED = "stickered", _("Berstiker")
    REJECTED = "rejected", _("Ditolak")
    WITHDRAWN = "withdrawn", _("Ditarik pemilik")


# What happens next, told to the owner beside each state (dashboard, camera page).
ENROLMENT_NEXT_STEP = {
    EnrolmentState.DRAFT: _("Lanjutkan pendaftaran dan kirimkan ke polisi."),
    EnrolmentState.SUBMITTED: _(
        "Sistem menguji koneksi perekam Anda. Setelah lolos, Bhabinkamtibmas desa Anda "
        "akan menghubungi Anda untuk memeriksa lokasi."
    ),
    EnrolmentState.CHECKED: _(
        "Bhabinkamtibmas desa Anda akan datang memeriksa lokasi dan arah kamera."
    ),
    EnrolmentState.VERIFIED: _(
        "Kamera sudah dihitung dalam target program. Bila Anda mengizinkan siaran "
        "langsung, Command Center akan menghubungkannya; petugas lalu memasang stiker."
    ),
    EnrolmentState.CONNECTED: _("Petugas akan memasang stiker CCTV Warga di lokasi."),
    EnrolmentState.STICKERED: _(
        "Selesai. Terima kasih! Anda tetap bisa mengubah izin atau berhenti kapan saja."
    ),
    EnrolmentState.REJECTED: _("Baca alasannya di halaman kamera, perbaiki, lalu daftarkan lagi."),
    EnrolmentState.WITHDRAWN: _("Kamera ini tidak lagi ikut program."),
}


#: Connected to the Command Center (a sticker comes after connection).
CONNECTED_STATES: tuple[str, ...] = (EnrolmentState.CONNECTED, EnrolmentState.STICKERED)


class Enrolment(models.Model):
    """A camera in a program; its state moves only through owners.services."""

    camera = models.ForeignKey(
        Camera, verbose_name=_("kamera"), on_delete=models.CASCADE, related_name="enrolments"
    )
    program = models.ForeignKey(
        "police.Program",
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    state = models.CharField(
        _("status"), max_length=10, choices=EnrolmentState.choices, default=EnrolmentState.DRAFT
    )
    state_changed_at = models.DateTimeField(_("status berubah"), auto_now_add=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pendaftaran")
        verbose_name_plural = _("pendaftaran")
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "program"], name="enrolment_unique_camera_program"
            )
        ]
        indexes = [models.Index(fields=["program", "state"])]

    def __str__(self) -> str:
        return f"{self.camera} → {self.program} ({self.state})"

    def next_step(self) -> str:
        """What happens next, in words for the owner."""
        return str(ENROLMENT_NEXT_STEP.get(EnrolmentState(self.state), ""))


class EnrolmentTransition(models.Model):
    """Append-only log: who moved an enrolment from which state to which, when and why."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=10, choices=EnrolmentState.choices)
    to_state = models.CharField(max_length=10, choices=EnrolmentState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("riwayat status")
        verbose_name_plural = _("riwayat status")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class JoinStep(models.TextChoices):
    SITE = "site", _("Lokasi")
    RECORDER = "recorder", _("Perekam")
    CHECK = "check", _("Uji koneksi")
    CAMERAS = "cameras", _("Kamera")
    CONSENT = "consent", _("Persetujuan")
    REVIEW = "review", _("Tinjau dan kirim")


JOIN_STEPS = list(JoinStep.values)


class JoinDraft(models.Model):
    """A person's progress through the joining wizard, saved at every step.

    The objects themselves (site, recorder, cameras, draft enrolments) are saved
    as the person goes, so a draft resumes on any device.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_drafts"
    )
    program = models.ForeignKey("police.Program", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        Owner, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorder = models.ForeignKey(
        Recorder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reached = models.CharField(max_length=10, choices=JoinStep.choices, default=JoinStep.SITE)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("draf pendaftaran")
        verbose_name_plural = _("draf pendaftaran")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self.user} → {self.program} ({self.reached})"

    def can_open(self, step: str) -> bool:
        return JOIN_STEPS.index(step) <= JOIN_STEPS.index(self.reached)


class Invitation(models.Model):
    """An invitation to join an owner organisation, by email or by phone."""

    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("nomor HP"), max_length=20, blank=True)
    role = models.CharField(_("peran"), max_length=10, choices=MemberRole.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("undangan")
        verbose_name_plural = _("undangan")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="") | ~models.Q(phone=""), name="invitation_has_contact"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email or self.phone} → {self.owner}"


class OwnerEventKind(models.TextChoices):
    INVITED = "invited", _("Undangan dikirim")
    INVITATION_CANCELLED = "invitation_cancelled", _("Undangan dibatalkan")
    INVITATION_DECLINED = "invitation_declined", _("Undangan ditolak")
    JOINED = "joined", _("Bergabung")
    ROLE_CHANGED = "role_changed", _("Peran diubah")
    REMOVED = "removed", _("Dikeluarkan")
    LEFT = "left", _("Keluar")


class OwnerEvent(models.Model):
    """Append-only history of an owner's membership: who invited, joined, left, and when.

    ``actor_name`` and ``subject`` keep the names as they were, so the history
    reads the same after an account is deleted.
    """

    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("peristiwa"), max_length=24, choices=OwnerEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("oleh"), max_length=150, blank=True)
    subject = models.CharField(_("anggota"), max_length=254, blank=True)
    detail = models.CharField(_("keterangan"), max_length=200, blank=True)
    at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        verbose_name = _("riwayat pemilik")
        verbose_name_plural = _("riwayat pemilik")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.owner}: {self.kind} {self.subject}"
