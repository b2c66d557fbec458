"""The header's menu by role: officers see the police workspace next to their own cameras."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from police.jurisdiction import officer_of


def workspace_menu(request: HttpRequest) -> dict[str, Any]:
    return {"nav_officer": SimpleLazyObject(lambda: officer_of(getattr(request, "user", None)))}
