"""Garbage on every consent form answers with a message, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consent.models import ConsentRecord
from tests.consent.conftest import World, sign

pytestmark = pytest.mark.django_db

GARBAGE = [
    {},
    {"terms": "", "cameras": "x", "scopes": "", "signer_name": "A" * 5000},
    {"terms": "-1", "cameras": ["-5", "1e9"], "scopes": ["a", "a", "q"], "confirmed": "maybe"},
    {"terms": "99999999999999999999999", "capacity": "king", "signature_image": "data:"},
    {"all_cameras": "on", "reason": "\x00" * 10},
    {"details": "", "confirm_name": "\u202e" * 200},
    {"cameras": ["1", "2", "3"], "all_cameras": "yes", "reason": "x" * 5000},
]
ENDPOINTS = ["sign", "withdraw", "correction", "delete-account"]


@pytest.mark.parametrize("name", ENDPOINTS)
@pytest.mark.parametrize("payload", GARBAGE)
def test_garbage_never_causes_a_server_error(client, world: World, name, payload):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    client.force_login(world.admin)
    response = client.post(reverse(f"consent:{name}", args=[world.owner.pk]), payload)
    assert response.status_code < 500
    assert ConsentRecord.objects.count() == 1 or name == "withdraw"


def test_an_unknown_receipt_is_a_404(client, world: World):
    client.force_login(world.admin)
    unknown = "00000000-0000-4000-8000-000000000000"
    assert client.get(reverse("consent:receipt", args=[unknown])).status_code == 404
    assert client.get(reverse("consent:verify", args=[unknown])).status_code == 404
    assert client.get("/persetujuan/tanda-terima/not-a-uuid/").status_code == 404
