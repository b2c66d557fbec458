from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup

from police import jurisdiction, services
from police.forms import OfficerAdminForm
from police.models import Officer, PoliceUnit, Program, Region, UnitTarget
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

UnitTargetViewSet = scoped_viewset(
    jurisdiction.unit_targets_visible_to,
    model=UnitTarget,
    icon="pick",
    menu_label=_("Target satuan"),
    list_display=["program", "unit", "target"],
    list_filter=["program"],
    search_fields=["unit__name"],
    form_fields=["program", "unit", "target"],
)


class SendsActivationLink:
    """After saving an officer: when asked, issue an activation link and show it once."""

    form: Any
    object: Officer
    request: Any

    def save_action(self) -> HttpResponse:
        response = super().save_action()  # type: ignore[misc]
        if self.form.cleaned_data.get("send_activation"):
            url = services.officer_activation_send(
                officer=self.object, created_by=self.request.user
            )
            messages.warning(
                self.request,
                gettext_now(
                    "Tautan aktivasi untuk %(name)s (sekali pakai, juga dikirim ke email): %(url)s"
                )
                % {"name": self.object.user.get_full_name(), "url": url},
            )
        return response


class OfficerCreateView(SendsActivationLink, generic.CreateView):
    pass


class OfficerEditView(SendsActivationLink, generic.EditView):
    pass


OfficerViewSet = scoped_viewset(
    jurisdiction.officers_visible_to,
    edit_view_base=OfficerEditView,
    add_view_class=OfficerCreateView,
    model=Officer,
    icon="user",
    menu_label=_("Petugas"),
    list_display=["__str__", "unit", "role", "active"],
    list_filter=["role", "active", "unit"],
    search_fields=["user__full_name", "user__email", "nrp"],
    form_fields=["unit", "role", "rank", "nrp", "villages", "active"],
    get_form_class=lambda self, for_update=False: OfficerAdminForm,
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
        UnitTargetViewSet("unit-targets"),
        OfficerViewSet("officers"),
    )


@hooks.register("register_admin_viewset")
def register_police_viewsets() -> PoliceGroup:
    return PoliceGroup()
