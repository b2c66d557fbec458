from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from police import jurisdiction
from police.models import PoliceUnit, Program, Region
from portal.admin_scoping import scoped_viewset

RegionViewSet = scoped_viewset(
    jurisdiction.regions_visible_to,
    model=Region,
    icon="site",
    menu_label=_("Wilayah"),
    list_display=["code", "name", "level", "parent"],
    list_filter=["level"],
    search_fields=["code", "name"],
    form_fields=["code", "name", "level", "parent", "latitude", "longitude"],
    inspect_view_enabled=True,
)
UnitViewSet = scoped_viewset(
    jurisdiction.units_visible_to,
    model=PoliceUnit,
    icon="group",
    menu_label=_("Satuan"),
    list_display=["name", "level", "parent"],
    list_filter=["level"],
    search_fields=["name"],
    form_fields=["name", "slug", "level", "parent", "regions"],
    inspect_view_enabled=True,
)
ProgramViewSet = scoped_viewset(
    jurisdiction.programs_visible_to,
    model=Program,
    icon="pick",
    menu_label=_("Program"),
    list_display=["name", "unit", "target", "status", "starts_on"],
    list_filter=["status"],
    search_fields=["name"],
    form_fields=[
        "name",
        "slug",
        "unit",
        "target",
        "area",
        "starts_on",
        "ends_on",
        "status",
        "summary",
    ],
    inspect_view_enabled=True,
)


class PoliceGroup(ViewSetGroup):
    menu_label = _("Kepolisian")
    menu_icon = "group"
    menu_order = 200
    items = (
        RegionViewSet("regions"),
        UnitViewSet("units"),
        ProgramViewSet("programs"),
    )


@hooks.register("register_admin_viewset")
def register_police_viewsets() -> PoliceGroup:
    return PoliceGroup()
