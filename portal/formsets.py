"""Formsets with a hard cap: no request can make Django build more forms than that.

Django caps a formset at ``absolute_max``, which defaults to ``max_num + 1000``;
a request claiming 100,000 forms therefore built and re-rendered 1,064 of them.
``bounded_formset_factory`` sets ``absolute_max`` to ``max_num``, and views call
``formset_oversized`` first, to answer such a request with a short error
without building the formset at all.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.formsets import TOTAL_FORM_COUNT


def bounded_formset_factory(form: type[forms.Form], *, max_num: int, **kwargs: Any) -> Any:
    """``formset_factory`` with ``validate_max`` and ``absolute_max == max_num``."""
    return forms.formset_factory(
        form, max_num=max_num, absolute_max=max_num, validate_max=True, **kwargs
    )


def formset_oversized(data: Any, *, prefix: str, formset: Any) -> bool:
    """True when ``data`` claims more forms than ``formset`` may ever hold (or garbage)."""
    raw = data.get(f"{prefix}-{TOTAL_FORM_COUNT}", "0")
    try:
        total = int(raw)
    except (TypeError, ValueError):
        return False  # the formset's own management-form validation reports it
    return total > formset.absolute_max or total < 0
