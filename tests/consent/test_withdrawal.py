from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from connectivity.selectors import snapshot_storage_allowed
from consent.models import ConsentEvent, ConsentRecord, RecordKind
from consent.selectors import cameras_with_scope, scopes_in_force
from consent.services import WithdrawalRefused, consent_withdraw
from consent.snapshots import snapshot_prefix
from owners.models import EnrolmentState, EnrolmentTransition
from portal.private_files import private_storage
from registry import scoping
from registry.scoping import withdrawn_enrolments_visible_to
from tests.consent.conftest import World, sign

pytestmark = pytest.mark.django_db


def police_views(user) -> dict[str, set[int]]:
    """What every police-side function in registry.scoping shows this user."""
    return {
        "cameras": set(scoping.cameras_visible_to(user).values_list("pk", flat=True)),
        "enrolments": set(scoping.enrolments_visible_to(user).values_list("camera_id", flat=True)),
        "recorders": set(scoping.recorders_visible_to(user).values_list("pk", flat=True)),
        "sites": set(scoping.sites_visible_to(user).values_list("pk", flat=True)),
        "owners": set(scoping.owners_visible_to(user).values_list("pk", flat=True)),
    }


def store_snapshot(camera) -> str:
    return private_storage().save(
        snapshot_prefix(camera=camera) + "verify.jpg", ContentFile(b"jpg")
    )


def test_the_police_see_nothing_of_a_camera_without_consent(world: World):
    for officer in (world.analyst, world.bhabin, world.operator):
        assert police_views(officer.user) == {
            "cameras": set(),
            "enrolments": set(),
            "recorders": set(),
            "sites": set(),
            "owners": set(),
        }


def test_listing_consent_shows_the_camera_to_officers_of_the_jurisdiction_only(world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="a")
    ids = {c.pk for c in world.cameras}
    for officer in (world.analyst, world.bhabin):
        seen = police_views(officer.user)
        assert seen["cameras"] == ids
        assert seen["enrolments"] == ids
        assert seen["owners"] == {world.owner.pk}
    assert police_views(world.other_analyst.user)["cameras"] == set()
    # the Command Center needs live view, scope (c) or (d)
    assert police_views(world.operator.user)["cameras"] == set()


def test_the_command_center_sees_cameras_with_live_view_consent(world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras[:1], scopes="ad")
    sign(owner=world.owner, user=world.admin, cameras=world.cameras[1:], scopes="ab")
    assert police_views(world.operator.user)["cameras"] == {world.cameras[0].pk}


def test_after_withdrawal_the_camera_is_absent_from_every_police_selector(world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="abcde")
    sign(owner=world.other_owner, user=world.other_admin, cameras=[world.other_camera])
    kept, gone = world.cameras
    for officer in (world.analyst, world.bhabin, world.operator):
        assert gone.pk in police_views(officer.user)["cameras"]

    consent_withdraw(owner=world.owner, user=world.admin, cameras=[gone])

    for officer in (world.analyst, world.bhabin, world.operator):
        seen = police_views(officer.user)
        assert gone.pk not in seen["cameras"]
        assert gone.pk not in seen["enrolments"]
        assert kept.pk in seen["cameras"]
    for scope in "abcde":
        assert gone not in cameras_with_scope(scope)
    assert world.other_camera in cameras_with_scope("a")


def test_withdrawing_all_cameras_removes_the_owner_and_site_from_police_lists(world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="ad")
    consent_withdraw(owner=world.owner, user=world.admin)
    for officer in (world.analyst, world.bhabin, world.operator):
        seen = police_views(officer.user)
        assert world.owner.pk not in seen["owners"]
        assert world.site.pk not in seen["sites"]
        assert world.recorder.pk not in seen["recorders"]


