"""No check stays in flight for ever: one definition of "in flight", a deadline, a reaper."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from connectivity import selectors, services, tasks
from connectivity.explanations import LOST
from connectivity.models import Check, CheckStatus, CheckTrigger, RecorderStatusEvent
from owners.models import EnrolmentState, MemberRole, Membership
from portal import inflight
from portal.tasks import reap_lost_work
from tests.connectivity.conftest import PASSWORD, USERNAME
from tests.factories import EnrolmentFactory, RecorderFactory, UserFactory
from tests.fakes.onvif_device import FakeProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def healthy_recorder(make_device, hd_rtsp_server):
    device = make_device(profiles=[FakeProfile(path="/Streaming/Channels/101", height=720)])
    recorder = RecorderFactory(
        host="127.0.0.1", onvif_port=device.port, rtsp_port=hd_rtsp_server.port,
        username=USERNAME, password=PASSWORD,
    )  # fmt: skip
    EnrolmentFactory(camera__recorder=recorder, state=EnrolmentState.CONNECTED)
    return recorder


@pytest.fixture
def connected_recorder():
    """A connected recorder nobody needs to reach (its checks are never run here)."""
    recorder = RecorderFactory(host="127.0.0.1")
    EnrolmentFactory(camera__recorder=recorder, state=EnrolmentState.CONNECTED)
    return recorder


def stuck_check(recorder, *, age: dt.timedelta, status=CheckStatus.RUNNING, **fields) -> Check:
    """A check left behind by a worker killed ``age`` ago, as a dead worker leaves it."""
    check = Check.objects.create(recorder=recorder, status=status, task_id="t-1", **fields)
    at = timezone.now() - age
    Check.objects.filter(pk=check.pk).update(
        created_at=at, started_at=at if status == CheckStatus.RUNNING else None
    )
    return Check.objects.get(pk=check.pk)


def test_a_recorder_whose_check_was_lost_is_due_again_after_the_deadline(connected_recorder):
    """The issue's reproduction: a RUNNING check left by a killed worker."""
    stuck_check(connected_recorder, age=dt.timedelta(0))

    assert list(selectors.recorders_due_for_recheck()) == []  # it is in flight now
    later = timezone.now() + dt.timedelta(days=30)
    assert list(selectors.recorders_due_for_recheck(now=later)) == [connected_recorder]
    later = timezone.now() + selectors.check_run_deadline() + dt.timedelta(seconds=1)
    assert list(selectors.recorders_due_for_recheck(now=later)) == [connected_recorder]


@pytest.mark.parametrize(
    ("status", "age_minutes"),
    [
        (CheckStatus.QUEUED, 0),
        (CheckStatus.QUEUED, 9),
        (CheckStatus.QUEUED, 11),
        (CheckStatus.RUNNING, 0),
        (CheckStatus.RUNNING, 2),
        (CheckStatus.RUNNING, 3),
        (CheckStatus.RUNNING, 60 * 24 * 30),
    ],
)
def test_every_reader_agrees_on_what_is_in_flight(connected_recorder, status, age_minutes):
    check = stuck_check(connected_recorder, status=status, age=dt.timedelta(minutes=age_minutes))
    now = timezone.now()

    in_flight = selectors.check_in_progress(recorder=connected_recorder, now=now) is not None
    due = connected_recorder in selectors.recorders_due_for_recheck(now=now)
    overdue = selectors.checks_overdue(now).filter(pk=check.pk).exists()

    assert in_flight is not due
    assert in_flight is not overdue
    assert selectors.checks_in_flight(now).filter(pk=check.pk).exists() is in_flight


