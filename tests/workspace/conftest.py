from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from owners.models import Camera, Enrolment, EnrolmentState, Owner
from police.models import Officer, OfficerRole, Region, UnitLevel
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


@dataclass
class Pipeline:
    village: Region
    owner: Owner
    camera: Camera
    enrolment: Enrolment
    bhabin: Officer
    polsek: Officer
    polres: Officer
    operator: Officer


@pytest.fixture
def pipeline() -> Pipeline:
    village = region_tree("36.03", "18", "2005")
    polda = PoliceUnitFactory(level=UnitLevel.POLDA, name="Polda Banten")
    polda.regions.set([village.parent.parent.parent])
    polres = PoliceUnitFactory(level=UnitLevel.POLRES, parent=polda, name="Polresta Tangerang")
    polres.regions.set([village.parent.parent])
    polsek = PoliceUnitFactory(level=UnitLevel.POLSEK, parent=polres, name="Polsek Cikupa")
    polsek.regions.set([village.parent])
    owner = OwnerFactory(member=UserFactory(full_name="Siti Rahmawati"), name="Siti Rahmawati")
    site = SiteFactory(
        owner=owner,
        village=village,
        address="Jl. Melati 7",
        latitude=Decimal("-6.200000"),
        longitude=Decimal("106.500000"),
    )
    camera = CameraFactory(recorder=RecorderFactory(site=site, password="rahasia-dvr"))
    enrolment = EnrolmentFactory(
        camera=camera,
        program=ProgramFactory(unit=polres, name="Mataraksa", slug="mataraksa"),
        state=EnrolmentState.SUBMITTED,
    )
    grant_consent(camera, scopes="acd")

    def officer(unit, role, villages=()):
        o = OfficerFactory(unit=unit, role=role, user=UserFactory(full_name=f"{role} {unit}"))
        o.villages.set(villages)
        give_totp(o.user)
        return o

    return Pipeline(
        village=village,
        owner=owner,
        camera=camera,
        enrolment=enrolment,
        bhabin=officer(polsek, OfficerRole.BHABINKAMTIBMAS, [village]),
        polsek=officer(polsek, OfficerRole.ANALYST),
        polres=officer(polres, OfficerRole.COMMANDER),
        operator=officer(polres, OfficerRole.OPERATOR),
    )
