"""Fault bench: mixed tasks on each engine while workers are killed and Redis restarts.

For each engine this script starts the workers itself, sends N mixed tasks
(connectivity checks against misbehaving test peers, idempotent pings and
at-most-once pings), kills a random worker process with SIGKILL K times while they
run and, for Celery, restarts its (private) Redis once. Then it waits, runs the
reaper (``portal.inflight``) and counts, per task:

- completed: finished (a check with a real result, a ping with its result);
- retried: ran more than once, all idempotent (a check re-run, a ping re-run);
- failed-as-lost: reported failed with a reason (a check reaped as ``lost``, an
  at-most-once ping whose worker died: ``WorkerLostError``);
- refused: its enqueue raised while the broker was down (the caller was told);
- stuck: still queued or running after the wait and the reaper (target 0);
- lost: no run, no result and no error anywhere (target 0);
- duplicated: an at-most-once task that ran twice (target 0).

    .venv/bin/python bench/fault_bench.py --database-url postgres://postgres@127.0.0.1:5432/fault_bench

Each engine runs in a child process (``--one ENGINE``) whose settings come from
the environment, as in production. The Celery rows use a redis-server of their own
on a free port, never the machine's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENGINES = ("q2", "celery")
COLUMNS = (
    "tasks", "completed", "retried", "failed_as_lost", "refused", "stuck", "lost", "duplicated",
)  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(engine: str, args: argparse.Namespace, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", "bench-only-not-secret")
    env.setdefault("FIELD_ENCRYPTION_KEYS", "S6Yq2x0ZkQk2wTgqF3H3rj0cTqWJ0QmEfbq1Y8m5m0A=")
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL=args.database_url,
        TASK_ENGINE=engine,
        CACHE_URL="locmem",
        LOG_LEVEL="ERROR",
        Q2_LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
        VAR_DIR=str(workdir),
        FAULT_BENCH_RUNS=str(workdir / f"runs-{engine}.log"),
        # the peers live on loopback
        CONNECTIVITY_ALLOWED_NETWORKS="127.0.0.0/8",
        CONNECTIVITY_ANY_PORT_IN_ALLOWED_NETWORKS="true",
        CONNECTIVITY_RATE_LIMIT_PER_USER="0",
        CONNECTIVITY_RATE_LIMIT_PER_HOST="0",
        # short deadlines so that the bench can wait for them
        CONNECTIVITY_STEP_TIMEOUT="2",
        CONNECTIVITY_FRAME_TIMEOUT="2",
        CONNECTIVITY_PROBE_BUDGET="4",
        CONNECTIVITY_QUEUE_MINUTES="3",
        Q2_TIMEOUT="20",
        Q2_RETRY="25",
        Q2_WORKERS="2",
        # messages taken by a worker when Redis restarted come back after this
        CELERY_VISIBILITY_TIMEOUT="60",
    )
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="tasks per engine (2000)")
    parser.add_argument("--kills", type=int, default=5, help="worker SIGKILLs per engine (5)")
    parser.add_argument("--checks", type=float, default=0.1, help="share of checks (0.1)")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--only", nargs="*", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--one", choices=ENGINES, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        print(json.dumps(run_one(args.one, args)))
        return

    workdir = Path(tempfile.mkdtemp(prefix="fault-bench-"))
    if not args.database_url:
        args.database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    if args.database_url.startswith("postgres"):
        sys.path.insert(0, str(ROOT))
        from bench.web_bench import ensure_database

        ensure_database(args.database_url)
    print(f"==> migrating {args.database_url.split('@')[-1]}", file=sys.stderr)
    subprocess.run(
        [str(BIN / "python"), "manage.py", "migrate", "--skip-checks", "-v", "0"],
        cwd=ROOT, env=child_env("q2", args, workdir), check=True,
    )  # fmt: skip
    rows = []
    for engine in args.only:
        print(f"==> {engine}", file=sys.stderr)
        out = subprocess.run(
            [sys.executable, __file__, "--one", engine, "-n", str(args.n),
             "--kills", str(args.kills), "--checks", str(args.checks),
             "--database-url", args.database_url, "--seed", str(args.seed)],
            cwd=ROOT, env=child_env(engine, args, workdir), check=True,
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        row = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"    {row}", file=sys.stderr)
        rows.append(row)
    shutil.rmtree(workdir, ignore_errors=True)

    vendor = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite (WAL)"
    print(
        f"\nFault bench: {args.n} mixed tasks per engine, {args.kills} worker SIGKILLs, "
        f"one Redis restart (Celery); database {vendor}, {os.cpu_count()} CPUs"
    )
    print(f"{'engine':<8}" + "".join(f"{c:>15}" for c in COLUMNS) + f"{'seconds':>10}")
    for row in rows:
        cells = "".join(f"{row[c]:>15}" for c in COLUMNS)
        print(f"{row['engine']:<8}{cells}{row['seconds']:>10.0f}")
    print("target: stuck 0, lost 0, duplicated 0 (retries only for idempotent tasks)")
    if any(row["stuck"] or row["lost"] or row["duplicated"] for row in rows):
        raise SystemExit(1)


# --- child: one engine -------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def is_probe_worker(pid: int) -> bool:
    try:
        return b"connectivity.worker" in (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return True


def task_processes(engine: str, root: int) -> list[int]:
    """The processes that run tasks: Celery's pool children; django-q2's workers,
    pusher and monitor (the children of its sentinel)."""
    if engine == "celery":
        return [pid for pid in children(root) if not is_probe_worker(pid)]
    return [
        pid for sentinel in children(root) for pid in children(sentinel) if not is_probe_worker(pid)
    ]


class Redis:
    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            # the queue on disk (append-only file), as docs/operations.md advises
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()  # a restart (deploy, upgrade): Redis writes its file
            self.process.wait()
            self.process = None


def start_workers(engine: str) -> subprocess.Popen[bytes]:
    if engine == "q2":
        command = [str(BIN / "python"), "manage.py", "qcluster", "--skip-checks"]
    else:
        command = [
            str(BIN / "celery"), "-A", "portal", "worker", "--loglevel", "ERROR",
            "--concurrency", "2", "--prefetch-multiplier", "4",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip


def run_one(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(os.environ["VAR_DIR"])
    redis = None
    if engine == "celery":
        redis = Redis(workdir)
        os.environ["CELERY_BROKER_URL"] = os.environ["CELERY_RESULT_BACKEND"] = redis.url
    runs_log = Path(os.environ["FAULT_BENCH_RUNS"])
    runs_log.write_text("")

    import django

    django.setup()
    from django.tasks.exceptions import TaskResultDoesNotExist
    from django_q.models import OrmQ
    from django_q.models import Task as QTask

    from bench.fault_tasks import mark, mark_once
    from connectivity import selectors, services
    from connectivity.explanations import LOST
    from connectivity.models import Check, CheckStatus
    from portal import inflight
    from tests.factories import RecorderFactory, SiteFactory
    from tests.fakes.fault_peers import start_fault_peers, stop_fault_peers

    rng = random.Random(args.seed)
    Check.objects.all().delete()
    OrmQ.objects.all().delete()
    QTask.objects.all().delete()
    peers = start_fault_peers(redirect_port=free_port())
    site = SiteFactory()
    recorders = [
        RecorderFactory(site=site, host="127.0.0.1", onvif_enabled=False, rtsp_port=peers[peer])
        for peer in ("closes", "garbage", "http", "session_limit")
        for _ in range(5)
    ]

    workers = start_workers(engine)
    stop_killing = threading.Event()
    kills: list[int] = []

    def killer(total_seconds: float) -> None:
        for i in range(args.kills):
            if stop_killing.wait(total_seconds / (args.kills + 1) * (1 + rng.random() * 0.5)):
                return
            candidates = task_processes(engine, workers.pid)
            if candidates:
                victim = rng.choice(candidates)
                try:
                    os.kill(victim, signal.SIGKILL)
                    kills.append(victim)
                except ProcessLookupError:
                    pass
            if engine == "celery" and i == args.kills // 2 and redis is not None:
                redis.stop()  # the broker goes away under load...
                time.sleep(2)
                redis.start()  # ...and comes back with its append-only file

    plan = []
    for i in range(args.n):
        r = rng.random()
        kind = "check" if r < args.checks else ("once" if r < args.checks + 0.1 else "mark")
        plan.append((kind, f"t{i}"))
    enqueued: dict[str, tuple[str, str]] = {}  # token -> (kind, result id or check id)
    refused: list[tuple[str, str]] = []
    started = time.monotonic()
    # warm up, then faults while the tasks are sent and run
    mark.enqueue("warm")
    while "warm" not in runs_log.read_text():
        time.sleep(0.1)
    thread = threading.Thread(target=killer, args=(max(10.0, args.n / 60),), daemon=True)
    thread.start()

    def send(kind: str, token: str) -> bool:
        if kind == "check":
            check = Check.objects.create(recorder=rng.choice(recorders), detail={"bench": token})
            services.checks_hand_over(check_ids=[check.pk])  # unsent: the sweep sends it
            enqueued[token] = (kind, str(check.pk))
            return True
        task = mark if kind == "mark" else mark_once
        try:
            enqueued[token] = (kind, task.enqueue(token).id)
        except Exception:
            return False
        return True

    for kind, token in plan:
        if not send(kind, token):
            refused.append((kind, token))
        time.sleep(0.01)  # about the rate of a busy day, not a flood
    # a refused send is the caller's to repeat once the broker answers (as a person would)
    for kind, token in refused:
        while not send(kind, token):
            time.sleep(0.5)
    thread.join()
    stop_killing.set()

    def result_status(kind: str, ref: str) -> str:
        if kind == "check":
            check = Check.objects.get(pk=int(ref))
            if check.status != CheckStatus.FINISHED:
                return "open"
            return "lost" if check.result_code == LOST else "done"
        try:
            status = (mark if kind == "mark" else mark_once).get_result(ref).status
        except TaskResultDoesNotExist:
            return "missing"
        return {"SUCCESSFUL": "done", "FAILED": "failed"}.get(str(status), "open")

    # wait until everything has an outcome, reaping as the periodic task would
    deadline = time.monotonic() + selectors.check_queue_deadline().total_seconds() + 120
    while True:
        inflight.reap_all()
        statuses = {t: result_status(*enqueued[t]) for t in enqueued}
        ran = set(runs_log.read_text().split())
        open_ = [
            t
            for t, s in statuses.items()
            if s in ("open", "missing") and not (enqueued[t][0] != "check" and t in ran)
        ]
        if not open_ or time.monotonic() > deadline:
            break
        time.sleep(2)
    seconds = time.monotonic() - started
    workers.send_signal(signal.SIGTERM)
    try:
        workers.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(workers.pid, signal.SIGKILL)
        workers.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(workers.pid, signal.SIGKILL)  # probe workers left behind by killed parents
    stop_fault_peers(peers)
    if redis is not None:
        redis.stop()

    runs: dict[str, int] = {}
    for line in runs_log.read_text().split():
        runs[line] = runs.get(line, 0) + 1
    counts = dict.fromkeys(COLUMNS, 0)
    counts["tasks"] = len(plan)
    counts["refused"] = len(refused)
    for token, (kind, _) in enqueued.items():
        status = statuses[token]
        ran = runs.get(token, 0)  # pings only: a check's runs show in its outcome
        if kind == "check":
            outcome = {"done": "completed", "lost": "failed_as_lost", "open": "stuck"}
            counts[outcome.get(status, "lost")] += 1
            continue
        # a ping's runs are in the log (its stored result may be gone with Redis)
        if ran:
            counts["completed"] += 1
        elif status == "failed":
            counts["failed_as_lost"] += 1
        elif status == "open":
            counts["stuck"] += 1
        else:
            counts["lost"] += 1
        if ran > 1:
            counts["duplicated" if kind == "once" else "retried"] += 1
    return {"engine": engine, "seconds": seconds, "kills": len(kills), **counts}


if __name__ == "__main__":
    main()
