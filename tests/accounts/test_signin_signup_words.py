"""The words on sign-up and sign-in: "Kata sandi" throughout, a sign-in field that says
what to type, the formal "Anda", and the site's own field markup."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def main_of(html: str) -> str:
    return html[html.index('<main id="main">') : html.index("</main>")]


def label_of(html: str, field_id: str) -> str:
    match = re.search(rf'<label for="{field_id}">(.*?)</label>', html, re.S)
    assert match, f"no label for {field_id}"
    return re.sub(r"<[^>]+>|\*", "", match.group(1)).strip()


def test_sign_up_calls_the_password_kata_sandi_twice_and_says_anda(client):
    html = main_of(client.get(reverse("account_signup")).text)

    assert label_of(html, "id_password1") == "Kata sandi"
    assert label_of(html, "id_password2") == "Kata sandi (lagi)"
    assert "Kata Kunci" not in html and "Kunci" not in html
    assert not re.search(r"\banda\b", html)  # "Anda", capitalised, as formal Indonesian has it
    assert "Kata sandi Anda tidak boleh terlalu mirip dengan informasi pribadi Anda." in html
    assert label_of(html, "id_email") == "Email (opsional)"
    assert label_of(html, "id_phone") == "Nomor HP"


def test_sign_in_asks_for_an_email_or_phone_number(client):
    html = main_of(client.get(reverse("account_login")).text)

    assert label_of(html, "id_login") == "Email atau nomor HP"
    assert label_of(html, "id_password") == "Kata sandi"
    assert "Masuk:" not in html
    assert not re.search(r"\banda\b", html)


def test_sign_in_says_what_to_type_in_english_too(client):
    with translation.override("en"):
        url = reverse("account_login")
    html = main_of(client.get(url).text)

    assert url.startswith("/en/")
    assert label_of(html, "id_login") == "Email or phone number"
    assert label_of(html, "id_password") == "Password"


def test_a_wrong_password_is_refused_in_formal_indonesian(client):
    UserFactory(email="budi@contoh.id")

    response = client.post(
        reverse("account_login"), {"login": "budi@contoh.id", "password": "bukan-ini"}
    )

    html = main_of(response.text)
    assert "Alamat email dan/atau kata sandi yang Anda masukkan salah." in html
    assert not re.search(r"\banda\b", html)


def test_the_forms_use_the_sites_field_markup_that_the_stylesheet_styles(client):
    for name in ("account_signup", "account_login"):
        html = main_of(client.get(reverse(name)).text)
        inputs = re.findall(r"<input (?![^>]*type=\"hidden\")[^>]*>", html)
        fields = re.findall(r'<div class="field[^"]*">', html)
        assert inputs and len(fields) == len(inputs), name
        assert "<p>" not in html.split("<form", 1)[1]  # not allauth's form.as_p
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css = Path(finders.find("css/site.css")).read_text()
    assert ".field input" in css and ".field.field-check" in css
