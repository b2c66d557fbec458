"""Who may see which owner data: the one place that scopes querysets by role.

Every view, export, admin viewset and task that lists owner data for someone
who may be an officer starts its queryset here. Owners see their own objects
through memberships (``owners.selectors``); officers see what lies in their
unit's jurisdiction (a Polda sees all its Polres and Polsek; a Bhabinkamtibmas
the villages assigned to them, ``police.jurisdiction``).

Consent filters every police queryset: an officer sees only cameras (and their
sites, recorders, owners, enrolments) whose consent in force grants scope (a),
listing in the registry; a Command Center operator only cameras that also
grant live view, scope (c) or (d), and are verified (to connect them) or
connected. A withdrawn camera therefore leaves every police list at once.
Sites, recorders and owners are derived from the cameras a person may see, so
no role sees a recorder whose cameras it may not see.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from consent.models import Scope
from consent.selectors import camera_ids_with_scope
from owners import selectors as owner_selectors
from owners.models import CONNECTED_STATES, Camera, Enrolment, EnrolmentState, Owner, Recorder, Site
from police.jurisdiction import jurisdiction_codes, officer_of
from police.models import Officer, OfficerRole
from police.regions import region_q

# The enrolment states in which the Command Center sees a camera: from verified (to
# connect it) onward.
OPERATOR_STATES = (EnrolmentState.VERIFIED, *CONNECTED_STATES)
# The consent scopes each police role needs to see a camera at all.
POLICE_LIST_SCOPES = (Scope.LISTED,)
COMMAND_CENTER_SCOPES = (Scope.LIVE_INCIDENT, Scope.LIVE_ALWAYS)


def consent_scopes_for(officer: Officer) -> tuple[str, ...]:
    if officer.role == OfficerRole.OPERATOR:
        return COMMAND_CENTER_SCOPES
    return POLICE_LIST_SCOPES


def consented_camera_ids(officer: Officer) -> QuerySet[Any, Any]:
    """Ids of cameras whose consent in force lets ``officer`` see them."""
    return camera_ids_with_scope(consent_scopes_for(officer))


def _is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser)


def sites_in_jurisdiction_of(user: Any) -> QuerySet[Site]:
    """Every site in an officer's jurisdiction, consent or not.

    Only for counts and "withdrawn" notices that show no owner data; lists of
    owner data use ``sites_visible_to``.
    """
    officer = officer_of(user)
    if officer is None:
        return Site.objects.all() if _is_superuser(user) else Site.objects.none()
    return Site.objects.filter(region_q(jurisdiction_codes(officer), "village"))


def cameras_visible_to(user: Any) -> QuerySet[Camera]:
    if _is_superuser(user):
        return Camera.objects.all()
    officer = officer_of(user)
    if officer is None:
        return owner_selectors.cameras_of_member(user)
    qs = Camera.objects.filter(
        recorder__site__in=sites_in_jurisdiction_of(user),
        pk__in=consented_camera_ids(officer),
    )
    if officer.role == OfficerRole.OPERATOR:
        qs = qs.filter(enrolments__state__in=OPERATOR_STATES).distinct()
    return qs


def recorders_visible_to(user: Any) -> QuerySet[Recorder]:
    """Recorders of the cameras ``user`` may see (an officer sees no camera-less recorder)."""
    if _is_superuser(user):
        return Recorder.objects.all()
    if officer_of(user) is None:
        return owner_selectors.recorders_of_member(user)
    return Recorder.objects.filter(pk__in=cameras_visible_to(user).values("recorder_id"))


def sites_visible_to(user: Any) -> QuerySet[Site]:
    if _is_superuser(user):
        return Site.objects.all()
    if officer_of(user) is None:
        return owner_selectors.sites_of_member(user)
    return Site.objects.filter(pk__in=cameras_visible_to(user).values("recorder__site_id"))


def owners_visible_to(user: Any) -> QuerySet[Owner]:
    if _is_superuser(user):
        return Owner.objects.all()
    if officer_of(user) is None:
        return owner_selectors.owners_member_of(user)
    return Owner.objects.filter(pk__in=sites_visible_to(user).values("owner_id"))


def enrolments_visible_to(user: Any) -> QuerySet[Enrolment]:
    if _is_superuser(user):
        return Enrolment.objects.all()
    officer = officer_of(user)
    if officer is None:
        return Enrolment.objects.filter(camera__in=owner_selectors.cameras_of_member(user))
    qs = Enrolment.objects.filter(camera__in=cameras_visible_to(user))
    if officer.role == OfficerRole.OPERATOR:
        qs = qs.filter(state__in=OPERATOR_STATES)
    return qs


# --- what the police see of withdrawn cameras ---------------------------------------


def withdrawn_enrolments_visible_to(*, user: Any) -> list[dict[str, Any]]:
    """What the police see of withdrawn cameras: that they were withdrawn, no data."""
    rows = (
        Enrolment.objects.filter(
            state=EnrolmentState.WITHDRAWN,
            camera__recorder__site__in=sites_in_jurisdiction_of(user),
        )
        .order_by("-state_changed_at")
        .values("pk", "program__name", "state_changed_at")
    )
    return [
        {
            "enrolment": r["pk"],
            "program": r["program__name"],
            "withdrawn_at": r["state_changed_at"],
            "status": str(EnrolmentState.WITHDRAWN.label),
        }
        for r in rows
    ]


def withdrawn_notice_for(*, user: Any, camera_id: int) -> dict[str, Any] | None:
    """For a police page of a camera the officer can no longer see: was it withdrawn?

    Returns only the fact and the time (no location, owner or stream), and only
    for cameras in the officer's jurisdiction; ``None`` otherwise (a plain 404).
    """
    match = (
        Enrolment.objects.filter(
            state=EnrolmentState.WITHDRAWN,
            camera_id=camera_id,
            camera__recorder__site__in=sites_in_jurisdiction_of(user),
        )
        .order_by("-state_changed_at")
        .values("state_changed_at", "program__name")
        .first()
    )
    if match is None:
        return None
    return {"withdrawn_at": match["state_changed_at"], "program": match["program__name"]}
