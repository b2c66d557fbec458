"""WhatsApp: events to notifications, notifications to messages, messages out, webhooks in.

The pipeline, each step idempotent and safe to run in many workers at once:

1. ``events_collect``: read the append-only event tables by id (a cursor per table)
   and write one ``Notification`` per (event, recipient) under a unique key.
2. ``notifications_compose``: once a person's oldest pending notification is
   ``WHATSAPP_COALESCE_SECONDS`` old, their pending notifications of one template and
   group become ONE ``Message`` ("200 kamera terverifikasi").
3. ``outbox_send``: claim due messages in batches (``SKIP LOCKED``), respecting
   opt-outs and the per-recipient pair limit; reserve the batch's slots of
   ``WHATSAPP_RATE`` at once, send each at its slot from a few threads with the
   message id as tracker; record the results of a batch (``wamid``, errors) in one transaction.
4. ``outbox_reap``: a message whose send may have gone out (timeout, dead worker) is
   resent only when no status webhook arrived within ``WHATSAPP_UNCERTAIN_GRACE``;
   any message still open at its deadline is failed, and shown as such.
5. ``webhook_store`` / ``webhook_process``: raw payload stored under a unique hash,
   parsed in a task; statuses only move forward; inbound replies answered.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Min, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import User
from connectivity.explanations import explain
from connectivity.models import Check, CheckStatus, CheckTrigger, RecorderStatusEvent
from consent import selectors as consent_selectors
from consent import services as consent_services
from consent.models import ConsentEvent, MessagingChannel
from notifications import ratelimit, whatsapp
from notifications.models import (
    FINAL,
    OPEN,
    STATUS_RANK,
    Cursor,
    DigestSubscription,
    InboundMessage,
    Message,
    MessageKind,
    MessageStatus,
    Notification,
    Recipient,
    StatusEvent,
    TemplateState,
    WebhookPayload,
)
from notifications.templates import SIGN_IN_CODE, TEMPLATES
from owners import selectors as owner_selectors
from owners.models import (
    Enrolment,
    EnrolmentState,
    EnrolmentTransition,
    Invitation,
    Membership,
    Recorder,
)
from police.models import Officer, OfficerRole, UnitLevel
from registry import scoping

logger = logging.getLogger(__name__)

PAIR_INTERVAL = timedelta(seconds=6)  # Meta: about one message per 6 s to one number
HELP_INTERVAL = timedelta(days=1)
SERVICE_WINDOW = timedelta(hours=24)
STOP_WORDS = {"BERHENTI", "STOP"}
START_WORDS = {"MULAI", "START"}
STATUS_WORDS = {"STATUS"}


def _now() -> Any:
    return timezone.now()


def _site_link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _recorder_label(recorder: Recorder) -> str:
    # The owner's own label, or the brand: never the site's name or address.
    return (recorder.name or recorder.get_brand_display())[:60]


# --- 1. events to notifications -------------------------------------------------------


@dataclass
class _Row:
    key: str
    phone: str
    user_id: int | None
    template: str
    group: str
    params: list[str]


def _members_with_phone(owner_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """(user id, phone) of every member of each owner who has a phone number."""
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for owner_id, user_id, phone in Membership.objects.filter(
        owner_id__in=set(owner_ids), user__phone__isnull=False
    ).values_list("owner_id", "user_id", "user__phone"):
        if phone:
            found[owner_id].append((user_id, phone))
    return found


def _bhabins_of_villages(village_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for village_id, user_id, phone in Officer.objects.filter(
        role=OfficerRole.BHABINKAMTIBMAS,
        active=True,
        villages__in=set(village_ids),
        user__phone__isnull=False,
    ).values_list("villages", "user_id", "user__phone"):
        if phone:
            found[village_id].append((user_id, phone))
    return found


TRANSITION_TEMPLATES = {
    EnrolmentState.SUBMITTED: "cw_submitted",
    EnrolmentState.VERIFIED: "cw_verified",
    EnrolmentState.REJECTED: "cw_rejected",
    EnrolmentState.CONNECTED: "cw_connected",
    EnrolmentState.STICKERED: "cw_stickered",
}


def _rows_from_transitions(after: int, limit: int) -> tuple[list[_Row], int]:
    transitions = list(
        EnrolmentTransition.objects.filter(pk__gt=after)
        .order_by("pk")
        .select_related("enrolment__program", "enrolment__camera__recorder__site")[:limit]
    )
    if not transitions:
        return [], after
    owners = _members_with_phone(
        t.enrolment.camera.recorder.site.owner_id
        for t in transitions
        if t.to_state in TRANSITION_TEMPLATES
    )
    bhabins = _bhabins_of_villages(
        t.enrolment.camera.recorder.site.village_id
        for t in transitions
        if t.to_state == EnrolmentState.SUBMITTED
    )
    rows: list[_Row] = []
    for t in transitions:
        template = TRANSITION_TEMPLATES.get(t.to_state)  # type: ignore[call-overload]
        if template is None:
            continue
        site = t.enrolment.camera.recorder.site
        program = t.enrolment.program.name[:60]
        if template == "cw_rejected":
            reason = (t.reason or _("tidak ada keterangan")).strip()[:200]
            group, params = reason, ["count", reason]
        elif template == "cw_stickered":
            group, params = "", ["count"]
        else:
            group, params = program, ["count", program]
        for user_id, phone in owners.get(site.owner_id, []):
            rows.append(_Row(f"t{t.pk}:{phone}", phone, user_id, template, group, params))
        if template == "cw_submitted":
            village = site.village.name if site.village_id else ""
            for user_id, phone in bhabins.get(site.village_id, []):
                rows.append(
                    _Row(
                        f"t{t.pk}:b:{phone}",
                        phone,
                        user_id,
                        "cw_new_submission",
                        village,
                        ["count", village],
                    )
                )
    return rows, transitions[-1].pk


def _rows_from_checks(after: int, limit: int) -> tuple[list[_Row], int]:
    """Finished manual checks; stops at a young unfinished one (it finishes later)."""
    checks = list(
        Check.objects.filter(pk__gt=after).order_by("pk").select_related("recorder__site")[:limit]
    )
    rows: list[_Row] = []
    last = after
    young = _now() - timedelta(hours=1)
    owners = _members_with_phone(c.recorder.site.owner_id for c in checks)
    for check in checks:
        if check.status != CheckStatus.FINISHED:
            if check.created_at > young:
                break
            last = check.pk
            continue
        last = check.pk
        if check.trigger != CheckTrigger.MANUAL:
            continue
        label = _recorder_label(check.recorder)
        if check.passed:
            template, params = "cw_check_passed", [label]
        else:
            with override("id"):
                advice = explain(check.result_code, check.detail).get("next_step", "")
            template, params = "cw_check_failed", [label, str(advice)[:300]]
        for user_id, phone in owners.get(check.recorder.site.owner_id, []):
            rows.append(
                _Row(
                    f"c{check.pk}:{phone}",
                    phone,
                    user_id,
                    template,
                    f"r{check.recorder_id}",
                    params,
                )
            )
    return rows, last


def _rows_from_recorder_status(after: int, limit: int) -> tuple[list[_Row], int]:
    """Offline for longer than ``WHATSAPP_OFFLINE_AFTER``, and back online after such a notice."""
    events = list(
        RecorderStatusEvent.objects.filter(pk__gt=after)
        .order_by("pk")
        .select_related("recorder__site")[:limit]
    )
    rows: list[_Row] = []
    last = after
    threshold = _now() - timedelta(seconds=settings.WHATSAPP_OFFLINE_AFTER)
    owners = _members_with_phone(e.recorder.site.owner_id for e in events)
    for event in events:
        recorder = event.recorder
        if not event.online:
            if event.at > threshold:
                break  # not offline long enough yet: look again later
            back = RecorderStatusEvent.objects.filter(
                recorder=recorder, pk__gt=event.pk, online=True
            ).exists()
            last = event.pk
            if back:
                continue  # came back before it was worth a message
            template = "cw_recorder_offline"
        else:
            last = event.pk
            previous_offline = (
                RecorderStatusEvent.objects.filter(recorder=recorder, pk__lt=event.pk)
                .order_by("-pk")
                .first()
            )
            if previous_offline is None or previous_offline.online:
                continue
            if not Notification.objects.filter(
                key__startswith=f"s{previous_offline.pk}:", skipped=""
            ).exists():
                continue  # the owner never heard it was offline
            template = "cw_recorder_online"
        for user_id, phone in owners.get(recorder.site.owner_id, []):
            rows.append(
                _Row(
                    f"s{event.pk}:{phone}",
                    phone,
                    user_id,
                    template,
                    f"r{recorder.pk}",
                    [_recorder_label(recorder)],
                )
            )
    return rows, last


def _rows_from_consent_events(after: int, limit: int) -> tuple[list[_Row], int]:
    events = list(
        ConsentEvent.objects.filter(pk__gt=after).order_by("pk").select_related("owner")[:limit]
    )
    if not events:
        return [], after
    owners = _members_with_phone(e.owner_id for e in events if e.owner_id)
    rows: list[_Row] = []
    for event in events:
        if event.kind != ConsentEvent.Kind.RECONSENT_NEEDED or event.owner is None:
            continue
        link = _site_link(reverse("consent:overview", args=[event.owner.pk]))
        name = event.owner.name[:60]
        for user_id, phone in owners.get(event.owner.pk, []):
            rows.append(
                _Row(
                    f"e{event.pk}:{phone}",
                    phone,
                    user_id,
                    "cw_reconsent",
                    f"o{event.owner.pk}",
                    [name, link],
                )
            )
    return rows, events[-1].pk


def _rows_from_invitations(after: int, limit: int) -> tuple[list[_Row], int]:
    invitations = list(
        Invitation.objects.filter(pk__gt=after)
        .order_by("pk")
        .select_related("owner", "invited_by")[:limit]
    )
    if not invitations:
        return [], after
    rows: list[_Row] = []
    link = _site_link(reverse("owners:dashboard"))
    for invitation in invitations:
        phone = invitation.phone
        user = None
        if not phone and invitation.email:
            user = User.objects.filter(email__iexact=invitation.email).exclude(phone=None).first()
            phone = (user.phone or "") if user else ""
        elif phone:
            user = User.objects.filter(phone=phone).first()
        if not phone or invitation.accepted_at:
            continue
        inviter = invitation.invited_by.get_short_name() if invitation.invited_by else "CCTV Warga"
        rows.append(
            _Row(
                f"i{invitation.pk}:{phone}",
                phone,
                user.pk if user else None,
                "cw_invitation",
                f"i{invitation.pk}",
                [inviter[:40], invitation.owner.name[:60], link],
            )
        )
    return rows, invitations[-1].pk


SOURCES = {
    "transitions": _rows_from_transitions,
    "checks": _rows_from_checks,
    "recorder_status": _rows_from_recorder_status,
    "consent_events": _rows_from_consent_events,
    "invitations": _rows_from_invitations,
}


def events_collect(*, limit: int = 1000) -> int:
    """Read new events from every source; returns the notifications written."""
    written = 0
    for source, read in SOURCES.items():
        with transaction.atomic():
            cursor, _created = Cursor.objects.get_or_create(source=source)
            cursor = Cursor.objects.select_for_update().get(pk=cursor.pk)
            rows, last = read(cursor.last_id, limit)
            if rows:
                Notification.objects.bulk_create(
                    [
                        Notification(
                            key=r.key,
                            phone=r.phone,
                            user_id=r.user_id,
                            template=r.template,
                            group=r.group[:200],
                            params=r.params,
                        )
                        for r in rows
                    ],
                    ignore_conflicts=True,
                )
                written += len(rows)
            if last != cursor.last_id:
                cursor.last_id = last
                cursor.save(update_fields=["last_id"])
    return written


# --- 2. notifications to messages (coalescing) ------------------------------------------


def _new_message(**fields: Any) -> Message:
    now = _now()
    fields.setdefault("next_attempt_at", now)
    fields.setdefault("deadline_at", now + timedelta(seconds=settings.WHATSAPP_MESSAGE_DEADLINE))
    return Message(**fields)


def notifications_compose(*, now: Any = None) -> int:
    """Turn due pending notifications into messages, one per person, template and group."""
    now = now or _now()
    due_before = now - timedelta(seconds=settings.WHATSAPP_COALESCE_SECONDS)
    phones = list(
        Notification.objects.filter(message__isnull=True, skipped="")
        .values("phone")
        .annotate(oldest=Min("created_at"))
        .filter(oldest__lte=due_before)
        .values_list("phone", flat=True)[:500]
    )
    opted_in = consent_selectors.messaging_opted_in_phones(phones=phones)
    made = 0
    for phone in phones:
        with transaction.atomic():
            pending = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(phone=phone, message__isnull=True, skipped="")
                .order_by("pk")
            )
            if not pending:
                continue
            if phone not in opted_in:
                Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
                    skipped="no_opt_in"
                )
                continue
            groups: dict[tuple[str, str], list[Notification]] = defaultdict(list)
            for n in pending:
                groups[(n.template, n.group)].append(n)
            for (template_name, _group), items in groups.items():
                template = TEMPLATES[template_name]
                count = str(len(items))
                params = [count if p == "count" else p for p in items[0].params]
                message = _new_message(
                    key=f"n{items[0].pk}",
                    kind=MessageKind.UPDATE,
                    phone=phone,
                    user_id=items[0].user_id,
                    template=template_name,
                    params=params,
                    text=template.render("id", params),
                )
                message.save()
                Notification.objects.filter(pk__in=[n.pk for n in items]).update(message=message)
                made += 1
    return made


# --- 3. sending ---------------------------------------------------------------------------


#: Sends waiting on the network at once in one worker process (threads: the wait is
#: Meta's answer, not our CPU).
SEND_THREADS = 8
#: One claim takes at most this many seconds of the pace (and at most ``batch``
#: messages), so that a claimed message leaves soon after its claim.
CLAIM_SECONDS = 0.5


def _send_budget() -> float:
    """Seconds after its claim within which a claimed message may still start to go out.

    Well inside ``WHATSAPP_UNCERTAIN_GRACE``: once a claim is that old, the reaper
    may queue the message again, so its first send must have started (and, within
    ``WHATSAPP_TIMEOUT``, ended) long before. A message that could not start in
    time goes back to the queue untouched.
    """
    return min(60.0, settings.WHATSAPP_UNCERTAIN_GRACE / 3)


def _claim(*, limit: int, now: Any) -> list[Message]:
    """Lock up to ``limit`` due messages and mark them sending (one short transaction).

    Messages to people who opted out are cancelled; a second message to a number
    within ``PAIR_INTERVAL`` waits. A handful of statements, whatever ``limit``.
    """
    with transaction.atomic():
        due = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")[:limit]
        )
        if not due:
            return []
        phones = {m.phone for m in due}
        recipients = {r.phone: r for r in Recipient.objects.filter(phone__in=phones)}
        opted_in = consent_selectors.messaging_opted_in_phones(phones=phones)
        claimed: list[Message] = []
        cancelled: list[int] = []
        waiting: dict[Any, list[int]] = defaultdict(list)
        seen: set[str] = set()
        for m in due:
            recipient = recipients.get(m.phone)
            if m.kind == MessageKind.UPDATE and m.phone not in opted_in:
                cancelled.append(m.pk)
                continue
            last = recipient.last_sent_at if recipient else None
            if m.phone in seen:
                waiting[now + PAIR_INTERVAL].append(m.pk)
                continue
            if last and last > now - PAIR_INTERVAL:
                waiting[last + PAIR_INTERVAL].append(m.pk)
                continue
            seen.add(m.phone)
            claimed.append(m)
        if cancelled:
            Message.objects.filter(pk__in=cancelled).update(
                status=MessageStatus.CANCELLED, error_message="opted out", failed_at=now
            )
        for at, pks in waiting.items():
            Message.objects.filter(pk__in=pks).update(next_attempt_at=at)
        if claimed:
            Message.objects.filter(pk__in=[m.pk for m in claimed]).update(
                status=MessageStatus.SENDING, sending_since=now, attempts=F("attempts") + 1
            )
            for m in claimed:
                m.status, m.sending_since, m.attempts = MessageStatus.SENDING, now, m.attempts + 1
            Recipient.objects.bulk_create(
                [Recipient(phone=p) for p in seen - set(recipients)], ignore_conflicts=True
            )
            Recipient.objects.filter(phone__in=seen).update(last_sent_at=now)
        return claimed


@dataclass
class _Outcome:
    """What became of one claimed message; nothing of it is in the database yet."""

    message: Message
    wamid: str = ""
    error: whatsapp.SendError | None = None
    #: never left: "late" (its claim is past the send budget) or "opted out" (just now)
    unsent: str = ""


def _send(message: Message, *, code: str | None = None) -> _Outcome:
    """One request to Meta (or the console); touches no database."""
    try:
        if message.template:
            wamid = whatsapp.send_template(
                to=message.phone,
                name=message.template,
                language=message.language,
                body=[code] if code is not None else [str(p) for p in message.params],
                copy_code=code,
                tracker=message.tracker,
                preview=message.text
                or TEMPLATES[message.template].render(message.language, [code or ""]),
            )
        else:
            wamid = whatsapp.send_text(to=message.phone, text=message.text, tracker=message.tracker)
    except whatsapp.SendError as exc:
        return _Outcome(message, error=exc)
    return _Outcome(message, wamid=wamid)


def _send_at(message: Message, slot: float, budget_end: float) -> _Outcome | None:
    """Send at ``slot``; None when the slot had passed (the message needs a new one)."""
    ratelimit.wait_for(slot)
    if time.time() >= budget_end:
        return _Outcome(message, unsent="late")
    if ratelimit.is_late(slot):
        return None
    try:
        return _send(message)
    except Exception as exc:  # a bug, not Meta's answer: it may have gone out
        logger.exception("WhatsApp send of %s broke", message.tracker)
        return _Outcome(message, error=whatsapp.SendError("unknown", 0, repr(exc)[:300]))


_POOL: tuple[int, ThreadPoolExecutor] | None = None


def _pool() -> ThreadPoolExecutor:
    """This process's sending threads (made after a fork, never shared with a parent)."""
    global _POOL
    if _POOL is None or _POOL[0] != os.getpid():
        _POOL = (os.getpid(), ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="whatsapp"))
    return _POOL[1]


