from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.forms import SignupExtraForm as BaseSignupExtraForm
from consent.models import MESSAGING_OPT_IN_TEXTS, MESSAGING_OPT_IN_VERSION, MessagingChannel
from notifications import services


def opt_in_label() -> str:
    return str(MESSAGING_OPT_IN_TEXTS[MESSAGING_OPT_IN_VERSION])


class SignupExtraForm(BaseSignupExtraForm):
    """Sign-up, plus the WhatsApp opt-in: explicit, never pre-ticked, for the phone given."""

    whatsapp_opt_in = forms.BooleanField(
        label=_("Kirimi saya kabar CCTV Warga lewat WhatsApp (boleh dikosongkan)"),
        required=False,
        initial=False,
        help_text=opt_in_label(),
    )

    def signup(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        super().signup(request, user)
        phone = getattr(user, "phone", None)
        if self.cleaned_data.get("whatsapp_opt_in") and phone:
            services.opt_in_set(
                user=user, phone=phone, opted_in=True, channel=MessagingChannel.SIGNUP
            )


class OptInForm(forms.Form):
    whatsapp = forms.BooleanField(
        label=_("Ya, kirimi saya kabar CCTV Warga lewat WhatsApp"), required=False
    )
    digest = forms.BooleanField(
        label=_("Kirimi juga ringkasan harian antrean dan perekam yang mati (Polsek/Polres)"),
        required=False,
    )

    def __init__(self, *args: Any, digest_allowed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not digest_allowed:
            del self.fields["digest"]
