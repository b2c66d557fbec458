"""Wagtail hooks of the public site."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from wagtail import hooks

from cms.page_cache import mark_cacheable


@hooks.register("on_serve_page")
def page_cache_mark(next_serve: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages that reach this point passed Wagtail's view restrictions: they may be cached."""

    def serve(page: Any, request: HttpRequest, args: Any, kwargs: Any) -> HttpResponse:
        mark_cacheable(request)
        return next_serve(page, request, args, kwargs)

    return serve