def test_withdrawal_withdraws_enrolments_deletes_snapshots_and_emits_an_event(world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="ae")
    names = [store_snapshot(c) for c in world.cameras]
    assert snapshot_storage_allowed(recorder=world.recorder)

    record = consent_withdraw(
        owner=world.owner, user=world.admin, cameras=world.cameras[:1], reason="Pindah rumah"
    )

    first, second = world.enrolments
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == EnrolmentState.WITHDRAWN
    assert second.state == EnrolmentState.CONNECTED
    assert EnrolmentTransition.objects.filter(
        enrolment=first, to_state=EnrolmentState.WITHDRAWN, actor=world.admin
    ).exists()
    assert not private_storage().exists(names[0])
    assert private_storage().exists(names[1])
    # The stored frame shows channel 1, whose (e) is gone; channel 2 keeps its (e).
    assert not snapshot_storage_allowed(recorder=world.recorder)
    assert set(cameras_with_scope("e")) == {world.cameras[1]}
    event = ConsentEvent.objects.get(kind=ConsentEvent.Kind.WITHDRAWN)
    assert event.record == record and event.data["cameras"] == [world.cameras[0].pk]
    entry = record.cameras.get()
    assert (entry.scopes, entry.withdrawn_scopes) == ("", "ae")
    assert scopes_in_force(cameras=world.cameras) == {
        world.cameras[0].pk: "",
        world.cameras[1].pk: "ae",
    }


def test_dropping_scope_e_in_a_new_agreement_deletes_the_snapshots(world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="ae")
    name = store_snapshot(world.cameras[0])
    sign(owner=world.owner, user=world.admin, cameras=world.cameras[:1], scopes="a")
    assert not private_storage().exists(name)


def test_the_police_see_that_a_camera_was_withdrawn_without_its_data(world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    consent_withdraw(owner=world.owner, user=world.admin, cameras=world.cameras[:1])
    rows = withdrawn_enrolments_visible_to(user=world.analyst.user)
    assert len(rows) == 1
    assert set(rows[0]) == {"enrolment", "program", "withdrawn_at", "status"}
    assert rows[0]["status"] == str(EnrolmentState.WITHDRAWN.label)
    assert withdrawn_enrolments_visible_to(user=world.other_analyst.user) == []


def test_withdrawing_with_nothing_in_force_or_someone_elses_camera_is_refused(world: World):
    consent_withdraw(owner=world.owner, user=world.admin)  # enrolments only, no agreement
    with pytest.raises(WithdrawalRefused, match="Tidak ada persetujuan aktif"):
        consent_withdraw(owner=world.owner, user=world.admin)
    with pytest.raises(WithdrawalRefused, match="bukan milik Anda"):
        consent_withdraw(owner=world.owner, user=world.admin, cameras=[world.other_camera])
    with pytest.raises(WithdrawalRefused, match="pengelola"):
        consent_withdraw(owner=world.owner, user=world.other_admin)


def test_the_owner_withdraws_everything_through_the_page(client, world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="ad")
    client.force_login(world.admin)
    assert client.get(reverse("consent:withdraw", args=[world.owner.pk])).status_code == 200
    response = client.post(
        reverse("consent:withdraw", args=[world.owner.pk]), {"all_cameras": "on"}
    )
    record = ConsentRecord.objects.get(kind=RecordKind.WITHDRAWAL)
    assert response.status_code == 302
    assert response["Location"] == reverse("consent:receipt", args=[record.receipt_id])
    assert set(record.cameras.values_list("camera_ref", flat=True)) == {c.pk for c in world.cameras}
    assert police_views(world.operator.user)["cameras"] == set()


def test_the_withdrawal_page_refuses_an_empty_choice_with_a_message(client, world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    client.force_login(world.admin)
    response = client.post(reverse("consent:withdraw", args=[world.owner.pk]), {})
    assert response.status_code == 400
    assert "Pilih kamera" in response.content.decode()


def test_another_owner_and_the_police_get_404_on_the_withdrawal_page(client, world: World):
    for user in (world.other_admin, world.analyst.user, world.other_analyst.user):
        client.force_login(user)
        url = reverse("consent:withdraw", args=[world.owner.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"all_cameras": "on"}).status_code == 404
