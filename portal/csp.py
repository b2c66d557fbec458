"""Content Security Policy: strict for our pages, relaxed only for the Wagtail admin.

Our templates load scripts from our own static files (with a nonce where
needed). Wagtail's admin widgets still print small inline scripts, so responses
under ``/admin/`` get ``'unsafe-inline'`` for scripts instead of the nonce; the
admin is reachable only by signed-in staff with MFA.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.utils.csp import CSP

ADMIN_PREFIX = "/admin/"


def admin_policy() -> dict[str, list[str]]:
    configured: dict[str, Any] = dict(settings.SECURE_CSP)
    policy = {key: list(values) for key, values in configured.items()}
    policy["script-src"] = [CSP.SELF, CSP.UNSAFE_INLINE]
    return policy


class SiteContentSecurityPolicyMiddleware(ContentSecurityPolicyMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path.startswith(ADMIN_PREFIX) and not hasattr(response, "_csp_config"):
            response._csp_config = admin_policy()  # type: ignore[attr-defined]
        return super().process_response(request, response)
