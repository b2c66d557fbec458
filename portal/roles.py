"""Who may see what: the one place that scopes querysets by role.

Every view, export, admin viewset and task that lists owner or police data
starts its queryset from a function here. Owners see their own objects through
memberships; officers see what lies in their unit's jurisdiction (a Polda sees
all its Polres and Polsek); a Bhabinkamtibmas sees the villages assigned to
them; a Command Center operator sees connected cameras in the jurisdiction.

Consent filters every police queryset: an officer sees only cameras (and their
sites, recorders, owners, enrolments) whose consent in force grants scope (a),
listing in the registry; a Command Center operator only cameras that also grant
live view, scope (c) or (d). A withdrawn camera therefore leaves every police
list at once (see ``consent.selectors``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from consent.models import Scope
from consent.selectors import camera_ids_with_scope
from owners.models import (
    Camera,
    Enrolment,
    EnrolmentState,
    MemberRole,
    Owner,
    Recorder,
    Site,
)
from police.models import Officer, OfficerRole, PoliceUnit, Program, Region

if TYPE_CHECKING:
    from accounts.models import User

CONNECTED_STATES = (EnrolmentState.CONNECTED, EnrolmentState.STICKERED)
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


def officer_of(user: Any) -> Officer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.officer
    except Officer.DoesNotExist:
        return None


def is_police_staff(user: Any) -> bool:
    return officer_of(user) is not None


def unit_and_descendants(unit: PoliceUnit) -> list[int]:
    """Ids of ``unit`` and every unit below it (at most three levels deep)."""
    ids = [unit.pk]
    frontier = [unit.pk]
    while frontier:
        frontier = list(
            PoliceUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def jurisdiction_codes(officer: Officer) -> list[str]:
    """Region codes an officer may see; a Bhabinkamtibmas sees only their villages."""
    if officer.role == OfficerRole.BHABINKAMTIBMAS:
        return list(officer.villages.values_list("code", flat=True))
    units = unit_and_descendants(officer.unit)
    return list(
        Region.objects.filter(police_units__in=units).values_list("code", flat=True).distinct()
    )


def region_q(codes: list[str], path: str) -> Q:
    """Q matching rows whose region at ``path`` equals or lies inside one of ``codes``."""
    if not codes:
        return Q(pk__in=[])
    field = f"{path}__code" if path else "code"
    q = Q()
    for code in codes:
        q |= Q(**{field: code}) | Q(**{f"{field}__startswith": code + "."})
    return q


def _memberships_q(user: Any, path: str, roles: tuple[str, ...] | None = None) -> Q:
    filters: dict[str, Any] = {f"{path}memberships__user": user}
    if roles:
        filters[f"{path}memberships__role__in"] = roles
    return Q(**filters)


# --- owner side ---------------------------------------------------------------


def owners_visible_to(user: Any) -> QuerySet[Owner]:
    if not getattr(user, "is_authenticated", False):
        return Owner.objects.none()
    if user.is_superuser:
        return Owner.objects.all()
    officer = officer_of(user)
    if officer is not None:
        return Owner.objects.filter(pk__in=sites_visible_to(user).values("owner_id"))
    return owners_member_of(user)


def owners_editable_by(user: Any) -> QuerySet[Owner]:
    """Owners whose sites, recorders and cameras ``user`` may change."""
    if not getattr(user, "is_authenticated", False):
        return Owner.objects.none()
    return Owner.objects.filter(
        _memberships_q(user, "", (MemberRole.ADMIN, MemberRole.EDITOR))
    ).distinct()


def sites_visible_to(user: Any) -> QuerySet[Site]:
    if not getattr(user, "is_authenticated", False):
        return Site.objects.none()
    if user.is_superuser:
        return Site.objects.all()
    officer = officer_of(user)
    if officer is not None:
        consented = Camera.objects.filter(pk__in=consented_camera_ids(officer))
        return sites_in_jurisdiction_of(user).filter(pk__in=consented.values("recorder__site_id"))
    return Site.objects.filter(owner__in=owners_visible_to(user))


def sites_in_jurisdiction_of(user: Any) -> QuerySet[Site]:
    """Every site in an officer's jurisdiction, consent or not.

    Only for counts and "withdrawn" notices that show no owner data; lists of
    owner data use ``sites_visible_to``.
    """
    officer = officer_of(user)
    if officer is None:
        return Site.objects.all() if getattr(user, "is_superuser", False) else Site.objects.none()
    return Site.objects.filter(region_q(jurisdiction_codes(officer), "village"))


def recorders_visible_to(user: Any) -> QuerySet[Recorder]:
    qs = Recorder.objects.filter(site__in=sites_visible_to(user))
    officer = officer_of(user)
    if officer is not None:
        consented = Camera.objects.filter(pk__in=consented_camera_ids(officer))
        qs = qs.filter(pk__in=consented.values("recorder_id"))
    return qs


def cameras_visible_to(user: Any) -> QuerySet[Camera]:
    qs = Camera.objects.filter(recorder__site__in=sites_visible_to(user))
    officer = officer_of(user)
    if officer is not None:
        qs = qs.filter(pk__in=consented_camera_ids(officer))
    if officer is not None and officer.role == OfficerRole.OPERATOR:
        qs = qs.filter(enrolments__state__in=CONNECTED_STATES).distinct()
    return qs


def enrolments_visible_to(user: Any) -> QuerySet[Enrolment]:
    qs = Enrolment.objects.filter(camera__recorder__site__in=sites_visible_to(user))
    officer = officer_of(user)
    if officer is not None:
        qs = qs.filter(camera_id__in=consented_camera_ids(officer))
    if officer is not None and officer.role == OfficerRole.OPERATOR:
        qs = qs.filter(state__in=CONNECTED_STATES)
    return qs


def owners_managed_by(user: Any) -> QuerySet[Owner]:
    """Owners whose members ``user`` may invite and remove."""
    if not getattr(user, "is_authenticated", False):
        return Owner.objects.none()
    return Owner.objects.filter(_memberships_q(user, "", (MemberRole.ADMIN,))).distinct()


def sites_of_member(user: Any) -> QuerySet[Site]:
    """Sites of the owners ``user`` belongs to, whatever else they may be (owner pages)."""
    return Site.objects.filter(owner__in=owners_member_of(user))


def cameras_of_member(user: Any) -> QuerySet[Camera]:
    return Camera.objects.filter(recorder__site__owner__in=owners_member_of(user))


def sites_editable_by(user: Any) -> QuerySet[Site]:
    return Site.objects.filter(owner__in=owners_editable_by(user))


def recorders_editable_by(user: Any) -> QuerySet[Recorder]:
    return Recorder.objects.filter(site__owner__in=owners_editable_by(user))


def cameras_editable_by(user: Any) -> QuerySet[Camera]:
    return Camera.objects.filter(recorder__site__owner__in=owners_editable_by(user))


def owners_member_of(user: Any) -> QuerySet[Owner]:
    """Owners ``user`` belongs to in any role (never through a police jurisdiction)."""
    if not getattr(user, "is_authenticated", False):
        return Owner.objects.none()
    return Owner.objects.filter(_memberships_q(user, "")).distinct()


# --- police side --------------------------------------------------------------


def units_visible_to(user: Any) -> QuerySet[PoliceUnit]:
    if getattr(user, "is_superuser", False):
        return PoliceUnit.objects.all()
    officer = officer_of(user)
    if officer is None:
        return PoliceUnit.objects.none()
    return PoliceUnit.objects.filter(pk__in=unit_and_descendants(officer.unit))


def programs_visible_to(user: Any) -> QuerySet[Program]:
    """Programs an officer works on: those of their unit, above or below it."""
    if getattr(user, "is_superuser", False):
        return Program.objects.all()
    officer = officer_of(user)
    if officer is None:
        return Program.objects.none()
    ancestors = []
    unit: PoliceUnit | None = officer.unit
    while unit is not None:
        ancestors.append(unit.pk)
        unit = unit.parent
    return Program.objects.filter(
        Q(unit__in=unit_and_descendants(officer.unit)) | Q(unit__in=ancestors)
    ).distinct()


def regions_visible_to(user: Any) -> QuerySet[Region]:
    if getattr(user, "is_superuser", False):
        return Region.objects.all()
    officer = officer_of(user)
    if officer is None:
        return Region.objects.none()
    return Region.objects.filter(region_q(jurisdiction_codes(officer), ""))


# --- MFA for police staff -------------------------------------------------------

MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/media/", "/healthz", "/i18n/")


def user_has_mfa(user: User) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def _without_language(path: str) -> str:
    """``/en/accounts/...`` -> ``/accounts/...``: exemptions hold in every language."""
    from django.utils.translation import get_language_from_path

    language = get_language_from_path(path)
    if language and path.startswith(f"/{language}/"):
        return path[len(language) + 1 :]
    return path


class StaffMFAMiddleware:
    """Police staff must enrol a TOTP authenticator before they see any page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not _without_language(request.path).startswith(MFA_EXEMPT_PREFIXES)
            and (is_police_staff(user) or user.is_staff)
            and not user_has_mfa(user)
        ):
            return HttpResponseRedirect(reverse("mfa_activate_totp") + f"?next={request.path}")
        return self.get_response(request)
