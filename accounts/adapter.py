"""allauth adapter: phone numbers in Indonesian local form, codes by console or WhatsApp."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.phones import normalize_phone
from accounts.signin import login_attempts_key

logger = logging.getLogger(__name__)


class IndonesianPhoneField(forms.CharField):
    """Accepts 0812…, 62812… or +62812… and cleans to E.164."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("validators", None)
        kwargs.setdefault("label", _("Nomor HP / WhatsApp"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"placeholder": "0812 3456 7890", "autocomplete": "tel", "type": "tel"}
            ),
        )
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value:
            return value
        return normalize_phone(value)


class AccountAdapter(DefaultAccountAdapter):
    def get_login_stages(self) -> list[str]:
        # Sign-ups that give an email address wait for its verification (accounts.signup).
        return [
            "accounts.signup.EmailVerificationStage"
            if path == "allauth.account.stages.EmailVerificationStage"
            else path
            for path in super().get_login_stages()
        ]

    def save_user(self, request: Any, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        # Email is optional but unique: "no email" is NULL, never "".
        user.email = user.email or None
        user.full_name = form.cleaned_data.get("full_name", "")[:150]
        if commit:
            user.save()
        return user

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth's "login_failed" key: the account and the client address together
        # (accounts.signin). allauth 65 has no public hook for this key; it is also
        # what a password reset clears.
        return login_attempts_key(request, credentials)

    def phone_form_field(self, **kwargs: Any) -> Any:
        return IndonesianPhoneField(**kwargs)

    def set_phone(self, user: AbstractBaseUser, phone: str, verified: bool) -> None:
        if not isinstance(user, User):
            raise TypeError("AccountAdapter works with accounts.User")
        user.phone = phone
        user.phone_verified = verified
        if user.pk is not None:  # during sign-up the user is saved by save_user
            user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user: AbstractBaseUser) -> tuple[str, bool] | None:
        if not isinstance(user, User):
            raise TypeError("AccountAdapter works with accounts.User")
        if user.phone:
            return user.phone, user.phone_verified
        return None

    def set_phone_verified(self, user: AbstractBaseUser, phone: str) -> None:
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str) -> AbstractBaseUser | None:
        # Sign-in passes the number as typed (0812 ...); numbers are stored as E.164.
        try:
            phone = normalize_phone(phone)
        except ValidationError:
            return None
        return User.objects.filter(phone=phone).order_by("pk").first()

    def send_verification_code_sms(
        self, user: AbstractBaseUser, phone: str, code: str, **kwargs: Any
    ) -> None:
        # Without the notifications app (ACCOUNT_ADAPTER = notifications.adapter sends by
        # WhatsApp), the code goes to the console of the web process, never to a log file.
        print(f"[CCTV Warga] kode verifikasi untuk {phone}: {code}", flush=True)

    def send_account_already_exists_sms(self, phone: str) -> None:
        # Someone signed up with this number, which already has an account: tell its
        # owner, through the same console delivery as the codes.
        print(
            f"[CCTV Warga] {phone}: nomor ini sudah punya akun; ada yang mencoba mendaftar.",
            flush=True,
        )
