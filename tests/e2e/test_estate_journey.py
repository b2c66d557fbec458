"""An estate manager registers 200 cameras from one file, signs once, checks them all.

Upload a 200-row file with 3 bad rows, read the errors, download the error report,
upload the corrected file, save it, sign consent once as the estate's representative,
check every recorder (a fake ONVIF device and the real gst-rtsp-server on loopback)
and submit. Screenshots go to docs/user-guide/img/estate-*.png.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from playwright.sync_api import expect

from consent.models import ConsentRecord
from consent.selectors import current_terms
from consent.services import terms_draft_create, terms_publish
from owners.models import Camera, Enrolment, EnrolmentState, Recorder, Site
from tests.connectivity.conftest import (  # noqa: F401  (fixtures)
    PASSWORD,
    USERNAME,
    _probe_pool_stops_at_the_end,
    hd_rtsp_server,
    make_device,
    onvif_host,
)
from tests.e2e.conftest import only_live_server
from tests.e2e.test_consent_journey import sign_in
from tests.factories import OwnerFactory, ProgramFactory, UserFactory, region_tree
from tests.fakes.onvif_device import FakeProfile
from tests.joining.estate_helpers import HEADERS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SITES, CHANNELS = 25, 8


def estate_file(onvif_port: int, rtsp_port: int, bad: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADERS)
    for n in range(SITES * CHANNELS):
        site, channel = divmod(n, CHANNELS)
        row = {
            "kode_lokasi": f"Blok C{site // 5} No. {site % 5 + 1}",
            "alamat": f"Jl. Anggrek Blok C{site // 5} No. {site % 5 + 1}",
            "lintang": f"{Decimal('-6.1700') + Decimal(site) / 2000}".replace(".", ","),
            "bujur": f"{Decimal('106.6300') + Decimal(site) / 2000}".replace(".", ","),
            "merek": "hikvision",
            "host": "127.0.0.1",
            "port_rtsp": str(rtsp_port),
            "port_onvif": str(onvif_port),
            "pengguna": USERNAME,
            "sandi": PASSWORD,
            "kanal": str(channel + 1),
            "nama_kamera": f"Kamera {channel + 1}",
            "arah": ["U", "TL", "T", "TG", "S", "BD", "B", "BL"][channel],
            "sudut": "90",
            "melihat_jalan": "ya",
            "nama_kontak": f"Warga C{site}",
            "no_hp": f"0812-5555-{site:04d}",
        }
        if bad and n == 10:
            row["arah"] = "400"
        if bad and n == 50:
            row["no_hp"] = "12"
        if bad and n == 120:
            row["lintang"] = "-7,5"
        writer.writerow([row.get(h, "") for h in HEADERS])
    return out.getvalue().encode("utf-8")


@pytest.fixture
def estate():
    village = region_tree("36.03", "18", "2001")
    program = ProgramFactory(slug="mataraksa", name="Mataraksa", target=1000)
    program.area.set([village.parent.parent])
    if current_terms() is None:
        terms_publish(terms=terms_draft_create())
    manager = UserFactory(full_name="Hendra Wijaya")
    owner = OwnerFactory(kind="estate", name="Perumahan Griya Curug", member=manager)
    owner.is_organisation = True
    owner.save()
    return owner, manager, program


def test_an_estate_manager_imports_signs_once_checks_all_and_submits(
    browser,
    live_server,
    shot,
    estate,
    make_device,  # noqa: F811
    hd_rtsp_server,  # noqa: F811
):
    owner, manager, _program = estate
    device = make_device(profiles=[FakeProfile(path="/Streaming/Channels/101", height=720)])
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="id-ID")
    context.set_default_timeout(60_000)
    # "Check all" runs 25 probes inside the request with the immediate test engine.
    context.set_default_navigation_timeout(300_000)
    only_live_server(context, live_server.url)
    page = context.new_page()
    sign_in(page, live_server, manager)

    # Upload the file with three bad rows.
    page.goto(live_server.url + "/saya/perumahan/")
    expect(page.locator("h1")).to_contain_text("Daftarkan banyak kamera")
    page.get_by_label("Program").select_option("mataraksa")
    page.get_by_label("Berkas CSV atau XLSX").set_input_files(
        {
            "name": "kamera-griya.csv",
            "mimeType": "text/csv",
            "buffer": estate_file(device.port, hd_rtsp_server.port, bad=True),
        }
    )
    shot(page, "estate-1-upload")
    page.get_by_role("button", name="Unggah dan periksa").click()

    # The preview: counts, the three errors with their rows, nothing written yet.
    expect(page.locator("#errors-title")).to_contain_text("3 kesalahan")
    errors = page.locator("#error-table tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.nth(0)).to_contain_text("12")  # row 12: data row 11 under the header
    assert Camera.objects.count() == 0
    shot(page, "estate-2-preview-errors")

    # The error report: every row, an error column, no passwords.
    with page.expect_download() as download_info:
        page.locator("#error-report").click()
    report = openpyxl.load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    rows = list(report.active.iter_rows(values_only=True))
    assert rows[0][-1] == "kesalahan" and len(rows) == 201
    assert PASSWORD not in {str(v) for r in rows for v in r}

    # Upload the corrected file; save it.
    page.goto(live_server.url + "/saya/perumahan/")
    page.get_by_label("Program").select_option("mataraksa")
    page.get_by_label("Berkas CSV atau XLSX").set_input_files(
        {
            "name": "kamera-griya-benar.csv",
            "mimeType": "text/csv",
            "buffer": estate_file(device.port, hd_rtsp_server.port, bad=False),
        }
    )
    page.get_by_role("button", name="Unggah dan periksa").click()
    expect(page.locator("#cameras-created")).to_have_text("200")
    expect(page.locator("#errors-title")).to_have_count(0)
    shot(page, "estate-3-preview")
    page.get_by_role("button", name="Simpan semua").click()
    expect(page.locator("#job-state")).to_have_text("Tersimpan.")
    assert Camera.objects.count() == 200 and Site.objects.filter(owner=owner).count() == 25
    assert Recorder.objects.filter(site__owner=owner).count() == 25

    # One signature, as the estate's representative, for all 200 cameras.
    page.get_by_role("link", name="Lanjut: tanda tangan, uji dan kirim").click()
    page.locator("#sign-all").click()
    page.get_by_label("Saya menandatangani sebagai").select_option("representative")
    page.get_by_label("Jabatan atau pernyataan kewenangan").fill(
        "Pengelola Perumahan Griya Curug, diberi kuasa oleh para pemilik rumah (rapat warga)."
    )
    page.get_by_label("Nama lengkap").fill("Hendra Wijaya")
    page.get_by_label("Saya telah membaca syarat").check()
    shot(page, "estate-4-sign")
    page.get_by_role("button", name="Tanda tangani").click()
    page.get_by_role("link", name="Lanjutkan pendaftaran").click()
    record = ConsentRecord.objects.get(owner=owner)
    assert record.cameras.count() == 200 and record.capacity == "representative"

    # Check every recorder, then submit.
    page.locator("#check-all").click(timeout=300_000)
    expect(page.locator("#checks-count")).to_contain_text(
        "25 dari 25 perekam selesai", timeout=180_000
    )
    expect(page.locator("#checks-failing")).to_have_count(0)
    page.get_by_label("Cari").fill("Blok C0 No. 1")
    page.get_by_role("button", name="Saring").click()
    expect(page.locator("#estate-cameras tbody tr")).to_have_count(8)
    shot(page, "estate-5-checks")
    page.locator("#submit-all").click()
    expect(page.locator(".messages")).to_contain_text("200 kamera dikirim")
    # The dashboard's filters: one block of houses.
    page.get_by_label("Cari").fill("Blok C0")
    page.get_by_role("button", name="Saring").click()
    expect(page.locator("#estate-cameras tbody tr")).to_have_count(40)
    shot(page, "estate-6-dashboard")
    states = set(
        Enrolment.objects.filter(camera__recorder__site__owner=owner).values_list(
            "state", flat=True
        )
    )
    assert states == {EnrolmentState.CHECKED}
    context.close()
