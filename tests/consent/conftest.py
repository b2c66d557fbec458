"""Shared set-up for consent tests: published terms, an owner with cameras, police."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from allauth.mfa.models import Authenticator

from accounts.models import User
from consent.models import ConsentRecord, Scope, TermsVersion
from consent.services import agreement_sign, terms_draft_create, terms_publish
from owners.models import Camera, Enrolment, EnrolmentState, Owner, Recorder, Site
from police.models import Officer, OfficerRole, PoliceUnit, UnitLevel
from tests.factories import (
    CameraFactory,
    EnrolmentFactory,
    OfficerFactory,
    PoliceUnitFactory,
    ProgramFactory,
    RecorderFactory,
    SiteFactory,
    UserFactory,
    region_tree,
)
from tests.factories import (
    OwnerFactory as SharedOwnerFactory,
)


class OwnerFactory(SharedOwnerFactory):
    class Meta:
        model = Owner
        skip_postgeneration_save = True  # the membership hook saves nothing on the owner


def publish_terms(scopes: str | None = None) -> TermsVersion:
    """A published terms version offering ``scopes`` (all five when None)."""
    draft = terms_draft_create()
    if scopes is not None:
        draft.scopes.exclude(scope__in=list(scopes)).delete()
        draft.save_revision()
    return terms_publish(terms=draft)


def sign(
    *, owner: Owner, user: User, cameras: list[Camera], scopes: str = "a", **extra: object
) -> ConsentRecord:
    from consent.selectors import current_terms

    terms = current_terms()
    assert terms is not None
    fields: dict[str, object] = {
        "owner": owner,
        "user": user,
        "terms": terms,
        "cameras": cameras,
        "scopes": list(scopes),
        "signer_name": user.full_name or "Budi Santoso",
        "confirmed": True,
        "language": "id",
        "ip_address": "203.0.113.7",
        "user_agent": "pytest",
    }
    fields.update(extra)
    return agreement_sign(**fields)  # type: ignore[arg-type]


def with_mfa(user: User) -> User:
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


@dataclass
class World:
    owner: Owner
    admin: User
    site: Site
    recorder: Recorder
    cameras: list[Camera]
    enrolments: list[Enrolment]
    other_owner: Owner
    other_admin: User
    other_camera: Camera
    unit: PoliceUnit
    analyst: Officer
    operator: Officer
    bhabin: Officer
    other_unit: PoliceUnit
    other_analyst: Officer


@pytest.fixture
def terms() -> TermsVersion:
    return publish_terms()


@pytest.fixture
def world(terms: TermsVersion) -> World:
    village = region_tree("36.71", "01", "1001")
    other_village = region_tree("36.72", "02", "2002")
    admin = UserFactory(full_name="Budi Santoso")
    owner = OwnerFactory(name="Budi Santoso", member=admin, contact_phone="+6281200000001")
    site = SiteFactory(owner=owner, village=village, name="Rumah Budi")
    recorder = RecorderFactory(site=site)
    cameras = [CameraFactory(recorder=recorder, channel=n) for n in (1, 2)]
    unit = PoliceUnitFactory(name="Polres Tangerang Kota", level=UnitLevel.POLRES)
    unit.regions.add(village.parent.parent)  # the regency 36.71
    program = ProgramFactory(unit=unit)
    enrolments = [
        EnrolmentFactory(camera=c, program=program, state=EnrolmentState.CONNECTED) for c in cameras
    ]
    other_admin = UserFactory(full_name="Siti Aminah")
    other_owner = OwnerFactory(name="Siti Aminah", member=other_admin)
    other_site = SiteFactory(owner=other_owner, village=village, name="Toko Siti")
    other_camera = CameraFactory(recorder=RecorderFactory(site=other_site), channel=1)
    EnrolmentFactory(camera=other_camera, program=program, state=EnrolmentState.CONNECTED)
    other_unit = PoliceUnitFactory(name="Polres Serang", level=UnitLevel.POLRES)
    other_unit.regions.add(other_village.parent.parent)
    analyst = OfficerFactory(unit=unit, role=OfficerRole.ANALYST, user=with_mfa(UserFactory()))
    operator = OfficerFactory(unit=unit, role=OfficerRole.OPERATOR, user=with_mfa(UserFactory()))
    bhabin = OfficerFactory(
        unit=unit, role=OfficerRole.BHABINKAMTIBMAS, user=with_mfa(UserFactory())
    )
    bhabin.villages.add(village)
    other_analyst = OfficerFactory(
        unit=other_unit, role=OfficerRole.ANALYST, user=with_mfa(UserFactory())
    )
    return World(
        owner=owner,
        admin=admin,
        site=site,
        recorder=recorder,
        cameras=cameras,
        enrolments=enrolments,
        other_owner=other_owner,
        other_admin=other_admin,
        other_camera=other_camera,
        unit=unit,
        analyst=analyst,
        operator=operator,
        bhabin=bhabin,
        other_unit=other_unit,
        other_analyst=other_analyst,
    )


ALL_SCOPES = "".join(s.value for s in Scope)
