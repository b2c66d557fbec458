"""GET /healthz: the state of the database and of the task engine."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.task_engines import EngineStatus, engine_status

logger = logging.getLogger(__name__)

QUOTED = re.compile(r'"[^"]*"')


def reason(exc: BaseException) -> str:
    """Why a service failed, in one line: the error class and the driver's first line,
    with quoted host names left out (the answer is public)."""
    first_line = (str(exc).strip().splitlines() or [""])[0]
    without_hosts = QUOTED.sub('"…"', first_line)
    return f"{type(exc).__name__}: {without_hosts}"[:300]


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database: dict[str, object] = {"ok": True, "vendor": connection.vendor}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("healthz: database unreachable: %s", exc)
        database.update(ok=False, error=reason(exc))
    try:
        engine = engine_status()
    except Exception as exc:  # any broker error means "not reachable", never a 500
        logger.warning("healthz: task engine status failed: %s", exc)
        engine = EngineStatus(
            engine=settings.TASK_ENGINE, reachable=False, pending=None, detail=reason(exc)
        )
    tasks: dict[str, object] = {
        "engine": engine.engine,
        "reachable": engine.reachable,
        "pending": engine.pending,
    }
    if not engine.reachable:
        tasks["error"] = engine.detail.splitlines()[0][:300] if engine.detail else "unreachable"
    healthy = bool(database["ok"]) and engine.reachable
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "database": database, "tasks": tasks},
        status=200 if healthy else 503,
    )


class HealthzFirstMiddleware:
    """Answer ``/healthz`` before host validation and the HTTPS redirect.

    The container's health check calls ``http://127.0.0.1:8000/healthz``: that
    host is not in a production ``ALLOWED_HOSTS`` and the request is not HTTPS,
    so it used to get 400 or 301 and the container looked unhealthy. The answer
    reveals nothing about any site, so it is given to any host.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)
