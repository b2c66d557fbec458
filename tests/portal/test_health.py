"""GET /healthz answers 200 when the database and the task engine answer, 503 otherwise.

Each case runs the real application (gunicorn) with its configuration given
through the environment, as in production.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.portal.conftest import BIN, Worker, free_port, subprocess_env, wait_until

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("engines")]


def get(url: str) -> tuple[int, dict[str, Any]] | None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - our own server
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)
    except OSError:
        return None  # not listening yet


@pytest.fixture
def healthz(tmp_path: Path) -> Iterator[Callable[..., tuple[int, dict[str, Any]]]]:
    """Start the application with the given environment; answer its /healthz."""
    servers: list[Worker] = []

    def start(**env: str) -> tuple[int, dict[str, Any]]:
        port = free_port()
        server = Worker(
            [str(BIN / "gunicorn"), "portal.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--timeout", "60"],
            subprocess_env(DB_CONN_MAX_AGE="0", **env),
            tmp_path / f"gunicorn-{port}.log",
        )  # fmt: skip
        servers.append(server)
        return wait_until(lambda: get(f"http://127.0.0.1:{port}/healthz"), worker=server)

    yield start
    for server in servers:
        server.stop()


def closed_port_url(scheme: str) -> str:
    return f"{scheme}://127.0.0.1:{free_port()}/0"


def test_it_answers_200_with_the_database_and_django_q2_up(healthz):
    status, body = healthz(TASK_ENGINE="q2")

    assert status == 200
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["tasks"] == {"engine": "q2", "reachable": True, "pending": 0}


def test_it_answers_200_with_the_database_and_celery_up(healthz):
    status, body = healthz(TASK_ENGINE="celery")

    assert status == 200
    assert body["tasks"]["engine"] == "celery"
    assert body["tasks"]["reachable"] is True


def test_it_answers_503_when_the_celery_broker_is_down(healthz):
    status, body = healthz(TASK_ENGINE="celery", CELERY_BROKER_URL=closed_port_url("redis"))

    assert status == 503
    assert body["status"] == "unavailable"
    assert body["database"]["ok"] is True
    assert body["tasks"]["reachable"] is False


def test_it_answers_503_when_the_database_is_down(healthz):
    dead_database = f"postgres://postgres@127.0.0.1:{free_port()}/cctv"
    status, body = healthz(TASK_ENGINE="q2", DATABASE_URL=dead_database)

    assert status == 503
    assert body["database"]["ok"] is False
    assert body["tasks"]["reachable"] is False  # django-q2's broker is that database


def test_healthz_answers_the_container_health_check_behind_https_and_allowed_hosts(
    client, settings, db
):
    """The Dockerfile's HEALTHCHECK asks http://127.0.0.1:8000/healthz in production."""
    settings.ALLOWED_HOSTS = ["cctvwarga.example"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response.json()["database"]["ok"] is True
    # Every other page still refuses the host.
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400
