"""Writes on the public site's page tree."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from cms.models import (
    FaqPage,
    HomePage,
    NewsIndexPage,
    ProgramIndexPage,
    ProgramPage,
    StandardPage,
)
from police import selectors as police_selectors
from police.models import Program


def _rich(text: str) -> str:
    return f"<p>{text}</p>"


def _default_faq() -> list[dict[str, Any]]:
    items = [
        (
            _("Apakah polisi bisa melihat kamera saya kapan saja?"),
            _(
                "Tidak. Polisi hanya mendapat akses sesuai izin yang Anda pilih saat "
                "menyetujui ketentuan, dan Anda bisa menarik izin kapan saja."
            ),
        ),
        (
            _("Apakah lokasi rumah saya ditampilkan di peta?"),
            _(
                "Tidak. Peta publik hanya menampilkan jumlah kamera per kelurahan/desa, "
                "tidak pernah titik rumah atau kamera."
            ),
        ),
        (
            _("Kamera apa yang bisa ikut?"),
            _(
                "Perekam DVR/NVR atau kamera IP yang mendukung ONVIF atau RTSP dan "
                "terhubung ke internet."
            ),
        ),
        (
            _("Apakah ada biayanya?"),
            _("Tidak. Mendaftar dan mengikuti program tidak dipungut biaya."),
        ),
    ]
    return [
        {
            "type": "faq",
            "value": {
                "title": _("Pertanyaan umum"),
                "items": [{"question": q, "answer": _rich(a)} for q, a in items],
            },
        }
    ]


def _privacy_body() -> list[dict[str, Any]]:
    paragraphs = [
        (
            _("Data apa yang kami simpan"),
            _(
                "Nama dan kontak pemilik, alamat dan titik lokasi, data perekam (kata sandi "
                "disimpan terenkripsi), serta hasil uji koneksi."
            ),
        ),
        (
            _("Siapa yang bisa melihatnya"),
            _(
                "Pemilik sendiri dan petugas kepolisian di wilayah hukumnya. Publik hanya "
                "melihat jumlah kamera per kelurahan/desa."
            ),
        ),
        (
            _("Hak Anda"),
            _(
                "Anda bisa meminta salinan data, memperbaikinya, atau menarik persetujuan dan "
                "menghapus kamera dari program kapan saja."
            ),
        ),
    ]
    body: list[dict[str, Any]] = []
    for heading, text in paragraphs:
        body.append({"type": "heading", "value": {"text": heading}})
        body.append({"type": "paragraph", "value": _rich(text)})
    return body


def _child(parent: Page, model: type[Page], **fields: Any) -> Page:
    existing = model.objects.child_of(parent).first()
    if existing is not None:
        return existing
    page = model(**fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def translation_ensure[P: Page](page: P, locale: Locale, **fields: Any) -> P:
    """The live translation of ``page`` in ``locale``, created from ``fields`` when missing.

    An existing translation is left as editors made it. A new one is a copy of the
    source page (Wagtail's ``copy_for_translation``) with ``fields`` set, published.
    """
    existing = page.get_translation_or_none(locale)
    if existing is not None:
        return existing.specific  # type: ignore[no-any-return]
    translated = page.copy_for_translation(locale).specific
    for name, value in fields.items():
        setattr(translated, name, value)
    translated.save_revision().publish()
    return translated  # type: ignore[no-any-return]


def translations_ensure(*, home: HomePage) -> None:
    """English translations of the default tree's pages, where none exist yet.

    Indonesian is the source; the English texts come from the same translated
    strings as the Indonesian ones. A program page's English intro is the
    program's summary until an editor translates it.
    """
    english = Locale.objects.get_or_create(language_code="en")[0]
    with override("en"):
        translation_ensure(
            home,
            english,
            intro=_(
                "Daftarkan CCTV rumah, toko atau kantor Anda ke program kepolisian di "
                "wilayah Anda, lalu ikuti kemajuannya di sini."
            ),
        )
        for index in ProgramIndexPage.objects.child_of(home):
            translation_ensure(
                index,
                english,
                title=_("Program"),
                intro=_("Program kepolisian yang sedang mengajak warga ikut serta."),
            )
            for page in ProgramPage.objects.child_of(index).live():
                translation_ensure(page, english, body=_default_faq())
        for news in NewsIndexPage.objects.child_of(home):
            translation_ensure(news, english, title=_("Berita"))
        for privacy in StandardPage.objects.child_of(home).filter(slug="privasi"):
            translation_ensure(
                privacy,
                english,
                title=_("Pemberitahuan privasi"),
                intro=_("Bagaimana CCTV Warga memakai dan melindungi data Anda."),
                body=_privacy_body(),
            )
        for faq in FaqPage.objects.child_of(home):
            translation_ensure(
                faq,
                english,
                title=_("Tanya jawab"),
                intro=_("Jawaban atas pertanyaan yang sering diajukan warga."),
                body=_default_faq(),
            )


def program_page_ensure(*, program: Program, index: ProgramIndexPage | None = None) -> ProgramPage:
    """The public page of ``program``, created (and published) when it has none."""
    existing = ProgramPage.objects.filter(program=program, locale=Locale.get_default()).first()
    if existing is not None:
        return existing
    if index is None:
        index = ProgramIndexPage.objects.get(locale=Locale.get_default())
    with override("id"):
        page = ProgramPage(
            title=program.name,
            slug=program.slug,
            program=program,
            intro=program.summary[:255],
            body=_default_faq(),
        )
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


@transaction.atomic
def site_tree_ensure() -> HomePage:
    """Create the default page tree; running it again changes nothing.

    Home (the default Site's root), "program" with a page per public program,
    "berita" (news), "privasi" (privacy notice) and "tanya-jawab" (FAQ). Wagtail's
    initial "Welcome" page is removed when nothing hangs below it.
    """
    # After `manage.py flush` (or a test's table flush) even Wagtail's own root
    # page and default locale are gone; bring them back first.
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(title="Root", slug="root")
    home = HomePage.objects.filter(locale__language_code=settings.LANGUAGE_CODE).first()
    with override("id"):
        if home is None:
            home = HomePage(
                title="CCTV Warga",
                slug="beranda",
                intro=_(
                    "Daftarkan CCTV rumah, toko atau kantor Anda ke program kepolisian di "
                    "wilayah Anda, lalu ikuti kemajuannya di sini."
                ),
            )
            root.add_child(instance=home)
            home.save_revision().publish()
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=home,
                is_default_site=True,
                site_name="CCTV Warga",
            )
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.save(update_fields=["root_page"])
        for welcome in Page.objects.child_of(root).filter(
            content_type__app_label="wagtailcore", content_type__model="page"
        ):
            if welcome.is_leaf() and not Site.objects.filter(root_page=welcome).exists():
                welcome.delete()

        index = _child(
            home,
            ProgramIndexPage,
            title=_("Program"),
            slug="program",
            intro=_("Program kepolisian yang sedang mengajak warga ikut serta."),
        )
        _child(home, NewsIndexPage, title=_("Berita"), slug="berita")
        if not StandardPage.objects.child_of(home).filter(slug="privasi").exists():
            privacy = StandardPage(
                title=_("Pemberitahuan privasi"),
                slug="privasi",
                intro=_("Bagaimana CCTV Warga memakai dan melindungi data Anda."),
                body=_privacy_body(),
            )
            home.add_child(instance=privacy)
            privacy.save_revision().publish()
        _child(
            home,
            FaqPage,
            title=_("Tanya jawab"),
            slug="tanya-jawab",
            intro=_("Jawaban atas pertanyaan yang sering diajukan warga."),
            body=_default_faq(),
        )
        for program in police_selectors.programs_public():
            program_page_ensure(program=program, index=index)  # type: ignore[arg-type]
    translations_ensure(home=home)
    return home
