"""Pages in plain words: blank choices, villages by district, next steps, shares (issue 15)."""

from __future__ import annotations

import pytest
from django.utils import translation

from joining.forms import JoinSiteForm
from owners.models import Enrolment, EnrolmentState, MemberRole, Membership
from owners.selectors import villages_of_program
from registry.progress import percent_label
from tests.factories import CameraFactory, ProgramFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_selects_offer_an_indonesian_blank_choice_and_villages_by_district():
    province = RegionFactory(code="36", name="Banten", level=1)
    regency = RegionFactory(code="36.03", name="Kabupaten Tangerang", level=2, parent=province)
    cikupa = RegionFactory(code="36.03.01", name="Cikupa", level=3, parent=regency)
    curug = RegionFactory(code="36.03.02", name="Curug", level=3, parent=regency)
    for district, code in ((cikupa, "36.03.01.1001"), (curug, "36.03.02.2001")):
        RegionFactory(code=code, name="Talagasari", level=4, parent=district)
    program = ProgramFactory()
    program.area.add(regency)

    choices = [
        str(label)
        for _, label in JoinSiteForm(villages=villages_of_program(program=program))
        .fields["village"]
        .choices
    ]

    assert choices == ["— Pilih —", "Talagasari, Kec. Cikupa", "Talagasari, Kec. Curug"]
    with translation.override("en"):
        english = JoinSiteForm(villages=villages_of_program(program=program))
        assert str(next(iter(english.fields["village"].choices))[1]) == "— Select —"


@pytest.mark.parametrize(
    ("counted", "target", "label"),
    [
        (83, 20_000, "0,4"),
        (1, 20_000, "0,1"),
        (0, 1_000, "0"),
        (350, 1_000, "35"),
        (3_000, 1_000, "100"),
    ],
)
def test_a_small_share_of_the_target_keeps_one_decimal(counted, target, label):
    assert percent_label(counted, target) == label


def test_the_owner_dashboard_says_what_happens_next(client):
    camera = CameraFactory()
    user = UserFactory()
    Membership.objects.create(owner=camera.recorder.site.owner, user=user, role=MemberRole.ADMIN)
    Enrolment.objects.create(
        camera=camera, program=ProgramFactory(), state=EnrolmentState.SUBMITTED
    )
    client.force_login(user)

    html = client.get("/saya/").content.decode()

    assert "Sistem menguji koneksi perekam Anda." in html
