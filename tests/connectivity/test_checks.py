"""Checks end to end: services, the task, the recorder update, status events, re-checks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from connectivity import selectors, services, tasks
from connectivity.models import Check, CheckStatus, CheckTrigger, RecorderStatusEvent
from owners.models import EnrolmentState
from portal import netguard
from tests.connectivity.conftest import PASSWORD, USERNAME
from tests.factories import (
    CameraFactory,
    EnrolmentFactory,
    RecorderFactory,
    UserFactory,
    grant_consent,
)
from tests.fakes.onvif_device import FakeProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def healthy_recorder(make_device, hd_rtsp_server):
    device = make_device(profiles=[FakeProfile(path="/Streaming/Channels/101", height=720)])
    return RecorderFactory(
        host="127.0.0.1", onvif_port=device.port, rtsp_port=hd_rtsp_server.port,
        username=USERNAME, password=PASSWORD, manufacturer="", firmware="", serial="",
    )  # fmt: skip


def test_starting_a_check_queues_it_and_the_task_runs_it_after_commit(
    healthy_recorder, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        check = services.check_start(recorder=healthy_recorder, user=user)

    check.refresh_from_db()
    assert check.status == CheckStatus.FINISHED
    assert check.result_code == "ok"
    assert check.requested_by == user
    assert check.message.startswith("Perekam lolos uji")
    assert [s["name"] for s in check.steps][-1] == "rtsp_first_frame"
    assert (
        check.streams[0]["uri"]
        == f"rtsp://127.0.0.1:{healthy_recorder.rtsp_port}/Streaming/Channels/101"
    )
    assert PASSWORD not in str(check.streams) + check.message + str(check.detail)
    assert check.started_at <= check.finished_at


def test_a_passing_check_fills_in_the_recorder_and_records_it_going_online(healthy_recorder):
    check = Check.objects.create(recorder=healthy_recorder)
    tasks.run_check.enqueue(check.pk)

    healthy_recorder.refresh_from_db()
    assert healthy_recorder.online is True
    assert healthy_recorder.manufacturer == "HIKVISION"
    assert healthy_recorder.firmware.startswith("V4.61")
    assert healthy_recorder.serial.startswith("DS-7608NI")
    assert healthy_recorder.channel_count == 1
    (event,) = RecorderStatusEvent.objects.filter(recorder=healthy_recorder)
    assert (event.online, event.previous, event.result_code) == (True, None, "ok")


def test_going_offline_is_recorded_once(healthy_recorder, closed_port):
    Check.objects.create(recorder=healthy_recorder)
    tasks.run_check.enqueue(Check.objects.get().pk)
    healthy_recorder.rtsp_port = closed_port
    healthy_recorder.save()
    for _ in range(2):
        check = Check.objects.create(recorder=healthy_recorder)
        tasks.run_check.enqueue(check.pk)

    events = list(RecorderStatusEvent.objects.filter(recorder=healthy_recorder).order_by("at"))
    assert [(e.online, e.result_code) for e in events] == [(True, "ok"), (False, "port_closed")]
    assert Check.objects.get(pk=check.pk).detail["port"] == closed_port


def test_the_first_frame_is_kept_when_consent_allows_snapshots(healthy_recorder):
    camera = CameraFactory(recorder=healthy_recorder, channel=1)
    grant_consent(camera, scopes="ae")
    check = Check.objects.create(recorder=healthy_recorder)
    tasks.run_check.enqueue(check.pk)

    check.refresh_from_db()
    name = check.snapshot.name
    assert name.startswith(f"snapshots/camera-{camera.pk}/") and name.endswith(".jpg")
    stem = name.rsplit("/", 1)[1].removesuffix(".jpg")
    assert not stem.isdigit() and len(stem) >= 32  # unguessable, not numbered
    with check.snapshot.open("rb") as jpeg:
        assert jpeg.read(2) == b"\xff\xd8"


def test_withdrawing_consent_deletes_the_kept_snapshot(healthy_recorder):
    from consent.services import consent_withdraw
    from portal.private_files import private_storage

    camera = CameraFactory(recorder=healthy_recorder, channel=1)
    grant_consent(camera, scopes="ae")
    check = Check.objects.create(recorder=healthy_recorder)
    tasks.run_check.enqueue(check.pk)
    check.refresh_from_db()
    assert private_storage().exists(check.snapshot.name)

    owner_admin = camera.recorder.site.owner.memberships.get().user
    consent_withdraw(owner=camera.recorder.site.owner, user=owner_admin, cameras=[camera])
    assert not private_storage().exists(check.snapshot.name)


def test_the_first_frame_is_discarded_without_snapshot_consent(healthy_recorder):
    grant_consent(CameraFactory(recorder=healthy_recorder, channel=1), scopes="a")
    check = Check.objects.create(recorder=healthy_recorder)
    tasks.run_check.enqueue(check.pk)

    check.refresh_from_db()
    assert check.result_code == "ok"
    assert not check.snapshot
    assert selectors.snapshot_storage_allowed(recorder=healthy_recorder) is False


def test_a_second_start_while_one_is_queued_returns_the_same_check(healthy_recorder):
    first = services.check_start(recorder=healthy_recorder, user=UserFactory())
    second = services.check_start(recorder=healthy_recorder, user=UserFactory())

    assert first == second


def test_a_user_over_the_rate_limit_is_refused(settings, healthy_recorder):
    settings.CONNECTIVITY_RATE_LIMIT_PER_USER = 1
    user = UserFactory()
    first = services.check_start(recorder=healthy_recorder, user=user)
    Check.objects.filter(pk=first.pk).update(status=CheckStatus.FINISHED)

    with pytest.raises(netguard.RateLimited):
        services.check_start(recorder=healthy_recorder, user=user)


def test_connected_recorders_are_rechecked_when_due(
    healthy_recorder, closed_port, django_capture_on_commit_callbacks
):
    EnrolmentFactory(camera__recorder=healthy_recorder, state=EnrolmentState.CONNECTED)
    idle = RecorderFactory(host="127.0.0.1", rtsp_port=closed_port, onvif_enabled=False)
    EnrolmentFactory(camera__recorder=idle, state=EnrolmentState.SUBMITTED)
    checked_recently = RecorderFactory(host="127.0.0.1", rtsp_port=closed_port)
    EnrolmentFactory(camera__recorder=checked_recently, state=EnrolmentState.STICKERED)
    Check.objects.create(recorder=checked_recently, status=CheckStatus.FINISHED)

    assert list(selectors.recorders_due_for_recheck()) == [healthy_recorder]
    with django_capture_on_commit_callbacks(execute=True):
        tasks.recheck_connected_recorders.enqueue()  # immediate engine: the batch runs too

    check = Check.objects.get(recorder=healthy_recorder)
    assert (check.trigger, check.status, check.result_code) == (
        CheckTrigger.SCHEDULED,
        CheckStatus.FINISHED,
        "ok",
    )
    later = timezone.now() + dt.timedelta(hours=25)
    assert list(selectors.recorders_due_for_recheck(now=later)) == [
        healthy_recorder,
        checked_recently,
    ]
