from __future__ import annotations

from typing import Any

from django import template

from consent.selectors import owners_needing_reconsent

register = template.Library()


@register.inclusion_tag("consent/_reconsent_banner.html", takes_context=True)
def reconsent_banner(context: dict[str, Any]) -> dict[str, Any]:
    """A banner on every page while an owner's agreement is on an older terms version."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"owners": owners_needing_reconsent(user=user) if user is not None else []}
