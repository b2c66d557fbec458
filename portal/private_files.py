"""Files with personal data: kept in ``STORAGES["private"]``, handed out only by views.

``MEDIA_ROOT`` may be served by a web server (Wagtail images, documents); the
private storage never is. A view that hands out a private file checks the
viewer's right first and answers with ``private_file_response``.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.http import Http404, HttpResponse
from django.utils.functional import LazyObject, empty


class _PrivateStorage(LazyObject):
    """``STORAGES["private"]``, looked up when first used (a FileField keeps this object)."""

    def _setup(self) -> None:
        self._wrapped = storages["private"]


_private = _PrivateStorage()


def private_storage() -> Storage:
    """The storage for files with personal data (``STORAGES["private"]``)."""
    return _private  # type: ignore[return-value]


def _storages_changed(*, setting: str, **kwargs: Any) -> None:
    # Like Django's own default_storage: a changed STORAGES setting takes effect.
    if setting == "STORAGES":
        _private._wrapped = empty  # type: ignore[assignment]


setting_changed.connect(_storages_changed, dispatch_uid="portal-private-storage")


def private_file_response(
    name: str, *, content_type: str, filename: str = "", attachment: bool = False
) -> HttpResponse:
    """The file ``name`` from the private storage; never cached by a browser or a proxy.

    Read whole and closed at once: these files are small (snapshots, photos,
    receipts, sticker sheets), and no open file outlives the request. A file
    that is gone (deleted by retention or withdrawal) is a 404.
    """
    try:
        with private_storage().open(name, "rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if filename:
        kind = "attachment" if attachment else "inline"
        response["Content-Disposition"] = f'{kind}; filename="{filename}"'
    return response
