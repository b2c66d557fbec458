"""The outbox: opted-in people hear of their cameras once, coalesced, and never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import services
from notifications.models import Message, MessageStatus, Notification, Recipient
from owners.models import EnrolmentState
from owners.services import enrolment_transition
from tests.notifications.conftest import PHONE, cameras, cycle, opt_in

pytestmark = pytest.mark.django_db


def move(enrolments, state, reason=""):
    for e in enrolments:
        enrolment_transition(enrolment=e, to_state=state, actor=None, reason=reason)


def test_an_opted_in_owner_hears_that_the_cameras_were_submitted(graph_api, resident):
    user, _owner, recorder = resident
    opt_in(user)
    move(cameras(recorder, 2), EnrolmentState.SUBMITTED)
    assert cycle() == 1
    [sent] = graph_api.to(PHONE)
    assert sent["template"] == "cw_submitted"
    assert sent["components"][0]["parameters"][0]["text"] == "2"
    message = Message.objects.get()
    assert sent["tracker"] == message.tracker
    assert message.wamid == sent["wamid"]
    assert message.status == MessageStatus.SENT


def test_two_hundred_verified_cameras_become_one_message(graph_api, resident):
    user, _owner, recorder = resident
    opt_in(user)
    enrolments = cameras(recorder, 200, state=EnrolmentState.CHECKED)
    move(enrolments, EnrolmentState.VERIFIED)
    cycle()
    [sent] = graph_api.to(PHONE)
    assert sent["template"] == "cw_verified"
    assert [p["text"] for p in sent["components"][0]["parameters"]] == ["200", "Mataraksa"]
    assert "200 kamera terverifikasi" in Message.objects.get().text
    assert Notification.objects.filter(message__isnull=False).count() == 200


def test_nothing_is_sent_without_an_opt_in(graph_api, resident):
    _user, _owner, recorder = resident
    move(cameras(recorder, 1), EnrolmentState.SUBMITTED)
    assert cycle() == 0
    assert graph_api.sent == []
    assert Notification.objects.get().skipped == "no_opt_in"


def test_a_rerun_sends_nothing_twice(graph_api, resident):
    user, _owner, recorder = resident
    opt_in(user)
    move(cameras(recorder, 1), EnrolmentState.SUBMITTED)
    cycle()
    cycle()
    services.events_collect()
    assert len(graph_api.sent) == 1
    assert Notification.objects.count() == 1


def test_messages_carry_no_address_and_no_credentials(graph_api, resident):
    user, _owner, recorder = resident
    opt_in(user)
    move(cameras(recorder, 1), EnrolmentState.SUBMITTED)
    from connectivity.models import Check, CheckStatus

    Check.objects.create(recorder=recorder, status=CheckStatus.FINISHED, result_code="tcp_refused")
    cycle()
    # The pair limit held the second one for 6 s.
    Recipient.objects.update(last_sent_at=None)
    Message.objects.update(next_attempt_at=timezone.now())
    services.outbox_send()
    text = str(graph_api.sent)
    assert "Rahasia" not in text
    assert "s3cret" not in text and "203.0.113.10" not in text
    assert {m["template"] for m in graph_api.sent} == {"cw_submitted", "cw_check_failed"}


def test_throughput_exceeded_is_retried_later(graph_api, resident):
    user, _owner, recorder = resident
    opt_in(user)
    move(cameras(recorder, 1), EnrolmentState.SUBMITTED)
    graph_api.fail(130429)
    cycle()
    message = Message.objects.get()
    assert message.status == MessageStatus.QUEUED
    assert message.error_code == 130429
    assert message.next_attempt_at > timezone.now()
    Message.objects.update(next_attempt_at=timezone.now())
    Recipient.objects.update(last_sent_at=None)
    services.outbox_send()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(graph_api.sent) == 1


@pytest.mark.parametrize("status", [429, 503])
def test_an_http_error_without_a_body_is_retried(graph_api, resident, status):
    user, _owner, recorder = resident
    opt_in(user)
    move(cameras(recorder, 1), EnrolmentState.SUBMITTED)
    graph_api.http_error(status)
    cycle()
    assert Message.objects.get().status == MessageStatus.QUEUED


def test_an_undeliverable_number_fails_for_good(graph_api, resident):
    user, _owner, recorder = resident
    opt_in(user)
    move(cameras(recorder, 1), EnrolmentState.SUBMITTED)
    graph_api.fail(131026)
    cycle()
    message = Message.objects.get()
    assert message.status == MessageStatus.FAILED
    assert message.error_code == 131026
    assert Recipient.objects.get(phone=PHONE).undeliverable_at is not None


def test_a_template_problem_fails_and_the_admin_can_retry(graph_api, resident, caplog):
    user, _owner, recorder = resident
    opt_in(user)
    move(cameras(recorder, 1), EnrolmentState.SUBMITTED)
    graph_api.fail(132001)
    cycle()
    message = Message.objects.get()
    assert message.status == MessageStatus.FAILED
    assert "template problem" in caplog.text
    services.message_retry(message=message)
    Recipient.objects.update(last_sent_at=None)
    services.outbox_send()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_a_send_that_timed_out_is_not_resent_blindly(graph_api, resident, settings):
    settings.WHATSAPP_TIMEOUT = 0.3
    user, _owner, recorder = resident
    opt_in(user)
    move(cameras(recorder, 1), EnrolmentState.SUBMITTED)
    graph_api.delay(1.0)
    cycle()
    message = Message.objects.get()
    assert message.status == MessageStatus.UNCERTAIN
    assert len(graph_api.sent) == 1  # it did go out
    # Sending and reaping inside the grace period send nothing again.
    Recipient.objects.update(last_sent_at=None)
    services.outbox_send()
    services.outbox_reap()
    assert len(graph_api.sent) == 1
    # Meta's status webhook carries the tracker: the message is known as sent.
    services.webhook_process(
        payload_id=services.webhook_store(
            *(),
            **dict(
                zip(
                    ("body", "signature"),
                    graph_api.signed(graph_api.status_payload(graph_api.sent[0], "delivered")),
                    strict=True,
                )
            ),
        ).pk
    )
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert message.wamid == graph_api.sent[0]["wamid"]
    services.outbox_reap(now=timezone.now() + timedelta(hours=2))
    services.outbox_send()
    assert len(graph_api.sent) == 1


def test_an_uncertain_send_without_any_status_is_resent_after_the_grace_period(
    graph_api, resident, settings
):
    settings.WHATSAPP_TIMEOUT = 0.3
    user, _owner, recorder = resident
    opt_in(user)
    move(cameras(recorder, 1), EnrolmentState.SUBMITTED)
    graph_api.delay(1.0)
    cycle()
    later = timezone.now() + timedelta(seconds=settings.WHATSAPP_UNCERTAIN_GRACE + 1)
    assert services.outbox_reap(now=later)["requeued"] == 1
    Recipient.objects.update(last_sent_at=None)
    Message.objects.update(next_attempt_at=timezone.now())
    services.outbox_send()
    message = Message.objects.get()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 2
    assert graph_api.trackers() == [message.tracker, message.tracker]


def test_a_message_past_its_deadline_is_reaped_as_failed(graph_api, resident, settings):
    user, _owner, recorder = resident
    opt_in(user)
    move(cameras(recorder, 1), EnrolmentState.SUBMITTED)
    services.events_collect()
    services.notifications_compose()
    later = timezone.now() + timedelta(seconds=settings.WHATSAPP_MESSAGE_DEADLINE + 1)
    assert services.outbox_reap(now=later)["failed"] == 1
    message = Message.objects.get()
    assert message.status == MessageStatus.FAILED
    assert "deadline" in message.error_message


def test_opting_out_cancels_what_was_queued(graph_api, resident):
    user, _owner, recorder = resident
    opt_in(user)
    move(cameras(recorder, 1), EnrolmentState.SUBMITTED)
    services.events_collect()
    services.notifications_compose()
    services.opt_in_set(user=user, phone=PHONE, opted_in=False, channel="profile")
    services.outbox_send()
    assert graph_api.sent == []
    assert Message.objects.get().status == MessageStatus.CANCELLED


def test_without_a_token_messages_go_to_the_console_and_are_marked(resident, settings, capsys):
    settings.WHATSAPP_ACCESS_TOKEN = ""
    settings.WHATSAPP_COALESCE_SECONDS = 0
    user, _owner, recorder = resident
    opt_in(user)
    move(cameras(recorder, 1), EnrolmentState.SUBMITTED)
    cycle()
    message = Message.objects.get()
    assert message.status == MessageStatus.CONSOLE
    assert message.wamid.startswith("console.")
    assert "WhatsApp (konsol)" in capsys.readouterr().out


def test_the_pair_limit_spaces_two_messages_to_one_number(graph_api, resident):
    user, _owner, recorder = resident
    opt_in(user)
    move(cameras(recorder, 1), EnrolmentState.SUBMITTED)
    cycle()
    [first] = cameras(recorder, 1, state=EnrolmentState.CHECKED, first_channel=5)
    move([first], EnrolmentState.REJECTED, reason="Kamera menghadap tembok.")
    cycle()
    assert len(graph_api.sent) == 1
    waiting = Message.objects.get(template="cw_rejected")
    assert waiting.status == MessageStatus.QUEUED
    assert waiting.next_attempt_at > timezone.now()


def queued_updates(count):
    """``count`` messages due now, each to its own opted-in number (as the composer makes)."""
    now = timezone.now()
    messages = []
    for i in range(count):
        phone = f"+62813{i:08d}"
        services.opt_in_set(user=None, phone=phone, opted_in=True, channel="profile")
        messages.append(
            Message.objects.create(
                key=f"batch-{i}",
                kind="update",
                phone=phone,
                template="cw_verified",
                params=["1", "Mataraksa"],
                text="1 kamera terverifikasi",
                next_attempt_at=now,
                deadline_at=now + timedelta(hours=1),
            )
        )
    return messages


def test_a_batch_sends_each_message_once_and_records_every_wamid(graph_api):
    messages = queued_updates(30)
    assert services.outbox_send(batch=12) == 30
    assert sorted(graph_api.trackers()) == sorted(m.tracker for m in messages)
    wamids = {m["tracker"]: m["wamid"] for m in graph_api.sent}
    for message in Message.objects.all():
        assert message.status == MessageStatus.SENT
        assert message.wamid == wamids[message.tracker]
        assert message.attempts == 1
        assert message.sent_at is not None


def test_one_refused_message_in_a_batch_leaves_the_others_sent(graph_api):
    queued_updates(5)
    graph_api.fail(131026)
    assert services.outbox_send() == 5
    [failed] = Message.objects.filter(status=MessageStatus.FAILED)
    assert failed.error_code == 131026
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 4
    assert len(graph_api.sent) == 4


def test_a_claim_that_cannot_go_out_within_its_send_budget_is_put_back_unsent(graph_api, settings):
    # The send budget is a third of the grace: none at all here, so nothing may leave
    # (the reaper could otherwise queue a message again while it is still going out).
    settings.WHATSAPP_UNCERTAIN_GRACE = 0
    [message] = queued_updates(1)
    assert services.outbox_send() == 0
    assert graph_api.sent == []
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert message.attempts == 0
