"""A visitor on a phone follows a program, reads it in English and opens its map."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from cms.services import site_tree_ensure
from consent.services import terms_draft_create, terms_publish
from tests.cms.conftest import enrol_cameras
from tests.e2e.conftest import only_live_server
from tests.factories import PoliceUnitFactory, ProgramFactory, region_tree

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def public_site():
    village = region_tree(prefix="36.03", district="01", village="1001")
    other_village = region_tree(prefix="36.03", district="02", village="2002")
    # Real names make the screenshots of the user guide readable.
    for region, name in [
        (village, "Bitung Jaya"),
        (village.parent, "Cikupa"),
        (other_village, "Curug Wetan"),
        (other_village.parent, "Curug"),
        (village.parent.parent, "Kabupaten Tangerang"),
    ]:
        region.name = name
        region.save()
    other_village.latitude, other_village.longitude = Decimal("-6.2633"), Decimal("106.5566")
    other_village.save()
    program = ProgramFactory(
        name="Mataraksa",
        slug="mataraksa",
        target=1000,
        unit=PoliceUnitFactory(name="Polresta Tangerang"),
        summary="Seribu kamera warga untuk Kabupaten Tangerang.",
    )
    program.area.add(village.parent.parent)
    enrol_cameras(
        program=program,
        village=village,
        states={"verified": 150, "connected": 100, "stickered": 50, "submitted": 20},
    )
    enrol_cameras(program=program, village=other_village, states={"stickered": 50, "checked": 10})
    site_tree_ensure()
    terms_publish(terms=terms_draft_create())
    return program


def test_a_visitor_follows_a_program_from_home_to_the_map(live_server, phone, shot, public_site):
    failed: list[str] = []
    phone.on("requestfailed", lambda request: failed.append(request.url))
    phone.goto(live_server.url + "/")
    expect(phone.locator("h1")).to_contain_text("Kamera warga")
    card = phone.locator(".program-card", has_text="Mataraksa")
    expect(card).to_contain_text("350 / 1.000 kamera")
    shot(phone, "public-home")

    card.get_by_role("link", name="Mataraksa").click()
    expect(phone).to_have_url(live_server.url + "/program/mataraksa/")
    expect(phone.locator(".progress-count")).to_contain_text("350 / 1.000 kamera")
    expect(phone.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "350")
    expect(phone.locator(".stages li")).to_have_count(5)
    shot(phone, "public-program")

    # The language list switches as soon as a language is picked (no button to find).
    expect(phone.get_by_role("button", name="Ganti")).to_be_hidden()
    phone.locator("#lang-select").select_option("en")
    expect(phone).to_have_url(live_server.url + "/en/program/mataraksa/")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator(".progress-count")).to_contain_text("350 / 1,000")
    # The page itself is the English translation: its FAQ is in English too.
    expect(phone.get_by_text("Does it cost anything?")).to_be_visible()
    expect(phone.get_by_text("Apakah ada biayanya?")).to_have_count(0)
    shot(phone, "public-program-en")

    # What police can see is public, before any sign-up, and stays in English.
    phone.locator(".learn-more").get_by_role(
        "link", name=re.compile("What the police can see")
    ).click()
    expect(phone).to_have_url(live_server.url + "/en/persetujuan/izin-berbagi/")
    expect(phone.locator(".scope-list dt")).to_have_count(5)
    shot(phone, "public-scopes-en")
    phone.locator(".site-footer").get_by_role("link", name="Privacy notice").click()
    expect(phone).to_have_url(live_server.url + "/en/privasi/")
    expect(phone.get_by_text("What data we keep")).to_be_visible()
    phone.go_back()
    phone.go_back()

    phone.locator("#lang-select").select_option("id")
    expect(phone).to_have_url(live_server.url + "/program/mataraksa/")
    expect(phone.locator("html")).to_have_attribute("lang", "id")
    phone.get_by_role("link", name=re.compile("peta sebaran", re.IGNORECASE)).click()
    expect(phone).to_have_url(live_server.url + "/program/mataraksa/peta/")
    table = phone.locator("table.area-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text("300")
    # Tiles are blocked (no internet in tests): the counts are still there, and
    # the village circles are drawn from the aggregate data.
    expect(phone.locator("#map")).to_have_attribute("data-ready", "true")
    expect(phone.locator(".leaflet-interactive")).to_have_count(2)
    assert any(url.startswith("https://tile.openstreetmap.org/") for url in failed)
    shot(phone, "public-map")


def test_near_me_sorts_programs_by_distance(live_server, browser, shot, public_site):
    far = ProgramFactory(name="Blitar Kota Aman", slug="blitar", target=300)
    blitar = region_tree(prefix="35.72", district="01", village="1001")
    blitar.latitude, blitar.longitude = Decimal("-8.0954"), Decimal("112.1609")
    blitar.save()
    far.area.add(blitar.parent.parent)
    site_tree_ensure()
    context = browser.new_context(
        viewport={"width": 360, "height": 780},
        is_mobile=True,
        locale="id-ID",
        geolocation={"latitude": -6.2, "longitude": 106.5},
        permissions=["geolocation"],
    )
    try:
        only_live_server(context, live_server.url)
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.get_by_role("button", name="Cari program terdekat").click()
        expect(page.locator("#near-me-status")).to_have_text("Diurutkan dari yang terdekat")
        expect(page.locator(".program-card h3").first).to_have_text("Mataraksa")
        expect(page.locator(".program-card .distance").first).to_be_visible()
        shot(page, "public-home-near-me")
    finally:
        context.close()
