"""Forms for owners' objects. Secrets are write-only: never rendered back."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from owners.models import Camera, Recorder
from portal import roles

RECORDER_FIELDS = [
    "site", "name", "brand", "model", "host", "onvif_enabled", "onvif_port", "rtsp_port",
    "rtsp_path", "username",
]


class WriteOnlyPasswordMixin(forms.ModelForm):
    """A password field that is never shown back; left empty, it keeps the stored one."""

    new_password = forms.CharField(
        label=_("Kata sandi perekam"), required=False, strip=False, max_length=128,
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


class ScopedChoicesAdminForm(WagtailAdminModelForm):
    """Foreign-key choices limited to what the signed-in user may see."""

    scoped_fields: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self, "for_user", None)
        for name, scope in self.scoped_fields.items():
            if name in self.fields:
                self.fields[name].queryset = scope(user)  # type: ignore[attr-defined]


class RecorderAdminForm(WriteOnlyPasswordMixin, ScopedChoicesAdminForm):
    scoped_fields = {"site": roles.sites_visible_to}

    class Meta:
        model = Recorder
        fields = RECORDER_FIELDS


class CameraAdminForm(ScopedChoicesAdminForm):
    scoped_fields = {"recorder": roles.recorders_visible_to}

    class Meta:
        model = Camera
        fields = [
            "recorder", "channel", "name", "latitude", "longitude", "direction", "angle",
            "range_m", "mount", "camera_type", "height_m", "zone", "sees_public_space",
        ]
