"""Reads of notifications: the outbox, a person's messages, template states."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from notifications.models import OPEN, Message, MessageStatus, TemplateState


def outbox(*, status: str = "") -> QuerySet[Message]:
    qs = Message.objects.all().order_by("-created_at", "-pk")
    if status in MessageStatus.values:
        qs = qs.filter(status=status)
    return qs


def outbox_counts() -> dict[str, int]:
    return dict(Message.objects.values_list("status").annotate(n=Count("pk")).order_by())


def messages_of(*, user: Any) -> QuerySet[Message]:
    """Messages to the user's own number (sign-in codes carry no text)."""
    phone = getattr(user, "phone", None)
    if not phone:
        return Message.objects.none()
    return Message.objects.filter(phone=phone).order_by("-created_at", "-pk")


def template_states() -> QuerySet[TemplateState]:
    return TemplateState.objects.order_by("name", "language")


def _overdue_q(now: dt.datetime) -> Q:
    grace = dt.timedelta(seconds=settings.WHATSAPP_UNCERTAIN_GRACE)
    return Q(deadline_at__lt=now) | Q(
        status__in=[MessageStatus.SENDING, MessageStatus.UNCERTAIN],
        sending_since__lt=now - grace,
    )


def messages_in_flight(now: dt.datetime) -> QuerySet[Message]:
    """Messages open (queued, sending, uncertain) within their deadline and grace."""
    return Message.objects.filter(status__in=list(OPEN)).exclude(_overdue_q(now))


def messages_overdue(now: dt.datetime) -> QuerySet[Message]:
    """Open messages past their deadline or their grace: ``services.outbox_reap``'s work."""
    return Message.objects.filter(status__in=list(OPEN)).filter(_overdue_q(now))
