"""Real worker processes for the engine tests.

A django-q2 cluster (``manage.py qcluster``) and a Celery worker (``celery -A
portal worker``) run as subprocesses against the test database (and Redis for
Celery). Each Celery worker consumes its own queue, so tests never see one
another's messages.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.tasks import TaskResult
from django.tasks.exceptions import TaskResultDoesNotExist

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

Q2_BACKEND = {"BACKEND": "portal.task_engines.q2.Q2Backend", "QUEUES": []}
CELERY_BACKEND = {"BACKEND": "portal.task_engines.celery.CeleryBackend", "QUEUES": []}


def test_database_url() -> str:
    """The URL of the database this test session uses, for a subprocess."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        if "memory" in name or name.startswith("file:"):
            pytest.fail("engine tests need a database other processes can open (PostgreSQL)")
        return f"sqlite:///{name}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


def subprocess_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=test_database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        CELERY_RESULT_BACKEND=settings.CELERY_RESULT_BACKEND,
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="portal.settings_test",
        SECRET_KEY=settings.SECRET_KEY,  # django-q2 signs packages with it
        Q2_WORKERS="1",
        DB_CONN_MAX_AGE="0",  # test teardown drops the database: hold no idle connection
    )
    env.update(overrides)
    return env


class Worker:
    def __init__(
        self,
        args: list[str],
        env: dict[str, str],
        log: Path,
        queue: str = "",
        *,
        new_session: bool = False,
    ) -> None:
        self.queue = queue
        self.log = log
        self._log_file = log.open("ab")  # a restarted worker appends to the same log
        # new_session: the worker and every process it starts form one process
        # group, which a fault test kills at once (os.killpg), as a machine restart does
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is not None:
            self._log_file.close()
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log_file.close()


@pytest.fixture(scope="module")
def qcluster(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """One django-q2 cluster for a test module (starting one takes seconds)."""
    worker = Worker(
        [str(BIN / "python"), "manage.py", "qcluster", "--skip-checks"],
        subprocess_env(TASK_ENGINE="q2"),
        tmp_path_factory.mktemp("qcluster") / "qcluster.log",
    )
    yield worker
    worker.stop()


@pytest.fixture
def celery_queue() -> str:
    """A queue no worker consumes."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def celery_worker(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    """One Celery worker for a test module, consuming its own queue (``worker.queue``)."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = Worker(
        [
            str(BIN / "celery"), "-A", "portal", "worker", "--loglevel", "INFO",
            "--queues", queue, "--hostname", f"{queue}@%h",
            "--concurrency", "1", "--without-mingle", "--without-gossip",
        ],
        subprocess_env(TASK_ENGINE="celery", CELERY_TRACK_STARTED="true"),
        tmp_path_factory.mktemp("celery") / "celery.log",
        queue=queue,
    )  # fmt: skip
    yield worker
    worker.stop()


#: Seconds to wait for a worker's condition. A wait ends as soon as its condition
#: holds, so the margin costs nothing when the machine is fast; on a loaded 2-core
#: machine (two suites at once, -n 4) a cold Celery worker took over 60 s to start.
PATIENCE = 300


def wait_until(
    condition: Callable[[], Any], *, worker: Worker | None = None, timeout: float = PATIENCE
) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if worker is not None and worker.process.poll() is not None:
            pytest.fail(f"worker exited with {worker.process.returncode}:\n{worker.output()}")
        if time.monotonic() > deadline:
            detail = f"\nworker log:\n{worker.output()}" if worker else ""
            pytest.fail(f"condition not met within {timeout} s{detail}")
        time.sleep(0.05)


def wait_for_status(
    result: TaskResult, statuses: set[str], *, worker: Worker, timeout: float = PATIENCE
) -> TaskResult:
    def reached() -> bool:
        try:
            result.refresh()
        except TaskResultDoesNotExist:
            return False
        return result.status in statuses

    wait_until(reached, worker=worker, timeout=timeout)
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def on_q2(settings):
    settings.TASK_ENGINE = "q2"
    settings.TASKS = {"default": Q2_BACKEND}


@pytest.fixture
def on_celery(settings):
    settings.TASK_ENGINE = "celery"
    settings.TASKS = {"default": CELERY_BACKEND}
