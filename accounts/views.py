"""Claiming a staff account through its one-time activation link."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import services

#: Set in the session when a link was spent; only then may the account enrol TOTP.
STAFF_ACTIVATION_SESSION_KEY = "staff_activation_user"


@never_cache
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest, token: str) -> HttpResponse:
    link = services.activation_link_valid(token=token)
    if link is None:
        return render(request, "accounts/activation_invalid.html", status=410)
    form = SetPasswordForm(link.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.activation_link_use(
            token=token, password=form.cleaned_data["new_password1"]
        )
        if user is None:  # spent by a concurrent request
            return render(request, "accounts/activation_invalid.html", status=410)
        logout(request)  # whoever was signed in on this browser
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        # The person just proved they hold the link and chose the password: that counts
        # as the fresh password authentication allauth asks for before TOTP enrolment.
        record_authentication(request, user, method="password", reauthenticated=True)
        request.session[STAFF_ACTIVATION_SESSION_KEY] = user.pk
        messages.success(
            request,
            _("Kata sandi tersimpan. Sekarang pasang aplikasi autentikator di ponsel Anda."),
        )
        return redirect(reverse("mfa_activate_totp"))
    return render(
        request,
        "accounts/activate.html",
        {"form": form, "account": link.user, "expires_at": link.expires_at},
        status=400 if request.method == "POST" else 200,
    )
