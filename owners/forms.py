"""Forms for owners' objects. Secrets are write-only: never rendered back."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.phones import normalize_phone
from owners.models import Camera, MemberRole
from portal.geo import validate_point_in_indonesia

# What an owner says about a camera (OSM surveillance tags); the admin adds
# recorder and channel.
CAMERA_DESCRIPTION_FIELDS = [
    "name",
    "latitude",
    "longitude",
    "direction",
    "angle",
    "range_m",
    "mount",
    "camera_type",
    "height_m",
    "zone",
    "sees_public_space",
]

RECORDER_FIELDS = [
    "site",
    "name",
    "brand",
    "model",
    "host",
    "onvif_enabled",
    "onvif_port",
    "rtsp_port",
    "rtsp_path",
    "username",
]


class WriteOnlyPasswordMixin(forms.ModelForm):
    """A password field that is never shown back; left empty, it keeps the stored one."""

    new_password = forms.CharField(
        label=_("Kata sandi perekam"),
        required=False,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Kosongkan bila tidak ingin mengubah kata sandi yang tersimpan."),
    )

    def save(self, commit: bool = True) -> Any:
        instance = super().save(commit=False)
        if self.cleaned_data.get("new_password"):
            instance.password = self.cleaned_data["new_password"]
        if commit:
            instance.save()
            self.save_m2m()
        return instance


class CameraEditForm(forms.ModelForm):
    class Meta:
        model = Camera
        fields = CAMERA_DESCRIPTION_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            validate_point_in_indonesia(cleaned.get("latitude"), cleaned.get("longitude"))
        except ValidationError as exc:
            self.add_error("latitude", exc)
        return cleaned


class InviteForm(forms.Form):
    contact = forms.CharField(
        label=_("Email atau nomor HP"),
        max_length=254,
        help_text=_("Contoh: budi@contoh.id atau 0812 3456 7890"),
    )
    role = forms.ChoiceField(
        label=_("Peran"), choices=MemberRole.choices, initial=MemberRole.VIEWER
    )

    def clean_contact(self) -> str:
        value = self.cleaned_data["contact"].strip()
        if "@" in value:
            forms.EmailField().clean(value)
            return value
        return normalize_phone(value)
