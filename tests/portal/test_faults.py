"""Faults survived, nothing lost: real workers killed with SIGKILL mid-task, a database
and a broker that go away and come back. Real processes only (``engines`` marker).

- A worker killed during a probe: the check runs again and finishes (Celery puts the
  message back, ``reject_on_worker_lost``; django-q2 delivers it again after
  ``Q2_RETRY``). A task declared ``at_most_once`` is reported failed, never run twice.
- PostgreSQL going away (a TCP proxy that we cut and restore): the web answers 503
  with a clear page, ``/healthz`` says why, and both recover without a restart;
  so do the workers.
- Redis going away under Celery (a private ``redis-server`` we stop and start): a
  check asked for meanwhile is recorded, and the sweep sends it once Redis is back.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.tasks import TaskResultStatus

from connectivity import services as connectivity_services
from connectivity.explanations import LOST
from connectivity.models import Check, CheckStatus
from owners.models import MemberRole, Membership
from tests.factories import RecorderFactory, UserFactory
from tests.fakes.tcp_proxy import TcpProxy
from tests.portal.conftest import (
    BIN,
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
from tests.portal.faults import PrivateRedis, alive, kill, process_running_probes

pytestmark = [
    pytest.mark.engines,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("engines"),
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


def wait_for_check(check: Check, statuses: set[str], *, worker: Worker, timeout: float = 120):
    def reached() -> bool:
        check.refresh_from_db()
        return check.status in statuses

    wait_until(reached, worker=worker, timeout=timeout)
    return check


def celery_worker_on(queue: str, log: Path, **env: str) -> Worker:
    return Worker(
        [
            str(BIN / "celery"), "-A", "portal", "worker", "--loglevel", "INFO",
            "--queues", queue, "--hostname", f"{queue}@%h",
            "--concurrency", "1", "--without-mingle", "--without-gossip",
        ],
        subprocess_env(TASK_ENGINE="celery", CELERY_TRACK_STARTED="true", **env),
        log,
        queue=queue,
    )  # fmt: skip


# --- a worker killed mid-task ------------------------------------------------------------


def test_a_check_whose_celery_worker_is_killed_mid_probe_runs_again_and_finishes(
    on_celery, silent_recorder, tmp_path
):
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = celery_worker_on(queue, tmp_path / "celery.log", **QUICK_PROBES)
    try:
        check = Check.objects.create(recorder=silent_recorder)
        result = connectivity_services.run_check.using(queue_name=queue).enqueue(check.pk)
        wait_for_check(check, {CheckStatus.RUNNING}, worker=worker)
        busy = wait_until(lambda: process_running_probes(worker.process.pid), worker=worker)

        kill(busy)  # the pool process running the probe: SIGKILL, as the OOM killer does

        wait_for_check(check, {CheckStatus.FINISHED}, worker=worker)
        wait_for_status(result, FINISHED, worker=worker)
        assert result.status == TaskResultStatus.SUCCESSFUL  # the re-delivered run
        assert check.result_code not in ("", LOST)  # a real outcome of the probe
        assert not alive(busy)
        assert "WorkerLostError" in worker.output() or "Process" in worker.output()
    finally:
        worker.stop()


def test_a_check_whose_django_q2_cluster_is_killed_mid_probe_runs_again_and_finishes(
    on_q2, silent_recorder, tmp_path
):
    env = subprocess_env(TASK_ENGINE="q2", Q2_TIMEOUT="20", Q2_RETRY="25", **QUICK_PROBES)
    log = tmp_path / "qcluster.log"
    command = [str(BIN / "python"), "manage.py", "qcluster", "--skip-checks"]
    cluster = Worker(command, env, log, new_session=True)
    check = Check.objects.create(recorder=silent_recorder)
    result = connectivity_services.run_check.enqueue(check.pk)
    wait_for_check(check, {CheckStatus.RUNNING}, worker=cluster)

    # The whole cluster dies at once (a machine restart): nothing can save a result.
    import os
    import signal

    os.killpg(cluster.process.pid, signal.SIGKILL)
    cluster.process.wait(timeout=20)
    cluster.stop()
    check.refresh_from_db()
    assert check.status == CheckStatus.RUNNING  # what a dead worker leaves behind

    restarted = Worker(command, env, log, new_session=True)
    try:
        wait_for_check(check, {CheckStatus.FINISHED}, worker=restarted)
        wait_for_status(result, FINISHED, worker=restarted)
    finally:
        restarted.stop()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert check.result_code not in ("", LOST)


def test_celery_runs_an_idempotent_task_again_but_never_an_at_most_once_task(on_celery, tmp_path):
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = celery_worker_on(queue, tmp_path / "celery.log")
    release = tmp_path / "release"
    try:
        outcomes = {}
        for task in (note_pid_and_wait, note_pid_and_wait_once):
            runs = tmp_path / f"{task.name}.pids"
            result = task.using(queue_name=queue).enqueue(str(runs), str(release))
            pid = int(wait_until(lambda runs=runs: runs.exists() and runs.read_text().split()[0]))
            kill(pid)
            if task is note_pid_and_wait:
                wait_until(lambda runs=runs: len(runs.read_text().split()) >= 2, worker=worker)
                release.touch()
            wait_for_status(result, FINISHED, worker=worker)
            release.unlink(missing_ok=True)
            outcomes[task.name] = (result.status, len(runs.read_text().split()))
    finally:
        worker.stop()

    assert outcomes == {
        "note_pid_and_wait": (TaskResultStatus.SUCCESSFUL, 2),  # delivered again, ran again
        "note_pid_and_wait_once": (TaskResultStatus.FAILED, 1),  # reported failed, once
    }


# --- the database goes away and comes back --------------------------------------------


@pytest.fixture
def database_proxy() -> Iterator[TcpProxy]:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the database fault tests run on PostgreSQL")
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    yield proxy
    proxy.close()


def through(proxy: TcpProxy) -> str:
    return database_url().replace(
        f":{connection.settings_dict['PORT'] or 5432}/", f":{proxy.port}/"
    )


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


def gunicorn(tmp_path: Path, **env: str) -> tuple[Worker, str]:
    port = free_port()
    server = Worker(
        [str(BIN / "gunicorn"), "portal.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "60"],
        subprocess_env(**env),
        tmp_path / f"gunicorn-{port}.log",
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: fetch(f"{base}/healthz"), worker=server)
    return server, base


def test_the_web_answers_503_while_postgresql_is_down_and_recovers_on_its_own(
    database_proxy, tmp_path
):
    # persistent connections (the production default), which must reconnect
    server, base = gunicorn(
        tmp_path, DATABASE_URL=through(database_proxy), DB_CONN_MAX_AGE="600", TASK_ENGINE="q2"
    )
    try:
        page = f"{base}/"  # Wagtail reads the page tree from the database
        before = fetch(page)
        assert before is not None and before[0] in (200, 404)
        assert fetch(f"{base}/healthz")[0] == 200

        database_proxy.cut()
        down = fetch(page)
        health = fetch(f"{base}/healthz")

        database_proxy.restore()
        after = wait_until(lambda: (r := fetch(page)) and r[0] != 503 and r, worker=server)
        health_after = fetch(f"{base}/healthz")
    finally:
        server.stop()

    status, headers, body = down
    assert status == 503
    assert headers["Retry-After"]
    assert "Basis data sedang tidak dapat dihubungi" in body
    assert "Traceback" not in body
    assert health[0] == 503
    report = json.loads(health[2])
    assert report["database"]["ok"] is False
    assert report["database"]["error"]  # why: the driver's own words
    assert after[0] == before[0]
    assert health_after[0] == 200


def test_workers_of_both_engines_recover_when_postgresql_comes_back(
    on_celery, database_proxy, tmp_path, settings
):
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {"DATABASE_URL": through(database_proxy), "DB_CONN_MAX_AGE": "600"}
    celery = celery_worker_on(queue, tmp_path / "celery.log", **env)
    q2 = Worker(
        [str(BIN / "python"), "manage.py", "qcluster", "--skip-checks"],
        subprocess_env(TASK_ENGINE="q2", **env),
        tmp_path / "qcluster.log",
    )
    try:
        first = record_visit.using(queue_name=queue).enqueue(f"before-{uuid.uuid4().hex}")
        wait_for_status(first, FINISHED, worker=celery)
        assert first.status == TaskResultStatus.SUCCESSFUL

        database_proxy.cut()  # PostgreSQL restarts: every connection dies
        database_proxy.restore()

        name = f"after-{uuid.uuid4().hex}"
        after = record_visit.using(queue_name=queue).enqueue(name)
        wait_for_status(after, FINISHED, worker=celery)
        assert after.status == TaskResultStatus.SUCCESSFUL
        assert Group.objects.filter(name=name).exists()

        from tests.portal.conftest import Q2_BACKEND

        settings.TASKS = {"default": Q2_BACKEND}
        q2_name = f"q2-after-{uuid.uuid4().hex}"
        q2_result = record_visit.enqueue(q2_name)
        wait_for_status(q2_result, FINISHED, worker=q2)
        assert q2_result.status == TaskResultStatus.SUCCESSFUL
        database_proxy.cut()
        database_proxy.restore()
        q2_again = record_visit.enqueue(f"q2-again-{uuid.uuid4().hex}")
        wait_for_status(q2_again, FINISHED, worker=q2)
        assert q2_again.status == TaskResultStatus.SUCCESSFUL
    finally:
        celery.stop()
        q2.stop()


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


def test_a_check_asked_for_while_redis_is_down_is_recorded_and_sent_when_it_returns(
    silent_recorder, tmp_path
):
    redis = PrivateRedis(tmp_path)
    env = {
        "TASK_ENGINE": "celery",
        "CELERY_BROKER_URL": redis.url,
        "CELERY_RESULT_BACKEND": redis.url,
        **QUICK_PROBES,
    }
    user = UserFactory()
    Membership.objects.create(owner=silent_recorder.site.owner, user=user, role=MemberRole.ADMIN)
    server, base = gunicorn(tmp_path, **env)
    worker = Worker(
        [str(BIN / "celery"), "-A", "portal", "worker", "--loglevel", "INFO",
         "--concurrency", "1", "--without-mingle", "--without-gossip"],
        subprocess_env(**env),
        tmp_path / "celery.log",
    )  # fmt: skip
    try:
        cookies = urllib.request.HTTPCookieProcessor(login_cookie(user))
        opener = urllib.request.build_opener(cookies)
        page = f"{base}/uji-koneksi/perekam/{silent_recorder.pk}/"
        form = fetch(page, opener)
        assert form is not None and form[0] == 200, form
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[2]).group(1)

        redis.stop()
        answer = fetch(
            page,
            urllib.request.build_opener(cookies, NoRedirect()),
            data=urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode(),
        )
        assert answer is not None
        assert answer[0] == 302, answer  # the person sees their check, queued
        check = Check.objects.get(recorder=silent_recorder)
        assert (check.status, check.task_id) == (CheckStatus.QUEUED, "")

        redis.start()
        # the sweep leaves younger checks to the request that is sending them
        Check.objects.filter(pk=check.pk).update(
            created_at=check.created_at - connectivity_services.selectors.SEND_GRACE
        )
        sweep = subprocess.run(
            [str(BIN / "python"), "manage.py", "reap_lost_work", "--json"],
            env=subprocess_env(**env), capture_output=True, text=True, timeout=120,
            cwd=ROOT,
        )  # fmt: skip
        assert sweep.returncode == 0, sweep.stderr
        assert json.loads(sweep.stdout)["connectivity.check"]["swept"] == 1
        wait_for_check(check, {CheckStatus.FINISHED}, worker=worker)
        assert check.task_id
        assert check.result_code not in ("", LOST)
    finally:
        worker.stop()
        server.stop()
        redis.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
