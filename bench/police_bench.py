"""Police benchmark: the Polres dashboard against a trivial view, and a 60,000-row CSV export.

What it does (issue 12, "Speed")
1. Prepares a PostgreSQL database (``--database-url``, default
   postgres://postgres@127.0.0.1:5432/cctv_police_bench): migrate and
   ``seed_demo --cameras N`` (default 60,000; idempotent, so a second run is quick).
2. Signs in the demo Polres commander (polres@demo.cctvwarga.id, Polresta Tangerang,
   TOTP enrolled) by writing a session directly, as ``Client.force_login`` does.
3. Starts gunicorn with the production settings (``gunicorn.conf.py``: gthread, one
   worker per core plus one, 4 threads each; DEBUG=false, persistent connections, the
   cache from CACHE_URL: Redis when one answers, else the file cache) on a loopback
   port, and drives ``/bench-trivial`` and ``/polisi/`` in alternating rounds over
   ``--connections`` keep-alive connections (16 by default), printing requests/s,
   p50 and p95 of each and the ratio dashboard / trivial.
4. CSV export, in a second database (``--export-database-url``, default
   .../cctv_police_bench_export, so the dashboard's stays at exactly N cameras): an
   officer of a bench-only Polda whose jurisdiction covers every demo province (one
   list holds every enrolled camera with registry consent). The database is seeded
   until that list has ``--export-rows`` rows (60,000; about 85,000 demo cameras,
   since drafts, withdrawn cameras and cameras outside any program are not listed).
   A fresh single-worker gunicorn serves ``/polisi/kamera/ekspor.csv``; the script
   downloads it, timing the whole response, while it samples the worker's resident
   memory every 5 ms; it prints the time, the rows and the peak RSS growth.

Targets (printed as ok/MISS): dashboard >= 25% of the trivial view's requests/s and
p95 < 150 ms at 16 connections (< 500 ms at 1,000,000 cameras); export < 5 s and peak
RSS growth < 50 MB. The first dashboard request, which counts the board, is timed
apart: it happens once per change, and meanwhile others get the last count.

Run:  .venv/bin/python bench/police_bench.py [--cameras 60000] [--connections 16] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import runpy
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.web_bench import (
    PYTHON,
    ROOT,
    Result,
    bench_env,
    connection_loop,
    ensure_database,
    free_port,
    manage,
    wait_for,
)

POLRES_EMAIL = "polres@demo.cctvwarga.id"
EXPORT_EMAIL = "bench-export@bench.invalid"

SESSION_SCRIPT = """
import django; django.setup()
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from accounts.models import User
user = User.objects.get(email={email!r})
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()
print(settings.SESSION_COOKIE_NAME + "=" + store.session_key)
"""

# A bench-only Polda over every demo province, with one analyst (TOTP enrolled like
# the demo officers), so one export lists every enrolled camera. Prints the rows of
# that export and the number of generated cameras.
EXPORT_OFFICER_SCRIPT = """
import django; django.setup()
from accounts.models import User
from demo.seed import totp_ensure
from owners.models import Camera
from police.models import Officer, OfficerRole, PoliceUnit, Region, UnitLevel
from registry.scoping import enrolments_visible_to
unit, _ = PoliceUnit.objects.get_or_create(
    slug="bench-nasional", defaults={{"name": "Bench (semua provinsi)", "level": UnitLevel.POLDA}}
)
unit.regions.set(Region.objects.filter(level=1))
user, _ = User.objects.get_or_create(email={email!r}, defaults={{"full_name": "Bench Export"}})
Officer.objects.update_or_create(user=user, defaults={{"unit": unit, "role": OfficerRole.ANALYST}})
totp_ensure(user)
rows = enrolments_visible_to(user).exclude(state="draft").count()
print(rows, Camera.objects.count())
"""


def analyze(url: str) -> None:
    """Refresh the planner's statistics after the bulk seed (autovacuum would, later)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def django_output(env: dict[str, str], script: str) -> str:
    out = subprocess.run(
        [PYTHON, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


async def drive(
    name: str, url: str, cookie: str, connections: int, warmup: float, seconds: float
) -> Result:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    scratch = Result(name, 0, 0, 0.0, [])
    await asyncio.gather(
        *(
            connection_loop(host, port, path, time.perf_counter() + warmup, False, scratch, cookie)
            for _ in range(connections)
        )
    )
    result = Result(name, 0, 0, seconds, [])
    started = time.perf_counter()
    await asyncio.gather(
        *(
            connection_loop(host, port, path, started + seconds, True, result, cookie)
            for _ in range(connections)
        )
    )
    result.seconds = time.perf_counter() - started
    return result


def gunicorn(
    env: dict[str, str], port: int, workers: int | None = None, threads: int | None = None
) -> subprocess.Popen:
    """gunicorn with the production settings (``gunicorn.conf.py``); ``workers`` and
    ``threads`` override them only when given."""
    override = []
    if workers is not None:
        override += ["--workers", str(workers)]
    if threads is not None:
        override += ["--threads", str(threads)]
    return subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            *override,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "bench.web_bench_settings"},
    )


