"""WhatsApp message bodies have a retention period like snapshots and photos (issue 11)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from consent.models import RetentionPurge
from notifications import tasks
from notifications.models import (
    InboundMessage,
    Message,
    MessageKind,
    MessageStatus,
    WebhookPayload,
)

pytestmark = pytest.mark.django_db


def message(key: str, status: str, age_days: int) -> Message:
    now = timezone.now()
    row = Message.objects.create(
        key=key,
        kind=MessageKind.UPDATE,
        phone="+6281234567890",
        template="cw_submitted",
        status=status,
        text="2 kamera Anda sudah terkirim ke program Mataraksa.",
        params=["2", "Mataraksa"],
        next_attempt_at=now,
        deadline_at=now,
    )
    Message.objects.filter(pk=row.pk).update(created_at=now - dt.timedelta(days=age_days))
    return row


def test_old_texts_are_erased_and_the_purge_is_recorded(settings):
    settings.WHATSAPP_BODY_RETENTION_DAYS = 90
    old = message("old", MessageStatus.DELIVERED, 91)
    recent = message("recent", MessageStatus.DELIVERED, 10)
    in_flight = message("queued", MessageStatus.QUEUED, 91)
    inbound = InboundMessage.objects.create(wamid="w1", phone="+6281234567890", text="STATUS")
    payload = WebhookPayload.objects.create(sha256="0" * 64, body="{}", processed_at=timezone.now())
    long_ago = timezone.now() - dt.timedelta(days=91)
    InboundMessage.objects.filter(pk=inbound.pk).update(received_at=long_ago)
    WebhookPayload.objects.filter(pk=payload.pk).update(received_at=long_ago)

    assert tasks.purge_message_bodies.call() == 3

    old.refresh_from_db()
    assert (old.text, old.params, old.status) == ("", [], MessageStatus.DELIVERED)
    assert Message.objects.get(pk=recent.pk).text
    assert Message.objects.get(pk=in_flight.pk).text  # still to be sent: kept
    assert InboundMessage.objects.get(pk=inbound.pk).text == ""
    assert not WebhookPayload.objects.filter(pk=payload.pk).exists()
    assert RetentionPurge.objects.get(kind="whatsapp_message_body").purged == 3
    assert tasks.purge_message_bodies.call() == 0  # nothing left to erase
