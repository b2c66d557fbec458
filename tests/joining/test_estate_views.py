"""The estate manager's pages: upload, preview with errors, confirm, sign once, submit."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from connectivity.models import Check, CheckStatus
from consent.models import ConsentRecord, SignerCapacity
from consent.selectors import current_terms
from consent.services import terms_draft_create, terms_publish
from joining.estate_import import import_run
from joining.models import ImportJob, ImportStatus
from owners.models import Camera, Enrolment, EnrolmentState
from tests.factories import OwnerFactory, UserFactory
from tests.joining.estate_helpers import csv_bytes, estate_program, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate(client):
    manager = UserFactory()
    owner = OwnerFactory(kind="estate", name="Perumahan Griya Curug", member=manager)
    owner.is_organisation = True
    owner.save()
    program = estate_program()
    client.force_login(manager)
    return owner, manager, program


def upload(client, estate, data, capture):
    owner, _manager, program = estate
    with capture(execute=True):
        response = client.post(
            reverse("estate:start"),
            {
                "owner": owner.pk,
                "program": program.slug,
                "file": SimpleUploadedFile("kamera.csv", data, content_type="text/csv"),
            },
        )
    assert response.status_code == 302
    return ImportJob.objects.latest("pk")


def test_the_preview_lists_row_errors_and_nothing_is_written(
    client, estate, django_capture_on_commit_callbacks
):
    data = csv_bytes([row(0), row(1, arah="400"), row(2, no_hp="12")])
    job = upload(client, estate, data, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.PREVIEW
    page = client.get(reverse("estate:job", args=[job.pk])).content.decode()
    assert "arah harus bilangan bulat 0 sampai 359" in page and "rahasia-sekali" not in page
    response = client.post(reverse("estate:job-confirm", args=[job.pk]))
    assert response.status_code == 302 and Camera.objects.count() == 0
    report = client.get(reverse("estate:job-errors", args=[job.pk]))
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")


def test_confirm_sign_once_check_and_submit(client, estate, django_capture_on_commit_callbacks):
    owner, _manager, _program = estate
    job = upload(
        client, estate, csv_bytes([row(n) for n in range(8)]), django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("estate:job-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED and Camera.objects.count() == 8

    terms = current_terms() or terms_publish(terms=terms_draft_create())
    cameras = list(Camera.objects.values_list("pk", flat=True))
    response = client.post(
        reverse("consent:sign", args=[owner.pk]),
        {
            "terms": terms.pk,
            "cameras": cameras,
            "scopes": ["a"],
            "capacity": SignerCapacity.REPRESENTATIVE,
            "authority_statement": "Pengelola perumahan, kuasa dari para pemilik rumah.",
            "signer_name": "Hendra Wijaya",
            "confirmed": "on",
        },
    )
    assert response.status_code == 302
    record = ConsentRecord.objects.get(owner=owner)
    assert record.cameras.count() == 8  # one signature, every camera

    # The checks: one passed, one still running; both recorders' cameras go to the police.
    recorders = list({c.recorder for c in Camera.objects.select_related("recorder")})
    Check.objects.create(recorder=recorders[0], status=CheckStatus.FINISHED, result_code="ok")
    Check.objects.create(recorder=recorders[1], status=CheckStatus.QUEUED)
    response = client.post(
        reverse("estate:dashboard-action", args=[owner.pk]), {"action": "submit"}
    )
    assert response.status_code == 302
    states = sorted(Enrolment.objects.values_list("state", flat=True))
    assert states == [EnrolmentState.CHECKED] * 4 + [EnrolmentState.SUBMITTED] * 4
    page = client.get(reverse("estate:dashboard", args=[owner.pk]) + "?check=ok")
    assert page.content.decode().count('name="camera"') == 4


def test_check_all_queues_one_check_per_recorder_once(
    client, estate, django_capture_on_commit_callbacks, settings
):
    owner, _manager, program = estate

    import_run(owner=owner, program=program, data=csv_bytes([row(n) for n in range(12)]))
    settings.TASK_ENGINE = "immediate"
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("estate:dashboard-action", args=[owner.pk]), {"action": "check_all"})
        client.post(reverse("estate:dashboard-action", args=[owner.pk]), {"action": "check_all"})
    assert Check.objects.count() == 3


def test_another_admins_owner_is_not_reachable(client, estate):
    other = OwnerFactory(member=UserFactory())
    assert client.get(reverse("estate:dashboard", args=[other.pk])).status_code == 404
