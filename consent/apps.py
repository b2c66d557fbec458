from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Persetujuan")

    def ready(self) -> None:
        # Imported here because models can be imported only once the app
        # registry is ready (Django's documented place for signal wiring).
        from wagtail.signals import published

        from consent import receivers
        from consent.models import TermsVersion

        published.connect(
            receivers.terms_published, sender=TermsVersion, dispatch_uid="consent-terms-freeze"
        )
