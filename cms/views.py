"""Views of the public site that are not Wagtail pages."""

from __future__ import annotations

from dataclasses import asdict

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from police import selectors as police_selectors
from registry import progress as registry_progress


@require_GET
@cache_control(public=True, max_age=60)
def program_map_data(request: HttpRequest, slug: str) -> JsonResponse:
    """Aggregate counts of a public program per village and district.

    Points are the areas' public centroids; no site or camera coordinate is
    ever part of this answer.
    """
    program = police_selectors.program_public_get(slug=slug)
    if program is None:
        raise Http404
    progress = registry_progress.program_progress(program=program)
    return JsonResponse(
        {
            "program": {"slug": program.slug, "name": program.name, "target": program.target},
            "counted": progress.counted,
            "in_process": progress.in_process,
            "villages": [
                asdict(a) for a in registry_progress.program_progress_by_village(program=program)
            ],
            "districts": [
                asdict(a) for a in registry_progress.program_progress_by_district(program=program)
            ],
        }
    )
