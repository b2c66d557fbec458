"""Print the current code of the demo authenticator (demo officers and admin)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from demo.seed import DEMO_TOTP_SECRET, demo_totp_code


class Command(BaseCommand):
    help = "Print the demo TOTP code (or --secret: the secret to add to an authenticator app)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--secret", action="store_true", help="print the secret instead")

    def handle(self, *args: Any, secret: bool, **options: Any) -> None:
        self.stdout.write(DEMO_TOTP_SECRET if secret else demo_totp_code())
