"""The webhook: only Meta's signed posts count, garbage gets a clear 4xx, nothing is lost."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from consent.selectors import messaging_consents_of, messaging_opted_in
from notifications import services
from notifications.models import (
    InboundMessage,
    Message,
    MessageStatus,
    Recipient,
    StatusEvent,
    TemplateState,
    WebhookPayload,
)
from owners.models import EnrolmentState
from owners.services import enrolment_transition
from tests.fakes.graph_api import VERIFY_TOKEN
from tests.notifications.conftest import PHONE, cameras, cycle, opt_in

pytestmark = pytest.mark.django_db
URL = "/whatsapp/webhook/"


def post(client, fake, payload, signature=None):
    body, good = fake.signed(payload)
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature if signature is not None else good},
    )


def test_the_verification_challenge_is_answered_only_with_the_right_token(client, graph_api):
    ok = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "4242"}
    )
    assert ok.status_code == 200
    assert ok.content == b"4242"
    bad = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "4242"}
    )
    assert bad.status_code == 403


@pytest.mark.parametrize("signature", ["", "sha256=00", "sha1=abc"])
def test_a_bad_or_missing_signature_gets_403_and_stores_nothing(client, graph_api, signature):
    response = post(client, graph_api, graph_api.inbound_payload(PHONE, "halo"), signature)
    assert response.status_code == 403
    assert WebhookPayload.objects.count() == 0
    assert InboundMessage.objects.count() == 0


def test_a_body_that_is_not_json_gets_400(client, graph_api):
    assert post(client, graph_api, b"{not json").status_code == 400
    assert post(client, graph_api, b"\xff\xfe").status_code == 400
    assert WebhookPayload.objects.count() == 0


def test_statuses_move_forward_only_and_duplicates_are_ignored(client, graph_api, resident):
    user, _owner, recorder = resident
    opt_in(user)
    for e in cameras(recorder, 1):
        enrolment_transition(enrolment=e, to_state=EnrolmentState.SUBMITTED, actor=None)
    cycle()
    sent = graph_api.sent[0]
    delivered = graph_api.status_payload(sent, "delivered")
    for payload in (
        graph_api.status_payload(sent, "read"),
        delivered,
        delivered,  # Meta redelivers the same body
        graph_api.status_payload(sent, "sent"),
    ):
        assert post(client, graph_api, payload).status_code == 200
    message = Message.objects.get()
    assert message.status == MessageStatus.READ
    assert StatusEvent.objects.filter(wamid=sent["wamid"]).count() == 3
    assert WebhookPayload.objects.count() == 3  # the same body twice is stored once
    # failed is terminal
    post(client, graph_api, graph_api.status_payload(sent, "failed", error_code=131026))
    post(client, graph_api, graph_api.status_payload(sent, "read"))
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.error_code == 131026


def test_a_bad_sibling_never_loses_a_valid_entry(client, graph_api, resident):
    _user, _owner, _recorder = resident
    good = graph_api.inbound_payload(PHONE, "halo", bsuid="ID.1234567890")
    bad_change = {"field": "messages", "value": {"messages": [{"from": "not-a-number", "id": "x"}]}}
    unknown_field = {"field": "account_update", "value": {"whatever": 1}}
    not_a_dict = "garbage"
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "1", "changes": [bad_change, unknown_field, not_a_dict]},
            "not an entry",
            good["entry"][0],
        ],
        "unexpected": {"field": True},
    }
    assert post(client, graph_api, payload).status_code == 200
    stored = WebhookPayload.objects.get()
    assert stored.processed_at is not None
    assert len(stored.problems) == 4
    inbound = InboundMessage.objects.get()
    assert inbound.phone == PHONE
    assert inbound.bsuid == "ID.1234567890"
    assert Recipient.objects.get(phone=PHONE).bsuid == "ID.1234567890"


def test_an_inbound_message_without_contacts_is_kept(client, graph_api, resident):
    payload = graph_api.inbound_payload(PHONE, "halo")
    del payload["entry"][0]["changes"][0]["value"]["contacts"]
    assert post(client, graph_api, payload).status_code == 200
    assert InboundMessage.objects.get().bsuid == ""


def test_berhenti_opts_out_at_once_with_one_confirmation(client, graph_api, resident):
    user, _owner, recorder = resident
    opt_in(user)
    post(client, graph_api, graph_api.inbound_payload(PHONE, "berhenti"))
    post(client, graph_api, graph_api.inbound_payload(PHONE, "STOP"))
    assert not messaging_opted_in(phone=PHONE)
    assert messaging_consents_of(phone=PHONE).first().channel == "whatsapp"
    replies = [m for m in graph_api.to(PHONE) if m["type"] == "text"]
    assert len(replies) == 1
    assert "MULAI" in replies[0]["text"]
    # ...and nothing more arrives.
    for e in cameras(recorder, 1):
        enrolment_transition(enrolment=e, to_state=EnrolmentState.SUBMITTED, actor=None)
    Recipient.objects.update(last_sent_at=None)
    cycle()
    assert [m["type"] for m in graph_api.to(PHONE)] == ["text"]
    # MULAI opts back in.
    Recipient.objects.update(last_sent_at=None)
    post(client, graph_api, graph_api.inbound_payload(PHONE, "Mulai"))
    assert messaging_opted_in(phone=PHONE)


def test_status_answers_with_the_senders_cameras(client, graph_api, resident):
    user, _owner, recorder = resident
    opt_in(user)
    for e in cameras(recorder, 2):
        enrolment_transition(enrolment=e, to_state=EnrolmentState.SUBMITTED, actor=None)
    post(client, graph_api, graph_api.inbound_payload(PHONE, "status"))
    [reply] = [m for m in graph_api.to(PHONE) if m["type"] == "text"]
    assert "Status kamera Anda" in reply["text"]
    assert reply["text"].count("Diajukan") == 2
    assert "Rahasia" not in reply["text"]


def test_anything_else_gets_the_help_text_once_a_day(client, graph_api, resident):
    _user, _owner, _recorder = resident
    post(client, graph_api, graph_api.inbound_payload(PHONE, "halo"))
    Recipient.objects.update(last_sent_at=None)
    post(client, graph_api, graph_api.inbound_payload(PHONE, "apa kabar"))
    assert len(graph_api.to(PHONE)) == 1
    assert "STATUS" in graph_api.to(PHONE)[0]["text"]
    Recipient.objects.update(last_help_at=timezone.now() - timezone.timedelta(days=2))
    Recipient.objects.update(last_sent_at=None)
    post(client, graph_api, graph_api.inbound_payload(PHONE, "halo lagi"))
    assert len(graph_api.to(PHONE)) == 2


def test_an_unknown_number_gets_only_the_help_text(client, graph_api):
    stranger = "+6285700001111"
    post(client, graph_api, graph_api.inbound_payload(stranger, "STOP"))
    Recipient.objects.update(last_sent_at=None)
    post(client, graph_api, graph_api.inbound_payload(stranger, "STATUS"))
    [reply] = graph_api.to(stranger)
    assert "CCTV Warga" in reply["text"]
    assert not messaging_consents_of(phone=stranger).exists()


def test_the_same_inbound_message_twice_is_handled_once(client, graph_api, resident):
    payload = graph_api.inbound_payload(PHONE, "halo", wamid="wamid.same")
    post(client, graph_api, payload)
    payload["entry"][0]["id"] = "another body, same message"
    post(client, graph_api, payload)
    assert InboundMessage.objects.count() == 1
    assert len(graph_api.sent) == 1


def test_template_status_updates_are_recorded(client, graph_api):
    payload = graph_api.template_status_payload("cw_submitted", "id", "REJECTED")
    assert post(client, graph_api, payload).status_code == 200
    state = TemplateState.objects.get(name="cw_submitted", language="id")
    assert state.status == "REJECTED"
    assert state.reason == "INCORRECT_CATEGORY"


def test_a_stored_payload_whose_task_was_lost_is_parsed_by_the_cycle(graph_api, resident):
    body, signature = graph_api.signed(graph_api.inbound_payload(PHONE, "halo"))
    payload = services.webhook_store(body=body, signature=signature)
    WebhookPayload.objects.filter(pk=payload.pk).update(
        received_at=timezone.now() - timezone.timedelta(minutes=5)
    )
    from notifications.tasks import whatsapp_cycle

    whatsapp_cycle.call()
    assert InboundMessage.objects.count() == 1
    assert json.loads(WebhookPayload.objects.get().body)["object"] == "whatsapp_business_account"
