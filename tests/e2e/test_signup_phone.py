"""A visitor on a phone taps "Daftarkan kamera Anda": sign-up opens, styled for the phone,
with a sign-in link, and both carry on into the join wizard."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.test_public_site import public_site  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def next_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["next"][0]


def test_join_opens_a_phone_sized_sign_up_with_a_sign_in_link(
    live_server,
    phone,
    public_site,  # noqa: F811
):
    start = reverse("joining:start") + "?program=mataraksa"
    phone.goto(live_server.url + "/program/mataraksa/")

    phone.get_by_role("link", name="Daftarkan kamera Anda").click()

    expect(phone).to_have_url(re.compile(r"/accounts/signup/\?next="))
    assert next_of(phone.url) == start
    expect(phone.locator("h1")).to_contain_text("Daftar")
    main = phone.locator("main").bounding_box()
    assert main is not None
    for label in ("Nama lengkap", "Email (opsional)", "Nomor HP", "Kata sandi (lagi)"):
        field = phone.get_by_label(label)
        expect(field).to_be_visible()
        box, label_box = (
            field.bounding_box(),
            phone.locator(f"label[for='{field.get_attribute('id')}']").bounding_box(),
        )
        assert box is not None and label_box is not None
        # Full width of the phone's content column, with the label above it.
        assert box["width"] >= main["width"] * 0.85, (label, box, main)
        assert label_box["y"] + label_box["height"] <= box["y"] + 1, label
        assert box["height"] >= 40, label  # a finger-sized target
    expect(phone.locator("#id_password1")).to_be_visible()
    expect(phone.locator("label[for=id_password1]")).to_have_text(re.compile(r"^Kata sandi\b"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll

    phone.get_by_role("link", name="masuk", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/accounts/login/\?next="))
    assert next_of(phone.url) == start
    expect(phone.get_by_label("Email atau nomor HP")).to_be_visible()
