"""The two task engines run the same Django task in real worker processes."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.tasks import TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist

from tests.portal.conftest import (
    Worker,
    wait_for_status,
    wait_until,
)
from tests.portal.engine_tasks import (
    fail_loudly,
    log_stream_url,
    my_result_id,
    record_visit,
    wait_for_file,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("engines"),
]

FINISHED = {TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED}


# --- django-q2 ----------------------------------------------------------------


@pytest.mark.engines
def test_a_task_completes_on_a_real_django_q2_cluster(on_q2, qcluster: Worker):
    name = f"q2-{uuid.uuid4().hex}"

    result = record_visit.enqueue(name)

    wait_for_status(result, FINISHED, worker=qcluster)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == name
    assert Group.objects.filter(name=name).exists()
    assert result.finished_at is not None
    assert result.started_at is not None
    assert result.worker_ids


@pytest.mark.engines
def test_django_q2_reports_running_then_successful(on_q2, qcluster: Worker, tmp_path: Path):
    release = tmp_path / "release"

    result = wait_for_file.enqueue(str(release))

    wait_for_status(result, {TaskResultStatus.RUNNING}, worker=qcluster)
    release.touch()
    wait_for_status(result, FINISHED, worker=qcluster)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "released"


@pytest.mark.engines
def test_django_q2_reports_a_failure_with_the_exception_class(on_q2, qcluster: Worker):
    result = fail_loudly.enqueue("kamera mati")

    wait_for_status(result, FINISHED, worker=qcluster)
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class is ValueError
    assert "kamera mati" in result.errors[0].traceback
    with pytest.raises(ValueError, match="Task failed"):
        result.return_value  # noqa: B018


@pytest.mark.engines
def test_django_q2_gives_a_task_its_own_result_id(on_q2, qcluster: Worker):
    result = my_result_id.enqueue()

    wait_for_status(result, FINISHED, worker=qcluster)
    assert result.return_value == result.id


@pytest.mark.engines
def test_a_task_enqueued_in_a_rolled_back_transaction_never_runs_on_django_q2(
    on_q2, qcluster: Worker
):
    rolled_back_name = f"rolled-back-{uuid.uuid4().hex}"
    with pytest.raises(RuntimeError), transaction.atomic():
        rolled_back = record_visit.enqueue(rolled_back_name)
        raise RuntimeError("the view failed")

    sentinel = record_visit.enqueue(f"sentinel-{uuid.uuid4().hex}")
    wait_for_status(sentinel, FINISHED, worker=qcluster)

    assert not Group.objects.filter(name=rolled_back_name).exists()
    with pytest.raises(TaskResultDoesNotExist):
        rolled_back.refresh()


@pytest.mark.engines
def test_a_task_completes_on_a_real_celery_worker(on_celery, celery_worker: Worker):
    celery_queue = celery_worker.queue
    name = f"celery-{uuid.uuid4().hex}"

    result = record_visit.using(queue_name=celery_queue).enqueue(name)

    wait_for_status(result, FINISHED, worker=celery_worker)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == name
    assert Group.objects.filter(name=name).exists()
    assert result.enqueued_at is not None
    assert result.started_at is not None
    assert result.finished_at is not None
    assert result.worker_ids == [f"{celery_queue}@{socket.gethostname()}"]


@pytest.mark.engines
def test_celery_reports_running_then_successful(on_celery, celery_worker: Worker, tmp_path: Path):
    celery_queue = celery_worker.queue
    release = tmp_path / "release"

    result = wait_for_file.using(queue_name=celery_queue).enqueue(str(release))

    wait_for_status(result, {TaskResultStatus.RUNNING}, worker=celery_worker)
    release.touch()
    wait_for_status(result, FINISHED, worker=celery_worker)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "released"


@pytest.mark.engines
def test_celery_reports_a_failure_with_the_exception_class(on_celery, celery_worker: Worker):
    celery_queue = celery_worker.queue
    result = fail_loudly.using(queue_name=celery_queue).enqueue("kamera mati")

    wait_for_status(result, FINISHED, worker=celery_worker)
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class is ValueError
    assert "kamera mati" in result.errors[0].traceback


@pytest.mark.engines
def test_celery_gives_a_task_its_own_result_id(on_celery, celery_worker: Worker):
    celery_queue = celery_worker.queue
    result = my_result_id.using(queue_name=celery_queue).enqueue()

    wait_for_status(result, FINISHED, worker=celery_worker)
    assert result.return_value == result.id


@pytest.mark.engines
def test_a_task_enqueued_in_a_rolled_back_transaction_never_runs_on_celery(
    on_celery, celery_worker: Worker
):
    celery_queue = celery_worker.queue
    rolled_back_name = f"rolled-back-{uuid.uuid4().hex}"
    with pytest.raises(RuntimeError), transaction.atomic():
        rolled_back = record_visit.using(queue_name=celery_queue).enqueue(rolled_back_name)
        raise RuntimeError("the view failed")

    sentinel = record_visit.using(queue_name=celery_queue).enqueue(f"s-{uuid.uuid4().hex}")
    wait_for_status(sentinel, FINISHED, worker=celery_worker)

    assert not Group.objects.filter(name=rolled_back_name).exists()
    with pytest.raises(TaskResultDoesNotExist):
        rolled_back.refresh()


@pytest.mark.engines
def test_a_celery_worker_logs_through_the_credential_filter(on_celery, celery_worker: Worker):
    url = "rtsp://admin:Rahasia-2026@198.51.100.7:554/Streaming/Channels/101"

    result = log_stream_url.using(queue_name=celery_worker.queue).enqueue(url)

    wait_for_status(result, FINISHED, worker=celery_worker)
    wait_until(lambda: "198.51.100.7" in celery_worker.output(), worker=celery_worker)
    assert "rtsp://***@198.51.100.7:554/Streaming/Channels/101" in celery_worker.output()
    assert "Rahasia-2026" not in celery_worker.output()
