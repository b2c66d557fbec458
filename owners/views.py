"""Owner-facing pages. Every queryset starts from portal.roles."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal import roles


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    sites = (
        roles.sites_visible_to(request.user)
        .select_related("village")
        .prefetch_related("recorders__cameras__enrolments__program")
    )
    return render(request, "owners/dashboard.html", {"sites": sites})
