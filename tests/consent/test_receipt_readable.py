"""Receipts people can read: local time, named scopes, withdrawal texts (issue 15)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consent.receipts import receipt_fields
from consent.services import consent_withdraw
from police.timezones import zone_for_region
from tests.consent.conftest import World, sign

pytestmark = pytest.mark.django_db


def test_the_receipt_shows_local_time_and_named_scopes(client, world: World):
    record = sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="ae")

    fields = receipt_fields(record)

    assert fields["local_time"].endswith(" WIB")  # the cameras are in Banten (36)
    assert fields["collection_method"].startswith("formulir web")
    labels = fields["cameras"][0]["scope_labels"]
    assert labels == ["(a) Terdaftar di registri polisi", "(e) Cuplikan gambar untuk verifikasi"]
    client.force_login(world.admin)
    html = client.get(reverse("consent:receipt", args=[record.receipt_id])).content.decode()
    assert "(e) Cuplikan gambar untuk verifikasi" in html
    assert "Data teknis" in html
    assert ": ae<" not in html
    assert "web form" not in html


def test_the_withdrawal_receipt_names_what_stopped(world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="ab")
    withdrawal = consent_withdraw(owner=world.owner, user=world.admin)

    fields = receipt_fields(withdrawal)

    assert [p["scope"] for p in fields["purposes"]] == ["a", "b"]
    assert all(p["purpose"] and p["retention"] for p in fields["purposes"])
    assert fields["cameras"][0]["withdrawn_scope_labels"][0].startswith("(a)")


@pytest.mark.parametrize(
    ("code", "name"),
    [("36.03.01.1001", "WIB"), ("51.71.01.1001", "WITA"), ("73.71", "WITA"), ("91.01", "WIT")],
)
def test_time_zones_follow_the_province(code, name):
    assert zone_for_region(code)[1] == name
    assert zone_for_region(None)[1] == "WIB"
