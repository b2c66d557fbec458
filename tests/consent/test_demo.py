from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from consent.models import ConsentRecord
from consent.selectors import scopes_in_force
from consent.services import chain_verify
from demo.consent import demo_agreements_ensure, demo_owners
from owners.models import EnrolmentState
from tests.factories import (
    CameraFactory,
    EnrolmentFactory,
    OwnerFactory,
    RecorderFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def demo_owner(index: int, states: list[str]):
    owner = OwnerFactory(contact_email=f"demo-owner-{index}@demo.cctvwarga.id")
    recorder = RecorderFactory(site=SiteFactory(owner=owner))
    cameras = []
    for channel, state in enumerate(states, start=1):
        camera = CameraFactory(recorder=recorder, channel=channel)
        EnrolmentFactory(camera=camera, state=state)
        cameras.append(camera)
    return owner, cameras


def test_seeding_gives_demo_owners_agreements_once_and_never_real_owners():
    _, cameras = demo_owner(
        1,
        [
            EnrolmentState.CONNECTED,
            EnrolmentState.SUBMITTED,
            EnrolmentState.WITHDRAWN,
            EnrolmentState.DRAFT,
        ],
    )
    real = OwnerFactory(contact_email="demo-owner-2@demo.cctvwarga.id", member=UserFactory())
    CameraFactory(recorder=RecorderFactory(site=SiteFactory(owner=real)))

    call_command("consent_seed_terms", stdout=StringIO())
    assert not ConsentRecord.objects.exists()  # publishing the terms signs for nobody
    demo_agreements_ensure(owners=demo_owners())
    first = ConsentRecord.objects.count()
    demo_agreements_ensure(owners=demo_owners())

    assert ConsentRecord.objects.count() == first
    assert not ConsentRecord.objects.filter(owner=real).exists()
    in_force = scopes_in_force(cameras=cameras)
    connected, submitted, withdrawn, draft = (in_force[c.pk] for c in cameras)
    assert {"a", "c", "d"} <= set(connected)
    assert set(submitted) - {"e"} == {"a"}
    assert withdrawn == "" and draft == ""
    assert chain_verify().ok
