"""Checks (one probe of a recorder) and the recorder's online/offline history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from connectivity.explanations import PASSED
from portal.private_files import private_storage


def snapshot_upload_to(instance: object, filename: str) -> str:
    """The service names the file (under consent's per-camera snapshot prefix)."""
    return filename


class CheckTrigger(models.TextChoices):
    MANUAL = "manual", _("Diminta pengguna")
    SCHEDULED = "scheduled", _("Terjadwal")


class CheckStatus(models.TextChoices):
    QUEUED = "queued", _("Menunggu")
    RUNNING = "running", _("Berjalan")
    FINISHED = "finished", _("Selesai")


class Check(models.Model):
    """One connectivity probe of a recorder, step by step.

    ``steps`` holds ``{"name", "ok", "ms", "error_code"}`` per finished step;
    ``streams`` ``{"uri", "codec", "width", "height", "fps"}`` (URIs never carry
    credentials); ``device`` ``{"manufacturer", "model", "firmware", "serial",
    "channel_count"}``; ``detail`` the values the explanation needs (the port).
    """

    recorder = models.ForeignKey(
        "owners.Recorder",
        verbose_name=_("perekam"),
        on_delete=models.CASCADE,
        related_name="checks",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diminta oleh"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    trigger = models.CharField(
        _("pemicu"), max_length=10, choices=CheckTrigger.choices, default=CheckTrigger.MANUAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CheckStatus.choices, default=CheckStatus.QUEUED
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    # The engine's task id once the check was handed to the task engine; empty while
    # it is recorded only here (the broker was down): the reaper's sweep sends it.
    task_id = models.CharField(_("id tugas"), max_length=64, blank=True, editable=False)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    steps = models.JSONField(_("langkah"), default=list, blank=True)
    result_code = models.CharField(_("kode hasil"), max_length=24, blank=True)
    message = models.TextField(_("pesan"), blank=True)
    detail = models.JSONField(_("rincian"), default=dict, blank=True)
    device = models.JSONField(_("info perangkat"), default=dict, blank=True)
    streams = models.JSONField(_("aliran video"), default=list, blank=True)
    warnings = models.JSONField(_("catatan"), default=list, blank=True)
    ms_to_first_frame = models.PositiveIntegerField(
        _("ms hingga gambar pertama"), null=True, blank=True
    )
    duration_ms = models.PositiveIntegerField(_("lama pengujian (ms)"), null=True, blank=True)
    snapshot = models.FileField(
        _("cuplikan"), upload_to=snapshot_upload_to, storage=private_storage, blank=True
    )

    class Meta:
        verbose_name = _("uji koneksi")
        verbose_name_plural = _("uji koneksi")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recorder", "-created_at"]),
            # the reaper's and the re-check's "in flight" reads: a few rows of many
            models.Index(
                fields=["status", "created_at"],
                name="connectivity_check_unfinished",
                condition=models.Q(status__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recorder} {self.created_at:%Y-%m-%d %H:%M} {self.result_code or self.status}"

    @property
    def finished(self) -> bool:
        return self.status == CheckStatus.FINISHED

    @property
    def passed(self) -> bool:
        return self.result_code in PASSED


class RecorderStatusEvent(models.Model):
    """A recorder went online or offline (notifications read these)."""

    recorder = models.ForeignKey(
        "owners.Recorder", verbose_name=_("perekam"), on_delete=models.CASCADE,
        related_name="status_events",
    )  # fmt: skip
    online = models.BooleanField(_("daring"))
    previous = models.BooleanField(_("sebelumnya daring"), null=True, blank=True)
    check_run = models.ForeignKey(
        Check, verbose_name=_("uji koneksi"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    result_code = models.CharField(_("kode hasil"), max_length=24, blank=True)
    at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        verbose_name = _("perubahan status perekam")
        verbose_name_plural = _("perubahan status perekam")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.recorder}: {'online' if self.online else 'offline'}"
