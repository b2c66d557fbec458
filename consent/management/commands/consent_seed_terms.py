"""Publish the built-in first version of the consent terms when none is published yet,
and give the generated demo owners of ``seed_demo`` their agreements.

Idempotent: a second run adds nothing. ``seed_demo`` calls it. Demo agreements
are written only for owners created by ``seed_demo`` (contact e-mail
``demo-owner-N@demo.cctvwarga.id``, no members), never for real owners.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from consent.selectors import current_terms
from consent.services import demo_agreements_ensure, terms_draft_create, terms_publish
from owners.models import Owner

DEMO_OWNER_EMAIL = r"^demo-owner-[0-9]+@demo\.cctvwarga\.id$"


class Command(BaseCommand):
    help = "Publish the default consent terms (v1) if none is published; sign for demo owners."

    def handle(self, *args: Any, **options: Any) -> None:
        say = self.stdout.write if options.get("verbosity", 1) > 0 else (lambda _msg: None)
        terms = current_terms()
        if terms is None:
            terms = terms_publish(terms=terms_draft_create())
            say(f"Published terms v{terms.version} ({terms.text_sha256}).")
        else:
            say(f"Terms v{terms.version} already published.")
        demo_owners = Owner.objects.filter(
            contact_email__regex=DEMO_OWNER_EMAIL, memberships__isnull=True
        )
        count = demo_agreements_ensure(owners=demo_owners)
        say(f"Demo agreements added: {count}.")
