"""Who may open which page for which object: one table, every row a request.

Roles: the owner, a member of the owner's organisation, another owner, the
Bhabinkamtibmas of the camera's village and of another village, officers of
the station (Polsek), its Polres and Polda, an officer of another station, a
Command Center operator (who sees only connected cameras), and a stranger.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from connectivity.models import Check
from consent.models import ConsentRecord
from joining.models import ImportJob, ImportStatus
from notifications.models import Message, MessageKind, MessageStatus
from owners.models import EnrolmentState, Invitation, JoinDraft, MemberRole, Membership
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
from workspace.models import FieldVisit, Sticker, StickerBatch

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
    spare = Membership.objects.create(owner=owner, user=UserFactory(), role=MemberRole.VIEWER)
    other_owner_user = UserFactory()
    other_site = SiteFactory(owner=OwnerFactory(member=other_owner_user), village=far_village)
    CameraFactory(recorder=RecorderFactory(site=other_site))

    def officer(unit, role=OfficerRole.ANALYST, villages=()):
        o = OfficerFactory(unit=unit, role=role)
        o.villages.set(villages)
        give_totp(o.user)
        return o.user

    admin = UserFactory(is_staff=True, is_superuser=True)
    give_totp(admin)
    other_owner_user.emailaddress_set.create(email=other_owner_user.email, verified=True)
    invitation = Invitation.objects.create(
        owner=owner, email=other_owner_user.email, role=MemberRole.VIEWER, invited_by=owner_user
    )
    draft = JoinDraft.objects.create(user=owner_user, program=enrolment.program, owner=owner)
    check = Check.objects.create(recorder=camera.recorder)
    visit = FieldVisit.objects.create(
        enrolment=enrolment,
        officer_name="Aipda Joko",
        visited_at=timezone.now(),
        met_whom="pemilik",
        sees_public_space=True,
        angle_ok=True,
        photo="field-visits/none.jpg",
    )
    batch = StickerBatch.objects.create(unit=polsek, pdf="stickers/none.pdf")
    sticker = Sticker.objects.create(enrolment=enrolment, batch=batch, token="t0k3n", code="T-1")
    receipt = ConsentRecord.objects.filter(owner=owner).latest("seq")
    import_job = ImportJob.objects.create(
        owner=owner,
        program=enrolment.program,
        user=owner_user,
        filename="kamera.csv",
        file_sha256="0" * 64,
        status=ImportStatus.PREVIEW,
        deadline=timezone.now() + datetime.timedelta(hours=1),
    )
    message = Message.objects.create(
        key="matrix",
        kind=MessageKind.UPDATE,
        phone="+6281234567890",
        template="cw_submitted",
        status=MessageStatus.FAILED,
        next_attempt_at=timezone.now(),
        deadline_at=timezone.now(),
    )
    return {
        "import_job": import_job,
        "camera": camera,
        "enrolment": enrolment,
        "recorder": camera.recorder,
        "owner": owner,
        "check": check,
        "draft": draft,
        "receipt": receipt,
        "program": enrolment.program,
        "invitation": invitation,
        "spare_membership": spare,
        "visit": visit,
        "batch": batch,
        "sticker": sticker,
        "message": message,
        "users": {
            "admin": admin,
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


ROLES = [
    "owner",
    "org_member",
    "other_owner",
    "bhabin_here",
    "bhabin_elsewhere",
    "polsek",
    "polres",
    "polda",
    "other_station",
    "operator_here",
    "admin",
    "stranger",
]
OFFICERS = ["bhabin_here", "bhabin_elsewhere", "polsek", "polres", "polda", "other_station"]
OFFICERS += ["operator_here"]
# The officers whose jurisdiction and consent scope cover the camera (the operator
# only once it is connected: it is submitted here).
SEE_CAMERA = ["bhabin_here", "polsek", "polres", "polda"]
MEMBERS = ["owner", "org_member"]


def expect(default: int, **statuses: int) -> dict[str, int]:
    """Expected status per role; ``stranger`` is always sent to sign in (302) unless named."""
    table = dict.fromkeys(ROLES, default)
    table["stranger"] = 302
    for roles, status in statuses.items():
        for role in roles.split("__"):
            table[role] = status
    return table


def roles(*names: list[str] | str) -> str:
    flat: list[str] = []
    for name in names:
        flat.extend([name] if isinstance(name, str) else name)
    return "__".join(flat)


# GET of every page, per role: (url name, arguments from the world, statuses).
# 302 = sent to sign in (or, for consent:index, to the only owner); 403 = not police
# staff; 404 = not theirs; 410 = withdrawn. tests/portal/test_permission_matrix.py
# fails when a URL of the project is missing here.
PAGES: list[tuple[str, str, dict[str, int]]] = [
    ("owners:dashboard", "", expect(200)),
    ("owners:camera-detail", "camera", expect(404, **{roles(MEMBERS): 200})),
    ("owners:camera-edit", "camera", expect(404, owner=200)),
    ("owners:members", "owner", expect(404, **{roles(MEMBERS): 200})),
    ("joining:start", "", expect(200)),
    ("joining:step", "draft", expect(404, owner=200)),
    (
        "connectivity:recorder-test",
        "recorder",
        expect(404, **{roles(MEMBERS, SEE_CAMERA, "admin"): 200}),
    ),
    (
        "connectivity:recorder-history",
        "recorder",
        expect(404, **{roles(MEMBERS, SEE_CAMERA, "admin"): 200}),
    ),
    (
        "connectivity:check-detail",
        "check",
        expect(404, **{roles(MEMBERS, SEE_CAMERA, "admin"): 200}),
    ),
    (
        "connectivity:check-progress",
        "check",
        expect(404, **{roles(MEMBERS, SEE_CAMERA, "admin"): 200}),
    ),
    # The world's check kept no frame: nobody gets one (test_snapshot_view.py covers the rest).
    ("connectivity:check-snapshot", "check", expect(404)),
    ("consent:index", "", expect(200, **{roles(MEMBERS, "other_owner"): 302})),
    ("consent:overview", "owner", expect(404, **{roles(MEMBERS): 200})),
    ("consent:sign", "owner", expect(404, **{roles(MEMBERS): 200})),
    ("consent:withdraw", "owner", expect(404, **{roles(MEMBERS): 200})),
    ("consent:my-data", "owner", expect(404, **{roles(MEMBERS): 200})),
    ("consent:my-data-json", "owner", expect(404, **{roles(MEMBERS): 200})),
    ("consent:delete-account", "owner", expect(404, **{roles(MEMBERS): 200})),
    ("consent:access-log", "owner", expect(404, **{roles(MEMBERS): 200})),
    ("consent:receipt", "receipt", expect(404, **{roles(MEMBERS): 200})),
    ("consent:receipt-pdf", "receipt", expect(404, **{roles(MEMBERS): 200})),
    ("consent:verify", "receipt", expect(200, stranger=200)),
    ("consent:scopes", "", expect(200, stranger=200)),
    ("consent:staff-requests", "", expect(404, admin=200)),
    ("police:dashboard", "", expect(403, **{roles(OFFICERS): 200})),
    ("police:queue", "", expect(403, **{roles(OFFICERS): 200})),
    ("police:map", "", expect(403, **{roles(OFFICERS): 200})),
    ("police:map-data", "", expect(403, **{roles(OFFICERS): 200})),
    ("police:cameras", "", expect(403, **{roles(OFFICERS): 200})),
    ("police:cameras-export-csv", "", expect(403, **{roles(OFFICERS): 200})),
    ("police:cameras-export-xlsx", "", expect(403, **{roles(OFFICERS): 200})),
    (
        "police:camera-detail",
        "camera",
        expect(404, **{roles(SEE_CAMERA): 200}, **{roles(MEMBERS, "other_owner", "admin"): 403}),
    ),
    ("cms:program-map-data", "program", expect(200, stranger=200)),
    ("signin:landing", "", expect(302)),
    (
        "police:field-visit",
        "enrolment",
        expect(404, **{roles(SEE_CAMERA): 302}, **{roles(MEMBERS, "other_owner", "admin"): 403}),
    ),
    (
        "police:field-visit-photo",
        "visit",
        expect(404, **{roles(MEMBERS, "other_owner", "admin"): 403}),
    ),
    ("police:operator-queue", "", expect(403, operator_here=200, stranger=302)),
    ("police:stickers", "", expect(403, **{roles(OFFICERS): 200})),
    (
        "police:sticker-batch-pdf",
        "batch",
        expect(404, **{roles(MEMBERS, "other_owner", "admin"): 403}),
    ),
    ("stickers:public", "sticker", expect(200, stranger=200)),
    ("accounts:activate", "unknown_token", expect(410, stranger=410)),
    # Estate import: only admins of the owner (the org member here is a viewer).
    ("estate:start", "", expect(200)),
    ("estate:template-xlsx", "", expect(200)),
    ("estate:template-csv", "", expect(200)),
    ("estate:job", "import_job", expect(404, owner=200)),
    ("estate:job-errors", "import_job", expect(404, owner=200)),
    ("estate:dashboard", "owner", expect(404, owner=200)),
    ("notifications:opt-in", "", expect(200)),
    ("notifications:outbox", "", expect(404, admin=200)),
    # Meta's webhook: no sign-in; a GET without the verify token is refused for everyone.
    ("whatsapp:webhook", "", expect(403, stranger=403)),
]

# Views that only take POST: (url name, arguments, statuses of a POST with no data).
POSTS: list[tuple[str, str, dict[str, int]]] = [
    (
        "police:enrolment-review",
        "enrolment",
        expect(404, **{roles(SEE_CAMERA): 302}, **{roles(MEMBERS, "other_owner", "admin"): 403}),
    ),
    ("consent:correction", "owner", expect(404, **{roles(MEMBERS): 302})),
    (
        "police:recorder-credentials",
        "recorder",
        expect(403, operator_here=404, stranger=302),
    ),
    (
        "police:camera-access-purpose",
        "camera",
        expect(404, **{roles(SEE_CAMERA): 302}, **{roles(MEMBERS, "other_owner", "admin"): 403}),
    ),
    ("owners:invitation-accept", "invitation", expect(404, other_owner=302)),
    ("owners:invitation-decline", "invitation", expect(404, other_owner=302)),
    ("owners:invitation-cancel", "owner_invitation", expect(404, owner=302)),
    ("owners:member-role", "membership", expect(404, owner=302, org_member=403)),
    ("owners:member-remove", "membership", expect(404, owner=302, org_member=403)),
    ("owners:member-leave", "owner", expect(404, **{roles(MEMBERS): 302})),
    ("estate:job-confirm", "import_job", expect(404, owner=302)),
    ("estate:job-retry", "import_job", expect(404, owner=302)),
    ("estate:dashboard-action", "owner", expect(404, owner=302)),
    ("notifications:outbox-retry", "message", expect(404, admin=302)),
]


def _args(world, kind: str) -> list:
    if not kind:
        return []
    if kind == "draft":
        return [world["draft"].pk, "site"]
    if kind == "sticker":
        return [world["sticker"].token]
    if kind == "unknown_token":
        return ["no-such-activation-token"]
    if kind == "membership":
        return [world["owner"].pk, world["spare_membership"].pk]
    if kind == "owner_invitation":
        return [world["owner"].pk, world["invitation"].pk]
    value = world[kind]
    if kind == "program":
        return [value.slug]
    if kind == "receipt":
        return [value.receipt_id]
    return [value.pk]


def _statuses(client, world, method: str, url: str) -> dict[str, int]:
    """The status each role gets (one world, every role in turn: a world costs more
    than the requests)."""
    seen = {}
    for role in ROLES:
        client.logout()
        user = world["users"][role]
        if user is not None:
            client.force_login(user)
        seen[role] = getattr(client, method)(url).status_code
    return seen


@pytest.mark.parametrize(("url_name", "kind", "statuses"), PAGES, ids=[p[0] for p in PAGES])
def test_permission_matrix(client, world, url_name, kind, statuses):
    url = reverse(url_name, args=_args(world, kind))
    assert _statuses(client, world, "get", url) == statuses


@pytest.mark.parametrize(("url_name", "kind", "statuses"), POSTS, ids=[p[0] for p in POSTS])
def test_permission_matrix_of_post_only_views(client, world, url_name, kind, statuses):
    url = reverse(url_name, args=_args(world, kind))
    assert _statuses(client, world, "post", url) == statuses


def test_every_view_of_the_project_is_in_the_matrix():
    """A new view must join the matrix, for every role."""
    from django.urls import URLPattern, URLResolver, get_resolver

    ours = (
        "stickers",
        "accounts",
        "signin",
        "owners",
        "joining",
        "connectivity",
        "consent",
        "police",
        "cms",
        "notifications",
        "estate",
        "whatsapp",
    )
    found: set[str] = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace in ours and p.name:
                found.add(f"{namespace}:{p.name}")

    walk(get_resolver().url_patterns)
    covered = {p[0] for p in PAGES} | {p[0] for p in POSTS}
    assert found - covered == set()


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
        reverse("police:enrolment-review", args=[enrolment.pk]),
        {"to_state": "checked", "expected_state": "submitted", "reason": "uji manual di lokasi"},
    )
    assert response.status_code == expected
    enrolment.refresh_from_db()
    assert enrolment.state == state_after


def test_the_operator_sees_the_camera_once_it_is_verified_to_connect_it(client, world):
    from owners.services import enrolment_transition

    enrolment = world["enrolment"]
    client.force_login(world["users"]["operator_here"])
    url = reverse("police:camera-detail", args=[world["camera"].pk])
    enrolment_transition(enrolment=enrolment, to_state=EnrolmentState.CHECKED, actor=None)
    assert client.get(url).status_code == 404
    for state in (EnrolmentState.VERIFIED, EnrolmentState.CONNECTED):
        enrolment_transition(enrolment=enrolment, to_state=state, actor=None)
        assert client.get(url).status_code == 200


def test_an_officer_without_an_authenticator_who_did_not_claim_the_account_is_shut_out(
    client, world
):
    officer = OfficerFactory(role=OfficerRole.ANALYST)
    client.force_login(officer.user)
    response = client.get(reverse("police:dashboard"))
    assert response.status_code == 403
    assert "tautan aktivasi" in response.content.decode()
    # ...and cannot reach the enrolment page directly either: it was signed out.
    assert client.get(reverse("mfa_activate_totp")).status_code == 302
    assert "_auth_user_id" not in client.session


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
