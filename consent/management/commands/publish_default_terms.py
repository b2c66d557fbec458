"""Publish the built-in first version of the consent terms when none is published yet.

Idempotent: a second run does nothing. ``seed_demo`` and fresh installs call it so
that owners can sign at once; administrators then edit new versions in the admin.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from consent.selectors import current_terms
from consent.services import terms_draft_create, terms_publish


class Command(BaseCommand):
    help = "Publish the default consent terms (version 1) if no version is published yet."

    def handle(self, *args: Any, **options: Any) -> None:
        existing = current_terms()
        if existing is not None:
            self.stdout.write(f"Terms v{existing.version} already published; nothing to do.")
            return
        terms = terms_publish(terms=terms_draft_create())
        self.stdout.write(f"Published terms v{terms.version} ({terms.text_sha256}).")
