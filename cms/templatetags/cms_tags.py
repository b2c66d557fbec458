"""Template tags of the public site."""

from __future__ import annotations

from typing import Any

from django import template
from wagtail.models import Page

from cms.models import localized_url

register = template.Library()


@register.simple_tag(takes_context=True)
def localurl(context: dict[str, Any], page: Page) -> str:
    """``{% localurl page %}``: like ``{% pageurl %}``, but in the visitor's language."""
    return localized_url(page, context.get("request"))
