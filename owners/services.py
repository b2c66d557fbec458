"""Writes on owners, sites, recorders, cameras and enrolments.

Views, forms, the admin, tasks and commands call these functions; the rules
(who may move an enrolment where, what gets logged) live here only.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from owners.models import Enrolment, EnrolmentState, EnrolmentTransition

S = EnrolmentState

# draft > submitted > checked > verified > connected > stickered, plus rejected
# and withdrawn. A material change (say, a new direction) sends a camera back to
# "submitted"; a rejected or withdrawn enrolment can start again as a draft.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.CHECKED, S.REJECTED, S.WITHDRAWN, S.DRAFT}),
    S.CHECKED: frozenset({S.VERIFIED, S.REJECTED, S.WITHDRAWN, S.SUBMITTED}),
    S.VERIFIED: frozenset({S.CONNECTED, S.REJECTED, S.WITHDRAWN, S.SUBMITTED}),
    S.CONNECTED: frozenset({S.STICKERED, S.VERIFIED, S.WITHDRAWN, S.SUBMITTED}),
    S.STICKERED: frozenset({S.CONNECTED, S.WITHDRAWN, S.SUBMITTED}),
    S.REJECTED: frozenset({S.DRAFT, S.SUBMITTED, S.WITHDRAWN}),
    S.WITHDRAWN: frozenset({S.DRAFT}),
}

# A reason is required where a person is told "no".
REASON_REQUIRED = frozenset({S.REJECTED})


class IllegalTransition(ValidationError):
    """The requested state change is not allowed from the enrolment's state."""


def enrolment_can_move(*, enrolment: Enrolment, to_state: str) -> bool:
    return to_state in ALLOWED_TRANSITIONS.get(enrolment.state, frozenset())


@transaction.atomic
def enrolment_transition(
    *, enrolment: Enrolment, to_state: str, actor: Any | None, reason: str = ""
) -> Enrolment:
    """Move ``enrolment`` to ``to_state`` and log who, when and why.

    The row is locked first so two officers clicking at once cannot both move it.
    Raises ``IllegalTransition`` with a message for the person when not allowed.
    """
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if to_state not in S.values:
        raise IllegalTransition(_("Status tujuan tidak dikenal."), code="unknown_state")
    if not enrolment_can_move(enrolment=locked, to_state=to_state):
        raise IllegalTransition(
            _("Status tidak bisa diubah dari “%(from)s” ke “%(to)s”."),
            code="illegal_transition",
            params={"from": S(locked.state).label, "to": S(to_state).label},
        )
    if to_state in REASON_REQUIRED and not reason.strip():
        raise IllegalTransition(_("Tuliskan alasannya."), code="reason_required")
    from_state = locked.state
    locked.state = to_state
    locked.state_changed_at = timezone.now()
    locked.save(update_fields=["state", "state_changed_at"])
    EnrolmentTransition.objects.create(
        enrolment=locked,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason.strip(),
    )
    enrolment.state = locked.state
    enrolment.state_changed_at = locked.state_changed_at
    return enrolment
