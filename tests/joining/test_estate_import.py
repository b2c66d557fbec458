"""Estate import: all or nothing, re-imports update, jobs with deadlines, the command."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from io import StringIO

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from joining import estate_import
from joining.models import ImportJob, ImportStatus
from owners.models import Camera, Enrolment, EnrolmentState, Recorder, Site
from portal import inflight
from tests.factories import OwnerFactory, UserFactory
from tests.joining.estate_helpers import csv_bytes, estate_program, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate(db):
    manager = UserFactory(email="pengelola@example.id")
    owner = OwnerFactory(kind="estate", name="Perumahan Griya Curug", member=manager)
    return owner, manager, estate_program()


def run(estate, data, **kwargs):
    owner, manager, program = estate
    return estate_import.import_run(
        owner=owner, program=program, data=data, actor=manager, **kwargs
    )


def test_it_creates_sites_recorders_cameras_and_draft_enrolments_under_the_existing_owner(estate):
    owner, _manager, program = estate
    result = run(estate, csv_bytes([row(n) for n in range(8)]))
    assert result.as_json() == {
        "created": 8,
        "updated": 0,
        "unchanged": 0,
        "sites": {"created": 2, "updated": 0, "unchanged": 0},
        "recorders": {"created": 2, "updated": 0, "unchanged": 0},
        "errors": [],
    }
    assert set(Site.objects.values_list("owner_id", flat=True)) == {owner.pk}
    assert Enrolment.objects.filter(program=program, state=EnrolmentState.DRAFT).count() == 8
    site = Site.objects.get(ref="Blok A0 No. 0")
    assert (site.contact_name, site.contact_phone) == ("Pak RT", "+6281234567890")


def test_passwords_are_encrypted_at_rest(estate):
    run(estate, csv_bytes([row(0)]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM owners_recorder")
        (stored,) = cursor.fetchone()
    assert stored.startswith("fernet:") and "rahasia" not in stored
    assert Recorder.objects.get().password == "rahasia-sekali"


def test_a_second_import_of_the_same_file_changes_nothing(estate):
    data = csv_bytes([row(n) for n in range(8)])
    run(estate, data)
    result = run(estate, data)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 8)
    assert result.sites == {"created": 0, "updated": 0, "unchanged": 2}
    assert Camera.objects.count() == 8 and Site.objects.count() == 2


def test_a_corrected_file_updates_only_what_changed_and_sends_a_reviewed_camera_back(estate):
    rows = [row(n) for n in range(4)]
    run(estate, csv_bytes(rows))
    enrolment = Enrolment.objects.get(camera__channel=2)
    Enrolment.objects.filter(pk=enrolment.pk).update(state=EnrolmentState.VERIFIED)
    rows[1] = row(1, arah="180")
    result = run(estate, csv_bytes(rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.SUBMITTED
    assert enrolment.transitions.get().reason.startswith("perubahan oleh impor")


def test_an_empty_optional_cell_keeps_what_is_stored(estate):
    run(estate, csv_bytes([row(0, arah="45")]))
    result = run(estate, csv_bytes([row(0, arah="", sandi="")]))
    assert result.unchanged == 1
    assert Camera.objects.get().direction == 45
    assert Recorder.objects.get().password == "rahasia-sekali"


def test_invalid_rows_write_nothing_unless_skip_invalid(estate):
    data = csv_bytes([row(0), row(1, arah="400"), row(2)])
    result = run(estate, data)
    assert result.exit_code == 1 and not result.written
    assert Camera.objects.count() == 0
    result = run(estate, data, skip_invalid=True)
    assert result.written and result.created == 2 and result.errors[0]["row"] == 3


def test_a_dry_run_counts_but_writes_nothing(estate):
    result = run(estate, csv_bytes([row(0)]), dry_run=True)
    assert result.created == 1 and Camera.objects.count() == 0


def call(*args):
    out = StringIO()
    try:
        call_command("import_cameras", *args, "--json", stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, json.loads(out.getvalue())


def test_the_command_imports_by_the_admins_email_and_prints_json(estate, tmp_path):
    path = tmp_path / "kamera.csv"
    path.write_bytes(csv_bytes([row(0), row(1)]))
    code, body = call(str(path), "--owner", "pengelola@example.id", "--program", "mataraksa")
    assert code == 0 and body["created"] == 2 and body["errors"] == []
    code, body = call(str(path), "--owner", str(estate[0].pk), "--program", "mataraksa")
    assert code == 0 and body["unchanged"] == 2


def test_the_command_exits_1_on_row_errors_and_2_on_an_unusable_file(estate, tmp_path):
    bad = tmp_path / "salah.csv"
    bad.write_bytes(csv_bytes([row(0, no_hp="12"), row(1)]))
    code, body = call(str(bad), "--owner", "pengelola@example.id", "--program", "mataraksa")
    assert code == 1 and body["errors"][0]["row"] == 2 and Camera.objects.count() == 0
    garbage = tmp_path / "sampah.csv"
    garbage.write_bytes(bytes(range(256)) * 10)
    code, body = call(str(garbage), "--owner", "pengelola@example.id", "--program", "mataraksa")
    assert code == 2 and body["errors"][0]["row"] == 0


def test_the_command_dry_run_exits_0_and_writes_nothing(estate, tmp_path):
    path = tmp_path / "kamera.csv"
    path.write_bytes(csv_bytes([row(0)]))
    code, body = call(
        str(path), "--owner", "pengelola@example.id", "--program", "mataraksa", "--dry-run"
    )
    assert code == 0 and body["created"] == 1 and Camera.objects.count() == 0


def test_a_job_goes_from_upload_to_preview_to_applied(estate):
    owner, manager, program = estate
    job = estate_import.import_job_create(
        owner=owner, program=program, user=manager, filename="a.csv", data=csv_bytes([row(0)])
    )
    job = estate_import.import_job_preview(job_id=job.pk)
    assert job.status == ImportStatus.PREVIEW and job.summary["created"] == 1
    assert Camera.objects.count() == 0
    estate_import.import_job_confirm(job=job, skip_invalid=False)
    job = estate_import.import_job_apply(job_id=job.pk)
    assert job.status == ImportStatus.APPLIED and job.payload == ""
    assert Camera.objects.count() == 1
    # A re-run of the same job finds its result and writes nothing twice.
    assert estate_import.import_job_apply(job_id=job.pk).status == ImportStatus.APPLIED
    assert Camera.objects.count() == 1


def test_a_job_whose_worker_died_is_reaped_as_failed_and_can_run_again(
    estate, django_capture_on_commit_callbacks
):
    owner, manager, program = estate
    job = ImportJob.objects.create(
        owner=owner,
        program=program,
        user=manager,
        filename="a.csv",
        file_sha256="x",
        payload=estate_import.payload_encrypt(csv_bytes([row(0)])),
        status=ImportStatus.APPLYING,
        deadline=timezone.now() - dt.timedelta(seconds=1),
    )
    assert estate_import.import_jobs_reap() == 1
    job.refresh_from_db()
    assert (job.status, job.message) == (ImportStatus.FAILED, "Impor terputus; jalankan lagi.")
    with django_capture_on_commit_callbacks(execute=True):
        job = estate_import.import_job_retry(job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW  # the immediate engine ran the preview


def test_the_lost_work_reaper_reaps_import_jobs(estate):
    owner, _manager, program = estate
    assert "joining.import" in [kind.name for kind in inflight.kinds()]
    ImportJob.objects.create(
        owner=owner,
        program=program,
        filename="a.csv",
        file_sha256="x",
        status=ImportStatus.PARSING,
        deadline=timezone.now() - dt.timedelta(seconds=1),
    )
    reports = {r.name: r for r in inflight.reap_all()}
    assert reports["joining.import"].lost == 1
    assert ImportJob.objects.get().status == ImportStatus.FAILED


def test_a_job_recorded_while_the_broker_was_down_is_handed_over_by_the_sweep(estate):
    """The upload or confirmation stands without a task id; the reaper's sweep sends it
    once the broker answers (the real broker outage: tests/portal/test_faults.py)."""
    owner, manager, program = estate
    budget = dt.timedelta(seconds=settings.ESTATE_IMPORT_DEADLINE_SECONDS)

    def unsent(status: str, queued_ago: dt.timedelta, payload: bytes) -> ImportJob:
        return ImportJob.objects.create(
            owner=owner,
            program=program,
            user=manager,
            filename="a.csv",
            file_sha256="x",
            payload=estate_import.payload_encrypt(payload),
            status=status,
            deadline=timezone.now() - queued_ago + budget,
        )

    upload = unsent(ImportStatus.QUEUED, dt.timedelta(minutes=1), csv_bytes([row(0)]))
    confirmed = unsent(ImportStatus.APPLYING, dt.timedelta(minutes=1), csv_bytes([row(4)]))
    young = unsent(ImportStatus.QUEUED, dt.timedelta(seconds=1), csv_bytes([row(8)]))

    reports = {r.name: r for r in inflight.reap_all()}

    assert reports["joining.import"].swept == 2
    upload.refresh_from_db()
    confirmed.refresh_from_db()
    young.refresh_from_db()
    assert upload.status == ImportStatus.PREVIEW  # the immediate engine ran each step
    assert confirmed.status == ImportStatus.APPLIED
    assert Camera.objects.filter(recorder__site__owner=owner).count() == 1
    # still in the hands of the request that is sending it
    assert (young.status, young.task_id) == (ImportStatus.QUEUED, "")
    assert {r.name: r for r in inflight.reap_all()}["joining.import"].swept == 0


def test_a_step_handed_over_twice_runs_once(estate, django_capture_on_commit_callbacks):
    owner, manager, program = estate
    with django_capture_on_commit_callbacks(execute=True):
        job = estate_import.import_job_create(
            owner=owner, program=program, user=manager, filename="a.csv", data=csv_bytes([row(0)])
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW
    with django_capture_on_commit_callbacks(execute=True):
        estate_import.import_job_confirm(job=job, skip_invalid=False)
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED

    # a second delivery of the write (the sweep raced the request) changes nothing
    estate_import.import_apply.enqueue(job.pk)
    estate_import.import_preview.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED
    assert Camera.objects.filter(recorder__site__owner=owner).count() == 1


def test_the_error_report_has_the_rows_an_error_column_no_passwords_and_no_formulas(
    estate, django_capture_on_commit_callbacks
):
    owner, manager, program = estate
    data = csv_bytes([row(0, nama_kamera="=HYPERLINK(1)"), row(1, arah="400")])
    with django_capture_on_commit_callbacks(execute=True):
        job = estate_import.import_job_create(
            owner=owner, program=program, user=manager, filename="a.csv", data=data
        )
    job.refresh_from_db()
    report = openpyxl.load_workbook(io.BytesIO(estate_import.error_report_xlsx(job)))
    cells = [list(r) for r in report.active.iter_rows(values_only=True)]
    assert cells[0][0] == "baris" and cells[0][-1] == "kesalahan"
    assert "arah" in cells[2][-1]
    flat = [str(v) for r in cells for v in r if v is not None]
    assert "rahasia-sekali" not in flat
    assert "'=HYPERLINK(1)" in flat


@pytest.mark.django_db(transaction=True)
def test_two_imports_for_one_owner_at_once_apply_one_and_tell_the_other_to_retry(estate):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    owner, _manager, program = estate
    data = csv_bytes([row(n) for n in range(8)])
    hold, go = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def first() -> None:
        def wait(_result):
            hold.set()
            go.wait(10)

        estate_import.import_run(owner=owner, program=program, data=data, in_transaction=wait)
        outcomes.append("applied")
        connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    hold.wait(10)
    with pytest.raises(estate_import.ImportBusy):
        estate_import.import_run(owner=owner, program=program, data=data)
    go.set()
    thread.join()
    assert outcomes == ["applied"] and Camera.objects.count() == 8
