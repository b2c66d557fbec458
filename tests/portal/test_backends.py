"""The engine backends without a worker: on-commit deferral, waiting results, status."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.tasks import TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils import timezone
from django_q.models import OrmQ

from portal.celery import app as celery_app
from portal.task_engines import engine_status
from tests.portal.conftest import ROOT, subprocess_env
from tests.portal.engine_tasks import record_visit

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("engines")]
# The two "only when the transaction commits" tests commit for real; the others
# run in the test's transaction and run its on-commit callbacks at once.


def celery_queue_length(queue: str) -> int:
    with celery_app.connection_for_read() as connection, connection.channel() as channel:
        return int(channel.client.llen(queue))


@pytest.mark.django_db(transaction=True)
def test_django_q2_enqueues_only_when_the_transaction_commits(on_q2):
    with transaction.atomic():
        result = record_visit.enqueue("after-commit")
        assert result.id
        assert result.status == TaskResultStatus.READY
        assert OrmQ.objects.count() == 0
    assert OrmQ.objects.count() == 1
    assert record_visit.get_result(result.id).status == TaskResultStatus.READY


def test_django_q2_reports_a_waiting_task_as_ready_and_counts_it(
    on_q2, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = record_visit.enqueue("waiting")

    assert record_visit.get_result(result.id).status == TaskResultStatus.READY
    assert record_visit.get_result(result.id).args == ["waiting"]
    assert engine_status().pending == 1
    assert engine_status().reachable


def test_django_q2_keeps_a_deferred_task_ready_until_its_time(
    on_q2, django_capture_on_commit_callbacks
):
    later = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        result = record_visit.using(run_after=later).enqueue("later")

    assert record_visit.get_result(result.id).status == TaskResultStatus.READY
    assert OrmQ.objects.get().lock == later
    assert engine_status().pending == 0  # not ready to run yet


def test_django_q2_does_not_know_an_unknown_id(on_q2):
    with pytest.raises(TaskResultDoesNotExist):
        record_visit.get_result(uuid.uuid4().hex)


def test_a_task_never_receives_a_model_instance(on_q2, django_capture_on_commit_callbacks):
    group = Group.objects.create(name="a-row")

    with pytest.raises(TypeError), django_capture_on_commit_callbacks(execute=True):
        record_visit.enqueue(group)
    assert OrmQ.objects.count() == 0


# --- Celery ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_celery_enqueues_only_when_the_transaction_commits(on_celery, celery_queue: str):
    with transaction.atomic():
        result = record_visit.using(queue_name=celery_queue).enqueue("after-commit")
        assert result.id
        assert celery_queue_length(celery_queue) == 0
    assert celery_queue_length(celery_queue) == 1
    waiting = record_visit.get_result(result.id)
    assert waiting.status == TaskResultStatus.READY
    assert waiting.args == ["after-commit"]
    with celery_app.connection_for_write() as connection, connection.channel() as channel:
        channel.client.delete(celery_queue)


def test_celery_does_not_know_an_unknown_id(on_celery):
    with pytest.raises(TaskResultDoesNotExist):
        record_visit.get_result(str(uuid.uuid4()))


def test_celery_answers_its_status_with_the_broker_reachable(on_celery):
    status = engine_status()

    assert status.engine == "celery"
    assert status.reachable
    assert status.pending is not None


def test_celery_takes_its_configuration_from_the_django_settings(settings):
    assert celery_app.conf.task_acks_late is settings.CELERY_TASK_ACKS_LATE
    assert celery_app.conf.worker_prefetch_multiplier == settings.CELERY_WORKER_PREFETCH_MULTIPLIER
    assert celery_app.conf.result_extended is True
    assert celery_app.conf.worker_hijack_root_logger is False


def test_celery_uses_the_polled_backend_even_when_the_environment_names_the_result_backend(
    settings, celery_queue: str
):
    # Celery reads CELERY_RESULT_BACKEND from the environment before its
    # configuration (a documented setting; the bench sets it); the stock backend would subscribe
    # to every sent task's result channel (two pub/sub commands per enqueue).
    script = f"""
import django
django.setup()
from portal.celery import app
from tests.portal.engine_tasks import record_visit
result = record_visit.using(queue_name={celery_queue!r}).enqueue("polled")
print(type(app.backend).__name__, record_visit.get_result(result.id).status)
app.backend.client.delete({celery_queue!r})
"""
    env = subprocess_env(
        TASK_ENGINE="celery",
        CELERY_RESULT_BACKEND=settings.CELERY_BROKER_URL,
        DJANGO_SETTINGS_MODULE="portal.settings",
        LOG_LEVEL="WARNING",
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["PolledRedisBackend", "READY"]
