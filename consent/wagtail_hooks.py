"""Consent terms in the Wagtail admin: drafts with revisions, publish, never edit after.

A published version is frozen: the edit, publish, unpublish, revert and delete
views refuse it with a message, and "Buat versi baru" copies it into a new draft.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail import hooks
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from consent.models import DataSubjectRequest, TermsVersion
from consent.services import terms_draft_create


class TermsVersionViewSet(SnippetViewSet):
    model = TermsVersion
    icon = "doc-full"
    menu_label = gettext_lazy("Syarat persetujuan")
    menu_name = "consent-terms"
    add_to_admin_menu = True
    menu_order = 300
    copy_view_enabled = False
    list_display = ["__str__", "version", "published_at", "text_sha256"]
    inspect_view_enabled = True


class DataSubjectRequestViewSet(SnippetViewSet):
    model = DataSubjectRequest
    icon = "user"
    menu_label = gettext_lazy("Permintaan subjek data")
    menu_name = "consent-requests"
    add_to_admin_menu = True
    menu_order = 310
    copy_view_enabled = False
    list_display = ["__str__", "kind", "status", "created_at", "due_at"]
    list_filter = ["status", "kind"]
    inspect_view_enabled = True


register_snippet(TermsVersionViewSet)
TERMS_NS = "wagtailsnippets_consent_termsversion"
register_snippet(DataSubjectRequestViewSet)


def _refuse_if_frozen(request: HttpRequest, instance: Any) -> HttpResponse | None:
    if isinstance(instance, TermsVersion) and instance.is_frozen:
        messages.error(
            request,
            _(
                "Versi %(version)s sudah terbit dan tidak bisa diubah. "
                "Pakai “Buat versi baru” untuk mengubah teksnya."
            )
            % {"version": instance.version},
        )
        return HttpResponseRedirect(reverse(f"{TERMS_NS}:list"))
    return None


@hooks.register("before_edit_snippet")
def refuse_editing_published_terms(request: HttpRequest, instance: Any) -> HttpResponse | None:
    return _refuse_if_frozen(request, instance)


@hooks.register("before_publish")
def refuse_republishing_terms(request: HttpRequest, instance: Any) -> HttpResponse | None:
    return _refuse_if_frozen(request, instance)


@hooks.register("before_unpublish")
def refuse_unpublishing_terms(request: HttpRequest, instance: Any) -> HttpResponse | None:
    return _refuse_if_frozen(request, instance)


@hooks.register("before_delete_snippet")
def refuse_deleting_published_terms(
    request: HttpRequest, instances: list[Any]
) -> HttpResponse | None:
    for instance in instances:
        response = _refuse_if_frozen(request, instance)
        if response is not None:
            return response
    return None


@require_http_methods(["GET", "POST"])
def terms_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: a new draft copied from version ``pk``, then its edit form.

    The listing button posts here in one click; a GET (the link opened in a new tab,
    or without JavaScript) asks for confirmation with a form that posts here.
    """
    if not request.user.has_perm("consent.add_termsversion"):
        messages.error(request, _("Anda tidak berhak membuat versi syarat."))
        return HttpResponseRedirect(reverse("wagtailadmin_home"))
    source = get_object_or_404(TermsVersion, pk=pk)
    if request.method == "GET":
        return render(
            request,
            "consent/admin/terms_new_version.html",
            {
                "source": source,
                "page_title": _("Buat versi baru"),
                "page_subtitle": str(source),
                "header_icon": "copy",
                "list_url": reverse(f"{TERMS_NS}:list"),
            },
        )
    draft = terms_draft_create(based_on=source, user=request.user)
    messages.success(request, _("Draf versi baru dibuat dari %(source)s.") % {"source": source})
    return HttpResponseRedirect(reverse(f"{TERMS_NS}:edit", args=[draft.pk]))


@hooks.register("register_admin_urls")
def consent_admin_urls() -> list[Any]:
    return [
        path(
            "consent/terms/<int:pk>/new-version/",
            terms_new_version,
            name="consent_terms_new_version",
        )
    ]


@hooks.register("register_snippet_listing_buttons")
def new_version_button(snippet: Any, user: Any, next_url: str | None = None) -> list[ListingButton]:
    if isinstance(snippet, TermsVersion) and snippet.is_frozen:
        url = reverse("consent_terms_new_version", args=[snippet.pk])
        return [
            ListingButton(
                _("Buat versi baru"),
                url=url,
                icon_name="copy",
                priority=10,
                # Wagtail's w-action controller posts to its url value, not to the
                # link's href: without the value it posts to the listing (HTTP 405).
                attrs={
                    "data-controller": "w-action",
                    "data-action": "w-action#post",
                    "data-w-action-url-value": url,
                },
            )
        ]
    return []
