"""Check the consent hash chain: exit 0 when it holds, 1 naming the first broken record."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from consent.services import chain_verify


class Command(BaseCommand):
    help = "Verify the hash chain of consent records (agreements and withdrawals)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = chain_verify()
        if report.ok:
            self.stdout.write(f"OK: {report.checked} consent records, chain holds.")
            return
        receipt = f" (receipt {report.broken_receipt})" if report.broken_receipt else ""
        raise CommandError(
            f"BROKEN at record #{report.broken_seq}{receipt}: {report.problem}. "
            f"{report.checked} records before it hold.",
            returncode=1,
        )