@dataclass
class _Batch:
    """Claimed messages on their way out: sends waiting for their slots in the threads."""

    budget_end: float  # time.time() after which none of them may start to go out
    outcomes: list[_Outcome]  # known already (console, opted out)
    pending: list[Future[Any]]  # each gives [(message, outcome or None: needs a new slot)]


def _send_run(
    pairs: list[tuple[Message, float]], budget_end: float
) -> list[tuple[Message, _Outcome | None]]:
    """One thread's share of a batch: its messages one after another, each at its slot."""
    return [(m, _send_at(m, slot, budget_end)) for m, slot in pairs]


def _dispatch(messages: list[Message], *, budget_end: float) -> list[Future[Any]]:
    """One reservation of the pace for all ``messages``; each is sent at its own slot.

    The threads take the slots in turn (thread k the k-th, k+SEND_THREADS-th, ...),
    so each has ``SEND_THREADS`` slots' time for one request.
    """
    pairs = list(zip(messages, ratelimit.reserve(len(messages)), strict=True))
    pool = _pool()
    return [pool.submit(_send_run, pairs[k::SEND_THREADS], budget_end) for k in range(SEND_THREADS)]


def _batch_start(messages: list[Message], *, claimed_at: float) -> _Batch:
    """Start sending claimed messages, several at once, and return without waiting."""
    budget_end = claimed_at + _send_budget()
    if not whatsapp.configured():
        return _Batch(budget_end, [_send(m) for m in messages], [])  # the console: no pace
    whatsapp.client()  # made here once, then shared by the threads
    # An opt-out since the claim (a BERHENTI just now) stops what has not left yet:
    # checked once more when the batch's turn in the pace comes.
    ratelimit.wait_for(ratelimit.next_slot())
    opted_in = consent_selectors.messaging_opted_in_phones(
        phones={m.phone for m in messages if m.kind == MessageKind.UPDATE}
    )
    keep = [m for m in messages if m.kind != MessageKind.UPDATE or m.phone in opted_in]
    kept = {m.pk for m in keep}
    stopped = [_Outcome(m, unsent="opted out") for m in messages if m.pk not in kept]
    return _Batch(budget_end, stopped, _dispatch(keep, budget_end=budget_end))


