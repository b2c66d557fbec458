"""The "Test my recorder" page, its live progress, the history; other owners get 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from connectivity import tasks
from connectivity.models import Check, CheckStatus
from tests.connectivity.conftest import PASSWORD, USERNAME
from tests.factories import OwnerFactory, RecorderFactory, SiteFactory, UserFactory
from tests.fakes.onvif_device import FakeProfile
from tests.fakes.rtsp_server import RtspServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_user():
    return UserFactory()


@pytest.fixture
def recorder(owner_user, hd_rtsp_server):
    site = SiteFactory(owner=OwnerFactory(member=owner_user))
    return RecorderFactory(
        site=site, host="127.0.0.1", onvif_enabled=False, brand="tapo",
        rtsp_port=hd_rtsp_server.port, username=USERNAME, password=PASSWORD,
    )  # fmt: skip


def test_the_owner_starts_a_check_and_follows_it_to_the_explanation(
    client, owner_user, recorder, django_capture_on_commit_callbacks
):
    client.force_login(owner_user)
    page = client.get(reverse("connectivity:recorder-test", args=[recorder.pk]))
    assert page.status_code == 200
    assert "Uji sekarang" in page.text

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("connectivity:recorder-test", args=[recorder.pk]))
    check = Check.objects.get(recorder=recorder)
    assert started.url == reverse("connectivity:check-detail", args=[check.pk])

    detail = client.get(started.url)
    assert detail.status_code == 200
    assert "Perekam lolos uji" in detail.text
    assert "Membuka video dan membaca gambar pertama" in detail.text
    assert "hx-get" not in detail.text  # finished: no more polling
    assert "/static/vendor/htmx/htmx.min.js" in detail.text
    assert PASSWORD not in detail.text


def test_a_running_check_polls_its_progress_partial(client, owner_user, recorder):
    check = Check.objects.create(recorder=recorder, status=CheckStatus.RUNNING)
    check.steps = [{"name": "resolve", "ok": True, "ms": 3, "error_code": ""}]
    check.save()
    client.force_login(owner_user)

    partial = client.get(
        reverse("connectivity:check-progress", args=[check.pk]), headers={"HX-Request": "true"}
    )

    assert partial.status_code == 200
    assert partial.text.lstrip().startswith('<section id="check-progress"')
    assert f'hx-get="{reverse("connectivity:check-progress", args=[check.pk])}"' in partial.text
    assert "Mencari dan memeriksa alamat" in partial.text
    assert "<html" not in partial.text

    tasks.run_check.enqueue(check.pk)  # a RUNNING check is picked up and finished
    check.refresh_from_db()
    assert check.status == CheckStatus.FINISHED
    done = client.get(reverse("connectivity:check-progress", args=[check.pk]))
    assert "hx-get" not in done.text
    assert "Perekam lolos uji" in done.text


# Each note, as the owner reads it, and the advice that goes with it.
NOTES = {
    "low_resolution": ("Resolusi di bawah 720p", "atur aliran utama ke 1280x720 (720p)"),
    "low_fps": ("Laju gambar rendah", "naikkan laju gambar (frame rate)"),
    "h265_only": ("Hanya H.265 yang tersedia", "ke H.264"),
    "clock_skew": ("Jam perekam tidak tepat", "Aktifkan NTP"),
}


def test_a_check_that_passed_with_notes_lists_each_note_with_its_advice(
    client, owner_user, make_device, rtsp_server, django_capture_on_commit_callbacks
):
    device = make_device(
        profiles=[FakeProfile(path=RtspServer.H265_PATH, encoding="H265", width=640, height=360)],
        clock_skew=120,
        lan_host=None,
    )
    recorder = RecorderFactory(
        site=SiteFactory(owner=OwnerFactory(member=owner_user)), host="127.0.0.1",
        onvif_enabled=True, onvif_port=device.port, rtsp_port=rtsp_server.port,
        username=USERNAME, password=PASSWORD,
    )  # fmt: skip
    client.force_login(owner_user)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("connectivity:recorder-test", args=[recorder.pk]))

    detail = client.get(started.url)

    assert "Lolos, dengan catatan" in detail.text
    for code in ("h265_only", "low_resolution", "clock_skew"):
        text, advice = NOTES[code]
        assert f'data-warning="{code}"' in detail.text
        assert text in detail.text and advice in detail.text
    assert 'data-warning="low_fps"' not in detail.text


def test_every_note_shows_on_the_check_its_progress_and_the_recorder_page(
    client, owner_user, recorder
):
    check = Check.objects.create(
        recorder=recorder, status=CheckStatus.FINISHED, result_code="ok_with_warnings",
        warnings=list(NOTES),
    )  # fmt: skip
    client.force_login(owner_user)

    for url in (
        reverse("connectivity:check-detail", args=[check.pk]),
        reverse("connectivity:check-progress", args=[check.pk]),
        reverse("connectivity:recorder-test", args=[recorder.pk]),
    ):
        page = client.get(url).text
        for code, (text, advice) in NOTES.items():
            assert f'data-warning="{code}"' in page, (url, code)
            assert text in page and advice in page, (url, code)


def test_a_check_without_notes_shows_no_notes_section(client, owner_user, recorder):
    check = Check.objects.create(recorder=recorder, status=CheckStatus.FINISHED, result_code="ok")
    client.force_login(owner_user)

    page = client.get(reverse("connectivity:check-detail", args=[check.pk])).text

    assert "Perekam lolos uji" in page
    assert "data-warning" not in page


def test_the_history_lists_checks_and_status_changes(client, owner_user, recorder):
    check = Check.objects.create(recorder=recorder)
    tasks.run_check.enqueue(check.pk)
    client.force_login(owner_user)

    history = client.get(reverse("connectivity:recorder-history", args=[recorder.pk]))

    assert history.status_code == 200
    assert "<code>ok</code>" in history.text


def test_another_owner_gets_404_everywhere(client, recorder):
    check = Check.objects.create(recorder=recorder)
    client.force_login(UserFactory())  # a member of no owner, or of another one
    OwnerFactory(member=UserFactory())

    for url in (
        reverse("connectivity:recorder-test", args=[recorder.pk]),
        reverse("connectivity:recorder-history", args=[recorder.pk]),
        reverse("connectivity:check-detail", args=[check.pk]),
        reverse("connectivity:check-progress", args=[check.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("connectivity:recorder-test", args=[recorder.pk])).status_code == 404
    assert Check.objects.filter(recorder=recorder).count() == 1


def test_an_owner_of_another_site_cannot_see_this_recorder(client, recorder):
    other = UserFactory()
    SiteFactory(owner=OwnerFactory(member=other))
    client.force_login(other)

    assert client.get(reverse("connectivity:recorder-test", args=[recorder.pk])).status_code == 404


def test_a_viewer_member_sees_the_page_but_cannot_start_a_check(client, recorder):
    from owners.models import MemberRole, Membership

    viewer = UserFactory()
    Membership.objects.create(owner=recorder.site.owner, user=viewer, role=MemberRole.VIEWER)
    client.force_login(viewer)

    page = client.get(reverse("connectivity:recorder-test", args=[recorder.pk]))
    assert page.status_code == 200
    assert "Uji sekarang" not in page.text
    assert client.post(reverse("connectivity:recorder-test", args=[recorder.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, recorder):
    response = client.get(reverse("connectivity:recorder-test", args=[recorder.pk]))

    assert response.status_code == 302
    assert "/accounts/login/" in response.url
