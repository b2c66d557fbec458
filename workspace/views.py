"""Police workspace (/polisi/): programs, the verification queue, camera details."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consent.services import access_log_record
from police.jurisdiction import officer_of
from police.models import Officer
from registry import scoping
from workspace import selectors
from workspace.forms import AccessPurposeForm
from workspace.services import enrolment_review


class OfficerRequest(HttpRequest):
    """A request from a signed-in officer; ``officer_required`` sets ``officer``."""

    officer: Officer


def officer_required(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        officer = officer_of(request.user)
        if officer is None:
            raise PermissionDenied
        officer_request: OfficerRequest = request  # type: ignore[assignment]
        officer_request.officer = officer
        return view(officer_request, *args, **kwargs)

    return wrapper


@officer_required
def dashboard(request: OfficerRequest) -> HttpResponse:
    rows = selectors.dashboard_rows(user=request.user)
    return render(request, "police/dashboard.html", {"rows": rows, "officer": request.officer})


@officer_required
def queue(request: OfficerRequest) -> HttpResponse:
    enrolments = list(selectors.queue_for(user=request.user))
    if enrolments:
        access_log_record(
            officer=request.officer,
            action="list",
            purpose=_("Antrean verifikasi"),
            cameras=[e.camera for e in enrolments],
        )
    return render(request, "police/queue.html", {"enrolments": enrolments})


@officer_required
def camera_detail(request: OfficerRequest, pk: int) -> HttpResponse:
    camera = (
        scoping.cameras_visible_to(request.user)
        .select_related("recorder__site__village", "recorder__site__owner")
        .filter(pk=pk)
        .first()
    )
    if camera is None:
        notice = scoping.withdrawn_notice_for(user=request.user, camera_id=pk)
        if notice is None:
            raise Http404
        return render(request, "consent/police_withdrawn.html", {"notice": notice}, status=410)
    # A GET records a plain view; a purpose or case reference is written only by the
    # CSRF-protected POST below, so a link sent to an officer cannot forge entries.
    access_log_record(
        officer=request.officer,
        action="view",
        purpose=_("Melihat data kamera"),
        cameras=[camera],
    )
    enrolments = (
        scoping.enrolments_visible_to(request.user).filter(camera=camera).select_related("program")
    )
    return render(
        request,
        "police/camera_detail.html",
        {"camera": camera, "enrolments": enrolments, "purpose_form": AccessPurposeForm()},
    )


@require_POST
@officer_required
def camera_access_purpose(request: OfficerRequest, pk: int) -> HttpResponse:
    """Write the purpose or case reference of a look at a camera's data into the access log."""
    camera = get_object_or_404(scoping.cameras_visible_to(request.user), pk=pk)
    form = AccessPurposeForm(request.POST)
    if form.is_valid():
        access_log_record(
            officer=request.officer,
            action="purpose",
            purpose=form.cleaned_data["purpose"],
            cameras=[camera],
        )
        messages.success(request, _("Tujuan dicatat di log akses pemilik."))
    else:
        messages.error(request, _("Tuliskan tujuan atau nomor perkara."))
    return redirect("police:camera-detail", pk=camera.pk)


@require_POST
@officer_required
def enrolment_review_view(request: OfficerRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(scoping.enrolments_visible_to(request.user), pk=pk)
    to_state = request.POST.get("to_state", "")
    try:
        enrolment_review(
            officer=request.officer,
            enrolment=enrolment,
            to_state=to_state,
            reason=request.POST.get("reason", "")[:1000],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Status diperbarui."))
    return redirect("police:camera-detail", pk=enrolment.camera_id)
