"""``manage.py probe_recorder --host H [...] --json``: one check, synchronously.

Prints one JSON object: ``ok``, ``result_code``, ``message`` (Indonesian),
``steps`` (``name``, ``ok``, ``ms``, ``error_code``), ``device``
(``manufacturer``, ``model``, ``firmware``, ``serial``), ``streams``
(``uri`` without credentials, ``codec``, ``width``, ``height``, ``fps``) and
``warnings``: the codes of the notes on a passing check (``low_resolution``,
``low_fps``, ``h265_only``, ``clock_skew``; empty otherwise), which is what
``result_code`` ``ok_with_warnings`` refers to.
Exit status 0 when the recorder passed, 1 when it did not, 2 for bad arguments.
ONVIF is tried when ``--onvif-port`` is given; otherwise RTSP alone, with the
brand's paths unless ``--rtsp-path`` is given. Private and loopback addresses
are refused unless ``CONNECTIVITY_ALLOWED_NETWORKS`` allows them. The probe runs
in an isolated worker process like every other check.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from connectivity import isolation
from connectivity.brands import BRANDS, brand_profile
from connectivity.explanations import message_for, warning_notes
from connectivity.probe import ProbeResult, ProbeTarget

DEVICE_FIELDS = ("manufacturer", "model", "firmware", "serial")


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise CommandError(f"not a port number: {value!r}", returncode=2) from None
    if not 0 < port < 65536:
        raise CommandError(f"port out of range: {port}", returncode=2)
    return port


def result_json(result: ProbeResult) -> dict[str, Any]:
    with translation.override("id"):
        message = message_for(result.result_code, result.detail)
    return {
        "ok": result.ok,
        "result_code": result.result_code,
        "message": message,
        "steps": [dataclasses.asdict(step) for step in result.steps],
        "device": {name: result.device.get(name, "") for name in DEVICE_FIELDS},
        "streams": [dataclasses.asdict(stream) for stream in result.streams],
        "warnings": list(result.warnings),
    }


class Command(BaseCommand):
    help = "Test one recorder (ONVIF and RTSP) and print the result."
    # A network tool other programs call: it needs no database and must answer fast.
    requires_system_checks: list[str] = []
    # call_command(..., stdin=StringIO(...)) stands in for standard input.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", required=True, help="host name or public IP address")
        parser.add_argument("--onvif-port", help="ONVIF port; without it ONVIF is not tried")
        parser.add_argument("--rtsp-port", help="RTSP port (default: the brand's, usually 554)")
        parser.add_argument("--username", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        parser.add_argument(
            "--rtsp-path", default="", help="RTSP path, e.g. /Streaming/Channels/101"
        )
        parser.add_argument("--brand", default="generic", choices=sorted(BRANDS))
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        host = (options["host"] or "").strip()
        if not host:
            raise CommandError("--host must not be empty", returncode=2)
        brand = brand_profile(options["brand"])
        password = ""
        if options["password_stdin"]:
            password = (options.get("stdin") or sys.stdin).readline().rstrip("\r\n")
        target = ProbeTarget(
            host=host,
            onvif_port=_port(options["onvif_port"]) if options["onvif_port"] else None,
            rtsp_port=_port(options["rtsp_port"]) if options["rtsp_port"] else brand.rtsp_port,
            username=options["username"],
            password=password,
            rtsp_path=options["rtsp_path"],
            brand=brand.key,
        )
        result = isolation.run_isolated(target)
        data = result_json(result)
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            self.stdout.write(f"{data['result_code']}: {data['message']}")
            for step in data["steps"]:
                mark = "ok " if step["ok"] else "ERR"
                self.stdout.write(
                    f"  {mark} {step['name']:<20} {step['ms']:>6} ms {step['error_code']}"
                )
            with translation.override("id"):
                notes = warning_notes(data["warnings"])
            for note in notes:
                self.stdout.write(f"  ! {note['code']}: {note['text']} {note['advice']}")
        if not result.ok:
            sys.exit(1)
