"""WhatsApp benchmark against the fake Graph API (tests/fakes/graph_api.py), one run.

What it does
1. Fan-out: N queued messages (default 10,000, each to its own number so the pair
   limit does not hold them) sent by W worker processes (default 2, one per core)
   running the outbox sender (``notifications.services.outbox_send`` with the
   defaults the tasks use), with ``WHATSAPP_RATE=80`` on the embedded engine's pace
   (a locked database row), then with ``WHATSAPP_RATE=500`` on the Celery engine's
   pace (a Redis key). The workers warm up first and start together, as running
   workers would. Prints the achieved rate against the configured one (the
   baseline) and the most sends the fake saw in any one-second window.
2. Killing a worker: a 2,000-message batch, two workers; one is killed with
   SIGKILL when a third of the batch went out, then started again. The fake sends
   a signed "sent" status webhook for every message it accepted to the app
   (gunicorn); the bench runs the reaper. Prints duplicates and lost messages
   counted by tracker in the fake's log.
3. Webhook ingestion: signed status webhooks POSTed to gunicorn from C connections;
   prints requests/s and p50/p95 latency.

Targets (printed ok/MISS): fan-out >= 95% of 80/s and never more than 80 in a
second; >= 90% of 500/s; 0 duplicates and 0 lost; >= 300 webhooks/s with p95 < 250 ms.

Run:  .venv/bin/python bench/whatsapp_bench.py [--messages 10000] [--workers 2]
      [--celery-workers W] [--kill-messages 2000] [--webhooks 3000] [--skip ...]
      (DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/cctvwarga_bench_wa;
       Redis at CELERY_BROKER_URL, default redis://127.0.0.1:6379/12)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable

BASE_ENV = {
    "DATABASE_URL": os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cctvwarga_bench_wa"
    ),
    "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12"),
    "SECRET_KEY": "bench-only",
    "FIELD_ENCRYPTION_KEYS": "S6Yq2x0ZkQk2wTgqF3H3rj0cTqWJ0QmEfbq1Y8m5m0A=",
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "CACHE_URL": "locmem",
    "LOG_LEVEL": "WARNING",
    "DB_CONN_MAX_AGE": "600",
}


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, **BASE_ENV, **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the worker (a child process) ---------------------------------------------------


def worker(*, hold: bool = False) -> None:
    """Send until the outbox is empty; with ``hold``, warm up first and wait for "go".

    Warming up (Django, the database connection, the Graph API client, the pace's
    script) takes seconds on a loaded machine; a worker in production has done it
    long before a fan-out starts, so the fan-out is measured from warm workers.
    """
    import django

    django.setup()
    from django.db import connection

    from notifications import ratelimit, services, whatsapp
    from notifications.models import OPEN, Message

    if hold:
        connection.ensure_connection()
        Message.objects.filter(status__in=list(OPEN)).exists()
        whatsapp.client()
        ratelimit.next_slot()
        print("ready", flush=True)
        sys.stdin.readline()
    idle_since = None
    while True:
        sent = services.outbox_send()  # what the tasks run, with its defaults
        if sent:
            idle_since = None
            continue
        if not Message.objects.filter(status__in=list(OPEN)).exists():
            if idle_since is None:
                idle_since = time.time()
            elif time.time() - idle_since > 2:
                return
        time.sleep(0.1)


# --- helpers in the bench process ---------------------------------------------------


def setup_django(fake_url: str) -> None:
    from tests.fakes import graph_api as g

    os.environ.update(
        BASE_ENV,
        WHATSAPP_API_BASE_URL=fake_url,
        WHATSAPP_ACCESS_TOKEN=g.TOKEN,
        WHATSAPP_PHONE_NUMBER_ID=g.PHONE_ID,
        WHATSAPP_APP_SECRET=g.APP_SECRET,
        WHATSAPP_VERIFY_TOKEN=g.VERIFY_TOKEN,
        TASK_ENGINE="q2",
    )
    import django

    django.setup()


def whatsapp_env(fake_url: str, **extra: str) -> dict[str, str]:
    from tests.fakes import graph_api as g

    return env(
        WHATSAPP_API_BASE_URL=fake_url,
        WHATSAPP_ACCESS_TOKEN=g.TOKEN,
        WHATSAPP_PHONE_NUMBER_ID=g.PHONE_ID,
        WHATSAPP_APP_SECRET=g.APP_SECRET,
        WHATSAPP_VERIFY_TOKEN=g.VERIFY_TOKEN,
        **extra,
    )


def reset(n: int, prefix: str) -> list[int]:
    from datetime import timedelta

    from django.utils import timezone

    from consent.models import MessagingConsent
    from notifications.models import (
        Message,
        MessageKind,
        RateBucket,
        Recipient,
        StatusEvent,
        WebhookPayload,
    )

    StatusEvent.objects.all().delete()
    WebhookPayload.objects.all().delete()
    Message.objects.all().delete()
    Recipient.objects.all().delete()
    RateBucket.objects.all().delete()
    now = timezone.now()
    rows = [
        Message(
            key=f"{prefix}{i}",
            kind=MessageKind.UPDATE,
            phone=f"+62813{i:08d}",
            template="cw_verified",
            params=["1", "Mataraksa"],
            text="bench",
            next_attempt_at=now,
            deadline_at=now + timedelta(hours=1),
        )
        for i in range(n)
    ]
    Message.objects.bulk_create(rows, batch_size=2000)
    MessagingConsent.objects.all().delete()
    MessagingConsent.objects.bulk_create(
        [
            MessagingConsent(
                phone=m.phone, opted_in=True, text_version="wa-1", text="bench", channel="profile"
            )
            for m in rows
        ],
        batch_size=2000,
    )
    return list(Message.objects.order_by("pk").values_list("pk", flat=True))


def start_workers(
    count: int, child_env: dict[str, str], *, together: bool = False
) -> list[subprocess.Popen]:
    """Start ``count`` workers; with ``together``, they start sending at the same moment."""
    command = [PYTHON, __file__, "--worker"] + (["--hold"] if together else [])
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "text": True} if together else {}
    procs = [subprocess.Popen(command, env=child_env, cwd=ROOT, **pipes) for _ in range(count)]
    if together:
        for p in procs:
            if p.stdout is None or p.stdout.readline().strip() != "ready":
                raise SystemExit("a worker did not start")
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
    return procs


def max_in_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    best = j = 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def ok(flag: bool) -> str:
    return "ok" if flag else "MISS"


def fan_out(fake, n: int, workers: int, rate: int, engine: str) -> tuple[float, int]:
    fake.sent.clear()
    reset(n, f"f{rate}-")
    if engine == "celery":
        import redis

        redis.Redis.from_url(BASE_ENV["CELERY_BROKER_URL"]).delete("cctvwarga:ratelimit:whatsapp")
    procs = start_workers(
        workers,
        whatsapp_env(fake.base_url, WHATSAPP_RATE=str(rate), TASK_ENGINE=engine),
        together=True,
    )
    for p in procs:
        p.wait()
    times = [m["at"] for m in fake.sent]
    achieved = (len(times) - 1) / (max(times) - min(times)) if len(times) > 1 else 0.0
    return achieved, max_in_window(times)


# --- the web server for webhooks ----------------------------------------------------


def start_gunicorn(fake_url: str, port: int, engine: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "8",
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        env=whatsapp_env(fake_url, TASK_ENGINE=engine, DEBUG="false", ALLOWED_HOSTS="127.0.0.1"),
        cwd=ROOT,
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.2)
    else:
        raise SystemExit("gunicorn did not start")

    # Warm every worker thread up (the first request loads the URLconf: seconds on a
    # busy machine), so the measurement starts on a running server.
    def warm() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", "/whatsapp/webhook/?hub.mode=subscribe")
        conn.getresponse().read()

    threads = [threading.Thread(target=warm) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return proc


def kill_test(fake, n: int, port: int) -> tuple[int, int, int]:
    from notifications import services
    from notifications.models import OPEN, Message

    fake.sent.clear()
    ids = reset(n, "k-")
    fake.status_webhook_url = f"http://127.0.0.1:{port}/whatsapp/webhook/"
    child = whatsapp_env(fake.base_url, WHATSAPP_RATE="200", WHATSAPP_UNCERTAIN_GRACE="5")
    procs = start_workers(2, child)
    while len(fake.sent) < n // 3:
        time.sleep(0.05)
    os.kill(procs[0].pid, signal.SIGKILL)
    procs[0].wait()
    time.sleep(0.5)
    procs[0] = start_workers(1, child)[0]
    # The reaper runs alongside (every second here; every minute in production).
    from django.conf import settings

    settings.WHATSAPP_UNCERTAIN_GRACE = 5
    deadline = time.time() + 300
    while Message.objects.filter(status__in=list(OPEN)).exists() and time.time() < deadline:
        services.outbox_reap()
        time.sleep(1)
    for p in procs:
        p.wait(timeout=60)
    fake.status_webhook_url = ""
    trackers = [m["tracker"] for m in fake.sent]
    seen = set(trackers)
    duplicates = len(trackers) - len(seen)
    lost = sum(1 for pk in ids if f"m{pk}" not in seen)
    return duplicates, lost, fake.webhook_errors


def ingest(fake, port: int, total: int, connections: int) -> tuple[float, float, float, int]:
    from tests.fakes.graph_api import FakeGraph

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    per = total // connections

    def run(c: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for i in range(per):
            record = {"wamid": f"wamid.bench{c}x{i}", "to": "6281300000000", "tracker": ""}
            body, signature = FakeGraph.signed(fake.status_payload(record, "delivered"))
            start = time.perf_counter()
            conn.request(
                "POST",
                "/whatsapp/webhook/",
                body=body,
                headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
            )
            response = conn.getresponse()
            response.read()
            took = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(took)
                if response.status != 200:
                    errors[0] += 1

    threads = [threading.Thread(target=run, args=(c,)) for c in range(connections)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2]
    p95 = ordered[int(0.95 * len(ordered))]
    return len(ordered) / seconds, p50, p95, errors[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--hold", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--kill-messages", type=int, default=2_000)
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="sender processes (default 2: one per core, as Q2_WORKERS and Celery --pool solo)",
    )
    parser.add_argument(
        "--celery-workers",
        type=int,
        default=None,
        help="sender processes for the Celery run (default: --workers)",
    )
    parser.add_argument("--webhooks", type=int, default=3_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--skip", default="", help="comma list of: fanout80,fanout500,kill,ingest")
    args = parser.parse_args()
    if args.worker:
        worker(hold=args.hold)
        return
    skip = set(filter(None, args.skip.split(",")))

    from tests.fakes.graph_api import start_fake_graph

    fake, server = start_fake_graph()
    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], env=env(), cwd=ROOT, check=True)
    setup_django(fake.base_url)
    results: dict[str, object] = {}
    if "fanout80" not in skip:
        rate, window = fan_out(fake, args.messages, args.workers, 80, "q2")
        print(
            f"fan-out, embedded engine (database pace), WHATSAPP_RATE=80, {args.messages} "
            f"messages, {args.workers} workers: {rate:.1f}/s = {rate / 80:.1%} of the "
            f"configured rate (target >= 95%: {ok(rate >= 76)}); most in one second: "
            f"{window} (target <= 80: {ok(window <= 80)})"
        )
        results["fanout80"] = {"rate": rate, "max_window": window}
    if "fanout500" not in skip:
        celery_workers = args.workers if args.celery_workers is None else args.celery_workers
        rate, window = fan_out(fake, args.messages, celery_workers, 500, "celery")
        print(
            f"fan-out, Celery engine (Redis pace), WHATSAPP_RATE=500, {args.messages} messages, "
            f"{celery_workers} workers: {rate:.1f}/s = {rate / 500:.1%} of the configured "
            f"rate (target >= 90%: {ok(rate >= 450)}); most in one second: {window} "
            f"(target <= 500: {ok(window <= 500)})"
        )
        results["fanout500"] = {"rate": rate, "max_window": window}
    if not {"kill", "ingest"} <= skip:
        port = free_port()
        web = start_gunicorn(fake.base_url, port, "immediate" if "kill" not in skip else "q2")
        try:
            if "kill" not in skip:
                duplicates, lost, errors = kill_test(fake, args.kill_messages, port)
                print(
                    f"kill -9 of one of two workers mid-batch ({args.kill_messages} messages), "
                    f"restarted: duplicates {duplicates}, lost {lost} (target 0 and 0: "
                    f"{ok(duplicates == 0 and lost == 0)}); status webhooks refused: {errors} "
                    f"{sorted({str(a) for a in fake.webhook_answers})}"
                )
                results["kill"] = {"duplicates": duplicates, "lost": lost}
        finally:
            web.terminate()
            web.wait()
        if "ingest" not in skip:
            port = free_port()
            web = start_gunicorn(fake.base_url, port, "q2")
            try:
                ingest(fake, port, 200, 4)  # warm-up
                rate, p50, p95, errors = ingest(fake, port, args.webhooks, args.connections)
            finally:
                web.terminate()
                web.wait()
            print(
                f"webhook ingestion, gunicorn 2 workers x 8 threads, {args.connections} "
                f"connections, {args.webhooks} signed POSTs: {rate:.0f}/s (target >= 300: "
                f"{ok(rate >= 300)}), p50 {p50:.1f} ms, p95 {p95:.1f} ms (target < 250: "
                f"{ok(p95 < 250)}), non-200: {errors}"
            )
            results["ingest"] = {"rate": rate, "p50_ms": p50, "p95_ms": p95, "errors": errors}
    server.shutdown()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
