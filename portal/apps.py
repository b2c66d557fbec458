from django.apps import AppConfig
from django.conf import settings


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # Pillow refuses images over this many pixels (decompression bombs): uploads,
        # signatures and photos are all far smaller. Pillow's own default is 89 MP.
        from PIL import Image

        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS

        # The empty choice of every select, in the page's language: Django 6.1's
        # "- Select an option -" has no Indonesian translation (issue 15).
        from django.db.models import fields
        from django.utils.translation import gettext_lazy

        fields.BLANK_CHOICE_LABEL = gettext_lazy("— Pilih —")
