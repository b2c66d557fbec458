"""Benchmark: N simulated recorders on loopback, checked through the task engine.

    .venv/bin/python bench/probe_bench.py [--recorders 200] [--concurrency 200] [--baseline 40]

The recorders are fake ONVIF devices (a separate process) in a mix of healthy,
wrong password, silent and closed; healthy ones stream H.264 from Debian's
gst-rtsp-server (``tests/fakes/rtsp_server.py``). Every recorder gets a Check
row; the checks run through ``connectivity.tasks.run_checks`` (the configured
task engine; ``immediate`` unless TASK_ENGINE says otherwise) with the given
concurrency, in the isolated worker pool. Then the same mix runs again as a naive
baseline: one probe after another, in this process, no pool.

Prints probes/s, p50/p95 probe time, CPU seconds per probe (this process plus
the probe workers; the fakes, gst-rtsp-server and PostgreSQL are not counted),
peak RSS (this process plus workers) and open file descriptors before/after.
It uses the test database ``test_<name>`` (created and migrated on first use).
With TASK_ENGINE=q2 or celery the checks run in that engine's workers (start them
against the same database); CPU, RSS and fd figures then cover only this process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")

MIX = (("healthy", 0.5), ("wrong_password", 0.2), ("silent", 0.15), ("closed", 0.15))
USERNAME, PASSWORD = "admin", "p@ss:w/rd#1?x"


def kinds(n: int) -> list[str]:
    out: list[str] = []
    for kind, share in MIX:
        out += [kind] * round(n * share)
    out = (out + ["healthy"] * n)[:n]
    # Interleave so every batch sees the whole mix.
    return [out[i] for i in sorted(range(n), key=lambda i: (i * 7919) % n)]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_stat(pid: int) -> tuple[float, int, int]:
    """(cpu seconds, peak RSS in kB, open fds) of a live process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    hwm = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
    return cpu, hwm, len(os.listdir(f"/proc/{pid}/fd"))


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start_fakes(recorder_kinds: list[str]) -> tuple[subprocess.Popen, list[int]]:
    configs = []
    for kind in recorder_kinds:
        values: dict = {"username": USERNAME, "password": PASSWORD, "lan_host": "192.168.1.64"}
        values["profiles"] = [{"path": "/h264", "width": 640, "height": 360}]
        if kind == "wrong_password":
            values["password"] = "something-else"  # noqa: S105 - the wrong one, on purpose
        if kind == "silent":
            values["mode"] = "silent"
        configs.append(values)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.onvif_device", json.dumps(configs)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


RTSP_HOST_SCRIPT = f"""
import sys, json
from pathlib import Path
from tests.fakes.rtsp_server import start_server, stop_server
server = start_server(Path(sys.argv[1]), users={{{USERNAME!r}: {PASSWORD!r}}})
print(json.dumps({{"port": server.port, "pid": server.process.pid}}), flush=True)
sys.stdin.read()
stop_server(server)
"""


