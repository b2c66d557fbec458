"""Who may open which page for which object: one table, every row a request.

Roles: the owner, a member of the owner's organisation, another owner, the
Bhabinkamtibmas of the camera's village and of another village, officers of
the station (Polsek), its Polres and Polda, an officer of another station, a
Command Center operator (who sees only connected cameras), and a stranger.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from owners.models import EnrolmentState, MemberRole, Membership
from police.models import OfficerRole, UnitLevel
from tests.conftest import give_totp
from tests.factories import (
    CameraFactory,
    EnrolmentFactory,
    OfficerFactory,
    OwnerFactory,
    PoliceUnitFactory,
    ProgramFactory,
    RecorderFactory,
    SiteFactory,
    UserFactory,
    grant_consent,
    region_tree,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    village = region_tree("36.03", "18", "2005")
    other_village = region_tree("36.03", "18", "2006")
    far_village = region_tree("31.73", "01", "1001")
    polda = PoliceUnitFactory(level=UnitLevel.POLDA, name="Polda Banten")
    polda.regions.set([village.parent.parent.parent])
    polres = PoliceUnitFactory(level=UnitLevel.POLRES, parent=polda, name="Polresta Tangerang")
    polres.regions.set([village.parent.parent])
    polsek = PoliceUnitFactory(level=UnitLevel.POLSEK, parent=polres, name="Polsek Cikupa")
    polsek.regions.set([village.parent])
    other_polres = PoliceUnitFactory(level=UnitLevel.POLRES, name="Polres Metro Jakarta Barat")
    other_polres.regions.set([far_village.parent.parent])

    owner_user = UserFactory()
    owner = OwnerFactory(member=owner_user)
    site = SiteFactory(
        owner=owner, village=village, latitude=Decimal("-6.2"), longitude=Decimal("106.5")
    )
    camera = CameraFactory(recorder=RecorderFactory(site=site))
    enrolment = EnrolmentFactory(
        camera=camera, program=ProgramFactory(unit=polres), state=EnrolmentState.SUBMITTED
    )
    grant_consent(camera, scopes="ad")  # listed, and live view for the Command Center

    member = UserFactory()
    Membership.objects.create(owner=owner, user=member, role=MemberRole.VIEWER)
    other_owner_user = UserFactory()
    other_site = SiteFactory(owner=OwnerFactory(member=other_owner_user), village=far_village)
    CameraFactory(recorder=RecorderFactory(site=other_site))

    def officer(unit, role=OfficerRole.ANALYST, villages=()):
        o = OfficerFactory(unit=unit, role=role)
        o.villages.set(villages)
        give_totp(o.user)
        return o.user

    return {
        "camera": camera,
        "enrolment": enrolment,
        "users": {
            "owner": owner_user,
            "org_member": member,
            "other_owner": other_owner_user,
            "bhabin_here": officer(polsek, OfficerRole.BHABINKAMTIBMAS, [village]),
            "bhabin_elsewhere": officer(polsek, OfficerRole.BHABINKAMTIBMAS, [other_village]),
            "polsek": officer(polsek),
            "polres": officer(polres, OfficerRole.COMMANDER),
            "polda": officer(polda, OfficerRole.COMMANDER),
            "other_station": officer(other_polres, OfficerRole.COMMANDER),
            "operator_here": officer(polres, OfficerRole.OPERATOR),
            "stranger": None,
        },
    }


# (role, url name, expected status). 302 = sent to sign in; 403 = not police staff.
MATRIX = [
    ("owner", "owners:camera-detail", 200),
    ("org_member", "owners:camera-detail", 200),
    ("other_owner", "owners:camera-detail", 404),
    ("polres", "owners:camera-detail", 404),
    ("stranger", "owners:camera-detail", 302),
    ("owner", "police:camera-detail", 403),
    ("other_owner", "police:camera-detail", 403),
    ("stranger", "police:camera-detail", 302),
    ("bhabin_here", "police:camera-detail", 200),
    ("bhabin_elsewhere", "police:camera-detail", 404),
    ("polsek", "police:camera-detail", 200),
    ("polres", "police:camera-detail", 200),
    ("polda", "police:camera-detail", 200),
    ("other_station", "police:camera-detail", 404),
    ("operator_here", "police:camera-detail", 404),  # not connected yet
]


@pytest.mark.parametrize(("role", "url_name", "expected"), MATRIX)
def test_permission_matrix(client, world, role, url_name, expected):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    response = client.get(reverse(url_name, args=[world["camera"].pk]))
    assert response.status_code == expected


REVIEW = [
    ("polsek", 302, EnrolmentState.CHECKED),
    ("other_station", 404, EnrolmentState.SUBMITTED),
    ("bhabin_elsewhere", 404, EnrolmentState.SUBMITTED),
    ("owner", 403, EnrolmentState.SUBMITTED),
]


@pytest.mark.parametrize(("role", "expected", "state_after"), REVIEW)
def test_only_officers_of_the_jurisdiction_can_verify(client, world, role, expected, state_after):
    client.force_login(world["users"][role])
    enrolment = world["enrolment"]
    response = client.post(
        reverse("police:enrolment-review", args=[enrolment.pk]), {"to_state": "checked"}
    )
    assert response.status_code == expected
    enrolment.refresh_from_db()
    assert enrolment.state == state_after


def test_the_operator_sees_the_camera_once_it_is_connected(client, world):
    from owners.services import enrolment_transition

    enrolment = world["enrolment"]
    for state in (EnrolmentState.CHECKED, EnrolmentState.VERIFIED, EnrolmentState.CONNECTED):
        enrolment_transition(enrolment=enrolment, to_state=state, actor=None)
    client.force_login(world["users"]["operator_here"])
    assert client.get(reverse("police:camera-detail", args=[world["camera"].pk])).status_code == 200


def test_an_officer_without_an_authenticator_is_sent_to_enrol_one(client, world):
    officer = OfficerFactory(role=OfficerRole.ANALYST)
    client.force_login(officer.user)
    response = client.get(reverse("police:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_activate_totp"))


def test_the_owner_dashboard_lists_only_the_users_own_sites(client, world):
    client.force_login(world["users"]["other_owner"])
    response = client.get(reverse("owners:dashboard"))
    assert response.status_code == 200
    assert world["camera"].recorder.site.name not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("polres", True),
        ("polda", True),
        ("other_station", False),
        ("owner", True),
        ("other_owner", False),
    ],
)
def test_the_wagtail_admin_camera_list_is_scoped(client, world, role, visible):
    user = world["users"][role]
    user.is_staff = True
    user.save()
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_camera"),
        Permission.objects.get(codename="change_camera"),
    )
    give_totp(user) if role in ("owner", "other_owner") else None
    client.force_login(user)
    camera = world["camera"]
    edit = client.get(reverse("cameras:edit", args=[camera.pk]))
    assert edit.status_code == (200 if visible else 404)


@pytest.mark.parametrize(
    ("role", "listed"), [("polsek", True), ("polda", True), ("other_station", False)]
)
def test_the_verification_queue_lists_only_the_jurisdiction(client, world, role, listed):
    client.force_login(world["users"][role])
    response = client.get(reverse("police:queue"))
    assert response.status_code == 200
    url = reverse("police:camera-detail", args=[world["camera"].pk])
    assert (url in response.content.decode()) is listed


def test_the_police_dashboard_is_for_officers_only(client, world):
    client.force_login(world["users"]["owner"])
    assert client.get(reverse("police:dashboard")).status_code == 403
    client.force_login(world["users"]["polres"])
    assert client.get(reverse("police:dashboard")).status_code == 200
