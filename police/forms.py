"""The Wagtail admin form for officers: the account and the posting in one form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from police import services
from police.models import Officer


class OfficerAdminForm(WagtailAdminModelForm):
    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    send_activation = forms.BooleanField(
        label=_("Kirim tautan aktivasi"),
        required=False,
        help_text=_(
            "Tautan sekali pakai untuk membuat kata sandi dan memasang autentikator. "
            "Tautan lama tidak berlaku lagi."
        ),
    )

    class Meta:
        model = Officer
        fields = ["unit", "role", "rank", "nrp", "villages", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.user_id:
            self.fields["email"].initial = self.instance.user.email
            self.fields["full_name"].initial = self.instance.user.full_name
        else:
            self.fields["send_activation"].initial = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("unit") and cleaned.get("role"):
            try:
                services.officer_validate(
                    unit=cleaned["unit"],
                    role=cleaned["role"],
                    villages=list(cleaned.get("villages") or []),
                )
            except ValidationError as exc:
                for field, errors in exc.error_dict.items():
                    self.add_error(field, errors)
        return cleaned

    def save(self, commit: bool = True) -> Officer:
        officer = super().save(commit=False)
        return services.officer_save(
            officer=officer,
            email=self.cleaned_data["email"],
            full_name=self.cleaned_data["full_name"],
            villages=list(self.cleaned_data.get("villages") or []),
        )