def _batch_settle(in_flight: deque[_Batch]) -> tuple[int, int]:
    """Wait for the oldest batch in flight and record what became of it.

    Sends that woke too late for their slot get new slots: they go on as a batch
    of their own at the end of ``in_flight`` (still marked sending), so that the
    batches behind them are not held up. Returns (messages that went out or
    failed, messages put back unsent).
    """
    batch = in_flight.popleft()
    results = [pair for future in batch.pending for pair in future.result()]
    outcomes = batch.outcomes + [r for _m, r in results if r is not None]
    late = [m for m, r in results if r is None]
    if late:
        in_flight.append(_Batch(batch.budget_end, [], _dispatch(late, budget_end=batch.budget_end)))
    _record(outcomes)
    return sum(1 for o in outcomes if not o.unsent), sum(1 for o in outcomes if o.unsent == "late")


def _record(outcomes: list[_Outcome]) -> None:
    """Write what became of a batch: one transaction, one UPDATE for all the sent ones."""
    now = _now()
    sent = [o for o in outcomes if o.wamid]
    with transaction.atomic():
        if sent:
            console = [o.message.pk for o in sent if o.wamid.startswith("console.")]
            # A status webhook may have come first: then only the wamid is added.
            live = [MessageStatus.SENDING, MessageStatus.UNCERTAIN, MessageStatus.QUEUED]
            Message.objects.filter(pk__in=[o.message.pk for o in sent]).update(
                wamid=Case(*[When(pk=o.message.pk, then=Value(o.wamid)) for o in sent]),
                status=Case(
                    When(pk__in=console, then=Value(MessageStatus.CONSOLE)),
                    When(status__in=live, then=Value(MessageStatus.SENT)),
                    default=F("status"),
                ),
                sent_at=Case(
                    When(Q(pk__in=console) | Q(status__in=live), then=Value(now)),
                    default=F("sent_at"),
                ),
            )
        for o in outcomes:
            if o.error is not None:
                _record_failure(o.message, o.error)
        late = [o.message.pk for o in outcomes if o.unsent == "late"]
        if late:
            # Never left: back to the queue as if never claimed.
            Message.objects.filter(pk__in=late, status=MessageStatus.SENDING).update(
                status=MessageStatus.QUEUED, next_attempt_at=now, attempts=F("attempts") - 1
            )
        stopped = [o.message.pk for o in outcomes if o.unsent == "opted out"]
        if stopped:
            Message.objects.filter(pk__in=stopped, status=MessageStatus.SENDING).update(
                status=MessageStatus.CANCELLED, error_message="opted out", failed_at=now
            )


