"""Police pages: programs, the verification queue and camera details, by jurisdiction."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consent import selectors as consent_selectors
from consent.services import access_log_record
from owners.models import EnrolmentState
from police.services import enrolment_review
from portal import roles

ACCEPTED = (EnrolmentState.VERIFIED, EnrolmentState.CONNECTED, EnrolmentState.STICKERED)


def officer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        officer = roles.officer_of(request.user)
        if officer is None:
            raise PermissionDenied
        request.officer = officer  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


@officer_required
def dashboard(request: HttpRequest) -> HttpResponse:
    programs = roles.programs_visible_to(request.user).select_related("unit")
    enrolments = roles.enrolments_visible_to(request.user)
    counts = {
        row["program"]: row
        for row in enrolments.values("program").annotate(
            accepted=Count("pk", filter=Q(state__in=ACCEPTED)),
            waiting=Count(
                "pk", filter=Q(state__in=[EnrolmentState.SUBMITTED, EnrolmentState.CHECKED])
            ),
        )
    }
    rows = [(p, counts.get(p.pk, {"accepted": 0, "waiting": 0})) for p in programs]
    return render(request, "police/dashboard.html", {"rows": rows, "officer": request.officer})  # type: ignore[attr-defined]


@officer_required
def queue(request: HttpRequest) -> HttpResponse:
    enrolments = list(
        roles.enrolments_visible_to(request.user)
        .filter(state__in=[EnrolmentState.SUBMITTED, EnrolmentState.CHECKED])
        .select_related("camera__recorder__site__village", "program")
        .order_by("state_changed_at")[:200]
    )
    if enrolments:
        access_log_record(
            officer=request.officer,  # type: ignore[attr-defined]
            action="list",
            purpose=_("Antrean verifikasi"),
            cameras=[e.camera for e in enrolments],
        )
    return render(request, "police/queue.html", {"enrolments": enrolments})


@officer_required
def camera_detail(request: HttpRequest, pk: int) -> HttpResponse:
    camera = (
        roles.cameras_visible_to(request.user)
        .select_related("recorder__site__village", "recorder__site__owner")
        .filter(pk=pk)
        .first()
    )
    if camera is None:
        notice = consent_selectors.withdrawn_notice_for(user=request.user, camera_id=pk)
        if notice is None:
            raise Http404
        return render(request, "consent/police_withdrawn.html", {"notice": notice}, status=410)
    access_log_record(
        officer=request.officer,  # type: ignore[attr-defined]
        action="view",
        purpose=request.GET.get("tujuan", "").strip()[:300] or _("Verifikasi pendaftaran kamera"),
        cameras=[camera],
    )
    enrolments = (
        roles.enrolments_visible_to(request.user).filter(camera=camera).select_related("program")
    )
    return render(
        request, "police/camera_detail.html", {"camera": camera, "enrolments": enrolments}
    )


@require_POST
@officer_required
def enrolment_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(roles.enrolments_visible_to(request.user), pk=pk)
    to_state = request.POST.get("to_state", "")
    try:
        enrolment_review(
            officer=request.officer,  # type: ignore[attr-defined]
            enrolment=enrolment,
            to_state=to_state,
            reason=request.POST.get("reason", "")[:1000],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Status diperbarui."))
    return redirect("police:camera-detail", pk=enrolment.camera_id)
