"""Links every page shows in its footer: FAQ, privacy notice, what police can see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from cms.models import FaqPage, StandardPage, localized_url, source_locale

PRIVACY_SLUG = "privasi"


def _links(request: HttpRequest) -> dict[str, str]:
    links = {"scopes": reverse("consent:scopes")}
    faq = FaqPage.objects.live().public().filter(locale=source_locale()).first()
    if faq is not None:
        links["faq"] = localized_url(faq, request)
    privacy = (
        StandardPage.objects.live()
        .public()
        .filter(locale=source_locale(), slug=PRIVACY_SLUG)
        .first()
    )
    if privacy is not None:
        links["privacy"] = localized_url(privacy, request)
    return links


def public_links(request: HttpRequest) -> dict[str, Any]:
    """``public_links.faq``, ``.privacy`` and ``.scopes``, looked up only when used."""
    return {"public_links": SimpleLazyObject(lambda: _links(request))}
