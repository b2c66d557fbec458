"""Writes done by officers: moving enrolments through verification."""

from __future__ import annotations

from owners.models import Enrolment, EnrolmentState
from owners.services import IllegalTransition, enrolment_transition
from police.models import Officer, OfficerRole

S = EnrolmentState

# Which targets each officer role may move an enrolment to.
ROLE_TARGETS: dict[str, frozenset[str]] = {
    OfficerRole.COMMANDER: frozenset({S.CHECKED, S.VERIFIED, S.REJECTED, S.CONNECTED, S.STICKERED}),
    OfficerRole.ANALYST: frozenset({S.CHECKED, S.VERIFIED, S.REJECTED}),
    OfficerRole.BHABINKAMTIBMAS: frozenset({S.VERIFIED, S.REJECTED, S.STICKERED}),
    OfficerRole.OPERATOR: frozenset({S.CONNECTED}),
}


def enrolment_review(
    *, officer: Officer, enrolment: Enrolment, to_state: str, reason: str = ""
) -> Enrolment:
    """An officer verifies, rejects, connects or stickers an enrolment in their jurisdiction.

    The caller must have loaded ``enrolment`` through ``registry.scoping`` (jurisdiction).
    """
    if to_state not in ROLE_TARGETS.get(officer.role, frozenset()):
        raise IllegalTransition(
            "Peran Anda tidak dapat mengubah status ini.", code="role_not_allowed"
        )
    return enrolment_transition(
        enrolment=enrolment, to_state=to_state, actor=officer.user, reason=reason
    )
