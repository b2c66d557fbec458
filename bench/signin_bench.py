"""Sign-in benchmark: password sign-ins per second with PBKDF2 (before) and Argon2id (after).

What it does
1. Prepares a database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cctv_bench):
   migrate, and two accounts with the same password: one whose hash is PBKDF2 (Django's
   default, 1.5 million iterations in Django 6.1), one whose hash is Argon2id with the
   parameters of ``portal.hashers``.
2. Starts two gunicorn servers with production-like settings (DEBUG=false, gthread):
   "before" lists Django's default hashers (PBKDF2 first, as the project had), "after"
   is ``portal.settings`` (Argon2id first). Both turn allauth's rate limits off, which
   would otherwise stop a run at 30 sign-ins a minute from one address.
3. Each of N keep-alive connections fetches the sign-in page once (CSRF cookie and
   token), then posts the sign-in form again and again without a session cookie, so
   every request is a full password sign-in that answers 302. The two servers are
   driven in alternating rounds, so load from other programs weighs on both alike.
   It prints sign-ins/s, p50 and p95 of each, the ratio, and for the record the time
   of one hash with each hasher in this process.

Run:  .venv/bin/python bench/signin_bench.py [--connections 4] [--rounds 3] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.web_bench import (
    PYTHON,
    ROOT,
    Result,
    bench_env,
    ensure_database,
    free_port,
    manage,
    read_response,
    wait_for,
)

PASSWORD = "Bench-sign-in-2026"  # noqa: S105 - benchmark accounts in a benchmark database
ACCOUNTS = {"before": "bench-pbkdf2@bench.cctvwarga.id", "after": "bench-argon2@bench.cctvwarga.id"}
SETTINGS = {"before": "bench.signin_bench_settings_before", "after": "bench.signin_bench_settings"}
LOGIN_PATH = "/accounts/login/"

PREPARE_ACCOUNTS = f"""
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
User = get_user_model()
hashers = {{{ACCOUNTS["before"]!r}: "pbkdf2_sha256", {ACCOUNTS["after"]!r}: "default"}}
for email, hasher in hashers.items():
    user = User.objects.filter(email=email).first() or User(email=email, full_name="Bench")
    user.password = make_password({PASSWORD!r}, hasher=hasher)
    user.save()
    print(email, user.password.split("$")[0], user.password.split("$")[1])
