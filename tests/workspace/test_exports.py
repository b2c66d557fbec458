"""Officer lists and their CSV/XLSX exports: same filters, formula-safe cells, access log."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from consent.models import AccessLogEntry
from owners.models import EnrolmentState as S
from owners.models import Owner
from police.models import OfficerRole, PoliceUnit, UnitLevel
from tests.conftest import give_totp
from tests.factories import (
    CameraFactory,
    EnrolmentFactory,
    OfficerFactory,
    OwnerFactory,
    RecorderFactory,
    SiteFactory,
    grant_consent,
    region_tree,
)
from tests.workspace.conftest import Pipeline
from workspace.exports import safe_cell

pytestmark = pytest.mark.django_db


def listed_camera(village, program, *, owner_name="Pak Budi", consent="a", state=S.SUBMITTED):
    owner = OwnerFactory(name=owner_name)
    camera = CameraFactory(recorder=RecorderFactory(site=SiteFactory(owner=owner, village=village)))
    EnrolmentFactory(camera=camera, program=program, state=state)
    if consent:
        grant_consent(camera, scopes=consent)
    return camera


def csv_rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+62 812", "'+62 812"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Jl. Melati", "Jl. Melati"),
        (-6.2, -6.2),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_made_harmless(value, expected):
    assert safe_cell(value) == expected


def test_the_csv_has_the_officers_list_with_the_same_filters(client, pipeline: Pipeline):
    program = pipeline.enrolment.program
    evil = listed_camera(pipeline.village, program, owner_name="=cmd|' /C calc'!A0")
    listed_camera(pipeline.village, program, consent="")  # no registry consent: never exported
    listed_camera(region_tree("31.73", "01", "1001"), program)  # another jurisdiction
    client.force_login(pipeline.polsek.user)
    response = client.get(reverse("police:cameras-export-csv"), {"program": program.slug})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert {int(r["kamera"]) for r in rows} == {pipeline.camera.pk, evil.pk}
    assert "'=cmd|' /C calc'!A0" in {r["pemilik"] for r in rows}
    page = client.get(reverse("police:cameras"), {"program": program.slug})
    assert {e.camera_id for e in page.context["enrolments"]} == {pipeline.camera.pk, evil.pk}
    filtered = csv_rows(client.get(reverse("police:cameras-export-csv"), {"state": S.VERIFIED}))
    assert filtered == []


def test_an_export_is_logged_once_for_every_owner_in_it(client, pipeline: Pipeline):
    program = pipeline.enrolment.program
    second = listed_camera(pipeline.village, program, owner_name="Bu Ani")
    third = CameraFactory(recorder=second.recorder, channel=second.channel % 200 + 1)
    EnrolmentFactory(camera=third, program=program, state=S.SUBMITTED)
    grant_consent(third, scopes="a")
    listed_camera(pipeline.village, program, owner_name="Tanpa izin", consent="")
    client.force_login(pipeline.polres.user)
    before = set(AccessLogEntry.objects.values_list("pk", flat=True))
    response = client.get(reverse("police:cameras-export-xlsx"))
    body = b"".join(response.streaming_content)
    entries = AccessLogEntry.objects.exclude(pk__in=before)
    assert entries.count() == 2
    owners = {pipeline.owner.pk: 1, second.recorder.site.owner_id: 2}
    for entry in entries:
        assert entry.action == "export"
        assert entry.officer == pipeline.polres
        (owner_id,) = entry.owners.values_list("pk", flat=True)
        assert f"XLSX daftar kamera: {owners.pop(owner_id)} kamera Anda" in entry.purpose
    assert owners == {}
    for owner in Owner.objects.filter(pk__in=[pipeline.owner.pk, second.recorder.site.owner_id]):
        assert owner.access_log.filter(action="export").count() == 1
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "pendaftaran"
    assert len(rows) == 4


def test_the_owner_sees_the_export_in_their_access_log(client, pipeline: Pipeline):
    other = listed_camera(pipeline.village, pipeline.enrolment.program, owner_name="Bu Ani")
    client.force_login(pipeline.polres.user)
    b"".join(client.get(reverse("police:cameras-export-csv")).streaming_content)
    client.force_login(pipeline.owner.memberships.get().user)
    page = client.get(reverse("consent:access-log", args=[pipeline.owner.pk])).content.decode()
    assert "Ekspor</td>" in page
    assert "CSV daftar kamera: 1 kamera Anda" in page
    assert page.count("Ekspor</td>") == 1
    data = client.get(reverse("consent:my-data", args=[pipeline.owner.pk]))
    assert data.context["data"]["police_access_log"][0]["action"] == "Ekspor"
    assert other.recorder.site.owner.name not in page


def test_a_bad_filter_is_reported_and_nothing_is_exported(client, pipeline: Pipeline):
    client.force_login(pipeline.polres.user)
    before = AccessLogEntry.objects.count()
    response = client.get(reverse("police:cameras-export-csv"), {"state": "garbage"})
    assert response.status_code == 302
    assert AccessLogEntry.objects.count() == before
    page = client.get(reverse("police:cameras"), {"program": "nope", "village": "x"})
    assert page.status_code == 400
    assert "Program tidak dikenal." in page.content.decode()


def test_another_jurisdiction_exports_nothing_of_ours(client, pipeline: Pipeline):
    far = region_tree("31.73", "01", "1001")
    unit = PoliceUnit.objects.create(name="Polres Lain", slug="polres-lain", level=UnitLevel.POLRES)
    unit.regions.set([far.parent.parent])
    officer = OfficerFactory(unit=unit, role=OfficerRole.COMMANDER)
    give_totp(officer.user)
    client.force_login(officer.user)
    assert csv_rows(client.get(reverse("police:cameras-export-csv"))) == []
