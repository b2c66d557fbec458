"""Where a person lands after signing in: officers in the police workspace."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from police.jurisdiction import officer_of


@login_required
def after_sign_in(request: HttpRequest) -> HttpResponse:
    """Officers go to /polisi/, program administrators to the admin, everyone else to /saya/."""
    if officer_of(request.user) is not None:
        return redirect("police:dashboard")
    if request.user.is_superuser or request.user.has_perm("wagtailadmin.access_admin"):
        return redirect("wagtailadmin_home")
    return redirect("owners:dashboard")
