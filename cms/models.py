"""Wagtail pages of the public site.

Tree: HomePage > ProgramIndexPage ("program") > ProgramPage (one per police
program), HomePage > NewsIndexPage ("berita") > ArticlePage, plus StandardPage
(privacy notice) and FaqPage under the home page. ``cms.services.site_tree_ensure``
builds the default tree.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Locale, Page
from wagtail.search import index
from wagtail.url_routing import RouteResult

from cms.blocks import BodyBlock, FaqStreamBlock
from police import selectors as police_selectors
from police.models import Program, ProgramStatus
from registry import progress as registry_progress

PUBLIC_STATUSES = (ProgramStatus.ACTIVE, ProgramStatus.CLOSED)


def source_locale() -> Locale:
    """The locale pages are written in first (Indonesian); others are translations."""
    return Locale.get_default()


def localized_pages[P: Page](pages: list[P]) -> list[P]:
    """Each source page in the active language: its live translation, or itself."""
    return [page.localized for page in pages]


def _language_prefix(language: str) -> str:
    # i18n_patterns(prefix_default_language=False): only other languages get a prefix.
    return "" if language == settings.LANGUAGE_CODE else f"/{language}"


def localized_url(page: Page, request: HttpRequest | None = None) -> str:
    """The address of ``page`` in the active language.

    Its live translation's address when there is one; otherwise the source page's
    path under the active language's prefix, which ``SourceFallbackMixin`` serves.
    So following a link never switches the visitor's language.
    """
    translated = page.localized
    url = translated.get_url(request) or ""
    active = get_language() or settings.LANGUAGE_CODE
    page_language = translated.locale.language_code
    if page_language != active and url.startswith("/"):
        url = _language_prefix(active) + url.removeprefix(_language_prefix(page_language))
    return url


class SourceFallbackMixin:
    """Serve the Indonesian page at its translated address when no translation exists.

    Every locale has its own page tree (``/en/...`` routes through the English
    tree). When a page has no English translation yet, routing in the English
    tree fails where the branch stops; the rest of the path is then routed in
    the source tree, so ``/en/privasi/`` shows the Indonesian privacy notice
    (and the page templates say so) instead of a 404. Should the page found in
    the source tree have a live translation under another slug, that is served.
    """

    def source_page(self) -> Page | None:
        page: Any = self
        default = source_locale()
        if page.locale_id == default.pk:
            return None
        return page.get_translation_or_none(default)

    def route(self, request: HttpRequest, path_components: list[str]) -> RouteResult:
        try:
            return super().route(request, path_components)  # type: ignore[misc]
        except Http404:
            source = self.source_page()
            if source is None:
                raise
            result = source.specific.route(request, path_components)
            translated = result.page.localized
            if translated.pk != result.page.pk:
                return RouteResult(translated.specific, result.args, result.kwargs)
            return result


def program_cards(pages: list[ProgramPage]) -> list[dict[str, Any]]:
    """What a program card shows: the page, its program, progress and area centroid."""
    programs = [p.program for p in pages]
    progresses = registry_progress.programs_progress(programs=programs)
    centroids = police_selectors.programs_centroids(programs=programs)
    cards = []
    for page in pages:
        point = centroids.get(page.program_id)
        cards.append(
            {
                "page": page,
                "program": page.program,
                "progress": progresses[page.program_id],
                "latitude": point[0] if point else None,
                "longitude": point[1] if point else None,
            }
        )
    return cards


class HomePage(SourceFallbackMixin, Page):
    intro = models.CharField(_("pengantar"), max_length=255, blank=True)
    body = RichTextField(_("isi"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.ProgramIndexPage", "cms.NewsIndexPage", "cms.StandardPage", "cms.FaqPage"]
    max_count = 1

    class Meta:
        verbose_name = _("beranda")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        program_pages = localized_pages(
            list(
                ProgramPage.objects.live()
                .public()
                .filter(locale=source_locale(), program__status__in=PUBLIC_STATUSES)
                .select_related("program__unit")
                .order_by("title")
            )
        )
        context["program_cards"] = program_cards(program_pages)
        context["totals"] = registry_progress.progress_totals(
            programs=[p.program for p in program_pages]
        )
        context["news"] = localized_pages(
            list(
                ArticlePage.objects.live()
                .public()
                .filter(locale=source_locale())
                .order_by("-date", "-pk")[:3]
            )
        )
        return context


class ProgramIndexPage(SourceFallbackMixin, Page):
    intro = models.CharField(_("pengantar"), max_length=255, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ProgramPage"]
    max_count = 1

    class Meta:
        verbose_name = _("daftar program")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        source = self.source_page() or self
        pages = localized_pages(
            list(
                ProgramPage.objects.child_of(source)
                .live()
                .public()
                .filter(program__status__in=PUBLIC_STATUSES)
                .select_related("program__unit")
            )
        )
        context["program_cards"] = program_cards(pages)
        return context


class ProgramPage(SourceFallbackMixin, RoutablePageMixin, Page):
    """The public page of one police program, with its live progress and map."""

    # One page per program and locale: the Indonesian page and its translations.
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    intro = models.CharField(_("pengantar"), max_length=255, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("isi"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("program"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.ProgramIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("halaman program")

    def clean(self) -> None:
        # One page per program and locale (a database constraint cannot span the
        # page table, which holds the locale, and this one).
        super().clean()
        others = ProgramPage.objects.filter(program_id=self.program_id, locale_id=self.locale_id)
        if self.pk:
            others = others.exclude(pk=self.pk)
        if self.program_id and others.exists():
            raise ValidationError(
                {"program": _("Program ini sudah punya halaman dalam bahasa ini.")}
            )

    def progress_context(self) -> dict[str, Any]:
        if self.program.status not in PUBLIC_STATUSES:
            raise Http404
        return {
            "program": self.program,
            "progress": registry_progress.program_progress(program=self.program),
            "villages": registry_progress.program_progress_by_village(program=self.program),
        }

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context.update(self.progress_context())
        by_state = context["progress"].by_state
        context["stages"] = [
            (state, title, text, by_state.get(state, 0)) for state, title, text in STAGES
        ]
        context["page_url"] = localized_url(self, request)
        context["map_url"] = context["page_url"] + self.reverse_subpage("map")
        context["map_data_url"] = reverse("cms:program-map-data", args=(self.program.slug,))
        context["map_tile_url"] = settings.MAP_TILE_URL
        context["news"] = localized_pages(
            list(
                ArticlePage.objects.live()
                .public()
                .filter(locale=source_locale(), program=self.program)
                .order_by("-date")[:5]
            )
        )
        return context

    @path("peta/", name="map")
    def map_route(self, request: HttpRequest) -> HttpResponse:
        return self.render(request, template="cms/program_map_page.html")


# The stages explained on every program page; the keys are enrolment states.
STAGES = [
    (
        "submitted",
        _("Diajukan"),
        _("Anda mendaftarkan kamera dan menyetujui ketentuan berbagi data."),
    ),
    (
        "checked",
        _("Lolos uji koneksi"),
        _("Sistem memeriksa bahwa perekam bisa dihubungi dan gambarnya terbaca."),
    ),
    (
        "verified",
        _("Terverifikasi"),
        _("Bhabinkamtibmas memeriksa lokasi dan arah kamera. Sejak tahap ini kamera dihitung."),
    ),
    (
        "connected",
        _("Terhubung ke Command Center"),
        _("Kamera tersambung ke Command Center sesuai izin yang Anda berikan."),
    ),
    (
        "stickered",
        _("Berstiker"),
        _("Petugas memasang stiker CCTV Warga sebagai tanda kamera ikut program."),
    ),
]


class NewsIndexPage(SourceFallbackMixin, Page):
    intro = models.CharField(_("pengantar"), max_length=255, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ArticlePage"]
    max_count = 1

    class Meta:
        verbose_name = _("indeks berita")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        source = self.source_page() or self
        context["articles"] = localized_pages(
            list(ArticlePage.objects.child_of(source).live().public().order_by("-date", "-pk")[:30])
        )
        return context


class ArticlePage(SourceFallbackMixin, Page):
    """A news item; it may belong to a program, whose page then lists it."""

    date = models.DateField(_("tanggal"), default=timezone.localdate)
    intro = models.CharField(_("pengantar"), max_length=255, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("isi"), blank=True)
    program = models.ForeignKey(
        Program,
        verbose_name=_("program"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("program"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("berita")
        verbose_name_plural = _("berita")


class StandardPage(SourceFallbackMixin, Page):
    """A plain page, such as the privacy notice."""

    intro = models.CharField(_("pengantar"), max_length=255, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("isi"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("halaman biasa")


class FaqPage(SourceFallbackMixin, Page):
    intro = models.CharField(_("pengantar"), max_length=255, blank=True)
    body = StreamField(FaqStreamBlock(), verbose_name=_("tanya jawab"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    class Meta:
        verbose_name = _("tanya jawab")
