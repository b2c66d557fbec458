import pytest

from owners.models import EnrolmentState as S
from owners.services import ALLOWED_TRANSITIONS, IllegalTransition, enrolment_transition
from tests.factories import EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_enrolment_walks_the_happy_path_and_every_step_is_logged():
    enrolment = EnrolmentFactory()
    officer = UserFactory()
    path = [S.SUBMITTED, S.CHECKED, S.VERIFIED, S.CONNECTED, S.STICKERED]
    for state in path:
        enrolment_transition(
            enrolment=enrolment, to_state=state, actor=officer, reason=f"ke {state}"
        )
    enrolment.refresh_from_db()
    assert enrolment.state == S.STICKERED
    log = list(enrolment.transitions.values_list("from_state", "to_state", "actor", "reason"))
    assert log == [
        (S.DRAFT, S.SUBMITTED, officer.pk, "ke submitted"),
        (S.SUBMITTED, S.CHECKED, officer.pk, "ke checked"),
        (S.CHECKED, S.VERIFIED, officer.pk, "ke verified"),
        (S.VERIFIED, S.CONNECTED, officer.pk, "ke connected"),
        (S.CONNECTED, S.STICKERED, officer.pk, "ke stickered"),
    ]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (from_state, to_state)
        for from_state in S.values
        for to_state in S.values
        if to_state not in ALLOWED_TRANSITIONS[from_state]
    ],
)
def test_an_illegal_transition_is_refused_with_a_message_and_changes_nothing(start, target):
    enrolment = EnrolmentFactory(state=start)
    with pytest.raises(IllegalTransition) as excinfo:
        enrolment_transition(enrolment=enrolment, to_state=target, actor=None, reason="x")
    assert "tidak bisa diubah" in excinfo.value.messages[0]
    enrolment.refresh_from_db()
    assert enrolment.state == start
    assert not enrolment.transitions.exists()


def test_a_draft_cannot_jump_straight_to_stickered():
    enrolment = EnrolmentFactory()
    with pytest.raises(IllegalTransition):
        enrolment_transition(enrolment=enrolment, to_state=S.STICKERED, actor=None)


def test_rejecting_needs_a_reason():
    enrolment = EnrolmentFactory(state=S.SUBMITTED)
    with pytest.raises(IllegalTransition) as excinfo:
        enrolment_transition(enrolment=enrolment, to_state=S.REJECTED, actor=None, reason="  ")
    assert excinfo.value.code == "reason_required"
    enrolment_transition(
        enrolment=enrolment, to_state=S.REJECTED, actor=None, reason="Sudut ke rumah tetangga"
    )
    assert enrolment.state == S.REJECTED


def test_an_unknown_target_state_is_refused():
    enrolment = EnrolmentFactory()
    with pytest.raises(IllegalTransition) as excinfo:
        enrolment_transition(enrolment=enrolment, to_state="launched", actor=None)
    assert excinfo.value.code == "unknown_state"


def test_a_withdrawn_camera_can_start_again_only_as_a_draft():
    enrolment = EnrolmentFactory(state=S.WITHDRAWN)
    with pytest.raises(IllegalTransition):
        enrolment_transition(enrolment=enrolment, to_state=S.SUBMITTED, actor=None)
    enrolment_transition(enrolment=enrolment, to_state=S.DRAFT, actor=None)
    assert enrolment.state == S.DRAFT
