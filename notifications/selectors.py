"""Reads of notifications: the outbox, a person's messages, template states."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from notifications.models import Message, MessageStatus, TemplateState


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
