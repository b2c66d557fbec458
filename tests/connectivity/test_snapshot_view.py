"""Snapshots: unguessable names in the private storage, served only to those who may see them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from connectivity import tasks
from connectivity.models import Check
from consent.models import AccessLogEntry
from police.models import OfficerRole
from tests.conftest import give_totp
from tests.connectivity.conftest import PASSWORD, USERNAME
from tests.factories import (
    CameraFactory,
    OfficerFactory,
    OwnerFactory,
    PoliceUnitFactory,
    RecorderFactory,
    SiteFactory,
    UserFactory,
    grant_consent,
    region_tree,
)
from tests.fakes.onvif_device import FakeProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked(make_device, hd_rtsp_server):
    """A check whose first frame was kept (scope e), and the people around it."""
    village = region_tree("36.03", "18", "2005")
    owner_user = UserFactory()
    site = SiteFactory(owner=OwnerFactory(member=owner_user), village=village)
    device = make_device(profiles=[FakeProfile(path="/Streaming/Channels/101", height=720)])
    recorder = RecorderFactory(
        site=site, host="127.0.0.1", onvif_port=device.port, rtsp_port=hd_rtsp_server.port,
        username=USERNAME, password=PASSWORD,
    )  # fmt: skip
    camera = CameraFactory(recorder=recorder, channel=1)
    grant_consent(camera, scopes="ae")
    check = Check.objects.create(recorder=recorder)
    tasks.run_check.enqueue(check.pk)
    check.refresh_from_db()
    assert check.snapshot

    unit = PoliceUnitFactory()
    unit.regions.set([village.parent])
    bhabin = OfficerFactory(unit=unit, role=OfficerRole.BHABINKAMTIBMAS)
    bhabin.villages.set([village])
    elsewhere = OfficerFactory(role=OfficerRole.COMMANDER)
    for officer in (bhabin, elsewhere):
        give_totp(officer.user)
    return check, owner_user, bhabin, elsewhere


def test_the_snapshot_is_kept_outside_media_root(checked):
    check, *_ = checked
    assert not (settings.MEDIA_ROOT / check.snapshot.name).exists()


def test_the_owner_sees_the_snapshot_and_nothing_caches_it(client, checked):
    check, owner_user, *_ = checked
    client.force_login(owner_user)
    response = client.get(reverse("connectivity:check-snapshot", args=[check.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"\xff\xd8")
    page = client.get(reverse("connectivity:check-detail", args=[check.pk]))
    assert reverse("connectivity:check-snapshot", args=[check.pk]) in page.content.decode()


def test_the_villages_officer_sees_it_with_scope_e_and_the_owner_sees_that_in_the_log(
    client, checked
):
    check, _owner_user, bhabin, _elsewhere = checked
    client.force_login(bhabin.user)
    response = client.get(reverse("connectivity:check-snapshot", args=[check.pk]))
    assert response.status_code == 200
    assert AccessLogEntry.objects.filter(officer=bhabin, action="snapshot").exists()


def test_anyone_else_gets_404_or_is_sent_to_sign_in(client, checked):
    check, _owner_user, _bhabin, elsewhere = checked
    url = reverse("connectivity:check-snapshot", args=[check.pk])
    assert client.get(url).status_code == 302
    client.force_login(elsewhere.user)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_without_scope_e_the_police_no_longer_see_it(client, checked):
    check, _owner_user, bhabin, _elsewhere = checked
    camera = check.recorder.cameras.get()
    grant_consent(camera, scopes="a")  # a new agreement without (e) deletes the files
    client.force_login(bhabin.user)
    assert client.get(reverse("connectivity:check-snapshot", args=[check.pk])).status_code == 404
