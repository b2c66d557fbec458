"""Estate imports: one uploaded camera file, from preview to applied, with a deadline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Menunggu giliran")
    PARSING = "parsing", _("Memeriksa berkas")
    PREVIEW = "preview", _("Siap ditinjau")
    APPLYING = "applying", _("Menyimpan")
    APPLIED = "applied", _("Tersimpan")
    FAILED = "failed", _("Gagal")


#: States in which a worker (or the person, for a preview) still owes the next move.
OPEN_STATES = (
    ImportStatus.QUEUED,
    ImportStatus.PARSING,
    ImportStatus.PREVIEW,
    ImportStatus.APPLYING,
)


class ImportJob(models.Model):
    """An estate manager's camera file for one owner and program.

    The file itself is kept encrypted (it holds recorder passwords) until the
    job is applied or fails. Every open state has a ``deadline``; past it,
    ``joining.estate_import.import_jobs_reap`` marks the job failed, so none
    stays "in progress" after its worker died.
    """

    owner = models.ForeignKey(
        "owners.Owner", verbose_name=_("pemilik"), on_delete=models.CASCADE, related_name="+"
    )
    program = models.ForeignKey(
        "police.Program", verbose_name=_("program"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("nama berkas"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    payload = models.TextField(blank=True, default="")  # encrypted, base64 of the file
    skip_invalid = models.BooleanField(_("lewati baris yang salah"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    deadline = models.DateTimeField(_("batas waktu"))
    #: the engine's id of the task that runs the job's current step; empty while the
    #: step was recorded but not handed to the engine yet (its broker was down): the
    #: reaper's sweep hands it over (``estate_import.import_jobs_sweep``)
    task_id = models.CharField(max_length=64, blank=True, default="")
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    points = models.JSONField(default=list, blank=True)
    message = models.TextField(_("pesan"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("impor kamera")
        verbose_name_plural = _("impor kamera")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.filename} → {self.owner_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))
