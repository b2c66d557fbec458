"""Whole-page cache of public Wagtail pages for anonymous visitors.

A program page is read by many people and changes only when an enrolment moves,
a program is edited or a page is published. Rendering it (Wagtail routing,
progress, StreamField) costs far more than Django's own request handling, so
the rendered HTML is kept and served again until something changes:

- the key contains the language, host, path and the progress change stamp
  (``registry.progress.progress_stamp``);
- a content version, bumped in the shared cache whenever a page or a program is
  saved, deleted, published, unpublished or moved (``cms.apps``), is stored
  with each entry and must match;
- each web process reads the stamp (database) and the version (shared cache) at
  most once per ``PAGE_CACHE_MEMO_SECONDS`` (1 s by default), so a verified
  camera or a published page shows within a second, and keeps the pages it
  served in a small in-process table in front of the shared cache (entries
  live ``PAGE_CACHE_SECONDS``, 60 s by default, at most).

Only anonymous GET/HEAD requests without a query string and without a session
cookie are served from or stored in the cache, and only pages that Wagtail
actually served (its view restrictions passed, see ``cms.wagtail_hooks``).
Forms keep working: the CSRF token in the stored HTML is replaced by a
placeholder and every hit gets the visitor's own token.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language
from wagtail import views as wagtail_views

from registry.progress import progress_stamp

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


LOCAL_MAX_ENTRIES = 256
# Per process: (read at, stamp, version) and key -> (stored at, version, type, html).
_memo: tuple[float, str, Any] = (float("-inf"), "", None)
_local: dict[str, tuple[float, Any, str, bytes]] = {}


def memo_seconds() -> float:
    return float(getattr(settings, "PAGE_CACHE_MEMO_SECONDS", 1.0))


def stamp_and_version() -> tuple[str, Any]:
    """The progress stamp and content version, re-read at most once per memo period."""
    global _memo
    now = time.monotonic()
    read_at, stamp, version = _memo
    if now - read_at >= memo_seconds():
        stamp, version = progress_stamp(), cache.get(VERSION_KEY)
        _memo = (now, stamp, version)
    return stamp, version


def _local_get(key: str, version: Any) -> tuple[str, bytes] | None:
    entry = _local.get(key)
    if entry is None:
        return None
    stored_at, entry_version, content_type, content = entry
    if entry_version != version or time.monotonic() - stored_at > page_cache_seconds():
        _local.pop(key, None)
        return None
    return content_type, content


def _local_set(key: str, version: Any, content_type: str, content: bytes) -> None:
    if len(_local) >= LOCAL_MAX_ENTRIES:
        _local.clear()
    _local[key] = (time.monotonic(), version, content_type, content)


def mark_cacheable(request: HttpRequest) -> None:
    request._cms_page_cacheable = True  # type: ignore[attr-defined]


NEVER_CACHED_PREFIXES = ("/healthz", "/admin/", "/static/", "/media/", "/whatsapp/", "/i18n/")


class PublicPageCacheMiddleware:
    """Serve anonymous visitors' public pages from the cache (see module docstring).

    A hit is answered before URL resolution: only paths that Wagtail served (and
    marked cacheable) are ever stored, so a stored path is a Wagtail page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method not in ("GET", "HEAD")
            or page_cache_seconds() <= 0
            or request.META.get("QUERY_STRING")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or request.path.startswith(NEVER_CACHED_PREFIXES)
        ):
            return self.get_response(request)
        try:
            stamp, version = stamp_and_version()
        except DatabaseError:
            # The page itself (or /healthz) reports the outage; the cache never 500s.
            return self.get_response(request)
        where = hashlib.blake2b(
            f"{request.get_host()}{request.path}".encode(errors="replace"), digest_size=16
        ).hexdigest()
        key = f"cms:page:{get_language()}:{where}:{stamp}"
        found = _local_get(key, version)
        if found is None:
            entry = cache.get(key)
            if entry is not None and entry[0] == version:
                found = entry[1], entry[2]
                _local_set(key, version, *found)
        if found is not None:
            content_type, content = found
            if CSRF_PLACEHOLDER in content:
                content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
            return HttpResponse(content, content_type=content_type)

        response = self.get_response(request)
        if (
            request.method == "GET"
            and getattr(request, "_cms_page_served", False)
            and getattr(request, "_cms_page_cacheable", False)
            and response.status_code == 200
            and not response.streaming
            and not response.has_header("Cache-Control")
            and response.get("Content-Type", "").startswith("text/html")
            # a page that used the CSP nonce cannot be served again with another
            and not getattr(request, "_csp_nonce", None)
        ):
            content = CSRF_INPUT.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\3", response.content)
            cache.set(key, (version, response["Content-Type"], content), page_cache_seconds())
            _local_set(key, version, response["Content-Type"], content)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> None:
        if view_func is wagtail_views.serve:
            request._cms_page_served = True  # type: ignore[attr-defined]
