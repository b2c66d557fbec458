from __future__ import annotations

from django.core.cache import cache

from owners.models import Enrolment, EnrolmentState
from owners.services import enrolment_transition
from tests.factories import UserFactory


def cached_page_keys() -> list[str]:
    return [k for k in cache._cache if ":cms:page:" in k]  # locmem in tests


def test_an_anonymous_visit_stores_the_page_and_the_next_visit_reads_it(
    client, home, django_assert_max_num_queries
):
    first = client.get("/program/mataraksa/")
    assert len(cached_page_keys()) == 1

    with django_assert_max_num_queries(1):  # the progress change stamp only
        second = client.get("/program/mataraksa/")

    assert second.content.decode().replace(
        second.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0], "T"
    ) == first.content.decode().replace(
        first.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0], "T"
    )


def test_a_cached_page_gives_each_visitor_a_working_language_form(client, home):
    client.get("/program/mataraksa/")  # stored
    visitor = client.__class__(enforce_csrf_checks=True)

    page = visitor.get("/program/mataraksa/").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = visitor.post(
        "/i18n/setlang/",
        {"language": "en", "next": "/program/mataraksa/", "csrfmiddlewaretoken": token},
    )

    assert "__cms_csrf_token__" not in page
    assert response.status_code == 302
    assert response["Location"] == "/en/program/mataraksa/"


def test_the_cached_page_shows_a_transition_at_once(client, home, mataraksa):
    assert "<strong>350</strong> / 1.000" in client.get("/program/mataraksa/").content.decode()
    enrolment = Enrolment.objects.filter(program=mataraksa, state=EnrolmentState.CHECKED).first()

    enrolment_transition(enrolment=enrolment, to_state=EnrolmentState.VERIFIED, actor=None)

    assert "<strong>351</strong> / 1.000" in client.get("/program/mataraksa/").content.decode()


def test_editing_the_program_makes_the_cached_page_stale(client, home, mataraksa):
    client.get("/program/mataraksa/")
    mataraksa.target = 2000
    mataraksa.save()

    assert "<strong>350</strong> / 2.000" in client.get("/program/mataraksa/").content.decode()


def test_publishing_a_page_makes_the_cached_page_stale(client, home):
    client.get("/program/")
    index = home.get_children().get(slug="program").specific
    index.intro = "Ikuti program di kota Anda."
    index.save_revision().publish()

    assert "Ikuti program di kota Anda." in client.get("/program/").content.decode()


def test_signed_in_people_and_query_strings_bypass_the_cache(client, home):
    client.get("/program/mataraksa/?utm_source=wa")
    assert cached_page_keys() == []

    client.force_login(UserFactory())
    page = client.get("/program/mataraksa/").content.decode()

    assert cached_page_keys() == []
    assert "Keluar" in page


def test_each_language_has_its_own_cached_page(client, home):
    assert '<html lang="id">' in client.get("/program/mataraksa/").content.decode()
    assert '<html lang="en">' in client.get("/en/program/mataraksa/").content.decode()
    assert '<html lang="id">' in client.get("/program/mataraksa/").content.decode()


def test_the_page_cache_can_be_turned_off(client, home, settings):
    settings.PAGE_CACHE_SECONDS = 0

    client.get("/program/mataraksa/")

    assert cached_page_keys() == []
