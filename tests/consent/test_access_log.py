from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from consent.models import AccessLogEntry
from consent.selectors import access_log_for_owner
from consent.services import access_log_record
from tests.consent.conftest import World

pytestmark = pytest.mark.django_db


def test_a_police_view_writes_who_which_unit_when_and_why(world: World):
    entry = access_log_record(
        officer=world.analyst,
        action="export",
        purpose="Perkara LP/77/XI/2026",
        cameras=world.cameras,
    )
    assert entry.officer == world.analyst
    assert entry.unit == world.unit and entry.unit_name == "Polres Tangerang Kota"
    assert entry.at is not None
    assert set(entry.owners.all()) == {world.owner}
    assert list(access_log_for_owner(owner=world.owner)) == [entry]
    assert list(access_log_for_owner(owner=world.other_owner)) == []


def test_an_access_without_purpose_is_refused(world: World):
    with pytest.raises(ValidationError, match="tujuan atau nomor perkara"):
        access_log_record(officer=world.analyst, action="view", purpose=" ", cameras=world.cameras)
    assert not AccessLogEntry.objects.exists()


def test_owners_see_the_entries_about_their_own_cameras_only(client, world: World):
    access_log_record(
        officer=world.analyst, action="view", purpose="Patroli rutin", cameras=world.cameras[:1]
    )
    access_log_record(
        officer=world.analyst, action="view", purpose="Kasus toko", cameras=[world.other_camera]
    )
    client.force_login(world.admin)
    html = client.get(reverse("consent:access-log", args=[world.owner.pk])).content.decode()
    assert "Patroli rutin" in html and "Polres Tangerang Kota" in html
    assert "Kasus toko" not in html
