from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    """The police registry of citizens' cameras: who sees which part, and the counts.

    No models of its own: it reads owners, consent and police reference data.
    """

    name = "registry"
    verbose_name = _("Registri kamera")
