from __future__ import annotations

import pytest

from consent.models import MessagingChannel
from notifications import services
from owners.models import EnrolmentState
from tests.factories import (
    CameraFactory,
    EnrolmentFactory,
    OwnerFactory,
    ProgramFactory,
    RecorderFactory,
    SiteFactory,
    UserFactory,
)

PHONE = "+6281234567890"


@pytest.fixture
def resident(db):
    user = UserFactory(phone=PHONE, phone_verified=True)
    owner = OwnerFactory(member=user)
    site = SiteFactory(owner=owner, address="Jl. Rahasia No. 7")
    recorder = RecorderFactory(site=site, name="DVR Rumah")
    return user, owner, recorder


def opt_in(user, phone=PHONE):
    services.opt_in_set(user=user, phone=phone, opted_in=True, channel=MessagingChannel.PROFILE)


def cameras(recorder, n, state=EnrolmentState.DRAFT, program=None, first_channel=1):
    program = program or ProgramFactory(name="Mataraksa")
    return [
        EnrolmentFactory(
            camera=CameraFactory(recorder=recorder, channel=first_channel + i),
            state=state,
            program=program,
        )
        for i in range(n)
    ]


def cycle():
    services.events_collect()
    services.notifications_compose()
    return services.outbox_send()
