"""Police staff must enrol a TOTP authenticator before they see any page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import get_language_from_path

from police.jurisdiction import is_police_staff

MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/media/", "/healthz", "/i18n/")


def user_has_mfa(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def _without_language(path: str) -> str:
    """``/en/accounts/...`` -> ``/accounts/...``: exemptions hold in every language."""
    language = get_language_from_path(path)
    if language and path.startswith(f"/{language}/"):
        return path[len(language) + 1 :]
    return path


class StaffMFAMiddleware:
    """Redirect police staff (and platform staff) without TOTP to its enrolment."""

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
