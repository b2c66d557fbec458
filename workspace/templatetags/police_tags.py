"""Small display helpers of the police workspace templates."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def wait(value: dt.timedelta | None) -> str:
    """A waiting time in words: "3 hari 4 jam", "5 jam", "12 menit"."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        text = ngettext("%(n)s hari", "%(n)s hari", days) % {"n": days}
        if hours and days < 7:
            text += " " + ngettext("%(n)s jam", "%(n)s jam", hours) % {"n": hours}
        return text
    if hours:
        return ngettext("%(n)s jam", "%(n)s jam", hours) % {"n": hours}
    return (
        ngettext("%(n)s menit", "%(n)s menit", minutes) % {"n": minutes}
        if minutes
        else _("baru saja")
    )


@register.simple_tag
def bar_width(value: int, total: int) -> str:
    """Percentage (0-100, one decimal) for an SVG bar."""
    if total <= 0:
        return "0"
    return f"{min(100.0, max(0.0, value * 100 / total)):.1f}"
