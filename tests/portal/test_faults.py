"""Faults survived, nothing lost: real workers killed with SIGKILL mid-task, a database
and a broker that go away and come back. Real processes only (``engines`` marker).

- A worker killed during a probe: the check runs again and finishes (Celery puts the
  message back, ``reject_on_worker_lost``; django-q2 delivers it again after
  ``Q2_RETRY``). A task declared ``at_most_once`` is reported failed, never run twice.
- PostgreSQL going away (a TCP proxy that we cut and restore): the web answers 503
  with a clear page, ``/healthz`` says why, and both recover without a restart;
  so do the workers.
- A PostgreSQL cluster of the test's own (``pg_ctl``) restarted under load on both
  engines: every accepted task runs exactly once, no process is restarted.
- Redis going away under Celery (a private ``redis-server`` we stop and start): a
  check or an estate import asked for meanwhile is recorded, and the sweep sends it
  once Redis is back.

Starting a worker takes seconds on a loaded machine, so the processes are shared by
the module where a test does not need its own: every worker reaches PostgreSQL
through one proxy, and the web server and its Celery worker use the private Redis.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import kombu
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.tasks import TaskResultStatus

from connectivity import services as connectivity_services
from connectivity.explanations import LOST
from connectivity.models import Check, CheckStatus
from joining.estate_selectors import SEND_GRACE
from joining.models import ImportJob, ImportStatus
from owners.models import MemberRole, Membership
from portal.celery import RUN_TASK_NAME
from portal.celery import app as celery_app
from portal.tasks import reap_lost_work
from tests.factories import OwnerFactory, RecorderFactory, UserFactory
from tests.fakes.tcp_proxy import TcpProxy
from tests.joining.estate_helpers import csv_bytes, estate_program, row
from tests.portal.conftest import (
    BIN,
    CELERY_BACKEND,
    PATIENCE,
    Q2_BACKEND,
    ROOT,
    Worker,
    free_port,
    subprocess_env,
    wait_for_status,
    wait_until,
)
from tests.portal.conftest import (
    test_database_url as database_url,
)
from tests.portal.engine_tasks import note_pid_and_wait, note_pid_and_wait_once, record_visit
from tests.portal.faults import (
    PrivatePostgres,
    PrivateRedis,
    alive,
    kill,
    process_running_probes,
)

pytestmark = [
    pytest.mark.engines,
    pytest.mark.django_db(transaction=True),
    # its own group: with --dist loadgroup it runs beside the other engine tests
    pytest.mark.xdist_group("faults"),
]

FINISHED = {TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED}
# Short probes against a silent peer (a few seconds each), so a run can be cut off.
QUICK_PROBES = {
    "CONNECTIVITY_STEP_TIMEOUT": "2",
    "CONNECTIVITY_FRAME_TIMEOUT": "2",
    "CONNECTIVITY_PROBE_BUDGET": "6",
}


@pytest.fixture
def silent_recorder(fault_peers):
    """A recorder whose RTSP port accepts and never answers: each probe takes seconds."""
    return RecorderFactory(host="127.0.0.1", onvif_enabled=False, rtsp_port=fault_peers["silent"])


def wait_for_check(check: Check, statuses: set[str], *, worker: Worker, timeout: float = PATIENCE):
    def reached() -> bool:
        check.refresh_from_db()
        return check.status in statuses

    wait_until(reached, worker=worker, timeout=timeout)
    return check


def celery_command(*queues: str) -> list[str]:
    command = [
        str(BIN / "celery"), "-A", "portal", "worker", "--loglevel", "INFO",
        "--concurrency", "1", "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    if queues:
        command += ["--queues", ",".join(queues), "--hostname", f"{queues[0]}@%h"]
    return command


QCLUSTER = [str(BIN / "python"), "manage.py", "qcluster", "--skip-checks"]


# --- the processes the module shares -------------------------------------------------------


@pytest.fixture(scope="module")
def database_proxy(django_db_setup: None) -> Iterator[TcpProxy]:
    """PostgreSQL as the workers see it: a proxy a test may cut (a database restart)."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the fault tests run on PostgreSQL")
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    yield proxy
    proxy.close()


