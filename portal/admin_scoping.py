"""Wagtail admin viewsets whose every view starts from a scope function (a selector).

``scoped_viewset`` returns a ModelViewSet class whose index (and its CSV/XLSX
export) lists only what the signed-in user may see, and whose edit, delete,
inspect, history and usage views answer 404 for any other object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.functional import cached_property
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet

Scope = Callable[[Any], QuerySet[Any]]


def _scoped_listing(base: type, scope: Scope) -> type:
    """The index view (listing, results and exports) over ``scope(user)`` only."""

    class ScopedListing(base):  # type: ignore[misc, valid-type]
        def get_base_queryset(self) -> QuerySet[Any]:
            return scope(self.request.user)

    ScopedListing.__name__ = f"Scoped{base.__name__}"
    return ScopedListing


def _scoped_object_view(base: type, scope: Scope) -> type:
    """A view of one object that answers 404 unless ``scope(user)`` holds the object.

    Only the object lookup is scoped: the history and usage views list other
    things (log entries, references) from their own querysets. Wagtail's object
    views do not share a ``get_object`` signature (Django's ``SingleObjectMixin``
    takes a queryset, Wagtail's ``BaseObjectMixin`` takes nothing), so whatever
    the base view receives is passed on.
    """

    class ScopedObjectView(base):  # type: ignore[misc, valid-type]
        def get_object(self, *args: Any, **kwargs: Any) -> Model:
            obj = super().get_object(*args, **kwargs)
            if not scope(self.request.user).filter(pk=obj.pk).exists():
                raise Http404
            return obj

    ScopedObjectView.__name__ = f"Scoped{base.__name__}"
    return ScopedObjectView


class ScopedModelViewSet(ModelViewSet):
    """Base of the classes that ``scoped_viewset`` builds (and how tests find them)."""

    copy_view_enabled = False

    @cached_property
    def list_export(self) -> list[str]:
        # Wagtail exports no column unless told, which gives a CSV of blank lines;
        # export the listing's own columns unless a viewset names its own.
        columns = self.list_display if isinstance(self.list_display, list | tuple) else []
        return [column for column in columns if isinstance(column, str)] or ["__str__"]


def scoped_viewset(
    scope: Scope, *, edit_view_base: type = generic.EditView, **attributes: Any
) -> type[ScopedModelViewSet]:
    """A viewset over ``scope(user)``; ``edit_view_base`` lets a viewset extend its edit view."""
    views = {
        "index_view_class": _scoped_listing(generic.IndexView, scope),
        "edit_view_class": _scoped_object_view(edit_view_base, scope),
        "delete_view_class": _scoped_object_view(generic.DeleteView, scope),
        "inspect_view_class": _scoped_object_view(generic.InspectView, scope),
        "history_view_class": _scoped_object_view(history.HistoryView, scope),
        "usage_view_class": _scoped_object_view(usage.UsageView, scope),
    }
    return type("ScopedViewSet", (ScopedModelViewSet,), {**views, **attributes})
