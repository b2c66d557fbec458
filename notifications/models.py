"""WhatsApp outbox, webhooks and recipients.

Flow: events in the append-only tables of lower apps become ``Notification`` rows
(one per event and recipient, unique key, written before anything is sent); the
pending notifications of one person and kind become one ``Message`` (coalescing);
messages are sent from the outbox with a tracker (their id) that comes back with
every status webhook.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Recipient(models.Model):
    """What we know of a WhatsApp number: its BSUID, when it last wrote and was written to."""

    phone = models.CharField(_("nomor HP"), max_length=20, unique=True)
    bsuid = models.CharField(_("BSUID"), max_length=100, blank=True)
    last_inbound_at = models.DateTimeField(_("pesan masuk terakhir"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("pesan keluar terakhir"), null=True, blank=True)
    last_help_at = models.DateTimeField(_("teks bantuan terakhir"), null=True, blank=True)
    undeliverable_at = models.DateTimeField(_("tidak dapat menerima"), null=True, blank=True)

    class Meta:
        verbose_name = _("penerima WhatsApp")
        verbose_name_plural = _("penerima WhatsApp")

    def __str__(self) -> str:
        return self.phone


class Cursor(models.Model):
    """How far the collector has read an append-only event table (by id)."""

    source = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.source} @ {self.last_id}"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Antre")
    SENDING = "sending", _("Sedang dikirim")
    UNCERTAIN = "uncertain", _("Menunggu kabar Meta")
    SENT = "sent", _("Terkirim")
    DELIVERED = "delivered", _("Diterima")
    READ = "read", _("Dibaca")
    FAILED = "failed", _("Gagal")
    CONSOLE = "console", _("Konsol (tanpa token)")
    CANCELLED = "cancelled", _("Dibatalkan (berhenti berlangganan)")


# Statuses only move forward; failed is terminal.
STATUS_RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.UNCERTAIN: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.READ: 4,
}
FINAL = {MessageStatus.FAILED, MessageStatus.CONSOLE, MessageStatus.CANCELLED}
OPEN = {MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.UNCERTAIN}


class MessageKind(models.TextChoices):
    UPDATE = "update", _("Kabar")
    CODE = "code", _("Kode masuk")
    REPLY = "reply", _("Balasan")


class Message(models.Model):
    """One outbound WhatsApp message; its id is the tracker Meta sends back."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("jenis"), max_length=10, choices=MessageKind.choices)
    phone = models.CharField(_("nomor HP"), max_length=20, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template = models.CharField(_("templat"), max_length=60, blank=True)
    language = models.CharField(_("bahasa"), max_length=5, default="id")
    params = models.JSONField(_("parameter"), default=list, blank=True)
    # Never stored for sign-in codes (the code is a secret): their text stays empty.
    text = models.TextField(_("teks"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    wamid = models.CharField(_("wamid"), max_length=200, null=True, blank=True, unique=True)
    error_code = models.IntegerField(_("kode galat"), null=True, blank=True)
    error_message = models.CharField(_("galat"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("coba lagi pada"), db_index=True)
    sending_since = models.DateTimeField(_("mulai dikirim"), null=True, blank=True)
    sent_at = models.DateTimeField(_("terkirim"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("diterima"), null=True, blank=True)
    read_at = models.DateTimeField(_("dibaca"), null=True, blank=True)
    failed_at = models.DateTimeField(_("gagal"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("batas waktu"))

    class Meta:
        verbose_name = _("pesan WhatsApp")
        verbose_name_plural = _("pesan WhatsApp")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="message_due")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.template or self.kind} → {self.phone} ({self.status})"

    @property
    def tracker(self) -> str:
        return f"m{self.pk}"

    @property
    def console(self) -> bool:
        return self.status == MessageStatus.CONSOLE


class Notification(models.Model):
    """One event for one recipient; pending ones of a person and kind coalesce into a message."""

    key = models.CharField(max_length=120, unique=True)
    phone = models.CharField(max_length=20, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template = models.CharField(max_length=60)
    group = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    skipped = models.CharField(max_length=40, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["message", "skipped", "phone"], name="notification_pending")
        ]

    def __str__(self) -> str:
        return self.key


class StatusEvent(models.Model):
    """A delivery status from the webhook; (wamid, status) once only."""

    wamid = models.CharField(max_length=200)
    status = models.CharField(max_length=20)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="status_events"
    )
    error_code = models.IntegerField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["wamid", "status"], name="status_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.wamid} {self.status}"


class WebhookPayload(models.Model):
    """A raw webhook body, stored before parsing (unique: a redelivery is stored once)."""

    sha256 = models.CharField(max_length=64, unique=True)
    body = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("webhook WhatsApp")
        verbose_name_plural = _("webhook WhatsApp")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.received_at:%Y-%m-%d %H:%M:%S}"


class InboundMessage(models.Model):
    """A message someone sent us; once per ``wamid``."""

    wamid = models.CharField(max_length=200, unique=True)
    phone = models.CharField(max_length=20, db_index=True)
    bsuid = models.CharField(max_length=100, blank=True)
    text = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    answer = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("pesan masuk WhatsApp")
        verbose_name_plural = _("pesan masuk WhatsApp")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.phone}: {self.text[:30]}"


class TemplateState(models.Model):
    """What Meta says of one of our templates in one language."""

    name = models.CharField(max_length=60)
    language = models.CharField(max_length=5)
    meta_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=30, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "language"], name="template_state_once")
        ]

    def __str__(self) -> str:
        return f"{self.name}/{self.language}: {self.status}"


class RateBucket(models.Model):
    """The shared token bucket on the embedded engine (Redis holds it under Celery)."""

    name = models.CharField(max_length=40, unique=True)
    tokens = models.FloatField(default=0)
    stamp = models.FloatField(default=0)

    def __str__(self) -> str:
        return self.name


class DigestSubscription(models.Model):
    """A Polsek or Polres officer asked for the daily digest on WhatsApp."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="whatsapp_digest"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.user)
