"""Links every page shows in its footer: FAQ, privacy notice, what police can see."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from cms.models import FaqPage, StandardPage, localized_url, source_locale
from cms.page_cache import memo_seconds, page_cache_seconds, stamp_and_version

PRIVACY_SLUG = "privasi"


def _lookup() -> dict[str, str]:
    links = {"scopes": reverse("consent:scopes")}
    faq = FaqPage.objects.live().public().filter(locale=source_locale()).first()
    if faq is not None:
        links["faq"] = localized_url(faq)
    privacy = (
        StandardPage.objects.live()
        .public()
        .filter(locale=source_locale(), slug=PRIVACY_SLUG)
        .first()
    )
    if privacy is not None:
        links["privacy"] = localized_url(privacy)
    return links


# Per process: key -> links; the key holds the content version, so an entry never goes stale.
_local: dict[str, dict[str, str]] = {}


def _links() -> dict[str, str]:
    """The links in the active language, kept in the shared cache and in this process.

    The key holds the content version, which changes whenever a page is saved,
    published, moved or deleted (``cms.page_cache``, read at most once per
    ``PAGE_CACHE_MEMO_SECONDS``): the lookup (a handful of Wagtail queries) runs
    once per language and change, and the shared cache is asked once per process.
    """
    key = f"cms:public-links:{get_language() or ''}:{stamp_and_version()[1]}"
    links = _local.get(key) if memo_seconds() > 0 else None
    if links is None:
        links = cache.get(key)
        if links is None:
            links = _lookup()
            cache.set(key, links, page_cache_seconds())
        if len(_local) >= 16:
            _local.clear()
        _local[key] = links
    return links


def public_links(request: HttpRequest) -> dict[str, Any]:
    """``public_links.faq``, ``.privacy`` and ``.scopes``, looked up only when used."""
    return {"public_links": SimpleLazyObject(_links)}
