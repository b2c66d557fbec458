from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import User
from consent.models import ConsentRecord, DataSubjectRequest, RequestKind, RequestStatus
from consent.selectors import owner_data_export
from consent.services import access_log_record, chain_verify, consent_withdraw
from owners.models import Camera, Enrolment, Owner, Recorder, Site
from owners.services import enrolment_transition
from tests.consent.conftest import World, sign, with_mfa
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_data_export_contains_all_of_the_owners_data(world: World):
    enrolment_transition(
        enrolment=world.enrolments[0], to_state="stickered", actor=world.analyst.user
    )
    record = sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="ab")
    access_log_record(
        officer=world.analyst,
        action="view",
        purpose="LP/123/XI/2026",
        cameras=world.cameras[:1],
    )
    data = owner_data_export(owner=world.owner, viewer=world.admin)
    flat = json.dumps(data, ensure_ascii=False)

    assert data["owner"]["name"] == world.owner.name
    assert data["owner"]["contact_phone"] == "+6281200000001"
    assert [m["email"] for m in data["members"]] == [world.admin.email]
    [site] = data["sites"]
    assert site["address"] == world.site.address
    [recorder] = site["recorders"]
    assert recorder["host"] == world.recorder.host
    assert world.recorder.password not in flat  # the secret itself never leaves
    assert {c["id"] for c in recorder["cameras"]} == {c.pk for c in world.cameras}
    assert all(c["enrolments"] for c in recorder["cameras"])
    assert data["processing_history"][0]["to"] == "stickered"
    assert data["consent_records"][0]["receipt_id"] == str(record.receipt_id)
    assert data["consent_records"][0]["ip_address"] == "203.0.113.7"
    assert data["police_access_log"][0]["purpose"] == "LP/123/XI/2026"
    # nothing of another owner
    assert world.other_owner.name not in flat
    assert str(world.other_camera.pk) not in [str(c["id"]) for c in recorder["cameras"]]


def test_the_owner_downloads_the_export_as_json_and_reads_it_as_html(client, world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    client.force_login(world.admin)
    response = client.get(reverse("consent:my-data-json", args=[world.owner.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == json.loads(
        json.dumps(owner_data_export(owner=world.owner, viewer=world.admin))
    )
    page = client.get(reverse("consent:my-data", args=[world.owner.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert world.site.address in html
    # issue 15: coordinates unambiguous (no comma decimals inside a comma list), fields named
    assert f"lintang {world.site.latitude:.6f} · bujur {world.site.longitude:.6f}" in html
    assert "<dt>is_organisation</dt>" not in html
    assert "<dt>Jenis pemilik</dt>" in html


def test_another_owner_and_the_police_get_404_on_my_data_pages(client, world: World):
    names = ("my-data", "my-data-json", "delete-account", "access-log")
    for user in (world.other_admin, world.analyst.user, world.other_analyst.user):
        client.force_login(user)
        for name in names:
            assert client.get(reverse(f"consent:{name}", args=[world.owner.pk])).status_code == 404
        response = client.post(
            reverse("consent:correction", args=[world.owner.pk]), {"details": "x"}
        )
        assert response.status_code == 404


def test_a_correction_request_is_due_within_three_times_24_hours(client, world: World):
    client.force_login(world.admin)
    response = client.post(
        reverse("consent:correction", args=[world.owner.pk]),
        {"details": "Alamat seharusnya Jl. Merdeka No. 2"},
    )
    assert response.status_code == 302
    request = DataSubjectRequest.objects.get()
    assert request.kind == RequestKind.CORRECTION and request.owner == world.owner
    assert request.due_at - request.created_at == timedelta(hours=72)


def test_staff_see_open_requests_with_their_deadline_and_close_them(client, world: World):
    client.force_login(world.admin)
    client.post(reverse("consent:correction", args=[world.owner.pk]), {"details": "Nama salah"})
    request = DataSubjectRequest.objects.get()

    for user in (world.admin, world.analyst.user):
        client.force_login(user)
        assert client.get(reverse("consent:staff-requests")).status_code == 404

    client.force_login(with_mfa(UserFactory(is_staff=True)))
    page = client.get(reverse("consent:staff-requests"))
    assert page.status_code == 200
    assert "Nama salah" in page.content.decode()
    client.post(
        reverse("consent:staff-requests"),
        {"request": request.pk, "status": "done", "resolution": "Sudah diperbaiki"},
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE and request.closed_at is not None
    assert client.post(reverse("consent:staff-requests"), {"request": "abc"}).status_code == 404


def test_deleting_the_account_keeps_only_the_consent_evidence(client, world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="ad")
    owner_pk, admin_pk = world.owner.pk, world.admin.pk
    client.force_login(world.admin)
    assert client.get(reverse("consent:delete-account", args=[owner_pk])).status_code == 200
    wrong = client.post(reverse("consent:delete-account", args=[owner_pk]), {"confirm_name": "x"})
    assert wrong.status_code == 400 and Owner.objects.filter(pk=owner_pk).exists()

    response = client.post(
        reverse("consent:delete-account", args=[owner_pk]), {"confirm_name": world.owner.name}
    )

    assert response.status_code == 200
    assert "UU PDP" in response.content.decode()
    assert not Owner.objects.filter(pk=owner_pk).exists()
    assert not Site.objects.filter(pk=world.site.pk).exists()
    assert not Recorder.objects.filter(pk=world.recorder.pk).exists()
    assert not Camera.objects.filter(pk__in=[c.pk for c in world.cameras]).exists()
    assert not Enrolment.objects.filter(pk__in=[e.pk for e in world.enrolments]).exists()
    assert not User.objects.filter(pk=admin_pk).exists()
    # the evidence stays, detached, and the chain still holds
    kinds = list(ConsentRecord.objects.filter(owner_ref=owner_pk).values_list("kind", flat=True))
    assert kinds == ["agreement", "withdrawal"]
    assert chain_verify().ok
    assert DataSubjectRequest.objects.filter(
        kind=RequestKind.DELETION, status=RequestStatus.DONE
    ).exists()


def test_the_police_lose_the_camera_when_the_account_is_deleted(world: World):
    from consent.services import account_delete
    from registry import scoping

    sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    account_delete(owner=world.owner, user=world.admin)
    assert not scoping.cameras_visible_to(world.analyst.user).exists()


def test_a_withdrawn_owner_can_still_download_their_data(client, world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    consent_withdraw(owner=world.owner, user=world.admin)
    client.force_login(world.admin)
    data = client.get(reverse("consent:my-data-json", args=[world.owner.pk])).json()
    assert [r["kind"] for r in data["consent_records"]] == ["agreement", "withdrawal"]
