"""URLs of the web benchmark: the real ones plus a trivial view as the baseline."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def trivial(request: HttpRequest) -> HttpResponse:
    """The cheapest Django answer: every middleware, no database, no template."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench-trivial", trivial), *portal_urlpatterns]
