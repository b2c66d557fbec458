"""Sign-in codes go out as WhatsApp's AUTHENTICATION template with a copy-code button."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from notifications.models import Message, MessageKind, MessageStatus
from tests.factories import UserFactory
from tests.notifications.conftest import PHONE

pytestmark = pytest.mark.django_db


def code_of(sent):
    body = sent["components"][0]["parameters"][0]["text"]
    button = sent["components"][1]
    assert button["sub_type"] == "url"
    assert button["parameters"][0]["text"] == body
    return body


@pytest.mark.parametrize("typed", ["0812 3456 7890", "081234567890", "+62 812-3456-7890"])
def test_a_resident_signs_in_with_a_whatsapp_code_typing_the_number_as_they_like(
    client, graph_api, typed
):
    user = UserFactory(phone=PHONE, phone_verified=True)
    response = client.post(reverse("account_request_login_code"), {"phone": typed})
    assert response.status_code == 302
    [sent] = graph_api.to(PHONE)
    assert sent["template"] == "cw_sign_in_code"
    code = code_of(sent)
    assert re.fullmatch(r"\d{6}", code)
    message = Message.objects.get(kind=MessageKind.CODE)
    assert message.status == MessageStatus.SENT
    assert message.params == [] and message.text == ""  # the code is never stored
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_undeliverable_number_is_told_clearly_and_offered_email(client, graph_api):
    UserFactory(phone=PHONE, phone_verified=True)
    graph_api.fail(131026)
    response = client.post(reverse("account_request_login_code"), {"phone": PHONE}, follow=True)
    page = response.content.decode()
    assert "tidak dapat menerima pesan WhatsApp" in page
    assert "email" in page
    assert Message.objects.get().error_code == 131026


def test_an_unknown_number_gets_nothing(client, graph_api):
    response = client.post(reverse("account_request_login_code"), {"phone": "0812 9999 0000"})
    assert response.status_code == 302
    assert graph_api.sent == []


def test_sign_up_with_a_phone_sends_a_six_digit_code_by_whatsapp(client, graph_api):
    response = client.post(
        reverse("account_signup"),
        {
            "full_name": "Siti Aminah",
            "phone": "0812 3456 7890",
            "password1": "kata-sandi-panjang-9",
            "password2": "kata-sandi-panjang-9",
            "whatsapp_opt_in": "on",
        },
    )
    assert response.status_code == 302
    [sent] = graph_api.to(PHONE)
    assert re.fullmatch(r"\d{6}", code_of(sent))
    from consent.selectors import messaging_consents_of

    [record] = messaging_consents_of(phone=PHONE)
    assert record.opted_in and record.channel == "signup" and record.text_version == "wa-1"


def test_the_opt_in_box_at_sign_up_is_not_ticked(client):
    page = client.get(reverse("account_signup")).content.decode()
    box = re.search(r'<input[^>]*name="whatsapp_opt_in"[^>]*>', page).group(0)
    assert "checked" not in box
    assert "WhatsApp" in page and "CCTV Warga" in page


def test_an_existing_number_at_sign_up_sends_nothing(client, graph_api):
    UserFactory(phone=PHONE, phone_verified=True)
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Orang Lain",
            "phone": "0812 3456 7890",
            "password1": "kata-sandi-panjang-9",
            "password2": "kata-sandi-panjang-9",
        },
    )
    assert graph_api.sent == []