def start_rtsp_server() -> subprocess.Popen:
    """gst-rtsp-server with the test clips; the clips are encoded in that helper process,
    so encoding memory does not count towards this process's peak RSS."""
    process = subprocess.Popen(
        [sys.executable, "-c", RTSP_HOST_SCRIPT, tempfile.mkdtemp(prefix="bench-clips-")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    assert process.stdout is not None
    started = json.loads(process.stdout.readline())
    process.port, process.gst_pid = started["port"], started["pid"]  # type: ignore[attr-defined]
    return process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recorders", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--baseline", type=int, default=40, help="recorders in the sequential run")
    parser.add_argument(
        "--healthy-run", type=int, default=400, help="checks in the healthy-only run"
    )
    parser.add_argument("--step-timeout", type=float, default=4.0)
    parser.add_argument("--frame-timeout", type=float, default=8.0)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    settings.CONNECTIVITY_STEP_TIMEOUT = args.step_timeout
    settings.CONNECTIVITY_FRAME_TIMEOUT = args.frame_timeout
    settings.CONNECTIVITY_RECHECK_CONCURRENCY = args.concurrency
    settings.CONNECTIVITY_RATE_LIMIT_PER_USER = settings.CONNECTIVITY_RATE_LIMIT_PER_HOST = 0
    setup_test_environment()
    connection.creation.create_test_db(keepdb=True, verbosity=0)

    from connectivity import isolation, tasks
    from connectivity.models import Check, CheckStatus
    from connectivity.probe import ProbeTarget, run_probe
    from tests.factories import RecorderFactory, SiteFactory

    print(f"engine={settings.TASK_ENGINE} workers={settings.CONNECTIVITY_PROBE_WORKERS} "
          f"recorders={args.recorders} concurrency={args.concurrency} "
          f"step_timeout={args.step_timeout}s frame_timeout={args.frame_timeout}s")  # fmt: skip
    recorder_kinds = kinds(args.recorders)
    print("mix:", dict(Counter(recorder_kinds)))
    rtsp = start_rtsp_server()
    fakes, ports = start_fakes(recorder_kinds)
    try:
        Check.objects.all().delete()
        site = SiteFactory()
        recorders = []
        for kind, port in zip(recorder_kinds, ports, strict=True):
            recorders.append(
                RecorderFactory(
                    site=site,
                    host="127.0.0.1",
                    brand="hikvision",
                    onvif_port=closed_port() if kind == "closed" else port,
                    rtsp_port=rtsp.port,
                    username=USERNAME,
                    password=PASSWORD,
                )
            )

        # Warm the pool (workers start, import, parse WSDLs), then one healthy probe alone.
        pool = isolation.pool()
        healthy = recorders[recorder_kinds.index("healthy")]
        single = Check.objects.create(recorder=healthy)
        tasks.run_check.enqueue(single.pk)
        single.refresh_from_db()
        print(f"\nsingle healthy probe: {single.result_code}, {single.duration_ms} ms total, "
              f"first frame at {single.ms_to_first_frame} ms")  # fmt: skip
        single.delete()

        pids = [w.proc.pid for w in pool.workers]
        peers = [fakes.pid, rtsp.gst_pid]  # type: ignore[attr-defined]
        kind_of = {r.pk: k for r, k in zip(recorders, recorder_kinds, strict=True)}

        def engine_run(label: str, batch: list) -> None:
            fds_before = {pid: proc_stat(pid)[2] for pid in pids}
            self_fds_before = len(os.listdir("/proc/self/fd"))
            cpu_before = self_cpu() + sum(proc_stat(pid)[0] for pid in pids)
            peer_cpu_before = sum(proc_stat(pid)[0] for pid in peers)
            checks = [Check.objects.create(recorder=r) for r in batch]
            started = time.perf_counter()
            tasks.run_checks.enqueue([c.pk for c in checks])
            # With a real engine (TASK_ENGINE=q2 or celery, its workers running) the
            # batch runs elsewhere: wait until every check has finished.
            unfinished = Check.objects.filter(pk__in=[c.pk for c in checks]).exclude(
                status=CheckStatus.FINISHED
            )
            while unfinished.exists() and time.perf_counter() - started < 600:
                time.sleep(0.05)
            wall = time.perf_counter() - started
            cpu = self_cpu() + sum(proc_stat(pid)[0] for pid in pids) - cpu_before
            peer_cpu = sum(proc_stat(pid)[0] for pid in peers) - peer_cpu_before
            peak_rss_mb = (
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                + sum(proc_stat(pid)[1] for pid in pids)
            ) / 1024
            done = list(Check.objects.filter(pk__in=[c.pk for c in checks]))
            by_kind: dict[str, Counter] = {}
            times = [c.duration_ms / 1000 for c in done if c.duration_ms is not None]
            firsts = [c.ms_to_first_frame for c in done if c.ms_to_first_frame is not None]
            for c in done:
                by_kind.setdefault(kind_of[c.recorder_id], Counter())[c.result_code] += 1
            healthy_n = sum(by_kind.get("healthy", Counter()).values())
            print(f"\n== {label}: through the task engine, isolated pool ==")
            print("results by kind:", {k: dict(v) for k, v in by_kind.items()})
            timed_out = Counter(
                next((st["name"] for st in c.steps if not st["ok"]), "budget")
                for c in done
                if c.result_code == "no_response" and kind_of[c.recorder_id] != "silent"
            )
            if timed_out:
                print("timeouts outside the silent peers, by step:", dict(timed_out))
            print(f"probes/s: {len(done) / wall:.1f}   (healthy probes/s: {healthy_n / wall:.1f}; "
                  f"{len(done)} probes in {wall:.2f} s, {args.concurrency} in flight)")  # fmt: skip
            print(f"probe time p50/p95: {statistics.median(times):.2f} s"
                  f" / {percentile(times, 0.95):.2f} s")  # fmt: skip
            if firsts:
                print(f"first frame p50/p95: {statistics.median(firsts):.0f} ms"
                      f" / {percentile(firsts, 0.95):.0f} ms")  # fmt: skip
            print(f"CPU per probe: {cpu / len(done) * 1000:.1f} ms (this process + {len(pids)} "
                  f"workers); peers (fake devices, gst-rtsp-server): "
                  f"{peer_cpu / len(done) * 1000:.1f} ms")  # fmt: skip
            print(f"peak RSS: {peak_rss_mb:.0f} MB (this process + workers)")
            fds_after = {pid: proc_stat(pid)[2] for pid in pids}
            fds_self = len(os.listdir("/proc/self/fd"))
            print(f"open fds: this process {self_fds_before} -> {fds_self}; "
                  f"workers {fds_before} -> {fds_after}")  # fmt: skip

        engine_run("mixed recorders", recorders)
        healthy_recorders = [
            r for r, k in zip(recorders, recorder_kinds, strict=True) if k == "healthy"
        ]
        engine_run(
            "healthy only",
            [healthy_recorders[i % len(healthy_recorders)] for i in range(args.healthy_run)],
        )

        # --- naive sequential baseline: one probe after another, in this process -------------
        n = min(args.baseline, len(recorders))
        targets = [
            ProbeTarget(host="127.0.0.1", onvif_port=r.onvif_port, rtsp_port=r.rtsp_port,
                        username=USERNAME, password=PASSWORD, brand="hikvision")
            for r in recorders[:n]
        ]  # fmt: skip
        warm = ProbeTarget(host="127.0.0.1", onvif_port=healthy.onvif_port, rtsp_port=rtsp.port,
                           username=USERNAME, password=PASSWORD)  # fmt: skip
        asyncio.run(run_probe(warm, budget=15))  # warm-up: imports and WSDL parsing
        base_cpu = self_cpu()
        base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        base_times = []
        base_results: dict[str, Counter] = {}
        started = time.perf_counter()
        for target, kind in zip(targets, recorder_kinds, strict=False):
            t0 = time.perf_counter()
            result = asyncio.run(
                run_probe(target, budget=settings.CONNECTIVITY_PROBE_BUDGET,
                          step_timeout=args.step_timeout, frame_timeout=args.frame_timeout)
            )  # fmt: skip
            base_times.append(time.perf_counter() - t0)
            base_results.setdefault(kind, Counter())[result.result_code] += 1
        base_wall = time.perf_counter() - started
        print(f"\n== naive sequential baseline ({n} of the same mix, in-process, no isolation) ==")
        print("results by kind:", {k: dict(v) for k, v in base_results.items()})
        print(f"probes/s: {n / base_wall:.1f}   ({n} probes in {base_wall:.2f} s)")
        print(f"probe time p50/p95: {statistics.median(base_times):.2f} s / "
              f"{percentile(base_times, 0.95):.2f} s")  # fmt: skip
        print(f"CPU per probe: {(self_cpu() - base_cpu) / n * 1000:.1f} ms")
        print(
            "peak RSS: "
            f"{max(base_rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024:.0f} MB"
        )
    finally:
        Check.objects.all().delete()
        if fakes.stdin:
            fakes.stdin.close()
        fakes.wait(timeout=10)
        if rtsp.stdin:
            rtsp.stdin.close()
        rtsp.wait(timeout=15)
        isolation.shutdown()


if __name__ == "__main__":
    main()
