"""Demo WhatsApp: phone numbers, opt-ins, digest subscriptions and a few outbox messages.

Every demo role sees the feature: owners and the Bhabinkamtibmas on their
"WhatsApp" page (recent messages), Polsek/Polres with the daily digest ticked,
the admin in the outbox. Messages are in console mode (no token in the demo).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from consent.models import MessagingChannel
from notifications import services
from notifications.models import DigestSubscription, Message, MessageKind, MessageStatus
from notifications.templates import TEMPLATES

DEMO_PHONES = {
    "warga": "+6281200001001",
    "usaha": "+6281200001002",
    "pengelola": "+6281200001003",
    "bhabin": "+6281200001004",
    "polsek": "+6281200001005",
    "polres": "+6281200001006",
}
DIGEST = ("polsek", "polres")
MESSAGES: dict[str, list[tuple[str, list[str], str]]] = {
    "warga": [
        ("cw_submitted", ["2", "Mataraksa"], MessageStatus.CONSOLE),
        ("cw_check_passed", ["DVR Rumah"], MessageStatus.CONSOLE),
        ("cw_verified", ["2", "Mataraksa"], MessageStatus.CONSOLE),
    ],
    "usaha": [("cw_connected", ["1", "Mataraksa"], MessageStatus.CONSOLE)],
    "pengelola": [
        ("cw_verified", ["200", "Mataraksa"], MessageStatus.CONSOLE),
        ("cw_recorder_offline", ["NVR Blok A"], MessageStatus.FAILED),
    ],
    "bhabin": [("cw_new_submission", ["3", "Bitung Jaya"], MessageStatus.CONSOLE)],
    "polsek": [("cw_daily_digest", ["Polsek Cikupa", "12", "2"], MessageStatus.CONSOLE)],
    "polres": [("cw_daily_digest", ["Polresta Tangerang", "40", "5"], MessageStatus.CONSOLE)],
}


def whatsapp_ensure(users: dict[str, User]) -> int:
    """Idempotent: returns the number of demo messages created in this run."""
    created = 0
    now = timezone.now()
    for local, phone in DEMO_PHONES.items():
        user = users.get(local)
        if user is None:
            continue
        if not user.phone and not User.objects.filter(phone=phone).exists():
            user.phone, user.phone_verified = phone, True
            user.save(update_fields=["phone", "phone_verified"])
        if user.phone != phone:
            continue
        services.opt_in_set(user=user, phone=phone, opted_in=True, channel=MessagingChannel.PROFILE)
        if local in DIGEST:
            DigestSubscription.objects.get_or_create(user=user)
        for i, (template, params, status) in enumerate(MESSAGES.get(local, [])):
            at = now - timedelta(hours=3 * (len(MESSAGES[local]) - i))
            _message, made = Message.objects.get_or_create(
                key=f"demo:{local}:{i}",
                defaults={
                    "kind": MessageKind.UPDATE,
                    "phone": phone,
                    "user": user,
                    "template": template,
                    "params": params,
                    "text": TEMPLATES[template].render("id", params),
                    "status": status,
                    "wamid": f"console.demo-{local}-{i}",
                    "attempts": 1,
                    "next_attempt_at": at,
                    "sent_at": at if status != MessageStatus.FAILED else None,
                    "failed_at": at if status == MessageStatus.FAILED else None,
                    "error_code": 131026 if status == MessageStatus.FAILED else None,
                    "error_message": "demo: nomor tidak dapat menerima WhatsApp"
                    if status == MessageStatus.FAILED
                    else "",
                    "deadline_at": at + timedelta(days=1),
                },
            )
            created += made
    return created
