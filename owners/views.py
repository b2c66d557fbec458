"""Owner-facing pages. Every queryset starts from portal.roles."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from portal import roles


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    sites = (
        roles.sites_of_member(request.user)
        .select_related("village")
        .prefetch_related("recorders__cameras__enrolments__program")
        .order_by("name", "pk")
    )
    return render(request, "owners/dashboard.html", {"sites": sites})


@login_required
def camera_detail(request: HttpRequest, pk: int) -> HttpResponse:
    camera = get_object_or_404(
        roles.cameras_of_member(request.user).select_related("recorder__site__village"), pk=pk
    )
    enrolments = camera.enrolments.select_related("program").prefetch_related("transitions__actor")
    return render(request, "owners/camera_detail.html", {"camera": camera, "enrolments": enrolments})
