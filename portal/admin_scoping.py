"""Wagtail admin viewsets whose every view starts from a scope function (a selector).

``scoped_viewset`` returns a ModelViewSet class whose index lists only what the
signed-in user may see and whose edit, delete, inspect, history and usage views
answer 404 for any other object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet

Scope = Callable[[Any], QuerySet[Any]]


def _scoped_view(base: type, scope: Scope) -> type:
    class ScopedView(base):  # type: ignore[misc, valid-type]
        def get_base_queryset(self) -> QuerySet[Any]:
            return scope(self.request.user)

        def get_object(self, queryset: QuerySet[Any] | None = None) -> Model:
            obj = super().get_object(queryset)
            if not scope(self.request.user).filter(pk=obj.pk).exists():
                raise Http404
            return obj

    ScopedView.__name__ = f"Scoped{base.__name__}"
    return ScopedView


def scoped_viewset(scope: Scope, **attributes: Any) -> type[ModelViewSet]:
    views = {
        "index_view_class": _scoped_view(generic.IndexView, scope),
        "edit_view_class": _scoped_view(generic.EditView, scope),
        "delete_view_class": _scoped_view(generic.DeleteView, scope),
        "inspect_view_class": _scoped_view(generic.InspectView, scope),
        "history_view_class": _scoped_view(history.HistoryView, scope),
        "usage_view_class": _scoped_view(usage.UsageView, scope),
        "copy_view_enabled": False,
    }
    return type("ScopedViewSet", (ModelViewSet,), {**views, **attributes})
