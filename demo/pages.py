"""Demo content of the public site in both languages: English program intros, news."""

from __future__ import annotations

import datetime

from wagtail.models import Locale

from cms.models import ArticlePage, NewsIndexPage, ProgramPage
from cms.services import translation_ensure

# English intros of the demo programs' pages (the Indonesian ones are the summaries).
PROGRAM_INTROS_EN = {
    "mataraksa": (
        "Polresta Tangerang and residents working together: 1,000 residents' CCTV cameras "
        "in housing estates, industrial estates and homes, connected to the Polresta "
        "Tangerang Command Center."
    ),
    "cctv-no-blindspot": (
        "Three stages: the Bhabinkamtibmas lists the cameras, angles are set so that cameras "
        "cover each other, then each camera is connected to the Polres Metro Jakarta Barat "
        "Command Center and marked with a sticker."
    ),
    "pontianak-terintegrasi": (
        "Residents' and businesses' cameras in Pontianak connected with Polresta Pontianak Kota."
    ),
    "blitar-kota-aman": (
        "300 residents' and institutions' cameras in Blitar connected with Polres Blitar Kota."
    ),
}

# (slug, program slug, date, Indonesian title/intro/text, English title/intro/text)
ARTICLES = [
    (
        "mataraksa-perumahan-bergabung",
        "mataraksa",
        datetime.date(2026, 11, 20),
        (
            "Tiga perumahan di Curug bergabung dengan Mataraksa",
            "Pengelola perumahan mendaftarkan kamera warganya sekaligus.",
            "Pengelola tiga perumahan di Kecamatan Curug mendaftarkan kamera warga lewat "
            "CCTV Warga. Bhabinkamtibmas memeriksa setiap titik sebelum kamera dihitung.",
        ),
        (
            "Three housing estates in Curug join Mataraksa",
            "Estate managers registered their residents' cameras in one go.",
            "The managers of three housing estates in Curug district registered their "
            "residents' cameras through CCTV Warga. The Bhabinkamtibmas checks every site "
            "before a camera counts.",
        ),
    ),
]


def demo_pages_ensure() -> None:
    """English program intros and demo news, in both languages (idempotent)."""
    english = Locale.objects.get_or_create(language_code="en")[0]
    for page in ProgramPage.objects.filter(locale=Locale.get_default()).select_related("program"):
        intro = PROGRAM_INTROS_EN.get(page.program.slug)
        translated = page.get_translation_or_none(english)
        if intro and translated is not None and translated.specific.intro == page.intro:
            translated = translated.specific
            translated.intro = intro
            translated.save_revision().publish()
    news = NewsIndexPage.objects.filter(locale=Locale.get_default()).first()
    if news is None:
        return
    programs = {p.program.slug: p.program for p in ProgramPage.objects.select_related("program")}
    for slug, program_slug, date, (title, intro, text), (title_en, intro_en, text_en) in ARTICLES:
        article = ArticlePage.objects.child_of(news).filter(slug=slug).first()
        if article is None:
            article = ArticlePage(
                title=title,
                slug=slug,
                date=date,
                intro=intro,
                program=programs.get(program_slug),
                body=[{"type": "paragraph", "value": f"<p>{text}</p>"}],
            )
            news.add_child(instance=article)
            article.save_revision().publish()
        translation_ensure(
            article,
            english,
            title=title_en,
            intro=intro_en,
            body=[{"type": "paragraph", "value": f"<p>{text_en}</p>"}],
        )
