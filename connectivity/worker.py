"""A probe worker process: ``python -m connectivity.worker`` (started by ``isolation``).

Protocol, one JSON object per line. The parent writes a configuration line
(``{"settings": {...}}``: its ``CONNECTIVITY_*`` settings), then jobs
(``{"id": 1, "target": {...}, "budget": 15, "step_timeout": 4, "frame_timeout": 8}``).
The worker answers ``{"id": 1, "event": "step", "step": {...}}`` per finished step
and ``{"id": 1, "event": "result", "result": {...}, "jpeg": "<base64>"}`` at the
end. Many jobs run at once on one asyncio loop. The worker exits when its input
closes (its parent is gone). It never touches the database.

Protocol lines go to a private copy of the original stdout; fd 1 itself is
pointed at stderr, so a library that prints cannot corrupt the protocol.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
from typing import Any, BinaryIO

TEST_ABORT_STEP = "tcp_rtsp"


def _setup(config: dict[str, Any]) -> None:
    from django.conf import settings
    from django.utils.log import configure_logging

    for name, value in config.get("settings", {}).items():
        setattr(settings, name, value)
    # The project's logging, with its filter that keeps credentials out of every line.
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


class Worker:
    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.tasks: set[asyncio.Task[None]] = set()

    def send(self, message: dict[str, Any]) -> None:
        self.out.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        self.out.flush()

    async def run_job(self, job: dict[str, Any]) -> None:
        # The probe modules read settings at import; they load only after
        # ``_setup`` has applied the parent's settings to this process.
        from connectivity.probe import ProbeResult, ProbeTarget, Step, run_probe

        job_id = job["id"]
        abort = bool(job.get("abort_for_test"))

        def on_step(step: Step) -> None:
            self.send({"id": job_id, "event": "step", "step": step.__dict__})
            if abort and step.name == TEST_ABORT_STEP:
                # Test hook (settings.CONNECTIVITY_TEST_ABORT_TARGETS): die like a
                # segfaulting decoder would, mid-probe.
                os.abort()

        budget = float(job["budget"])
        try:
            async with asyncio.timeout(budget + 2):
                result = await run_probe(
                    ProbeTarget(**job["target"]),
                    budget=budget,
                    step_timeout=float(job["step_timeout"]),
                    frame_timeout=float(job["frame_timeout"]),
                    on_step=on_step,
                )
        except TimeoutError:
            result = ProbeResult(result_code="no_response", detail={"reason": "budget"})
        except Exception as error:  # a bug must fail this check, not the worker
            result = ProbeResult(
                result_code="probe_crashed", detail={"error": type(error).__name__}
            )
        # Closed transports release their sockets on the next loop turns: let them,
        # so a finished probe holds no descriptor.
        for _ in range(2):
            await asyncio.sleep(0)
        jpeg = base64.b64encode(result.jpeg).decode() if result.jpeg else None
        self.send({"id": job_id, "event": "result", "result": result.to_dict(), "jpeg": jpeg})

    async def serve(self) -> None:
        # After ``_setup`` (see ``run_job``); loads zeep and the WSDLs once per worker.
        from connectivity import onvif

        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=2**20)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        config = json.loads(await reader.readline() or b"{}")
        _setup(config)
        await onvif.warm_up()
        self.send({"event": "ready", "pid": os.getpid()})
        while line := await reader.readline():
            task = asyncio.create_task(self.run_job(json.loads(line)))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        for task in list(self.tasks):
            task.cancel()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    asyncio.run(Worker(out).serve())


if __name__ == "__main__":
    main()
