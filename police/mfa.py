"""Police and platform staff use TOTP, enrolled only through an activation link.

An officer or administrator account is claimed with a one-time, expiring link
from a program administrator (``accounts.views.activate``): the link sets the
password, and only a session that spent a link may enrol the authenticator.
So whoever first signs in with a known password cannot enrol their own TOTP
on someone else's police account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language_from_path

from accounts.views import STAFF_ACTIVATION_SESSION_KEY
from police.jurisdiction import is_police_staff

#: Open to staff without an authenticator, claimed or not.
ALWAYS_OPEN = ("/static/", "/media/", "/healthz", "/i18n/", "/accounts/logout/")
ACTIVATION_PREFIX = "/accounts/aktivasi/"
#: Open to a claimed account that is enrolling its authenticator (allauth's pages).
ENROLMENT_PREFIX = "/accounts/"


def user_has_mfa(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def needs_mfa(user: Any) -> bool:
    return bool(user.is_staff or is_police_staff(user))


def _without_language(path: str) -> str:
    """``/en/accounts/...`` -> ``/accounts/...``: the rules hold in every language."""
    language = get_language_from_path(path)
    if language and path.startswith(f"/{language}/"):
        return path[len(language) + 1 :]
    return path


class StaffMFAMiddleware:
    """Staff without TOTP: enrol it if this session claimed the account, else no access."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not needs_mfa(user):
            return self.get_response(request)
        path = _without_language(request.path)
        if user_has_mfa(user):
            request.session.pop(STAFF_ACTIVATION_SESSION_KEY, None)
            return self.get_response(request)
        if path.startswith((*ALWAYS_OPEN, ACTIVATION_PREFIX)):
            return self.get_response(request)
        if request.session.get(STAFF_ACTIVATION_SESSION_KEY) == user.pk:
            if path.startswith(ENROLMENT_PREFIX):
                return self.get_response(request)
            return HttpResponseRedirect(reverse("mfa_activate_totp") + f"?next={request.path}")
        logout(request)
        return render(request, "accounts/activation_required.html", status=403)