def gunicorn_shape(workers: int | None, threads: int | None) -> tuple[int, int]:
    """Workers and threads gunicorn runs with: the flags, else ``gunicorn.conf.py``'s."""
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return workers or int(conf["workers"]), threads or int(conf["threads"])


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def fetch(url: str, cookie: str) -> tuple[int, int, int]:
    """GET ``url`` with the session cookie; returns (status, bytes, lines)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    conn.request(
        "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers={"Cookie": cookie}
    )
    response = conn.getresponse()
    size = lines = 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        lines += chunk.count(b"\n")
    conn.close()
    return response.status, size, lines


def bench_dashboard(args: argparse.Namespace, env: dict[str, str]) -> tuple[Result, Result]:
    cookie = django_output(env, SESSION_SCRIPT.format(email=POLRES_EMAIL))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = gunicorn(env, port, args.workers, args.threads)
    try:
        wait_for(base)
        shape = gunicorn_shape(args.workers, args.threads)
        print(
            f"==> gunicorn gthread {shape[0]}x{shape[1]} (gunicorn.conf.py), DEBUG=false, "
            f"cache {env['CACHE_URL'].split(':')[0]}, {args.connections} keep-alive connections, "
            f"{args.rounds} rounds of {args.seconds:.0f}s per URL after {args.warmup:.0f}s warm-up"
        )
        # The first request counts the board (rollups, queue ages, outages): at a million
        # cameras that takes seconds. It happens once per change, so it is timed apart.
        started = time.perf_counter()
        status, _size, _lines = fetch(base + "/polisi/", cookie)
        print(
            f"    first dashboard request (counts the board): status {status}, "
            f"{time.perf_counter() - started:.2f} s"
        )
        totals = {
            "trivial view": Result("trivial view", 0, 0, 0.0, []),
            "dashboard": Result("dashboard", 0, 0, 0.0, []),
        }
        paths = {"trivial view": "/bench-trivial", "dashboard": "/polisi/"}
        for round_no in range(1, args.rounds + 1):
            rates = {}
            for name, path in paths.items():
                result = asyncio.run(
                    drive(name, base + path, cookie, args.connections, args.warmup, args.seconds)
                )
                total = totals[name]
                total.requests += result.requests
                total.errors += result.errors
                total.seconds += result.seconds
                total.latencies_ms += result.latencies_ms
                rates[name] = result.rate
            print(
                f"    round {round_no}: trivial {rates['trivial view']:.0f} req/s, "
                f"dashboard {rates['dashboard']:.0f} req/s"
            )
        for name, total in totals.items():
            print(
                f"    {name:13} {paths[name]:16} {total.rate:8.1f} req/s  "
                f"p50 {total.percentile(0.50):6.1f} ms  p95 {total.percentile(0.95):6.1f} ms  "
                f"errors {total.errors}"
            )
        return totals["trivial view"], totals["dashboard"]
    finally:
        server.terminate()
        server.wait(timeout=20)


def bench_export(args: argparse.Namespace, env: dict[str, str]) -> tuple[float, int, float]:
    env = {**env, "DATABASE_URL": args.export_database_url}
    ensure_database(args.export_database_url)
    if not args.skip_prepare:
        print(f"==> export database: migrate, seed_demo --cameras {args.export_cameras}")
        manage(env, "migrate", "--skip-checks", "-v", "0")
        manage(env, "seed_demo", "--skip-checks", "--cameras", str(args.export_cameras))
        analyze(args.export_database_url)
    rows, cameras = (
        int(v) for v in django_output(env, EXPORT_OFFICER_SCRIPT.format(email=EXPORT_EMAIL)).split()
    )
    if rows < args.export_rows:
        more = int(cameras * args.export_rows / max(rows, 1) * 1.02) + 1
        print(f"==> the export lists {rows} rows; seeding up to {more} demo cameras for it")
        manage(env, "seed_demo", "--skip-checks", "--cameras", str(more))
        analyze(args.export_database_url)
        rows, cameras = (
            int(v)
            for v in django_output(env, EXPORT_OFFICER_SCRIPT.format(email=EXPORT_EMAIL)).split()
        )
    cookie = django_output(env, SESSION_SCRIPT.format(email=EXPORT_EMAIL))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = gunicorn(env, port, 1, 1)
    try:
        wait_for(base)
        fetch(base + "/polisi/", cookie)  # warm the worker (imports, connections)
        fetch(base + "/polisi/kamera/ekspor.csv?state=submitted", cookie)
        workers = children_of(server.pid)
        worker = workers[0] if workers else server.pid
        before = rss_kb(worker)
        peak = before
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, rss_kb(worker))
                time.sleep(0.005)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        status, size, lines = fetch(base + "/polisi/kamera/ekspor.csv", cookie)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        exported = lines - 1  # the header
        print(
            f"==> CSV export ({cameras} cameras): status {status}, {exported} rows, "
            f"{size / 1e6:.1f} MB in {seconds:.2f} s; worker RSS {before / 1024:.0f} MB -> "
            f"peak {peak / 1024:.0f} MB (growth {(peak - before) / 1024:.1f} MB)"
        )
        return seconds, exported, (peak - before) / 1024
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "POLICE_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cctv_police_bench"
        ),
    )
    parser.add_argument("--cameras", type=int, default=60_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5, help="per URL and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument(
        "--workers", type=int, help="override gunicorn.conf.py (default: cores + 1)"
    )
    parser.add_argument("--threads", type=int, help="override gunicorn.conf.py (default: 4)")
    parser.add_argument(
        "--export-database-url",
        default=os.environ.get(
            "POLICE_BENCH_EXPORT_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/cctv_police_bench_export",
        ),
    )
    parser.add_argument("--export-rows", type=int, default=60_000)
    parser.add_argument("--export-cameras", type=int, default=85_000)
    parser.add_argument("--skip-prepare", action="store_true", help="database already seeded")
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("the police benchmark runs on PostgreSQL (--database-url postgres://...)")

    with tempfile.TemporaryDirectory(prefix="police_bench_") as var_dir:
        env = bench_env(args, var_dir)
        ensure_database(args.database_url)
        if not args.skip_prepare:
            print(f"==> migrate, seed_demo --cameras {args.cameras} (idempotent)")
            started = time.perf_counter()
            manage(env, "migrate", "--skip-checks", "-v", "0")
            manage(env, "seed_demo", "--skip-checks", "--cameras", str(args.cameras))
            analyze(args.database_url)
            print(f"    ready in {time.perf_counter() - started:.0f}s")
        manage(env, "collectstatic", "--skip-checks", "--noinput", "-v", "0")
        cameras = django_output(
            env,
            "import django; django.setup()\n"
            "from owners.models import Camera\nprint(Camera.objects.count())",
        )
        print(f"==> {cameras} cameras in the database")
        trivial, board = bench_dashboard(args, env)
        export = None if args.skip_export else bench_export(args, env)

    ratio = board.rate / trivial.rate if trivial.rate else 0.0
    p95 = board.percentile(0.95)
    print(
        f"==> dashboard / trivial view: {ratio:.0%} "
        f"(target >= 25%: {'ok' if ratio >= 0.25 else 'MISS'})"
    )
    limit = 500 if int(cameras) >= 1_000_000 else 150  # issue 12: < 500 ms at a million
    print(
        f"==> dashboard p95 {p95:.1f} ms (target < {limit} ms: {'ok' if p95 < limit else 'MISS'})"
    )
    if export is not None:
        seconds, rows, growth = export
        print(
            f"==> export of {rows} rows in {seconds:.2f} s (target < 5 s: "
            f"{'ok' if seconds < 5 and rows >= args.export_rows else 'MISS'}), "
            f"peak RSS growth {growth:.1f} MB (target < 50 MB: {'ok' if growth < 50 else 'MISS'})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
