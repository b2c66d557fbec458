"""Admin forms for registered cameras: foreign-key choices scoped by ``registry.scoping``."""

from __future__ import annotations

from typing import Any

from wagtail.admin.forms import WagtailAdminModelForm

from owners.forms import CAMERA_DESCRIPTION_FIELDS, RECORDER_FIELDS, WriteOnlyPasswordMixin
from owners.models import Camera, Recorder
from registry import scoping


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
    scoped_fields = {"site": scoping.sites_visible_to}

    class Meta:
        model = Recorder
        fields = RECORDER_FIELDS


class CameraAdminForm(ScopedChoicesAdminForm):
    scoped_fields = {"recorder": scoping.recorders_visible_to}

    class Meta:
        model = Camera
        fields = ["recorder", "channel", *CAMERA_DESCRIPTION_FIELDS]
