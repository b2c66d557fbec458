"""Run probes in worker processes so a crashing decoder cannot take us down.

PyAV (FFmpeg) has been seen to segfault on hostile streams. Probes therefore
never run in the web or task process: a small pool of long-lived workers
(``python -m connectivity.worker``, ``CONNECTIVITY_PROBE_WORKERS`` of them)
runs them, many at once each, with warm imports and parsed WSDLs.

When a worker dies, the checks it was running are not failed wholesale: each
is run again alone in a fresh "solo" worker. A check whose solo worker dies as
well is the culprit and ends with ``probe_crashed``; the others finish
normally. A worker that overruns a job's hard deadline (budget + grace) is
killed and treated the same way.

Callers use ``run_isolated`` (one target) or ``run_many`` (many, bounded
concurrency); step events and results are delivered in the caller's thread,
so callbacks may use the database.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import itertools
import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings

from connectivity.probe import ProbeResult, ProbeTarget, Step

logger = logging.getLogger(__name__)

GRACE_S = 10.0
MAX_SOLO_WORKERS = 2


# The settings ``portal.netguard`` reads in the worker; the parent's values win.
WORKER_SETTINGS = (
    "CONNECTIVITY_ALLOWED_NETWORKS",
    "CONNECTIVITY_ALLOWED_PORTS",
    "CONNECTIVITY_ANY_PORT_IN_ALLOWED_NETWORKS",
    "CONNECTIVITY_OWN_ADDRESSES",
)


def _worker_settings() -> dict[str, Any]:
    return {name: getattr(settings, name) for name in WORKER_SETTINGS if hasattr(settings, name)}


@dataclass
class _Job:
    id: int
    key: Any
    target: ProbeTarget
    events: queue.Queue[tuple[str, Any, Any]]
    budget: float
    abort_for_test: bool
    solo: bool = False
    deadline: float = 0.0
    steps: list[Step] = field(default_factory=list)

    def message(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "target": self.target.to_dict(),
            "budget": self.budget,
            "step_timeout": settings.CONNECTIVITY_STEP_TIMEOUT,
            "frame_timeout": settings.CONNECTIVITY_FRAME_TIMEOUT,
            "abort_for_test": self.abort_for_test,
        }


class _Worker:
    def __init__(self, pool: ProbePool, *, solo: bool) -> None:
        self.pool = pool
        self.solo = solo
        self.jobs: dict[int, _Job] = {}
        self.killed = False
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "connectivity.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=str(settings.BASE_DIR),
            env=pool.env,
        )
        self.stdin: IO[bytes] = self.proc.stdin  # type: ignore[assignment]
        self.write(pool.config)
        self.reader = threading.Thread(target=self._read, name="probe-worker-reader", daemon=True)
        self.reader.start()

    def write(self, message: dict[str, Any]) -> None:
        try:
            self.stdin.write(json.dumps(message).encode() + b"\n")
            self.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # the reader thread sees the death and reschedules

    def _read(self) -> None:
        stdout: IO[bytes] = self.proc.stdout  # type: ignore[assignment]
        with stdout:
            for line in stdout:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                self.pool._on_message(self, message)
        self.proc.wait()
        with contextlib.suppress(OSError):
            self.stdin.close()
        self.pool._on_death(self)

    def kill(self) -> None:
        self.killed = True
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.stdin.close()


class ProbePool:
    def __init__(self, *, workers: int, config: dict[str, Any]) -> None:
        self.size = max(1, workers)
        self.config = config
        self.env = {**os.environ}
        self.lock = threading.Lock()
        self.workers: list[_Worker] = []
        self.solo_workers: list[_Worker] = []
        self.solo_waiting: list[_Job] = []
        self.ids = itertools.count(1)
        self.closed = False
        with self.lock:  # start warm: imports and WSDL parsing happen in parallel
            self.workers = [_Worker(self, solo=False) for _ in range(self.size)]
        self._watchdog = threading.Thread(target=self._watch, name="probe-watchdog", daemon=True)
        self._watchdog.start()

    # --- submitting ------------------------------------------------------------

    def submit(self, key: Any, target: ProbeTarget, events: queue.Queue) -> None:
        abort_targets = set(getattr(settings, "CONNECTIVITY_TEST_ABORT_TARGETS", ()))
        job = _Job(
            id=next(self.ids),
            key=key,
            target=target,
            events=events,
            budget=float(settings.CONNECTIVITY_PROBE_BUDGET),
            abort_for_test=f"{target.host}:{target.rtsp_port}" in abort_targets,
        )
        with self.lock:
            writes = self._dispatch(job)
        self._write(writes)

    @staticmethod
    def _write(writes: list[tuple[_Worker, dict[str, Any]]]) -> None:
        # Outside the lock: a full pipe must not stall the reader threads.
        for worker, message in writes:
            worker.write(message)

    def _dispatch(self, job: _Job) -> list[tuple[_Worker, dict[str, Any]]]:
        job.deadline = time.monotonic() + job.budget + GRACE_S
        if job.solo:
            if len(self.solo_workers) >= MAX_SOLO_WORKERS:
                self.solo_waiting.append(job)
                return []
            worker = _Worker(self, solo=True)
            self.solo_workers.append(worker)
        else:
            live = [w for w in self.workers if not w.killed]
            if len(live) < self.size:
                worker = _Worker(self, solo=False)
                self.workers.append(worker)
            else:
                worker = min(live, key=lambda w: len(w.jobs))
        worker.jobs[job.id] = job
        return [(worker, job.message())]

    # --- events from the reader threads -------------------------------------------

    def _on_message(self, worker: _Worker, message: dict[str, Any]) -> None:
        job = worker.jobs.get(message.get("id", -1))
        if job is None:
            return
        if message["event"] == "step":
            step = Step(**message["step"])
            job.steps.append(step)
            job.events.put(("step", job.key, list(job.steps)))
        elif message["event"] == "result":
            with self.lock:
                worker.jobs.pop(job.id, None)
                if worker.solo:
                    worker.close()
            jpeg = base64.b64decode(message["jpeg"]) if message.get("jpeg") else None
            job.events.put(("result", job.key, ProbeResult.from_dict(message["result"], jpeg)))

    def _on_death(self, worker: _Worker) -> None:
        writes: list[tuple[_Worker, dict[str, Any]]] = []
        with self.lock:
            if worker in self.workers:
                self.workers.remove(worker)
            if worker in self.solo_workers:
                self.solo_workers.remove(worker)
            orphans = list(worker.jobs.values())
            worker.jobs.clear()
            crashed = worker.solo or len(orphans) == 1
            for job in orphans:
                if crashed or self.closed:
                    logger.warning(
                        "probe worker died (exit %s) on one check", worker.proc.returncode
                    )
                    result = ProbeResult(
                        result_code="probe_crashed",
                        steps=job.steps,
                        detail={"exit": worker.proc.returncode},
                    )
                    job.events.put(("result", job.key, result))
                else:
                    job.solo = True
                    job.steps = []
                    job.events.put(("restart", job.key, None))
                    writes += self._dispatch(job)
            while (
                self.solo_waiting and len(self.solo_workers) < MAX_SOLO_WORKERS and not self.closed
            ):
                writes += self._dispatch(self.solo_waiting.pop(0))
        self._write(writes)

    def _watch(self) -> None:
        while not self.closed:
            time.sleep(0.5)
            now = time.monotonic()
            with self.lock:
                overdue = [
                    w for w in self.workers + self.solo_workers
                    if any(job.deadline < now for job in w.jobs.values())
                ]  # fmt: skip
            for worker in overdue:
                logger.warning("probe worker overran its deadline; killing it")
                worker.kill()

    def close(self) -> None:
        self.closed = True
        with self.lock:
            workers = self.workers + self.solo_workers
        for worker in workers:
            worker.close()
        for worker in workers:
            try:
                worker.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.proc.wait()
            worker.reader.join(timeout=5)


_pool: ProbePool | None = None
_pool_key = ""
_pool_lock = threading.Lock()


def pool() -> ProbePool:
    """The process's pool, restarted when the connectivity settings change (tests)."""
    global _pool, _pool_key
    config = {"settings": _worker_settings()}
    key = json.dumps([config, settings.CONNECTIVITY_PROBE_WORKERS], sort_keys=True, default=str)
    with _pool_lock:
        if _pool is None or key != _pool_key:
            if _pool is not None:
                _pool.close()
            _pool = ProbePool(workers=settings.CONNECTIVITY_PROBE_WORKERS, config=config)
            _pool_key = key
        return _pool


