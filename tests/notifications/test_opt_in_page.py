"""The profile's WhatsApp page: explicit, recorded, revocable; shown in "Data saya"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consent.selectors import messaging_consents_of, messaging_opted_in
from tests.notifications.conftest import PHONE

pytestmark = pytest.mark.django_db


def test_an_owner_opts_in_and_out_on_the_profile_page(client, resident):
    user, owner, _recorder = resident
    client.force_login(user)
    url = reverse("notifications:opt-in")
    page = client.get(url).content.decode()
    assert "CCTV Warga" in page and "WhatsApp" in page
    assert 'name="whatsapp" checked' not in page
    client.post(url, {"whatsapp": "on"})
    assert messaging_opted_in(phone=PHONE)
    client.post(url, {})
    assert not messaging_opted_in(phone=PHONE)
    assert [c.channel for c in messaging_consents_of(phone=PHONE)] == ["profile", "profile"]
    data = client.get(reverse("consent:my-data", args=[owner.pk])).content.decode()
    assert "Persetujuan WhatsApp" in data
    assert "berhenti menerima pesan" in data and "wa-1" in data


def test_a_person_without_a_phone_is_told_to_add_one(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    page = client.get(reverse("notifications:opt-in")).content.decode()
    assert "belum punya nomor HP" in page
