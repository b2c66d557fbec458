"""Whole-page cache of public Wagtail pages for anonymous visitors.

A program page is read by many people and changes only when an enrolment moves,
a program is edited or a page is published. Rendering it (Wagtail routing,
progress, StreamField) costs far more than Django's own request handling, so
the rendered HTML is kept in the cache and served again until something changes:

- the key contains the language, host, path and the progress change stamp
  (``police.selectors.progress_stamp``), so a verified camera shows within
  ``PROGRESS_STAMP_MEMO_SECONDS`` (1 s by default: each web process reads the
  stamp from the database at most once per second, not once per request);
- a content version, bumped whenever a page or a program is saved, deleted,
  published, unpublished or moved (``cms.apps``), is stored with the entry and
  checked on every hit (same cache round trip);
- entries live ``PAGE_CACHE_SECONDS`` (60 s by default) at most.

Only anonymous GET/HEAD requests without a query string and without a session
cookie are served from or stored in the cache, and only pages that Wagtail
actually served (its view restrictions passed, see ``cms.wagtail_hooks``).
Forms keep working: the CSRF token in the stored HTML is replaced by a
placeholder and every hit gets the visitor's own token.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language
from wagtail import views as wagtail_views

from police.selectors import progress_stamp

VERSION_KEY = "cms:page-cache:version"
CSRF_PLACEHOLDER = b"__cms_csrf_token__"
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")([^"]+)(")')


def page_cache_seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 60))


def page_cache_invalidate(**_: Any) -> None:
    """Make every cached page stale (a signal receiver; also callable directly)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, None)


_stamp_memo: tuple[float, str] = (float("-inf"), "")


def progress_stamp_memo() -> str:
    """The progress change stamp, read from the database at most once per memo period."""
    global _stamp_memo
    now = time.monotonic()
    read_at, stamp = _stamp_memo
    if now - read_at >= float(getattr(settings, "PROGRESS_STAMP_MEMO_SECONDS", 1.0)):
        stamp = progress_stamp()
        _stamp_memo = (now, stamp)
    return stamp


def mark_cacheable(request: HttpRequest) -> None:
    request._cms_page_cacheable = True  # type: ignore[attr-defined]


class PublicPageCacheMiddleware:
    """Serve anonymous visitors' public pages from the cache (see module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        key = getattr(request, "_cms_page_cache_key", None)
        if (
            key is not None
            and request.method == "GET"
            and getattr(request, "_cms_page_cacheable", False)
            and response.status_code == 200
            and not response.streaming
            and not response.has_header("Cache-Control")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            version = getattr(request, "_cms_page_cache_version", None)
            content = CSRF_INPUT.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\3", response.content)
            cache.set(key, (version, response["Content-Type"], content), page_cache_seconds())
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if (
            view_func is not wagtail_views.serve
            or request.method not in ("GET", "HEAD")
            or request.META.get("QUERY_STRING")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            return None
        key = (
            f"cms:page:{get_language()}:{request.get_host()}:{request.path}:{progress_stamp_memo()}"
        )
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY)
        entry = found.get(key)
        if entry is not None and entry[0] == version:
            _, content_type, content = entry
            if CSRF_PLACEHOLDER in content:
                content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
            return HttpResponse(content, content_type=content_type)
        request._cms_page_cache_key = key  # type: ignore[attr-defined]
        request._cms_page_cache_version = version  # type: ignore[attr-defined]
        return None