@atexit.register
def shutdown() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.close()
            _pool = None


def run_many(
    targets: Iterable[tuple[Any, ProbeTarget]],
    *,
    concurrency: int,
    on_result: Callable[[Any, ProbeResult], None],
    on_steps: Callable[[Any, list[Step]], None] | None = None,
) -> None:
    """Probe every target, at most ``concurrency`` at once; callbacks run in this thread."""
    events: queue.Queue[tuple[str, Any, Any]] = queue.Queue()
    pending = iter(targets)
    the_pool = pool()
    in_flight = 0

    def fill() -> None:
        nonlocal in_flight
        while in_flight < concurrency:
            item = next(pending, None)
            if item is None:
                return
            the_pool.submit(item[0], item[1], events)
            in_flight += 1

    fill()
    while in_flight:
        kind, key, payload = events.get()
        if kind == "result":
            in_flight -= 1
            on_result(key, payload)
            fill()
        elif on_steps is not None:
            on_steps(key, payload or [])


def run_isolated(
    target: ProbeTarget, *, on_steps: Callable[[list[Step]], None] | None = None
) -> ProbeResult:
    """Probe one target in a worker process and wait for the result."""
    results: list[ProbeResult] = []
    run_many(
        [(None, target)],
        concurrency=1,
        on_result=lambda _key, result: results.append(result),
        on_steps=(lambda _key, steps: on_steps(steps)) if on_steps else None,
    )
    return results[0]
