"""The demo shows WhatsApp to every role, once."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from consent.selectors import messaging_opted_in
from notifications.models import DigestSubscription, Message

pytestmark = pytest.mark.django_db


def test_the_demo_roles_have_opt_ins_and_messages_once(client):
    call_command("seed_demo", "--cameras", "20", verbosity=0)
    count = Message.objects.count()
    call_command("seed_demo", "--cameras", "20", verbosity=0)
    assert Message.objects.count() == count > 0
    warga = User.objects.get(email__startswith="warga@")
    assert messaging_opted_in(phone=warga.phone)
    assert DigestSubscription.objects.filter(user__email__startswith="polsek@").exists()
    client.force_login(warga)
    page = client.get(reverse("notifications:opt-in")).content.decode()
    assert "kamera terverifikasi" in page
    client.force_login(User.objects.get(email__startswith="admin@"))
    assert "cw_verified" in client.get(reverse("notifications:outbox")).content.decode()
