"""Web benchmark: a program page against a trivial Django view, same server, same run.

What it does
1. Prepares a database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cctv_bench):
   migrate, ``seed_demo --cameras N`` (default 60,000; idempotent, so a second run is quick)
   and the public page tree.
2. Collects static files and starts gunicorn with production-like settings (DEBUG=false,
   gthread workers, persistent DB connections, the cache from CACHE_URL: Redis when one
   answers on 127.0.0.1:6379, else the file cache) on a loopback port.
3. Drives both URLs with an asyncio load generator speaking raw HTTP/1.1 over keep-alive
   connections (32 by default) for a fixed time after a warm-up, and prints requests/s,
   p50 and p95 latency of each, and the ratio program page / trivial view.

The program page is served by the whole-page cache (cms/page_cache.py) as
anonymous visitors get it; the script also prints the uncached render rate for
the record.

Targets (printed as ok/MISS): program page >= 50% of the trivial view's requests/s and
p95 < 100 ms at 32 connections.

Run:  .venv/bin/python bench/web_bench.py [--cameras 60000] [--connections 32] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- the load generator -----------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response (Content-Length or chunked) and return its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    if headers.get("connection", "").lower() == "close":
        raise ConnectionResetError("server closed the connection")
    return status


async def connection_loop(
    host: str,
    port: int,
    path: str,
    deadline: float,
    record: bool,
    result: Result,
    cookie: str = "",
) -> None:
    """One keep-alive connection sending GET ``path`` until ``deadline`` (with ``cookie``)."""
    cookie_header = f"Cookie: {cookie}\r\n" if cookie else ""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: web_bench\r\n"
        f"Accept: text/html\r\n{cookie_header}Connection: keep-alive\r\n\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
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
                if status == 200:
                    result.requests += 1
                else:
                    result.errors += 1
    finally:
        writer.close()


async def drive(name: str, url: str, connections: int, warmup: float, seconds: float) -> Result:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    scratch = Result(name, 0, 0, 0.0, [])
    await asyncio.gather(
        *(
            connection_loop(host, port, path, time.perf_counter() + warmup, False, scratch)
            for _ in range(connections)
        )
    )
    result = Result(name, 0, 0, seconds, [])
    started = time.perf_counter()
    await asyncio.gather(
        *(
            connection_loop(host, port, path, started + seconds, True, result)
            for _ in range(connections)
        )
    )
    result.seconds = time.perf_counter() - started
    return result


# --- the server -------------------------------------------------------------------


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_env(args: argparse.Namespace, var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "false",
            "DATABASE_URL": args.database_url,
            "SECRET_KEY": env.get("SECRET_KEY") or "bench-only-not-secret-" + "x" * 40,
            "FIELD_ENCRYPTION_KEYS": env.get("FIELD_ENCRYPTION_KEYS")
            or "S6Yq2x0ZkQk2wTgqF3H3rj0cTqWJ0QmEfbq1Y8m5m0A=",
            "TASK_ENGINE": env.get("TASK_ENGINE", "immediate"),
            "VAR_DIR": var_dir,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    if "CACHE_URL" not in os.environ:
        env["CACHE_URL"] = "redis://127.0.0.1:6379/11" if redis_answers() else "file"
    return env


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(args: argparse.Namespace, env: dict[str, str]) -> None:
    if args.database_url.startswith("postgres"):
        ensure_database(args.database_url)
    print(f"==> migrate, seed_demo --cameras {args.cameras} (idempotent), page tree")
    started = time.perf_counter()
    manage(env, "migrate", "--skip-checks", "-v", "0")
    manage(env, "seed_demo", "--skip-checks", "--cameras", str(args.cameras))
    manage(env, "cms_ensure_site", "--skip-checks")
    manage(env, "collectstatic", "--skip-checks", "--noinput", "-v", "0")
    print(f"    ready in {time.perf_counter() - started:.0f}s")


def program_path(env: dict[str, str], slug: str | None) -> str:
    code = (
        "import django; django.setup()\n"
        "from cms.models import ProgramPage\n"
        "qs = ProgramPage.objects.live().select_related('program')\n"
        f"page = qs.filter(program__slug={slug!r}).first() if {slug!r} else None\n"
        "page = page or max(qs, key=lambda p: p.program.enrolments.count())\n"
        "print(page.url_path.split('/', 2)[2] if page.url_path.count('/') > 2 else '')\n"
    )
    out = subprocess.run(
        [PYTHON, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        check=True,
        capture_output=True,
        text=True,
    )
    return "/" + out.stdout.strip().splitlines()[-1]


def wait_for(url: str, timeout: float = 30) -> None:
    parts = urlsplit(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((parts.hostname, parts.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not start on {url}")


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
    parser.add_argument("--cameras", type=int, default=60_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5, help="per URL and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--program", help="program slug (default: the one with most cameras)")
    parser.add_argument("--skip-prepare", action="store_true", help="database already seeded")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="web_bench_") as var_dir:
        env = bench_env(args, var_dir)
        if not args.skip_prepare:
            prepare(args, env)
        else:
            manage(env, "collectstatic", "--skip-checks", "--noinput", "-v", "0")
        page = program_path(env, args.program)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--worker-class",
                "gthread",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--keep-alive",
                "30",
                "--backlog",
                "256",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "bench.web_bench_settings"},
        )
        try:
            wait_for(base)
            print(
                f"==> gunicorn gthread {args.workers}x{args.threads}, DEBUG=false, "
                f"cache {env['CACHE_URL'].split(':')[0]}, "
                f"{args.connections} keep-alive connections, "
                f"{args.rounds} rounds of {args.seconds:.0f}s per URL "
                f"after {args.warmup:.0f}s warm-up"
            )
            # Alternate the two URLs in rounds so that load from other programs
            # on the machine weighs on both alike.
            totals = {
                "trivial view": Result("trivial view", 0, 0, 0.0, []),
                "program page": Result("program page", 0, 0, 0.0, []),
            }
            paths = {"trivial view": "/bench-trivial", "program page": page}
            for round_no in range(1, args.rounds + 1):
                rates = {}
                for name, path in paths.items():
                    result = asyncio.run(
                        drive(name, base + path, args.connections, args.warmup, args.seconds)
                    )
                    total = totals[name]
                    total.requests += result.requests
                    total.errors += result.errors
                    total.seconds += result.seconds
                    total.latencies_ms += result.latencies_ms
                    rates[name] = result.rate
                print(
                    f"    round {round_no}: trivial {rates['trivial view']:.0f} req/s, "
                    f"program {rates['program page']:.0f} req/s"
                )
            for name, total in totals.items():
                print(
                    f"    {name:13} {paths[name]:32} {total.rate:8.1f} req/s  "
                    f"p50 {total.percentile(0.50):6.1f} ms  "
                    f"p95 {total.percentile(0.95):6.1f} ms  "
                    f"errors {total.errors}"
                )
            results = list(totals.values())
            # For the record: the same page rendered without the page cache (a
            # query string bypasses it; the progress aggregates stay cached).
            uncached = asyncio.run(drive("uncached", base + page + "?b=1", 1, 1, 5))
            print(
                f"    (program page rendered without the page cache, one connection: "
                f"{uncached.rate:.1f} req/s, p50 {uncached.percentile(0.5):.1f} ms)"
            )
        finally:
            server.terminate()
            server.wait(timeout=20)
    trivial, program = results
    ratio = program.rate / trivial.rate if trivial.rate else 0.0
    p95 = program.percentile(0.95)
    ratio_verdict = "ok" if ratio >= 0.5 else "MISS"
    p95_verdict = "ok" if p95 < 100 else "MISS"
    print(f"==> program page / trivial view: {ratio:.0%} (target >= 50%: {ratio_verdict})")
    print(f"==> program page p95 {p95:.1f} ms (target < 100 ms: {p95_verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
