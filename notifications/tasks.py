"""Thin tasks of notifications: they take ids and call services."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from consent.services import retention_purge_record
from notifications import selectors, services
from portal import inflight, periodic


@task()
def whatsapp_cycle() -> dict[str, int]:
    """Periodic: collect events, coalesce, reap stuck sends, send what is due."""
    for payload_id in list(services.webhook_open_payloads()):
        services.webhook_process(payload_id=payload_id)
    return services.outbox_cycle()


@task()
def whatsapp_send() -> int:
    """Send what is due now (queued after an inbound reply or an admin's retry)."""
    return services.outbox_send()


@task()
def whatsapp_webhook_process(payload_id: int) -> int:
    """Parse one stored webhook payload, then answer any reply it asked for."""
    problems = services.webhook_process(payload_id=payload_id)
    if services.replies_due():
        services.outbox_send(limit=50)
    return len(problems)


@task()
def whatsapp_daily_digest() -> int:
    return services.digests_collect()


@task()
def purge_message_bodies() -> int:
    """Daily: erase message texts past ``WHATSAPP_BODY_RETENTION_DAYS`` (a retention record)."""
    purged = services.message_bodies_purge()
    retention_purge_record(kind="whatsapp_message_body", purged=purged)
    return purged


periodic.register(
    whatsapp_cycle, schedule=periodic.Every(minutes=1), name="notifications.whatsapp_cycle"
)
periodic.register(
    purge_message_bodies,
    schedule=periodic.DailyAt(hour=3, minute=40),
    name="notifications.purge_message_bodies",
)
periodic.register(
    whatsapp_daily_digest,
    schedule=periodic.DailyAt(hour=7, minute=0),
    name="notifications.whatsapp_daily_digest",
)


def _reap_outbox(now: dt.datetime) -> inflight.Reaped:
    reaped = services.outbox_reap(now=now)
    return inflight.Reaped(lost=reaped["failed"], requeued=reaped["requeued"])


# The outbox's own reaper (also run by whatsapp_cycle), listed with the other kinds
# of work in flight. Nothing to sweep: messages are rows the cycle polls, never
# handed to the broker one by one.
inflight.register(
    inflight.Kind(
        name="notifications.message",
        in_flight=selectors.messages_in_flight,
        overdue=selectors.messages_overdue,
        reap=_reap_outbox,
        requeue="sends left uncertain past WHATSAPP_UNCERTAIN_GRACE, as outbox_reap decides",
    )
)
