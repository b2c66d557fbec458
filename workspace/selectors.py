"""Reads of the police workspace: the verification and Command Center queues.

The dashboard's reads are in ``workspace.dashboard``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from owners.models import Enrolment, EnrolmentState
from registry import scoping


def queue_for(*, user: Any, limit: int = 200) -> QuerySet[Enrolment]:
    """Enrolments waiting for verification that ``user`` may see, oldest first."""
    return (
        scoping.enrolments_visible_to(user)
        .filter(state__in=[EnrolmentState.SUBMITTED, EnrolmentState.CHECKED])
        .select_related("camera__recorder__site__village", "program")
        .order_by("state_changed_at")[:limit]
    )


def operator_queue_for(*, user: Any) -> QuerySet[Enrolment]:
    """Verified cameras with live-view consent the operator may connect, oldest first."""
    return (
        scoping.enrolments_visible_to(user)
        .filter(state=EnrolmentState.VERIFIED)
        .select_related("camera__recorder__site__village", "program")
        .order_by("state_changed_at")[:200]
    )
