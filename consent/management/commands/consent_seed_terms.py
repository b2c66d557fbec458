"""Publish the built-in first version of the consent terms when none is published yet.

Idempotent: a second run adds nothing. ``seed_demo`` calls the same service;
demo agreements are ``demo``'s business, not this command's.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from consent.selectors import current_terms
from consent.services import terms_draft_create, terms_publish


class Command(BaseCommand):
    help = "Publish the default consent terms (v1) if none is published yet."

    def handle(self, *args: Any, **options: Any) -> None:
        say = self.stdout.write if options.get("verbosity", 1) > 0 else (lambda _msg: None)
        terms = current_terms()
        if terms is None:
            terms = terms_publish(terms=terms_draft_create())
            say(f"Published terms v{terms.version} ({terms.text_sha256}).")
        else:
            say(f"Terms v{terms.version} already published.")
