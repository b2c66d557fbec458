import pytest
from django.urls import reverse

from owners.models import EnrolmentState, Invitation, MemberRole, Membership
from owners.services import enrolment_transition
from tests.factories import (
    CameraFactory,
    EnrolmentFactory,
    OwnerFactory,
    RecorderFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned_camera():
    user = UserFactory()
    site = SiteFactory(owner=OwnerFactory(member=user))
    camera = CameraFactory(recorder=RecorderFactory(site=site), direction=90)
    return user, camera


def edit_payload(camera, **changes):
    data = {
        "name": camera.name or "Depan",
        "latitude": str(camera.latitude),
        "longitude": str(camera.longitude),
        "direction": str(camera.direction),
        "angle": str(camera.angle),
        "range_m": str(camera.range_m),
        "mount": camera.mount,
        "camera_type": camera.camera_type,
        "height_m": str(camera.height_m),
        "zone": camera.zone,
        "sees_public_space": "on" if camera.sees_public_space else "",
    }
    data.update(changes)
    return data


def test_changing_the_direction_of_a_verified_camera_sends_it_back_to_verification(
    client, owned_camera
):
    user, camera = owned_camera
    enrolment = EnrolmentFactory(camera=camera)
    for state in (EnrolmentState.SUBMITTED, EnrolmentState.CHECKED, EnrolmentState.VERIFIED):
        enrolment_transition(enrolment=enrolment, to_state=state, actor=None)
    client.force_login(user)
    response = client.post(
        reverse("owners:camera-edit", args=[camera.pk]), edit_payload(camera, direction="200")
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.SUBMITTED
    assert "arah" in enrolment.transitions.last().reason


def test_renaming_a_camera_keeps_its_status(client, owned_camera):
    user, camera = owned_camera
    enrolment = EnrolmentFactory(camera=camera)
    for state in (EnrolmentState.SUBMITTED, EnrolmentState.CHECKED, EnrolmentState.VERIFIED):
        enrolment_transition(enrolment=enrolment, to_state=state, actor=None)
    client.force_login(user)
    client.post(
        reverse("owners:camera-edit", args=[camera.pk]), edit_payload(camera, name="Gerbang")
    )
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.VERIFIED


def test_garbage_in_the_camera_form_is_refused_and_nothing_changes(client, owned_camera):
    user, camera = owned_camera
    client.force_login(user)
    response = client.post(
        reverse("owners:camera-edit", args=[camera.pk]),
        edit_payload(camera, direction="400", latitude="60"),
    )
    assert response.status_code == 400
    camera.refresh_from_db()
    assert camera.direction == 90


def test_another_owner_cannot_edit_the_camera(client, owned_camera):
    _user, camera = owned_camera
    client.force_login(UserFactory())
    assert client.get(reverse("owners:camera-edit", args=[camera.pk])).status_code == 404


def test_a_viewer_member_cannot_edit(client, owned_camera):
    _user, camera = owned_camera
    viewer = UserFactory()
    Membership.objects.create(owner=camera.recorder.site.owner, user=viewer, role=MemberRole.VIEWER)
    client.force_login(viewer)
    assert client.get(reverse("owners:camera-edit", args=[camera.pk])).status_code == 404


def test_an_admin_invites_by_phone_and_the_invitee_accepts(client, owned_camera):
    user, camera = owned_camera
    owner = camera.recorder.site.owner
    client.force_login(user)
    response = client.post(
        reverse("owners:members", args=[owner.pk]), {"contact": "0812 1111 2222", "role": "editor"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.phone == "+6281211112222"
    invitee = UserFactory(phone="+6281211112222", phone_verified=True)
    client.force_login(invitee)
    assert invitation.owner.name in client.get(reverse("owners:dashboard")).content.decode()
    client.post(reverse("owners:invitation-accept", args=[invitation.pk]))
    assert Membership.objects.get(owner=owner, user=invitee).role == MemberRole.EDITOR


def test_an_invitation_cannot_be_accepted_by_someone_else(client, owned_camera):
    _user, camera = owned_camera
    invitation = Invitation.objects.create(
        owner=camera.recorder.site.owner, phone="+6281211112222", role="viewer"
    )
    client.force_login(UserFactory(phone="+6281299998888", phone_verified=True))
    assert client.post(reverse("owners:invitation-accept", args=[invitation.pk])).status_code == 404


def test_a_garbage_contact_is_refused_with_a_message(client, owned_camera):
    user, camera = owned_camera
    client.force_login(user)
    response = client.post(
        reverse("owners:members", args=[camera.recorder.site.owner.pk]),
        {"contact": "bukan nomor", "role": "editor"},
    )
    assert response.status_code == 400
    assert "Nomor telepon tidak valid" in response.content.decode()
    assert not Invitation.objects.exists()


def test_members_of_another_owner_answer_404(client, owned_camera):
    _user, camera = owned_camera
    client.force_login(UserFactory())
    assert (
        client.get(reverse("owners:members", args=[camera.recorder.site.owner.pk])).status_code
        == 404
    )
