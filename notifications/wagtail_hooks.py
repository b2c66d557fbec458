"""The WhatsApp outbox in the Wagtail admin's menu (superusers only)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request: Any) -> bool:
        return bool(request.user.is_superuser)


@hooks.register("register_admin_menu_item")
def whatsapp_outbox_menu_item() -> MenuItem:
    return SuperuserMenuItem(
        _("Kotak keluar WhatsApp"),
        reverse("notifications:outbox"),
        icon_name="mail",
        order=900,
    )
