"""An owner on a phone signs consent with a drawn signature, then withdraws it.

Uses the browser fixtures of tests/e2e/conftest.py (``phone``, ``shot``).
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from consent.models import ConsentRecord, RecordKind, SignerCapacity
from consent.services import chain_verify
from owners.models import EnrolmentState, OwnerKind
from registry import scoping
from tests.consent.conftest import World, publish_terms, world  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def terms():
    return publish_terms()


def sign_in(page: Page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def draw_signature(page: Page) -> None:
    canvas = page.locator("canvas[data-signature-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 20, box["y"] + 40 + (step % 3) * 15)
    page.mouse.up()


def test_an_owner_signs_and_withdraws_through_the_pages(
    live_server,
    phone,
    shot,
    world: World,  # noqa: F811
):
    sign_in(phone, live_server, world.admin)
    phone.goto(live_server.url + "/persetujuan/")
    expect(phone.locator("h1")).to_contain_text("Persetujuan berbagi data")

    phone.get_by_role("link", name="Tanda tangani", exact=True).click()
    expect(phone.locator("article.terms")).to_contain_text("UU PDP")
    phone.get_by_label("(b) Rekaman atas permintaan").check()
    phone.get_by_label("(d) Siaran langsung 24 jam ke Command Center").check()
    phone.get_by_label("Nama lengkap").fill("Budi Santoso")
    phone.get_by_label("Saya telah membaca syarat").check()
    draw_signature(phone)
    expect(phone.locator("[data-signature-input]")).to_have_value(
        re.compile(r"^data:image/png;base64,")
    )
    shot(phone, "consent-sign")
    phone.get_by_role("button", name="Tanda tangani").click()

    expect(phone.locator("h1")).to_contain_text("Tanda terima persetujuan")
    record = ConsentRecord.objects.get(kind=RecordKind.AGREEMENT)
    expect(phone.locator("details.technical")).to_contain_text(record.terms_sha256)
    assert record.signature_image.startswith("data:image/png;base64,")
    assert record.cameras.first().scopes == "abd"
    assert set(scoping.cameras_visible_to(world.operator.user)) == set(world.cameras)
    shot(phone, "consent-receipt")

    phone.goto(live_server.url + f"/persetujuan/pemilik/{world.owner.pk}/tarik/")
    phone.get_by_label("Tarik untuk semua kamera saya").check()
    phone.get_by_role("button", name="Tarik persetujuan sekarang").click()

    expect(phone.locator("h1")).to_contain_text("Tanda terima penarikan persetujuan")
    for enrolment in world.enrolments:
        enrolment.refresh_from_db()
        assert enrolment.state == EnrolmentState.WITHDRAWN
    assert not scoping.cameras_visible_to(world.operator.user).exists()
    assert not scoping.cameras_visible_to(world.analyst.user).exists()
    assert chain_verify().ok


def test_a_business_signs_through_its_own_authorised_signatory(
    live_server,
    phone,
    shot,
    world: World,  # noqa: F811
):
    """Issue 15 item 3: a company's director signs for it, without the estate wording."""
    world.owner.kind = OwnerKind.BUSINESS
    world.owner.is_organisation = True
    world.owner.save()
    sign_in(phone, live_server, world.admin)
    phone.goto(live_server.url + f"/persetujuan/pemilik/{world.owner.pk}/tanda-tangan/")

    capacity = phone.get_by_label("Saya menandatangani sebagai")
    expect(capacity).to_have_value(SignerCapacity.SIGNATORY)
    phone.get_by_label("Nama lengkap").fill("Budi Santoso")
    phone.get_by_label("Saya telah membaca syarat").check()
    phone.get_by_role("button", name="Tanda tangani").click()
    # no position: a clear error, nothing signed, the choice kept
    expect(phone.get_by_text("Tuliskan jabatan Anda")).to_be_visible()
    expect(capacity).to_have_value(SignerCapacity.SIGNATORY)
    assert not ConsentRecord.objects.exists()

    phone.get_by_label("Jabatan atau pernyataan kewenangan").fill("Direktur")
    phone.get_by_label("Saya telah membaca syarat").check()
    shot(phone, "consent-sign-business")
    phone.get_by_role("button", name="Tanda tangani").click()

    expect(phone.locator("h1")).to_contain_text("Tanda terima persetujuan")
    expect(phone.locator("dl.receipt").first).to_contain_text("Direktur")
    record = ConsentRecord.objects.get()
    assert (record.capacity, record.authority_statement) == (SignerCapacity.SIGNATORY, "Direktur")