def _deliver(message: Message, *, code: str | None = None) -> None:
    """One send of a claimed message, now, and what its result means for the row."""
    _record([_send(message, code=code)])
    message.refresh_from_db(fields=["status", "wamid", "sent_at", "error_code", "error_message"])


def _record_failure(message: Message, exc: whatsapp.SendError) -> None:
    now = _now()
    with transaction.atomic():
        m = Message.objects.select_for_update().get(pk=message.pk)
        if m.status not in (MessageStatus.SENDING, MessageStatus.QUEUED):
            return  # a webhook already told us more than this answer does
        m.error_code = exc.code or None
        m.error_message = exc.message[:300]
        if exc.kind == "unknown":
            # It may have gone out: wait for the status webhook (outbox_reap decides).
            m.status = MessageStatus.UNCERTAIN
        elif exc.kind == "retry" and m.kind != MessageKind.CODE:
            m.status = MessageStatus.QUEUED
            m.next_attempt_at = now + timedelta(seconds=max(exc.retry_after, 1))
            if exc.code in whatsapp.SLOW_DOWN_CODES:
                logger.error("WhatsApp spam limit or ecosystem cap (%s): slowing down", exc.code)
        else:
            m.status = MessageStatus.FAILED
            m.failed_at = now
            if exc.kind == "template":
                logger.error("WhatsApp template problem %s for %s: %s", exc.code, m.template, exc)
        m.save(
            update_fields=["error_code", "error_message", "status", "next_attempt_at", "failed_at"]
        )
        if exc.code == whatsapp.UNDELIVERABLE:
            Recipient.objects.update_or_create(phone=m.phone, defaults={"undeliverable_at": now})
    message.status, message.error_code = m.status, m.error_code


