from __future__ import annotations

from typing import Any

from django import template

from connectivity.explanations import warning_notes

register = template.Library()


@register.inclusion_tag("connectivity/_check_notes.html")
def check_notes(check: Any) -> dict[str, Any]:
    """The notes of a passing check, each with its advice: ``{% check_notes check %}``.

    Any page that shows a check's result (detail page, recorder page, the join
    wizard) uses this, so that "(lihat catatan)" always has notes to look at.
    """
    codes = list(getattr(check, "warnings", None) or []) if check is not None else []
    return {"notes": warning_notes(codes)}
