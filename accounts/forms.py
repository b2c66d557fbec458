from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class SignupExtraForm(forms.Form):
    """Extra sign-up fields: a full name, and "email or phone, at least one"."""

    full_name = forms.CharField(label=_("Nama lengkap"), max_length=150)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("email") and not cleaned.get("phone") and not self.errors.get("phone"):
            raise forms.ValidationError(
                _("Isi alamat email atau nomor HP (boleh keduanya)."), code="email_or_phone"
            )
        return cleaned

    def signup(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        # The adapter's save_user stores full_name; nothing more to save here.
        return None