def outbox_send(*, limit: int = 100_000, batch: int = 200, seconds: float = 50.0) -> int:
    """Send due messages until none is due, ``limit`` were tried or ``seconds`` passed.

    Returns the number tried. Each round claims up to ``batch`` messages (at most
    ``CLAIM_SECONDS`` of the pace) in one transaction, reserves their slots of the
    pace at once and hands them to the sending threads; while they go out, the
    next round is claimed and the previous one's results are written in one
    transaction. So one process keeps the pace busy on its own. The periodic cycle
    runs this every minute; ``seconds`` keeps one run inside its minute.
    """
    tried = claimed_count = 0
    stop = time.monotonic() + seconds
    per_claim = max(1, int(float(settings.WHATSAPP_RATE) * CLAIM_SECONDS))
    in_flight: deque[_Batch] = deque()
    while claimed_count < limit and time.monotonic() < stop:
        claimed_at = time.time()
        claimed = _claim(limit=min(batch, per_claim, limit - claimed_count), now=_now())
        if not claimed:
            break
        claimed_count += len(claimed)
        in_flight.append(_batch_start(claimed, claimed_at=claimed_at))
        stalled = False
        while len(in_flight) > 1:
            went, put_back = _batch_settle(in_flight)
            tried += went
            stalled = stalled or bool(put_back and not went)
        if stalled:
            break  # the send budget is shorter than the wait for the pace
    while in_flight:
        tried += _batch_settle(in_flight)[0]
    return tried


def message_retry(*, message: Message) -> Message:
    """The admin's "retry" on a failed message: queue it again, with a fresh deadline."""
    with transaction.atomic():
        m = Message.objects.select_for_update().get(pk=message.pk)
        if m.status != MessageStatus.FAILED or m.kind == MessageKind.CODE:
            return m
        now = _now()
        m.status = MessageStatus.QUEUED
        m.next_attempt_at = now
        m.deadline_at = now + timedelta(seconds=settings.WHATSAPP_MESSAGE_DEADLINE)
        m.failed_at = None
        m.save(update_fields=["status", "next_attempt_at", "deadline_at", "failed_at"])
    return m


# --- 4. the reaper ------------------------------------------------------------------------


