"""Translated page trees (Wagtail i18n): English pages, the Indonesian fallback, links."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Locale

from cms.models import ArticlePage, FaqPage, HomePage, NewsIndexPage, ProgramPage, StandardPage
from cms.services import site_tree_ensure

FALLBACK_NOTICE_EN = "This page is not yet available in your language"


def english(model):
    return model.objects.get(locale__language_code="en")


def test_the_english_home_program_faq_and_privacy_pages_are_in_english(client, home):
    pages = {
        "/en/": "Register the CCTV of your home, shop or office",
        "/en/program/mataraksa/": "Does it cost anything?",
        "/en/tanya-jawab/": "Does it cost anything?",
        "/en/privasi/": "What data we keep",
    }
    for url, text in pages.items():
        html = client.get(url).content.decode()
        assert text in html, url
        assert FALLBACK_NOTICE_EN not in html, url
    assert "Apakah ada biayanya?" not in client.get("/en/tanya-jawab/").content.decode()
    # the Indonesian tree is untouched
    assert "Apakah ada biayanya?" in client.get("/tanya-jawab/").content.decode()


def test_a_page_without_english_translation_shows_in_indonesian_with_a_notice(client, home):
    source = StandardPage.objects.get(slug="privasi", locale__language_code="id")
    source.add_child(
        instance=StandardPage(
            title="Hak warga", slug="hak-warga", intro="Hak Anda sebagai pemilik."
        )
    )

    response = client.get("/en/privasi/hak-warga/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Hak Anda sebagai pemilik." in html
    assert FALLBACK_NOTICE_EN in html
    assert '<main id="main" lang="id">' in html
    assert "Halaman ini belum tersedia" not in client.get("/privasi/hak-warga/").content.decode()


def test_the_english_program_page_falls_back_when_its_translation_is_gone(client, home):
    english(ProgramPage).delete()

    response = client.get("/en/program/mataraksa/")

    assert response.status_code == 200
    assert FALLBACK_NOTICE_EN in response.content.decode()
    assert client.get("/en/program/tidak-ada/").status_code == 404


def test_a_translation_under_its_own_slug_is_found_from_the_source_address(client, home):
    privacy = StandardPage.objects.get(slug="privasi", locale__language_code="en")
    privacy.slug = "privacy"
    privacy.save_revision().publish()

    for url in ("/en/privacy/", "/en/privasi/"):
        html = client.get(url).content.decode()
        assert "What data we keep" in html, url
        assert FALLBACK_NOTICE_EN not in html, url


def test_links_on_english_pages_stay_in_english(client, home, mataraksa):
    news = NewsIndexPage.objects.get(locale__language_code="id")
    news.add_child(
        instance=ArticlePage(title="Stiker pertama", slug="stiker-pertama", program=mataraksa)
    )

    home_html = client.get("/en/").content.decode()
    program_html = client.get("/en/program/mataraksa/").content.decode()

    assert 'href="/en/program/mataraksa/"' in home_html
    # an article with no translation is linked at its English address (served in Indonesian)
    assert 'href="/en/berita/stiker-pertama/"' in home_html
    assert 'href="/en/berita/stiker-pertama/"' in program_html
    assert 'href="/en/program/mataraksa/peta/"' in program_html
    assert client.get("/en/berita/stiker-pertama/").status_code == 200


def test_every_page_links_the_faq_privacy_notice_and_police_scopes(client, home):
    for url, prefix in [("/", ""), ("/program/mataraksa/", ""), ("/en/", "/en")]:
        html = client.get(url).content.decode()
        assert f'href="{prefix}/tanya-jawab/"' in html, url
        assert f'href="{prefix}/privasi/"' in html, url
        assert f'href="{prefix}/persetujuan/izin-berbagi/"' in html, url
    map_html = client.get("/program/mataraksa/peta/").content.decode()
    assert 'href="/persetujuan/izin-berbagi/"' in map_html


def test_editors_translate_with_wagtail_locales(home):
    assert set(Locale.objects.values_list("language_code", flat=True)) == {"id", "en"}
    home_en = english(HomePage)
    assert (
        home_en.translation_key == HomePage.objects.get(locale__language_code="id").translation_key
    )
    assert english(FaqPage).get_parent().specific == home_en


def test_a_program_has_one_page_per_language(home, mataraksa):
    duplicate = ProgramPage(title="Lagi", slug="lagi", program=mataraksa)
    duplicate.locale = Locale.get_default()

    with pytest.raises(ValidationError) as error:
        duplicate.clean()

    assert "program" in error.value.message_dict


def test_ensuring_the_tree_again_keeps_an_editors_english_text(home):
    faq = english(FaqPage)
    faq.intro = "Edited by an editor."
    faq.save_revision().publish()

    site_tree_ensure()

    assert english(FaqPage).intro == "Edited by an editor."
