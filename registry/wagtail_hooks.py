"""The admin of registered owners, recorders and cameras, scoped by ``registry.scoping``."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from owners.models import Camera, Owner, Recorder
from portal.admin_scoping import scoped_viewset
from registry import scoping
from registry.forms import CameraAdminForm, RecorderAdminForm

OwnerViewSet = scoped_viewset(
    scoping.owners_visible_to,
    model=Owner,
    icon="user",
    menu_label=_("Pemilik"),
    list_display=["name", "kind", "is_organisation", "created_at"],
    list_filter=["kind"],
    search_fields=["name"],
    form_fields=["kind", "name", "is_organisation", "contact_phone", "contact_email"],
    inspect_view_enabled=True,
)
RecorderViewSet = scoped_viewset(
    scoping.recorders_visible_to,
    model=Recorder,
    icon="media",
    menu_label=_("Perekam (DVR/NVR)"),
    list_display=["__str__", "brand", "site", "online"],
    list_filter=["brand", "online"],
    search_fields=["name", "model", "host"],
    get_form_class=lambda self, for_update=False: RecorderAdminForm,
    inspect_view_enabled=True,
    inspect_view_fields_exclude=["password"],
)
CameraViewSet = scoped_viewset(
    scoping.cameras_visible_to,
    model=Camera,
    icon="view",
    menu_label=_("Kamera"),
    list_display=["__str__", "recorder", "channel", "direction", "angle", "sees_public_space"],
    list_filter=["mount", "zone", "sees_public_space"],
    search_fields=["name"],
    get_form_class=lambda self, for_update=False: CameraAdminForm,
    inspect_view_enabled=True,
)


class OwnersGroup(ViewSetGroup):
    menu_label = _("Kamera warga")
    menu_icon = "view"
    menu_order = 210
    items = (OwnerViewSet("camera-owners"), RecorderViewSet("recorders"), CameraViewSet("cameras"))


@hooks.register("register_admin_viewset")
def register_owner_viewsets() -> OwnersGroup:
    return OwnersGroup()
