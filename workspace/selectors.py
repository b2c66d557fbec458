"""Reads of the police workspace: dashboard counts and the verification queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from owners.models import Enrolment, EnrolmentState
from police.jurisdiction import programs_visible_to
from police.models import Program
from registry import scoping
from registry.progress import COUNTED_STATES, IN_PROCESS_STATES


@dataclass(frozen=True)
class ProgramRow:
    program: Program
    accepted: int
    waiting: int


def dashboard_rows(*, user: Any) -> list[ProgramRow]:
    """Per program the officer works on: accepted and waiting cameras they may see.

    The same state definitions as the public progress (``registry.progress``).
    """
    programs = programs_visible_to(user).select_related("unit")
    counts: dict[int, tuple[int, int]] = {
        row["program"]: (row["accepted"], row["waiting"])
        for row in scoping.enrolments_visible_to(user)
        .values("program")
        .annotate(
            accepted=Count("pk", filter=Q(state__in=COUNTED_STATES)),
            waiting=Count("pk", filter=Q(state__in=IN_PROCESS_STATES)),
        )
        .order_by()
    }
    return [ProgramRow(p, *counts.get(p.pk, (0, 0))) for p in programs]


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
