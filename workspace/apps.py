from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """The police workspace at ``/polisi/`` (URL namespace ``police``): no models."""

    name = "workspace"
    verbose_name = _("Ruang kerja polisi")
