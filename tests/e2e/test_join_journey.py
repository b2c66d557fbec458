"""A Tangerang resident on a phone joins Mataraksa in one sitting.

Sign up, register the house, the recorder (a fake ONVIF device and the real
gst-rtsp-server on loopback), run the connectivity check, describe two cameras,
sign consent and submit. A screenshot of each step goes to docs/user-guide/img/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from connectivity.models import Check
from consent.selectors import current_terms
from consent.services import terms_draft_create, terms_publish
from owners.models import Camera, EnrolmentState, Recorder
from tests.connectivity.conftest import (  # noqa: F401  (fixtures)
    PASSWORD,
    USERNAME,
    _probe_pool_stops_at_the_end,
    hd_rtsp_server,
    make_device,
    onvif_host,
)
from tests.factories import ProgramFactory, region_tree
from tests.fakes.onvif_device import FakeProfile

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def mataraksa():
    village = region_tree("36.03", "18", "2001")
    program = ProgramFactory(slug="mataraksa", name="Mataraksa", target=1000)
    program.area.set([village.parent.parent])
    if current_terms() is None:
        terms_publish(terms=terms_draft_create())
    return program


def test_a_resident_joins_from_sign_up_to_submitted_cameras(
    live_server,
    phone,
    shot,
    mailoutbox,
    mataraksa,
    make_device,  # noqa: F811
    hd_rtsp_server,  # noqa: F811
):
    device = make_device(profiles=[FakeProfile(path="/Streaming/Channels/101", height=720)])
    page = phone

    # Sign up with an email address.
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Nama lengkap").fill("Siti Rahmawati")
    page.get_by_label("Email (opsional)").fill("siti@contoh.id")
    page.get_by_label(re.compile(r"^Kata sandi\W*$")).fill("Kamera-Aman-2026")
    page.get_by_label("Kata sandi (lagi)").fill("Kamera-Aman-2026")
    shot(page, "join-0-signup")
    page.get_by_role("button", name="Daftar").click()
    assert User.objects.filter(email="siti@contoh.id").exists()

    # Sign-up by email waits for the address to be verified: open the emailed link.
    expect(page.locator("h1")).to_contain_text("Verifikasi Alamat E-mail")
    (message,) = mailoutbox
    link = next(word for word in message.body.split() if "/accounts/confirm-email/" in word)
    page.goto(link)
    page.get_by_role("button", name="Konfirmasi").click()

    # Choose the program.
    page.goto(live_server.url + "/saya/gabung/")
    page.get_by_label("Mataraksa").check()
    shot(page, "join-1-program")
    page.get_by_role("button", name="Mulai").click()

    # Site: owner, address and the pin.
    expect(page.locator("h1")).to_contain_text("Lokasi kamera")
    page.get_by_label("Alamat lengkap").fill("Jl. Melati No. 7, RT 02/RW 05, Cikupa")
    page.get_by_label("Lintang").fill("-6.170000")
    page.get_by_label("Bujur").fill("106.630000")
    shot(page, "join-2-site")
    page.get_by_role("button", name="Simpan dan lanjut").click()

    # Recorder: the brand fills its ports; then our loopback test peers.
    expect(page.locator("h1")).to_contain_text("Perekam")
    page.get_by_label("Merek").select_option("hikvision")
    page.get_by_label("Alamat host").fill("127.0.0.1")
    page.get_by_label("Port ONVIF").fill(str(device.port))
    page.get_by_label("Port RTSP").fill(str(hd_rtsp_server.port))
    page.get_by_label("Nama pengguna").fill(USERNAME)
    page.get_by_label("Kata sandi perekam").fill(PASSWORD)
    shot(page, "join-3-recorder")
    page.get_by_role("button", name="Simpan dan lanjut").click()

    # Check: run it and read the explanation.
    expect(page.locator("h1")).to_contain_text("Uji koneksi")
    page.get_by_role("button", name="Uji sekarang").click()
    expect(page.locator("#check-result")).not_to_contain_text("sedang berjalan", timeout=30_000)
    check = Check.objects.get()
    assert check.result_code in ("ok", "ok_with_warnings"), check.result_code
    shot(page, "join-4-check")
    page.get_by_role("button", name="Lanjut ke kamera").click()

    # Cameras: two channels, directions typed (dragging on the map does the same).
    expect(page.locator("h1")).to_contain_text("Kamera")
    page.locator("input[name='cam-0-direction']").fill("90")
    page.locator("input[name='cam-0-name']").fill("Depan rumah")
    page.locator("input[name='cam-1-channel']").fill("2")  # the spare row adds a camera
    page.locator("input[name='cam-1-direction']").fill("200")
    page.locator("input[name='cam-1-name']").fill("Gang samping")
    shot(page, "join-5-cameras")
    page.get_by_role("button", name="Simpan dan lanjut").click()

    # Consent: read, sign, come back.
    expect(page.locator("h1")).to_contain_text("Persetujuan")
    shot(page, "join-6-consent")
    page.get_by_role("link", name="Baca dan tanda tangani persetujuan").click()
    page.get_by_label("Nama lengkap").fill("Siti Rahmawati")
    page.get_by_label("Saya telah membaca syarat").check()
    page.get_by_role("button", name="Tanda tangani").click()
    page.get_by_role("link", name="Lanjutkan pendaftaran").click()
    page.get_by_role("button", name="Lanjut").click()

    # Review and submit.
    expect(page.locator("h1")).to_contain_text("Tinjau dan kirim")
    shot(page, "join-7-review")
    page.get_by_role("button", name="Kirim ke polisi").click()
    expect(page.locator(".messages")).to_contain_text("dikirim ke antrean verifikasi")
    shot(page, "join-8-dashboard")

    recorder = Recorder.objects.get()
    assert recorder.manufacturer == "HIKVISION"
    cameras = Camera.objects.filter(recorder=recorder).order_by("channel")
    assert [(c.name, c.direction) for c in cameras] == [("Depan rumah", 90), ("Gang samping", 200)]
    # The check passed minutes ago: the submitted cameras are "checked" at once.
    assert {c.enrolments.get().state for c in cameras} == {EnrolmentState.CHECKED}
