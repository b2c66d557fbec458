"""List the declared WhatsApp templates, or create/update them at Meta with --sync."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from notifications import services, whatsapp
from notifications.templates import LANGUAGES, TEMPLATES


class Command(BaseCommand):
    help = (
        "Declared WhatsApp templates; --sync creates or updates them through "
        "/{WABA_ID}/message_templates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sync", action="store_true", help="create or update them at Meta")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["sync"]:
            rows = [
                {
                    "name": t.name,
                    "category": t.category,
                    "languages": list(t.texts),
                    "params": list(t.params),
                }
                for t in TEMPLATES.values()
            ]
            self.stdout.write(
                json.dumps({"templates": rows}, indent=2 if not options["json"] else None)
            )
            return
        if not whatsapp.configured() or not settings.WHATSAPP_BUSINESS_ACCOUNT_ID:
            raise CommandError(
                "WHATSAPP_ACCESS_TOKEN and WHATSAPP_BUSINESS_ACCOUNT_ID must be set "
                "to sync templates"
            )
        try:
            result = services.templates_sync(languages=LANGUAGES)
        except whatsapp.SendError as exc:
            raise CommandError(f"Graph API: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            for key in ("created", "updated", "unchanged", "failed"):
                self.stdout.write(f"{key}: {len(result[key])} {', '.join(result[key])}")
        if result["failed"]:
            raise CommandError("some templates failed: " + ", ".join(result["failed"]))
