from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JoiningConfig(AppConfig):
    """How owners join a program: the joining wizard at ``/saya/gabung/`` and the
    estate import at ``/saya/perumahan/``. Its one model is ``ImportJob``; drafts,
    sites, recorders and cameras are ``owners``' rows."""

    name = "joining"
    verbose_name = _("Pendaftaran kamera")
