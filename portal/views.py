"""Small site-wide views that belong to no domain app."""

from __future__ import annotations

import sys

from django.contrib.auth.views import redirect_to_login
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.views import defaults

#: seconds a client (or a load balancer) should wait before trying again
DATABASE_RETRY_AFTER = 30


def admin_login(request: HttpRequest) -> HttpResponse:
    """The Wagtail admin's sign-in: allauth's (rate-limited), or a clear 403.

    A signed-in person without admin rights used to bounce between /admin/ and
    the sign-in page; they now get a page in the site's language that says so.
    """
    if request.user.is_authenticated:
        # /admin/ has no language prefix: answer in the language the person chose on
        # the site (its cookie), not always in the default one.
        with translation.override(translation.get_language_from_request(request)):
            return render(request, "403_admin.html", status=403)
    return redirect_to_login(request.GET.get("next", "/admin/"), reverse("account_login"))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database that cannot be reached is a 503 with a clear page.

    While PostgreSQL restarts, every request that needs it fails with
    ``OperationalError``; people get "try again in a moment" instead of a server
    error, and load balancers a ``Retry-After``. The page is rendered without the
    request's context processors, which would ask the database for the user.
    Django reconnects by itself (``CONN_HEALTH_CHECKS``) once the database is back.
    """
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        body = loader.get_template("503_database.html").render({})
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response
    return defaults.server_error(request)