def outbox_reap(*, now: Any = None) -> dict[str, int]:
    """Requeue sends left uncertain past the grace period; fail what passed its deadline."""
    now = now or _now()
    grace = timedelta(seconds=settings.WHATSAPP_UNCERTAIN_GRACE)
    requeued = failed = 0
    with transaction.atomic():
        stale = list(
            Message.objects.select_for_update(skip_locked=True).filter(
                status__in=[MessageStatus.SENDING, MessageStatus.UNCERTAIN],
                sending_since__lt=now - grace,
            )
        )
        for m in stale:
            if m.kind == MessageKind.CODE or m.attempts >= settings.WHATSAPP_MAX_ATTEMPTS:
                m.status, m.failed_at = MessageStatus.FAILED, now
                m.error_message = "no status from Meta after the grace period"
                failed += 1
            else:
                m.status, m.next_attempt_at = MessageStatus.QUEUED, now
                requeued += 1
            m.save(update_fields=["status", "failed_at", "error_message", "next_attempt_at"])
        overdue = Message.objects.select_for_update(skip_locked=True).filter(
            status__in=list(OPEN), deadline_at__lt=now
        )
        failed += overdue.update(
            status=MessageStatus.FAILED,
            failed_at=now,
            error_message="deadline passed before the message was sent",
        )
    return {"requeued": requeued, "failed": failed}


# --- sign-in codes ----------------------------------------------------------------------------


def sign_in_code_send(*, phone: str, code: str, user: Any = None) -> Message:
    """Send a sign-in code now (the person waits for it). Never stored, never retried.

    No opt-in is needed: the person asked for it. The returned message's status
    says what happened: sent / console, or failed with ``error_code`` 131026 when
    the number cannot receive WhatsApp.
    """
    message = _new_message(
        key=f"code:{uuid.uuid4().hex}",
        kind=MessageKind.CODE,
        phone=phone,
        user=user if getattr(user, "pk", None) else None,
        template=SIGN_IN_CODE,
        status=MessageStatus.SENDING,
        sending_since=_now(),
        attempts=1,
    )
    message.save()
    if whatsapp.configured():
        ratelimit.acquire()
    _deliver(message, code=code)
    return message


# --- opt-in ---------------------------------------------------------------------------------


def opt_in_set(*, user: Any, phone: str, opted_in: bool, channel: str) -> bool:
    """Record the person's answer; returns True when it changed anything."""
    with transaction.atomic():
        record = consent_services.messaging_consent_record(
            phone=phone, opted_in=opted_in, channel=channel, user=user
        )
        if record and not opted_in:
            _cancel_updates(phone)
    return record is not None


def _cancel_updates(phone: str) -> None:
    Message.objects.filter(
        phone=phone, kind=MessageKind.UPDATE, status=MessageStatus.QUEUED
    ).update(status=MessageStatus.CANCELLED, error_message="opted out", failed_at=_now())
    Notification.objects.filter(phone=phone, message__isnull=True, skipped="").update(
        skipped="opted_out"
    )


def digest_set(*, user: Any, wanted: bool) -> None:
    if wanted:
        DigestSubscription.objects.get_or_create(user=user)
    else:
        DigestSubscription.objects.filter(user=user).delete()


def digest_allowed(user: Any) -> bool:
    officer = getattr(user, "officer", None)
    return bool(
        officer
        and officer.active
        and officer.role != OfficerRole.BHABINKAMTIBMAS
        and officer.unit.level in (UnitLevel.POLSEK, UnitLevel.POLRES)
    )