def test_the_reaper_marks_a_lost_check_failed_and_its_page_says_why(client, connected_recorder):
    check = stuck_check(connected_recorder, age=dt.timedelta(days=30), trigger=CheckTrigger.MANUAL)

    reports = reap_lost_work.enqueue().return_value

    assert reports["connectivity.check"] == {"lost": 1, "requeued": 0, "swept": 0}
    check.refresh_from_db()
    assert (check.status, check.result_code) == (CheckStatus.FINISHED, LOST)
    assert check.message == "Pemeriksaan terputus; jalankan lagi"
    assert check.finished_at is not None
    assert not check.passed
    # a lost check says nothing about the recorder
    assert not RecorderStatusEvent.objects.filter(recorder=connected_recorder).exists()
    connected_recorder.refresh_from_db()
    assert connected_recorder.online is None

    owner_user = UserFactory()
    Membership.objects.create(
        owner=connected_recorder.site.owner, user=owner_user, role=MemberRole.ADMIN
    )
    client.force_login(owner_user)
    page = client.get(reverse("connectivity:check-detail", args=[check.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Pemeriksaan terputus; jalankan lagi" in html
    assert "sedang berjalan" not in html.lower()


def test_a_lost_scheduled_check_is_queued_again_and_runs(
    healthy_recorder, django_capture_on_commit_callbacks
):
    lost = stuck_check(
        healthy_recorder, status=CheckStatus.QUEUED, age=dt.timedelta(hours=1),
        trigger=CheckTrigger.SCHEDULED,
    )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        (report,) = [r for r in inflight.reap_all() if r.name == "connectivity.check"]

    assert (report.lost, report.requeued) == (1, 1)
    again = Check.objects.exclude(pk=lost.pk).get(recorder=healthy_recorder)
    assert (again.trigger, again.status, again.result_code) == (
        CheckTrigger.SCHEDULED,
        CheckStatus.FINISHED,
        "ok",
    )
    assert again.task_id  # handed to the engine


def test_a_manual_check_is_not_queued_again(connected_recorder):
    stuck_check(connected_recorder, age=dt.timedelta(hours=1), trigger=CheckTrigger.MANUAL)

    inflight.reap_all()

    assert Check.objects.filter(recorder=connected_recorder).count() == 1


def test_a_recorder_that_keeps_losing_its_checks_is_not_requeued_for_ever(connected_recorder):
    requeued = 0
    for _ in range(services.REQUEUE_LOST_PER_DAY + 3):
        stuck_check(connected_recorder, age=dt.timedelta(hours=1), trigger=CheckTrigger.SCHEDULED)
        # the re-queued check is lost too (its probe kills the worker every time)
        Check.objects.filter(recorder=connected_recorder, status=CheckStatus.QUEUED).update(
            created_at=timezone.now() - dt.timedelta(hours=1)
        )
        (report,) = [r for r in inflight.reap_all() if r.name == "connectivity.check"]
        requeued += report.requeued

    assert 1 <= requeued <= services.REQUEUE_LOST_PER_DAY
    assert not selectors.checks_overdue().exists()


def test_a_redelivered_run_of_a_lost_check_changes_nothing(connected_recorder):
    check = stuck_check(connected_recorder, age=dt.timedelta(days=1))
    inflight.reap_all()

    tasks.run_check.enqueue(check.pk)  # the engine delivers the dead worker's task again

    check.refresh_from_db()
    assert (check.status, check.result_code) == (CheckStatus.FINISHED, LOST)


def test_a_redelivered_run_of_a_check_cut_off_mid_probe_finishes_it(healthy_recorder):
    check = stuck_check(healthy_recorder, age=dt.timedelta(seconds=5))

    tasks.run_check.enqueue(check.pk)

    check.refresh_from_db()
    assert (check.status, check.result_code) == (CheckStatus.FINISHED, "ok")
    # the deadline still counts from the first start
    assert check.started_at < check.finished_at - dt.timedelta(seconds=4)


def test_a_check_recorded_while_the_broker_was_down_is_sent_by_the_sweep(
    healthy_recorder, django_capture_on_commit_callbacks
):
    check = Check.objects.create(recorder=healthy_recorder, requested_by=UserFactory())
    Check.objects.filter(pk=check.pk).update(created_at=timezone.now() - dt.timedelta(minutes=1))
    young = Check.objects.create(recorder=RecorderFactory(host="127.0.0.1"))

    reports = {r.name: r for r in inflight.reap_all()}

    assert reports["connectivity.check"].swept == 1
    check.refresh_from_db()
    assert (check.status, check.result_code) == (CheckStatus.FINISHED, "ok")
    young.refresh_from_db()  # still in the hands of the request that is sending it
    assert (young.status, young.task_id) == (CheckStatus.QUEUED, "")


def test_stuck_counts_report_overdue_work_by_kind(connected_recorder):
    stuck_check(connected_recorder, age=dt.timedelta(days=1))

    assert inflight.stuck_counts()["connectivity.check"] == 1
    inflight.reap_all()
    assert inflight.stuck_counts()["connectivity.check"] == 0
