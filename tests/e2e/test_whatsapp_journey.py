"""WhatsApp journeys on a phone, against the fake Graph API on a real socket.

1. A resident signs in with a code sent by WhatsApp (typed in local form).
2. The resident opts in on the "WhatsApp" page, submits a camera and receives the
   "submitted" message (as the fake sees it), replies BERHENTI, and receives
   nothing more.

Screenshots go to docs/user-guide/img/ for the user guide's WhatsApp section.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from consent.selectors import messaging_opted_in
from notifications import services
from notifications.models import Recipient
from owners.models import EnrolmentState
from owners.services import enrolment_transition
from tests.factories import OwnerFactory, RecorderFactory, SiteFactory, UserFactory
from tests.notifications.conftest import cameras

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = "+6281234567890"


def code_sent(fake) -> str:
    [sent] = [m for m in fake.to(PHONE) if m["template"] == "cw_sign_in_code"]
    return sent["components"][0]["parameters"][0]["text"]


def test_a_resident_signs_in_with_a_whatsapp_code(live_server, phone, graph_api, shot):
    UserFactory(phone=PHONE, phone_verified=True, full_name="Siti Rahmawati")
    phone.goto(live_server.url + reverse("account_request_login_code"))
    phone.locator("input[name='phone']").fill("0812 3456 7890")
    shot(phone, "whatsapp-01-kode-masuk")
    phone.locator("main form button[type='submit']").first.click()
    expect(phone).to_have_url(re.compile(r"/accounts/login/code/confirm/"))
    code = code_sent(graph_api)
    assert re.fullmatch(r"\d{6}", code)
    phone.locator("input[name='code']").fill(code)
    shot(phone, "whatsapp-02-isi-kode")
    phone.locator("main form button[type='submit']").first.click()
    expect(phone.get_by_role("link", name="WhatsApp")).to_be_visible()


def test_a_resident_opts_in_hears_of_the_submission_and_stops_with_berhenti(
    live_server, phone, graph_api, shot
):
    user = UserFactory(phone=PHONE, phone_verified=True, full_name="Siti Rahmawati")
    owner = OwnerFactory(member=user)
    recorder = RecorderFactory(site=SiteFactory(owner=owner), name="DVR Rumah")
    # Sign in with the password, then the WhatsApp page from the header.
    phone.goto(live_server.url + "/accounts/login/")
    phone.locator("input[name='login']").fill(PHONE)
    phone.locator("input[name='password']").fill("rahasia-123")
    phone.get_by_role("button", name="Masuk").first.click()
    phone.goto(live_server.url + reverse("notifications:opt-in"))
    box = phone.locator("input[name='whatsapp']")
    expect(box).not_to_be_checked()  # never pre-ticked
    box.check()
    shot(phone, "whatsapp-03-setuju")
    phone.get_by_role("button", name="Simpan").click()
    expect(phone.locator("#whatsapp-state")).to_contain_text("Anda menerima kabar")
    assert messaging_opted_in(phone=PHONE)

    # The resident submits a camera (the wizard's last step) and the outbox runs.
    for enrolment in cameras(recorder, 1):
        enrolment_transition(enrolment=enrolment, to_state=EnrolmentState.SUBMITTED, actor=user)
    services.outbox_cycle()
    [submitted] = graph_api.to(PHONE)
    assert submitted["template"] == "cw_submitted"

    # BERHENTI, through the signed webhook, a little later (past the 6-second pair limit).
    Recipient.objects.update(last_sent_at=None)
    answer = graph_api.post(
        live_server.url + "/whatsapp/webhook/", graph_api.inbound_payload(PHONE, "BERHENTI")
    )
    assert answer.status_code == 200
    assert not messaging_opted_in(phone=PHONE)
    replies = [m for m in graph_api.to(PHONE) if m["type"] == "text"]
    assert len(replies) == 1

    # Nothing more arrives.
    for enrolment in cameras(recorder, 1, first_channel=2):
        enrolment_transition(enrolment=enrolment, to_state=EnrolmentState.SUBMITTED, actor=user)
    services.outbox_cycle()
    assert len(graph_api.to(PHONE)) == 2
    phone.reload()
    expect(phone.locator("#whatsapp-state")).to_contain_text("tidak menerima")
    shot(phone, "whatsapp-04-berhenti")