def digests_collect(*, today: Any = None) -> int:
    """One digest a day per subscribed Polsek/Polres officer (unique key per day)."""
    today = today or timezone.localdate()
    rows = []
    for sub in DigestSubscription.objects.select_related("user__officer__unit"):
        user = sub.user
        if not user.phone or not digest_allowed(user):
            continue
        queue = (
            scoping.enrolments_visible_to(user)
            .filter(state__in=[EnrolmentState.SUBMITTED, EnrolmentState.CHECKED])
            .count()
        )
        offline = scoping.recorders_visible_to(user).filter(online=False).count()
        unit = user.officer.unit.name[:60]
        rows.append(
            Notification(
                key=f"d{today:%Y%m%d}:{user.pk}",
                phone=user.phone,
                user=user,
                template="cw_daily_digest",
                group=f"d{today:%Y%m%d}",
                params=[unit, str(queue), str(offline)],
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- 5. webhooks ----------------------------------------------------------------------------


class WebhookRefused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def webhook_store(*, body: bytes, signature: str | None) -> WebhookPayload | None:
    """Check the signature and store the raw body; None when it was stored before.

    Raises ``WebhookRefused`` (403 bad signature, 400 not JSON, 413 too large).
    """
    if not whatsapp.signature_valid(body, signature):
        raise WebhookRefused(403, "bad or missing X-Hub-Signature-256")
    if len(body) > settings.WHATSAPP_WEBHOOK_MAX_BYTES:
        raise WebhookRefused(413, "body too large")
    try:
        text = body.decode("utf-8")
        json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookRefused(400, "body is not JSON") from exc
    digest = hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic():
            return WebhookPayload.objects.create(sha256=digest, body=text)
    except IntegrityError:
        return None


def webhook_process(*, payload_id: int) -> list[str]:
    """Parse a stored payload; every change on its own, so one bad entry spoils nothing."""
    with transaction.atomic():
        payload = WebhookPayload.objects.select_for_update().get(pk=payload_id)
        if payload.processed_at:
            return list(payload.problems)
        problems: list[str] = []
        data = json.loads(payload.body)
        entries = data.get("entry") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            problems.append("no entry list")
            entries = []
        for i, entry in enumerate(entries):
            changes = entry.get("changes") if isinstance(entry, dict) else None
            if not isinstance(changes, list):
                problems.append(f"entry {i}: no changes list")
                continue
            for j, change in enumerate(changes):
                try:
                    with transaction.atomic():
                        _process_change(change)
                except Exception as exc:  # one change, never its siblings
                    logger.warning("WhatsApp webhook change %s.%s refused: %s", i, j, exc)
                    problems.append(f"entry {i} change {j}: {type(exc).__name__}: {exc}"[:300])
        payload.processed_at = _now()
        payload.problems = problems
        payload.save(update_fields=["processed_at", "problems"])
    return problems


def _phone_of(wa_id: Any) -> str:
    text = str(wa_id or "").strip()
    if not text.isdigit() or not 8 <= len(text) <= 15:
        raise ValueError(f"not a phone number: {text[:20]!r}")
    return f"+{text}"


def _process_change(change: Any) -> None:
    if not isinstance(change, dict):
        raise ValueError("change is not an object")
    field = change.get("field")
    value = change.get("value")
    if not isinstance(value, dict):
        raise ValueError("change has no value object")
    if field == "messages":
        bsuids = {}
        for contact in value.get("contacts") or []:
            if isinstance(contact, dict) and contact.get("wa_id"):
                bsuids[str(contact["wa_id"])] = str(contact.get("user_id") or "")[:100]
        for status in value.get("statuses") or []:
            _status_apply(status)
        for inbound in value.get("messages") or []:
            _inbound_apply(inbound, bsuids)
    elif field == "message_template_status_update":
        TemplateState.objects.update_or_create(
            name=str(value["message_template_name"])[:60],
            language=str(value.get("message_template_language", ""))[:5],
            defaults={
                "meta_id": str(value.get("message_template_id", ""))[:64],
                "status": str(value.get("event", ""))[:30],
                "reason": str(value.get("reason") or "")[:300],
            },
        )
    else:
        raise ValueError(f"unknown field {str(field)[:40]!r}")


_STATUS_MAP = {
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.READ,
    "failed": MessageStatus.FAILED,
}


def _status_apply(status: Any) -> None:
    if not isinstance(status, dict):
        raise ValueError("status is not an object")
    wamid = str(status["id"])[:200]
    new = _STATUS_MAP.get(str(status.get("status")))
    if new is None:
        raise ValueError(f"unknown status {str(status.get('status'))[:20]!r}")
    errors = status.get("errors") or []
    code = None
    if errors and isinstance(errors[0], dict) and str(errors[0].get("code", "")).isdigit():
        code = int(errors[0]["code"])
    tracker = str(status.get("biz_opaque_callback_data") or "")
    message = None
    if tracker.startswith("m") and tracker[1:].isdigit():
        message = Message.objects.select_for_update().filter(pk=int(tracker[1:])).first()
    if message is None:
        message = Message.objects.select_for_update().filter(wamid=wamid).first()
    try:
        with transaction.atomic():
            StatusEvent.objects.create(wamid=wamid, status=new, message=message, error_code=code)
    except IntegrityError:
        return  # this (status id, status) was seen before
    if message is None:
        return
    _message_advance(message, new, wamid=wamid, code=code)


def _message_advance(message: Message, new: str, *, wamid: str, code: int | None) -> None:
    now = _now()
    if message.status in FINAL:
        return
    if new == MessageStatus.FAILED:
        message.status, message.failed_at, message.error_code = new, now, code
        if code == whatsapp.UNDELIVERABLE:
            Recipient.objects.update_or_create(
                phone=message.phone, defaults={"undeliverable_at": now}
            )
    elif STATUS_RANK.get(new, 0) > STATUS_RANK.get(message.status, 0):  # type: ignore[call-overload]
        message.status = new
        stamp = {"sent": "sent_at", "delivered": "delivered_at", "read": "read_at"}[new]
        setattr(message, stamp, now)
        message.sent_at = message.sent_at or now
    else:
        return
    if not message.wamid:
        message.wamid = wamid
    message.save()


def _inbound_apply(inbound: Any, bsuids: dict[str, str]) -> None:
    if not isinstance(inbound, dict):
        raise ValueError("message is not an object")
    wamid = str(inbound["id"])[:200]
    phone = _phone_of(inbound.get("from"))
    bsuid = bsuids.get(str(inbound.get("from")), "") or str(inbound.get("from_user_id") or "")[:100]
    text = ""
    if inbound.get("type") == "text" and isinstance(inbound.get("text"), dict):
        text = str(inbound["text"].get("body", ""))[:1000]
    elif inbound.get("type") == "button" and isinstance(inbound.get("button"), dict):
        text = str(inbound["button"].get("text", ""))[:1000]
    try:
        with transaction.atomic():
            record = InboundMessage.objects.create(wamid=wamid, phone=phone, bsuid=bsuid, text=text)
    except IntegrityError:
        return  # the same message delivered twice
    now = _now()
    recipient, _created = Recipient.objects.select_for_update().get_or_create(phone=phone)
    recipient.last_inbound_at = now
    if bsuid:
        recipient.bsuid = bsuid
    recipient.save()
    answer, reply = inbound_answer(phone=phone, text=text, recipient=recipient)
    record.answer = answer
    record.save(update_fields=["answer"])
    if reply:
        message = _new_message(
            key=f"in:{wamid}",
            kind=MessageKind.REPLY,
            phone=phone,
            text=reply,
        )
        message.save()


def inbound_answer(*, phone: str, text: str, recipient: Recipient) -> tuple[str, str]:
    """What we answer to ``text`` from ``phone``: (kind of answer, reply text or "")."""
    word = text.strip().upper().rstrip(".!")
    user = User.objects.filter(phone=phone).first()
    known = user is not None or consent_selectors.messaging_consents_of(phone=phone).exists()
    if known and word in STOP_WORDS:
        if opt_in_set(user=user, phone=phone, opted_in=False, channel=MessagingChannel.WHATSAPP):
            return "stop", _(
                "Anda berhenti menerima pesan CCTV Warga di WhatsApp. Balas MULAI untuk "
                "menerimanya lagi."
            )
        return "stop", ""
    if known and word in START_WORDS:
        if opt_in_set(user=user, phone=phone, opted_in=True, channel=MessagingChannel.WHATSAPP):
            return "start", _(
                "Anda kembali menerima kabar CCTV Warga di WhatsApp. Balas BERHENTI untuk berhenti."
            )
        return "start", ""
    if user is not None and word in STATUS_WORDS:
        return "status", _status_text(user)
    now = _now()
    if recipient.last_help_at and recipient.last_help_at > now - HELP_INTERVAL:
        return "ignored", ""
    recipient.last_help_at = now
    recipient.save(update_fields=["last_help_at"])
    return "help", _(
        "Ini layanan kabar CCTV Warga. Balas STATUS untuk status kamera Anda, BERHENTI "
        "untuk berhenti, MULAI untuk mulai lagi. Bantuan lain: %(link)s"
    ) % {"link": settings.SITE_URL}


def _status_text(user: Any) -> str:
    enrolments = list(
        Enrolment.objects.filter(camera__in=owner_selectors.cameras_of_member(user))
        .exclude(state=EnrolmentState.DRAFT)
        .select_related("camera", "program")
        .order_by("camera_id")[:10]
    )
    if not enrolments:
        return _("Belum ada kamera terdaftar atas nama Anda di CCTV Warga.")
    lines = [_("Status kamera Anda:")]
    lines += [f"- {e.camera} ({e.program.name}): {e.get_state_display()}" for e in enrolments]
    return "\n".join(lines)


# --- the whole cycle ---------------------------------------------------------------------


def outbox_cycle() -> dict[str, int]:
    """Collect, compose, reap and send: what the periodic task runs."""
    return {
        "collected": events_collect(),
        "composed": notifications_compose(),
        **outbox_reap(),
        "sent": outbox_send(),
    }


def replies_due() -> bool:
    """Answers to inbound messages waiting to go out (sent at once, not by the cycle)."""
    return Message.objects.filter(kind=MessageKind.REPLY, status=MessageStatus.QUEUED).exists()


def webhook_open_payloads() -> Iterable[int]:
    """Payloads stored but not parsed (a task lost in a crash); the cycle picks them up."""
    cutoff = _now() - timedelta(minutes=1)
    return WebhookPayload.objects.filter(processed_at=None, received_at__lt=cutoff).values_list(
        "pk", flat=True
    )


__all__ = [
    "WebhookRefused",
    "digest_set",
    "digests_collect",
    "events_collect",
    "message_retry",
    "notifications_compose",
    "opt_in_set",
    "outbox_cycle",
    "outbox_reap",
    "outbox_send",
    "sign_in_code_send",
    "templates_sync",
    "webhook_process",
    "webhook_store",
]


# --- templates at Meta ------------------------------------------------------------------


def _body_text(remote: dict[str, Any]) -> str:
    for component in remote.get("components") or []:
        if isinstance(component, dict) and component.get("type") == "BODY":
            return str(component.get("text") or "")
    return ""


def templates_sync(*, languages: Iterable[str]) -> dict[str, list[str]]:
    """Create missing templates, update those whose text changed; record Meta's status."""
    remote = {(t.get("name"), t.get("language")): t for t in whatsapp.templates_list()}
    result: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": [], "failed": []}
    for template in TEMPLATES.values():
        for language in languages:
            label = f"{template.name}/{language}"
            payload = template.payload(language)
            existing = remote.get((template.name, language))
            try:
                if existing is None:
                    answer = whatsapp.template_create(payload)
                    meta_id, status = str(answer.get("id", "")), str(answer.get("status", ""))
                    result["created"].append(label)
                elif (
                    template.category != "AUTHENTICATION"
                    and _body_text(existing) != template.texts[language]
                ):
                    whatsapp.template_update(
                        str(existing["id"]), {"components": payload["components"]}
                    )
                    meta_id, status = str(existing["id"]), "PENDING"
                    result["updated"].append(label)
                else:
                    meta_id, status = str(existing.get("id", "")), str(existing.get("status", ""))
                    result["unchanged"].append(label)
            except whatsapp.SendError as exc:
                if exc.kind in ("unknown",) or exc.code == 0:
                    raise
                result["failed"].append(f"{label} ({exc.code})")
                continue
            TemplateState.objects.update_or_create(
                name=template.name,
                language=language,
                defaults={"meta_id": meta_id, "status": status},
            )
    return result


def message_bodies_purge(*, now: Any = None) -> int:
    """Erase what WhatsApp messages said once ``WHATSAPP_BODY_RETENTION_DAYS`` have passed.

    Sent and received texts, template parameters and raw webhook bodies are
    personal data with a retention period like snapshots and photos. What stays
    is the delivery record (who, which template, when, status), which the admin's
    outbox and "Data saya" still show. Messages still in flight keep their text.
    Returns how many items were erased.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.WHATSAPP_BODY_RETENTION_DAYS)
    erased = (
        Message.objects.filter(created_at__lt=cutoff)
        .exclude(status__in=list(OPEN))
        .exclude(text="", params=[])
        .update(text="", params=[])
    )
    erased += InboundMessage.objects.filter(received_at__lt=cutoff).exclude(text="").update(text="")
    erased += WebhookPayload.objects.filter(
        received_at__lt=cutoff, processed_at__isnull=False
    ).delete()[0]
    return erased
