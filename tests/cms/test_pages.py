from __future__ import annotations

import pytest
from wagtail.models import Page

from cms.models import ArticlePage, FaqPage, HomePage, NewsIndexPage, ProgramPage, StandardPage
from cms.services import program_page_ensure, site_tree_ensure
from tests.factories import ProgramFactory


def test_the_home_page_shows_program_progress_and_a_call_to_join(client, home):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>350</strong> / 1.000 kamera" in html
    assert "Daftarkan kamera Anda" in html
    assert 'href="/program/mataraksa/"' in html


def test_the_home_page_sums_every_program(client, home):
    html = client.get("/").content.decode()

    assert "<dt>Kamera terverifikasi</dt><dd>350</dd>" in html
    assert "<dt>Sedang diproses</dt><dd>30</dd>" in html


def test_the_program_page_shows_target_progress_villages_stages_and_faq(client, home, village_a):
    response = client.get("/program/mataraksa/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>350</strong> / 1.000 kamera" in html
    assert 'aria-valuenow="350"' in html
    assert "35% dari target · 30 kamera sedang diproses" in html
    assert village_a.name in html
    assert "Tahapan pendaftaran" in html
    assert 'data-state="verified"' in html
    assert "Apakah lokasi rumah saya ditampilkan di peta?" in html


def test_the_program_page_lists_its_news(client, home, mataraksa):
    news = NewsIndexPage.objects.get(locale__language_code="id")
    news.add_child(
        instance=ArticlePage(title="Stiker pertama dipasang", slug="stiker", program=mataraksa)
    )

    html = client.get("/program/mataraksa/").content.decode()

    assert "Stiker pertama dipasang" in html


def test_the_privacy_notice_faq_and_news_pages_render(client, home):
    for url, text in [
        ("/privasi/", "Pemberitahuan privasi"),
        ("/tanya-jawab/", "Apakah ada biayanya?"),
        ("/berita/", "Belum ada berita."),
        ("/program/", "Mataraksa"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def test_an_unknown_program_slug_is_not_found(client, home):
    assert client.get("/program/tidak-ada/").status_code == 404
    assert client.get("/program/tidak-ada/peta/").status_code == 404


def test_the_page_of_a_program_set_back_to_draft_is_not_found(client, home, mataraksa):
    mataraksa.status = "draft"
    mataraksa.save()

    assert client.get("/program/mataraksa/").status_code == 404
    assert client.get("/program/mataraksa/peta/").status_code == 404
    assert "Mataraksa" not in client.get("/").content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "?page=-1",
        "?lang=xx",
        "?q=%00%ff",
        "?program=../../etc",
        "?" + "a=1&" * 200,
        "?lat=abc&lng=1e999",
    ],
)
def test_odd_query_parameters_never_break_a_page(client, home, query):
    for url in [
        "/",
        "/program/mataraksa/",
        "/program/mataraksa/peta/",
        "/program/mataraksa/peta.json",
    ]:
        assert client.get(url + query).status_code == 200, url + query


def test_switching_to_english_keeps_the_visitor_on_the_same_page(client, home):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/program/mataraksa/"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/en/program/mataraksa/"
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "<strong>350</strong> / 1,000" in html  # English number formatting


def test_switching_back_to_indonesian_leaves_the_english_address(client, home):
    client.post("/i18n/setlang/", {"language": "en", "next": "/program/mataraksa/"})
    english = client.get("/en/program/mataraksa/").content.decode()
    assert '<input name="next" type="hidden" value="/program/mataraksa/">' in english

    response = client.post(
        "/i18n/setlang/", {"language": "id", "next": "/program/mataraksa/"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/program/mataraksa/"
    assert '<html lang="id">' in response.content.decode()


def test_the_site_tree_is_created_once(db, mataraksa):
    site_tree_ensure()
    count = Page.objects.count()

    site_tree_ensure()

    assert Page.objects.count() == count
    for language in ("id", "en"):  # the source tree and its English translation
        assert HomePage.objects.filter(locale__language_code=language).count() == 1
        assert (
            StandardPage.objects.filter(slug="privasi", locale__language_code=language).count() == 1
        )
        assert FaqPage.objects.filter(locale__language_code=language).count() == 1
        assert ProgramPage.objects.get(locale__language_code=language).program == mataraksa


def test_a_new_program_gets_its_page_when_the_tree_is_ensured_again(db, home):
    later = ProgramFactory(slug="blitar-aman", name="Blitar Aman")

    site_tree_ensure()

    source = ProgramPage.objects.get(program=later, locale__language_code="id")
    assert source.url_path.endswith("/program/blitar-aman/")
    assert program_page_ensure(program=later) == source
    assert ProgramPage.objects.get(program=later, locale__language_code="en").live


@pytest.mark.parametrize(
    "path",
    [
        "/program/%00/peta.json",
        "/program/..%2f..%2fetc/peta.json",
        "/program/" + "a" * 300 + "/",
        "/program/mataraksa/peta/tidak-ada/",
        "/en/program/tidak-ada/peta/",
    ],
)
def test_garbage_paths_are_not_found(client, home, path):
    assert client.get(path).status_code == 404
