"""From submitted to stickered: a resident submits, the Bhabinkamtibmas verifies on a
phone, the Command Center connects, stickers are printed and placed, and the Polres
dashboard counts the camera. Screenshots go to docs/user-guide/img/police-*.png.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from playwright.sync_api import Browser, Page, expect

from consent.selectors import current_terms
from consent.services import terms_draft_create, terms_publish
from owners.models import Enrolment, EnrolmentState
from police.models import OfficerRole, UnitLevel
from tests.connectivity.conftest import (  # noqa: F401  (fixtures)
    PASSWORD,
    USERNAME,
    _probe_pool_stops_at_the_end,
    hd_rtsp_server,
    make_device,
    onvif_host,
)
from tests.e2e.conftest import CHROMIUM_ARGS, PHONE_VIEWPORT, only_live_server  # noqa: F401
from tests.factories import (
    OfficerFactory,
    PoliceUnitFactory,
    ProgramFactory,
    UserFactory,
    region_tree,
)
from tests.fakes.onvif_device import FakeProfile
from workspace.models import Sticker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SITE = (Decimal("-6.170000"), Decimal("106.630000"))


@pytest.fixture
def world():
    village = region_tree("36.03", "18", "2001")
    polda = PoliceUnitFactory(level=UnitLevel.POLDA, name="Polda Banten")
    polda.regions.set([village.parent.parent.parent])
    polres = PoliceUnitFactory(level=UnitLevel.POLRES, parent=polda, name="Polresta Tangerang")
    polres.regions.set([village.parent.parent])
    polsek = PoliceUnitFactory(level=UnitLevel.POLSEK, parent=polres, name="Polsek Cikupa")
    polsek.regions.set([village.parent])
    program = ProgramFactory(slug="mataraksa", name="Mataraksa", target=1000, unit=polres)
    program.area.set([village.parent.parent])
    if current_terms() is None:
        terms_publish(terms=terms_draft_create())

    def officer(email, name, unit, role, villages=()):
        user = UserFactory(email=email, full_name=name)
        user.set_password("Polisi-Demo-2026")
        user.save()
        TOTP.activate(user, SECRET)
        o = OfficerFactory(user=user, unit=unit, role=role)
        o.villages.set(villages)
        return o

    return {
        "village": village,
        "bhabin": officer(
            "bhabin@polri.example", "Aipda Joko", polsek, OfficerRole.BHABINKAMTIBMAS, [village]
        ),
        "operator": officer("operator@polri.example", "Bripka Yusuf", polres, OfficerRole.OPERATOR),
        "polres": officer("polres@polri.example", "Kombes Arief", polres, OfficerRole.COMMANDER),
    }


def sign_in(page: Page, url: str, email: str, password: str, totp: bool = True) -> None:
    page.goto(url + "/accounts/login/")
    page.locator("input[name='login']").fill(email)
    page.locator("input[name='password']").fill(password)
    page.get_by_role("button", name="Masuk").click()
    if totp:
        code = format_hotp_value(hotp_value(SECRET, int(time.time()) // 30))
        page.locator("input[name='code']").fill(code)
        page.get_by_role("button", name="Masuk").first.click()


def new_page(browser: Browser, live_server, *, phone: bool) -> Page:
    options = (
        {"viewport": PHONE_VIEWPORT, "is_mobile": True, "has_touch": True}
        if phone
        else {"viewport": {"width": 1280, "height": 900}}
    )
    context = browser.new_context(
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        geolocation={"latitude": -6.1701, "longitude": 106.6301, "accuracy": 10},
        permissions=["geolocation"],
        **options,
    )
    context.set_default_timeout(60_000)  # generous: CI machines are slow and shared
    only_live_server(context, live_server.url)
    return context.new_page()


def test_a_camera_travels_from_submitted_to_stickered(
    live_server,
    browser,
    shot,
    world,
    make_device,  # noqa: F811
    hd_rtsp_server,  # noqa: F811
):
    url = live_server.url
    device = make_device(profiles=[FakeProfile(path="/Streaming/Channels/101", height=720)])

    # 1. A resident submits one camera, with live view for the Command Center.
    resident = UserFactory(email="siti@contoh.id", full_name="Siti Rahmawati")
    resident.set_password("Kamera-Aman-2026")
    resident.save()
    page = new_page(browser, live_server, phone=True)
    sign_in(page, url, "siti@contoh.id", "Kamera-Aman-2026", totp=False)
    page.goto(url + "/saya/gabung/")
    page.get_by_label("Mataraksa").check()
    page.get_by_role("button", name="Mulai").click()
    page.get_by_label("Alamat lengkap").fill("Jl. Melati No. 7, Cikupa")
    page.get_by_label("Lintang").fill(str(SITE[0]))
    page.get_by_label("Bujur").fill(str(SITE[1]))
    page.get_by_role("button", name="Simpan dan lanjut").click()
    page.get_by_label("Merek").select_option("hikvision")
    page.get_by_label("Alamat host").fill("127.0.0.1")
    page.get_by_label("Port ONVIF").fill(str(device.port))
    page.get_by_label("Port RTSP").fill(str(hd_rtsp_server.port))
    page.get_by_label("Nama pengguna").fill(USERNAME)
    page.get_by_label("Kata sandi perekam").fill(PASSWORD)
    page.get_by_role("button", name="Simpan dan lanjut").click()
    page.get_by_role("button", name="Uji sekarang").click()
    expect(page.locator("#check-result")).not_to_contain_text("sedang berjalan", timeout=90_000)
    page.get_by_role("button", name="Lanjut ke kamera").click()
    page.locator("input[name='cam-0-direction']").fill("90")
    page.locator("input[name='cam-0-name']").fill("Depan rumah")
    page.get_by_role("button", name="Simpan dan lanjut").click()
    page.get_by_role("link", name="Baca dan tanda tangani persetujuan").click()
    page.get_by_label("(d) Siaran langsung 24 jam ke Command Center").check()
    page.get_by_label("Nama lengkap").fill("Siti Rahmawati")
    page.get_by_label("Saya telah membaca syarat").check()
    page.get_by_role("button", name="Tanda tangani").click()
    page.get_by_role("link", name="Lanjutkan pendaftaran").click()
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_role("button", name="Kirim ke polisi").click()
    expect(page.locator(".messages")).to_contain_text("dikirim ke antrean verifikasi")
    page.context.close()

    # 2. The check passed during the wizard: the enrolment is "checked" already.
    enrolment = Enrolment.objects.get()
    assert enrolment.state == EnrolmentState.CHECKED

    # 3. The Bhabinkamtibmas verifies it on a phone, with a field visit.
    bhabin = new_page(browser, live_server, phone=True)
    sign_in(bhabin, url, "bhabin@polri.example", "Polisi-Demo-2026")
    expect(bhabin).to_have_url(url + "/polisi/")  # officers land in their workspace
    bhabin.get_by_role("link", name="Antrean").first.click()
    shot(bhabin, "police-1-queue")
    bhabin.get_by_role("link", name="Depan rumah").click()
    bhabin.get_by_role("link", name="Verifikasi dengan kunjungan lapangan").click()
    bhabin.get_by_label("Bertemu dengan").fill("Ibu Siti, pemilik rumah")
    bhabin.locator("input[name='sees_public_space'][value='1']").check()
    bhabin.locator("input[name='angle_ok'][value='1']").check()
    bhabin.get_by_label("Saran kepada pemilik").fill(
        "Sudut sudah baik, bersihkan lensa tiap bulan."
    )
    expect(bhabin.locator(".location-status")).to_contain_text("Lokasi tercatat")
    shot(bhabin, "police-2-field-visit")
    bhabin.get_by_role("button", name="Simpan kunjungan").click()
    expect(bhabin.locator(".messages")).to_contain_text("Kamera terverifikasi")
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.VERIFIED

    # 4. The Command Center operator connects it.
    operator = new_page(browser, live_server, phone=False)
    sign_in(operator, url, "operator@polri.example", "Polisi-Demo-2026")
    operator.goto(url + "/polisi/command-center/")
    expect(operator.locator("main")).to_contain_text("Depan rumah")
    shot(operator, "police-3-command-center")
    operator.get_by_role("button", name="Tandai terhubung ke Command Center").click()
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.CONNECTED

    # 5. Stickers are printed (the Bhabinkamtibmas here; any officer of the area may).
    bhabin.goto(url + "/polisi/stiker/")
    bhabin.get_by_role("button", name="Buat stiker").click()
    expect(bhabin.locator(".messages")).to_contain_text("stiker siap dicetak")
    shot(bhabin, "police-4-stickers")
    sticker = Sticker.objects.get()
    with bhabin.expect_download() as download:
        bhabin.locator("main a[href$='.pdf']").first.click()
    assert download.value.suggested_filename.endswith(".pdf")

    # 6. At the house, the QR code opens the sticker page: mark it placed here.
    bhabin.goto(f"{url}/s/{sticker.token}/")
    expect(bhabin.locator("main")).to_contain_text("Mataraksa")
    expect(bhabin.locator(".location-status")).to_contain_text("Lokasi tercatat")
    shot(bhabin, "police-5-sticker-page")
    bhabin.get_by_role("button", name="Tandai stiker terpasang di sini").click()
    expect(bhabin.locator(".messages")).to_contain_text("Kamera kini berstiker")
    enrolment.refresh_from_db()
    sticker.refresh_from_db()
    assert enrolment.state == EnrolmentState.STICKERED
    assert sticker.placed_distance_m is not None and sticker.placed_distance_m < 50

    # 7. The Polres dashboard shows the camera as stickered.
    chief = new_page(browser, live_server, phone=False)
    sign_in(chief, url, "polres@polri.example", "Polisi-Demo-2026")
    expect(chief.locator("main h1")).to_contain_text("Mataraksa")
    expect(chief.get_by_test_id("counted")).to_contain_text("1 / 1.000")
    expect(chief.locator(".funnel li[data-state='stickered'] .num")).to_have_text("1")
    expect(chief.get_by_test_id("breakdown")).to_contain_text("Polsek Cikupa")
    expect(chief.get_by_test_id("queue-age")).to_be_visible()
    shot(chief, "police-6-dashboard")
    # The breakdown opens the Polsek: its villages, those without cameras too.
    chief.get_by_test_id("breakdown").get_by_role("link", name="Polsek Cikupa").click()
    expect(chief.get_by_test_id("breakdown")).to_contain_text(world["village"].name)
    shot(chief, "police-7-dashboard-polsek")
    # The map: the camera's exact point and field of view, from our own Leaflet.
    chief.goto(url + "/polisi/peta/?program=mataraksa")
    expect(chief.locator("#map")).to_have_attribute("data-count", "1")
    shot(chief, "police-8-map")
    # The list and its export (written to the owner's access log).
    chief.goto(url + "/polisi/kamera/?state=stickered")
    expect(chief.locator("main table")).to_contain_text(world["village"].name)
    with chief.expect_download() as download:
        chief.get_by_test_id("export-csv").click()
    assert download.value.suggested_filename.endswith(".csv")
    shot(chief, "police-9-camera-list")
    # The same dashboard on the Bhabinkamtibmas' phone: their village only.
    bhabin.goto(url + "/polisi/")
    expect(bhabin.get_by_test_id("breakdown")).to_contain_text(world["village"].name)
    shot(bhabin, "police-10-dashboard-phone")
    for p in (bhabin, operator, chief):
        p.context.close()
