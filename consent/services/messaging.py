"""WhatsApp opt-in and opt-out, per phone number (append-only, next to the consent records)."""

from __future__ import annotations

from typing import Any

from consent.models import (
    MESSAGING_OPT_IN_TEXTS,
    MESSAGING_OPT_IN_VERSION,
    MessagingConsent,
)
from consent.selectors import messaging_opted_in


def messaging_consent_record(
    *, phone: str, opted_in: bool, channel: str, user: Any = None
) -> MessagingConsent | None:
    """Record a yes or a no for ``phone``; returns None when nothing changed.

    ``phone`` is E.164. Saying the same thing twice writes no second row, so a
    repeated "BERHENTI" is not a new event.
    """
    if messaging_opted_in(phone=phone) == opted_in:
        return None
    return MessagingConsent.objects.create(
        phone=phone,
        user=user if getattr(user, "pk", None) else None,
        opted_in=opted_in,
        text_version=MESSAGING_OPT_IN_VERSION,
        text=MESSAGING_OPT_IN_TEXTS[MESSAGING_OPT_IN_VERSION],
        channel=channel,
    )