def through(proxy: TcpProxy) -> dict[str, str]:
    """The environment of a process that reaches the database through ``proxy``, with
    persistent connections (the production default), which must survive a restart."""
    url = database_url().replace(f":{connection.settings_dict['PORT'] or 5432}/", f":{proxy.port}/")
    return {"DATABASE_URL": url, "DB_CONN_MAX_AGE": "600"}


@pytest.fixture(scope="module")
def celery(database_proxy: TcpProxy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """A Celery worker on the shared test Redis, consuming its own queue."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = Worker(
        celery_command(queue),
        subprocess_env(
            TASK_ENGINE="celery", CELERY_TRACK_STARTED="true", **QUICK_PROBES,
            **through(database_proxy),
        ),
        tmp_path_factory.mktemp("celery") / "celery.log",
        queue=queue,
    )  # fmt: skip
    yield worker
    worker.stop()


class Cluster:
    """A django-q2 cluster that a test may kill (the whole process group) and restart."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.worker = self._start()

    def _start(self) -> Worker:
        return Worker(QCLUSTER, self.env, self.log, new_session=True)

    def kill(self) -> None:
        os.killpg(self.worker.process.pid, signal.SIGKILL)
        self.worker.process.wait(timeout=20)
        self.worker.stop()

    def restart(self) -> None:
        self.worker = self._start()

    def stop(self) -> None:
        self.worker.stop()


@pytest.fixture(scope="module")
def q2(database_proxy: TcpProxy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    cluster = Cluster(
        subprocess_env(
            TASK_ENGINE="q2", Q2_TIMEOUT="30", Q2_RETRY="35", **QUICK_PROBES,
            **through(database_proxy),
        ),
        tmp_path_factory.mktemp("qcluster") / "qcluster.log",
    )  # fmt: skip
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(tmp_path_factory.mktemp("redis"))
    yield redis
    redis.stop()


def on_private_redis(redis: PrivateRedis) -> dict[str, str]:
    return {
        "TASK_ENGINE": "celery",
        "CELERY_BROKER_URL": redis.url,
        "CELERY_RESULT_BACKEND": redis.url,
    }


@pytest.fixture(scope="module")
def web(
    database_proxy: TcpProxy, private_redis: PrivateRedis, tmp_path_factory
) -> Iterator[tuple[Worker, str]]:
    """The application under gunicorn, on the proxy and the private Redis."""
    port = free_port()
    server = Worker(
        [str(BIN / "gunicorn"), "portal.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "60"],
        subprocess_env(**on_private_redis(private_redis), **through(database_proxy)),
        tmp_path_factory.mktemp("web") / "gunicorn.log",
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: fetch(f"{base}/healthz"), worker=server, timeout=PATIENCE)
    yield server, base
    server.stop()


@pytest.fixture(scope="module")
def celery_on_private_redis(
    database_proxy: TcpProxy, private_redis: PrivateRedis, tmp_path_factory
) -> Iterator[Worker]:
    """The web server's Celery worker: the default queue, on the private Redis."""
    worker = Worker(
        celery_command(),
        subprocess_env(
            **on_private_redis(private_redis), **QUICK_PROBES, **through(database_proxy)
        ),
        tmp_path_factory.mktemp("celery-private") / "celery.log",
    )
    yield worker
    worker.stop()


def fetch(url: str, opener: urllib.request.OpenerDirector | None = None, data=None):
    """(status, headers, body) of a request, or None while nothing listens."""
    opener = opener or urllib.request.build_opener()
    try:
        with opener.open(url, data=data, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()
    except OSError:
        return None


# --- a worker killed mid-task ------------------------------------------------------------


def test_a_check_whose_celery_worker_is_killed_mid_probe_runs_again_and_finishes(
    on_celery, celery, silent_recorder
):
    check = Check.objects.create(recorder=silent_recorder)
    result = connectivity_services.run_check.using(queue_name=celery.queue).enqueue(check.pk)
    wait_for_check(check, {CheckStatus.RUNNING}, worker=celery)
    busy = wait_until(
        lambda: process_running_probes(celery.process.pid), worker=celery, timeout=PATIENCE
    )

    kill(busy)  # the pool process running the probe: SIGKILL, as the OOM killer does

    wait_for_check(check, {CheckStatus.FINISHED}, worker=celery)
    wait_for_status(result, FINISHED, worker=celery, timeout=PATIENCE)
    assert result.status == TaskResultStatus.SUCCESSFUL  # the re-delivered run
    assert check.result_code not in ("", LOST)  # a real outcome of the probe
    assert not alive(busy)


def test_a_check_whose_django_q2_cluster_is_killed_mid_probe_runs_again_and_finishes(
    on_q2, q2, silent_recorder
):
    check = Check.objects.create(recorder=silent_recorder)
    result = connectivity_services.run_check.enqueue(check.pk)
    wait_for_check(check, {CheckStatus.RUNNING}, worker=q2.worker, timeout=PATIENCE)

    q2.kill()  # the whole cluster at once (a machine restart): no result can be saved
    check.refresh_from_db()
    assert check.status == CheckStatus.RUNNING  # what a dead worker leaves behind
    q2.restart()

    wait_for_check(check, {CheckStatus.FINISHED}, worker=q2.worker, timeout=PATIENCE)
    wait_for_status(result, FINISHED, worker=q2.worker, timeout=PATIENCE)
    assert result.status == TaskResultStatus.SUCCESSFUL  # delivered again after Q2_RETRY
    assert check.result_code not in ("", LOST)


def test_django_q2_never_runs_an_at_most_once_task_twice(on_q2, q2, tmp_path):
    runs = tmp_path / "once.pids"
    result = note_pid_and_wait_once.enqueue(str(runs), str(tmp_path / "never-released"))
    wait_until(
        lambda: runs.exists() and runs.read_text().strip(), worker=q2.worker, timeout=PATIENCE
    )

    q2.kill()  # django-q2 has not acknowledged it: the restarted cluster gets it again
    q2.restart()

    wait_for_status(result, FINISHED, worker=q2.worker, timeout=PATIENCE)
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "portal.task_runner.WorkerLost"
    assert len(runs.read_text().split()) == 1  # reported failed, never run twice


def test_celery_runs_an_idempotent_task_again_but_never_an_at_most_once_task(
    on_celery, celery, tmp_path
):
    release = tmp_path / "release"
    outcomes = {}
    for task in (note_pid_and_wait, note_pid_and_wait_once):
        runs = tmp_path / f"{task.name}.pids"
        result = task.using(queue_name=celery.queue).enqueue(str(runs), str(release))
        pid = int(
            wait_until(
                lambda runs=runs: runs.exists() and runs.read_text().split()[0],
                worker=celery,
                timeout=PATIENCE,
            )
        )
        kill(pid)
        if task is note_pid_and_wait:
            wait_until(
                lambda runs=runs: len(runs.read_text().split()) >= 2,
                worker=celery,
                timeout=PATIENCE,
            )
            release.touch()
        wait_for_status(result, FINISHED, worker=celery, timeout=PATIENCE)
        release.unlink(missing_ok=True)
        outcomes[task.name] = (result.status, len(runs.read_text().split()))

    assert outcomes == {
        "note_pid_and_wait": (TaskResultStatus.SUCCESSFUL, 2),  # delivered again, ran again
        "note_pid_and_wait_once": (TaskResultStatus.FAILED, 1),  # reported failed, once
    }


# --- the database goes away and comes back --------------------------------------------


def test_the_web_answers_503_while_postgresql_is_down_and_recovers_on_its_own(web, database_proxy):
    server, base = web
    page = f"{base}/"  # Wagtail reads the page tree from the database
    before = fetch(page)
    assert before is not None and before[0] in (200, 404)
    assert fetch(f"{base}/healthz")[0] == 200

    database_proxy.cut()
    try:
        down = fetch(page)
        health = fetch(f"{base}/healthz")
    finally:
        database_proxy.restore()
    after = wait_until(
        lambda: (r := fetch(page)) and r[0] != 503 and r, worker=server, timeout=PATIENCE
    )
    health_after = fetch(f"{base}/healthz")

    status, headers, body = down
    assert status == 503
    assert headers["Retry-After"]
    assert "Basis data sedang tidak dapat dihubungi" in body
    assert "Traceback" not in body
    assert health[0] == 503
    report = json.loads(health[2])
    assert report["database"]["ok"] is False
    assert report["database"]["error"]  # why, in the driver's words (hosts left out)
    assert after[0] == before[0]  # the same process, reconnected on its own
    assert health_after[0] == 200


def test_workers_of_both_engines_recover_when_postgresql_comes_back(
    on_celery, celery, q2, database_proxy, settings
):
    def visit(**using: str) -> None:
        name = f"visit-{uuid.uuid4().hex}"
        worker = celery if using else q2.worker
        result = record_visit.using(**using).enqueue(name)
        wait_for_status(result, FINISHED, worker=worker, timeout=PATIENCE)
        assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
        assert Group.objects.filter(name=name).exists()

    visit(queue_name=celery.queue)
    settings.TASKS = {"default": Q2_BACKEND}
    visit()

    database_proxy.cut()  # PostgreSQL restarts: every connection of every worker dies
    database_proxy.restore()

    visit()  # django-q2 (its broker is that database)
    settings.TASKS = {"default": CELERY_BACKEND}
    visit(queue_name=celery.queue)


# --- Redis goes away and comes back (Celery) --------------------------------------------


def login_cookie(user) -> http.cookiejar.CookieJar:
    """A signed-in session for ``user`` (sessions live in the database)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    jar = http.cookiejar.CookieJar()
    for name, cookie in client.cookies.items():
        jar.set_cookie(
            http.cookiejar.Cookie(
                0, name, cookie.value, None, False, "127.0.0.1", False, False, "/", True,
                False, None, False, None, None, {},
            )
        )  # fmt: skip
    return jar


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_check_asked_for_while_redis_is_down_is_recorded_and_sent_when_it_returns(
    web, celery_on_private_redis, private_redis, silent_recorder
):
    _, base = web
    user = UserFactory()
    Membership.objects.create(owner=silent_recorder.site.owner, user=user, role=MemberRole.ADMIN)
    cookies = urllib.request.HTTPCookieProcessor(login_cookie(user))
    page = f"{base}/uji-koneksi/perekam/{silent_recorder.pk}/"
    form = fetch(page, urllib.request.build_opener(cookies))
    assert form is not None and form[0] == 200, form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[2]).group(1)

    private_redis.stop()
    try:
        answer = fetch(
            page,
            urllib.request.build_opener(cookies, NoRedirect()),
            data=urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode(),
        )
    finally:
        private_redis.start()

    assert answer is not None
    assert answer[0] == 302, answer  # the person is sent to their check, queued
    check = Check.objects.get(recorder=silent_recorder)
    assert (check.status, check.task_id) == (CheckStatus.QUEUED, "")

    # the sweep leaves younger checks to the request that may still be sending them
    Check.objects.filter(pk=check.pk).update(
        created_at=check.created_at - connectivity_services.selectors.SEND_GRACE
    )
    # the reaper's periodic run, as beat sends it, to the worker on the private Redis
    with kombu.Connection(private_redis.url) as broker:
        celery_app.send_task(
            RUN_TASK_NAME,
            args=[reap_lost_work.module_path, [], {}, "default"],
            connection=broker,
        )
    wait_for_check(check, {CheckStatus.FINISHED}, worker=celery_on_private_redis)
    assert check.task_id
    assert check.result_code not in ("", LOST)


def multipart(fields: dict[str, str], name: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


def test_an_import_uploaded_while_redis_is_down_is_kept_and_previewed_when_it_returns(
    web, celery_on_private_redis, private_redis
):
    _, base = web
    program = estate_program()
    owner = OwnerFactory(name="Perumahan Griya Uji")
    user = UserFactory()
    Membership.objects.create(owner=owner, user=user, role=MemberRole.ADMIN)
    cookies = urllib.request.HTTPCookieProcessor(login_cookie(user))
    page = f"{base}/saya/perumahan/"
    form = fetch(page, urllib.request.build_opener(cookies))
    assert form is not None and form[0] == 200, form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[2]).group(1)
    body, content_type = multipart(
        {"csrfmiddlewaretoken": token, "owner": str(owner.pk), "program": program.slug},
        "file",
        "rumah.csv",
        csv_bytes([row(n) for n in range(8)]),
    )

    private_redis.stop()
    try:
        answer = fetch(
            urllib.request.Request(page, data=body, headers={"Content-Type": content_type}),  # noqa: S310
            urllib.request.build_opener(cookies, NoRedirect()),
        )
    finally:
        private_redis.start()

    assert answer is not None
    assert answer[0] == 302, answer  # the manager is sent to the job's page, queued
    job = ImportJob.objects.get(owner=owner)
    assert answer[1]["Location"].endswith(f"/saya/perumahan/impor/{job.pk}/")
    assert (job.status, job.task_id) == (ImportStatus.QUEUED, "")

    # the sweep leaves younger jobs to the request that may still be sending them
    ImportJob.objects.filter(pk=job.pk).update(deadline=job.deadline - SEND_GRACE)
    with kombu.Connection(private_redis.url) as broker:
        celery_app.send_task(
            RUN_TASK_NAME,
            args=[reap_lost_work.module_path, [], {}, "default"],
            connection=broker,
        )

    def previewed() -> bool:
        job.refresh_from_db()
        return job.status == ImportStatus.PREVIEW

    wait_until(previewed, worker=celery_on_private_redis, timeout=PATIENCE)
    assert job.task_id
    assert job.summary["created"] == 8


# --- a private PostgreSQL restarted under load ------------------------------------------


@pytest.fixture(scope="module")
def private_postgres(django_db_setup: None) -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of the test's own (``pg_ctl``), holding a copy of the test
    database, so a real restart touches no other test and no shared server."""
    if connection.settings_dict["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the fault tests run on PostgreSQL")
    server = PrivatePostgres()
    try:
        server.copy_database(database_url(), "cctvwarga")
        yield server
    finally:
        server.destroy()


def test_a_postgresql_restarted_under_load_loses_nothing_and_needs_no_process_restart(
    private_postgres, tmp_path
):
    """Web, a django-q2 cluster and a Celery worker on the private cluster, with
    persistent connections; tasks flow on both engines while PostgreSQL stops (a
    fast shutdown cuts every connection) and starts again."""
    env = subprocess_env(
        DATABASE_URL=private_postgres.url("cctvwarga"), DB_CONN_MAX_AGE="600", **QUICK_PROBES
    )
    queue = f"test-{uuid.uuid4().hex[:12]}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes = {
        "web": Worker(
            [str(BIN / "gunicorn"), "portal.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--timeout", "60"],
            {**env, "TASK_ENGINE": "q2"}, tmp_path / "gunicorn.log",
        ),
        "q2": Worker(
            QCLUSTER, {**env, "TASK_ENGINE": "q2", "Q2_TIMEOUT": "30", "Q2_RETRY": "35"},
            tmp_path / "qcluster.log", new_session=True,
        ),
        "celery": Worker(
            celery_command(queue), {**env, "TASK_ENGINE": "celery"}, tmp_path / "celery.log",
            queue=queue,
        ),
    }  # fmt: skip
    loads: dict[str, tuple[subprocess.Popen[str], Path]] = {}
    stop = tmp_path / "stop"
    logs = contextlib.ExitStack()
    try:
        wait_until(lambda: fetch(f"{base}/healthz"), worker=processes["web"], timeout=PATIENCE)
        before = fetch(f"{base}/")  # Wagtail reads the page tree from the database
        assert before is not None and before[0] in (200, 404)
        pids = {name: worker.process.pid for name, worker in processes.items()}
        for engine, extra in (("q2", []), ("celery", ["--queue", queue])):
            progress = tmp_path / f"{engine}.progress"
            errors = logs.enter_context((tmp_path / f"{engine}.load.log").open("w"))
            loads[engine] = (
                subprocess.Popen(
                    [str(BIN / "python"), "-m", "tests.portal.fault_load", "--prefix", engine,
                     "--stop", str(stop), "--progress", str(progress), *extra],
                    env={**env, "TASK_ENGINE": engine}, cwd=ROOT, text=True,
                    stdout=subprocess.PIPE, stderr=errors,
                ),
                progress,
            )  # fmt: skip

        def counts(engine: str) -> tuple[int, int]:
            text = loads[engine][1].read_text() if loads[engine][1].exists() else ""
            accepted, refused = (int(n) for n in (text.split() or ["0", "0"]))
            return accepted, refused

        # the tasks flow on both engines
        wait_until(lambda: all(counts(e)[0] >= 5 for e in loads), timeout=PATIENCE)

        private_postgres.stop()
        try:
            down = fetch(f"{base}/")
            health = fetch(f"{base}/healthz")
            # people keep pressing buttons meanwhile: django-q2 (its broker is the
            # database) refuses their work, Celery's queue keeps taking it
            refused_before = counts("q2")[1]
            wait_until(lambda: counts("q2")[1] >= refused_before + 3, timeout=PATIENCE)
        finally:
            private_postgres.start()
        stop.touch()

        reports = {}
        for engine, (load, _) in loads.items():
            out, _ = load.communicate(timeout=PATIENCE + 60)
            assert load.returncode == 0, (engine, out)
            reports[engine] = json.loads(out.strip().splitlines()[-1])
        after = wait_until(lambda: (r := fetch(f"{base}/")) and r[0] != 503 and r, timeout=PATIENCE)
        health_after = fetch(f"{base}/healthz")
    finally:
        stop.touch()
        for load, _ in loads.values():
            if load.poll() is None:
                load.kill()
                load.wait(timeout=20)
        logs.close()
        for worker in processes.values():
            worker.stop()

    print("load reports:", json.dumps(reports))  # shown with pytest -s
    assert down is not None and down[0] == 503, down
    assert "Basis data sedang tidak dapat dihubungi" in down[2]
    assert health is not None and health[0] == 503
    assert json.loads(health[2])["database"]["ok"] is False
    assert after[0] == before[0] and health_after[0] == 200  # on their own: the same processes
    assert {name: worker.process.pid for name, worker in processes.items()} == pids
    for engine, report in reports.items():
        assert report["pending"] == 0, (engine, report)  # nothing stuck
        # nothing lost, nothing twice: every accepted task ran to success once, leaving
        # its one row; one whose database went away mid-run was run again afterwards
        # (Celery: DATABASE_RETRY_DELAYS; django-q2: delivered again after Q2_RETRY)
        assert report["successful"] == report["accepted"], (engine, report)
        assert report["successful_without_row"] == 0, (engine, report)
        assert report["rows_without_success"] == 0, (engine, report)
        assert report["last_successful"], (engine, report)  # work flows again afterwards
    assert reports["q2"]["refused"] >= 3  # the outage did happen under load
