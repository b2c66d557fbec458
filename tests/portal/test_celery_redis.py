"""Our Redis pieces under Celery: the kombu channel and the result backend, on a real Redis."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from celery import states
from django.tasks import TaskResultStatus

from portal.celery import PolledRedisBackend
from portal.celery import app as celery_app
from portal.task_engines import redis_transport
from tests.portal.conftest import ROOT, subprocess_env

pytestmark = [pytest.mark.xdist_group("engines")]


@pytest.fixture
def channel() -> Iterator[redis_transport.Channel]:
    with celery_app.connection_for_write() as connection:
        channel = connection.default_channel
        assert isinstance(channel, redis_transport.Channel)
        yield channel


@pytest.fixture
def queue(channel: redis_transport.Channel) -> Iterator[str]:
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    channel.client.delete(name)


@pytest.fixture
def key(channel: redis_transport.Channel) -> Iterator[str]:
    name = f"test-record-{uuid.uuid4().hex}"
    yield name
    channel.client.delete(name)


def publish(channel: redis_transport.Channel, queue: str, body: dict[str, Any]) -> None:
    celery_app.amqp.Producer(channel).publish(body, exchange="", routing_key=queue, declare=[])


def test_the_channel_reuses_one_client_until_its_pool_is_replaced(channel):
    first = channel._create_client()
    assert channel._create_client() is first
    assert first.connection_pool is channel.pool

    channel._pool = None  # what kombu does when the connection is lost
    replaced = channel._create_client()
    assert replaced is not first
    assert replaced.connection_pool is channel.pool
    assert replaced.ping()


def test_commands_sent_along_with_a_message_arrive_with_it(channel, queue, key):
    with channel.along_with_next_message(("set", (key, "enqueued"), {"ex": 60})):
        publish(channel, queue, {"n": 1})

    assert channel.client.get(key) == b"enqueued"
    assert 0 < channel.client.ttl(key) <= 60
    assert channel.client.llen(queue) == 1
    # and only with that message
    publish(channel, queue, {"n": 2})
    channel.client.delete(key)
    publish(channel, queue, {"n": 3})
    assert not channel.client.exists(key)


def test_commands_still_run_when_the_message_goes_through_a_publish_batch(channel, queue, key):
    producer = celery_app.amqp.Producer(channel)
    with channel.along_with_next_message(("set", (key, "enqueued"), {})):
        with producer.batch():
            producer.publish({"n": 1}, exchange="", routing_key=queue, declare=[])

    assert channel.client.llen(queue) == 1
    assert channel.client.get(key) == b"enqueued"


def test_commands_do_not_run_when_the_publish_fails(channel, queue, key):
    with pytest.raises(RuntimeError), channel.along_with_next_message(("set", (key, "x"), {})):
        raise RuntimeError("the broker refused")

    assert not channel.client.exists(key)
    publish(channel, queue, {"n": 1})  # nothing left over for the next message
    assert not channel.client.exists(key)


def test_databases_are_compared_by_server_and_number(channel):
    same = celery_app.backend.client
    server = str(celery_app.conf.broker_url).rsplit("/", 1)[0]
    other = PolledRedisBackend(app=celery_app, url=f"{server}/15")

    assert redis_transport.same_database(channel, same)
    assert not redis_transport.same_database(channel, other.client)


@pytest.mark.django_db
def test_a_result_backend_on_another_database_still_gets_the_enqueued_record(settings):
    other = f"{settings.CELERY_BROKER_URL.rsplit('/', 1)[0]}/15"
    queue = f"test-{uuid.uuid4().hex[:12]}"
    script = f"""
import django
django.setup()
from portal.celery import app
from tests.portal.engine_tasks import record_visit
result = record_visit.using(queue_name={queue!r}).enqueue("elsewhere")
print(app.backend.client.connection_pool.connection_kwargs["db"],
      record_visit.get_result(result.id).status, record_visit.get_result(result.id).args)
with app.connection_for_write() as connection:
    print(connection.default_channel.client.llen({queue!r}))
    connection.default_channel.client.delete({queue!r})
"""
    env = subprocess_env(
        TASK_ENGINE="celery",
        CELERY_RESULT_BACKEND=other,
        DJANGO_SETTINGS_MODULE="portal.settings",
        LOG_LEVEL="WARNING",
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == [f"15 {TaskResultStatus.READY} ['elsewhere']", "1"]


def test_a_stored_success_is_never_overwritten_by_a_redelivered_copy():
    backend = celery_app.backend
    task_id = str(uuid.uuid4())
    try:
        backend.store_result(task_id, {"return_value": "first"}, states.SUCCESS)
        backend.store_result(task_id, ValueError("the copy failed"), states.FAILURE)

        meta = backend.get_task_meta(task_id)
        assert meta["status"] == states.SUCCESS
        assert meta["result"] == {"return_value": "first"}
        assert 0 < backend.client.ttl(backend.get_key_for_task(task_id)) <= backend.expires
    finally:
        backend.forget(task_id)


def test_a_failure_can_be_replaced_by_a_later_success():
    backend = celery_app.backend
    task_id = str(uuid.uuid4())
    try:
        backend.store_result(task_id, ValueError("first try"), states.FAILURE)
        backend.store_result(task_id, {"return_value": "retried"}, states.SUCCESS)

        assert backend.get_task_meta(task_id)["status"] == states.SUCCESS
    finally:
        backend.forget(task_id)


def test_a_stored_result_is_published_for_waiters():
    backend = celery_app.backend
    task_id = str(uuid.uuid4())
    key = backend.get_key_for_task(task_id)
    pubsub = backend.client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(key)
    try:
        backend.store_result(task_id, {"return_value": 7}, states.SUCCESS)
        message = None
        for _ in range(50):
            message = pubsub.get_message(timeout=0.1)
            if message:
                break
        assert message is not None
        assert backend.decode_result(message["data"])["result"] == {"return_value": 7}
    finally:
        pubsub.close()
        backend.forget(task_id)
