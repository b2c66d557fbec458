"""The "Test my recorder" page, live check progress and the check history.

Every queryset starts from ``registry.scoping``: anyone who may see a recorder may
see its checks; only those who may edit it may start one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from connectivity import selectors, services
from connectivity.brands import brand_profile
from connectivity.explanations import explain, step_label
from connectivity.models import Check
from consent.services import access_log_record
from owners import selectors as owner_selectors
from police.jurisdiction import officer_of
from portal import netguard
from portal.private_files import private_file_response
from registry import scoping

POLL_SECONDS = 1


def _check_context(check: Check, user: object) -> dict[str, object]:
    return {
        "check": check,
        "show_snapshot": selectors.snapshot_visible_to(user=user, check=check),
        "steps": [{**step, "label": step_label(step.get("name", ""))} for step in check.steps],
        "explanation": explain(check.result_code, check.detail) if check.finished else None,
        "poll_seconds": POLL_SECONDS,
    }


@login_required
@require_http_methods(["GET", "POST"])
def recorder_test(request: HttpRequest, recorder_id: int) -> HttpResponse:
    recorder = get_object_or_404(
        scoping.recorders_visible_to(request.user).select_related("site"), pk=recorder_id
    )
    if request.method == "POST":
        recorder = get_object_or_404(
            owner_selectors.recorders_editable_by(request.user), pk=recorder_id
        )
        try:
            check = services.check_start(recorder=recorder, user=request.user)
        except netguard.RateLimited as limited:
            messages.error(request, explain("rate_limited")["text"])
            response = redirect("connectivity:recorder-test", recorder_id=recorder.pk)
            response["Retry-After"] = str(limited.retry_after)
            return response
        return redirect("connectivity:check-detail", check_id=check.pk)
    latest = selectors.check_latest(recorder=recorder)
    can_start = owner_selectors.recorders_editable_by(request.user).filter(pk=recorder.pk).exists()
    return render(
        request,
        "connectivity/recorder_test.html",
        {
            "recorder": recorder,
            "latest": latest,
            "latest_explanation": explain(latest.result_code, latest.detail)
            if latest and latest.finished
            else None,
            "can_start": can_start,
            "brand_help": brand_profile(recorder.brand).help_text,
        },
    )


@login_required
@require_GET
def check_detail(request: HttpRequest, check_id: int) -> HttpResponse:
    check = get_object_or_404(
        selectors.checks_visible_to(request.user).select_related("recorder__site"), pk=check_id
    )
    back = request.GET.get("kembali", "")
    if not (back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None)):
        back = ""
    return render(
        request,
        "connectivity/check_detail.html",
        {**_check_context(check, request.user), "back_url": back},
    )


@login_required
@require_GET
def check_progress(request: HttpRequest, check_id: int) -> HttpResponse:
    """The progress partial the detail page polls with HTMX until the check finishes."""
    check = get_object_or_404(
        selectors.checks_visible_to(request.user).select_related("recorder__site"), pk=check_id
    )
    return render(
        request, "connectivity/check_detail.html#progress", _check_context(check, request.user)
    )


@login_required
@require_GET
def check_snapshot(request: HttpRequest, check_id: int) -> HttpResponseBase:
    """A check's kept first frame, for those whose consent scope allows it; never cached."""
    check = get_object_or_404(
        selectors.checks_visible_to(request.user).select_related("recorder"), pk=check_id
    )
    if not selectors.snapshot_visible_to(user=request.user, check=check):
        raise Http404
    officer = officer_of(request.user)
    if officer is not None:
        camera = selectors.snapshot_camera(recorder=check.recorder)
        access_log_record(
            officer=officer,
            action="snapshot",
            purpose=_("Melihat cuplikan verifikasi"),
            cameras=[camera] if camera else [],
        )
    return private_file_response(str(check.snapshot.name), content_type="image/jpeg")


@login_required
@require_GET
def recorder_history(request: HttpRequest, recorder_id: int) -> HttpResponse:
    recorder = get_object_or_404(
        scoping.recorders_visible_to(request.user).select_related("site"), pk=recorder_id
    )
    return render(
        request,
        "connectivity/recorder_history.html",
        {
            "recorder": recorder,
            "checks": selectors.checks_for_recorder(recorder=recorder)[:100],
            "events": selectors.status_events_for_recorder(recorder=recorder)[:50],
        },
    )
