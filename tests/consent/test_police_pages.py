"""The consent rules on the police pages: access log entries and withdrawn cameras."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consent.models import AccessLogEntry
from consent.services import consent_withdraw
from owners.models import EnrolmentState
from owners.services import enrolment_transition
from tests.consent.conftest import World, sign

pytestmark = pytest.mark.django_db


def test_opening_a_camera_page_writes_a_plain_view_and_a_post_records_the_purpose(
    client, world: World
):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    client.force_login(world.analyst.user)
    url = reverse("police:camera-detail", args=[world.cameras[0].pk])
    assert client.get(url).status_code == 200
    view = AccessLogEntry.objects.get()
    assert (view.officer, view.unit, view.action) == (world.analyst, world.unit, "view")
    assert list(view.cameras.all()) == [world.cameras[0]]

    purpose_url = reverse("police:camera-access-purpose", args=[world.cameras[0].pk])
    assert client.post(purpose_url, {"purpose": "LP/88/XI/2026"}).status_code == 302
    entry = AccessLogEntry.objects.get(action="purpose")
    assert entry.purpose == "LP/88/XI/2026" and entry.officer == world.analyst
    client.force_login(world.admin)
    page = client.get(reverse("consent:access-log", args=[world.owner.pk]))
    assert "LP/88/XI/2026" in page.content.decode()


def test_a_link_cannot_write_text_of_its_choosing_into_the_access_log(client, world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    client.force_login(world.bhabin.user)
    url = reverse("police:camera-detail", args=[world.cameras[0].pk])
    assert client.get(url, {"tujuan": "Pemilik menyuap petugas"}).status_code == 200
    assert not AccessLogEntry.objects.filter(purpose__contains="menyuap").exists()
    purpose_url = reverse("police:camera-access-purpose", args=[world.cameras[0].pk])
    csrf_client = client.__class__(enforce_csrf_checks=True)
    csrf_client.force_login(world.bhabin.user)
    assert csrf_client.post(purpose_url, {"purpose": "Pemilik menyuap"}).status_code == 403
    assert not AccessLogEntry.objects.filter(purpose__contains="menyuap").exists()


def test_the_verification_queue_logs_the_cameras_it_shows(client, world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    for enrolment in world.enrolments:
        enrolment_transition(enrolment=enrolment, to_state=EnrolmentState.SUBMITTED, actor=None)
    client.force_login(world.bhabin.user)
    assert client.get(reverse("police:queue")).status_code == 200
    entry = AccessLogEntry.objects.get(action="list")
    assert set(entry.cameras.all()) == set(world.cameras)


def test_a_withdrawn_camera_shows_the_police_only_that_it_was_withdrawn(client, world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    consent_withdraw(owner=world.owner, user=world.admin, cameras=world.cameras[:1])
    url = reverse("police:camera-detail", args=[world.cameras[0].pk])

    client.force_login(world.analyst.user)
    response = client.get(url)
    assert response.status_code == 410
    html = response.content.decode()
    assert "ditarik" in html.lower()
    assert world.site.address not in html and world.owner.name not in html
    assert world.recorder.host not in html
    assert not AccessLogEntry.objects.exists()

    client.force_login(world.other_analyst.user)
    assert client.get(url).status_code == 404


def test_signing_from_the_joining_wizard_returns_to_it(client, world: World):
    from consent.selectors import current_terms

    client.force_login(world.admin)
    back = "/saya/gabung/1/consent/"
    url = reverse("consent:sign", args=[world.owner.pk]) + "?next=" + back
    page = client.get(url)
    assert f'name="next" value="{back}"' in page.content.decode()
    response = client.post(
        url,
        {
            "terms": current_terms().pk,
            "cameras": [c.pk for c in world.cameras],
            "scopes": ["a"],
            "capacity": "owner",
            "signer_name": "Budi Santoso",
            "confirmed": "on",
            "next": back,
        },
    )
    assert response.status_code == 302 and response["Location"].endswith(
        "?next=%2Fsaya%2Fgabung%2F1%2Fconsent%2F"
    )
    receipt = client.get(response["Location"])
    assert f'href="{back}"' in receipt.content.decode()

    evil = client.get(
        reverse("consent:sign", args=[world.owner.pk]) + "?next=https://evil.example/"
    )
    assert 'name="next" value="https://evil' not in evil.content.decode()