"""

TIME_ONE_HASH = f"""
import time
import django
django.setup()
from django.contrib.auth.hashers import get_hasher
for name in ("pbkdf2_sha256", "argon2"):
    hasher = get_hasher(name)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        hasher.encode({PASSWORD!r}, hasher.salt())
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"{{name}} {{times[len(times) // 2]:.0f}}")
"""


async def fetch_csrf(host: str, port: int) -> tuple[str, str]:
    """The CSRF cookie and form token of the sign-in page."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        request = f"GET {LOGIN_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
        writer.write(request.encode())
        raw = await reader.read()
    finally:
        writer.close()
    text = raw.decode("utf-8", "replace")
    cookie = re.search(r"Set-Cookie: csrftoken=([^;]+)", text, re.IGNORECASE)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
    if not cookie or not token:
        raise SystemExit(f"no CSRF cookie or token on {LOGIN_PATH}:\n{text[:500]}")
    return cookie.group(1), token.group(1)


async def sign_in_loop(
    host: str, port: int, email: str, deadline: float, record: bool, result: Result
) -> None:
    cookie, token = await fetch_csrf(host, port)
    body = (
        f"csrfmiddlewaretoken={quote(token)}&login={quote(email)}&password={quote(PASSWORD)}"
    ).encode()
    request = (
        f"POST {LOGIN_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: signin_bench\r\n"
        f"Cookie: csrftoken={cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    ).encode() + body
    reader, writer = await asyncio.open_connection(host, port)
    try:
        first = True  # every connection signs in at least once (warms each worker up)
        while first or time.perf_counter() < deadline:
            first = False
            started = time.perf_counter()
            writer.write(request)
            try:
                status = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                result.errors += record
                continue
            if record:
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                if status == 302:  # signed in, sent on to the dashboard
                    result.requests += 1
                else:
                    result.errors += 1
    finally:
        writer.close()


async def drive(
    name: str, base: str, email: str, connections: int, seconds: float, warmup: float
) -> Result:
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    scratch = Result(name, 0, 0, 0.0, [])
    await asyncio.gather(
        *(
            sign_in_loop(host, port, email, time.perf_counter() + warmup, False, scratch)
            for _ in range(connections)
        )
    )
    result = Result(name, 0, 0, seconds, [])
    started = time.perf_counter()
    await asyncio.gather(
        *(
            sign_in_loop(host, port, email, started + seconds, True, result)
            for _ in range(connections)
        )
    )
    result.seconds = time.perf_counter() - started
    return result


def start_server(env: dict[str, str], settings: str, workers: int, threads: int) -> tuple:
    port = free_port()
    server = subprocess.Popen(
        [
            PYTHON, "-m", "gunicorn", "portal.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread",
            "--workers", str(workers), "--threads", str(threads),
            "--keep-alive", "30", "--log-level", "warning",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": settings},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    wait_for(base)
    return server, base


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cctv_bench"
        ),
    )
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10, help="per server and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=3, help="per server and round")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="signin_bench_") as var_dir:
        env = bench_env(args, var_dir)
        if args.database_url.startswith("postgres"):
            ensure_database(args.database_url)
        print("==> migrate, two accounts (PBKDF2 and Argon2id hashes)")
        manage(env, "migrate", "--skip-checks", "-v", "0")
        manage(env, "collectstatic", "--skip-checks", "--noinput", "-v", "0")
        subprocess.run(
            [PYTHON, "-c", PREPARE_ACCOUNTS],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
            check=True,
        )
        one_hash = subprocess.run(
            [PYTHON, "-c", TIME_ONE_HASH],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        servers = {}
        try:
            for name in ("before", "after"):
                servers[name] = start_server(env, SETTINGS[name], args.workers, args.threads)
            print(
                f"==> gunicorn gthread {args.workers}x{args.threads} per server, DEBUG=false, "
                f"{args.connections} keep-alive connections, "
                f"{args.rounds} rounds of {args.seconds:.0f}s per server "
                f"after {args.warmup:.0f}s warm-up"
            )
            totals = {name: Result(name, 0, 0, 0.0, []) for name in servers}
            for round_no in range(1, args.rounds + 1):
                rates = {}
                for name, (_server, base) in servers.items():
                    result = asyncio.run(
                        drive(
                            name, base, ACCOUNTS[name], args.connections, args.seconds, args.warmup
                        )
                    )
                    total = totals[name]
                    total.requests += result.requests
                    total.errors += result.errors
                    total.seconds += result.seconds
                    total.latencies_ms += result.latencies_ms
                    rates[name] = result.rate
                print(
                    f"    round {round_no}: before (PBKDF2) {rates['before']:.1f} sign-ins/s, "
                    f"after (Argon2id) {rates['after']:.1f} sign-ins/s"
                )
        finally:
            for server, _base in servers.values():
                server.terminate()
                server.wait(timeout=20)
    labels = {"before": "before (PBKDF2)", "after": "after (Argon2id)"}
    for name, total in totals.items():
        print(
            f"    {labels[name]:17} {total.rate:7.1f} sign-ins/s  "
            f"p50 {total.percentile(0.50):7.1f} ms  p95 {total.percentile(0.95):7.1f} ms  "
            f"errors {total.errors}"
        )
    before, after = totals["before"], totals["after"]
    ratio = after.rate / before.rate if before.rate else float("inf")
    print(f"==> after / before: {ratio:.1f}x sign-ins/s")
    print(f"    (one hash in this process: PBKDF2 {one_hash[1]} ms, Argon2id {one_hash[3]} ms)")
    return 0 if before.errors == 0 and after.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
