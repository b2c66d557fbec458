"""Every camera can travel from submitted to stickered, each move by the right role (issue 12)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from consent.models import AccessLogEntry
from consent.services import consent_withdraw
from owners.models import EnrolmentState as S
from owners.models import EnrolmentTransition
from owners.services import enrolment_transition, enrolments_apply_check
from tests.workspace.conftest import Pipeline
from workspace.models import FieldVisit, Sticker
from workspace.services import moves_for

pytestmark = pytest.mark.django_db


def move_to(enrolment, *states):
    for state in states:
        enrolment_transition(enrolment=enrolment, to_state=state, actor=None)


def test_a_passing_check_moves_submitted_to_checked_and_a_failing_one_moves_it_back(
    pipeline: Pipeline,
):
    recorder = pipeline.camera.recorder
    enrolments_apply_check(recorder=recorder, passed=True, reason="uji koneksi #1: lolos")
    pipeline.enrolment.refresh_from_db()
    assert pipeline.enrolment.state == S.CHECKED
    enrolments_apply_check(recorder=recorder, passed=False, reason="uji koneksi #2: port tertutup")
    pipeline.enrolment.refresh_from_db()
    assert pipeline.enrolment.state == S.SUBMITTED
    last = EnrolmentTransition.objects.filter(enrolment=pipeline.enrolment).last()
    assert last.actor is None and "port tertutup" in last.reason


def test_a_failed_check_does_not_undo_a_verified_camera(pipeline: Pipeline):
    move_to(pipeline.enrolment, S.CHECKED, S.VERIFIED)
    enrolments_apply_check(recorder=pipeline.camera.recorder, passed=False, reason="gagal")
    pipeline.enrolment.refresh_from_db()
    assert pipeline.enrolment.state == S.VERIFIED


@pytest.mark.parametrize(
    ("who", "state", "offered"),
    [
        ("bhabin", S.SUBMITTED, {S.REJECTED}),
        ("polsek", S.SUBMITTED, {S.CHECKED, S.REJECTED}),
        ("polres", S.SUBMITTED, {S.CHECKED, S.REJECTED}),
        ("operator", S.SUBMITTED, set()),
        ("bhabin", S.CHECKED, {S.VERIFIED, S.REJECTED}),
        ("polsek", S.CHECKED, {S.VERIFIED, S.REJECTED}),
        ("polres", S.CHECKED, {S.REJECTED}),
        ("operator", S.VERIFIED, {S.CONNECTED}),
        ("bhabin", S.VERIFIED, {S.REJECTED}),
        ("bhabin", S.CONNECTED, {S.STICKERED}),
        ("polres", S.CONNECTED, set()),
    ],
)
def test_each_role_is_offered_only_the_moves_it_may_make(pipeline, who, state, offered):
    pipeline.enrolment.state = state
    officer = getattr(pipeline, who)
    assert {m.to_state for m in moves_for(officer=officer, enrolment=pipeline.enrolment)} == offered


def review(client, pipeline, to_state, expected_state, reason=""):
    return client.post(
        reverse("police:enrolment-review", args=[pipeline.enrolment.pk]),
        {"to_state": to_state, "expected_state": expected_state, "reason": reason},
        follow=True,
    )


def test_polsek_may_override_to_checked_only_with_a_reason(client, pipeline: Pipeline):
    client.force_login(pipeline.polsek.user)
    page = review(client, pipeline, S.CHECKED, S.SUBMITTED)
    assert "Tuliskan alasannya" in page.content.decode()
    review(client, pipeline, S.CHECKED, S.SUBMITTED, reason="diuji manual di lokasi")
    pipeline.enrolment.refresh_from_db()
    assert pipeline.enrolment.state == S.CHECKED


def test_a_move_the_role_may_not_make_changes_nothing(client, pipeline: Pipeline):
    client.force_login(pipeline.bhabin.user)
    page = review(client, pipeline, S.CHECKED, S.SUBMITTED, reason="x")
    assert "tidak dapat mengubah" in page.content.decode()
    pipeline.enrolment.refresh_from_db()
    assert pipeline.enrolment.state == S.SUBMITTED


def test_two_officers_at_once_one_wins_the_other_is_told_who_changed_it(client, pipeline):
    client.force_login(pipeline.polsek.user)
    review(client, pipeline, S.CHECKED, S.SUBMITTED, reason="diuji manual")
    client.force_login(pipeline.polres.user)  # saw "submitted" on their page too
    page = review(client, pipeline, S.REJECTED, S.SUBMITTED, reason="lokasi salah")
    html = page.content.decode()
    assert "Sudah diubah oleh" in html and pipeline.polsek.user.full_name in html
    pipeline.enrolment.refresh_from_db()
    assert pipeline.enrolment.state == S.CHECKED


def photo_upload(**exif):
    buffer = io.BytesIO()
    image = Image.new("RGB", (3000, 2000), "gray")
    exif_data = Image.Exif()
    exif_data[0x010F] = "PhoneMaker"  # Make
    image.save(buffer, format="JPEG", exif=exif_data)
    return SimpleUploadedFile("kamera.jpg", buffer.getvalue(), content_type="image/jpeg")


def visit_payload(**changes):
    data = {
        "expected_state": S.CHECKED,
        "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "met_whom": "Ibu Siti (pemilik)",
        "sees_public_space": "1",
        "angle_ok": "1",
        "advice": "Arahkan sedikit ke kiri.",
        "decision": "verify",
        "latitude": "-6.200500",
        "longitude": "106.500000",
        "accuracy_m": "12",
    }
    data.update(changes)
    return data


def test_the_bhabinkamtibmas_verifies_with_a_field_visit_from_a_phone(client, pipeline):
    move_to(pipeline.enrolment, S.CHECKED)
    client.force_login(pipeline.bhabin.user)
    url = reverse("police:field-visit", args=[pipeline.enrolment.pk])
    assert "Pakai lokasi saya" in client.get(url).content.decode()

    response = client.post(url, {**visit_payload(), "photo": photo_upload()})

    assert response.status_code == 302
    pipeline.enrolment.refresh_from_db()
    assert pipeline.enrolment.state == S.VERIFIED
    visit = FieldVisit.objects.get()
    assert visit.distance_m == 56  # 0.0005 degrees of latitude south of the pin
    with visit.photo.open("rb") as stored:
        kept = Image.open(io.BytesIO(stored.read()))
        assert max(kept.size) == 1600 and not kept.getexif()
    photo = client.get(reverse("police:field-visit-photo", args=[visit.pk]))
    assert photo.status_code == 200 and photo["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sees_public_space": "0"}, "tidak melihat ruang publik"),
        ({"visited_at": "2099-01-01T10:00"}, "masa depan"),
        ({"met_whom": ""}, "wajib"),
    ],
)
def test_a_field_visit_with_bad_input_keeps_the_camera_checked(client, pipeline, changes, message):
    move_to(pipeline.enrolment, S.CHECKED)
    client.force_login(pipeline.bhabin.user)
    response = client.post(
        reverse("police:field-visit", args=[pipeline.enrolment.pk]), visit_payload(**changes)
    )
    assert response.status_code == 400
    assert message in response.content.decode().lower() or message in response.content.decode()
    pipeline.enrolment.refresh_from_db()
    assert pipeline.enrolment.state == S.CHECKED
    assert not FieldVisit.objects.exists()


def test_garbage_instead_of_a_photo_is_refused(client, pipeline: Pipeline):
    move_to(pipeline.enrolment, S.CHECKED)
    client.force_login(pipeline.bhabin.user)
    garbage = SimpleUploadedFile("kamera.jpg", b"\x00" * 1000, content_type="image/jpeg")
    response = client.post(
        reverse("police:field-visit", args=[pipeline.enrolment.pk]),
        {**visit_payload(), "photo": garbage},
    )
    assert response.status_code == 400
    assert not FieldVisit.objects.exists()


def test_the_operator_connects_a_verified_camera_with_live_consent(client, pipeline: Pipeline):
    move_to(pipeline.enrolment, S.CHECKED, S.VERIFIED)
    client.force_login(pipeline.operator.user)
    queue = client.get(reverse("police:operator-queue")).content.decode()
    assert str(pipeline.camera) in queue
    assert "rahasia-dvr" not in queue  # never in a list

    reveal = client.post(
        reverse("police:recorder-credentials", args=[pipeline.camera.recorder_id]),
        {"reason": "menghubungkan ke NVR Command Center"},
    )
    assert reveal.status_code == 200 and "rahasia-dvr" in reveal.content.decode()
    assert "no-store" in reveal["Cache-Control"]
    entry = AccessLogEntry.objects.get(action="credentials")
    assert entry.purpose == "menghubungkan ke NVR Command Center"

    client.post(
        reverse("police:enrolment-review", args=[pipeline.enrolment.pk]),
        {"to_state": S.CONNECTED, "expected_state": S.VERIFIED, "back": "operator"},
    )
    pipeline.enrolment.refresh_from_db()
    assert pipeline.enrolment.state == S.CONNECTED


def test_revealing_credentials_needs_a_reason(client, pipeline: Pipeline):
    move_to(pipeline.enrolment, S.CHECKED, S.VERIFIED)
    client.force_login(pipeline.operator.user)
    response = client.post(
        reverse("police:recorder-credentials", args=[pipeline.camera.recorder_id]), {"reason": ""}
    )
    assert response.status_code == 302
    assert not AccessLogEntry.objects.filter(action="credentials").exists()


def test_a_camera_without_live_consent_never_reaches_the_operator(client, pipeline: Pipeline):
    from tests.factories import grant_consent

    grant_consent(pipeline.camera, scopes="a")
    move_to(pipeline.enrolment, S.CHECKED, S.VERIFIED)
    client.force_login(pipeline.operator.user)
    assert str(pipeline.camera) not in client.get(reverse("police:operator-queue")).content.decode()


def test_stickers_are_printed_placed_by_the_bhabinkamtibmas_and_shown_to_the_public(
    client, pipeline: Pipeline
):
    move_to(pipeline.enrolment, S.CHECKED, S.VERIFIED, S.CONNECTED)
    client.force_login(pipeline.polsek.user)
    client.post(reverse("police:stickers"), {"village": pipeline.village.pk})
    sticker = Sticker.objects.get()
    assert sticker.code.startswith("MAT-") and len(sticker.token) >= 20
    pdf = client.get(reverse("police:sticker-batch-pdf", args=[sticker.batch_id]))
    body = pdf.content
    assert body.startswith(b"%PDF-")

    public_url = reverse("stickers:public", args=[sticker.token])
    client.logout()
    page = client.get(public_url).content.decode()
    assert "Mataraksa" in page and "Polresta Tangerang" in page and "(c)" in page
    assert "Siti" not in page and "Melati" not in page  # no owner data
    assert "Tandai stiker terpasang" not in page

    client.force_login(pipeline.bhabin.user)
    assert "Tandai stiker terpasang" in client.get(public_url).content.decode()
    client.post(public_url, {"latitude": "-6.200010", "longitude": "106.500010"})
    pipeline.enrolment.refresh_from_db()
    sticker.refresh_from_db()
    assert pipeline.enrolment.state == S.STICKERED
    assert sticker.placed_by == pipeline.bhabin and sticker.placed_distance_m == 2


def test_only_the_villages_bhabinkamtibmas_may_mark_a_sticker_placed(client, pipeline):
    move_to(pipeline.enrolment, S.CHECKED, S.VERIFIED, S.CONNECTED)
    sticker = Sticker.objects.create(enrolment=pipeline.enrolment, token="tok-1", code="MAT-X")
    client.force_login(pipeline.polsek.user)
    page = client.post(reverse("stickers:public", args=[sticker.token]), {}, follow=True)
    assert "Hanya Bhabinkamtibmas" in page.content.decode()
    pipeline.enrolment.refresh_from_db()
    assert pipeline.enrolment.state == S.CONNECTED


def test_after_withdrawal_the_sticker_page_says_the_camera_no_longer_takes_part(client, pipeline):
    move_to(pipeline.enrolment, S.CHECKED, S.VERIFIED, S.CONNECTED)
    sticker = Sticker.objects.create(enrolment=pipeline.enrolment, token="tok-2", code="MAT-Y")
    admin = pipeline.owner.memberships.get().user
    consent_withdraw(owner=pipeline.owner, user=admin)
    page = client.get(reverse("stickers:public", args=[sticker.token])).content.decode()
    assert "tidak lagi ikut program" in page
    client.force_login(pipeline.bhabin.user)
    client.post(reverse("stickers:public", args=[sticker.token]), {})
    pipeline.enrolment.refresh_from_db()
    assert pipeline.enrolment.state == S.WITHDRAWN


def test_an_unknown_sticker_token_gets_a_clear_page(client):
    response = client.get(reverse("stickers:public", args=["bukan-token"]))
    assert response.status_code == 404
    assert "Stiker tidak dikenal" in response.content.decode()


def test_printing_with_nothing_connected_says_so(client, pipeline: Pipeline):
    client.force_login(pipeline.polsek.user)
    page = client.post(reverse("police:stickers"), {}, follow=True).content.decode()
    assert "Tidak ada kamera terhubung" in page
    assert not Sticker.objects.exists()


def test_field_visit_photos_go_after_the_stated_retention(pipeline: Pipeline, settings):
    import datetime as dt

    from django.core.files.base import ContentFile

    from consent.models import RetentionPurge
    from workspace.tasks import purge_field_visit_photos

    settings.FIELD_VISIT_PHOTO_RETENTION_DAYS = 90
    visits = []
    for days in (91, 89):
        visit = FieldVisit.objects.create(
            enrolment=pipeline.enrolment,
            officer_name="x",
            visited_at=timezone.now() - dt.timedelta(days=days),
            met_whom="pemilik",
            sees_public_space=True,
            angle_ok=True,
        )
        visit.photo.save(f"field-visits/t/{days}.jpg", ContentFile(b"jpg"))
        visits.append(visit)

    purge_field_visit_photos.enqueue()

    old, young = (FieldVisit.objects.get(pk=v.pk) for v in visits)
    assert not old.photo and young.photo
    assert RetentionPurge.objects.get(kind="field_visit_photo").purged == 1
