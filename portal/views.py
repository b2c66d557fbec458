"""Small site-wide views that belong to no domain app."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse


def admin_login(request: HttpRequest) -> HttpResponse:
    """The Wagtail admin's sign-in: allauth's (rate-limited), or a clear 403.

    A signed-in person without admin rights used to bounce between /admin/ and
    the sign-in page; they now get a page in the site's language that says so.
    """
    if request.user.is_authenticated:
        return render(request, "403_admin.html", status=403)
    return redirect_to_login(request.GET.get("next", "/admin/"), reverse("account_login"))
