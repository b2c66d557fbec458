""" "Daftarkan kamera Anda" opens sign-up for visitors (then the wizard), the wizard itself
for people who are signed in; a sign-in link sits beside it."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def join_links(html: str) -> list[str]:
    return re.findall(r'<a class="button[^"]*" href="([^"]+)">Daftarkan kamera Anda</a>', html)


@pytest.mark.parametrize(
    ("path", "query"), [("/", ""), ("/program/mataraksa/", "?program=mataraksa")]
)
def test_a_visitor_is_sent_to_sign_up_then_into_the_wizard(client, home, path, query):
    start = reverse("joining:start") + query
    signup = f"{reverse('account_signup')}?next={quote(start, safe='/')}"
    login = f"{reverse('account_login')}?next={quote(start, safe='/')}"

    html = client.get(path).text

    links = join_links(html)
    assert links and set(links) == {signup.replace("&", "&amp;")}
    assert f'Sudah punya akun? <a href="{login}">Masuk</a>' in html
    page = client.get(signup)
    assert page.status_code == 200
    assert "<h1>" in page.text and "Daftar" in page.text
    assert f'name="next" value="{start}"' in page.text  # sign-up carries on into the wizard


@pytest.mark.parametrize(
    ("path", "query"), [("/", ""), ("/program/mataraksa/", "?program=mataraksa")]
)
def test_a_signed_in_person_goes_straight_into_the_wizard(client, home, path, query):
    client.force_login(UserFactory())

    html = client.get(path).text

    assert set(join_links(html)) == {reverse("joining:start") + query}
    assert "Sudah punya akun?" not in html
