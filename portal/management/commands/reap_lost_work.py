"""manage.py reap_lost_work [--json]: one pass of the reaper, now (it also runs every minute)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal import inflight


class Command(BaseCommand):
    help = (
        "Mark work past its deadline as lost (re-queue it where safe) and hand work "
        "recorded while the broker was down to the task engine; one pass, now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--dry-run", action="store_true", help="only count what is past its deadline"
        )

    def handle(self, *args: Any, json: bool, dry_run: bool, **options: Any) -> None:
        report: dict[str, dict[str, int | str]]
        if dry_run:
            report = {name: {"stuck": n} for name, n in inflight.stuck_counts().items()}
        else:
            report = {r.name: inflight.report_json(r) for r in inflight.reap_all()}
        if json:
            self.stdout.write(_dumps(report))
        else:
            for name, counts in report.items():
                text = ", ".join(f"{key} {value}" for key, value in counts.items())
                self.stdout.write(f"{name}: {text}")
        failed = [name for name, counts in report.items() if "error" in counts]
        if failed:
            raise CommandError(f"reaping failed for {', '.join(failed)}", returncode=1)


def _dumps(report: dict[str, dict[str, int | str]]) -> str:
    return json.dumps(report, sort_keys=True)
